#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cgroup/cgroup.h"
#include "cli/commands.h"
#include "cli/policy_choice.h"
#include "common/errors.h"
#include "common/log.h"
#include "policy/path_resolution.h"
#include "policy/policy_file.h"
#include "runtime/confined_process.h"
#include "runtime/enforcer.h"

namespace cvlsm::cli {
namespace {

int Fail(const absl::Status& status) {
  Log(LogLevel::kError, "run", status.message());
  return status.code() == absl::StatusCode::kNotFound &&
                 absl::StartsWith(status.message(), "command not found")
             ? kExitNotFound
             : kExitLauncherFailed;
}

// Kills what is left of the workload, then lifts its confinement: in this order, so no
// process of it ever runs unconfined.
class WorkloadScope {
 public:
  WorkloadScope(OwnedCgroup cgroup, PathEnforcer& enforcer)
      : id_(cgroup.id()), cgroup_(std::move(cgroup)), enforcer_(enforcer) {}
  ~WorkloadScope() {
    if (absl::Status status = cgroup_.Remove(); !status.ok()) {
      // Leave the confinement in place: the processes it covers are still there.
      LogWarning("run", status.message());
      return;
    }
    if (absl::Status status = enforcer_.Release(id_); !status.ok()) {
      LogWarning("run", status.message());
    }
  }
  const OwnedCgroup& cgroup() const { return cgroup_; }

 private:
  uint64_t id_;
  OwnedCgroup cgroup_;
  PathEnforcer& enforcer_;
};

}  // namespace

int RunCommand(const RunOptions& options) {
  BlockForwardedSignals();
  absl::StatusOr<Policy> policy =
      BuildPolicy(PolicyChoice{options.policy, options.policy_file, options.allow_paths,
                               options.deny_paths, options.allow_syscalls});
  if (!policy.ok()) return Fail(policy.status());
  // Every rule path must exist before anything is created (the tier resolves them again,
  // as its hooks see them).
  if (absl::Status valid = ResolvePathRules(*policy).status(); !valid.ok()) return Fail(valid);
  absl::StatusOr<TierRequest> request = ParseTierRequest(options.tier);
  if (!request.ok()) return Fail(request.status());

  absl::StatusOr<EnforcerChoice> choice = ChooseEnforcer(*request);
  if (!choice.ok()) return Fail(choice.status());
  PathEnforcer& enforcer = *choice->enforcer;
  switch (enforcer.tier()) {
    case Tier::kBpfLsm:
      break;
    case Tier::kLandlock:
      Log(LogLevel::kInfo, "run",
          absl::StrCat("tier landlock (", choice->reason, "): ", TierEnforces(Tier::kLandlock)));
      break;
    case Tier::kSeccomp:
      if (options.strict) {
        return Fail(absl::FailedPreconditionError(
            absl::StrCat("--strict: path rules cannot be enforced on this machine (",
                         choice->reason, "); run 'cv-lsm status' for what is missing")));
      }
      LogWarning("run", absl::StrCat("path rules are NOT enforced, only syscalls are filtered "
                                     "(tier seccomp: ",
                                     choice->reason, "); use --strict to refuse instead"));
      break;
  }

  SweepStaleCgroups("cv-lsm");
  absl::StatusOr<OwnedCgroup> cgroup =
      OwnedCgroup::Create("cv-lsm", absl::StrCat("run-", ::getpid()), CVLSM_MAX_CGROUP_DEPTH - 1);
  if (!cgroup.ok()) return Fail(cgroup.status());
  uint64_t cgroup_id = cgroup->id();
  if (absl::Status status = enforcer.Confine(cgroup_id, *policy); !status.ok()) {
    return Fail(status);
  }
  WorkloadScope workload(*std::move(cgroup), enforcer);

  absl::StatusOr<std::unique_ptr<ChildRestriction>> restriction =
      enforcer.PrepareChild(*policy, SignalScope::kOwnDomain);
  if (!restriction.ok()) return Fail(restriction.status());

  LaunchSpec spec;
  spec.restriction = restriction->get();
  spec.argv = options.command;
  spec.cgroup_procs_file = workload.cgroup().procs_file();
  spec.policy = &*policy;
  absl::StatusOr<std::unique_ptr<ConfinedProcess>> process = ConfinedProcess::Start(spec);
  if (!process.ok()) return Fail(process.status());
  if (!(*process)->overridden_syscalls().empty()) {
    LogWarning("run", absl::StrCat("always blocked whatever the policy says: ",
                                   absl::StrJoin((*process)->overridden_syscalls(), ", ")));
  }
  absl::StatusOr<ExitResult> result = (*process)->WaitForwardingSignals();
  if (!result.ok()) return Fail(result.status());
  return result->exit_code;
}

}  // namespace cvlsm::cli
