#!/usr/bin/env bash
# run-bench.sh [--smoke|--full] [--kernel SERIES] [--build DIR] [--no-report]
#              [--open-args "ARGS"] [--exec-args "ARGS"]
#
# Boots SERIES (default 6.1) with tests/vm/vm-run.sh, runs the benchmarks of an existing
# build inside (root, BPF LSM available), collects their JSON lines into
# bench/results/<series>-<date>.jsonl, checks them (fails when a benchmark crashed, a
# configuration was unavailable in the VM or a line is malformed) and, unless --no-report,
# writes docs/performance.md from them. Builds nothing: build the cvlsm_bench target first.
# --open-args/--exec-args pass extra flags to one benchmark (e.g. "--rounds 20").
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
usage() { sed -n '2,3p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

size= kernel=6.1 build=$repo/build report=1 open_args= exec_args=
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke|--full) size=$1; shift ;;
    --kernel) [ $# -ge 2 ] || usage; kernel=$2; shift 2 ;;
    --build) [ $# -ge 2 ] || usage; build=$2; shift 2 ;;
    --no-report) report=; shift ;;
    --open-args) [ $# -ge 2 ] || usage; open_args=$2; shift 2 ;;
    --exec-args) [ $# -ge 2 ] || usage; exec_args=$2; shift 2 ;;
    *) usage ;;
  esac
done
build=$(cd "$build" && pwd) || { echo "run-bench: no build dir $build" >&2; exit 2; }
for b in cvlsm_file_open_bench cvlsm_exec_bench cvlsm_bench_true; do
  [ -x "$build/bench/$b" ] || {
    echo "run-bench: $build/bench/$b missing: cmake --build $build --target cvlsm_bench" >&2
    exit 2
  }
done

stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
mkdir -p "$here/results"
name=$kernel-$stamp${size:+-${size#--}}
results=$here/results/$name.jsonl
log=$here/results/$name.log

echo "run-bench: $kernel ${size:-default sizes}: console log $log" >&2
# The host's description goes first: the guest only sees an emulated CPU.
printf '{"bench":"host","cpu":"%s","cpus":%s,"kernel":"%s","date":"%s","size":"%s","series":"%s"}\n' \
  "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1 | tr -d '"\\')" "$(nproc)" \
  "$(uname -r)" "$stamp" "${size:-default}" "$kernel" >"$results"
set +e
# Passed as the job's environment: vm-run.sh quotes every value.
"$repo/tests/vm/vm-run.sh" --kernel "$kernel" --timeout 3000 \
  --env "CVLSM_BENCH_SIZE=$size" --env "CVLSM_BENCH_OPEN_ARGS=$open_args" \
  --env "CVLSM_BENCH_EXEC_ARGS=$exec_args" \
  -- "$here/guest-bench.sh" "$build" >"$log" 2>&1
status=$?
set -e
tr -d '\r' <"$log" | sed -n 's/^CVLSM-BENCH: //p' >>"$results"
tr -d '\r' <"$log" | grep -E '^(guest|bench|vm-run)' >&2 || true
if [ "$status" -ne 0 ]; then
  echo "run-bench: the VM run failed (exit $status); last lines of $log:" >&2
  tr -d '\r' <"$log" | tail -n 30 | sed 's/^/  | /' >&2
  exit 1
fi
python3 "$here/report.py" check "$results"
echo "run-bench: results in $results" >&2
if [ -n "$report" ]; then
  python3 "$here/report.py" markdown "$results" >"$repo/docs/performance.md"
  echo "run-bench: wrote $repo/docs/performance.md" >&2
fi
