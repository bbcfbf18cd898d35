// Starts one command confined: in its cgroup, without capabilities, with no_new_privs and
// the syscall filter installed, then waits for it while forwarding signals.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "enforcement/enforcer.h"
#include "policy/policy.h"
#include "runtime/listener_handoff.h"
#include "seccomp/audit_listener.h"
#include "seccomp/syscall_audit.h"
#include "seccomp/syscall_filter.h"

namespace cvlsm {

struct LaunchSpec {
  std::vector<std::string> argv;         // argv[0] is looked up in PATH when it has no '/'
  std::vector<std::string> environment;  // "NAME=value"; the launcher's own if empty
  std::string cgroup_procs_file;         // the child moves itself here before anything else
  const Policy* policy = nullptr;        // its syscall allow-list becomes the filter
  // Applied by the child to itself after no_new_privs, before the filter (Landlock); may be
  // null. Must outlive Start().
  const ChildRestriction* restriction = nullptr;
  // Applied by the child right after joining the cgroup, while it still has capabilities
  // (entering a container's namespaces); may be null. Must outlive Start().
  const ChildRestriction* setup = nullptr;
  // Capabilities (bit N = CAP_N) the command keeps as ambient capabilities, so they survive
  // exec; every other one is dropped. The CLI keeps none.
  uint64_t keep_capabilities = 0;
  // The CLI blocks the signals it forwards and ties the command's life to its own thread
  // (PR_SET_PDEATHSIG). A library caller turns this off: it neither owns the caller's signal
  // mask nor wants a thread's exit to kill the command (it ties the life otherwise).
  bool cli_process_control = true;
  // Audit mode for the syscall filter when set: what the policy would refuse is reported
  // here and runs (see SyscallFilter::Build; what cv-lsm always blocks stays blocked). Start
  // fails on a kernel that cannot do this. Called from a thread of the launcher, for the
  // command and everything it starts, until the ConfinedProcess is destroyed or none of
  // them is left; must outlive the ConfinedProcess.
  SyscallAuditSink* audit = nullptr;
  // Enforce mode: every syscall the filter refuses is also reported here (the call still
  // fails with EPERM; allowed calls cost nothing more), for the command and everything it
  // starts, like `audit`. Where the kernel has no user notification nothing is reported:
  // ConfinedProcess::refusals_reported() says which. Ignored in audit mode.
  SyscallAuditSink* refusals = nullptr;
  // The tier enforces the policy's network rules in the kernel (bpf-lsm); see
  // SyscallFilterOptions::kernel_sees_network.
  bool kernel_sees_network = false;
  // Descriptors the caller holds are a grant from it: with N >= 0 the command gets 0-2 and
  // 3 to 3+N-1, and every other one is closed at its exec. -1 passes every descriptor that
  // is not close-on-exec (a library caller that chose them itself).
  int preserved_fds = -1;
};

// How the confined command ended.
struct ExitResult {
  int exit_code = 0;  // shell convention: 128+N when killed by signal N
  std::optional<int> signal;
};

// Exit codes the launcher uses for itself (shell and container-runtime conventions).
inline constexpr int kExitLauncherFailed = 125;
inline constexpr int kExitCannotExecute = 126;
inline constexpr int kExitNotFound = 127;

// Blocks, in the calling thread, the signals WaitForwardingSignals forwards (and SIGCHLD),
// so one that arrives while cv-lsm is still setting up is forwarded once the command runs
// instead of killing cv-lsm halfway. Call it first thing, before any thread is started.
void BlockForwardedSignals();

class ConfinedProcess {
 public:
  // Resolves the command and builds the filter (fails before anything starts), then forks.
  // The child reports setup failures (joining the cgroup, capabilities, filter) through a
  // pipe, so Start returns an error naming the step rather than a bare exit code.
  static absl::StatusOr<std::unique_ptr<ConfinedProcess>> Start(const LaunchSpec& spec);
  ~ConfinedProcess();

  pid_t pid() const { return pid_; }
  const std::vector<std::string>& overridden_syscalls() const;

  // Waits for the command, forwarding SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2
  // and SIGWINCH sent to the launcher. The signals stay blocked afterwards, so cleanup
  // cannot be cut short by one.
  absl::StatusOr<ExitResult> WaitForwardingSignals();

  // Waits for the command without touching signals (for library callers); EINTR is retried.
  absl::StatusOr<ExitResult> Wait();
  // Whether the command was reaped (by a wait, or because its setup failed).
  bool reaped() const { return reaped_; }
  // Whether LaunchSpec::refusals hears of every refused syscall (false: the kernel cannot).
  bool refusals_reported() const { return refusals_reported_; }

 private:
  ConfinedProcess() = default;
  absl::Status Prepare(const LaunchSpec& spec);
  absl::Status Fork();

  void PlaceLaunchPath();

  // What the child reports when a step between fork and exec fails.
  struct ChildFailure {
    int step;
    int err;
  };
  // In the child: reports the step that failed and exits. Async-signal-safe.
  [[noreturn]] void FailInChild(int step, int err) const noexcept;

  std::string exec_path_;
  // Where execve's path argument lives (see PlaceLaunchPath); the filter allows exactly it.
  const char* launch_path_ = nullptr;
  // Where the child writes its failure, beside the path; the filter allows exactly that
  // write to report_write_, so a refused exec is reported whatever the policy.
  ChildFailure* failure_slot_ = nullptr;
  ChildFailure heap_failure_{};
  UniqueFd report_read_, report_write_;
  void* launch_page_ = nullptr;
  size_t launch_page_size_ = 0;
  std::vector<std::string> argv_storage_, env_storage_;
  std::vector<char*> argv_, envp_;
  std::optional<SyscallFilter> filter_;
  UniqueFd procs_fd_;
  int preserved_fds_ = -1;
  // The launcher's open descriptors above the preserved ones, listed before fork (the child
  // may only make async-signal-safe calls): the child marks them close-on-exec.
  std::vector<int> fds_to_close_;
  int last_capability_ = 0;
  uint64_t keep_capabilities_ = 0;
  bool cli_process_control_ = true;
  const ChildRestriction* setup_ = nullptr;
  const ChildRestriction* restriction_ = nullptr;
  // Audit mode, or reported refusals.
  SyscallAuditSink* audit_sink_ = nullptr;
  ListenerAnswer answer_ = ListenerAnswer::kContinue;
  bool refusals_reported_ = false;
  std::unique_ptr<ListenerHandoff> handoff_;
  std::unique_ptr<SyscallAuditListener> audit_listener_;
  pid_t pid_ = -1;
  bool reaped_ = false;
};

}  // namespace cvlsm
