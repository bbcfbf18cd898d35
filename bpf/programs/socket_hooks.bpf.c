// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sockets and the network, for the processes of enforced cgroups (docs/network.md):
 *
 *   lsm/socket_create        the families the policy allows (cvlsm_cgroup_policy.flags);
 *                            no raw socket, no inet protocol but TCP (MPTCP is TCP), UDP
 *                            and ICMP echo. Kernel sockets are not the process's.
 *   lsm/socket_connect       with connect rules: the destination of connect(2) and of
 *                            io_uring's connect (TCP, UDP, ICMP).
 *   lsm/socket_sendmsg       with connect rules: the destination of a send that names one
 *                            (UDP and ICMP sendto/sendmsg/sendmmsg, TCP Fast Open), and the
 *                            source routes a send can carry.
 *   lsm/socket_setsockopt    with connect rules: source routes (IP_OPTIONS, IPV6_RTHDR), which
 *                            would send packets past the destination the rules checked.
 *   lsm/socket_bind,         with bind rules: the address and port bound, and the port a
 *   lsm/socket_listen        listen() without bind() gets.
 *   lsm/unix_stream_connect, unix sockets: an abstract one only inside the confinement or by a
 *   lsm/unix_may_send,       rule naming it (EPERM); a pathname one needs w on its path:
 *   lsm/unix_find            checked on the path the process looked up where the kernel has
 *                            unix_find (7.1+), else on the path the server bound.
 *
 * A refusal is EACCES (EPERM for an abstract socket, as for signals): the call fails, the
 * process lives. Addresses are matched by their own family: an IPv4-mapped IPv6 address is
 * the IPv4 address, and an unspecified destination (0.0.0.0, ::) is this host.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "cvlsm_abi.h"
#include "kernel_constants.h"
#include "maps.h"
#include "helpers/net_match.bpf.h"
#include "helpers/path_walk.bpf.h"
#include "helpers/policy_lookup.bpf.h"
#include "helpers/report.bpf.h"

/* Before 5.15 (as in 5.10) sock_cgroup_data was a union whose `val` is the cgroup pointer
 * unless one of its two low bits says net_cls or net_prio data is stored instead. */
struct sock_cgroup_data___v510 {
	__u64 val;
} __attribute__((preserve_access_index));
struct sock___v510 {
	struct sock_cgroup_data___v510 sk_cgrp_data;
} __attribute__((preserve_access_index));

/* The class a rule names: CVLSM_NET_TCP, _UDP, _ICMP; 0 for any other inet socket. */
static __always_inline __u32 socket_class(struct sock *sk)
{
	/* Plain loads: the hooks' socket pointers are typed (BTF), no probe-read call needed. */
	__u16 type = sk->sk_type;
	__u16 protocol = sk->sk_protocol;

	if (type == SOCK_STREAM && (protocol == IPPROTO_TCP || protocol == IPPROTO_MPTCP))
		return CVLSM_NET_TCP;
	if (type == SOCK_DGRAM && protocol == IPPROTO_UDP)
		return CVLSM_NET_UDP;
	if (type == SOCK_DGRAM && (protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6))
		return CVLSM_NET_ICMP;
	return 0;
}

static __always_inline bool inet_family(__u16 family)
{
	return family == AF_INET || family == AF_INET6;
}

static __always_inline __u16 socket_family(struct sock *sk)
{
	return sk->__sk_common.skc_family;
}

enum parsed_address { ADDRESS_OK, ADDRESS_NONE, ADDRESS_INVALID };

/* Reads a sockaddr (a kernel copy on every route that reaches these hooks) into `target`.
 * ADDRESS_NONE: AF_UNSPEC, which names no destination (a disconnect) unless `unspec_is_inet`
 * (where the kernel reads it as AF_INET). ADDRESS_INVALID: one the kernel refuses itself. */
static __always_inline enum parsed_address read_address(const void *address, int length,
							 bool unspec_is_inet,
							 struct net_target *target)
{
	struct sockaddr_in6 sa = {};

