#include "pinned/pinned_programs.h"

#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "pinned/keeper_process.h"
#include "pinned/state_paths.h"

namespace cvlsm {

absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> AttachPinnedPrograms(
    KeeperBackedPrograms::Mode mode) {
  StatePaths paths = ThisBuildState();
  struct stat st {};
  if (::stat(paths.pins.c_str(), &st) != 0) {
    return WithRemedy(
        absl::NotFoundError(absl::StrCat("no pinned cv-lsm programs at ", paths.pins)),
        "run cv-lsm load first");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<LsmSkeleton> pinned, LsmSkeleton::OpenPinned(paths.pins));
  volatile cvlsm_global_state* state = pinned->state();
  return BpfLsmEnforcer::Attach(std::move(pinned),
                                std::make_unique<KeeperBackedPrograms>(paths, state, mode));
}

PinnedStatus ReadPinnedStatus() {
  PinnedStatus status;
  if (::geteuid() != 0) {
    status.readable = false;  // bpffs and the pins are root's
    return status;
  }
  StatePaths paths = ThisBuildState();
  for (const std::string& build : PinnedBuilds()) {
    if (build != paths.build_id) status.other_builds.push_back(build);
  }
  absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> attached = AttachPinnedPrograms();
  if (!attached.ok()) return status;
  status.loaded = true;
  status.pins = paths.pins;
  status.keeper_pid = LiveKeeperPid(paths);
  status.keeper_alive = KeeperServes(status.keeper_pid, (*attached)->programs().state());
  for (const BpfLsmEnforcer::CgroupConfinement& confined : (*attached)->List()) {
    ++status.confined_cgroups;
    status.void_rules += confined.void_rules;
  }
  return status;
}

}  // namespace cvlsm
