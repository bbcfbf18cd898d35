/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one definition of everything the BPF programs and the C++ manager share:
 * map keys and values, access-mode bits and limits. Fixed-width types only, so the
 * layout is the same on both sides; the C++ side static_asserts sizes and offsets
 * (userspace/bpf_backend/abi_check.h) and a unit test compares them with the
 * compiled object's BTF.
 */
#ifndef CVLSM_ABI_H
#define CVLSM_ABI_H

#ifdef __bpf__
#include "vmlinux.h" /* __u32, __u64 */
#else
#include <linux/types.h>
#endif

/* Access modes, the same values as containerv's CV_FS_READ/WRITE/EXEC. */
#define CVLSM_MODE_READ 0x1u
#define CVLSM_MODE_WRITE 0x2u
#define CVLSM_MODE_EXEC 0x4u
#define CVLSM_MODE_ALL 0x7u

/* How many cgroup levels above the current one are searched for an enforced ancestor. */
#define CVLSM_MAX_CGROUP_DEPTH 16
/* How many path components (dentries, across mounts) are walked; deeper paths are denied. */
#define CVLSM_MAX_PATH_DEPTH 64

#define CVLSM_MAX_ENFORCED_CGROUPS 4096
#define CVLSM_MAX_PATH_RULES 262144

/*
 * The rule filter: one bit per hash of a rule inode's address, set by a manager before any
 * rule on that inode is written and never cleared. A walk looks a path component up in
 * cvlsm_path_rules only when its bit is set, so most components cost a few loads instead
 * of two hash lookups. A stale or shared bit costs only a lookup; a missing one would skip
 * a rule, which is why bits are never cleared. The hash is of the inode number, which a
 * walk reads with one load (a BTF pointer's address cannot be hashed in BPF); the resolver
 * program computes it, so both sides hash the same inode. 2^21 bits (256 KiB): 0.5% false
 * positives at 10k rule inodes, 4.7% at 100k.
 */
#define CVLSM_RULE_FILTER_BITS_LOG2 21
#define CVLSM_RULE_FILTER_WORDS (1u << (CVLSM_RULE_FILTER_BITS_LOG2 - 6))

/* The filter bit of an inode with number `ino` (Fibonacci hashing: one multiply). */
static inline __u32 cvlsm_rule_filter_bit(__u64 ino)
{
	return (__u32)((ino * 0x9E3779B97F4A7C15ull) >> (64 - CVLSM_RULE_FILTER_BITS_LOG2));
}

/* cvlsm_cgroup_policy.flags */
#define CVLSM_POLICY_HAS_DENY_RULES 0x1u /* some rule carves modes out; walk the whole path */
/* Audit mode: a would-be denial is counted and reported, and allowed. cv-lsm's fixed
 * refusals (CVLSM_EVENT_FIXED) stay enforced. */
#define CVLSM_POLICY_AUDIT 0x2u
/* Network: with connect (bind) rules, every connect, send to an address and ICMP echo (every
 * bind and listen) that the policy's cvlsm_net4/6 entries do not allow is refused; without,
 * any address. */
#define CVLSM_POLICY_CONNECT_RULES 0x4u
#define CVLSM_POLICY_BIND_RULES 0x8u
/* The socket families the policy may create sockets in; any other is refused, as are raw
 * sockets and inet protocols other than TCP (MPTCP too), UDP and ICMP echo. */
#define CVLSM_POLICY_SOCKETS_UNIX 0x10u
#define CVLSM_POLICY_SOCKETS_INET 0x20u /* AF_INET and AF_INET6 */
#define CVLSM_POLICY_SOCKETS_NETLINK_ROUTE 0x40u

