#include "confinement/tier_choice.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bpf_backend/active_lsms.h"
#include "bpf_backend/bpf_lsm_enforcer.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "landlock/landlock_enforcer.h"
#include "pinned/pinned_programs.h"

namespace cvlsm {
namespace {

LoadedTier Loaded(std::unique_ptr<BpfLsmEnforcer> enforcer) {
  const LsmSkeleton* programs = &enforcer->programs();
  return LoadedTier{std::move(enforcer), programs};
}

class SystemEnforcementFeatures : public EnforcementFeatures {
 public:
  absl::StatusOr<LoadedTier> LoadBpfLsm() override {
    // A failure is cached: the trial load is not cheap and its answer does not change.
    if (!bpf_failure_.ok()) return bpf_failure_;
    // Without "bpf" among the active LSMs the programs would load and attach and never run
    // (the canary would say so after seconds of verification): not worth trying.
    if (absl::StatusOr<std::vector<std::string>> lsms = ReadActiveLsms();
        lsms.ok() && !LsmActive(*lsms, "bpf")) {
      bpf_failure_ = WithRemedy(
          absl::FailedPreconditionError(absl::StrCat(
              "BPF LSM is not active: the kernel's LSM list (", absl::StrJoin(*lsms, ","),
              ") has no 'bpf', so BPF LSM programs would attach and never run")),
          "add 'bpf' to the kernel's lsm= boot parameter (keep the others listed)");
      return bpf_failure_;
    }
    // Programs pinned for the machine (cv-lsm load) are used when there are; else this
    // process loads its own, which live as long as it does.
    absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> pinned = AttachPinnedPrograms();
    if (pinned.ok()) return Loaded(*std::move(pinned));
    if (!absl::IsNotFound(pinned.status())) {
      LogWarning("bpf-lsm",
                 absl::StrCat("not using the pinned programs (", ErrorText(pinned.status()),
                              "): loading this process's own"));
    }
    absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> own = BpfLsmEnforcer::Create();
    if (!own.ok()) {
      bpf_failure_ = own.status();
      return bpf_failure_;
    }
    return Loaded(*std::move(own));
  }
  absl::StatusOr<LoadedTier> LoadLandlock() override {
    ASSIGN_OR_RETURN(std::unique_ptr<Enforcer> landlock, LandlockEnforcer::Create());
    return LoadedTier{std::move(landlock)};
  }

 private:
  absl::Status bpf_failure_;
};

}  // namespace

absl::StatusOr<TierRequest> ParseTierRequest(absl::string_view name) {
  if (name == "auto") return TierRequest::kAuto;
  if (name == "bpf-lsm") return TierRequest::kBpfLsm;
  if (name == "landlock") return TierRequest::kLandlock;
  if (name == "seccomp") return TierRequest::kSeccomp;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown tier '", name, "': expected auto, bpf-lsm, landlock or seccomp"));
}

EnforcementFeatures& SystemFeatures() {
  static SystemEnforcementFeatures features;
  return features;
}

absl::StatusOr<EnforcerChoice> ChooseEnforcer(TierRequest request, EnforcementFeatures& features) {
  if (request == TierRequest::kSeccomp) {
    EnforcerChoice choice;
    choice.loaded = LoadedTier{MakeSyscallOnlyEnforcer()};
    choice.reason = "seccomp tier requested";
    return choice;
  }
  EnforcerChoice choice;
  if (request == TierRequest::kAuto || request == TierRequest::kBpfLsm) {
    absl::StatusOr<LoadedTier> bpf = features.LoadBpfLsm();
    if (bpf.ok()) {
      choice.loaded = *std::move(bpf);
      choice.reason = "BPF LSM programs attached and self-tested";
      return choice;
    }
    if (request == TierRequest::kBpfLsm) return bpf.status();
    choice.bpf_lsm_unavailable = bpf.status();
    choice.reason = absl::StrCat("no bpf-lsm: ", ErrorText(bpf.status()));
  }
  absl::StatusOr<LoadedTier> landlock = features.LoadLandlock();
  if (landlock.ok()) {
    choice.loaded = *std::move(landlock);
    if (choice.reason.empty()) choice.reason = "landlock tier requested";
    return choice;
  }
  if (request == TierRequest::kLandlock) return landlock.status();
  choice.landlock_unavailable = landlock.status();
  absl::StrAppend(&choice.reason, "; no landlock: ", ErrorText(landlock.status()));
  choice.loaded = LoadedTier{MakeSyscallOnlyEnforcer()};
  return choice;
}

}  // namespace cvlsm
