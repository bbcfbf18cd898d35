// The machine-wide pinned state of cv-lsm: `cv-lsm load` loads, self-tests and attaches the
// programs once, pins them (maps and links) in bpffs and starts the pin keeper; every
// manager after that (library, CLI) attaches to them; `cv-lsm unload` removes it all.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bpf_backend/bpf_lsm_enforcer.h"
#include "machine/state_paths.h"

namespace cvlsm {

struct LoadResult {
  std::string pins;      // the bpffs directory
  bool reused = false;   // this build's state was loaded already
  pid_t keeper_pid = 0;  // the keeper now running
  bool keeper_restarted = false;
  bool counts_syscall_denials = false;  // the seccomp refusal counter is attached
  size_t reapplied = 0;                 // policies re-applied under the new keeper
  std::vector<std::string> warnings;    // cgroups left failing closed, a counter missing, ...
};

// `cv_lsm_binary` starts the keeper (`<binary> keeper --socket ...`). Must run in the
// initial pid namespace (the programs recognise the keeper by its pid there). `options` apply
// to a fresh load; a counter asked for but missing is a warning (loaded programs cannot gain
// it), after the keeper was replaced if it had died.
absl::StatusOr<LoadResult> LoadMachineState(const std::string& cv_lsm_binary,
                                            const LoadOptions& options = {});

struct UnloadResult {
  std::vector<std::string> removed;  // bpffs directories
  size_t cgroups_released = 0;       // confined cgroups whose confinement was lifted
};
// Refuses while cgroups are confined unless `force`. Removes every build's state.
absl::StatusOr<UnloadResult> UnloadMachineState(bool force);

// This build's pinned programs, attached for changes; NotFound when nothing is loaded.
// `lock_held`: the caller holds FileLock on StatePaths::lock() around all it does with them.
absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> AttachMachineState(bool lock_held = false);

struct MachineStateStatus {
  bool readable = true;  // false: not root, nothing could be read
  bool loaded = false;   // this build's state
  std::string pins;
  pid_t keeper_pid = 0;
  bool keeper_alive = false;  // false: confined cgroups fail closed
  size_t confined_cgroups = 0;
  std::vector<std::string> other_builds;  // pinned by another cv-lsm build
};
MachineStateStatus ReadMachineState();

// What opens rule paths as seen from `root`: null for "" or "/" (the manager's own view,
// OpenPathIdentifier()).
absl::StatusOr<std::unique_ptr<ObjectIdentifier>> RootOpener(const std::string& root);

}  // namespace cvlsm
