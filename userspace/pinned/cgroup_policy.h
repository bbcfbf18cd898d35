// Policies on existing cgroups, through the pinned programs: `cv-lsm apply`, `detach`,
// `list` and the OCI hook. The confinement lasts after the caller exits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "policy/policy_file.h"

namespace cvlsm {

struct ApplyRequest {
  std::string cgroup_path;  // absolute cgroupfs directory, e.g. /sys/fs/cgroup/system.slice/x
  PolicyDocument policy;
  std::string policy_source;    // preset name or file, shown by `cv-lsm list`
  std::string resolution_root;  // rule paths resolve as if this directory were "/" ("" = "/")
  // The policy takes effect at the first exec in the cgroup (a container runtime's own
  // setup between its hook and the container's command is not checked); else at once.
  bool from_next_exec = false;
};

// Confines the cgroup and its descendants, or replaces its policy atomically. Needs
// `cv-lsm load` first (FailedPrecondition naming the remedy otherwise). Path rules only:
// a cgroup's processes cannot be given a seccomp filter from outside.
absl::Status ApplyCgroupPolicy(const ApplyRequest& request);

// Lifts the cgroup's confinement; false when it had none.
absl::StatusOr<bool> DetachCgroupPolicy(const std::string& cgroup_path);

struct CgroupPolicyListing {
  uint64_t cgroup_id = 0;
  std::string cgroup_path;    // empty when no record says
  std::string policy_source;  // likewise
  size_t rules = 0;
  size_t void_rules = 0;  // of those, rules whose object is gone (deleted, unmounted)
  bool audit = false;     // audit mode: nothing is denied
};
absl::StatusOr<std::vector<CgroupPolicyListing>> ListCgroupPolicies();

// Releases the rules and pins of confined cgroups that were removed (every apply does it
// too); returns how many. FailedPrecondition when nothing is loaded.
absl::StatusOr<size_t> ReleaseRemovedCgroups();

}  // namespace cvlsm
