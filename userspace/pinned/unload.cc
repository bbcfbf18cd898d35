// `cv-lsm unload` (declared in load.h).
#include <bpf/bpf.h>

#include "absl/strings/str_cat.h"
#include "cgroup/cgroup.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/unique_fd.h"
#include "pinned/keeper_process.h"
#include "pinned/load.h"
#include "pinned/state_paths.h"

namespace cvlsm {
namespace {

// The cgroups a build's pinned programs confine, read with the raw map: another build's
// layout may differ, its key (a cgroup id) does not.
std::vector<__u64> PinnedCgroupIds(const std::string& build) {
  std::vector<__u64> ids;
  UniqueFd cgroups(bpf_obj_get(absl::StrCat(PinsParent(), "/", build, "/cgroups").c_str()));
  __u64 key = 0, next = 0;
  for (const __u64* previous = nullptr;
       cgroups.valid() && bpf_map_get_next_key(cgroups.get(), previous, &next) == 0;
       previous = &key) {
    key = next;
    ids.push_back(key);
  }
  return ids;
}

}  // namespace

absl::StatusOr<UnloadResult> UnloadPinnedPrograms(bool force) {
  UnloadResult result;
  std::vector<std::string> builds = PinnedBuilds();
  // Every build's lock first, held to the end: no apply can confine a cgroup between the
  // count below and the removal.
  std::vector<std::unique_ptr<FileLock>> locks;
  for (const std::string& build : builds) {
    StatePaths paths = StatePathsOf(build);
    for (const std::string& dir : {RuntimeParent(), paths.runtime}) {
      RETURN_IF_ERROR(MakeDirectory(dir));
    }
    ASSIGN_OR_RETURN(std::unique_ptr<FileLock> lock, FileLock::Acquire(paths.lock()));
    locks.push_back(std::move(lock));
  }
  for (const std::string& build : builds) {
    for (__u64 cgroup_id : PinnedCgroupIds(build)) {
      if (CgroupExists(cgroup_id)) ++result.cgroups_released;  // a removed one confines nothing
    }
  }
  if (result.cgroups_released > 0 && !force) {
    return WithRemedy(
        absl::FailedPreconditionError(absl::StrCat(
            result.cgroups_released, " cgroups are confined by the pinned programs (cv-lsm list)")),
        "detach them, or run cv-lsm unload --force to lift their confinement");
  }
  for (const std::string& build : builds) {
    StatePaths paths = StatePathsOf(build);
    // Confinement ends with the entries, at once: a detached program may still run for a
    // moment (its link is released after a grace period).
    UniqueFd cgroups(bpf_obj_get(absl::StrCat(paths.pins, "/cgroups").c_str()));
    for (__u64 cgroup_id : PinnedCgroupIds(build)) {
      if (cgroups.valid()) (void)bpf_map_delete_elem(cgroups.get(), &cgroup_id);
    }
    // Links next: once the programs are detached, the keeper's exit changes nothing.
    RemovePins(paths.pins);
    StopKeepers(paths);
    RemoveRuntimeDir(paths);
    result.removed.push_back(paths.pins);
  }
  for (const std::string& unfinished : UnfinishedPins()) RemovePins(unfinished);
  ::rmdir(PinsParent().c_str());
  if (!builds.empty()) RemoveKeeperCgroup();
  return result;
}

}  // namespace cvlsm
