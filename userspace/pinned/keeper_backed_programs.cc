#include "pinned/keeper_backed_programs.h"

#include "absl/strings/str_cat.h"

namespace cvlsm {

absl::StatusOr<std::unique_ptr<ManagerLock>> KeeperBackedPrograms::LockForChange() {
  if (mode_ != Mode::kNormal) return std::unique_ptr<ManagerLock>();
  absl::StatusOr<std::unique_ptr<FileLock>> lock = FileLock::Acquire(paths_.lock());
  if (!lock.ok()) return lock.status();
  return std::unique_ptr<ManagerLock>(std::move(*lock));
}

absl::StatusOr<PinKeeperClient*> KeeperBackedPrograms::Keeper() {
  if (state_->pins_lost && mode_ != Mode::kRecovering) {
    return absl::FailedPreconditionError(
        "the pin keeper has exited, so every confined cgroup is failing closed: run cv-lsm "
        "load to start a new keeper and re-apply the recorded policies");
  }
  if (!keeper_) {
    absl::StatusOr<PinKeeperClient> client = PinKeeperClient::Connect(paths_.keeper_socket());
    if (!client.ok()) return client.status();
    keeper_.emplace(*std::move(client));
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
  absl::StatusOr<PinKeeperClient*> keeper = Keeper();
  if (!keeper.ok()) return keeper.status();
  return (*keeper)->Keep(policy_id, pins);
}

absl::Status KeeperBackedPrograms::DropPin(uint32_t policy_id, uint64_t object_key) {
  absl::StatusOr<PinKeeperClient*> keeper = Keeper();
  if (!keeper.ok()) return keeper.status();
  return (*keeper)->Drop(policy_id, object_key);
}

absl::Status KeeperBackedPrograms::DropPins(uint32_t policy_id) {
  absl::StatusOr<PinKeeperClient*> keeper = Keeper();
  if (!keeper.ok()) return keeper.status();
  return (*keeper)->DropPolicy(policy_id);
}

absl::Status KeeperBackedPrograms::RetainOnly(const std::vector<uint32_t>& policy_ids) {
  absl::StatusOr<PinKeeperClient*> keeper = Keeper();
  if (!keeper.ok()) return keeper.status();
  return (*keeper)->RetainOnly(policy_ids);
}

}  // namespace cvlsm
