/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the hooks decided, for people: per-CPU counts per enforced cgroup and hook (every
 * decision), and for each denial a record in cvlsm_denials and an event in the ring buffer
 * (rate-limited per cgroup and CPU). Only the count is on the hot path; a denial pays for
 * naming its object.
 */
#ifndef CVLSM_REPORT_BPF_H
#define CVLSM_REPORT_BPF_H

/* cvlsm_report's packed `detail` (a global function takes at most 5 scalars): hook 8 bits,
 * requested modes 4, flags 4, errno 16 (seccomp's go up to 4095), detail 32. */
#define REPORT_DETAIL(hook, requested, flags, error, detail)                                       \
	((__u64)((hook)&0xff) | (__u64)((requested)&0xf) << 8 | (__u64)((flags)&0xf) << 12 |       \
	 (__u64)((error)&0xffff) << 16 | (__u64)(__u32)(detail) << 32)

/* Names the object `dentry` in the mount `vfsmnt` into the event: components leaf first,
 * up to the root of the mount namespace (mounts crossed like the path walk does). */
static __always_inline void name_object(struct cvlsm_report_scratch *scratch, __u64 vfsmnt,
					__u64 dentry)
{
	struct cvlsm_event *event = &scratch->record.first;
	struct path_pos pos;
	__u32 length = 0;
	bool complete = false;

	path_pos_at(&pos, vfsmnt, dentry);
	for (int step = 0; step < CVLSM_EVENT_PATH_DEPTH; step++) {
		struct dentry *component = pos.dentry;
		enum path_step moved = path_step_up(&pos);

		if (moved == PATH_STEP_MOUNT)
			continue;
		if (moved == PATH_STEP_NS_ROOT) {
			complete = true;
			break;
		}
		/* The root of a filesystem mounted nowhere: a memfd, a pipe. No path names it; its
		 * own name ("memfd:x") is kept when it is the object itself. */
		bool unreachable = moved == PATH_STEP_FS_ROOT;

		if (unreachable && length > 0) {
			event->flags |= CVLSM_EVENT_NO_PATH;
			complete = true;
			break;
		}
		if (length >= CVLSM_EVENT_PATH_MAX)
			break;
		/* The bound is the whole buffer at any offset: `spill` takes the overflow. */
		long copied = bpf_probe_read_kernel_str(
		    &event->path[length & (CVLSM_EVENT_PATH_MAX - 1)], CVLSM_EVENT_PATH_MAX,
		    BPF_CORE_READ(component, d_name.name));

		if (copied <= 0)
			break;
		if (length + copied > CVLSM_EVENT_PATH_MAX)
			break; /* this component did not fit: the path ends at the one before */
		length += copied;
		if (unreachable) {
			event->flags |= CVLSM_EVENT_NO_PATH;
			complete = true;
			break;
		}
	}
	event->path_length = length;
	if (!complete)
		event->flags |= CVLSM_EVENT_TRUNCATED;
}

/* Whether this CPU may send one more event for the cgroup this second. */
static __always_inline bool within_rate(struct cvlsm_cgroup_stats *stats, __u64 now)
{
	if (now - stats->window_start >= 1000000000ull) {
		stats->window_start = now;
		stats->window_events = 0;
	}
	if (stats->window_events >= CVLSM_EVENTS_PER_SECOND)
		return false;
	stats->window_events++;
	return true;
}

/*
 * Reports one denial of the current task: the record in cvlsm_denials (counted), and an
 * event unless the cgroup is over its rate. `vfsmnt` and `dentry` (0 for none) are the
 * object refused; `detail` is REPORT_DETAIL(...). Global: verified once per program.
 */
__noinline int cvlsm_report(__u64 cgroup, __u64 vfsmnt, __u64 dentry, __u64 detail)
{
	__u32 zero = 0;
	struct cvlsm_report_scratch *scratch = bpf_map_lookup_elem(&cvlsm_report_scratch, &zero);

	if (!scratch)
		return 0;
	struct cvlsm_event *event = &scratch->record.first;
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	event->time_ns = bpf_ktime_get_boot_ns();
	event->cgroup = cgroup;
	event->pid = pid_tgid >> 32;
	event->tid = (__u32)pid_tgid;
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	event->hook = detail & 0xff;
	event->requested = (detail >> 8) & 0xf;
	event->flags = (detail >> 12) & 0xf;
	event->error = (detail >> 16) & 0xffff;
	event->detail = (__s32)(detail >> 32);
	event->path_length = 0;
	struct inode *inode = NULL;

	if (vfsmnt && dentry) {
		name_object(scratch, vfsmnt, dentry);
		inode = BPF_CORE_READ((struct dentry *)dentry, d_inode);
	} else if (event->requested) {
		event->flags |= CVLSM_EVENT_NO_PATH; /* a path access without an object */
	}

	struct cvlsm_cgroup_stats *stats = bpf_map_lookup_elem(&cvlsm_stats, &cgroup);

	if (!stats)
		return 0; /* not (or no longer) confined: the manager makes the entry first */
	/* The scratch buffer is this CPU's: a task preempted while filling it may find it
	 * filled by another since. Its report is then dropped rather than mixed. */
	if (event->tid != (__u32)pid_tgid) {
		stats->events_dropped++;
		return 0;
	}
	struct cvlsm_denial_key key = {
	    .cgroup = cgroup,
	    .object = (__u64)inode,
	    .ino = inode ? BPF_CORE_READ(inode, i_ino) : 0,
	    .hook = event->hook,
	    .requested = event->requested,
	    .detail = event->detail,
	    .flags = event->flags & ~CVLSM_EVENT_TRUNCATED,
	};
	struct cvlsm_denial_record *record = bpf_map_lookup_elem(&cvlsm_denials, &key);

	if (record) {
		__sync_fetch_and_add(&record->count, 1);
		record->last_ns = event->time_ns;
	} else if (stats->records_made >= cvlsm_state.records_per_cpu) {
		stats->records_dropped++; /* this CPU's share of the table for the cgroup is used */
	} else {
		scratch->record.count = 1;
		scratch->record.last_ns = event->time_ns;
		long err = bpf_map_update_elem(&cvlsm_denials, &key, &scratch->record, BPF_NOEXIST);

		/* EEXIST: another CPU recorded it first, and this one occurrence goes uncounted. */
		if (!err)
			stats->records_made++;
		else if (err != -EEXIST)
			stats->records_dropped++;
	}
	if (!within_rate(stats, event->time_ns) ||
	    bpf_ringbuf_output(&cvlsm_events, event, sizeof(*event), 0))
		stats->events_dropped++;
	return 0;
}

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
