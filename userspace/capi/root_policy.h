// A container with its own root filesystem: its policy names paths inside that root, but
// the enforcers resolve rules from the host, so each rule is moved below the root.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "policy/policy.h"

namespace cvlsm::capi {

// The same syscalls and rules with every path prefixed by `root` (absolute, no trailing
// '/'). /proc/self keeps its name: the tiers resolve it per confined process. Preset rules
// whose path the root does not have are dropped, as presets are on the host.
absl::StatusOr<Policy> PolicyInRoot(const Policy& policy, const std::string& root);

}  // namespace cvlsm::capi
