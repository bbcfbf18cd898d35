// A policy's network rules as the programs read them (bpf/helpers/net_match.bpf.h): the
// folded prefixes in the per-family tries, the abstract unix names, and the flags of the
// cgroup's entry that switch connect and bind rules and the socket families on.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "bpf_backend/lsm_skeleton.h"
#include "policy/path_resolution.h"

namespace cvlsm {

// CVLSM_POLICY_CONNECT_RULES, _BIND_RULES and _SOCKETS_* for the cgroup's entry.
uint32_t NetworkPolicyFlags(const NetworkRules& network);
inline constexpr uint32_t kNetworkPolicyFlags =
    CVLSM_POLICY_CONNECT_RULES | CVLSM_POLICY_BIND_RULES | CVLSM_POLICY_SOCKETS_UNIX |
    CVLSM_POLICY_SOCKETS_INET | CVLSM_POLICY_SOCKETS_NETLINK_ROUTE;

// The map entries of one policy id.
struct NetworkEntries {
  std::vector<std::pair<cvlsm_net4_key, cvlsm_net_ports>> v4;
  std::vector<std::pair<cvlsm_net6_key, cvlsm_net_ports>> v6;
  std::vector<cvlsm_unix_name_key> unix_names;
};
// Fails, naming the prefix, when the rules cannot be folded (too many port ranges).
absl::StatusOr<NetworkEntries> NetworkEntriesOf(uint32_t policy_id, const NetworkRules& network);

// Deletes every network entry of the policy ids `which` says (a released or replaced
// policy, or garbage a killed manager left). Best effort: a leftover entry is unreachable
// once no cgroup's entry names its policy id.
void DeleteNetworkEntries(const LsmSkeleton& programs,
                          const std::function<bool(uint32_t policy_id)>& which);

}  // namespace cvlsm
