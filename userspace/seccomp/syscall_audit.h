// The receiving end of audit mode's syscall side: what a confined process did that its
// policy would have refused (see SyscallFilter::Build), one call at a time.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace cvlsm {

class SyscallAuditSink {
 public:
  virtual ~SyscallAuditSink() = default;
  // Called from the launcher's listener thread, while the calling task waits: the call runs
  // (audit mode) or fails with EPERM (reported refusals) once this returns, so keep it short. `pid`
  // is the calling thread's id as the launcher sees it (0 if outside its pid namespace),
  // `syscall_nr` a native syscall number.
  virtual void WouldBeDenied(pid_t pid, int syscall_nr) = 0;
};

// Collects the set of would-be-denied syscalls with a count each; safe to read while the
// listener writes.
class CollectingSyscallAudit : public SyscallAuditSink {
 public:
  void WouldBeDenied(pid_t pid, int syscall_nr) override;

  // Syscall number -> times seen.
  std::map<int, uint64_t> Snapshot() const;
  // The pid of the first report, 0 before any.
  pid_t first_pid() const;

 private:
  mutable std::mutex mutex_;
  std::map<int, uint64_t> counts_;
  pid_t first_pid_ = 0;
};

}  // namespace cvlsm
