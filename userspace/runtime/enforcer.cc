#include "runtime/enforcer.h"

#include "absl/strings/str_cat.h"
#include "bpf_backend/bpf_lsm_enforcer.h"
#include "common/log.h"
#include "landlock/landlock_enforcer.h"
#include "machine/machine_state.h"

namespace cvlsm {
namespace {

class SyscallOnlyEnforcer : public PathEnforcer {
 public:
  Tier tier() const override { return Tier::kSeccomp; }
  // Nothing to enforce, but a policy that names a missing path is still wrong.
  absl::Status Confine(uint64_t, const Policy& policy) override {
    return ResolvePathRules(policy).status();
  }
  absl::Status Update(uint64_t cgroup_id, const Policy& policy) override {
    return Confine(cgroup_id, policy);
  }
  absl::Status SetPathRule(uint64_t, const std::string& path, PathModes modes) override {
    if (absl::Status status = CheckPathRule(path, modes.allow | modes.deny); !status.ok()) {
      return status;
    }
    return StatIdentifier().Identify(path).status();
  }
  absl::Status RemovePathRule(uint64_t, const std::string& path) override {
    return CheckPathRule(path, kAllModes);
  }
  absl::Status Release(uint64_t) override { return absl::OkStatus(); }
};

}  // namespace

absl::Status AuditNeedsBpfLsm(Tier tier) {
  return absl::FailedPreconditionError(absl::StrCat(
      "audit mode needs the bpf-lsm tier, and this is tier ", TierName(tier),
      ": it cannot report an access without refusing it (cv-lsm status says what bpf-lsm "
      "needs here)"));
}

absl::Status PathEnforcer::ConfineAudited(uint64_t, const Policy&) {
  return AuditNeedsBpfLsm(tier());
}

namespace {

class SystemEnforcementFeatures : public EnforcementFeatures {
 public:
  absl::StatusOr<std::unique_ptr<PathEnforcer>> LoadBpfLsm() override {
    // A failure is cached: the trial load is not cheap and its answer does not change.
    if (!bpf_failure_.ok()) return bpf_failure_;
    // Programs pinned for the machine (cv-lsm load) are used when there are; else this
    // process loads its own, which live as long as it does.
    absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> pinned = AttachMachineState();
    if (pinned.ok()) return std::unique_ptr<PathEnforcer>(*std::move(pinned));
    if (!absl::IsNotFound(pinned.status())) {
      LogWarning("bpf-lsm",
                 absl::StrCat("not using the pinned programs (", pinned.status().message(),
                              "): loading this process's own"));
    }
    absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> enforcer = BpfLsmEnforcer::Create();
    if (!enforcer.ok()) {
      bpf_failure_ = enforcer.status();
      return bpf_failure_;
    }
    return std::unique_ptr<PathEnforcer>(*std::move(enforcer));
  }
  absl::StatusOr<std::unique_ptr<PathEnforcer>> LoadLandlock() override {
    return LandlockEnforcer::Create();
  }

 private:
  absl::Status bpf_failure_;
};

}  // namespace

absl::string_view TierName(Tier tier) {
  switch (tier) {
    case Tier::kBpfLsm:
      return "bpf-lsm";
    case Tier::kLandlock:
      return "landlock";
    case Tier::kSeccomp:
      return "seccomp";
  }
  return "unknown";
}

absl::string_view TierEnforces(Tier tier) {
  switch (tier) {
    case Tier::kBpfLsm:
      return "syscall allow-list (seccomp) and path/exec rules for every process of the "
             "cgroup and its descendants (BPF LSM), changeable while it runs";
    case Tier::kLandlock:
      return "syscall allow-list (seccomp) and path/exec rules for the command and its "
             "descendants (Landlock); no deny rules, fixed at start, follows the process "
             "tree rather than the cgroup; signals out of it refused from Landlock ABI 6";
    case Tier::kSeccomp:
      return "syscall allow-list (seccomp) only: path rules are NOT enforced";
  }
  return "";
}

absl::Status PathEnforcer::FixedRulesError() const {
  return absl::FailedPreconditionError(
      absl::StrCat("the ", TierName(tier()),
                   " tier cannot change the rules of running processes (they are fixed when the "
                   "command starts); restart the command, or use the bpf-lsm tier"));
}

absl::Status PathEnforcer::Update(uint64_t, const Policy&) { return FixedRulesError(); }

absl::Status PathEnforcer::SetPathRule(uint64_t, const std::string&, PathModes) {
  return FixedRulesError();
}

absl::Status PathEnforcer::RemovePathRule(uint64_t, const std::string&) {
  return FixedRulesError();
}

std::unique_ptr<PathEnforcer> MakeSyscallOnlyEnforcer() {
  return std::make_unique<SyscallOnlyEnforcer>();
}

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
    return EnforcerChoice{MakeSyscallOnlyEnforcer(), "seccomp tier requested"};
  }
  std::string reason;
  if (request == TierRequest::kAuto || request == TierRequest::kBpfLsm) {
    absl::StatusOr<std::unique_ptr<PathEnforcer>> bpf = features.LoadBpfLsm();
    if (bpf.ok()) {
      return EnforcerChoice{*std::move(bpf), "BPF LSM programs attached and self-tested"};
    }
    if (request == TierRequest::kBpfLsm) return bpf.status();
    reason = absl::StrCat("no bpf-lsm: ", bpf.status().message());
  }
  absl::StatusOr<std::unique_ptr<PathEnforcer>> landlock = features.LoadLandlock();
  if (landlock.ok()) {
    return EnforcerChoice{*std::move(landlock),
                          reason.empty() ? std::string("landlock tier requested") : reason};
  }
  if (request == TierRequest::kLandlock) return landlock.status();
  absl::StrAppend(&reason, "; no landlock: ", landlock.status().message());
  return EnforcerChoice{MakeSyscallOnlyEnforcer(), reason};
}

}  // namespace cvlsm
