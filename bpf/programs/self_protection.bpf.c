// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The engine protects itself and the rest of the machine from a confined process: no BPF
 * at all (its maps, programs and links are the policy), no signals to and no ptrace of a
 * process outside its own confinement. Leaving the cgroup (cgroup.procs) is refused in
 * file_open. The syscall filter refuses bpf and ptrace too; these hooks hold whatever the
 * syscall policy says.
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
 * (the same enforced cgroup, policy for policy). */
static __always_inline int check_same_confinement(__u32 hook, struct task_struct *target, int ret)
{
	if (ret)
		return ret;
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	__u64 target_cgroup = 0;
	struct cvlsm_cgroup_policy *target_policy = task_policy(target, &target_cgroup);
	int err = 0;

	if (!target_policy || target_policy->policy_id != c.policy->policy_id)
		err = refuse_fixed(&c, hook, -EPERM, BPF_CORE_READ(target, tgid));
	return account(&c, hook, err, true);
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
