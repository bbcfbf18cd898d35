// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Syscalls the seccomp filter refused, counted and reported like the LSM hooks' denials.
 * __secure_computing() runs only for tasks that have a filter, but for every such task on
 * the machine, so this program is attached only on request (cv-lsm load
 * --count-syscall-denials). The function returns -1 when the syscall is skipped, and the
 * filter's errno is then already in the syscall's return register.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "build_variant.h"
#include "cvlsm_abi.h"
#include "kernel_constants.h"
#include "helpers/policy_lookup.bpf.h"
#include "helpers/report.bpf.h"

/* The registers the current syscall entered with. */
static __always_inline struct pt_regs *current_syscall_regs(void)
{
#if CVLSM_HAS_TASK_PT_REGS
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
#elif defined(__TARGET_ARCH_x86)
	/* task_pt_regs() of x86_64: the top of the task's kernel stack (no padding on 64-bit). */
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return (struct pt_regs *)((__u64)BPF_CORE_READ(task, stack) + X86_64_THREAD_SIZE) - 1;
#else
	/* arm64 traces functions from 6.0 on, which has bpf_loop(): the pre-5.17 build's
	 * program is never loaded there. */
	return NULL;
#endif
}

static __always_inline int report_seccomp_refusal(int ret)
{
	if (ret != -1)
		return 0;
	struct confinement c;

	if (!current_confinement(&c))
		return 0;
	struct pt_regs *regs = current_syscall_regs();
	long nr = -1, result = -EPERM;

	if (regs) {
#if defined(__TARGET_ARCH_x86)
		nr = BPF_CORE_READ(regs, orig_ax);
		result = BPF_CORE_READ(regs, ax);
#elif defined(__TARGET_ARCH_arm64)
		nr = BPF_CORE_READ(regs, syscallno);
		result = BPF_CORE_READ(regs, regs[0]);
#endif
	}
	/* ENOSYS is the filter's redirect of clone3 to clone, not a refusal. */
	if (result == -ENOSYS || result >= 0 || result < -MAX_ERRNO)
		return 0;
	/* In audit mode the filter refuses only what protects the engine (the rest is reported
	 * by the launcher and runs): fixed refusals, not the policy's to learn. */
	__u32 flags = c.policy->flags & CVLSM_POLICY_AUDIT ? CVLSM_EVENT_FIXED : 0;

	cvlsm_report(c.cgroup, 0, 0, REPORT_DETAIL(CVLSM_HOOK_SYSCALL, 0, flags, -result, nr));
	account(&c, CVLSM_HOOK_SYSCALL, (int)result, true);
	return 0;
}

/* __secure_computing lost its `sd` parameter in 6.15. One program per parameter list: the
 * loader keeps the one matching the kernel's BTF. */
SEC("fexit/__secure_computing")
int BPF_PROG(cvlsm_seccomp_exit, const struct seccomp_data *sd, int ret)
{
	return report_seccomp_refusal(ret);
}

SEC("fexit/__secure_computing")
int BPF_PROG(cvlsm_seccomp_exit_no_args, int ret)
{
	return report_seccomp_refusal(ret);
}
