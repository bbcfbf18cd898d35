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
/* vmlinux.h provides __u32/__u64 for the BPF side. */
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

/* cvlsm_cgroup_policy.flags */
#define CVLSM_POLICY_HAS_DENY_RULES 0x1u /* some rule carves modes out; walk the whole path */

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
 * struct inode. The manager holds an O_PATH descriptor on every rule object while the rule
 * exists, so the inode cannot be freed and its address not reused. (s_dev, i_ino) is not
 * an identity: overlayfs over layers on different filesystems gives directories and files
 * inode numbers from separate counters, and they collide.
 */
struct cvlsm_rule_key {
	__u32 policy_id;
	__u32 reserved;
	__u64 inode;
};

/* Value of the path-rules map: modes granted and carved out under this object. */
struct cvlsm_rule_value {
	__u32 allow;
	__u32 deny;
};

/* Value of the object-resolution map, keyed by the thread id that asks: the inode a
 * descriptor's path reaches, as the policy hooks will see it. */
struct cvlsm_object_id {
	__u32 found; /* set to 1 by the resolver program */
	__u32 reserved;
	__u64 inode; /* struct inode address */
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
	__u32 reserved;
};

#endif /* CVLSM_ABI_H */
