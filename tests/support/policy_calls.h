// Test support: a whole Policy put in force on a cgroup through an Enforcer, as the
// confinement sequence does it (the rule paths resolved once, then applied).
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "enforcement/enforcer.h"
#include "policy/path_resolution.h"

namespace cvlsm::testing {

inline absl::Status ApplyPolicy(Enforcer& enforcer, uint64_t cgroup_id, const Policy& policy,
                                ApplyTo to = ApplyTo::kNewConfinement) {
  absl::StatusOr<ResolvedPolicy> rules = ResolvePathRules(policy);
  if (!rules.ok()) return rules.status();
  return enforcer.Apply(cgroup_id, *std::move(rules), ApplyOptions{.to = to});
}

inline absl::Status Confine(Enforcer& enforcer, uint64_t cgroup_id, const Policy& policy) {
  return ApplyPolicy(enforcer, cgroup_id, policy, ApplyTo::kNewConfinement);
}

inline absl::Status Update(Enforcer& enforcer, uint64_t cgroup_id, const Policy& policy) {
  return ApplyPolicy(enforcer, cgroup_id, policy, ApplyTo::kUpdate);
}

}  // namespace cvlsm::testing
