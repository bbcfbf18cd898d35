/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every map of the cv-lsm programs, and their global state, in one place. Userspace reaches
 * them through the skeleton (skel->maps.<name>), never by name string.
 *
 * Each unit of the object includes this header and sees them declared (extern); the one
 * definition is in cvlsm.bpf.c, which defines CVLSM_DEFINE_MAPS before including it. The
 * linker would keep one of several definitions but leave the others' space in the
 * section, and the manager maps .bss as exactly one cvlsm_global_state.
 */
#ifndef CVLSM_MAPS_H
#define CVLSM_MAPS_H

#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

#include "cvlsm_abi.h"

#ifdef CVLSM_DEFINE_MAPS
#define CVLSM_MAP
#else
#define CVLSM_MAP extern
#endif

/* Enforced cgroups: cgroup v2 id -> the policy that confines it and its descendants. */
CVLSM_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CVLSM_MAX_ENFORCED_CGROUPS);
	__type(key, __u64);
	__type(value, struct cvlsm_cgroup_policy);
} cvlsm_cgroups SEC(".maps");

/* Path rules: (policy id, struct inode address) of a named object -> modes for it and below
 * it. Not preallocated: the size is a ceiling for large policies, not a cost paid up front. */
CVLSM_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CVLSM_MAX_PATH_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cvlsm_rule_key);
	__type(value, struct cvlsm_rule_value);
} cvlsm_path_rules SEC(".maps");

/* Rule inodes: struct inode address -> the generation rules on it carry (cvlsm_rule_key).
 * Deleted by the programs when the inode is freed; made by a manager holding the inode. */
CVLSM_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CVLSM_MAX_PATH_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, __u64);
} cvlsm_rule_inodes SEC(".maps");

/* The rule filter (cvlsm_abi.h): bit cvlsm_rule_filter_bit(inode) of word bit / 64 is set
 * when some rule may name that inode. Mapped into the managers' memory, who set bits with
 * atomic ORs. */
CVLSM_MAP struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CVLSM_RULE_FILTER_WORDS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} cvlsm_rule_filter SEC(".maps");

/* Resolution requests: thread id -> the object its next stat() reaches, filled in by the
 * resolver program (always attached, it acts only while cvlsm_state.resolvers_active). */
CVLSM_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct cvlsm_object_id);
} cvlsm_resolve_requests SEC(".maps");

/* Cgroups whose policy waits for their first exec. The cgroup entry's wait_for_exec is only
 * the hint that sends the hooks here: the exec deletes this entry, so no rewrite of the
 * cgroup entry by a manager (which copies the hint) can make a policy wait again. */
CVLSM_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CVLSM_MAX_ENFORCED_CGROUPS);
	__type(key, __u64);
	__type(value, __u32);
} cvlsm_exec_waits SEC(".maps");

/* Network rules, folded per prefix (cvlsm_abi.h, cvlsm_net4_key): the longest match for
 * (policy id, selector, address) holds the ports allowed there. No entry: refused. LPM tries
 * must not be preallocated; the size is a ceiling. */
CVLSM_MAP struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, CVLSM_MAX_NET_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cvlsm_net4_key);
	__type(value, struct cvlsm_net_ports);
} cvlsm_net4 SEC(".maps");

CVLSM_MAP struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, CVLSM_MAX_NET_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cvlsm_net6_key);
	__type(value, struct cvlsm_net_ports);
} cvlsm_net6 SEC(".maps");

/* Abstract unix sockets outside its confinement that a policy's processes may reach. */
CVLSM_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CVLSM_MAX_UNIX_NAMES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cvlsm_unix_name_key);
	__type(value, __u32);
} cvlsm_unix_names SEC(".maps");

/* Per enforced cgroup and CPU: the hooks' counts (no shared counter on the hot path). */
CVLSM_MAP struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, CVLSM_MAX_ENFORCED_CGROUPS);
	/* Entries are made by the manager only: no per-CPU memory for unused slots. */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct cvlsm_cgroup_stats);
} cvlsm_stats SEC(".maps");

/* Every distinct denial with its count and first occurrence: the most-denied operations,
 * and what `learn` reads (complete, unlike the rate-limited events). */
CVLSM_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CVLSM_MAX_DENIAL_RECORDS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cvlsm_denial_key);
	__type(value, struct cvlsm_denial_record);
} cvlsm_denials SEC(".maps");

/* Denial events for `cv-lsm events`. */
CVLSM_MAP struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, CVLSM_EVENT_RING_BYTES);
} cvlsm_events SEC(".maps");

/* Where a report is put together (too large for the stack). The path is read component by
 * component at a variable offset with the full bound each time: `spill` keeps every such
 * write inside the value, and only CVLSM_EVENT_PATH_MAX bytes are ever reported. */
struct cvlsm_report_scratch {
	struct cvlsm_denial_record record; /* record.first.path is its last member */
	char spill[CVLSM_EVENT_PATH_MAX];
};
CVLSM_MAP struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cvlsm_report_scratch);
} cvlsm_report_scratch SEC(".maps");

/* Global state (cvlsm_abi.h), the only variable of .bss; volatile: userspace changes it
 * under the programs. */
CVLSM_MAP volatile struct cvlsm_global_state cvlsm_state;

#endif /* CVLSM_MAPS_H */