	if (!address || bpf_probe_read_kernel(&sa, sizeof(sa), address))
		return ADDRESS_INVALID;
	__u16 family = sa.sin6_family;

	if (family == AF_UNSPEC) {
		if (!unspec_is_inet)
			return ADDRESS_NONE;
		family = AF_INET;
	}
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&sa;

		if (length < (int)sizeof(struct sockaddr_in))
			return ADDRESS_INVALID;
		__builtin_memcpy(target->address, &in->sin_addr, 4);
		target->ipv6 = 0;
		target->port = bpf_ntohs(in->sin_port);
		return ADDRESS_OK;
	}
	if (family != AF_INET6 || length < 24) /* SIN6_LEN_RFC2133 */
		return ADDRESS_INVALID;
	__builtin_memcpy(target->address, &sa.sin6_addr, 16);
	target->port = bpf_ntohs(sa.sin6_port);
	target->ipv6 = 1;
	/* ::ffff:a.b.c.d is a.b.c.d */
	__u32 words[4];

	__builtin_memcpy(words, target->address, 16);
	if (words[0] == 0 && words[1] == 0 && words[2] == bpf_htonl(0xffff)) {
		__builtin_memcpy(target->address, &words[3], 4);
		target->ipv6 = 0;
	}
	return ADDRESS_OK;
}

static __always_inline bool unspecified(const struct net_target *target)
{
	__u32 words[4];

	__builtin_memcpy(words, target->address, 16);
	if (!target->ipv6)
		return words[0] == 0;
	return (words[0] | words[1] | words[2] | words[3]) == 0;
}

/* Loopback of the target's family: the kernel sends an unspecified destination there. */
static __always_inline void make_loopback(struct net_target *target)
{
	__builtin_memset(target->address, 0, 16);
	if (target->ipv6)
		target->address[15] = 1;
	else
		target->address[0] = 127, target->address[3] = 1;
}

/* Reports a network refusal of `target` and returns err. */
static __always_inline int refuse_net(const struct confinement *c, __u32 hook,
				      const struct net_target *target, __u32 protocol, int err)
{
	__u8 mapped[16] = {};
	__u64 halves[2];
	__u32 flags = c->policy->flags & CVLSM_POLICY_AUDIT ? CVLSM_EVENT_AUDIT : 0;

	if (target->ipv6) {
		__builtin_memcpy(mapped, target->address, 16);
	} else {
		mapped[10] = 0xff, mapped[11] = 0xff;
		__builtin_memcpy(&mapped[12], target->address, 4);
	}
	__builtin_memcpy(halves, mapped, 16);
	cvlsm_report_net(c->cgroup, halves[0], halves[1],
			 REPORT_DETAIL(hook, 0, flags, -err,
				       CVLSM_NET_DETAIL(target->port, protocol, target->ipv6)));
	return err;
}

/* 0 when the policy's entries for `direction` allow `target` (port 0 for ICMP), else
 * -EACCES, reported. */
static __always_inline int check_target(const struct confinement *c, __u32 hook,
					__u32 direction, __u32 protocol, struct net_target *target)
{
	if (protocol == CVLSM_NET_ICMP)
		target->port = 0;
	if (!protocol ||
	    !net_allows(c->policy->policy_id, CVLSM_NET_SELECTOR(direction, protocol), target))
		return refuse_net(c, hook, target, protocol, -EACCES);
	return 0;
}

/* The socket's own bound address in `target` (the port kept); false when it has none. */
static __always_inline bool bound_address(struct sock *sk, struct net_target *target)
{
	if (socket_family(sk) == AF_INET) {
		__be32 address = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);

		__builtin_memset(target->address, 0, 16);
		__builtin_memcpy(target->address, &address, 4);
		target->ipv6 = 0;
		return address != 0;
	}
	struct in6_addr address = BPF_CORE_READ(sk, __sk_common.skc_v6_rcv_saddr);

	__builtin_memcpy(target->address, &address, 16);
	target->ipv6 = 1;
	__u32 words[4];

	__builtin_memcpy(words, target->address, 16);
	if (words[0] == 0 && words[1] == 0 && words[2] == bpf_htonl(0xffff)) {
		__builtin_memset(target->address, 0, 16);
		__builtin_memcpy(target->address, &words[3], 4);
		target->ipv6 = 0;
	}
	return !unspecified(target);
}

