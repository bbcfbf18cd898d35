/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The path walk every hook shares: from an object up through its dentry ancestors to the
 * root of the mount namespace, crossing mount points, folding in the rules it meets.
 * Names do not matter: symlinks, "..", relative paths and bind mounts all end at the
 * object really reached.
 */
#ifndef CVLSM_PATH_WALK_BPF_H
#define CVLSM_PATH_WALK_BPF_H

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "cvlsm_abi.h"
#include "kernel_constants.h"
#include "maps.h"
#include "helpers/path_step.bpf.h"
#include "helpers/policy_lookup.bpf.h"
#include "helpers/report.bpf.h"

/* Whether a procfs inode belongs to the current process: /proc/<pid> of the caller or of its
 * thread group, and the per-process entries below it (/proc/self/status, .../fd/N). */
static __always_inline bool is_own_proc_inode(struct inode *inode)
{
	struct proc_inode *pi =
	    (struct proc_inode *)((void *)inode -
				  bpf_core_field_offset(struct proc_inode, vfs_inode));
	struct pid *owner = BPF_CORE_READ(pi, pid);
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	if (!owner)
		return false;
	return owner == BPF_CORE_READ(task, thread_pid) ||
	       owner == BPF_CORE_READ(task, group_leader, thread_pid);
}

/* Whether the object is in the current process's own /proc entry: entries like
 * /proc/self/net/dev belong to no pid themselves, an ancestor does. A loop of its own keeps
 * the main walk's verifier states few (a flag carried through it doubled them). */
static __always_inline bool in_own_proc_entry(struct dentry *dentry)
{
	for (int depth = 0; depth < 8; depth++) {
		if (is_own_proc_inode(BPF_CORE_READ(dentry, d_inode)))
			return true;
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);

		if (parent == dentry)
			return false;
		dentry = parent;
	}
	return false;
}

/* Whether rules count at all: not once the keeper of the rules' inodes is gone, since they
 * may be evicted, and a deny rule with them. Read once per walk. */
static __always_inline bool rules_count(void)
{
	return !cvlsm_state.pins_lost;
}

/* Looks up one object's rule and folds it into *allow and *deny: a rule of the inode now at
 * that address, by its generation (cvlsm_rule_key). Returns whether it found one (only then
 * can the modes granted have grown). */
static __always_inline bool apply_rule(struct cvlsm_rule_key *key, __u64 inode, __u64 ino,
				       __u32 *allow, __u32 *deny)
{
	/* No rule names an inode whose filter bit is clear (an array lookup: a few inlined
	 * instructions, where the two hash lookups below cost a hundred each). */
	__u32 bit = cvlsm_rule_filter_bit(ino);
	__u32 word = bit >> 6;
	__u64 *bits = bpf_map_lookup_elem(&cvlsm_rule_filter, &word);

	if (bits && !(*bits & (1ull << (bit & 63))))
		return false;
	key->inode = inode;
	struct cvlsm_rule_value *rule = bpf_map_lookup_elem(&cvlsm_path_rules, key);

	if (!rule)
		return false;
	__u64 *generation = bpf_map_lookup_elem(&cvlsm_rule_inodes, &inode);

	if (!generation || *generation != rule->generation)
		return false;
	*allow |= rule->allow;
	*deny |= rule->deny;
	return true;
}

/* cvlsm_walk's packed arguments (a global function takes at most 5, all scalars). */
#define WALK_ALL_FLAG (1ull << 32)
/* No mount: from the object up to the root of its own filesystem only (the hooks that get a
 * dentry without its mount). */
#define WALK_IN_FS_FLAG (1ull << 33)
#define WALK_MODES(needed, allow, deny) ((needed) | (__u64)(allow) << 8 | (__u64)(deny) << 16)

/*
 * The general walk: from `dentry` in the mount `vfsmnt` up to the root, crossing mounts. It
 * serves every hook off the hot path, and the hot walk (fast_granted_modes) from its
 * mount's root on. Global, so the verifier checks it once per program however many call
 * sites there are (program load time: each inlined walk costs a full loop's worth).
 * `policy` = policy id | WALK_ALL_FLAG | WALK_IN_FS_FLAG (then `vfsmnt` is 0); `modes` =
 * WALK_MODES(needed, allow so far, deny so far). Returns the modes granted (0 when the walk
 * does not reach the root in time).
 * Defined in path_walk.bpf.c.
 */
__u32 cvlsm_walk(__u64 vfsmnt, __u64 dentry, __u64 policy, __u64 modes);

