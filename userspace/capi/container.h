// A container as the C API sees it, composed of the library's pieces: a ConfinedCgroup
// under the process's shared enforcer, a ContainerInit holding its namespaces, and a
// ConfinedProcess per spawned process.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "capi/container_init.h"
#include "capi/shared_enforcer.h"
#include "confinement/confined_cgroup.h"
#include "observe/cgroup_reports.h"
#include "observe/confinement_cost.h"
#include "policy/policy.h"
#include "runtime/confined_process.h"

namespace cvlsm::capi {

// How a container confines what it runs, beyond its policy.
struct ContainerSettings {
  // In audit mode the path rules report and allow (bpf-lsm only); the syscall filter enforces.
  PolicyMode mode = PolicyMode::kEnforce;
  // Refuse to create the container when the tier leaves part of the policy unenforced
  // (otherwise that is logged as a warning).
  bool strict = false;
};

// The decisions and the footprint are known on the bpf-lsm tier only.
struct ContainerCost {
  CgroupUsage usage;
  std::optional<CgroupStats> decisions;
  std::optional<PolicyFootprint> footprint;
};

class Container {
 public:
  // root_or_id: an existing absolute directory is the root filesystem, anything else the id
  // of a container on the host's root. cv_caps: CV_CAP_* flags. The policy is copied.
  static absl::StatusOr<std::unique_ptr<Container>> Create(absl::string_view root_or_id,
                                                           unsigned cv_caps, const Policy& policy,
                                                           const ContainerSettings& settings = {});
  ~Container();  // Destroy(), logging what failed

  const std::string& id() const { return id_; }

  // Starts `path` (absolute, inside the container's root) with argv = {path, args...}.
  absl::StatusOr<pid_t> Spawn(const std::string& path, const std::vector<std::string>& args,
                              const std::vector<std::string>& environment, bool wait);
  // SIGTERM to a process this container spawned and has not reaped.
  absl::Status Kill(pid_t pid);
  // Its exit code, once.
  absl::StatusOr<int> Wait(pid_t pid);
  // Changes one path rule while the container runs (the path as the container names it):
  // Enforcer::SetPathRule / RemovePathRule on its cgroup. Later spawns get it too.
  absl::Status SetPathRule(const std::string& path, PathModes modes);
  absl::Status RemovePathRule(const std::string& path);
  // What the container costs and what its policy decided (cv-lsm stats for its cgroup).
  absl::StatusOr<ContainerCost> Cost() const;
  // Kills everything in the container, then removes its cgroup and lifts its confinement
  // (in that order, so nothing of it ever runs unconfined); idempotent.
  absl::Status Destroy();

 private:
  Container() = default;
  absl::Status Setup(unsigned cv_caps, const Policy& policy, const ContainerSettings& settings);
  // Where a path the container names is on the host (below its root filesystem).
  std::string HostPath(const std::string& path) const;
  bool Confined() const;

  std::string id_;
  std::string root_;  // empty: the host's root
  std::optional<Policy> policy_;
  uint64_t keep_capabilities_ = 0;
  std::shared_ptr<SharedEnforcer> enforcer_;
  std::optional<ConfinedCgroup> workload_;
  std::unique_ptr<ContainerInit> init_;
  std::map<pid_t, std::unique_ptr<ConfinedProcess>> processes_;
  std::map<pid_t, int> finished_;  // exit codes of CV_SPAWN_WAIT processes, not yet fetched
};

}  // namespace cvlsm::capi
