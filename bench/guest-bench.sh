#!/usr/bin/env bash
# guest-bench.sh BUILD_DIR: runs the benchmarks (inside the VM, as root) and prefixes every
# JSON line with "CVLSM-BENCH: " so run-bench.sh can pick them out of the serial console.
# Sizes come from CVLSM_BENCH_SIZE (--smoke/--full or empty) and the extra arguments of
# each benchmark from CVLSM_BENCH_OPEN_ARGS and CVLSM_BENCH_EXEC_ARGS (split on spaces).
set -euo pipefail
build=$1
echo "guest kernel: $(uname -r), lsm: $(cat /sys/kernel/security/lsm 2>/dev/null || echo '?')"
# shellcheck disable=SC2206 # split on purpose
open_args=(${CVLSM_BENCH_SIZE:-} ${CVLSM_BENCH_OPEN_ARGS:-})
# shellcheck disable=SC2206
exec_args=(${CVLSM_BENCH_SIZE:-} ${CVLSM_BENCH_EXEC_ARGS:-})
start=$SECONDS
"$build/bench/cvlsm_file_open_bench" ${open_args[@]+"${open_args[@]}"} | sed -u 's/^/CVLSM-BENCH: /'
echo "guest: file_open took $((SECONDS - start)) s"
start=$SECONDS
"$build/bench/cvlsm_exec_bench" ${exec_args[@]+"${exec_args[@]}"} | sed -u 's/^/CVLSM-BENCH: /'
echo "guest: exec took $((SECONDS - start)) s"
