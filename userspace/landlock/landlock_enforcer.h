// The landlock tier: path rules become a Landlock ruleset that each process launched into
// the confined cgroup applies to itself before exec (best effort across ABI 1 to the
// running kernel's). Landlock confines processes, not cgroups: a process already running,
// or one that joins the cgroup by itself, is not confined by it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "absl/status/statusor.h"
#include "enforcement/enforcer.h"

namespace cvlsm {

// The Landlock ABI the running kernel offers (0 when Landlock is absent or disabled).
int LandlockAbiVersion();

class LandlockEnforcer : public Enforcer {
 public:
  // Fails, saying why and what to do, when the kernel offers no Landlock.
  static absl::StatusOr<std::unique_ptr<Enforcer>> Create();

  Tier tier() const override { return Tier::kLandlock; }
  // Checks that the tier can enforce the rules (CheckApplicable) and keeps them, with their
  // pins, for the processes launched into the cgroup. An update is refused: a process's
  // ruleset cannot change once it applied it.
  absl::Status Apply(uint64_t cgroup_id, ResolvedPolicy rules,
                     const ApplyOptions& options) override;
  std::vector<std::string> NotEnforced(const ResolvedPolicy& rules,
                                       const ApplyOptions& options) const override;
  // No audit mode, and only deny rules that nothing the policy allows overrides
  // (landlock/deny_rules.h): those hold as they are, since Landlock denies what no rule
  // grants.
  absl::Status CheckApplicable(const ResolvedPolicy& rules,
                               const ApplyOptions& options) const override;
  // A ruleset of its own for each process: its /proc/self rule names that process's entry.
  absl::StatusOr<std::unique_ptr<ChildRestriction>> RestrictionForProcess(
      uint64_t cgroup_id) override;
  // A Landlock domain ends with the last process in it: only the kept rules go.
  absl::Status Release(uint64_t cgroup_id) override;

 private:
  explicit LandlockEnforcer(int abi) : abi_(abi) {}
  struct Confined {
    ResolvedPolicy rules;  // each object held open (pin) for landlock_add_rule
    SignalScope signals;
  };
  int abi_;
  std::map<uint64_t, Confined> confined_;
};

}  // namespace cvlsm
