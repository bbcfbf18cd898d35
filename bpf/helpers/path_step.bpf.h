/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One step up a path, the move of every walk in cv-lsm: from a dentry to its parent or, at
 * the root of a mount, to the mount point it covers in the parent mount. The rule walk
 * (cvlsm_walk) and the naming of a refused object (cvlsm_report) take it.
 *
 * A position is held as plain kernel addresses, read with probe reads: crossing a mount
 * needs its struct mount, which surrounds the struct vfsmount a hook is given (the kernel's
 * real_mount(), a container_of), and the verifier does not type a pointer made that way.
 * The hot walk of file_open and exec (fast_granted_modes) follows the typed pointers of its
 * hook with plain loads instead, one instruction per read instead of a helper call, so it
 * takes its in-mount steps itself and hands over to cvlsm_walk at its mount's root: every
 * mount crossing is the one below.
 */
#ifndef CVLSM_PATH_STEP_BPF_H
#define CVLSM_PATH_STEP_BPF_H

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/* The address a BTF pointer holds, as a plain number: a global function takes scalars only,
 * and the verifier keeps a typed pointer typed through any arithmetic. */
static __always_inline __u64 address_of(const void *ptr)
{
	__u64 address = 0;

	bpf_probe_read_kernel(&address, sizeof(address), &ptr);
	return address;
}

/* The struct mount around the struct vfsmount at `vfsmnt` (the kernel's real_mount()). */
static __always_inline struct mount *real_mount(__u64 vfsmnt)
{
	return (struct mount *)(vfsmnt - bpf_core_field_offset(struct mount, mnt));
}

/* Where a walk up a path stands: plain addresses, read through probe reads. */
struct path_pos {
	struct mount *mnt;	 /* the mount of the current component */
	struct dentry *dentry;	 /* the current component */
	struct dentry *mnt_root; /* the root dentry of `mnt` */
};

/* The position of `dentry` in the mount of the vfsmount at `vfsmnt`. With `vfsmnt` 0, in
 * no mount: the steps then stop at the root of the dentry's filesystem (PATH_STEP_FS_ROOT). */
static __always_inline void path_pos_at(struct path_pos *pos, __u64 vfsmnt, __u64 dentry)
{
	pos->dentry = (struct dentry *)dentry;
	if (!vfsmnt) {
		pos->mnt = NULL;
		pos->mnt_root = NULL;
		return;
	}
	pos->mnt = real_mount(vfsmnt);
	pos->mnt_root = BPF_CORE_READ((struct vfsmount *)vfsmnt, mnt_root);
}

/* What path_step_up() did. */
enum path_step {
	/* Moved to the parent directory: the dentry left behind is a component of the path. */
	PATH_STEP_PARENT,
	/* Moved from the root of a mount to the mount point it covers: the same place in the
	 * tree, so no component. */
	PATH_STEP_MOUNT,
	/* Did not move: at the root of the mount namespace. */
	PATH_STEP_NS_ROOT,
	/* Did not move: at the root of a filesystem mounted nowhere (pipes, sockets, memfds),
	 * which no path reaches. Its dentry is a component (its name, "memfd:x"). */
	PATH_STEP_FS_ROOT,
};

/* One step up from `pos` (moved in place). The kernel's structs are read through locals:
 * inside BPF_CORE_READ, `pos->mnt` would itself become a CO-RE access, of a type the kernel
 * does not have. */
static __always_inline enum path_step path_step_up(struct path_pos *pos)
{
	struct mount *mnt = pos->mnt;
	struct dentry *dentry = pos->dentry;

	if (dentry == pos->mnt_root) {
		struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);

		if (parent == mnt)
			return PATH_STEP_NS_ROOT;
		pos->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		pos->mnt = parent;
		pos->mnt_root = BPF_CORE_READ(parent, mnt.mnt_root);
		return PATH_STEP_MOUNT;
	}
	struct dentry *up = BPF_CORE_READ(dentry, d_parent);

	if (up == dentry)
		return PATH_STEP_FS_ROOT;
	pos->dentry = up;
	return PATH_STEP_PARENT;
}

#endif /* CVLSM_PATH_STEP_BPF_H */
