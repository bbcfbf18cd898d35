#include "cli/workload.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bpf_backend/lsm_skeleton.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "confinement/confined_cgroup.h"
#include "confinement/tier_choice.h"
#include "observe/cgroup_reports.h"
#include "policy/net_defaults.h"
#include "policy/path_resolution.h"

namespace cvlsm::cli {

absl::StatusOr<WorkloadResult> RunWorkload(const WorkloadRequest& request) {
  const Policy& policy = request.policy.policy;
  const bool audit = request.policy.mode == PolicyMode::kAudit;
  ASSIGN_OR_RETURN(TierRequest tier, ParseTierRequest(request.tier));
  for (const std::string& idle : IdleNetworkRules(policy)) LogWarning(request.who, idle);
  // A rule on a missing path fails before the programs are loaded.
  ASSIGN_OR_RETURN(ResolvedPolicy rules, ResolvePathRules(policy));
  ASSIGN_OR_RETURN(EnforcerChoice choice, ChooseEnforcer(tier));
  RETURN_IF_ERROR(AnnounceTier(request.who, choice, request.strict));
  ASSIGN_OR_RETURN(
      ConfinedCgroup workload,
      ConfinedCgroup::Create(
          choice.enforcer(), std::move(rules),
          ConfinementRequest{.who = request.who,
                             .name = absl::StrCat(request.who, "-", ::getpid()),
                             .options = ApplyOptions{.mode = request.policy.mode,
                                                     .signals = SignalScope::kOwnDomain},
                             .strict = request.strict}));
  RETURN_IF_ERROR(workload.Confine());
  if (audit) {
    Log(LogLevel::kInfo, request.who,
        "audit mode: nothing the policy refuses is denied, every such access is recorded "
        "(cv-lsm's fixed refusals stay enforced)");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ChildRestriction> restriction, workload.RestrictionForProcess());

  LaunchSpec spec;
  spec.restriction = restriction.get();
  spec.argv = request.command;
  spec.cgroup_procs_file = workload.cgroup().procs_file();
  spec.policy = &policy;
  spec.audit = audit ? request.syscall_audit : nullptr;
  spec.refusals = audit ? nullptr : request.syscall_audit;
  spec.kernel_sees_network = workload.kernel_sees_network();
  spec.preserved_fds = request.preserve_fds;
  ASSIGN_OR_RETURN(std::unique_ptr<ConfinedProcess> process, ConfinedProcess::Start(spec));
  if (!process->overridden_syscalls().empty()) {
    LogWarning(request.who, absl::StrCat("always blocked whatever the policy says: ",
                                         absl::StrJoin(process->overridden_syscalls(), ", ")));
  }
  ASSIGN_OR_RETURN(ExitResult exit, process->WaitForwardingSignals());
  WorkloadResult result;
  result.exit = exit;
  result.tier = choice.tier();
  result.syscall_refusals_reported = audit || process->refusals_reported();
  // Before the cgroup is released, which forgets what was recorded for it.
  if (const LsmSkeleton* programs = choice.loaded.programs) {
    result.denials = ReadDenials(*programs, workload.id());
    result.records_dropped = DenialsNotRecorded(*programs, workload.id());
    result.syscall_denials_recorded = programs->counts_syscall_denials();
  }
  return result;
}

}  // namespace cvlsm::cli