/* What made a decision, for statistics and events (an index into the stats arrays). */
#define CVLSM_HOOK_FILE_OPEN 0
#define CVLSM_HOOK_EXEC 1 /* bprm_check_security */
#define CVLSM_HOOK_MMAP_FILE 2
#define CVLSM_HOOK_FILE_MPROTECT 3
#define CVLSM_HOOK_FILE_TRUNCATE 4
#define CVLSM_HOOK_PATH_MKNOD 5
#define CVLSM_HOOK_PATH_MKDIR 6
#define CVLSM_HOOK_PATH_SYMLINK 7
#define CVLSM_HOOK_PATH_UNLINK 8
#define CVLSM_HOOK_PATH_RMDIR 9
#define CVLSM_HOOK_PATH_LINK 10
#define CVLSM_HOOK_PATH_RENAME 11
#define CVLSM_HOOK_PATH_TRUNCATE 12
#define CVLSM_HOOK_PATH_CHMOD 13
#define CVLSM_HOOK_PATH_CHOWN 14
#define CVLSM_HOOK_BPF 15
#define CVLSM_HOOK_TASK_KILL 16
#define CVLSM_HOOK_PTRACE 17
#define CVLSM_HOOK_SYSCALL 18	    /* the seccomp filter refused a syscall */
#define CVLSM_HOOK_SOCKET_CREATE 19 /* detail: CVLSM_SOCKET_DETAIL */
#define CVLSM_HOOK_CONNECT 20	    /* connect; detail: CVLSM_NET_DETAIL, the address in path */
#define CVLSM_HOOK_SENDMSG 21	    /* a send to an address (UDP, ICMP, TCP Fast Open) */
#define CVLSM_HOOK_BIND 22	    /* bind and listen */
#define CVLSM_HOOK_SOCKET_OPTION 23 /* a socket option that reroutes (source routing) */
#define CVLSM_HOOK_UNIX_CONNECT 24  /* a unix socket: connect, or send to */
/* Priority, scheduling, limits, memory placement or process group of another process;
 * detail: CVLSM_TASK_DETAIL */
#define CVLSM_HOOK_TASK_CHANGE 25
#define CVLSM_HOOK_FCNTL 26 /* a file's signal owner or lease; detail: the command */
#define CVLSM_HOOK_IOCTL 27 /* an ioctl that changes a file or device; detail: the command */
#define CVLSM_HOOK_XATTR 28 /* setting or removing an extended attribute, ACLs included */
#define CVLSM_HOOK_TIMES 29 /* setting a file's times */
#define CVLSM_HOOK_COUNT 30

/* cvlsm_event.detail of a CVLSM_HOOK_TASK_CHANGE refusal: the target's pid (global) and
 * what was asked, CVLSM_TASK_*. */
#define CVLSM_TASK_NICE 1
#define CVLSM_TASK_IOPRIO 2
#define CVLSM_TASK_SCHEDULER 3 /* policy, priority, CPU affinity */
#define CVLSM_TASK_RLIMIT 4
#define CVLSM_TASK_MEMORY 5 /* migrate_pages, move_pages */
#define CVLSM_TASK_PGID 6
#define CVLSM_TASK_DETAIL(operation, pid) ((__u32)(operation) << 28 | ((__u32)(pid)&0x0fffffffu))

/* cvlsm_event.detail of a network refusal: the port, the protocol and the address family
 * (the address, 16 bytes, is in cvlsm_event.path: IPv4 as its IPv4-mapped IPv6 form). */
#define CVLSM_NET_TCP 1
#define CVLSM_NET_UDP 2
#define CVLSM_NET_ICMP 3
#define CVLSM_NET_DETAIL(port, protocol, ipv6)                                                     \
	((__s32)((__u32)(port)&0xffff | ((__u32)(protocol)&0xff) << 16 | ((ipv6) ? 1u : 0u) << 24))
/* ... of a refused socket(): family, type and protocol as the caller passed them. */
#define CVLSM_SOCKET_DETAIL(family, type, protocol)                                                \
	((__s32)((__u32)(family)&0xff | ((__u32)(type)&0xff) << 8 |                                \
		 ((__u32)(protocol)&0xffff) << 16))

/* cvlsm_net4_key.selector / cvlsm_net6_key.selector: direction and protocol. */
#define CVLSM_NET_CONNECT 1
#define CVLSM_NET_BIND 2
#define CVLSM_NET_SELECTOR(direction, protocol) ((__u32)(direction) << 8 | (__u32)(protocol))
/* The bits of a key before the address: policy id and selector, always matched whole. */
#define CVLSM_NET_KEY_FIXED_BITS 64
/* How many port ranges one network entry holds. */
#define CVLSM_NET_MAX_RANGES 32
#define CVLSM_MAX_NET_ENTRIES 65536
#define CVLSM_MAX_UNIX_NAMES 4096
/* The longest abstract unix socket name (sun_path less its leading NUL). */
#define CVLSM_UNIX_NAME_MAX 107

