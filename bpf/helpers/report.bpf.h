/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the hooks decided, for people: per-CPU counts per enforced cgroup and hook (every
 * decision), and for each denial a record in cvlsm_denials and an event in the ring buffer
 * (rate-limited per cgroup and CPU). Only the count is on the hot path; a denial pays for
 * naming its object.
 */
#ifndef CVLSM_REPORT_BPF_H
#define CVLSM_REPORT_BPF_H

#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

#include "cvlsm_abi.h"
#include "maps.h"
#include "helpers/policy_lookup.bpf.h"

/* cvlsm_report's packed `detail` (a global function takes at most 5 scalars): hook 8 bits,
 * requested modes 4, flags 4, errno 16 (seccomp's go up to 4095), detail 32. */
#define REPORT_DETAIL(hook, requested, flags, error, detail)                                       \
	((__u64)((hook)&0xff) | (__u64)((requested)&0xf) << 8 | (__u64)((flags)&0xf) << 12 |       \
	 (__u64)((error)&0xffff) << 16 | (__u64)(__u32)(detail) << 32)

/*
 * Reports one denial of the current task: the record in cvlsm_denials (counted), and an
 * event unless the cgroup is over its rate. `vfsmnt` and `dentry` (0 for none) are the
 * object refused (a dentry without its mount is named within its filesystem); `detail` is
 * REPORT_DETAIL(...). Global: verified once per program. Defined in report.bpf.c.
 */
int cvlsm_report(__u64 cgroup, __u64 vfsmnt, __u64 dentry, __u64 detail);
/* The same for a network address (16 bytes: IPv4 as IPv4-mapped IPv6, in network order, in
 * two halves), written into the event's path. */
int cvlsm_report_net(__u64 cgroup, __u64 address_high, __u64 address_low, __u64 detail);
/* The same for a name (an abstract unix socket's) of `length` bytes at the kernel address
 * `name`. */
int cvlsm_report_name(__u64 cgroup, __u64 name, __u64 length, __u64 detail);

/* Reports a refusal (err, non-zero) of `needed` on an object; returns err. `flags`:
 * CVLSM_EVENT_FIXED for refusals that hold in audit mode too. */
static __always_inline int refuse(const struct confinement *c, __u32 hook, __u64 vfsmnt,
				  __u64 dentry, __u32 needed, int err, __u32 flags)
{
	if (c->policy->flags & CVLSM_POLICY_AUDIT && !(flags & CVLSM_EVENT_FIXED))
		flags |= CVLSM_EVENT_AUDIT;
	cvlsm_report(c->cgroup, vfsmnt, dentry, REPORT_DETAIL(hook, needed, flags, -err, 0));
	return err;
}

/* A refusal without an object (signals, ptrace, bpf): always enforced. */
static __always_inline int refuse_fixed(const struct confinement *c, __u32 hook, int err,
					__s32 detail)
{
	cvlsm_report(c->cgroup, 0, 0, REPORT_DETAIL(hook, 0, CVLSM_EVENT_FIXED, -err, detail));
	return err;
}

/* Counts the hook's decision for the cgroup, and returns what the hook returns: in audit
 * mode a policy's refusal is counted but not enforced, a fixed one (`fixed`) is. */
static __always_inline int account(const struct confinement *c, __u32 hook, int err, bool fixed)
{
	struct cvlsm_cgroup_stats *stats = bpf_map_lookup_elem(&cvlsm_stats, &c->cgroup);

	if (!err) {
		if (stats)
			stats->allowed[hook]++;
		return 0;
	}
	if (stats)
		stats->denied[hook]++;
	if (!fixed && (c->policy->flags & CVLSM_POLICY_AUDIT))
		return 0;
	return err;
}

#endif /* CVLSM_REPORT_BPF_H */
