// What the landlock tier enforces of a policy's network rules, per Landlock ABI: TCP bind and
// connect by port from ABI 4 (no addresses, no deny), abstract unix sockets scoped to the
// domain from ABI 6. The rest is named (NotEnforced) so that every run says it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "enforcement/enforcer.h"
#include "policy/path_resolution.h"

namespace cvlsm::landlock {

// LANDLOCK_ACCESS_NET_* (ABI 4) and LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (ABI 6); Debian 12's
// header has neither.
inline constexpr uint64_t kBindTcp = 1ull << 0;
inline constexpr uint64_t kConnectTcp = 1ull << 1;
inline constexpr uint64_t kScopeAbstractUnix = 1ull << 0;
inline constexpr int kRuleNetPort = 2;  // LANDLOCK_RULE_NET_PORT
struct NetPortAttr {                    // struct landlock_net_port_attr
  uint64_t allowed_access;
  uint64_t port;
};

// The most ports one direction's rules may allow before Landlock, which takes one rule per
// port, is not asked to enforce them (the rules then stand unenforced, and say so).
inline constexpr size_t kMaxPortRules = 16384;

struct NetworkPlan {
  uint64_t handled_access_net = 0;
  uint64_t scoped = 0;  // LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET or 0
  std::vector<NetPortAttr> port_rules;
  // One sentence for each part of the rules this tier does not enforce.
  std::vector<std::string> not_enforced;
};

// What the landlock tier enforces of network rules with this ABI, and what it does not, in
// one paragraph (cv-lsm status).
std::string NetworkEnforcedAt(int abi);

// `scope`: kUnscoped when each process of a workload is restricted on its own (the C API's
// containers): sibling domains could not reach each other's abstract sockets.
NetworkPlan PlanNetwork(const NetworkRules& network, int abi, SignalScope scope);

}  // namespace cvlsm::landlock
