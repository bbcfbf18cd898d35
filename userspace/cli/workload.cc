#include "cli/workload.h"

#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cgroup/cgroup.h"
#include "common/log.h"
#include "policy/path_resolution.h"
#include "runtime/enforcer.h"

namespace cvlsm::cli {
namespace {

// Kills what is left of the workload, then lifts its confinement: in this order, so no
// process of it ever runs unconfined.
class WorkloadScope {
 public:
  WorkloadScope(OwnedCgroup cgroup, PathEnforcer& enforcer, std::string who)
      : id_(cgroup.id()), cgroup_(std::move(cgroup)), enforcer_(enforcer), who_(std::move(who)) {}
  ~WorkloadScope() {
    if (absl::Status status = cgroup_.Remove(); !status.ok()) {
      // Leave the confinement in place: the processes it covers are still there.
      LogWarning(who_, status.message());
      return;
    }
    if (absl::Status status = enforcer_.Release(id_); !status.ok()) {
      LogWarning(who_, status.message());
    }
  }
  const OwnedCgroup& cgroup() const { return cgroup_; }

 private:
  uint64_t id_;
  OwnedCgroup cgroup_;
  PathEnforcer& enforcer_;
  std::string who_;
};

// Says what the chosen tier enforces, or refuses it (--strict on seccomp).
absl::Status AnnounceTier(const WorkloadRequest& request, const EnforcerChoice& choice) {
  switch (choice.enforcer->tier()) {
    case Tier::kBpfLsm:
      break;
    case Tier::kLandlock:
      Log(LogLevel::kInfo, request.who,
          absl::StrCat("tier landlock (", choice.reason, "): ", TierEnforces(Tier::kLandlock)));
      break;
    case Tier::kSeccomp:
      if (request.strict) {
        return absl::FailedPreconditionError(
            absl::StrCat("--strict: path rules cannot be enforced on this machine (", choice.reason,
                         "); run 'cv-lsm status' for what is missing"));
      }
      LogWarning(request.who, absl::StrCat("path rules are NOT enforced, only syscalls are "
                                           "filtered (tier seccomp: ",
                                           choice.reason, "); use --strict to refuse instead"));
      break;
  }
  return absl::OkStatus();
}

}  // namespace

int FailWorkload(absl::string_view who, const absl::Status& status) {
  Log(LogLevel::kError, who, status.message());
  return status.code() == absl::StatusCode::kNotFound &&
                 absl::StartsWith(status.message(), "command not found")
             ? kExitNotFound
             : kExitLauncherFailed;
}

absl::StatusOr<WorkloadResult> RunWorkload(const WorkloadRequest& request) {
  const Policy& policy = request.policy.policy;
  const bool audit = request.policy.mode == PolicyMode::kAudit;
  // Every rule path must exist before anything is created (the tier resolves them again,
  // as its hooks see them).
  if (absl::Status valid = ResolvePathRules(policy).status(); !valid.ok()) return valid;
  absl::StatusOr<TierRequest> tier = ParseTierRequest(request.tier);
  if (!tier.ok()) return tier.status();
  absl::StatusOr<EnforcerChoice> choice = ChooseEnforcer(*tier);
  if (!choice.ok()) return choice.status();
  if (absl::Status status = AnnounceTier(request, *choice); !status.ok()) return status;
  PathEnforcer& enforcer = *choice->enforcer;
  if (audit && enforcer.tier() != Tier::kBpfLsm) return AuditNeedsBpfLsm(enforcer.tier());

  SweepStaleCgroups("cv-lsm");
  absl::StatusOr<OwnedCgroup> cgroup = OwnedCgroup::Create(
      "cv-lsm", absl::StrCat(request.who, "-", ::getpid()), CVLSM_MAX_CGROUP_DEPTH - 1);
  if (!cgroup.ok()) return cgroup.status();
  const uint64_t cgroup_id = cgroup->id();
  absl::Status confined =
      audit ? enforcer.ConfineAudited(cgroup_id, policy) : enforcer.Confine(cgroup_id, policy);
  if (!confined.ok()) return confined;
  WorkloadScope workload(*std::move(cgroup), enforcer, request.who);
  if (audit) {
    Log(LogLevel::kInfo, request.who,
        "audit mode: nothing the policy refuses is denied, every such access is recorded "
        "(cv-lsm's fixed refusals stay enforced)");
  }

  absl::StatusOr<std::unique_ptr<ChildRestriction>> restriction =
      enforcer.PrepareChild(policy, SignalScope::kOwnDomain);
  if (!restriction.ok()) return restriction.status();

  LaunchSpec spec;
  spec.restriction = restriction->get();
  spec.argv = request.command;
  spec.cgroup_procs_file = workload.cgroup().procs_file();
  spec.policy = &policy;
  spec.audit = audit ? request.syscall_audit : nullptr;
  absl::StatusOr<std::unique_ptr<ConfinedProcess>> process = ConfinedProcess::Start(spec);
  if (!process.ok()) return process.status();
  if (!(*process)->overridden_syscalls().empty()) {
    LogWarning(request.who, absl::StrCat("always blocked whatever the policy says: ",
                                         absl::StrJoin((*process)->overridden_syscalls(), ", ")));
  }
  absl::StatusOr<ExitResult> exit = (*process)->WaitForwardingSignals();
  if (!exit.ok()) return exit.status();
  // Before the scope releases the cgroup, which forgets what was recorded for it.
  return WorkloadResult{*exit, enforcer.RecordedDenials(cgroup_id),
                        enforcer.DenialsNotRecorded(cgroup_id), enforcer.RecordsSyscallDenials()};
}

}  // namespace cvlsm::cli
