// What a policy does with the network where it says nothing, derived from its syscalls and
// its rules (docs/network.md): `policy show` prints it, so nobody has to remember it.
#pragma once

#include <string>
#include <vector>

#include "policy/policy.h"

namespace cvlsm {

// The socket families a confined process may create sockets in: "unix", "inet", "inet6"
// and "netlink-route" when the syscalls include socket(); "unix" (socketpair) when they
// include only socketpair(); none otherwise. Every other family, raw sockets and protocols
// other than TCP (MPTCP included), UDP and ICMP echo are refused on every tier.
std::vector<std::string> SocketFamilies(const Policy& policy);

struct NetDefaults {
  std::vector<std::string> families;
  // "any" (no rule of the direction), "rules only" (what its rules allow), "none" (no inet
  // socket can be made).
  std::string connect;
  std::string bind;
  // "own confinement" (and the names the policy lists), or "none" without unix sockets.
  std::string abstract_unix;
  // "w on the path" (the path rules decide), or "none" without unix sockets.
  std::string pathname_unix;
};
NetDefaults EffectiveNetDefaults(const Policy& policy);

// Rules of the policy that can never apply: network rules without inet sockets, abstract
// unix names without unix sockets. One sentence each, with what to add; `run` and `policy
// validate` say them (the rules only refuse more, so this is not an error).
std::vector<std::string> IdleNetworkRules(const Policy& policy);

// A policy's network part as the tiers apply it: addresses are values, nothing to resolve.
struct NetworkRules {
  std::vector<NetRule> rules;
  std::vector<std::string> abstract_unix_names;  // reachable outside the confinement
  std::vector<std::string> families;             // SocketFamilies
  bool HasRules(NetDirection direction) const;
  // Whether an allow rule of `direction` names `protocol`.
  bool Allows(NetDirection direction, NetProtocol protocol) const;
  bool HasFamily(absl::string_view family) const;
  bool operator==(const NetworkRules&) const = default;
};
NetworkRules NetworkRulesOf(const Policy& policy);

// Whether sockets of `protocol` are of any use under the rules: not when every direction
// that has rules allows none of it (ICMP has connect rules only). The syscall filter refuses
// to create the others on every tier, which enforces "none" where a tier has no rule of its
// own for the protocol.
bool ProtocolUsable(const NetworkRules& network, NetProtocol protocol);

}  // namespace cvlsm
