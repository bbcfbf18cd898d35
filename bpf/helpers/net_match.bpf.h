/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The network verdict: one longest-prefix lookup in the address family's trie for (policy
 * id, direction and protocol, address), then the port among the ranges of the entry found.
 * Userspace folded every rule covering that prefix into the entry (policy/net_fold.h), so
 * the lookup costs the same whatever the number of rules. Used by the socket hooks and,
 * unchanged, by the program the differential test runs (tests/host/net_match_test).
 */
#ifndef CVLSM_NET_MATCH_BPF_H
#define CVLSM_NET_MATCH_BPF_H

#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

#include "cvlsm_abi.h"
#include "maps.h"

/* What a rule is matched against: the address by its own family (a mapped IPv6 address is
 * IPv4), and the port in host order (0 for ICMP). */
struct net_target {
	__u8 address[16]; /* IPv4: the first 4 bytes */
	__u32 ipv6;
	__u32 port;
};

static __always_inline bool port_allowed(const struct cvlsm_net_ports *ports, __u32 port)
{
	for (int i = 0; i < CVLSM_NET_MAX_RANGES; i++) {
		if (i >= ports->count)
			return false;
		if (ports->range[i].first <= port && port <= ports->range[i].last)
			return true;
	}
	return false;
}

/* Whether the policy's entries allow `target` for the selector (CVLSM_NET_SELECTOR). */
static __always_inline bool net_allows(__u32 policy_id, __u32 selector,
				       const struct net_target *target)
{
	const struct cvlsm_net_ports *ports;

	if (target->ipv6) {
		struct cvlsm_net6_key key = {.prefixlen = CVLSM_NET_KEY_FIXED_BITS + 128,
					     .policy_id = policy_id,
					     .selector = selector};

		__builtin_memcpy(key.address, target->address, 16);
		ports = bpf_map_lookup_elem(&cvlsm_net6, &key);
	} else {
		struct cvlsm_net4_key key = {.prefixlen = CVLSM_NET_KEY_FIXED_BITS + 32,
					     .policy_id = policy_id,
					     .selector = selector};

		__builtin_memcpy(key.address, target->address, 4);
		ports = bpf_map_lookup_elem(&cvlsm_net4, &key);
	}
	return ports && port_allowed(ports, target->port);
}

#endif /* CVLSM_NET_MATCH_BPF_H */
