// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cvlsm_report (report.bpf.h): the record and event of one denial, with the path of the
 * object refused.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "cvlsm_abi.h"
#include "kernel_constants.h"
#include "maps.h"
#include "helpers/path_step.bpf.h"
#include "helpers/report.bpf.h"

/* Names the object `dentry` in the mount `vfsmnt` into the event: components leaf first,
 * up to the root of the mount namespace, crossing mounts as the rule walk does. */
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

/* The event of a refusal: who, when, and what `detail` (REPORT_DETAIL) says; the caller
 * adds the object. NULL when there is no scratch buffer. */
static __always_inline struct cvlsm_report_scratch *start_report(__u64 cgroup, __u64 detail,
								 __u64 pid_tgid)
{
	__u32 zero = 0;
	struct cvlsm_report_scratch *scratch = bpf_map_lookup_elem(&cvlsm_report_scratch, &zero);

	if (!scratch)
		return NULL;
	struct cvlsm_event *event = &scratch->record.first;

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
	return scratch;
}

/* Counts the refusal in the cgroup's denial table under (object, ino) and sends its event,
 * within the cgroup's rate. */
static __always_inline int finish_report(struct cvlsm_report_scratch *scratch, __u64 cgroup,
					 __u64 object, __u64 ino, __u64 pid_tgid)
{
	struct cvlsm_event *event = &scratch->record.first;
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
	    .object = object,
	    .ino = ino,
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

__noinline int cvlsm_report(__u64 cgroup, __u64 vfsmnt, __u64 dentry, __u64 detail)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct cvlsm_report_scratch *scratch = start_report(cgroup, detail, pid_tgid);

	if (!scratch)
		return 0;
	struct cvlsm_event *event = &scratch->record.first;
	struct inode *inode = NULL;

	if (dentry) {
		/* Without a mount (the metadata hooks): named up to its filesystem's root, with
		 * CVLSM_EVENT_NO_PATH. */
		name_object(scratch, vfsmnt, dentry);
		inode = BPF_CORE_READ((struct dentry *)dentry, d_inode);
	} else if (event->requested) {
		event->flags |= CVLSM_EVENT_NO_PATH; /* a path access without an object */
	}
	return finish_report(scratch, cgroup, (__u64)inode, inode ? BPF_CORE_READ(inode, i_ino) : 0,
			     pid_tgid);
}

__noinline int cvlsm_report_net(__u64 cgroup, __u64 address_high, __u64 address_low,
				__u64 detail)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct cvlsm_report_scratch *scratch = start_report(cgroup, detail, pid_tgid);

	if (!scratch)
		return 0;
	struct cvlsm_event *event = &scratch->record.first;

	__builtin_memcpy(&event->path[0], &address_high, 8);
	__builtin_memcpy(&event->path[8], &address_low, 8);
	event->path_length = 16;
	event->flags |= CVLSM_EVENT_NO_PATH;
	return finish_report(scratch, cgroup, address_high, address_low, pid_tgid);
}

__noinline int cvlsm_report_name(__u64 cgroup, __u64 name, __u64 length, __u64 detail)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct cvlsm_report_scratch *scratch = start_report(cgroup, detail, pid_tgid);

	if (!scratch)
		return 0;
	struct cvlsm_event *event = &scratch->record.first;
	__u32 size = length & (CVLSM_EVENT_PATH_MAX - 1);

	__builtin_memset(event->path, 0, 16); /* the record's key reads the first 16 bytes */
	event->path_length = 0;
	if (size > 0 && !bpf_probe_read_kernel(event->path, size, (const void *)name))
		event->path_length = size;
	event->flags |= CVLSM_EVENT_NO_PATH;
	/* Records tell names apart by their first 16 bytes. */
	__u64 head = 0, tail = 0;

	__builtin_memcpy(&head, &event->path[0], 8);
	__builtin_memcpy(&tail, &event->path[8], 8);
	return finish_report(scratch, cgroup, head, tail, pid_tgid);
}