/* Events per second, per CPU and enforced cgroup, beyond which events are dropped (and
 * counted): a denial storm costs the kernel a counter increment, not a ring buffer write. */
#define CVLSM_EVENTS_PER_SECOND 200
/* Bytes of an event's path, and how many of its components are named. */
#define CVLSM_EVENT_PATH_MAX 256
#define CVLSM_EVENT_PATH_DEPTH 48
#define CVLSM_MAX_DENIAL_RECORDS 16384
#define CVLSM_EVENT_RING_BYTES (256 * 1024)

/* cvlsm_event.flags */
#define CVLSM_EVENT_AUDIT 0x1u	   /* audit mode: reported, not denied */
#define CVLSM_EVENT_FIXED 0x2u	   /* a refusal no policy lifts (self-protection): enforced */
#define CVLSM_EVENT_TRUNCATED 0x4u /* the path lost its leading components */
/* No path names the object (memfd, pipe; or there is no object): `path` holds its own name,
 * if any. */
#define CVLSM_EVENT_NO_PATH 0x8u

/* Per enforced cgroup, per CPU (summed by userspace): what the hooks decided. Created by the
 * manager with the cgroup's entry; the programs only count into it. */
struct cvlsm_cgroup_stats {
	__u64 allowed[CVLSM_HOOK_COUNT];
	__u64 denied[CVLSM_HOOK_COUNT]; /* in audit mode: would-be denials */
	__u64 events_dropped;		/* over the rate limit, or the ring buffer full */
	__u64 records_dropped; /* cvlsm_denials full, or this CPU's share for the cgroup used */
	__u64 records_made;    /* denial records this CPU made for the cgroup */
	__u64 window_start;    /* rate limit: start of this CPU's second (ns) */
	__u64 window_events;   /* events sent in that second */
};

/*
 * One denial (or would-be denial) as reported to userspace: in the ring buffer, and as the
 * first occurrence kept in cvlsm_denials. The path is the object's, named from the process's
 * mount namespace root (symlinks resolved): its components leaf first, each ending in a NUL,
 * `path_length` bytes in all; userspace joins them in reverse.
 */
struct cvlsm_event {
	__u64 time_ns; /* CLOCK_BOOTTIME */
	__u64 cgroup;  /* the enforced cgroup (an ancestor of the process's own) */
	__u32 pid;     /* thread group id, initial pid namespace */
	__u32 tid;
	char comm[16];
	__u32 hook;	 /* CVLSM_HOOK_* */
	__u32 requested; /* CVLSM_MODE_* the access needed (0: not a path access) */
	__u32 error;	 /* the errno the hook returned, or would have (audit) */
	__u32 flags;	 /* CVLSM_EVENT_* */
	__s32 detail; /* the syscall number (SYSCALL; -1 unknown), target pid (TASK_KILL, PTRACE) */
	__u32 path_length;
	char path[CVLSM_EVENT_PATH_MAX];
};

/* Key of cvlsm_denials: one operation refused to one enforced cgroup. */
struct cvlsm_denial_key {
	__u64 cgroup;
	__u64 object; /* the object's struct inode address; 0 when not a path access */
	__u64 ino;    /* and its number: an evicted inode's address is reused by another */
	__u32 hook;
	__u32 requested;
	__s32 detail;
	__u32 flags;
};

/* Value of cvlsm_denials: how often, and the first occurrence. */
struct cvlsm_denial_record {
	__u64 count;
	__u64 last_ns;
	struct cvlsm_event first;
};

/* Value of the enforced-cgroups map, keyed by cgroup v2 id (kernfs node id). */
struct cvlsm_cgroup_policy {
	__u32 policy_id;       /* selects this policy's entries in the path-rules map */
	__u32 proc_self_modes; /* modes granted on the confined process's own /proc/<pid> */
	__u32 flags;	       /* CVLSM_POLICY_* */
	/* Non-zero: look in cvlsm_exec_waits, where an entry means the policy is not in force
	 * until a process of the cgroup execs (that exec is checked); a container runtime's
	 * setup after its hook runs unchecked. Cleared by the programs. */
	__u32 wait_for_exec;
};