/*
 * The destination of a connect or send: its own address, or for an unspecified one (which
 * the kernel turns into this host) loopback and the socket's bound address, which must both
 * be allowed. 0 or -EACCES, reported.
 */
static __always_inline int check_destination(const struct confinement *c, __u32 hook,
					     struct sock *sk, const void *address, int length,
					     bool unspec_is_inet)
{
	struct net_target target = {};
	enum parsed_address parsed = read_address(address, length, unspec_is_inet, &target);

	if (parsed != ADDRESS_OK)
		return 0; /* a disconnect, or what the kernel refuses anyway */
	__u32 protocol = socket_class(sk);

	if (!unspecified(&target))
		return check_target(c, hook, CVLSM_NET_CONNECT, protocol, &target);
	struct net_target local = target;

	make_loopback(&target);
	int err = check_target(c, hook, CVLSM_NET_CONNECT, protocol, &target);

	if (!err && bound_address(sk, &local))
		err = check_target(c, hook, CVLSM_NET_CONNECT, protocol, &local);
	return err;
}

SEC("lsm/socket_create")
int BPF_PROG(cvlsm_socket_create, int family, int type, int protocol, int kern, int ret)
{
	if (ret)
		return ret;
	if (kern)
		return 0; /* the kernel's own socket (MPTCP subflows, NFS): not the process's */
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	__u32 flags = c.policy->flags;
	int kind = type & SOCK_TYPE_MASK;
	bool allowed = false;

	if (family == AF_UNIX) {
		allowed = flags & CVLSM_POLICY_SOCKETS_UNIX;
	} else if (family == AF_INET || family == AF_INET6) {
		int icmp = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;

		if (!(flags & CVLSM_POLICY_SOCKETS_INET))
			allowed = false;
		else if (kind == SOCK_STREAM)
			allowed = protocol == 0 || protocol == IPPROTO_TCP || protocol == IPPROTO_MPTCP;
		else if (kind == SOCK_DGRAM)
			allowed = protocol == 0 || protocol == IPPROTO_UDP || protocol == icmp;
	} else if (family == AF_NETLINK) {
		allowed = (flags & CVLSM_POLICY_SOCKETS_NETLINK_ROUTE) && protocol == NETLINK_ROUTE &&
			  (kind == SOCK_RAW || kind == SOCK_DGRAM);
	}
	int err = 0;

	if (!allowed) {
		__u32 report_flags = flags & CVLSM_POLICY_AUDIT ? CVLSM_EVENT_AUDIT : 0;

		err = -EACCES;
		cvlsm_report(c.cgroup, 0, 0,
			     REPORT_DETAIL(CVLSM_HOOK_SOCKET_CREATE, 0, report_flags, EACCES,
					   CVLSM_SOCKET_DETAIL(family, kind, protocol)));
	}
	return account(&c, CVLSM_HOOK_SOCKET_CREATE, err, false);
}

SEC("lsm/socket_connect")
int BPF_PROG(cvlsm_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen,
	     int ret)
{
	if (ret)
		return ret;
	struct confinement c;

	if (!current_confinement(&c) || !(c.policy->flags & CVLSM_POLICY_CONNECT_RULES))
		return 0;
	struct sock *sk = sock->sk;

	if (!sk || !inet_family(socket_family(sk)))
		return 0; /* unix sockets: the unix hooks */
	int err = check_destination(&c, CVLSM_HOOK_CONNECT, sk, address, addrlen, false);

	return account(&c, CVLSM_HOOK_CONNECT, err, false);
}

