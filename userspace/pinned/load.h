// `cv-lsm load` and `unload`: the programs loaded, self-tested and attached once for the
// machine, pinned (maps and links) in bpffs, with the pin keeper started; and all of it
// removed again. Every manager in between attaches to them (pinned_programs.h).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bpf_backend/lsm_skeleton.h"

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
absl::StatusOr<LoadResult> LoadPinnedPrograms(const std::string& cv_lsm_binary,
                                              const LoadOptions& options = {});

// The same on first use: loads when this build has nothing pinned, and says nothing
// otherwise (nullopt; a dead keeper is `cv-lsm load`'s to replace, which says so). What
// `run`, `apply` and the OCI hook do, so one set of programs serves the machine and outlives
// the command that loaded it.
absl::StatusOr<std::optional<LoadResult>> LoadPinnedProgramsOnFirstUse(
    const std::string& cv_lsm_binary);

struct UnloadResult {
  std::vector<std::string> removed;  // bpffs directories
  size_t cgroups_released = 0;       // confined cgroups whose confinement was lifted
};
// Refuses while cgroups are confined unless `force`. Removes every build's state.
absl::StatusOr<UnloadResult> UnloadPinnedPrograms(bool force);

}  // namespace cvlsm
