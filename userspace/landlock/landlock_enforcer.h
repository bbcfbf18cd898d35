// The landlock tier: path rules become a Landlock ruleset that the confined command applies
// to itself before exec (best effort across ABI 1 to the running kernel's).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "runtime/enforcer.h"

namespace cvlsm {

// The Landlock ABI the running kernel offers (0 when Landlock is absent or disabled).
int LandlockAbiVersion();

class LandlockEnforcer : public PathEnforcer {
 public:
  // Fails, saying why and what to do, when the kernel offers no Landlock.
  static absl::StatusOr<std::unique_ptr<PathEnforcer>> Create();

  Tier tier() const override { return Tier::kLandlock; }
  absl::Status Confine(uint64_t cgroup_id, const Policy& policy) override;
  absl::Status Release(uint64_t cgroup_id) override;
  absl::StatusOr<std::unique_ptr<ChildRestriction>> PrepareChild(const Policy& policy,
                                                                 SignalScope signals) override;

 private:
  explicit LandlockEnforcer(int abi) : abi_(abi) {}
  int abi_;
};

}  // namespace cvlsm
