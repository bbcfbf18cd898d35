#include "pinned/keeper_backed_programs.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace cvlsm {

absl::StatusOr<std::unique_ptr<ManagerLock>> KeeperBackedPrograms::LockForChange() {
  if (mode_ != Mode::kNormal) return std::unique_ptr<ManagerLock>();
  ASSIGN_OR_RETURN(std::unique_ptr<FileLock> lock, FileLock::Acquire(paths_.lock()));
  return std::unique_ptr<ManagerLock>(std::move(lock));
}

absl::StatusOr<PinKeeperClient*> KeeperBackedPrograms::Keeper() {
  if (state_->pins_lost && mode_ != Mode::kRecovering) {
    return absl::FailedPreconditionError(
        "the pin keeper has exited, so every confined cgroup is failing closed: run cv-lsm "
        "load to start a new keeper and re-apply the recorded policies");
  }
  if (!keeper_) {
    ASSIGN_OR_RETURN(PinKeeperClient client, PinKeeperClient::Connect(paths_.keeper_socket()));
    keeper_.emplace(std::move(client));
  }
  return &*keeper_;
}

absl::Status KeeperBackedPrograms::KeepPins(uint32_t policy_id,
                                            const std::vector<ResolvedPathRule>& rules) {
  std::vector<std::pair<uint64_t, int>> pins;
  pins.reserve(rules.size());
  for (const ResolvedPathRule& rule : rules) {
    if (!rule.object.pin || !rule.object.pin->valid()) {
      return absl::InternalError(absl::StrCat("the rule for ", rule.path, " has no pin to keep"));
    }
    pins.emplace_back(rule.object.key, rule.object.pin->get());
  }
  ASSIGN_OR_RETURN(PinKeeperClient * keeper, Keeper());
  return keeper->Keep(policy_id, pins);
}

absl::Status KeeperBackedPrograms::DropPin(uint32_t policy_id, uint64_t object_key) {
  ASSIGN_OR_RETURN(PinKeeperClient * keeper, Keeper());
  return keeper->Drop(policy_id, object_key);
}

absl::Status KeeperBackedPrograms::DropPins(uint32_t policy_id) {
  ASSIGN_OR_RETURN(PinKeeperClient * keeper, Keeper());
  return keeper->DropPolicy(policy_id);
}

absl::Status KeeperBackedPrograms::RetainOnly(const std::vector<uint32_t>& policy_ids) {
  ASSIGN_OR_RETURN(PinKeeperClient * keeper, Keeper());
  return keeper->RetainOnly(policy_ids);
}

}  // namespace cvlsm
