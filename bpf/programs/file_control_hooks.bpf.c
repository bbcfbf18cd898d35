// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What a process does to a file it already holds, past read and write: fcntl() and ioctl().
 *
 *   lsm/file_fcntl  F_SETOWN names who gets the file's SIGIO (and SIGURG, lease breaks): the
 *                   kernel sends those without the task_kill hook, so a confined process may
 *                   name only itself. F_SETOWN_EX is refused: its owner is in user memory,
 *                   which could change between this check and the kernel's read. A lease
 *                   (F_SETLEASE) holds other processes' opens back: it needs w.
 *   lsm/file_ioctl  ioctls that change a file's flags (immutable, append-only), project or
 *                   verity need w, whatever the descriptor was opened for; so does any ioctl
 *                   on a device opened without write (SCSI pass-through, terminal settings),
 *                   except queries that change nothing.
 *
 * The routes the filter closes on every tier (FIOSETOWN and SIOCSPGRP, which pass the owner
 * through user memory; TIOCSTI, TIOCLINUX) never reach these hooks.
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

/* A pid number as the process that owns it sees numbers: in its own pid namespace, where
 * fcntl() looks the number up. */
static __always_inline __s32 pid_number_in_own_namespace(struct pid *pid)
{
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid upid = {};

	bpf_core_read(&upid, sizeof(upid), &pid->numbers[level & 31]);
	return upid.nr;
}

/* Whether an F_SETOWN argument names the calling process (or its thread), or nobody. */
static __always_inline bool owner_is_self(__s32 owner)
{
	if (owner == 0)
		return true; /* clears the owner */
	if (owner < 0)
		return false; /* a process group: it may hold processes outside */
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return owner ==
		   pid_number_in_own_namespace(BPF_CORE_READ(task, group_leader, thread_pid)) ||
	       owner == pid_number_in_own_namespace(BPF_CORE_READ(task, thread_pid));
}

/* The refusal of `needed` on an open file's object, reported with the command. */
static __always_inline int check_file_modes(const struct confinement *c, __u32 hook,
					    struct file *file, __u32 cmd, __u32 needed)
{
	struct vfsmount *vfsmnt = file->f_path.mnt;
	struct dentry *dentry = file->f_path.dentry;

	if (vfsmnt && dentry &&
	    (granted_modes(c->policy, vfsmnt, dentry, needed) & needed) == needed)
		return 0;
	__u32 flags = c->policy->flags & CVLSM_POLICY_AUDIT ? CVLSM_EVENT_AUDIT : 0;

	cvlsm_report(c->cgroup, address_of(vfsmnt), address_of(dentry),
		     REPORT_DETAIL(hook, needed, flags, EACCES, cmd));
	return -EACCES;
}

SEC("lsm/file_fcntl")
int BPF_PROG(cvlsm_file_fcntl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	/* Every other command first: fcntl is frequent, these three are not. */
	if (cmd != F_SETOWN && cmd != F_SETOWN_EX && cmd != F_SETLEASE)
		return 0;
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	__u32 hook = CVLSM_HOOK_FCNTL;

	if (cmd == F_SETLEASE) {
		if (arg == F_UNLCK)
			return account(&c, hook, 0, false);
		return account(&c, hook, check_file_modes(&c, hook, file, cmd, CVLSM_MODE_WRITE),
			       false);
	}
	if (cmd == F_SETOWN && owner_is_self((__s32)arg))
		return account(&c, hook, 0, true);
	cvlsm_report(c.cgroup, address_of(file->f_path.mnt), address_of(file->f_path.dentry),
		     REPORT_DETAIL(hook, 0, CVLSM_EVENT_FIXED, EPERM, cmd));
	return account(&c, hook, -EPERM, true);
}

/* ioctls that change a file's metadata rather than its contents. */
static __always_inline bool changes_metadata(__u32 cmd)
{
	switch (cmd) {
	case FS_IOC_SETFLAGS:
	case FS_IOC32_SETFLAGS:
	case FS_IOC_SETVERSION:
	case FS_IOC32_SETVERSION:
	case FS_IOC_FSSETXATTR:
	case FS_IOC_ENABLE_VERITY:
		return true;
	default:
		return false;
	}
}

/* Device ioctls that only read state, or set the descriptor's own flags. */
static __always_inline bool harmless_device_ioctl(__u32 cmd)
{
	switch (cmd) {
	case TCGETS:
	case TCGETS2:
	case TIOCGPGRP:
	case TIOCGSID:
	case TIOCGWINSZ:
	case TIOCOUTQ:
	case TIOCGPTN:
	case FIONREAD:
	case FIONBIO:
	case FIOCLEX:
	case FIONCLEX:
	case BLKROGET:
	case BLKGETSIZE:
	case BLKGETSIZE64:
	case BLKSSZGET:
	case BLKPBSZGET:
	case BLKIOMIN:
	case BLKIOOPT:
		return true;
	default:
		return false;
	}
}

SEC("lsm/file_ioctl")
int BPF_PROG(cvlsm_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	/* A descriptor opened for writing had its w checked at open. */
	if (file->f_mode & FMODE_WRITE)
		return 0;
	if (!changes_metadata(cmd)) {
		__u32 type = file->f_inode->i_mode & S_IFMT;

		if ((type != S_IFCHR && type != S_IFBLK) || harmless_device_ioctl(cmd))
			return 0;
	}
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	/* A process's own pipes, sockets and memfds: no rule names them, nobody else shares
	 * them through a path. */
	if (on_internal_mount(file->f_path.mnt))
		return account(&c, CVLSM_HOOK_IOCTL, 0, false);
	return account(&c, CVLSM_HOOK_IOCTL,
		       check_file_modes(&c, CVLSM_HOOK_IOCTL, file, cmd, CVLSM_MODE_WRITE), false);
}
