// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The hooks on files: opening one (r, w, or x for the kernel's exec opens), executing one
 * (x), making one's contents code in memory (x) and truncating an open file (w).
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

/* Whether the last component of `dentry` is `name` (len bytes, no NUL). Names are read only
 * on the rare paths that need them (procfs and cgroupfs writes). */
static __always_inline bool named(struct dentry *dentry, const char *name, __u32 len)
{
	char buffer[16] = {};

	if (dentry->d_name.len != len || len > sizeof(buffer))
		return false;
	bpf_probe_read_kernel(buffer, len, dentry->d_name.name);
	for (__u32 i = 0; i < sizeof(buffer) && i < len; i++) {
		if (buffer[i] != name[i])
			return false;
	}
	return true;
}

/*
 * Writes no policy may grant: /proc/<pid>/mem (it rewrites memory, read-only code
 * included, past mprotect), cgroup.procs/cgroup.threads of cgroup v2 (moving a process out
 * of its confined cgroup), and anything on bpffs (the pinned confinement itself).
 */
static __always_inline bool forbidden_write(struct dentry *dentry)
{
	unsigned long magic = dentry->d_sb->s_magic;

	if (magic == BPF_FS_MAGIC)
		return true;
	if (magic == PROC_SUPER_MAGIC)
		return named(dentry, "mem", 3);
	if (magic == CGROUP2_SUPER_MAGIC)
		return named(dentry, "cgroup.procs", 12) || named(dentry, "cgroup.threads", 14);
	return false;
}

/* The verdict of file_open for a confined task (0 or -EACCES, reported); *fixed is set
 * when the refusal is one no policy lifts. */
static __always_inline int file_open_verdict(const struct confinement *c, struct file *file,
					     bool *fixed)
{
	/*
	 * Pipes, sockets, anonymous inodes and memfds live on kernel-internal mounts that no
	 * path can name; a process reaches them only through a descriptor it already holds.
	 * Opening them (e.g. /proc/self/fd/N) is allowed; executing them is not (see below).
	 * Overlayfs backing files are allowed: the overlay file's own open was checked.
	 */
	struct vfsmount *vfsmnt = file->f_path.mnt;

	if (on_internal_mount(vfsmnt))
		return 0;

	__u32 fmode = file->f_mode;
	__u32 needed = 0;

	if (fmode & FMODE_EXEC) {
		needed = CVLSM_MODE_EXEC; /* the kernel opening a binary or ELF interpreter */
	} else {
		if (fmode & FMODE_READ)
			needed |= CVLSM_MODE_READ;
		if (fmode & FMODE_WRITE)
			needed |= CVLSM_MODE_WRITE;
		/* Access mode 3 asks for neither: a descriptor for ioctls. It needs r, like any
		 * open that reaches the object (the ioctls that change something need w). */
		if (!needed)
			needed = CVLSM_MODE_READ;
	}
	struct dentry *dentry = file->f_path.dentry;

	if (!vfsmnt || !dentry)
		return refuse(c, CVLSM_HOOK_FILE_OPEN, 0, 0, needed, -EACCES, 0);
	if ((needed & CVLSM_MODE_WRITE) && forbidden_write(dentry)) {
		*fixed = true;
		return refuse(c, CVLSM_HOOK_FILE_OPEN, address_of(vfsmnt), address_of(dentry),
			      needed, -EACCES, CVLSM_EVENT_FIXED);
	}
	/* The hot path: the walk inlined, with plain loads (path_walk.bpf.h). */
	if ((fast_granted_modes(c->policy, vfsmnt, dentry, needed, true) & needed) != needed)
		return refuse(c, CVLSM_HOOK_FILE_OPEN, address_of(vfsmnt), address_of(dentry),
			      needed, -EACCES, 0);
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(cvlsm_file_open, struct file *file, int ret)
{
	if (ret)
		return ret; /* an earlier LSM already refused: keep its verdict */
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	bool fixed = false;
	int err = file_open_verdict(&c, file, &fixed);

	return account(&c, CVLSM_HOOK_FILE_OPEN, err, fixed);
}

/*
 * Since 6.8 an overlayfs mapping holds the layer's real file (vma->vm_file), on a private
 * clone of the layer's mount, and keeps the path the process opened beside it: struct
 * backing_file, internal to the kernel, so read through CO-RE. Making such a mapping
 * executable (file_mprotect) needs x on that user path. Anything else on an internal mount
 * (memfd, MNT_INTERNAL mounts) cannot become code.
 */
struct backing_file___cvlsm {
	struct file file;
	struct path user_path;
} __attribute__((preserve_access_index));

static __always_inline int check_backing_file_exec(const struct confinement *c, __u32 hook,
						   struct file *file)
{
	/* Backing files sit on private clones (no MNT_INTERNAL); FMODE_BACKING is not used to
	 * tell them: its bit moved between kernels (25, then 24). */
	if (!bpf_core_field_exists(struct backing_file___cvlsm, user_path) ||
	    file->f_path.mnt->mnt_flags & MNT_INTERNAL)
		return refuse(c, hook, address_of(file->f_path.mnt),
			      address_of(file->f_path.dentry), CVLSM_MODE_EXEC, -EACCES, 0);
	struct backing_file___cvlsm *backing = (void *)file;

	return check_access(c, hook, BPF_CORE_READ(backing, user_path.mnt),
			    BPF_CORE_READ(backing, user_path.dentry), CVLSM_MODE_EXEC);
}

/* `x` on a file whose contents become code (exec or an executable mapping); a file no rule
 * can name (memfd, other internal mounts) cannot become code at all (fileless code).
 * Every exec passes here two or three times (bprm_check, then mmap_file per executable
 * segment and for the loader), so it takes the inlined walk like file_open (bench/). */
static __always_inline int check_exec(const struct confinement *c, __u32 hook, struct file *file)
{
	struct vfsmount *vfsmnt = file->f_path.mnt;
	struct dentry *dentry = file->f_path.dentry;

	if (!vfsmnt || !dentry)
		return refuse(c, hook, 0, 0, CVLSM_MODE_EXEC, -EACCES, 0);
	if (on_internal_mount(vfsmnt))
		return check_backing_file_exec(c, hook, file);
	if (!(fast_granted_modes(c->policy, vfsmnt, dentry, CVLSM_MODE_EXEC, false) &
	      CVLSM_MODE_EXEC))
		return refuse(c, hook, address_of(vfsmnt), address_of(dentry), CVLSM_MODE_EXEC,
			      -EACCES, 0);
	return 0;
}

static __always_inline int check_exec_mapping(__u32 hook, struct file *file)
{
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	return account(&c, hook, check_exec(&c, hook, file), false);
}

SEC("lsm/mmap_file")
int BPF_PROG(cvlsm_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret)
		return ret;
	/* Anonymous executable memory (JITs) carries no file, so no file rule applies; a SysV
	 * segment mapped with SHM_EXEC is anonymous memory too (S_PRIVATE, see below). */
	if (!file || !(prot & PROT_EXEC) || (file->f_inode->i_flags & S_PRIVATE))
		return 0;
	return check_exec_mapping(CVLSM_HOOK_MMAP_FILE, file);
}

