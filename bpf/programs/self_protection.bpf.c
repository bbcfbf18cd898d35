// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The engine protects itself and the rest of the machine from a confined process: no BPF
 * at all (its maps, programs and links are the policy), and nothing done to a process
 * outside its own confinement: no signal, no ptrace, no change of its priority, scheduling,
 * I/O priority, resource limits, memory placement or process group. The launcher (`cv-lsm
 * run`, a C API manager) is such a process. Leaving the cgroup (cgroup.procs) is refused in
 * file_open; signals sent on the process's behalf (SIGIO) are refused where the owner is
 * set (file_control_hooks.bpf.c). The syscall filter refuses bpf and ptrace too; these
 * hooks hold whatever the syscall policy says.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "cvlsm_abi.h"
#include "kernel_constants.h"
#include "helpers/policy_lookup.bpf.h"
#include "helpers/report.bpf.h"

/* No bpf() at all for a confined process: refused even in audit mode. */
static __always_inline int check_bpf(int cmd, int ret)
{
	if (ret)
		return ret;
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	return account(&c, CVLSM_HOOK_BPF, refuse_fixed(&c, CVLSM_HOOK_BPF, -EPERM, cmd), true);
}

/* The bpf hook gained a 4th parameter (`kernel`) in later kernels. One program per
 * parameter list: the loader keeps the one matching the kernel's BTF. */
SEC("lsm/bpf")
int BPF_PROG(cvlsm_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	return check_bpf(cmd, ret);
}

SEC("lsm/bpf")
int BPF_PROG(cvlsm_bpf_kernel_arg, int cmd, union bpf_attr *attr, unsigned int size, bool kernel,
	     int ret)
{
	return check_bpf(cmd, ret);
}

/* Whether a confined current task may act on `target`: only inside its own confinement
 * (the same enforced cgroup, policy for policy). `operation` is a CVLSM_TASK_* for
 * CVLSM_HOOK_TASK_CHANGE, else 0. */
static __always_inline int check_same_confinement_of(__u32 hook, __u32 operation,
						     struct task_struct *target, int ret)
{
	if (ret)
		return ret;
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	__u64 target_cgroup = 0;
	struct cvlsm_cgroup_policy *target_policy = task_policy(target, &target_cgroup);
	int err = 0;

	if (!target_policy || target_policy->policy_id != c.policy->policy_id) {
		__s32 pid = BPF_CORE_READ(target, tgid);

		err = refuse_fixed(&c, hook, -EPERM,
				   operation ? CVLSM_TASK_DETAIL(operation, pid) : pid);
	}
	return account(&c, hook, err, true);
}

static __always_inline int check_same_confinement(__u32 hook, struct task_struct *target, int ret)
{
	return check_same_confinement_of(hook, 0, target, ret);
}

/* Changes to another process: each hook gets the target task (setpriority(PRIO_USER) and
 * PRIO_PGRP call task_setnice once per process reached). */
static __always_inline int check_task_change(__u32 operation, struct task_struct *target, int ret)
{
	return check_same_confinement_of(CVLSM_HOOK_TASK_CHANGE, operation, target, ret);
}

SEC("lsm/task_kill")
int BPF_PROG(cvlsm_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	return check_same_confinement(CVLSM_HOOK_TASK_KILL, p, ret);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(cvlsm_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	return check_same_confinement(CVLSM_HOOK_PTRACE, child, ret);
}

SEC("lsm/task_setnice")
int BPF_PROG(cvlsm_task_setnice, struct task_struct *p, int nice, int ret)
{
	return check_task_change(CVLSM_TASK_NICE, p, ret);
}

SEC("lsm/task_setioprio")
int BPF_PROG(cvlsm_task_setioprio, struct task_struct *p, int ioprio, int ret)
{
	return check_task_change(CVLSM_TASK_IOPRIO, p, ret);
}

/* sched_setscheduler, sched_setparam, sched_setattr and sched_setaffinity. */
SEC("lsm/task_setscheduler")
int BPF_PROG(cvlsm_task_setscheduler, struct task_struct *p, int ret)
{
	return check_task_change(CVLSM_TASK_SCHEDULER, p, ret);
}

/* prlimit64 on another process: an RLIMIT_NOFILE of 0 set on the launcher would stop it
 * from cleaning up. setrlimit on itself passes here with itself as the target. */
SEC("lsm/task_setrlimit")
int BPF_PROG(cvlsm_task_setrlimit, struct task_struct *p, unsigned int resource,
	     struct rlimit *new_rlim, int ret)
{
	return check_task_change(CVLSM_TASK_RLIMIT, p, ret);
}

SEC("lsm/task_movememory")
int BPF_PROG(cvlsm_task_movememory, struct task_struct *p, int ret)
{
	return check_task_change(CVLSM_TASK_MEMORY, p, ret);
}

SEC("lsm/task_setpgid")
int BPF_PROG(cvlsm_task_setpgid, struct task_struct *p, pid_t pgid, int ret)
{
	return check_task_change(CVLSM_TASK_PGID, p, ret);
}
