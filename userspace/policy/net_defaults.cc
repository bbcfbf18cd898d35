#include "policy/net_defaults.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

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

std::vector<std::string> IdleNetworkRules(const Policy& policy) {
  std::vector<std::string> idle;
  // Without socket() (socketpair() at most) nothing can be connected, sent to or bound.
  const bool sockets = policy.syscalls().contains("socket");
  if (!sockets && !policy.net_rules().empty()) {
    idle.push_back(absl::StrCat(
        "the connect and bind rules never apply: the policy (base ", PolicyTypeName(policy.type()),
        ") allows no internet socket, so every connect and bind is refused; add "
        "--allow-syscall socket (\"socket\" in the file's syscalls) to use them"));
  }
  if (!sockets && !policy.abstract_unix_names().empty()) {
    idle.push_back(absl::StrCat("the abstract unix socket names never apply: the policy (base ",
                                PolicyTypeName(policy.type()),
                                ") allows no socket(); add --allow-syscall socket to use them"));
  }
  return idle;
}

bool NetworkRules::HasRules(NetDirection direction) const {
  return std::any_of(rules.begin(), rules.end(),
                     [direction](const NetRule& rule) { return rule.direction == direction; });
}

bool NetworkRules::Allows(NetDirection direction, NetProtocol protocol) const {
  return std::any_of(rules.begin(), rules.end(), [&](const NetRule& rule) {
    return rule.direction == direction && rule.protocol == protocol && !rule.deny;
  });
}

bool NetworkRules::HasFamily(absl::string_view family) const {
  return std::find(families.begin(), families.end(), family) != families.end();
}

NetworkRules NetworkRulesOf(const Policy& policy) {
  NetworkRules network;
  network.rules.assign(policy.net_rules().begin(), policy.net_rules().end());
  network.abstract_unix_names.assign(policy.abstract_unix_names().begin(),
                                     policy.abstract_unix_names().end());
  network.families = SocketFamilies(policy);
  return network;
}

bool ProtocolUsable(const NetworkRules& network, NetProtocol protocol) {
  bool connects =
      !network.HasRules(NetDirection::kConnect) || network.Allows(NetDirection::kConnect, protocol);
  if (protocol == NetProtocol::kIcmp) return connects;
  return connects || !network.HasRules(NetDirection::kBind) ||
         network.Allows(NetDirection::kBind, protocol);
}

}  // namespace cvlsm
