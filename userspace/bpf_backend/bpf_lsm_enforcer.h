// The bpf-lsm tier: path rules written into the maps of the attached LSM programs.
#pragma once

#include <map>
#include <memory>

#include "absl/status/statusor.h"
#include "bpf_backend/lsm_skeleton.h"
#include "runtime/enforcer.h"

namespace cvlsm {

class BpfLsmEnforcer : public PathEnforcer {
 public:
  // Loads and attaches the programs, then proves they run: a canary process in a throwaway
  // enforced cgroup must be refused an open. A kernel that attaches LSM programs without
  // running them (bpf missing from lsm=) fails here instead of claiming protection.
  static absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> Create();

  Tier tier() const override { return Tier::kBpfLsm; }
  absl::Status Confine(uint64_t cgroup_id, const Policy& policy) override;
  // The policy's rules resolved to the kernel objects the hooks match (each one pinned).
  absl::StatusOr<ResolvedPathRules> Resolve(const Policy& policy);
  // Confines to rules already resolved to objects (by this enforcer's identifier).
  absl::Status ConfineResolved(uint64_t cgroup_id, ResolvedPathRules rules);
  // A change of one rule is one map operation, atomic by itself. Anything more installs the
  // new rules under a new policy id, then switches the cgroup's entry in one map update,
  // then removes the old rules: a generation switch.
  absl::Status Update(uint64_t cgroup_id, const Policy& policy) override;
  absl::Status UpdateResolved(uint64_t cgroup_id, ResolvedPathRules rules);
  absl::Status Release(uint64_t cgroup_id) override;

  // What the path-rules map charges the kernel now (fdinfo "memlock": the memory in use
  // on 6.4 and later, an estimate from the map's limits before).
  absl::StatusOr<uint64_t> RuleMapMemoryBytes() const;

 private:
  explicit BpfLsmEnforcer(std::unique_ptr<LsmSkeleton> skeleton) : skeleton_(std::move(skeleton)) {}
  absl::Status SelfTest();
  absl::Status InstallRules(__u32 policy_id, const ResolvedPathRules& rules);
  absl::Status DeleteRules(__u32 policy_id, const ResolvedPathRules& rules);
  // The in-place update when the cgroup's entry stays and at most one rule differs; false
  // (nothing done) when the change is larger.
  absl::StatusOr<bool> UpdateOneRuleInPlace(__u32 policy_id, const ResolvedPathRules& old_rules,
                                            const ResolvedPathRules& new_rules);

  std::unique_ptr<LsmSkeleton> skeleton_;
  __u32 next_policy_id_ = 1;
  struct Confinement {
    __u32 policy_id;
    ResolvedPathRules rules;
  };
  std::map<uint64_t, Confinement> confined_;  // by cgroup id
};

}  // namespace cvlsm
