// One enforcer for every container of the process: the tier is chosen (and for bpf-lsm, the
// programs attached or loaded and self-tested) once, while at least one container lives;
// every call is serialized, because the tiers are not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bpf_backend/lsm_skeleton.h"
#include "confinement/tier_choice.h"
#include "enforcement/enforcer.h"

namespace cvlsm::capi {

class SharedEnforcer : public Enforcer {
 public:
  // The live one, or a new one from ChooseEnforcer(TierRequest::kAuto), announced.
  static absl::StatusOr<std::shared_ptr<SharedEnforcer>> Get();

  Tier tier() const override { return tier_; }
  absl::Status Apply(uint64_t cgroup_id, ResolvedPolicy rules,
                     const ApplyOptions& options) override;
  std::vector<std::string> NotEnforced(const ResolvedPolicy& rules,
                                       const ApplyOptions& options) const override;
  absl::Status CheckApplicable(const ResolvedPolicy& rules,
                               const ApplyOptions& options) const override;
  absl::StatusOr<std::unique_ptr<ChildRestriction>> RestrictionForProcess(
      uint64_t cgroup_id) override;
  absl::Status SetPathRule(uint64_t cgroup_id, const std::string& path, PathModes modes) override;
  absl::Status RemovePathRule(uint64_t cgroup_id, const std::string& path) override;
  absl::Status Release(uint64_t cgroup_id) override;
  // The BPF LSM programs on the bpf-lsm tier (their counters and maps), null on the others.
  const LsmSkeleton* programs() const;

 private:
  explicit SharedEnforcer(EnforcerChoice choice)
      : choice_(std::move(choice)), tier_(choice_.tier()) {}
  mutable std::mutex mutex_;
  EnforcerChoice choice_;
  const Tier tier_;
};

}  // namespace cvlsm::capi
