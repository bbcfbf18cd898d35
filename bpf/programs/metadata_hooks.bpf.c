// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A file's metadata past chmod and chown: extended attributes (POSIX ACLs among them, which
 * change who may read a file exactly as chmod does) and timestamps. Setting or removing any
 * attribute, and setting a file's times, needs w on the object, as chmod does.
 *
 *   lsm/inode_setxattr, lsm/inode_removexattr   every attribute; POSIX ACLs before 6.2
 *   lsm/inode_set_acl, lsm/inode_remove_acl     POSIX ACLs from 6.2
 *   lsm/inode_setattr                           times (utimensat, touch); the other changes
 *                                               it sees have hooks of their own
 *
 * These hooks get a dentry without its mount, so the rule walk cannot cross mount points:
 * it goes from the object up to the root of its own filesystem (WALK_IN_FS_FLAG). A rule on
 * a directory above the filesystem's mount point therefore grants nothing here, and the
 * change is refused unless a rule inside the filesystem grants w (a bind-mounted tree is
 * judged by the names it has in its filesystem). Deny rules inside it apply as anywhere.
 *
 * Not checked: the kernel acting with credentials of its own (overlayfs copying a file up
 * to its upper layer sets that copy's attributes and times; the user's change of the
 * overlay file was checked first), and the kernel's own filesystems (pipes, sockets,
 * memfd), which no path reaches.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "cvlsm_abi.h"
#include "kernel_constants.h"
#include "helpers/path_step.bpf.h"
#include "helpers/path_walk.bpf.h"
#include "helpers/policy_lookup.bpf.h"
#include "helpers/report.bpf.h"

/* The kernel acting on the process's behalf with credentials it put in place for the call
 * (override_creds: overlayfs copy-up). A process cannot do that itself: io_uring's
 * personalities, the one user route, are refused by the syscall filter on every tier. */
static __always_inline bool kernel_credentials(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, cred) != BPF_CORE_READ(task, real_cred);
}

/* `w` on `dentry`, judged within its filesystem. */
static __always_inline int check_metadata(__u32 hook, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	if (!dentry)
		return account(&c, hook, refuse(&c, hook, 0, 0, CVLSM_MODE_WRITE, -EACCES, 0),
			       false);
	struct super_block *sb = BPF_CORE_READ(dentry, d_sb);

	if (kernel_credentials() || (BPF_CORE_READ(sb, s_flags) & SB_KERNMOUNT))
		return 0;
	if (BPF_CORE_READ(sb, s_magic) == BPF_FS_MAGIC)
		return account(&c, hook,
			       refuse(&c, hook, 0, address_of(dentry), CVLSM_MODE_WRITE, -EACCES,
				      CVLSM_EVENT_FIXED),
			       true);
	__u64 policy = c.policy->policy_id | WALK_IN_FS_FLAG;

	if (c.policy->flags & CVLSM_POLICY_HAS_DENY_RULES)
		policy |= WALK_ALL_FLAG;
	__u64 object = address_of(dentry);

	if (cvlsm_walk(0, object, policy, WALK_MODES(CVLSM_MODE_WRITE, 0, 0)) & CVLSM_MODE_WRITE)
		return account(&c, hook, 0, false);
	/* Named within its filesystem, as it was judged. */
	return account(&c, hook, refuse(&c, hook, 0, object, CVLSM_MODE_WRITE, -EACCES, 0), false);
}

/* A change of times alone (utimensat, utimes, futimens): a truncation also sets them, and
 * mode and owner changes have path hooks of their own. */
static __always_inline int check_times(struct dentry *dentry, struct iattr *attr, int ret)
{
	unsigned int valid = BPF_CORE_READ(attr, ia_valid);

	if (ret || !(valid & (ATTR_ATIME | ATTR_MTIME)) || (valid & ATTR_SIZE))
		return ret;
	return check_metadata(CVLSM_HOOK_TIMES, dentry, 0);
}

/* The parameter lists: an idmap (user namespace before 6.3) first from 5.12 on. */
SEC("lsm/inode_setxattr")
int BPF_PROG(cvlsm_inode_setxattr, void *idmap, struct dentry *dentry, const char *name,
	     const void *value, size_t size, int flags, int ret)
{
	return check_metadata(CVLSM_HOOK_XATTR, dentry, ret);
}

SEC("lsm/inode_setxattr")
int BPF_PROG(cvlsm_inode_setxattr_no_idmap, struct dentry *dentry, const char *name,
	     const void *value, size_t size, int flags, int ret)
{
	return check_metadata(CVLSM_HOOK_XATTR, dentry, ret);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(cvlsm_inode_removexattr, void *idmap, struct dentry *dentry, const char *name, int ret)
{
	return check_metadata(CVLSM_HOOK_XATTR, dentry, ret);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(cvlsm_inode_removexattr_no_idmap, struct dentry *dentry, const char *name, int ret)
{
	return check_metadata(CVLSM_HOOK_XATTR, dentry, ret);
}

SEC("lsm/inode_set_acl")
int BPF_PROG(cvlsm_inode_set_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     void *kacl, int ret)
{
	return check_metadata(CVLSM_HOOK_XATTR, dentry, ret);
}

SEC("lsm/inode_remove_acl")
int BPF_PROG(cvlsm_inode_remove_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     int ret)
{
	return check_metadata(CVLSM_HOOK_XATTR, dentry, ret);
}

SEC("lsm/inode_setattr")
int BPF_PROG(cvlsm_inode_setattr, void *idmap, struct dentry *dentry, struct iattr *attr, int ret)
{
	return check_times(dentry, attr, ret);
}

SEC("lsm/inode_setattr")
int BPF_PROG(cvlsm_inode_setattr_no_idmap, struct dentry *dentry, struct iattr *attr, int ret)
{
	return check_times(dentry, attr, ret);
}