/*
 * Key of the path-rules map: one filesystem object named by a rule, by the address of its
 * struct inode. (s_dev, i_ino) is not an identity: overlayfs over layers on different
 * filesystems gives directories and files inode numbers from separate counters, and they
 * collide. An address is reused once its inode is freed, so a rule counts only while its
 * generation is the one cvlsm_rule_inodes holds for that address: the programs delete that
 * entry when the inode is freed (lsm/inode_free_security, before its memory can be reused),
 * and a manager gives an address a new generation, never used before, only while it holds
 * the inode. The pin keeper holds each rule's inode in memory (an inotify watch, which
 * leaves its mount free to be unmounted), so a rule is void only once its object is gone.
 */
struct cvlsm_rule_key {
	__u32 policy_id;
	__u32 reserved;
	__u64 inode;
};

/*
 * Keys of the network maps (longest-prefix-match tries, one per address family): the
 * policy id and selector are matched whole (prefixlen counts them: CVLSM_NET_KEY_FIXED_BITS
 * plus the address prefix), then the address by its prefix. The value of the longest match
 * is the verdict: userspace folds every covering rule into it (policy/net_fold.h).
 */
struct cvlsm_net4_key {
	__u32 prefixlen;
	__u32 policy_id;
	__u32 selector; /* CVLSM_NET_SELECTOR */
	__u8 address[4];
};

struct cvlsm_net6_key {
	__u32 prefixlen;
	__u32 policy_id;
	__u32 selector;
	__u8 address[16];
};

/* The ports allowed for a prefix: sorted, disjoint ranges (ICMP: 0-65535 or none). */
struct cvlsm_port_range {
	__u16 first;
	__u16 last;
};

struct cvlsm_net_ports {
	__u32 count;
	struct cvlsm_port_range range[CVLSM_NET_MAX_RANGES];
};

/* Key of the abstract unix names a policy lets its processes reach outside their
 * confinement: the name without its leading NUL, zero-padded. */
struct cvlsm_unix_name_key {
	__u32 policy_id;
	__u32 length;
	char name[CVLSM_UNIX_NAME_MAX + 1];
};

/* Value of the path-rules map: modes granted and carved out under this object, while the
 * object's inode is the one of `generation` (cvlsm_rule_key). */
struct cvlsm_rule_value {
	__u32 allow;
	__u32 deny;
	__u64 generation;
};

/* Value of the object-resolution map, keyed by the thread id that asks: the inode a
 * descriptor's path reaches, as the policy hooks will see it. */
struct cvlsm_object_id {
	__u32 found;	  /* set to 1 by the resolver program */
	__u32 filter_bit; /* the inode's bit in the rule filter (cvlsm_rule_filter_bit) */
	__u64 inode;	  /* struct inode address */
};

/*
 * The programs' global state, their only .bss variable, mmapped by the manager (at offset 0,
 * asserted there). Shared by every manager process once the programs are pinned.
 */
struct cvlsm_global_state {
	__u32 resolvers_active; /* userspace resolution sessions in progress */
	__u32 last_policy_id;	/* the last policy id handed out (atomic add from userspace) */
	/* The pin keeper's process (initial pid namespace) when the programs are pinned: it
	 * holds the descriptors that keep every rule's inode, hence its address, alive. */
	__u32 keeper_tgid;
	/* Set by the programs when the keeper exits: inode addresses may then be reused, so
	 * every path rule is ignored (confined processes fail closed) until the manager
	 * re-applies the policies under a new keeper and clears it. */
	__u32 pins_lost;
	/* Bumped by each manager when it takes the lock for a change: a manager whose last
	 * change was not the last one re-reads what it caches of the maps. */
	__u32 changes;
	/* How many denial records one CPU may make for one cgroup (set at load from the number
	 * of CPUs): no cgroup fills the table that every cgroup's records share. */
	__u32 records_per_cpu;
	/* Set at load when the kernel has the unix_find hook (7.1+): a pathname unix socket is
	 * then checked on the path the connecting process looked up, else on the path the
	 * server bound (unix_stream_connect, unix_may_send). */
	__u32 unix_find_attached;
	__u32 reserved;
	/* The last generation handed to a rule inode (atomic add from userspace; never 0). */
	__u64 last_generation;
};

#endif /* CVLSM_ABI_H */
