// The launcher's side of a filter with a listener: a thread that takes each notification,
// reports it to a SyscallAuditSink, and lets the call run (audit mode:
// SECCOMP_USER_NOTIF_FLAG_CONTINUE) or fails it with EPERM (reported refusals, as the filter
// itself would).
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

// OK when refused calls can be reported here: user notification (Linux >= 5.0), and no
// filter of this process with a listener already (a runtime's own makes ours EBUSY). The
// answer is an errno, which every kernel with notification takes. Probed on each call.
absl::Status CheckRefusalReportSupport();

// How the listener answers each call it was told of.
enum class ListenerAnswer {
  kContinue,  // audit mode: the call runs
  kRefuse,    // reported refusals: the call fails with EPERM
};

class SyscallAuditListener {
 public:
  // Serves `listener` (from installing an audit filter) on a new thread, with every signal
  // blocked there. `sink` must outlive this object.
  static absl::StatusOr<std::unique_ptr<SyscallAuditListener>> Start(
      UniqueFd listener, SyscallAuditSink& sink, ListenerAnswer answer = ListenerAnswer::kContinue);
  ~SyscallAuditListener() { Stop(); }
  SyscallAuditListener(const SyscallAuditListener&) = delete;
  SyscallAuditListener& operator=(const SyscallAuditListener&) = delete;

  // Ends the thread and closes the listener. The thread also ends by itself once no task uses
  // the filter (Linux >= 5.8 says so). A task still under the filter gets ENOSYS from then
  // on for what the policy refuses: the kernel's answer when no listener is left.
  void Stop();

 private:
  SyscallAuditListener() = default;

  UniqueFd stop_;  // eventfd
  std::thread thread_;
};

}  // namespace cvlsm
