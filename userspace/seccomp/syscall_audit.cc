#include "seccomp/syscall_audit.h"

namespace cvlsm {

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
