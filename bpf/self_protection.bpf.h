/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The engine protects itself and the rest of the machine from a confined process: no BPF
 * at all (its maps, programs and links are the policy), no signals to and no ptrace of a
 * process outside its own confinement. Leaving the cgroup (cgroup.procs) is refused in
 * file_open. The syscall filter refuses bpf and ptrace too; these hooks hold whatever the
 * syscall policy says.
 */
#ifndef CVLSM_SELF_PROTECTION_BPF_H
#define CVLSM_SELF_PROTECTION_BPF_H

#define EPERM 1

/* The bpf hook gained a 4th parameter (`kernel`) in later kernels. One program per
 * parameter list: the loader keeps the one matching the kernel's BTF. */
SEC("lsm/bpf")
int BPF_PROG(cvlsm_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	if (ret)
		return ret;
	return current_policy() ? -EPERM : 0;
}

SEC("lsm/bpf")
int BPF_PROG(cvlsm_bpf_kernel_arg, int cmd, union bpf_attr *attr, unsigned int size, bool kernel,
	     int ret)
{
	if (ret)
		return ret;
	return current_policy() ? -EPERM : 0;
}

/* Whether a confined current task may act on `target`: only inside its own confinement
 * (the same enforced cgroup, policy for policy). */
static __always_inline int check_same_confinement(struct task_struct *target)
{
	struct cvlsm_cgroup_policy *policy = current_policy();

	if (!policy)
		return 0;
	__u64 target_cgroup = 0;
	struct cvlsm_cgroup_policy *target_policy = task_policy(target, &target_cgroup);

	if (!target_policy || target_policy->policy_id != policy->policy_id)
		return -EPERM;
	return 0;
}

SEC("lsm/task_kill")
int BPF_PROG(cvlsm_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	if (ret)
		return ret;
	return check_same_confinement(p);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(cvlsm_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	if (ret)
		return ret;
	return check_same_confinement(child);
}

#endif /* CVLSM_SELF_PROTECTION_BPF_H */
