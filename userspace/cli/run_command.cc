// `cv-lsm run`: one command confined, its exit code passed on.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/policy_choice.h"
#include "cli/workload.h"
#include "common/log.h"
#include "policy/syscall_names.h"

namespace cvlsm::cli {
namespace {

int Fail(const absl::Status& status) { return FailCommand("run", status); }

// Audit mode's report, on stderr after the command: what the policy would have refused.
void PrintAuditReport(const WorkloadResult& result, const CollectingSyscallAudit& syscalls) {
  std::map<int, uint64_t> refused_syscalls = syscalls.Snapshot();
  std::fprintf(stderr, "cv-lsm run: audit: %zu operations would have been denied\n",
               result.denials.size() + refused_syscalls.size());
  for (const Denial& denial : result.denials) {
    std::fprintf(stderr, "cv-lsm run: audit: %8llu  %s%s  [%s]\n",
                 static_cast<unsigned long long>(denial.count),
                 DescribeOperation(denial.first).c_str(),
                 denial.first.fixed ? " (refused: fixed)" : "", denial.first.comm.c_str());
  }
  for (const auto& [nr, count] : refused_syscalls) {
    std::fprintf(stderr, "cv-lsm run: audit: %8llu  syscall %s (%d)\n",
                 static_cast<unsigned long long>(count), NativeSyscallName(nr).c_str(), nr);
  }
  if (!result.syscall_denials_recorded) {
    std::fprintf(stderr, "cv-lsm run: audit: %s\n", kFixedSyscallRefusalsUnseen);
  }
}

}  // namespace

int RunCommand(const RunOptions& options) {
  BlockForwardedSignals();
  absl::StatusOr<PolicyDocument> document = BuildPolicy(
      PolicyChoice{options.policy, options.policy_file, options.allow_paths, options.deny_paths,
                   options.allow_syscalls, options.net, options.audit});
  if (!document.ok()) return Fail(document.status());
  CollectingSyscallAudit syscalls;
  WorkloadRequest request{.who = "run",
                          .policy = *std::move(document),
                          .tier = options.tier,
                          .strict = options.strict,
                          .command = options.command,
                          .syscall_audit = &syscalls};
  absl::StatusOr<WorkloadResult> result = RunWorkload(request);
  if (!result.ok()) return Fail(result.status());
  if (request.policy.mode == PolicyMode::kAudit) PrintAuditReport(*result, syscalls);
  return result->exit.exit_code;
}

}  // namespace cvlsm::cli
