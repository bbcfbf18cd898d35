// SharedPrograms for the pinned state: the lock file in /run orders the managers, and the
// pin keeper (pin_keeper.h) holds the rules' pins.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "bpf_backend/lsm_skeleton.h"
#include "bpf_backend/shared_programs.h"
#include "pinned/pin_keeper.h"
#include "pinned/state_paths.h"

namespace cvlsm {

class KeeperBackedPrograms : public SharedPrograms {
 public:
  // `state`: the pinned programs' global state, to refuse pins once the keeper is gone.
  // kLockHeld: the caller holds the lock for the whole of its work (LockForChange is then a
  // no-op). kRecovering is `cv-lsm load` replacing a dead keeper: it holds the lock too, and
  // hands pins to the new keeper while the programs still fail closed.
  enum class Mode { kNormal, kLockHeld, kRecovering };
  KeeperBackedPrograms(StatePaths paths, volatile const cvlsm_global_state* state,
                       Mode mode = Mode::kNormal)
      : paths_(std::move(paths)), state_(state), mode_(mode) {}
  absl::StatusOr<std::unique_ptr<ManagerLock>> LockForChange() override;
  absl::Status KeepPins(uint32_t policy_id, const std::vector<ResolvedPathRule>& rules) override;
  absl::Status DropPin(uint32_t policy_id, uint64_t object_key) override;
  absl::Status DropPins(uint32_t policy_id) override;
  absl::Status RetainOnly(const std::vector<uint32_t>& policy_ids) override;

 private:
  absl::StatusOr<PinKeeperClient*> Keeper();
  StatePaths paths_;
  volatile const cvlsm_global_state* state_;
  Mode mode_;
  std::optional<PinKeeperClient> keeper_;
};

}  // namespace cvlsm
