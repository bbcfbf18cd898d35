// One record per cgroup confined through the pinned state (/run/cv-lsm/<build>/cgroups/
// <cgroup id>.json): what `cv-lsm list` shows, and what `cv-lsm load` re-applies after the
// pin keeper died. The maps stay the truth; a record may be missing (a manager killed
// between the two writes), never wrong about a cgroup the maps confine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pinned/state_paths.h"
#include "policy/policy_file.h"

namespace cvlsm {

struct CgroupRecord {
  uint64_t cgroup_id = 0;
  std::string cgroup_path;
  std::string policy_source;    // a preset name or a file, as the user gave it
  std::string resolution_root;  // where the rule paths were resolved ("" = "/")
  PolicyDocument policy;
};

absl::Status WriteRecord(const StatePaths& paths, const CgroupRecord& record);
absl::StatusOr<CgroupRecord> ReadRecord(const StatePaths& paths, uint64_t cgroup_id);
void RemoveRecord(const StatePaths& paths, uint64_t cgroup_id);
// Removes the records of cgroups `exists` says are gone (a removed cgroup's id never comes
// back, so this cannot race with an apply writing a new cgroup's record), and the
// temporaries of writers killed before their rename. The caller holds the managers' lock,
// as every writer does.
void PruneRecords(const StatePaths& paths, bool (*exists)(uint64_t cgroup_id));

}  // namespace cvlsm