/* Whether a control message of the send reroutes it: a source route (IP_RETOPTS, an IPv6
 * routing header). At most CMSGS_SCANNED are read; a send with more is refused too. */
#define CMSGS_SCANNED 8
#define CMSG_HEADER 16 /* struct cmsghdr on 64-bit: len, level, type */
static __always_inline bool reroutes(struct msghdr *msg)
{
	__u64 length = BPF_CORE_READ(msg, msg_controllen);

	if (length == 0)
		return false;
	/* A user pointer (only kernel_sendmsg callers and old compat paths): not scanned, and no
	 * destination route goes through it on the paths these hooks see. */
	if (bpf_core_field_exists(msg->msg_control_is_user) &&
	    BPF_CORE_READ_BITFIELD_PROBED(msg, msg_control_is_user))
		return false;
	const __u8 *control = BPF_CORE_READ(msg, msg_control);
	__u64 offset = 0;

	for (int i = 0; i < CMSGS_SCANNED; i++) {
		if (offset + CMSG_HEADER > length)
			return false;
		struct cmsghdr header = {};

		if (bpf_probe_read_kernel(&header, sizeof(header), control + offset))
			return true;
		if ((header.cmsg_level == SOL_IP && header.cmsg_type == IP_RETOPTS) ||
		    (header.cmsg_level == SOL_IPV6 &&
		     (header.cmsg_type == IPV6_RTHDR || header.cmsg_type == IPV6_2292RTHDR)))
			return true;
		if (header.cmsg_len < CMSG_HEADER)
			return false; /* the kernel refuses it */
		offset += (header.cmsg_len + 7) & ~7ull;
		offset &= 0xffffffff;
	}
	return offset + CMSG_HEADER <= length;
}

SEC("lsm/socket_sendmsg")
int BPF_PROG(cvlsm_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	if (ret)
		return ret;
	/* Most sends name no destination and carry no control data: they pay two loads. */
	void *name = msg->msg_name;

	if (!name && msg->msg_controllen == 0)
		return 0;
	struct confinement c;

	if (!current_confinement(&c) || !(c.policy->flags & CVLSM_POLICY_CONNECT_RULES))
		return 0;
	struct sock *sk = sock->sk;

	if (!sk || !inet_family(socket_family(sk)))
		return 0; /* unix sockets: unix_may_send */
	int err = 0;

	if (reroutes(msg)) {
		struct net_target none = {};

		err = refuse_net(&c, CVLSM_HOOK_SENDMSG, &none, socket_class(sk), -EACCES);
	} else if (name) {
		__u32 protocol = socket_class(sk);
		/* TCP ignores the name, except for TCP Fast Open, where it is the destination. */
		bool named = protocol != CVLSM_NET_TCP ||
			     (msg->msg_flags & MSG_FASTOPEN);

		if (named)
			err = check_destination(&c, CVLSM_HOOK_SENDMSG, sk, name,
						msg->msg_namelen, true);
	}
	return account(&c, CVLSM_HOOK_SENDMSG, err, false);
}

SEC("lsm/socket_setsockopt")
int BPF_PROG(cvlsm_socket_setsockopt, struct socket *sock, int level, int optname, int ret)
{
	if (ret)
		return ret;
	bool route = (level == SOL_IP && optname == IP_OPTIONS) ||
		     (level == SOL_IPV6 && (optname == IPV6_RTHDR || optname == IPV6_2292RTHDR ||
					    optname == IPV6_2292PKTOPTIONS));

	if (!route)
		return 0;
	struct confinement c;

	if (!current_confinement(&c) || !(c.policy->flags & CVLSM_POLICY_CONNECT_RULES))
		return 0;
	__u32 flags = c.policy->flags & CVLSM_POLICY_AUDIT ? CVLSM_EVENT_AUDIT : 0;

	cvlsm_report(c.cgroup, 0, 0,
		     REPORT_DETAIL(CVLSM_HOOK_SOCKET_OPTION, 0, flags, EACCES,
				   (__s32)((__u32)level << 16 | ((__u32)optname & 0xffff))));
	return account(&c, CVLSM_HOOK_SOCKET_OPTION, -EACCES, false);
}

