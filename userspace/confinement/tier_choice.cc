#include "confinement/tier_choice.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bpf_backend/active_lsms.h"
#include "bpf_backend/bpf_lsm_enforcer.h"
#include "cgroup/cgroup.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "landlock/landlock_enforcer.h"
#include "pinned/cgroup_policy.h"
#include "pinned/load.h"
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
    if (programs_ != BpfPrograms::kOwn) {
      absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> pinned = MachinePrograms();
      if (pinned.ok()) return Loaded(*std::move(pinned));
      if (!bpf_failure_.ok()) return bpf_failure_;
      if (!absl::IsNotFound(pinned.status())) {
        LogWarning(
            "bpf-lsm",
            absl::StrCat("not using programs pinned for the machine (", ErrorText(pinned.status()),
                         "): loading this process's own, which go when it exits"));
      }
    }
    absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> own = BpfLsmEnforcer::Create();
    if (!own.ok()) {
      bpf_failure_ = own.status();
      return bpf_failure_;
    }
    return Loaded(*std::move(own));
  }
  void set_programs(BpfPrograms programs, std::string keeper_binary) {
    programs_ = programs;
    keeper_binary_ = std::move(keeper_binary);
  }
  absl::StatusOr<LoadedTier> LoadLandlock() override {
    ASSIGN_OR_RETURN(std::unique_ptr<Enforcer> landlock, LandlockEnforcer::Create());
    return LoadedTier{std::move(landlock)};
  }

 private:
  // The programs pinned for the machine (cv-lsm load), loaded first when asked to and none
  // are. NotFound: none, and this process is not to pin any. A load that fails because the
  // kernel cannot run the programs sets bpf_failure_ (loading our own would fail alike).
  absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> MachinePrograms() {
    absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> pinned = AttachPinnedPrograms();
    if (programs_ != BpfPrograms::kPinnedLoadedOnFirstUse) return pinned;
    if (!pinned.ok() && !absl::IsNotFound(pinned.status())) return pinned;
    absl::StatusOr<std::optional<LoadResult>> loaded =
        pinned.ok() ? std::optional<LoadResult>() : LoadPinnedProgramsOnFirstUse(keeper_binary_);
    if (!loaded.ok()) {
      // Not where the keeper can be started (a child pid namespace), or another build's
      // programs are pinned: this process's own programs still confine.
      if (absl::IsFailedPrecondition(loaded.status())) return loaded.status();
      bpf_failure_ = loaded.status();
      return bpf_failure_;
    }
    if (loaded->has_value()) {
      const LoadResult& load = **loaded;
      Log(LogLevel::kInfo, "bpf-lsm",
          absl::StrCat("programs loaded, self-tested and pinned for the machine at ", load.pins,
                       " (pin keeper pid ", load.keeper_pid,
                       "): they stay for the next commands, and keep this one's processes "
                       "confined if it is killed; cv-lsm unload removes them"));
    }
    // What killed launchers left: their cgroups (their processes killed), then what the
    // maps and the keeper still hold for them.
    SweepStaleCgroups("cv-lsm");
    if (absl::StatusOr<size_t> released = ReleaseRemovedCgroups(); !released.ok()) {
      LogWarning("bpf-lsm",
                 absl::StrCat("releasing removed cgroups: ", ErrorText(released.status())));
    }
    return pinned.ok() ? std::move(pinned) : AttachPinnedPrograms();
  }

  absl::Status bpf_failure_;
  BpfPrograms programs_ = BpfPrograms::kPinnedElseOwn;
  std::string keeper_binary_;
};

SystemEnforcementFeatures& TheSystemFeatures() {
  static SystemEnforcementFeatures features;
  return features;
}

}  // namespace

EnforcementFeatures& SystemFeatures() { return TheSystemFeatures(); }

void SetBpfPrograms(BpfPrograms programs, std::string keeper_binary) {
  TheSystemFeatures().set_programs(programs, std::move(keeper_binary));
}

absl::StatusOr<TierRequest> ParseTierRequest(absl::string_view name) {
  if (name == "auto") return TierRequest::kAuto;
  if (name == "bpf-lsm") return TierRequest::kBpfLsm;
  if (name == "landlock") return TierRequest::kLandlock;
  if (name == "seccomp") return TierRequest::kSeccomp;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown tier '", name, "': expected auto, bpf-lsm, landlock or seccomp"));
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
