#include "policy/net_defaults.h"

#include <algorithm>

namespace cvlsm {

std::vector<std::string> SocketFamilies(const Policy& policy) {
  if (policy.syscalls().contains("socket")) return {"unix", "inet", "inet6", "netlink-route"};
  if (policy.syscalls().contains("socketpair")) return {"unix"};
  return {};
}

NetDefaults EffectiveNetDefaults(const Policy& policy) {
  NetDefaults defaults;
  defaults.families = SocketFamilies(policy);
  auto has = [&](const char* family) {
    return std::find(defaults.families.begin(), defaults.families.end(), family) !=
           defaults.families.end();
  };
  bool inet = has("inet") || has("inet6");
  auto direction = [&](NetDirection d) -> std::string {
    if (!inet) return "none";
    return policy.HasNetRules(d) ? "rules only" : "any";
  };
  defaults.connect = direction(NetDirection::kConnect);
  defaults.bind = direction(NetDirection::kBind);
  defaults.abstract_unix = has("unix") ? "own confinement" : "none";
  defaults.pathname_unix = has("unix") ? "w on the path" : "none";
  return defaults;
}

}  // namespace cvlsm
