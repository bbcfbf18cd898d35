// The pin keeper's process as `cv-lsm load` and `unload` manage it: started detached from
// its caller, found by its pid file or its command line, stopped.
#pragma once

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"
#include "cvlsm_abi.h"
#include "pinned/state_paths.h"

namespace cvlsm {

// Starts `<binary> keeper --socket ...` and waits until it listens; writes its pid file.
// The keeper gets a cgroup of its own (KeeperCgroupName() below the cgroup2 mount), so
// whatever stops its caller's cgroup (a service manager stopping the unit that ran `run`
// or `load`, a pod restart) does not take it, and every confinement, down with it.
absl::StatusOr<pid_t> StartKeeper(const std::string& binary, const StatePaths& paths);
inline constexpr char KeeperCgroupName[] = "cv-lsm-keeper";

// The keeper's pid from its pid file, if that process is still a cv-lsm keeper; else 0.
pid_t LiveKeeperPid(const StatePaths& paths);

// Kills every keeper serving this build's socket, the pid file's or not (a load killed
// before it wrote the file leaves one nobody knows of).
void StopKeepers(const StatePaths& paths);
// Removes the keepers' cgroup once no keeper is left in it (after StopKeepers).
void RemoveKeeperCgroup();

// Whether the programs take `keeper_pid` for their living keeper (it runs, it is the one
// the programs watch, and they have not seen it exit).
bool KeeperServes(pid_t keeper_pid, volatile const cvlsm_global_state* state);

}  // namespace cvlsm
