// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cv-lsm kernel side: path and exec rules for the processes of enforced cgroups.
 *
 * A process is confined when its cgroup v2, or an ancestor of it, is in cvlsm_cgroups.
 * Rules name objects by the address of their struct inode (cvlsm_rule_key), resolved when a
 * policy is applied; a hook walks the object's dentry ancestors up to the root of the mount
 * namespace, crossing mount points, and takes the union of the modes of every rule it
 * meets, minus the union of the deny rules. Names therefore do not matter: symlinks, "..",
 * relative paths and bind mounts all end at the object really reached.
 *
 * The object is linked from several units (skeletons/CMakeLists.txt), each a .bpf.c that
 * includes the headers it uses:
 *
 *   cvlsm.bpf.c              this overview, the license, and the one definition of every
 *                            map and of the global state (maps.h).
 *   programs/file_hooks.bpf.c
 *     lsm/file_open          every open of a file: read needs r, write needs w, access
 *                            mode 3 (for ioctls) r, the kernel's own opens for exec/ld.so
 *                            x. Writes no policy may grant (/proc/<pid>/mem, cgroup.procs,
 *                            bpffs) are refused.
 *     lsm/bprm_check_security
 *                            every exec, including a script's interpreter: needs x.
 *     lsm/mmap_file,         code from a file made executable in memory (the loader
 *     lsm/file_mprotect      mapping a library, `ld.so ./binary`): needs x.
 *     lsm/file_truncate      truncation through an open file, O_TRUNC (6.2+ kernels; older
 *                            ones call path_truncate for it).
 *   programs/file_control_hooks.bpf.c
 *     lsm/file_fcntl,        a file's signal owner only the process itself (SIGIO reaches
 *     lsm/file_ioctl         its owner without task_kill); a lease, an ioctl that changes
 *                            a file's flags, or a device ioctl on a descriptor opened
 *                            without write: w.
 *   programs/metadata_hooks.bpf.c
 *     lsm/inode_setxattr,    setting or removing an extended attribute (POSIX ACLs among
 *     lsm/inode_*xattr/acl,  them) or a file's times: w, judged within the file's own
 *     lsm/inode_setattr      filesystem (these hooks get no mount).
 *   programs/tree_hooks.bpf.c
 *     lsm/path_*             changes to the tree need w where they happen; a rename or link
 *                            must not give a file modes it did not have (EXDEV).
 *   programs/self_protection.bpf.c
 *     lsm/bpf, lsm/task_kill, lsm/ptrace_access_check, lsm/task_set*, lsm/task_movememory
 *                            no bpf() for a confined process; no signal, ptrace, priority,
 *                            scheduling, limit, memory placement or process group change
 *                            beyond its own confinement.
 *   programs/syscall_denials.bpf.c
 *     fexit/__secure_computing
 *                            counts and reports the seccomp filter's refusals (attached
 *                            only on request: cv-lsm load --count-syscall-denials).
 *   programs/engine_hooks.bpf.c, not policy hooks:
 *     lsm/inode_getattr      while userspace resolves rule paths, records which inode an
 *                            fstat() reaches, so rules name objects as the hooks see them.
 *     tp_btf/sched_process_exit
 *                            notes the pin keeper's exit, which comes before its
 *                            descriptors are closed (cvlsm_global_state.pins_lost).
 *   helpers/path_walk.bpf.c  cvlsm_walk, the rule walk every path hook shares.
 *   helpers/report.bpf.c     cvlsm_report, the record and event of a denial.
 *
 * Headers, each compiling on its own, in layers: kernel_constants.h and build_variant.h
 * (what the kernel and the build provide), cvlsm_abi.h (shared with the manager), maps.h,
 * then helpers/: policy_lookup (which policy confines the task), path_step (one step up a
 * path), report (denials), path_walk (the rules that grant a mode).
 */
#define CVLSM_DEFINE_MAPS
#include "maps.h"

char LICENSE[] SEC("license") = "GPL";