/*
 * Modes the policy grants on the object `dentry` in mount `vfsmnt`: union of the allow rules
 * of the object and its ancestors, minus the union of their deny rules. Returns 0 (nothing
 * granted) when the walk does not reach the root within CVLSM_MAX_PATH_DEPTH components.
 * Stops early, without deny rules, once `needed` is granted (CVLSM_MODE_ALL: the full set).
 * `grant_proc_self` (a constant at each call site): whether the policy's /proc/self modes
 * apply, which only opens need.
 *
 * This is the hot path of every confined open and exec, and its cost grows per ancestor
 * (bench/). Within the object's own mount it follows the kernel's pointers with plain loads
 * (the hooks' arguments are typed BTF pointers) instead of a helper call per read, so its
 * step to the parent is its own: path_step_up() reads plain addresses through helpers, as
 * it must to cross a mount (path_step.bpf.h). At the mount's root the walk goes on in
 * cvlsm_walk, which takes that step.
 */
static __always_inline __u32 fast_granted_modes(const struct cvlsm_cgroup_policy *policy,
						struct vfsmount *vfsmnt, struct dentry *dentry,
						__u32 needed, bool grant_proc_self)
{
	struct dentry *mnt_root = vfsmnt->mnt_root;
	struct cvlsm_rule_key key = {.policy_id = policy->policy_id};
	bool walk_all = policy->flags & CVLSM_POLICY_HAS_DENY_RULES;
	bool with_rules = rules_count();
	__u32 allow = 0, deny = 0;
	struct inode *inode = dentry->d_inode;

	if (grant_proc_self && policy->proc_self_modes && inode &&
	    inode->i_sb->s_magic == PROC_SUPER_MAGIC && in_own_proc_entry(dentry)) {
		allow |= policy->proc_self_modes;
		if (!walk_all && (allow & needed) == needed)
			return allow;
	}

	for (int depth = 0; depth < CVLSM_MAX_PATH_DEPTH; depth++) {
		struct inode *component = dentry->d_inode;

		/* The modes grow only where a rule is met: only then can the walk be over. */
		if (with_rules &&
		    apply_rule(&key, (__u64)component, component->i_ino, &allow, &deny) &&
		    !walk_all && (allow & needed) == needed)
			return allow;
		if (dentry == mnt_root) {
			__u64 packed_policy = policy->policy_id | (walk_all ? WALK_ALL_FLAG : 0);

			/* Re-applies mnt_root's rule: a union, so harmless. */
			return cvlsm_walk(address_of(vfsmnt), address_of(dentry), packed_policy,
					  WALK_MODES(needed, allow, deny));
		}
		struct dentry *parent = dentry->d_parent;

		if (parent == dentry)
			return allow & ~deny; /* root of a filesystem not mounted anywhere */
		dentry = parent;
	}
	return 0;
}

/* The same verdict through the general walk (no /proc/self grant: only opens need it). For
 * hooks off the hot path: cheap to load. */
static __always_inline __u32 granted_modes(const struct cvlsm_cgroup_policy *policy,
					   struct vfsmount *vfsmnt, struct dentry *dentry,
					   __u32 needed)
{
	bool walk_all = policy->flags & CVLSM_POLICY_HAS_DENY_RULES;

	return cvlsm_walk(address_of(vfsmnt), address_of(dentry),
			  policy->policy_id | (walk_all ? WALK_ALL_FLAG : 0),
			  WALK_MODES(needed, 0, 0));
}

/* 0 when the policy grants every mode of `needed` on the object, else -EACCES (reported). */
static __always_inline int check_access(const struct confinement *c, __u32 hook,
					struct vfsmount *vfsmnt, struct dentry *dentry,
					__u32 needed)
{
	if (!vfsmnt || !dentry)
		return refuse(c, hook, 0, 0, needed, -EACCES, 0);
	if ((granted_modes(c->policy, vfsmnt, dentry, needed) & needed) != needed)
		return refuse(c, hook, address_of(vfsmnt), address_of(dentry), needed, -EACCES, 0);
	return 0;
}

static __always_inline int check_path(const struct confinement *c, __u32 hook,
				      const struct path *path, __u32 needed)
{
	return check_access(c, hook, path->mnt, path->dentry, needed);
}

/*
 * Mounts that no path of any mount namespace reaches: the kernel's own (pipefs, sockfs,
 * anon_inodefs, the shmem behind memfd) and private clones (overlayfs layers: since 6.6
 * overlayfs opens a "backing file" on the layer's real path, after the open of the
 * overlay file itself was checked).
 */
static __always_inline bool on_internal_mount(struct vfsmount *vfsmnt)
{
	if (vfsmnt->mnt_flags & MNT_INTERNAL)
		return true;
	/* struct mount's mnt_ns, read at its offset from the vfsmount embedded in it: one
	 * probe read, where real_mount() would first take another to untype the pointer. */
	void *mnt_ns = NULL;
	const long from_vfsmount = (long)bpf_core_field_offset(struct mount, mnt_ns) -
				   (long)bpf_core_field_offset(struct mount, mnt);

	bpf_probe_read_kernel(&mnt_ns, sizeof(mnt_ns), (void *)vfsmnt + from_vfsmount);
	return mnt_ns == MNT_NS_INTERNAL;
}

#endif /* CVLSM_PATH_WALK_BPF_H */
