#include "seccomp/socket_rules.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "policy/net_defaults.h"
#include "seccomp/libseccomp_context.h"

namespace cvlsm {
namespace {

constexpr int kMptcp = 262;  // IPPROTO_MPTCP, newer than Debian 12's headers
// socket()'s type carries SOCK_NONBLOCK and SOCK_CLOEXEC above the type itself.
constexpr uint32_t kSocketTypeMask = 0xf;
// An int argument: the kernel reads the low 32 bits only, so compare those alone.
constexpr uint32_t kInt = 0xffffffff;

}  // namespace

std::vector<SocketTuple> AllowedSockets(const Policy& policy, bool kernel_sees_network) {
  const NetworkRules network = NetworkRulesOf(policy);
  std::vector<SocketTuple> tuples;
  if (network.HasFamily("unix")) tuples.push_back({AF_UNIX, -1, -1});
  const bool any_rules = !network.rules.empty();
  for (int family : {AF_INET, AF_INET6}) {
    if (!network.HasFamily(family == AF_INET ? "inet" : "inet6")) continue;
    if (ProtocolUsable(network, NetProtocol::kTcp)) {
      tuples.push_back({family, SOCK_STREAM, 0});
      tuples.push_back({family, SOCK_STREAM, IPPROTO_TCP});
      if (kernel_sees_network || !any_rules) tuples.push_back({family, SOCK_STREAM, kMptcp});
    }
    if (ProtocolUsable(network, NetProtocol::kUdp)) {
      tuples.push_back({family, SOCK_DGRAM, 0});
      tuples.push_back({family, SOCK_DGRAM, IPPROTO_UDP});
    }
    if (ProtocolUsable(network, NetProtocol::kIcmp)) {
      tuples.push_back(
          {family, SOCK_DGRAM, family == AF_INET ? int{IPPROTO_ICMP} : int{IPPROTO_ICMPV6}});
    }
  }
  if (network.HasFamily("netlink-route")) {
    tuples.push_back({AF_NETLINK, SOCK_RAW, 0});  // NETLINK_ROUTE
    tuples.push_back({AF_NETLINK, SOCK_DGRAM, 0});
  }
  return tuples;
}

absl::Status AddSocketRules(scmp_filter_ctx ctx, const Policy& policy, bool kernel_sees_network) {
  if (policy.syscalls().contains("socket")) {
    for (const SocketTuple& tuple : AllowedSockets(policy, kernel_sees_network)) {
      std::vector<scmp_arg_cmp> conditions = {
          {.arg = 0, .op = SCMP_CMP_MASKED_EQ, .datum_a = kInt, .datum_b = uint64_t(tuple.family)}};
      if (tuple.type >= 0) {
        conditions.push_back({.arg = 1,
                              .op = SCMP_CMP_MASKED_EQ,
                              .datum_a = kSocketTypeMask,
                              .datum_b = uint64_t(tuple.type)});
      }
      if (tuple.protocol >= 0) {
        conditions.push_back({.arg = 2,
                              .op = SCMP_CMP_MASKED_EQ,
                              .datum_a = kInt,
                              .datum_b = uint64_t(tuple.protocol)});
      }
      int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket),
                                      static_cast<unsigned>(conditions.size()), conditions.data());
      if (rc < 0) {
        return LibseccompError(
            rc, absl::StrCat("adding the socket rule for family ", tuple.family, " type ",
                             tuple.type, " protocol ", tuple.protocol));
      }
    }
  }
  if (policy.syscalls().contains("socketpair")) {
    scmp_arg_cmp unix_only{.arg = 0, .op = SCMP_CMP_MASKED_EQ, .datum_a = kInt, .datum_b = AF_UNIX};
    int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1, &unix_only);
    if (rc < 0) return LibseccompError(rc, "adding the socketpair rule (AF_UNIX only)");
  }
  return absl::OkStatus();
}

}  // namespace cvlsm
