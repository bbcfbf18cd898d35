// What `cv-lsm oci-hook` does for one container, decided from its state and the machine
// before anything changes: whether to confine it, which cgroup, which policy, and where
// the policy's paths resolve. Applying the plan is the CLI's (userspace/cli/).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oci/container_state.h"
#include "policy/policy_file.h"

namespace cvlsm {

// Where the plan looks; tests point these at fixtures.
struct HookEnvironment {
  std::string proc = "/proc";
  std::string cgroup2_mount;  // empty: the machine's (FindCgroup2Mount)
};

struct HookPlan {
  bool confine = false;     // false: no org.cv-lsm.policy annotation, leave the container alone
  std::string cgroup_path;  // cgroupfs directory of the container
  Policy policy = Policy::Preset(PolicyType::kCustom);
  std::string policy_source;  // preset name or file
  PolicyMode mode = PolicyMode::kEnforce;
  std::string resolution_root;  // rule paths resolve as if this directory were "/"
};

// Errors say what is wrong and what to do; the caller adds the container id.
absl::StatusOr<HookPlan> PlanHook(const ContainerState& state, const HookEnvironment& env = {});

// A hook confines processes that already run, which only the bpf-lsm tier can: Landlock
// and seccomp restrict the process that applies them and its future children. Fails,
// naming the remedy, when "bpf" is not among `active_lsms` (/sys/kernel/security/lsm).
absl::Status RequireBpfLsm(const std::vector<std::string>& active_lsms);

}  // namespace cvlsm
