#include "capi/shared_enforcer.h"

#include "bpf_backend/bpf_lsm_enforcer.h"
#include "common/status_macros.h"
#include "confinement/confined_cgroup.h"

namespace cvlsm::capi {

absl::StatusOr<std::shared_ptr<SharedEnforcer>> SharedEnforcer::Get() {
  static std::mutex mutex;
  static std::weak_ptr<SharedEnforcer> live;
  std::lock_guard<std::mutex> lock(mutex);
  if (std::shared_ptr<SharedEnforcer> existing = live.lock()) return existing;
  ASSIGN_OR_RETURN(EnforcerChoice choice, ChooseEnforcer(TierRequest::kAuto));
  // As the CLI does: never silently weaker than the caller may believe.
  RETURN_IF_ERROR(AnnounceTier("containerv", choice, /*strict=*/false));
  std::shared_ptr<SharedEnforcer> shared(new SharedEnforcer(std::move(choice)));
  live = shared;
  return shared;
}

absl::Status SharedEnforcer::Apply(uint64_t cgroup_id, ResolvedPolicy rules,
                                   const ApplyOptions& options) {
  std::lock_guard<std::mutex> lock(mutex_);
  return choice_.enforcer().Apply(cgroup_id, std::move(rules), options);
}

std::vector<std::string> SharedEnforcer::NotEnforced(const ResolvedPolicy& rules,
                                                     const ApplyOptions& options) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return choice_.enforcer().NotEnforced(rules, options);
}

absl::Status SharedEnforcer::CheckApplicable(const ResolvedPolicy& rules,
                                             const ApplyOptions& options) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return choice_.enforcer().CheckApplicable(rules, options);
}

absl::StatusOr<std::unique_ptr<ChildRestriction>> SharedEnforcer::RestrictionForProcess(
    uint64_t cgroup_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  return choice_.enforcer().RestrictionForProcess(cgroup_id);
}

absl::Status SharedEnforcer::SetPathRule(uint64_t cgroup_id, const std::string& path,
                                         PathModes modes) {
  std::lock_guard<std::mutex> lock(mutex_);
  return choice_.enforcer().SetPathRule(cgroup_id, path, modes);
}

absl::Status SharedEnforcer::RemovePathRule(uint64_t cgroup_id, const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  return choice_.enforcer().RemovePathRule(cgroup_id, path);
}

absl::Status SharedEnforcer::Release(uint64_t cgroup_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  return choice_.enforcer().Release(cgroup_id);
}

const LsmSkeleton* SharedEnforcer::programs() const {
  const auto* bpf = dynamic_cast<const BpfLsmEnforcer*>(&choice_.enforcer());
  return bpf != nullptr ? &bpf->programs() : nullptr;
}

}  // namespace cvlsm::capi
