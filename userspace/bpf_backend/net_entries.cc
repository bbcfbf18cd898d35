#include "bpf_backend/net_entries.h"

#include <algorithm>
#include <cstring>

#include "common/status_macros.h"
#include "policy/net_fold.h"

namespace cvlsm {
namespace {

bool Has(const std::vector<std::string>& families, const char* family) {
  return std::find(families.begin(), families.end(), family) != families.end();
}

uint32_t Selector(NetDirection direction, NetProtocol protocol) {
  uint32_t kind = protocol == NetProtocol::kTcp   ? CVLSM_NET_TCP
                  : protocol == NetProtocol::kUdp ? CVLSM_NET_UDP
                                                  : CVLSM_NET_ICMP;
  return CVLSM_NET_SELECTOR(
      direction == NetDirection::kConnect ? CVLSM_NET_CONNECT : CVLSM_NET_BIND, kind);
}

cvlsm_net_ports Ports(const std::vector<PortRange>& ranges) {
  cvlsm_net_ports ports{};
  ports.count = static_cast<uint32_t>(ranges.size());
  for (size_t i = 0; i < ranges.size() && i < CVLSM_NET_MAX_RANGES; ++i) {
    ports.range[i] = {ranges[i].first, ranges[i].last};
  }
  return ports;
}

template <typename Key>
void DeleteKeysOf(const TypedMap<Key, cvlsm_net_ports>& map,
                  const std::function<bool(uint32_t)>& which) {
  for (const Key& key : map.Keys()) {
    if (which(key.policy_id)) (void)map.Delete(key);
  }
}

}  // namespace

uint32_t NetworkPolicyFlags(const NetworkRules& network) {
  uint32_t flags = 0;
  if (network.HasRules(NetDirection::kConnect)) flags |= CVLSM_POLICY_CONNECT_RULES;
  if (network.HasRules(NetDirection::kBind)) flags |= CVLSM_POLICY_BIND_RULES;
  if (Has(network.families, "unix")) flags |= CVLSM_POLICY_SOCKETS_UNIX;
  if (Has(network.families, "inet") || Has(network.families, "inet6")) {
    flags |= CVLSM_POLICY_SOCKETS_INET;
  }
  if (Has(network.families, "netlink-route")) flags |= CVLSM_POLICY_SOCKETS_NETLINK_ROUTE;
  return flags;
}

absl::StatusOr<NetworkEntries> NetworkEntriesOf(uint32_t policy_id, const NetworkRules& network) {
  ASSIGN_OR_RETURN(std::vector<FoldedNetEntry> folded, FoldNetRules(network.rules));
  NetworkEntries entries;
  for (const FoldedNetEntry& entry : folded) {
    uint32_t selector = Selector(entry.direction, entry.protocol);
    if (entry.family == NetPrefix::Family::kIpv4) {
      cvlsm_net4_key key{};
      key.prefixlen = CVLSM_NET_KEY_FIXED_BITS + entry.prefix.length;
      key.policy_id = policy_id;
      key.selector = selector;
      std::memcpy(key.address, entry.prefix.address.data(), 4);
      entries.v4.emplace_back(key, Ports(entry.ports));
    } else {
      cvlsm_net6_key key{};
      key.prefixlen = CVLSM_NET_KEY_FIXED_BITS + entry.prefix.length;
      key.policy_id = policy_id;
      key.selector = selector;
      std::memcpy(key.address, entry.prefix.address.data(), 16);
      entries.v6.emplace_back(key, Ports(entry.ports));
    }
  }
  for (const std::string& name : network.abstract_unix_names) {
    cvlsm_unix_name_key key{};
    key.policy_id = policy_id;
    key.length = static_cast<uint32_t>(std::min<size_t>(name.size(), CVLSM_UNIX_NAME_MAX));
    std::memcpy(key.name, name.data(), key.length);
    entries.unix_names.push_back(key);
  }
  return entries;
}

void DeleteNetworkEntries(const LsmSkeleton& programs,
                          const std::function<bool(uint32_t policy_id)>& which) {
  DeleteKeysOf(programs.net4(), which);
  DeleteKeysOf(programs.net6(), which);
  for (const cvlsm_unix_name_key& key : programs.unix_names().Keys()) {
    if (which(key.policy_id)) (void)programs.unix_names().Delete(key);
  }
}

}  // namespace cvlsm
