/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The programs are built twice, once per group of kernels (skeletons/CMakeLists.txt):
 *
 *   cvlsm_bpf            kernels with bpf_loop(): 5.17 and later
 *   cvlsm_bpf_pre_5_17   kernels without it: 5.10 to 5.16 (compiled with -DCVLSM_PRE_5_17)
 *
 * The loader picks one by the running kernel's BTF (whether it has bpf_loop), not by its
 * version number. One object cannot serve both groups: a 5.10 verifier refuses a bpf_loop
 * callback even where it is never reached.
 *
 * What a build may use follows from the oldest kernel it serves, one condition per helper,
 * so the code says which helper it is doing without (`#if CVLSM_HAS_...`; the build warns
 * on an undefined name, -Wundef):
 *   CVLSM_HAS_BPF_LOOP       bpf_loop() (5.17): the path walk is checked by the verifier
 *                            once, not once per iteration of a bounded loop.
 *   CVLSM_HAS_TASK_PT_REGS   bpf_task_pt_regs() (5.15): the registers a syscall entered
 *                            with. Without it they are found at the top of the task's
 *                            kernel stack (x86_64 only).
 *   CVLSM_HAS_TASK_BTF       bpf_get_current_task_btf() (5.11): the current task as a typed
 *                            pointer, whose fields are plain loads; without it each field
 *                            is a bpf_probe_read_kernel() call, several per hook.
 */
#ifndef CVLSM_BUILD_VARIANT_H
#define CVLSM_BUILD_VARIANT_H

#ifdef CVLSM_PRE_5_17
#define CVLSM_HAS_BPF_LOOP 0
#define CVLSM_HAS_TASK_PT_REGS 0 /* 5.15 and 5.16 have it: the build serves 5.10 too */
#define CVLSM_HAS_TASK_BTF 0	 /* 5.11 to 5.16 have it: the build serves 5.10 too */
#else
#define CVLSM_HAS_BPF_LOOP 1
#define CVLSM_HAS_TASK_PT_REGS 1
#define CVLSM_HAS_TASK_BTF 1
#endif

#endif /* CVLSM_BUILD_VARIANT_H */
