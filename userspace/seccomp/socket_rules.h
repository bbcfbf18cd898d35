// The syscall filter's side of the network rules: socket() and socketpair() allowed only for
// the families, socket types and protocols a policy can use (policy/net_defaults.h), on
// every tier. A raw socket, a packet, vsock or alg socket, SCTP and anything new is refused
// before it exists; so is a protocol the policy's rules allow nothing of.
#pragma once

#include <seccomp.h>

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "policy/policy.h"

namespace cvlsm {

// One (family, type, protocol) a confined process may create; `type` is compared without
// the SOCK_NONBLOCK and SOCK_CLOEXEC flags, `any` fields match every value.
struct SocketTuple {
  int family;
  int type;      // -1: any
  int protocol;  // -1: any
  bool operator==(const SocketTuple&) const = default;
};

// What socket() may create under the policy. `kernel_sees_network`: the tier enforces the
// network rules in the kernel (bpf-lsm); elsewhere MPTCP, which Landlock's TCP rules do not
// cover, is left out whenever the policy has network rules.
std::vector<SocketTuple> AllowedSockets(const Policy& policy, bool kernel_sees_network);

// Adds the allow rules for socket() (when the policy lists it) and socketpair() (AF_UNIX
// only) to the filter; the default action refuses the rest.
absl::Status AddSocketRules(scmp_filter_ctx ctx, const Policy& policy, bool kernel_sees_network);

}  // namespace cvlsm
