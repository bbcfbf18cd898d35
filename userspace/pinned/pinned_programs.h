// This build's programs pinned for the machine (`cv-lsm load`), reached from any process:
// attached for changes, or read for `status`.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bpf_backend/bpf_lsm_enforcer.h"
#include "pinned/keeper_backed_programs.h"

namespace cvlsm {

// The pinned programs with their keeper, for changes; NotFound when nothing is loaded.
// kLockHeld: the caller holds FileLock on StatePaths::lock() around all it does with them.
absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> AttachPinnedPrograms(
    KeeperBackedPrograms::Mode mode = KeeperBackedPrograms::Mode::kNormal);

struct PinnedStatus {
  bool readable = true;  // false: not root, nothing could be read
  bool loaded = false;   // this build's state
  std::string pins;
  pid_t keeper_pid = 0;
  bool keeper_alive = false;  // false: confined cgroups fail closed
  size_t confined_cgroups = 0;
  size_t void_rules = 0;                  // rules of confined cgroups whose object is gone
  std::vector<std::string> other_builds;  // pinned by another cv-lsm build
};
PinnedStatus ReadPinnedStatus();

}  // namespace cvlsm
