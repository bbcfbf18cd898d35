#include "confinement/confined_cgroup.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "cvlsm_abi.h"

namespace cvlsm {

absl::Status AnnounceTier(absl::string_view who, const EnforcerChoice& choice, bool strict) {
  switch (choice.tier()) {
    case Tier::kBpfLsm:
      break;
    case Tier::kLandlock:
      Log(LogLevel::kInfo, who,
          absl::StrCat("tier landlock (", choice.reason, "): ", TierEnforces(Tier::kLandlock)));
      break;
    case Tier::kSeccomp:
      if (strict) {
        return WithRemedy(
            absl::FailedPreconditionError(absl::StrCat(
                "--strict: path rules cannot be enforced on this machine (", choice.reason, ")")),
            "run 'cv-lsm status' for what is missing");
      }
      LogWarning(who, absl::StrCat("path rules are NOT enforced, only syscalls are filtered "
                                   "(tier seccomp: ",
                                   choice.reason, "); use --strict to refuse instead"));
      break;
  }
  return absl::OkStatus();
}

absl::StatusOr<ConfinedCgroup> ConfinedCgroup::Create(Enforcer& enforcer, const Policy& policy,
                                                      const ConfinementRequest& request) {
  ASSIGN_OR_RETURN(ResolvedPolicy rules, ResolvePathRules(policy));
  return Create(enforcer, std::move(rules), request);
}

absl::StatusOr<ConfinedCgroup> ConfinedCgroup::Create(Enforcer& enforcer, ResolvedPolicy rules,
                                                      const ConfinementRequest& request) {
  RETURN_IF_ERROR(enforcer.CheckApplicable(rules, request.options));
  std::vector<std::string> unenforced = enforcer.NotEnforced(rules, request.options);
  // The seccomp tier's missing path enforcement is announced with the tier (AnnounceTier),
  // once per process; a strict request must still be refused for it, whoever announced it
  // (the C API announces its shared tier without knowing each container's strictness).
  if (request.strict && enforcer.tier() == Tier::kSeccomp) {
    unenforced.insert(unenforced.begin(), "path rules cannot be enforced on this machine");
  }
  if (!unenforced.empty() && request.strict) {
    return WithRemedy(absl::FailedPreconditionError(
                          absl::StrCat("--strict: tier ", TierName(enforcer.tier()),
                                       " does not enforce: ", absl::StrJoin(unenforced, "; "))),
                      "run 'cv-lsm status' for what a stronger tier needs, or change the rules");
  }
  for (const std::string& what : unenforced) {
    LogWarning(request.who, absl::StrCat("NOT enforced on tier ", TierName(enforcer.tier()), ": ",
                                         what, "; use --strict to refuse instead"));
  }
  SweepStaleCgroups("cv-lsm");
  ASSIGN_OR_RETURN(OwnedCgroup cgroup,
                   OwnedCgroup::Create("cv-lsm", request.name, CVLSM_MAX_CGROUP_DEPTH - 1));
  return ConfinedCgroup(enforcer, std::move(cgroup), std::move(rules), request.options);
}

ConfinedCgroup::ConfinedCgroup(Enforcer& enforcer, OwnedCgroup cgroup, ResolvedPolicy rules,
                               const ApplyOptions& options)
    : enforcer_(&enforcer),
      cgroup_(std::move(cgroup)),
      id_(cgroup_->id()),
      rules_(std::move(rules)),
      options_(options) {}

// The moved-from object owns nothing: its destructor neither removes nor releases.
ConfinedCgroup::ConfinedCgroup(ConfinedCgroup&& other) noexcept
    : enforcer_(other.enforcer_),
      cgroup_(std::move(other.cgroup_)),
      id_(other.id_),
      rules_(std::move(other.rules_)),
      options_(other.options_),
      confined_(other.confined_) {
  other.cgroup_.reset();
  other.rules_.reset();
  other.confined_ = false;
}

absl::Status ConfinedCgroup::Confine() {
  if (!rules_) return absl::FailedPreconditionError("the cgroup was confined already");
  RETURN_IF_ERROR(enforcer_->Apply(id_, *std::move(rules_), options_));
  rules_.reset();
  confined_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ChildRestriction>> ConfinedCgroup::RestrictionForProcess() {
  if (!confined_) return absl::FailedPreconditionError("the cgroup is not confined");
  return enforcer_->RestrictionForProcess(id_);
}

absl::Status ConfinedCgroup::Remove() {
  if (!cgroup_) return absl::OkStatus();
  RETURN_IF_ERROR(cgroup_->Remove());
  cgroup_.reset();
  if (!confined_) return absl::OkStatus();
  confined_ = false;
  return enforcer_->Release(id_);
}

ConfinedCgroup::~ConfinedCgroup() {
  if (absl::Status status = Remove(); !status.ok()) LogWarning("cv-lsm", ErrorText(status));
}

}  // namespace cvlsm
