// A confined cgroup's rules as installed under its policy id, indexed by object, as the
// enforcer keeps them between changes (and re-reads them from the maps when another
// manager of pinned programs may have changed them).
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "cvlsm_abi.h"
#include "policy/path_resolution.h"
#include "policy/policy.h"

namespace cvlsm {

struct InstalledPolicy {
  InstalledPolicy(uint32_t id, ResolvedPathRules installed, PolicyMode policy_mode);

  uint32_t policy_id;
  ResolvedPathRules rules;  // with their pins (this process's programs) or without (read back)
  PolicyMode mode;
  absl::flat_hash_map<uint64_t, size_t> index;  // object key -> position in rules.rules
  size_t deny_rules = 0;                        // rules with deny modes

  // Adds the rule, or replaces the one on the same object (its old pin drops then).
  void Put(ResolvedPathRule rule);
  void Erase(size_t position);
};

// The cgroup's entry for a policy: its id, /proc/self modes and flags. `deny_flag` makes the
// walk go to the root (it changes on either side of a rule write, see SetPathRule).
cvlsm_cgroup_policy CgroupEntry(uint32_t policy_id, const ResolvedPathRules& rules, PolicyMode mode,
                                bool deny_flag, uint32_t wait_for_exec);

}  // namespace cvlsm
