// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The programs' network matcher (bpf/helpers/net_match.bpf.h), unchanged, behind a socket
 * filter that BPF_PROG_TEST_RUN can call with a query as its packet: the differential test
 * (tests/host/net_match_test.cc) asks it what the kernel's tries answer. A socket filter
 * loads where LSM programs do not (this project's hosts), and on every kernel of the matrix.
 */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

#define CVLSM_DEFINE_MAPS
#include "maps.h"
#include "helpers/net_match.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The packet: what to look up. */
struct net_query {
	__u32 policy_id;
	__u32 selector;
	__u32 ipv6;
	__u32 port;
	__u8 address[16];
};

SEC("socket")
int cvlsm_net_match_probe(struct __sk_buff *skb)
{
	struct net_query query = {};
	struct net_target target = {};

	if (bpf_skb_load_bytes(skb, 0, &query, sizeof(query)))
		return 2;
	__builtin_memcpy(target.address, query.address, 16);
	target.ipv6 = query.ipv6;
	target.port = query.port;
	return net_allows(query.policy_id, query.selector, &target) ? 1 : 0;
}
