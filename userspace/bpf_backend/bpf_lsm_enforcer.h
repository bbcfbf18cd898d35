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
  // Confines to rules already resolved to objects (by this enforcer's identifier).
  absl::Status ConfineResolved(uint64_t cgroup_id, const ResolvedPathRules& rules);
  absl::Status Release(uint64_t cgroup_id) override;

 private:
  explicit BpfLsmEnforcer(std::unique_ptr<LsmSkeleton> skeleton) : skeleton_(std::move(skeleton)) {}
  absl::Status SelfTest();
  absl::Status DeleteRules(__u32 policy_id, const ResolvedPathRules& rules);

  std::unique_ptr<LsmSkeleton> skeleton_;
  __u32 next_policy_id_ = 1;
  struct Confinement {
    __u32 policy_id;
    ResolvedPathRules rules;
  };
  std::map<uint64_t, Confinement> confined_;  // by cgroup id
};

}  // namespace cvlsm
