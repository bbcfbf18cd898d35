#include "runtime/enforcer.h"

#include "absl/strings/str_cat.h"
#include "bpf_backend/bpf_lsm_enforcer.h"

namespace cvlsm {
namespace {

class SyscallOnlyEnforcer : public PathEnforcer {
 public:
  Tier tier() const override { return Tier::kSeccomp; }
  // Nothing to enforce, but a policy that names a missing path is still wrong.
  absl::Status Confine(uint64_t, const Policy& policy) override {
    return ResolvePathRules(policy).status();
  }
  absl::Status Release(uint64_t) override { return absl::OkStatus(); }
};

}  // namespace

absl::string_view TierName(Tier tier) {
  switch (tier) {
    case Tier::kBpfLsm:
      return "bpf-lsm";
    case Tier::kSeccomp:
      return "seccomp";
  }
  return "unknown";
}

std::unique_ptr<PathEnforcer> MakeSyscallOnlyEnforcer() {
  return std::make_unique<SyscallOnlyEnforcer>();
}

absl::StatusOr<TierRequest> ParseTierRequest(absl::string_view name) {
  if (name == "auto") return TierRequest::kAuto;
  if (name == "bpf-lsm") return TierRequest::kBpfLsm;
  if (name == "seccomp") return TierRequest::kSeccomp;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown tier '", name, "': expected auto, bpf-lsm or seccomp"));
}

absl::StatusOr<EnforcerChoice> ChooseEnforcer(TierRequest request) {
  if (request == TierRequest::kSeccomp) {
    return EnforcerChoice{MakeSyscallOnlyEnforcer(), "seccomp tier requested"};
  }
  absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> bpf = BpfLsmEnforcer::Create();
  if (bpf.ok()) {
    return EnforcerChoice{*std::move(bpf), "BPF LSM programs attached and self-tested"};
  }
  if (request == TierRequest::kBpfLsm) return bpf.status();
  return EnforcerChoice{MakeSyscallOnlyEnforcer(), std::string(bpf.status().message())};
}

}  // namespace cvlsm
