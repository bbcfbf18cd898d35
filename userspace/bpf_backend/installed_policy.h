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
  InstalledPolicy(uint32_t id, ResolvedPolicy installed, PolicyMode policy_mode);
  // Read back from the maps (another manager installed it): the path rules and the entry's
  // flags are known, the network rules only as folded entries (`network_known` false).
  InstalledPolicy(uint32_t id, ResolvedPolicy read_back, PolicyMode policy_mode,
                  uint32_t entry_network_flags);

  uint32_t policy_id;
  ResolvedPolicy rules;  // with their pins (this process's programs) or without (read back)
  PolicyMode mode;
  uint32_t network_flags;                       // the entry's CVLSM_POLICY_ network flags
  bool network_known = true;                    // rules.network is what is installed
  absl::flat_hash_map<uint64_t, size_t> index;  // object key -> position in rules.rules
  size_t deny_rules = 0;                        // rules with deny modes

  // Adds the rule, or replaces the one on the same object (its old pin drops then).
  void Put(ResolvedPathRule rule);
  void Erase(size_t position);
};

// The cgroup's entry for an installed policy: its id, /proc/self modes and flags. `deny_flag`
// makes the walk go to the root (it changes on either side of a rule write, SetPathRule).
cvlsm_cgroup_policy CgroupEntry(const InstalledPolicy& policy, bool deny_flag,
                                uint32_t wait_for_exec);

}  // namespace cvlsm
