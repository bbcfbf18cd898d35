// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cv-lsm kernel side: path and exec rules for the processes of enforced cgroups.
 *
 * Hooks:
 *   lsm/file_open            every open of a file: read needs r, write needs w,
 *                            the kernel's own opens for exec/ld.so need x.
 *   lsm/bprm_check_security  every exec, including a script's interpreter: needs x.
 *   lsm/inode_getattr        not a policy hook: while userspace resolves rule paths
 *                            (cvlsm_resolvers_active), it records which inode an fstat()
 *                            reaches, so rules name objects exactly as the hooks see them.
 *                            Otherwise it returns after one load: it stays attached because
 *                            5.10 cannot attach an LSM program a second time once detached.
 *
 * A process is confined when its cgroup v2, or an ancestor of it, is in cvlsm_cgroups.
 * Rules name objects by their inode (see cvlsm_rule_key), resolved when a policy is applied;
 * the hook walks the opened object's dentry ancestors up to the root of the process's
 * namespace, crossing mount points, and takes the union of the modes of every rule it
 * meets, minus the union of the deny rules. Names therefore do not matter: symlinks,
 * "..", relative paths and bind mounts all end at the object really opened.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.h"

char LICENSE[] SEC("license") = "GPL";

/* Kernel constants that vmlinux.h (types only) does not carry. Stable ABI values. */
#define EACCES 13
#define FMODE_READ 0x1u
#define FMODE_WRITE 0x2u
#define FMODE_EXEC 0x20u
#define MNT_INTERNAL 0x4000
#define MNT_NS_INTERNAL ((void *)-22) /* ERR_PTR(-EINVAL): kern_mount, clone_private_mount */
#define PROC_SUPER_MAGIC 0x9fa0

static __always_inline struct cgroup *cgroup_parent(struct cgroup *cgrp)
{
	/* cgroup->self is the cgroup's own css; its parent css is embedded in the parent. */
	struct cgroup_subsys_state *parent_css = BPF_CORE_READ(cgrp, self.parent);

	if (!parent_css)
		return NULL;
	return (struct cgroup *)((void *)parent_css - bpf_core_field_offset(struct cgroup, self));
}

/* The policy of the nearest enforced cgroup of the current task, or NULL if none. */
static __always_inline struct cvlsm_cgroup_policy *current_policy(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct cgroup *cgrp = BPF_CORE_READ(task, cgroups, dfl_cgrp);

	for (int level = 0; level < CVLSM_MAX_CGROUP_DEPTH; level++) {
		if (!cgrp)
			return NULL;
		__u64 id = BPF_CORE_READ(cgrp, kn, id);
		struct cvlsm_cgroup_policy *policy = bpf_map_lookup_elem(&cvlsm_cgroups, &id);

		if (policy)
			return policy;
		cgrp = cgroup_parent(cgrp);
	}
	/* Not reached for confined processes: the manager limits nesting below an enforced
	 * cgroup (cgroup.max.depth) to what this loop searches. */
	return NULL;
}

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

/* Looks up one object's rule and folds it into *allow and *deny. */
static __always_inline void apply_rule(struct cvlsm_rule_key *key, __u64 inode, __u32 *allow,
				       __u32 *deny)
{
	key->inode = inode;
	struct cvlsm_rule_value *rule = bpf_map_lookup_elem(&cvlsm_path_rules, key);

	if (rule) {
		*allow |= rule->allow;
		*deny |= rule->deny;
	}
}

/* Arguments of cvlsm_walk_parent_mounts, packed: a global function takes at most 5. */
#define WALK_ALL_FLAG (1ull << 32)

/*
 * The slow part of the walk: from the root of the mount `vfsmnt_addr` upwards through the
 * parent mounts (rare: the object's own mount is usually the container's root or a bind
 * mount near it). Global, so the verifier checks it once instead of once per iteration of
 * the fast loop that calls it; it sees plain addresses, read through helpers.
 * `policy` = policy id | WALK_ALL_FLAG; `needed_modes` = needed; `modes` = allow | deny << 32.
 * Returns the modes granted (0 when the walk does not reach the root in time).
 */
__noinline __u32 cvlsm_walk_parent_mounts(__u64 vfsmnt_addr, __u64 policy, __u32 needed,
					  __u64 modes)
{
	struct vfsmount *vfsmnt = (struct vfsmount *)vfsmnt_addr;

	if (!vfsmnt)
		return 0;
	struct mount *mnt =
	    (struct mount *)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
	struct cvlsm_rule_key key = {.policy_id = (__u32)policy};
	bool walk_all = policy & WALK_ALL_FLAG;
	__u32 allow = (__u32)modes, deny = (__u32)(modes >> 32);
	struct dentry *dentry = BPF_CORE_READ(vfsmnt, mnt_root);
	struct dentry *mnt_root = dentry;

	for (int depth = 0; depth < CVLSM_MAX_PATH_DEPTH; depth++) {
		if (dentry == mnt_root) {
			struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);

			if (parent == mnt)
				return allow & ~deny; /* root of the mount namespace */
			/* Continue in the parent mount, at the directory this mount covers. */
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = parent;
			vfsmnt = (struct vfsmount *)((void *)mnt +
						     bpf_core_field_offset(struct mount, mnt));
			mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
		} else {
			struct dentry *parent = BPF_CORE_READ(dentry, d_parent);

			if (parent == dentry)
				return allow &
				       ~deny; /* root of a filesystem not mounted anywhere */
			dentry = parent;
		}
		apply_rule(&key, (__u64)BPF_CORE_READ(dentry, d_inode), &allow, &deny);
		/* Without deny rules nothing above can take a mode away again. */
		if (!walk_all && (allow & needed) == needed)
			return allow;
	}
	return 0;
}

