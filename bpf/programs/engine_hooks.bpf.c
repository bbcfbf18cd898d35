// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs that serve the engine, not a policy: the resolution of rule paths to the inodes
 * the hooks see, the end of a rule inode's generation, and the watch on the pin keeper.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "cvlsm_abi.h"
#include "maps.h"

/*
 * While userspace resolves rule paths (cvlsm_state.resolvers_active), records which inode an
 * fstat() of the calling thread reaches (its entry in cvlsm_resolve_requests), so rules name
 * objects exactly as the hooks see them. Otherwise it returns after one load: it stays
 * attached because 5.10 cannot attach an LSM program a second time once detached.
 */
SEC("lsm/inode_getattr")
int BPF_PROG(cvlsm_resolve_object, const struct path *path, int ret)
{
	if (!cvlsm_state.resolvers_active)
		return ret;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct cvlsm_object_id *request = bpf_map_lookup_elem(&cvlsm_resolve_requests, &tid);

	/* Stacked filesystems (overlayfs) stat their real layer from inside this hook's caller:
	 * the first call is the path the user named, as file_open will see it. */
	if (!request || request->found)
		return ret;
	struct dentry *dentry = BPF_CORE_READ(path, dentry);
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);

	request->inode = (__u64)inode;
	request->filter_bit = cvlsm_rule_filter_bit(BPF_CORE_READ(inode, i_ino));
	request->found = 1;
	return ret;
}

/* An inode is freed: rules on its address stop counting (cvlsm_rule_key). The kernel calls
 * this before the inode's memory can be reused, so no new inode at that address ever meets
 * them. Every inode freed on the machine passes here: a lookup first, which takes no lock. */
SEC("lsm/inode_free_security")
int BPF_PROG(cvlsm_rule_inode_freed, struct inode *inode)
{
	__u64 address = (__u64)inode;

	if (bpf_map_lookup_elem(&cvlsm_rule_inodes, &address))
		bpf_map_delete_elem(&cvlsm_rule_inodes, &address);
	return 0;
}

/* The keeper's exit is traced before exit_files() drops its pins, so no rule outlives the
 * inode it names by even one open. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(cvlsm_keeper_exit, struct task_struct *task)
{
	__u32 keeper = cvlsm_state.keeper_tgid;

	if (keeper && (__u32)BPF_CORE_READ(task, tgid) == keeper)
		cvlsm_state.pins_lost = 1;
	return 0;
}
