#include "landlock/landlock_network.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "policy/net_fold.h"

namespace cvlsm::landlock {
namespace {

// The ports the rules allow for (direction, protocol) to some address, and whether that is
// exact: whether every address gets the same ports (rules on "*" only).
struct PortProjection {
  std::set<uint16_t> ports;
  bool exact = true;
};

PortProjection ProjectPorts(const std::vector<FoldedNetEntry>& folded, NetDirection direction,
                            NetProtocol protocol) {
  PortProjection projection;
  std::vector<const FoldedNetEntry*> entries;
  for (const FoldedNetEntry& entry : folded) {
    if (entry.direction == direction && entry.protocol == protocol) entries.push_back(&entry);
  }
  // Exact only as one prefix /0 per family with the same ports.
  if (entries.size() != 2 || entries[0]->prefix.length != 0 || entries[1]->prefix.length != 0 ||
      entries[0]->ports != entries[1]->ports) {
    projection.exact = entries.empty();
  }
  for (const FoldedNetEntry* entry : entries) {
    for (const PortRange& range : entry->ports) {
      for (uint32_t port = range.first; port <= range.last; ++port) {
        projection.ports.insert(static_cast<uint16_t>(port));
        if (projection.ports.size() > kMaxPortRules) return projection;
      }
    }
  }
  return projection;
}

}  // namespace

NetworkPlan PlanNetwork(const NetworkRules& network, int abi, SignalScope scope) {
  NetworkPlan plan;
  const bool inet = network.HasFamily("inet") || network.HasFamily("inet6");
  absl::StatusOr<std::vector<FoldedNetEntry>> folded = FoldNetRules(network.rules);
  for (NetDirection direction : {NetDirection::kConnect, NetDirection::kBind}) {
    if (!inet || !network.HasRules(direction)) continue;
    const std::string what = absl::StrCat(NetDirectionName(direction), " rules");
    const uint64_t tcp_access = direction == NetDirection::kConnect ? kConnectTcp : kBindTcp;
    // TCP, by port from ABI 4.
    if (network.Allows(direction, NetProtocol::kTcp)) {
      PortProjection tcp;
      if (folded.ok()) tcp = ProjectPorts(*folded, direction, NetProtocol::kTcp);
      if (abi < 4) {
        plan.not_enforced.push_back(absl::StrCat("tcp ", what, " (Landlock ABI ", abi,
                                                 " has no network rules; ABI 4, Linux 6.7)"));
      } else if (!folded.ok() || tcp.ports.size() > kMaxPortRules) {
        plan.not_enforced.push_back(absl::StrCat("tcp ", what, " (more than ", kMaxPortRules,
                                                 " ports: not handed to Landlock)"));
      } else {
        plan.handled_access_net |= tcp_access;
        for (uint16_t port : tcp.ports) plan.port_rules.push_back({tcp_access, port});
        if (!tcp.exact) {
          plan.not_enforced.push_back(absl::StrCat(
              "the addresses of the tcp ", what,
              " (Landlock matches ports only: a port a rule allows is allowed to every address)"));
        }
      }
    } else if (abi >= 4) {
      plan.handled_access_net |= tcp_access;  // handled with no port allowed: none
    } else if (ProtocolUsable(network, NetProtocol::kTcp)) {
      plan.not_enforced.push_back(absl::StrCat("tcp ", what, " refusing every ",
                                               NetDirectionName(direction), " (Landlock ABI ", abi,
                                               " has no network rules)"));
    }
    if (direction == NetDirection::kBind && abi >= 4 &&
        ProtocolUsable(network, NetProtocol::kTcp)) {
      plan.not_enforced.push_back(
          "tcp bind rules on a listen() without bind() (Landlock does not check the ephemeral "
          "port it takes)");
    }
    // UDP and ICMP: no Landlock rules this tier uses. The syscall filter refuses the sockets
    // of a protocol the rules allow nothing of, which enforces that much.
    if (ProtocolUsable(network, NetProtocol::kUdp)) {
      plan.not_enforced.push_back(absl::StrCat(
          "udp ", what, " (this tier has no UDP rules: UDP reaches any address and port)"));
    }
    if (direction == NetDirection::kConnect && ProtocolUsable(network, NetProtocol::kIcmp)) {
      plan.not_enforced.push_back(
          "icmp connect rules (Landlock has no ICMP rules: echo reaches any address)");
    }
  }
  if (network.HasFamily("unix")) {
    if (abi < 6) {
      plan.not_enforced.push_back(
          absl::StrCat("abstract unix sockets outside the confinement (Landlock ABI ", abi,
                       " cannot scope them; ABI 6, Linux 6.12)"));
    } else if (!network.abstract_unix_names.empty()) {
      plan.not_enforced.push_back(
          "abstract unix sockets outside the confinement (Landlock scopes all or none, and "
          "the policy names some: none are scoped)");
    } else if (scope == SignalScope::kUnscoped) {
      plan.not_enforced.push_back(
          "abstract unix sockets outside the container (each process is its own Landlock "
          "domain here, and scoping would cut siblings off from each other)");
    } else {
      plan.scoped |= kScopeAbstractUnix;
    }
    // socket() too, not only socketpair(): a pathname socket can be connected to.
    if (inet) {
      plan.not_enforced.push_back(
          "w on the path of a unix socket connected or sent to (this tier does not check it; "
          "Landlock ABI 9 can)");
    }
  }
  return plan;
}

std::string NetworkEnforcedAt(int abi) {
  std::string enforced = "socket families and protocols the rules allow nothing of (seccomp)";
  if (abi >= 4) absl::StrAppend(&enforced, "; tcp connect and bind rules by port (Landlock)");
  if (abi >= 6) absl::StrAppend(&enforced, "; abstract unix sockets scoped to the command");
  std::string missing = "addresses of every rule, deny rules, udp and icmp rules";
  if (abi < 4) absl::StrAppend(&missing, ", tcp ports (Landlock ABI 4, Linux 6.7)");
  if (abi < 6) absl::StrAppend(&missing, ", abstract unix sockets (ABI 6, Linux 6.12)");
  absl::StrAppend(&missing, ", w on a pathname unix socket's path");
  return absl::StrCat(enforced, "; NOT enforced: ", missing,
                      " (the bpf-lsm tier enforces them all)");
}

}  // namespace cvlsm::landlock
