// What a killed manager or a removed cgroup leaves in the pinned state, collected by the
// next change: confinements of removed cgroups, rules and pins no cgroup uses, reports of
// cgroups no longer confined.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "bpf_backend/bpf_lsm_enforcer.h"
#include "bpf_backend/shared_programs.h"

namespace cvlsm {

// Releases every confined cgroup `alive` says is gone, deletes rules no cgroup uses and
// tells the keeper to drop their pins. The caller holds the managers' lock (no manager is
// then between two steps of a change). Returns how many cgroups were released.
absl::StatusOr<size_t> CollectGarbage(BpfLsmEnforcer& enforcer, SharedPrograms& keeper,
                                      const std::function<bool(uint64_t cgroup_id)>& alive);

}  // namespace cvlsm
