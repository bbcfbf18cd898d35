/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Which policy confines a task: the nearest of its cgroup v2 ancestors in cvlsm_cgroups. */
#ifndef CVLSM_POLICY_LOOKUP_BPF_H
#define CVLSM_POLICY_LOOKUP_BPF_H

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "build_variant.h"
#include "maps.h"

static __always_inline struct cgroup *cgroup_parent(struct cgroup *cgrp)
{
	/* cgroup->self is the cgroup's own css; its parent css is embedded in the parent. */
	struct cgroup_subsys_state *parent_css = BPF_CORE_READ(cgrp, self.parent);

	if (!parent_css)
		return NULL;
	return (struct cgroup *)((void *)parent_css - bpf_core_field_offset(struct cgroup, self));
}

/* The policy of the nearest enforced cgroup among `cgrp` and its ancestors, or NULL if
 * none; *enforced is that cgroup's id. */
static __always_inline struct cvlsm_cgroup_policy *cgroup_policy(struct cgroup *cgrp,
								 __u64 *enforced)
{
	for (int level = 0; level < CVLSM_MAX_CGROUP_DEPTH; level++) {
		if (!cgrp)
			return NULL;
		__u64 id = BPF_CORE_READ(cgrp, kn, id);
		struct cvlsm_cgroup_policy *policy = bpf_map_lookup_elem(&cvlsm_cgroups, &id);

		if (policy) {
			*enforced = id;
			return policy;
		}
		cgrp = cgroup_parent(cgrp);
	}
	/* Not reached for confined processes: the manager limits nesting below an enforced
	 * cgroup (cgroup.max.depth) to what this loop searches. */
	return NULL;
}

/* The policy of the nearest enforced cgroup of `task` (see cgroup_policy). */
static __always_inline struct cvlsm_cgroup_policy *task_policy(struct task_struct *task,
							       __u64 *enforced)
{
	return cgroup_policy(BPF_CORE_READ(task, cgroups, dfl_cgrp), enforced);
}

/* The policy of the nearest enforced cgroup of the current task. Every hook asks, confined
 * process or not: with a typed task pointer the walk is plain loads and one map lookup per
 * level, not a probe-read call per field. */
static __always_inline struct cvlsm_cgroup_policy *current_policy(__u64 *enforced)
{
#if CVLSM_HAS_TASK_BTF
	struct cgroup *cgrp = bpf_get_current_task_btf()->cgroups->dfl_cgrp;

	for (int level = 0; level < CVLSM_MAX_CGROUP_DEPTH; level++) {
		if (!cgrp)
			return NULL;
		__u64 id = cgrp->kn->id;
		struct cvlsm_cgroup_policy *policy = bpf_map_lookup_elem(&cvlsm_cgroups, &id);

		if (policy) {
			*enforced = id;
			return policy;
		}
		struct cgroup_subsys_state *parent = cgrp->self.parent;

		if (!parent)
			return NULL;
		cgrp = parent->cgroup;
	}
	return NULL;
#else
	return task_policy((struct task_struct *)bpf_get_current_task(), enforced);
#endif
}

/* The current task's confinement: its policy and the enforced cgroup it counts under. */
struct confinement {
	struct cvlsm_cgroup_policy *policy;
	__u64 cgroup;
};

/* Fills `c` when the current task is confined. A cgroup whose policy waits for its first
 * exec is not confined yet, except `at_exec`: that exec puts the policy in force and is
 * checked by it (racing execs all delete the same entry and store the same zero). */
static __always_inline bool current_confinement_of(struct confinement *c, bool at_exec)
{
	c->cgroup = 0;
	c->policy = current_policy(&c->cgroup);
	if (!c->policy)
		return false;
	if (c->policy->wait_for_exec) {
		if (at_exec)
			bpf_map_delete_elem(&cvlsm_exec_waits, &c->cgroup);
		else if (bpf_map_lookup_elem(&cvlsm_exec_waits, &c->cgroup))
			return false;
		/* A hint a manager's rewrite copied: the wait is over. */
		c->policy->wait_for_exec = 0;
	}
	return true;
}

static __always_inline bool current_confinement(struct confinement *c)
{
	return current_confinement_of(c, false);
}

static __always_inline bool current_confinement_at_exec(struct confinement *c)
{
	return current_confinement_of(c, true);
}

#endif /* CVLSM_POLICY_LOOKUP_BPF_H */
