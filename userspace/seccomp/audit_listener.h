// The launcher's side of an audit filter: a thread that takes each notification from the
// filter's listener, reports it to a SyscallAuditSink and lets the call run
// (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
#pragma once

#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "seccomp/syscall_audit.h"

namespace cvlsm {

// OK when this kernel can run an audit filter: user notification (Linux >= 5.0) and answers
// that let the call continue (Linux >= 5.5). Otherwise an error naming what is missing.
// Probed until it succeeds once; the last check installs a filter that allows everything on
// a short-lived thread of its own, the only way to get a listener to ask.
absl::Status CheckSyscallAuditSupport();

class SyscallAuditListener {
 public:
  // Serves `listener` (from installing an audit filter) on a new thread, with every signal
  // blocked there. `sink` must outlive this object.
  static absl::StatusOr<std::unique_ptr<SyscallAuditListener>> Start(UniqueFd listener,
                                                                     SyscallAuditSink& sink);
  ~SyscallAuditListener() { Stop(); }
  SyscallAuditListener(const SyscallAuditListener&) = delete;
  SyscallAuditListener& operator=(const SyscallAuditListener&) = delete;

  // Ends the thread and closes the listener. The thread also ends by itself once no task uses
  // the filter (Linux >= 5.8 says so). A task still under the filter gets ENOSYS from then
  // on for what the policy would refuse: the kernel's answer when no listener is left.
  void Stop();

 private:
  SyscallAuditListener() = default;

  UniqueFd stop_;  // eventfd
  std::thread thread_;
};

}  // namespace cvlsm
