#!/usr/bin/env bash
# guest-bench.sh BUILD_DIR: runs the benchmarks (inside the VM, as root) and prefixes every
# JSON line with "CVLSM-BENCH: " so run-bench.sh can pick them out of the serial console.
# CVLSM_BENCH_ONLY lists the benchmarks to run (default all). Sizes come from
# CVLSM_BENCH_SIZE (--smoke/--full or empty) and the extra arguments of
# each benchmark from CVLSM_BENCH_{OPEN,CONNECT,EXEC,POLICY,BUILD}_ARGS (split on spaces).
set -euo pipefail
build=$1
echo "guest kernel: $(uname -r), lsm: $(cat /sys/kernel/security/lsm 2>/dev/null || echo '?')"

# run NAME COMMAND...: one benchmark, its lines tagged, its wall time on the console;
# skipped unless CVLSM_BENCH_ONLY (comma-separated, default all) names it.
run() {
  local name=$1 start=$SECONDS
  shift
  case ",${CVLSM_BENCH_ONLY:-$name}," in *",$name,"*) ;; *) return 0 ;; esac
  "$@" | sed -u 's/^/CVLSM-BENCH: /'
  echo "guest: $name took $((SECONDS - start)) s"
}
# shellcheck disable=SC2206 # split on purpose
args() { local extra=$1; local a=(${CVLSM_BENCH_SIZE:-} $extra); echo "${a[@]+"${a[@]}"}"; }

# shellcheck disable=SC2046
run file_open "$build/bench/cvlsm_file_open_bench" $(args "${CVLSM_BENCH_OPEN_ARGS:-}")
# shellcheck disable=SC2046
run connect "$build/bench/cvlsm_connect_bench" $(args "${CVLSM_BENCH_CONNECT_ARGS:-}")
# shellcheck disable=SC2046
run exec "$build/bench/cvlsm_exec_bench" $(args "${CVLSM_BENCH_EXEC_ARGS:-}")
# shellcheck disable=SC2046
run policy_ops "$build/bench/cvlsm_policy_ops_bench" $(args "${CVLSM_BENCH_POLICY_ARGS:-}")
# shellcheck disable=SC2046
run build "$(dirname "$0")/build_bench.sh" $(args "${CVLSM_BENCH_BUILD_ARGS:-}") \
  "$build/userspace/cv-lsm"
