// `cv-lsm run`: one command confined, its exit code passed on.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/policy_choice.h"
#include "cli/refusal_summary.h"
#include "cli/workload.h"
#include "confinement/tier_choice.h"

namespace cvlsm::cli {

int RunCommand(const RunOptions& options) {
  BlockForwardedSignals();
  absl::StatusOr<PolicyDocument> document = BuildPolicy(
      PolicyChoice{options.policy, options.policy_file, options.allow_paths, options.deny_paths,
                   options.allow_syscalls, options.net, options.audit});
  if (!document.ok()) return FailCommand("run", document.status());
  const bool audit = document->mode == PolicyMode::kAudit;
  SetBpfPrograms(
      options.private_programs ? BpfPrograms::kOwn : BpfPrograms::kPinnedLoadedOnFirstUse,
      kSelfBinary);
  WorkloadRequest request{.who = "run",
                          .policy = *std::move(document),
                          .tier = options.tier,
                          .strict = options.strict,
                          .command = options.command,
                          .preserve_fds = options.preserve_fds};
  SyscallRefusals syscalls("run", request.policy.policy, options.verbosity >= 1 && !options.quiet,
                           audit);
  request.syscall_audit = &syscalls;
  absl::StatusOr<WorkloadResult> result = RunWorkload(request);
  if (!result.ok()) return FailCommand("run", result.status());
  if (!options.quiet) PrintRefusalSummary("run", *result, syscalls, request.policy.policy, audit);
  return result->exit.exit_code;
}

}  // namespace cvlsm::cli