/* The bind rules for `target`; a wildcard IPv6 address on a socket that also takes IPv4
 * needs the IPv4 wildcard allowed too. */
static __always_inline int check_bind(const struct confinement *c, struct sock *sk,
				      struct net_target *target)
{
	__u32 protocol = socket_class(sk);
	int err = check_target(c, CVLSM_HOOK_BIND, CVLSM_NET_BIND, protocol, target);

	if (err || !target->ipv6 || !unspecified(target))
		return err;
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, __sk_common.skc_ipv6only))
		return 0;
	target->ipv6 = 0;
	return check_target(c, CVLSM_HOOK_BIND, CVLSM_NET_BIND, protocol, target);
}

SEC("lsm/socket_bind")
int BPF_PROG(cvlsm_socket_bind, struct socket *sock, struct sockaddr *address, int addrlen,
	     int ret)
{
	if (ret)
		return ret;
	struct confinement c;

	if (!current_confinement(&c) || !(c.policy->flags & CVLSM_POLICY_BIND_RULES))
		return 0;
	struct sock *sk = sock->sk;

	if (!sk || !inet_family(socket_family(sk)))
		return 0; /* a unix socket's path: path_mknod */
	struct net_target target = {};
	/* IPv4 takes AF_UNSPEC with INADDR_ANY as AF_INET; IPv6 refuses it. */
	bool unspec_is_inet = socket_family(sk) == AF_INET;

	if (read_address(address, addrlen, unspec_is_inet, &target) != ADDRESS_OK)
		return 0;
	return account(&c, CVLSM_HOOK_BIND, check_bind(&c, sk, &target), false);
}

/* listen() on a socket bind() did not name binds it to an ephemeral port of every address:
 * what a listener is reachable on is checked here, with the port it really has. */
SEC("lsm/socket_listen")
int BPF_PROG(cvlsm_socket_listen, struct socket *sock, int backlog, int ret)
{
	if (ret)
		return ret;
	struct confinement c;

	if (!current_confinement(&c) || !(c.policy->flags & CVLSM_POLICY_BIND_RULES))
		return 0;
	struct sock *sk = sock->sk;

	if (!sk || !inet_family(socket_family(sk)))
		return 0;
	struct net_target target = {};

	bound_address(sk, &target); /* unspecified when unbound or bound to every address */
	target.port = sk->__sk_common.skc_num;
	return account(&c, CVLSM_HOOK_BIND, check_bind(&c, sk, &target), false);
}

/* Whether the peer socket belongs to the current task's confinement: it was made by a
 * process of the same enforced cgroup (the cgroup a socket records at its creation). */
static __always_inline bool same_confinement(const struct confinement *c, struct sock *other)
{
	struct cgroup *cgroup;

	if (bpf_core_field_exists(struct sock_cgroup_data, cgroup)) {
		cgroup = BPF_CORE_READ(other, sk_cgrp_data.cgroup);
	} else {
		__u64 value = BPF_CORE_READ((struct sock___v510 *)other, sk_cgrp_data.val);

		if (value & 3)
			return false; /* net_cls or net_prio data instead of the cgroup: unknown */
		cgroup = (struct cgroup *)value;
	}
	__u64 enforced = 0;

	return cgroup && cgroup_policy(cgroup, &enforced) && enforced == c->cgroup;
}

