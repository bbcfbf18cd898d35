// cgroup v2 directories: finding the unified hierarchy (unified or hybrid machines),
// creating a cgroup for a workload, and removing it with everything left inside.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cvlsm {

// The mount point of the cgroup v2 hierarchy, from /proc/self/mountinfo.
absl::StatusOr<std::string> FindCgroup2Mount();

// The id that bpf_get_current_cgroup_id() returns for a process in this cgroup directory.
absl::StatusOr<uint64_t> CgroupIdOf(const std::string& cgroup_dir);

// The cgroups directly below `dir` (full paths); empty when it cannot be read.
std::vector<std::string> ChildCgroups(const std::string& dir);

// Whether the cgroup with this id still exists (false only when the kernel says it is gone;
// an error asking is taken as alive, so nothing is released on a doubt).
bool CgroupExists(uint64_t cgroup_id);

// Makes sure no cgroup below `cgroup_dir` can nest more than `max_depth` levels deep (the
// depth the LSM hook searches for an enforced ancestor): fails when some already does,
// else lowers cgroup.max.depth to `max_depth` if it was higher.
absl::Status LimitNesting(const std::string& cgroup_dir, int max_depth);

// Removes the cgroups "<name>-<pid>" below <cgroup2 mount>/<group> whose owner process
// <pid> no longer exists (a manager killed with SIGKILL), killing what is left inside.
void SweepStaleCgroups(const std::string& group);

// Owns a cgroup directory it created: the destructor kills every process left in it and
// in its descendants, then removes them all, so nothing outlives the owner.
class OwnedCgroup {
 public:
  // Creates <cgroup2 mount>/<group>/<name>. `group` is created if missing and removed
  // again with the last cgroup in it. Nesting below the new cgroup is limited to
  // `max_descendant_depth` levels (the depth the LSM hook searches for an enforced ancestor).
  static absl::StatusOr<OwnedCgroup> Create(const std::string& group, const std::string& name,
                                            int max_descendant_depth);

  OwnedCgroup(OwnedCgroup&& other) noexcept;
  OwnedCgroup& operator=(OwnedCgroup&& other) noexcept;
  OwnedCgroup(const OwnedCgroup&) = delete;
  OwnedCgroup& operator=(const OwnedCgroup&) = delete;
  ~OwnedCgroup();

  const std::string& path() const { return path_; }
  uint64_t id() const { return id_; }

  // Path of cgroup.procs, for a child to write "0" into (moves the writer).
  std::string procs_file() const { return path_ + "/cgroup.procs"; }

  // Kills all processes in the cgroup tree and removes it; idempotent.
  absl::Status Remove();

 private:
  OwnedCgroup(std::string path, std::string group_dir, uint64_t id)
      : path_(std::move(path)), group_dir_(std::move(group_dir)), id_(id) {}

  std::string path_;
  std::string group_dir_;
  uint64_t id_ = 0;
};

}  // namespace cvlsm
