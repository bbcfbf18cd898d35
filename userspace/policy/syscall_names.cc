#include "policy/syscall_names.h"

#include <seccomp.h>

#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace cvlsm {

absl::Status CheckSyscallName(absl::string_view name) {
  std::string owned(name);
  if (owned.empty()) return absl::InvalidArgumentError("empty syscall name");
  // libseccomp would read the name only up to the NUL, and find another syscall.
  if (owned.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("syscall name '", absl::CHexEscape(name), "' contains a NUL byte: remove it"));
  }
  // seccomp_syscall_resolve_name returns a negative pseudo-number for names that exist on
  // other architectures only, and __NR_SCMP_ERROR for names libseccomp does not know.
  if (seccomp_syscall_resolve_name(owned.c_str()) == __NR_SCMP_ERROR) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown syscall '", name, "' (not known to libseccomp on any architecture)"));
  }
  return absl::OkStatus();
}

bool IsNativeSyscall(absl::string_view name) {
  std::string owned(name);
  return seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, owned.c_str()) >= 0;
}

std::string NativeSyscallName(int nr) {
  char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
  if (name == nullptr) return {};
  std::string owned(name);
  std::free(name);
  return owned;
}

}  // namespace cvlsm