/*
 * Modes the policy grants on the opened object: union of the allow rules of the object and
 * its ancestors, minus the union of their deny rules. Returns 0 (nothing granted) when the
 * walk does not reach the root within CVLSM_MAX_PATH_DEPTH components.
 *
 * This is the hot path of every confined open, and its cost grows per ancestor (bench/).
 * Within the object's own mount it follows the kernel's pointers with plain loads (the
 * arguments are typed BTF pointers) instead of a helper call per read; mount crossings go
 * to cvlsm_walk_parent_mounts.
 */
static __always_inline __u32 granted_modes(const struct cvlsm_cgroup_policy *policy,
					   const struct path *path, __u32 needed)
{
	struct dentry *dentry = path->dentry;
	struct dentry *mnt_root = path->mnt->mnt_root;
	struct cvlsm_rule_key key = {.policy_id = policy->policy_id};
	bool walk_all = policy->flags & CVLSM_POLICY_HAS_DENY_RULES;
	__u32 allow = 0, deny = 0;

	if (policy->proc_self_modes && dentry->d_inode->i_sb->s_magic == PROC_SUPER_MAGIC &&
	    in_own_proc_entry(dentry))
		allow |= policy->proc_self_modes;

	for (int depth = 0; depth < CVLSM_MAX_PATH_DEPTH; depth++) {
		apply_rule(&key, (__u64)dentry->d_inode, &allow, &deny);
		if (!walk_all && (allow & needed) == needed)
			return allow;
		if (dentry == mnt_root) {
			__u64 packed_policy = policy->policy_id | (walk_all ? WALK_ALL_FLAG : 0);

			return cvlsm_walk_parent_mounts((__u64)BPF_CORE_READ(path, mnt),
							packed_policy, needed,
							allow | (__u64)deny << 32);
		}
		struct dentry *parent = dentry->d_parent;

		if (parent == dentry)
			return allow & ~deny; /* root of a filesystem not mounted anywhere */
		dentry = parent;
	}
	return 0;
}

static __always_inline int check_access(const struct cvlsm_cgroup_policy *policy,
					const struct path *path, __u32 needed)
{
	if (!path->mnt || !path->dentry)
		return -EACCES;
	if ((granted_modes(policy, path, needed) & needed) != needed)
		return -EACCES;
	return 0;
}

/*
 * Mounts that no path of any mount namespace reaches: the kernel's own (pipefs, sockfs,
 * anon_inodefs, the shmem behind memfd) and private clones (overlayfs layers: since 6.6
 * overlayfs opens a "backing file" on the layer's real path, after the open of the
 * overlay file itself was checked).
 */
static __always_inline bool on_internal_mount(struct vfsmount *vfsmnt)
{
	struct mount *mnt =
	    (struct mount *)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt));

	if (BPF_CORE_READ(vfsmnt, mnt_flags) & MNT_INTERNAL)
		return true;
	return (void *)BPF_CORE_READ(mnt, mnt_ns) == MNT_NS_INTERNAL;
}

SEC("lsm/file_open")
int BPF_PROG(cvlsm_file_open, struct file *file, int ret)
{
	if (ret)
		return ret; /* an earlier LSM already refused: keep its verdict */

	struct cvlsm_cgroup_policy *policy = current_policy();

	if (!policy)
		return 0;

	/*
	 * Pipes, sockets, anonymous inodes and memfds live on kernel-internal mounts that no
	 * path can name; a process reaches them only through a descriptor it already holds.
	 * Opening them (e.g. /proc/self/fd/N) is allowed; executing them is not (see below).
	 * Overlayfs backing files are allowed: the overlay file's own open was checked.
	 */
	struct vfsmount *vfsmnt = BPF_CORE_READ(file, f_path.mnt);

	if (on_internal_mount(vfsmnt))
		return 0;

	__u32 fmode = BPF_CORE_READ(file, f_mode);
	__u32 needed = 0;

	if (fmode & FMODE_EXEC) {
		needed = CVLSM_MODE_EXEC; /* the kernel opening a binary or ELF interpreter */
	} else {
		if (fmode & FMODE_READ)
			needed |= CVLSM_MODE_READ;
		if (fmode & FMODE_WRITE)
			needed |= CVLSM_MODE_WRITE;
	}
	if (!needed)
		return 0;
	return check_access(policy, &file->f_path, needed);
}

SEC("lsm/bprm_check_security")
int BPF_PROG(cvlsm_bprm_check_security, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;

	struct cvlsm_cgroup_policy *policy = current_policy();

	if (!policy)
		return 0;

	struct file *file = bprm->file;

	/* Fileless exec (memfd, deleted internal files): no rule can name it, so deny. */
	if (!file)
		return -EACCES;
	struct vfsmount *vfsmnt = BPF_CORE_READ(file, f_path.mnt);

	if (on_internal_mount(vfsmnt))
		return -EACCES;
	return check_access(policy, &file->f_path, CVLSM_MODE_EXEC);
}

/* Number of userspace resolution sessions in progress (written through the mmapped .bss). */
volatile __u32 cvlsm_resolvers_active = 0;

SEC("lsm/inode_getattr")
int BPF_PROG(cvlsm_resolve_object, const struct path *path, int ret)
{
	if (!cvlsm_resolvers_active)
		return ret;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct cvlsm_object_id *request = bpf_map_lookup_elem(&cvlsm_resolve_requests, &tid);

	/* Stacked filesystems (overlayfs) stat their real layer from inside this hook's caller:
	 * the first call is the path the user named, as file_open will see it. */
	if (!request || request->found)
		return ret;
	struct dentry *dentry = BPF_CORE_READ(path, dentry);

	request->inode = (__u64)BPF_CORE_READ(dentry, d_inode);
	request->found = 1;
	return ret;
}
