#include "seccomp/seccomp_program.h"

#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace cvlsm {

absl::string_view SeccompOptimizeName(SeccompOptimize level) {
  return level == SeccompOptimize::kBinaryTree ? "binary-tree" : "priority";
}

int SeccompProgram::InstallInCurrentThread() const noexcept {
  if (instructions_.empty() || instructions_.size() > BPF_MAXINSNS) return EINVAL;
  sock_fprog prog{.len = static_cast<unsigned short>(instructions_.size()),
                  .filter = const_cast<sock_filter*>(instructions_.data())};
  // Raw syscall: glibc has no wrapper, and libseccomp's seccomp_load allocates.
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, install_flags_, &prog) != 0) return errno;
  return 0;
}

}  // namespace cvlsm
