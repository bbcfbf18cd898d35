#include "seccomp/syscall_audit.h"

#include <seccomp.h>

#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"

namespace cvlsm {

std::string SyscallName(int syscall_nr) {
  // libseccomp returns a copy the caller frees.
  std::unique_ptr<char, decltype(&std::free)> name(
      seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, syscall_nr), &std::free);
  if (name == nullptr) return absl::StrCat("syscall ", syscall_nr);
  return name.get();
}

void CollectingSyscallAudit::WouldBeDenied(pid_t pid, int syscall_nr) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (counts_.empty()) first_pid_ = pid;
  ++counts_[syscall_nr];
}

std::map<int, uint64_t> CollectingSyscallAudit::Snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

pid_t CollectingSyscallAudit::first_pid() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return first_pid_;
}

}  // namespace cvlsm
