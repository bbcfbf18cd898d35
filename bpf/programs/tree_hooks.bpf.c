// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Changes to the tree need `w` where they happen: creating, removing, renaming and linking
 * need it on the directory (and removal on the object), truncating and changing mode or
 * owner on the object. A rename or link must not give a file modes at its new name that it
 * did not have at the old one (Landlock's "refer" problem): that is EXDEV, so mv and cp
 * fall back to copying, which the rules check like any write.
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

/* bpffs holds the pinned programs, links and maps: the confinement of every cgroup. No
 * confined process changes it, whatever its policy or mode (audit included). */
static __always_inline bool on_bpffs(struct dentry *dentry)
{
	return BPF_CORE_READ(dentry, d_sb, s_magic) == BPF_FS_MAGIC;
}

/* The fixed refusal of a change in `dir` when it is on bpffs (reported), else 0. */
static __always_inline int engine_state_change(const struct confinement *c, __u32 hook,
					       const struct path *dir)
{
	if (!on_bpffs(dir->dentry))
		return 0;
	return refuse(c, hook, address_of(dir->mnt), address_of(dir->dentry), CVLSM_MODE_WRITE,
		      -EACCES, CVLSM_EVENT_FIXED);
}

/* The first error of two checks. Both always run: with no error they would anyway, and in
 * audit mode each would-be denial is reported, not only the first. */
static __always_inline int first_error(int first, int second)
{
	return first ? first : second;
}

/* `w` on `path`: the directory an entry is created in, or the object itself (truncate,
 * chmod, chown). */
static __always_inline int check_write(__u32 hook, const struct path *path, int ret)
{
	if (ret)
		return ret;
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	int fixed = engine_state_change(&c, hook, path);

	if (fixed)
		return account(&c, hook, fixed, true);
	return account(&c, hook, check_path(&c, hook, path, CVLSM_MODE_WRITE), false);
}

/* `w` on the directory and on the entry `dentry` in it (removal). */
static __always_inline int check_remove(__u32 hook, const struct path *dir, struct dentry *dentry,
					int ret)
{
	if (ret)
		return ret;
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	int fixed = engine_state_change(&c, hook, dir);

	if (fixed)
		return account(&c, hook, fixed, true);
	int err = first_error(check_path(&c, hook, dir, CVLSM_MODE_WRITE),
			      check_access(&c, hook, dir->mnt, dentry, CVLSM_MODE_WRITE));

	return account(&c, hook, err, false);
}

/* EXDEV when an object moved from below `from_dir` to below `to_dir` would gain a mode:
 * the modes that come from the ancestors must not grow (the object's own rules move with
 * its inode). Reported on `to_dir` with the modes it would gain. */
static __always_inline int check_refer(const struct confinement *c, __u32 hook,
				       struct vfsmount *mnt, struct dentry *from_dir,
				       struct dentry *to_dir)
{
	__u32 before = granted_modes(c->policy, mnt, from_dir, CVLSM_MODE_ALL);
	__u32 after = granted_modes(c->policy, mnt, to_dir, CVLSM_MODE_ALL);

	if (!(after & ~before))
		return 0;
	return refuse(c, hook, address_of(mnt), address_of(to_dir), after & ~before, -EXDEV, 0);
}

SEC("lsm/path_mknod")
int BPF_PROG(cvlsm_path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	     unsigned int dev, int ret)
{
	return check_write(CVLSM_HOOK_PATH_MKNOD, dir, ret);
}

SEC("lsm/path_mkdir")
int BPF_PROG(cvlsm_path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode, int ret)
{
	return check_write(CVLSM_HOOK_PATH_MKDIR, dir, ret);
}

SEC("lsm/path_symlink")
int BPF_PROG(cvlsm_path_symlink, const struct path *dir, struct dentry *dentry,
	     const char *old_name, int ret)
{
	return check_write(CVLSM_HOOK_PATH_SYMLINK, dir, ret);
}

SEC("lsm/path_unlink")
int BPF_PROG(cvlsm_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	return check_remove(CVLSM_HOOK_PATH_UNLINK, dir, dentry, ret);
}

SEC("lsm/path_rmdir")
int BPF_PROG(cvlsm_path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	return check_remove(CVLSM_HOOK_PATH_RMDIR, dir, dentry, ret);
}

SEC("lsm/path_link")
int BPF_PROG(cvlsm_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	__u32 hook = CVLSM_HOOK_PATH_LINK;
	int fixed = engine_state_change(&c, hook, new_dir);

	if (fixed)
		return account(&c, hook, fixed, true);
	/* A hard link stays on its mount (else EXDEV before this hook). */
	int err =
	    first_error(check_path(&c, hook, new_dir, CVLSM_MODE_WRITE),
			check_refer(&c, hook, new_dir->mnt, old_dentry->d_parent, new_dir->dentry));

	return account(&c, hook, err, false);
}

static __always_inline int check_rename(const struct path *old_dir, struct dentry *old_dentry,
					const struct path *new_dir, struct dentry *new_dentry,
					unsigned int flags, int ret)
{
	if (ret)
		return ret;
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	__u32 hook = CVLSM_HOOK_PATH_RENAME;
	/* A rename stays on its mount: one check covers both directories. */
	int fixed = engine_state_change(&c, hook, old_dir);

	if (fixed)
		return account(&c, hook, fixed, true);
	int err = check_path(&c, hook, old_dir, CVLSM_MODE_WRITE);

	err = first_error(err, check_access(&c, hook, old_dir->mnt, old_dentry, CVLSM_MODE_WRITE));
	err = first_error(err, check_path(&c, hook, new_dir, CVLSM_MODE_WRITE));
	/* A rename over an existing file replaces it, and an exchange moves it: the target
	 * needs w as an unlink of it would (a deny rule on it holds). */
	if (new_dentry->d_inode)
		err = first_error(
		    err, check_access(&c, hook, new_dir->mnt, new_dentry, CVLSM_MODE_WRITE));
	err =
	    first_error(err, check_refer(&c, hook, new_dir->mnt, old_dir->dentry, new_dir->dentry));
	/* An exchange also moves the other object the other way. */
	if (flags & RENAME_EXCHANGE)
		err = first_error(
		    err, check_refer(&c, hook, new_dir->mnt, new_dir->dentry, old_dir->dentry));
	return account(&c, hook, err, false);
}

/* path_rename gained `flags` in 5.19 (before, the kernel called it twice for an exchange).
 * One program per parameter list: the loader keeps the one matching the kernel's BTF. */
SEC("lsm/path_rename")
int BPF_PROG(cvlsm_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	return check_rename(old_dir, old_dentry, new_dir, new_dentry, flags, ret);
}

SEC("lsm/path_rename")
int BPF_PROG(cvlsm_path_rename_no_flags, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, int ret)
{
	return check_rename(old_dir, old_dentry, new_dir, new_dentry, 0, ret);
}

SEC("lsm/path_truncate")
int BPF_PROG(cvlsm_path_truncate, const struct path *path, int ret)
{
	return check_write(CVLSM_HOOK_PATH_TRUNCATE, path, ret);
}

SEC("lsm/path_chmod")
int BPF_PROG(cvlsm_path_chmod, const struct path *path, umode_t mode, int ret)
{
	return check_write(CVLSM_HOOK_PATH_CHMOD, path, ret);
}

SEC("lsm/path_chown")
int BPF_PROG(cvlsm_path_chown, const struct path *path, __u32 uid, __u32 gid, int ret)
{
	return check_write(CVLSM_HOOK_PATH_CHOWN, path, ret);
}
