// One command run in its own cgroup under a policy, for `run` and `learn`: the tier chosen
// and said, the confinement in place before the command starts and lifted after every
// process of it is gone.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "observe/event.h"
#include "policy/policy_file.h"
#include "runtime/confined_process.h"
#include "seccomp/syscall_audit.h"

namespace cvlsm::cli {

struct WorkloadRequest {
  std::string who;  // the command, for log lines ("run", "learn")
  PolicyDocument policy;
  std::string tier = "auto";  // TierRequest name
  bool strict = false;        // refuse the seccomp tier
  std::vector<std::string> command;
  int preserve_fds = 0;  // descriptors 3 to 3+N-1 pass on; every other one above 2 is closed
  // The syscalls the filter refuses, or in audit mode would refuse (the paths are recorded
  // by the programs). Must outlive the call.
  SyscallAuditSink* syscall_audit = nullptr;
};

struct WorkloadResult {
  ExitResult exit;
  // What the programs recorded for the workload's cgroup before it was released.
  std::vector<Denial> denials;
  uint64_t records_dropped = 0;  // denials the programs' table had no room for
  // Whether `denials` can hold the filter's own refusals (the opt-in syscall counter);
  // audit mode's would-be refusals come through the WorkloadRequest's sink either way.
  bool syscall_denials_recorded = false;
  Tier tier = Tier::kSeccomp;  // the tier that confined it
  // Whether every refused syscall reached the request's sink (audit mode always does; in
  // enforce mode the kernel needs user notification).
  bool syscall_refusals_reported = false;
};

// What an audit run without the syscall counter cannot show: the refusals the filter keeps
// in audit mode too never reach cv-lsm then.
inline constexpr char kFixedSyscallRefusalsUnseen[] =
    "the filter's fixed refusals (always-blocked syscalls, TIOCSTI/TIOCLINUX, new namespaces) "
    "stay enforced but are not listed: cv-lsm load --count-syscall-denials lists them";

// Errors say which step failed (exit code: FailCommand).
absl::StatusOr<WorkloadResult> RunWorkload(const WorkloadRequest& request);

}  // namespace cvlsm::cli
