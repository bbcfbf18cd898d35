#include "capi/shared_enforcer.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace cvlsm::capi {

absl::StatusOr<std::shared_ptr<SharedEnforcer>> SharedEnforcer::Get() {
  static std::mutex mutex;
  static std::weak_ptr<SharedEnforcer> live;
  std::lock_guard<std::mutex> lock(mutex);
  if (std::shared_ptr<SharedEnforcer> existing = live.lock()) return existing;
  absl::StatusOr<EnforcerChoice> choice = ChooseEnforcer(TierRequest::kAuto);
  if (!choice.ok()) return choice.status();
  Tier tier = choice->enforcer->tier();
  if (tier == Tier::kSeccomp) {
    // As the CLI does: never silently weaker than the caller may believe.
    LogWarning("containerv", absl::StrCat("path rules are NOT enforced, only syscalls are "
                                          "filtered (tier seccomp: ",
                                          choice->reason, ")"));
  } else if (tier == Tier::kLandlock) {
    LogDebug("containerv", absl::StrCat("tier landlock (", choice->reason, ")"));
  }
  std::shared_ptr<SharedEnforcer> shared(new SharedEnforcer(std::move(choice->enforcer)));
  live = shared;
  return shared;
}

absl::Status SharedEnforcer::Confine(uint64_t cgroup_id, const Policy& policy, PolicyMode mode) {
  std::lock_guard<std::mutex> lock(mutex_);
  return mode == PolicyMode::kAudit ? enforcer_->ConfineAudited(cgroup_id, policy)
                                    : enforcer_->Confine(cgroup_id, policy);
}

absl::Status SharedEnforcer::Release(uint64_t cgroup_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  return enforcer_->Release(cgroup_id);
}

absl::Status SharedEnforcer::SetPathRule(uint64_t cgroup_id, const std::string& path,
                                         PathModes modes) {
  std::lock_guard<std::mutex> lock(mutex_);
  return enforcer_->SetPathRule(cgroup_id, path, modes);
}

absl::Status SharedEnforcer::RemovePathRule(uint64_t cgroup_id, const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  return enforcer_->RemovePathRule(cgroup_id, path);
}

absl::StatusOr<std::unique_ptr<ChildRestriction>> SharedEnforcer::PrepareChild(
    const Policy& policy) {
  std::lock_guard<std::mutex> lock(mutex_);
  return enforcer_->PrepareChild(policy, SignalScope::kUnscoped);
}

}  // namespace cvlsm::capi