/* Whether the policy names this abstract socket (`length` bytes after the leading NUL). */
static __always_inline bool abstract_name_allowed(const struct confinement *c, const char *name,
						  __u32 length)
{
	__u64 size = length;

	/* Checked on the very register the read takes its size from: the verifier loses the
	 * bounds of a 32-bit copy the compiler would check instead. */
	barrier_var(size);
	if (size == 0 || size > CVLSM_UNIX_NAME_MAX)
		return false;
	struct cvlsm_unix_name_key key = {.policy_id = c->policy->policy_id, .length = size};

	if (bpf_probe_read_kernel(key.name, size, name))
		return false;
	return bpf_map_lookup_elem(&cvlsm_unix_names, &key) != NULL;
}

/* A connect or send to the unix socket `other`: 0, -EPERM (an abstract socket outside the
 * confinement) or -EACCES (a pathname socket without w), reported. */
static __always_inline int check_unix_peer(const struct confinement *c, struct sock *other)
{
	struct unix_sock *peer = (struct unix_sock *)other;
	struct unix_address *address = BPF_CORE_READ(peer, addr);

	if (!address)
		return 0; /* unnamed (socketpair): reached only through a descriptor held already */
	int length = BPF_CORE_READ(address, len);
	/* Its name follows its fields, which 5.10 has one more of (hash). */
	const char *sun_path = (const char *)address + bpf_core_field_offset(struct unix_address, name) +
			       __builtin_offsetof(struct sockaddr_un, sun_path);
	char first = 1;

	if (length > 2) /* offsetof(struct sockaddr_un, sun_path) */
		bpf_probe_read_kernel(&first, 1, sun_path);
	if (length > 2 && first == 0) {
		__u32 name_length = length - 3; /* less the family and the leading NUL */

		if (same_confinement(c, other) || abstract_name_allowed(c, sun_path + 1, name_length))
			return 0;
		__u32 flags = c->policy->flags & CVLSM_POLICY_AUDIT ? CVLSM_EVENT_AUDIT : 0;

		cvlsm_report_name(c->cgroup, (__u64)(sun_path + 1), name_length,
				  REPORT_DETAIL(CVLSM_HOOK_UNIX_CONNECT, 0, flags, EPERM, 0));
		return -EPERM;
	}
	/* A pathname socket: where the kernel has unix_find, the path looked up is checked. */
	if (cvlsm_state.unix_find_attached)
		return 0;
	return check_access(c, CVLSM_HOOK_UNIX_CONNECT, BPF_CORE_READ(peer, path.mnt),
			    BPF_CORE_READ(peer, path.dentry), CVLSM_MODE_WRITE);
}

SEC("lsm/unix_stream_connect")
int BPF_PROG(cvlsm_unix_stream_connect, struct sock *sock, struct sock *other, struct sock *newsk,
	     int ret)
{
	if (ret)
		return ret;
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	return account(&c, CVLSM_HOOK_UNIX_CONNECT, check_unix_peer(&c, other), false);
}

SEC("lsm/unix_may_send")
int BPF_PROG(cvlsm_unix_may_send, struct socket *sock, struct socket *other, int ret)
{
	if (ret)
		return ret;
	struct sock *other_sk = BPF_CORE_READ(other, sk);
	struct unix_sock *self = (struct unix_sock *)BPF_CORE_READ(sock, sk);

	/* A datagram to the peer the socket is connected to: checked at connect. */
	if (BPF_CORE_READ(self, peer) == other_sk)
		return 0;
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	return account(&c, CVLSM_HOOK_UNIX_CONNECT, check_unix_peer(&c, other_sk), false);
}

/* 7.1+: the path a connect or send to a pathname socket looked up, as the process named it
 * (symlinks, "..", bind mounts end at the object): w on it. Loaded where the kernel has it. */
SEC("lsm/unix_find")
int BPF_PROG(cvlsm_unix_find, const struct path *path, struct sock *other, int flags, int ret)
{
	if (ret)
		return ret;
	if (flags & SOCK_COREDUMP)
		return 0; /* the kernel's own lookup of its coredump socket */
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	return account(&c, CVLSM_HOOK_UNIX_CONNECT,
		       check_path(&c, CVLSM_HOOK_UNIX_CONNECT, path, CVLSM_MODE_WRITE), false);
}
