// One path enforcer for every container of the process: the tier is chosen (and for
// bpf-lsm, the programs loaded and self-tested) once, while at least one container lives;
// the calls are serialized because the backends are not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "policy/policy.h"
#include "runtime/enforcer.h"

namespace cvlsm::capi {

class SharedEnforcer {
 public:
  // The live one, or a new one from ChooseEnforcer(TierRequest::kAuto).
  static absl::StatusOr<std::shared_ptr<SharedEnforcer>> Get();

  Tier tier() const { return enforcer_->tier(); }
  // `mode` kAudit: PathEnforcer::ConfineAudited (bpf-lsm only).
  absl::Status Confine(uint64_t cgroup_id, const Policy& policy, PolicyMode mode);
  absl::Status Release(uint64_t cgroup_id);
  absl::Status SetPathRule(uint64_t cgroup_id, const std::string& path, PathModes modes);
  absl::Status RemovePathRule(uint64_t cgroup_id, const std::string& path);
  // Signals unscoped: see SignalScope.
  absl::StatusOr<std::unique_ptr<ChildRestriction>> PrepareChild(const Policy& policy);

 private:
  explicit SharedEnforcer(std::unique_ptr<PathEnforcer> enforcer)
      : enforcer_(std::move(enforcer)) {}
  std::mutex mutex_;
  std::unique_ptr<PathEnforcer> enforcer_;
};

}  // namespace cvlsm::capi