SEC("lsm/file_mprotect")
int BPF_PROG(cvlsm_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	if (ret)
		return ret;
	/* Already executable: checked when it was mapped. */
	if (!(prot & PROT_EXEC) || (vma->vm_flags & VM_EXEC))
		return 0;
	struct file *file = vma->vm_file;

	/* A shared anonymous mapping is backed by a kernel-private shmem file (S_PRIVATE): it is
	 * anonymous memory like a private one, and stays allowed like it. */
	if (!file || (file->f_inode->i_flags & S_PRIVATE))
		return 0;
	return check_exec_mapping(CVLSM_HOOK_FILE_MPROTECT, file);
}

/* Only where the kernel has the hook (6.2+); the loader leaves it out elsewhere. */
SEC("lsm/file_truncate")
int BPF_PROG(cvlsm_file_truncate, struct file *file, int ret)
{
	if (ret)
		return ret;
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	__u32 hook = CVLSM_HOOK_FILE_TRUNCATE;
	int err = check_access(&c, hook, file->f_path.mnt, file->f_path.dentry, CVLSM_MODE_WRITE);

	return account(&c, hook, err, false);
}

SEC("lsm/bprm_check_security")
int BPF_PROG(cvlsm_bprm_check_security, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	struct confinement c;

	if (!current_confinement_at_exec(&c))
		return 0;
	struct file *file = bprm->file;
	/* Fileless exec (memfd, deleted internal files): no rule can name it, so deny. */
	int err = file ? check_exec(&c, CVLSM_HOOK_EXEC, file)
		       : refuse(&c, CVLSM_HOOK_EXEC, 0, 0, CVLSM_MODE_EXEC, -EACCES, 0);

	return account(&c, CVLSM_HOOK_EXEC, err, false);
}
