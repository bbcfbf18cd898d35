// What a manager needs when the programs are pinned for the machine and outlive it: a lock
// that makes the managers of those programs take turns, and a keeper that holds the pins of
// installed rules (rules name inodes by address, which must stay alive while a rule names
// them; see cvlsm_rule_key). Implemented by machine/ (bpffs state and the keeper daemon).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "policy/path_resolution.h"

namespace cvlsm {

// Held while a manager changes the maps; released when destroyed.
class ManagerLock {
 public:
  virtual ~ManagerLock() = default;
};

class SharedPrograms {
 public:
  virtual ~SharedPrograms() = default;
  // Blocks until no other manager of the same programs is changing them.
  virtual absl::StatusOr<std::unique_ptr<ManagerLock>> LockForChange() = 0;
  // Hands the pins of `rules` to the keeper, for policy `policy_id` (a rule on an object the
  // policy already has replaces its pin). Called before the rules are written.
  virtual absl::Status KeepPins(uint32_t policy_id, const std::vector<ResolvedPathRule>& rules) = 0;
  // Releases one object's pin, or every pin of a policy, after the map stopped naming them.
  virtual absl::Status DropPin(uint32_t policy_id, uint64_t object_key) = 0;
  virtual absl::Status DropPins(uint32_t policy_id) = 0;
  // Releases the pins of every policy not in `policy_ids` (left behind by a killed manager).
  virtual absl::Status RetainOnly(const std::vector<uint32_t>& policy_ids) = 0;
};

}  // namespace cvlsm
