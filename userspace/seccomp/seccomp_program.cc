#include "seccomp/seccomp_program.h"

#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace cvlsm {

absl::string_view SeccompOptimizeName(SeccompOptimize level) {
  return level == SeccompOptimize::kBinaryTree ? "binary-tree" : "priority";
}

int SeccompProgram::InstallInCurrentThread(int* listener_fd) const noexcept {
  const bool new_listener = (install_flags_ & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0;
  if (listener_fd != nullptr) *listener_fd = -1;
  if (new_listener && listener_fd == nullptr) return EINVAL;
  if (instructions_.empty() || instructions_.size() > BPF_MAXINSNS) return EINVAL;
  sock_fprog prog{.len = static_cast<unsigned short>(instructions_.size()),
                  .filter = const_cast<sock_filter*>(instructions_.data())};
  // Raw syscall: glibc has no wrapper, and libseccomp's seccomp_load allocates.
  const long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, install_flags_, &prog);
  if (rc < 0) return errno;
  if (new_listener) *listener_fd = static_cast<int>(rc);
  return 0;
}

}  // namespace cvlsm
