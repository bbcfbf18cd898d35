// What a run in audit mode would have been refused: the input of policy learning.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "policy/access_mode.h"
#include "policy/net_rules.h"

namespace cvlsm {

// One refused access: the path as the kernel named the object (absolute, in the process's
// mount namespace, symlinks already resolved) and the modes requested.
struct ObservedAccess {
  std::string path;
  AccessModes modes = 0;
  // The kernel's bounded string did not hold the whole path: `path` is a fragment.
  bool truncated = false;
};

struct Observations {
  std::vector<ObservedAccess> accesses;
  std::set<std::string> syscalls;  // names, as libseccomp knows them
  // Connects, sends and binds to exact endpoints, and abstract unix sockets outside the
  // confinement (names without the leading @).
  std::set<NetRule> net_rules;
  std::set<std::string> abstract_unix_names;
};

}  // namespace cvlsm
