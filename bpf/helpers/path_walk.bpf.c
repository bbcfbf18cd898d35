// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* cvlsm_walk (path_walk.bpf.h): the general walk of the rules, as a bpf_loop() or, in the
 * build for kernels before 5.17, as a bounded loop (build_variant.h). */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "build_variant.h"
#include "cvlsm_abi.h"
#include "helpers/path_step.bpf.h"
#include "helpers/path_walk.bpf.h"

/* Where a walk stands and what it found so far. */
struct walk_state {
	struct path_pos pos;
	struct cvlsm_rule_key key;
	__u32 allow, deny, needed;
	bool walk_all, with_rules, done;
	__u32 result;
};

#if !CVLSM_HAS_BPF_LOOP
/* Not inlined in the bounded loop: with the whole step in the loop, the compiler places the
 * latch before the header, and older verifiers refuse a loop entered in its middle. */
#define WALK_STEP_INLINE __noinline
#else
#define WALK_STEP_INLINE __always_inline
#endif

/* One component: fold in its rule, then step up (across a mount point at a mount's root).
 * Returns 1 when the walk is over (st->result set). */
static WALK_STEP_INLINE int walk_step(struct walk_state *st)
{
	struct dentry *dentry = st->pos.dentry; /* a local: see path_step_up() */

	struct inode *inode = BPF_CORE_READ(dentry, d_inode);

	if (st->with_rules)
		apply_rule(&st->key, (__u64)inode, BPF_CORE_READ(inode, i_ino), &st->allow,
			   &st->deny);
	/* Without deny rules nothing above can take a mode away again. */
	if (!st->walk_all && (st->allow & st->needed) == st->needed) {
		st->result = st->allow;
		st->done = true;
		return 1;
	}
	switch (path_step_up(&st->pos)) {
	case PATH_STEP_NS_ROOT:
	case PATH_STEP_FS_ROOT:
		/* The root of the mount namespace, or of a filesystem mounted nowhere. */
		st->result = st->allow & ~st->deny;
		st->done = true;
		return 1;
	default:
		return 0;
	}
}

static __always_inline void walk_start(struct walk_state *st, __u64 vfsmnt, __u64 dentry,
				       __u64 policy, __u64 modes)
{
	path_pos_at(&st->pos, vfsmnt, dentry);
	st->key.policy_id = (__u32)policy;
	st->needed = modes & 0xff;
	st->allow = (modes >> 8) & 0xff;
	st->deny = (modes >> 16) & 0xff;
	st->walk_all = policy & WALK_ALL_FLAG;
	st->with_rules = rules_count();
}

#if CVLSM_HAS_BPF_LOOP
static long walk_callback(__u32 index, void *state)
{
	return walk_step(state);
}
#endif

__noinline __u32 cvlsm_walk(__u64 vfsmnt, __u64 dentry, __u64 policy, __u64 modes)
{
	struct walk_state st = {};

	if (!dentry || (!vfsmnt && !(policy & WALK_IN_FS_FLAG)))
		return 0;
	walk_start(&st, vfsmnt, dentry, policy, modes);
#if !CVLSM_HAS_BPF_LOOP
	int depth = 0;

	do {
		if (walk_step(&st))
			break;
	} while (++depth < CVLSM_MAX_PATH_DEPTH);
#else
	/* Checked once by the verifier, not once per iteration: fast to load. */
	bpf_loop(CVLSM_MAX_PATH_DEPTH, walk_callback, &st, 0);
#endif
	return st.done ? st.result : 0;
}
