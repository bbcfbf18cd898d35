#!/usr/bin/env bash
# run-bench.sh [--smoke|--full] [--kernels 6.1,7.2] [--build DIR] [--no-report|--docs DIR]
#              [--open-args|--connect-args|--exec-args|--policy-args|--build-args|--syscall-args "ARGS"]
#              [--benches file_open,connect,exec,policy_ops,build] [--only vm|host] [--out DIR] [--icount]
#
# The whole benchmark suite, one command. For each kernel series (default 6.1 and 7.2) it
# boots the VM once (tests/vm/vm-run.sh) and runs file_open, connect, exec, policy_ops and the real
# build inside (root, BPF LSM available); then it runs the syscall-filter benchmark natively
# on this machine. Results go to bench/results/<date>[-size]/<series>.jsonl and host.jsonl;
# each file is checked (fails when a benchmark crashed, a configuration was unavailable or
# a line is malformed) and, unless --no-report, docs/performance.md and its plots are
# written from them. Builds nothing: build the cvlsm_bench target first.
# --icount boots the guests with qemu's instruction counter as their clock (vm-run.sh): every
# VM figure is then instructions, exact and free of the host's noise (the report says so).
# --kernel SERIES is --kernels with one series; --*-args pass extra flags to one benchmark.
# --only vm|host runs one half; --benches runs some of the VM benchmarks (the report then
# takes the others from earlier results: report.py markdown DIR... DOCS); --out DIR writes
# into (and reports from) an existing results directory, so the halves of one report can
# run at different times. --docs DIR writes the
# report there instead of docs/ (the smoke test: the report generator cannot rot either).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
usage() { sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

size= kernels=6.1,7.2 build=$repo/build report=1 only= out= docs=$repo/docs
benches=file_open,connect,exec,policy_ops,build icount=
open_args= connect_args= exec_args= policy_args= build_args= syscall_args=
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke|--full) size=$1; shift ;;
    --kernel|--kernels) [ $# -ge 2 ] || usage; kernels=$2; shift 2 ;;
    --build) [ $# -ge 2 ] || usage; build=$2; shift 2 ;;
    --no-report) report=; shift ;;
    --docs) [ $# -ge 2 ] || usage; docs=$2; shift 2 ;;
    --only) [ $# -ge 2 ] || usage; only=$2; shift 2 ;;
    --benches) [ $# -ge 2 ] || usage; benches=$2; shift 2 ;;
    --icount) icount=--icount; shift ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    --open-args) [ $# -ge 2 ] || usage; open_args=$2; shift 2 ;;
    --connect-args) [ $# -ge 2 ] || usage; connect_args=$2; shift 2 ;;
    --exec-args) [ $# -ge 2 ] || usage; exec_args=$2; shift 2 ;;
    --policy-args) [ $# -ge 2 ] || usage; policy_args=$2; shift 2 ;;
    --build-args) [ $# -ge 2 ] || usage; build_args=$2; shift 2 ;;
    --syscall-args) [ $# -ge 2 ] || usage; syscall_args=$2; shift 2 ;;
    *) usage ;;
  esac
done
case "$only" in '' | vm | host) ;; *) echo "run-bench: --only wants vm or host" >&2; exit 2 ;; esac
build=$(cd "$build" && pwd) || { echo "run-bench: no build dir $build" >&2; exit 2; }
needed=()
[ "$only" = host ] || needed+=(bench/cvlsm_file_open_bench bench/cvlsm_connect_bench bench/cvlsm_exec_bench
  bench/cvlsm_policy_ops_bench bench/cvlsm_bench_true userspace/cv-lsm)
[ "$only" = vm ] || needed+=(bench/cvlsm_syscall_bench)
for b in "${needed[@]}"; do
  [ -x "$build/$b" ] || {
    echo "run-bench: $build/$b missing: cmake --build $build --target cvlsm_bench cv-lsm" >&2
    exit 2
  }
done
if [ -n "$report" ]; then
  command -v gnuplot >/dev/null || { echo "run-bench: gnuplot missing (scripts/install-deps.sh)" >&2; exit 2; }
fi

stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
out=${out:-$here/results/$stamp${size:+-${size#--}}${icount:+-icount}}
mkdir -p "$out"
out=$(cd "$out" && pwd)
# Each series' own start, and the host's load average then and at its end: the report says
# whether anything else ran on the machine meanwhile.
host_line() {
  printf '{"bench":"host","cpu":"%s","cpus":%s,"kernel":"%s","date":"%s","size":"%s","series":"%s","benches":"%s","clock":"%s","loadavg":"%s"}\n' \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1 | tr -d '"\\')" "$(nproc)" \
    "$(uname -r)" "$(date -u +%Y-%m-%dT%H%M%SZ)" "${size:-default}" "$1" "$2" "$3" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# When the series' run ended: the report says which runs overlapped (a neighbour skews
# long measurements).
end_line() {
  printf '{"bench":"host-end","date":"%s","loadavg":"%s"}\n' "$(date -u +%Y-%m-%dT%H%M%SZ)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
}

IFS=, read -r -a series_list <<<"$kernels"
[ "$only" != host ] || series_list=()
for series in ${series_list[@]+"${series_list[@]}"}; do
  results=$out/$series.jsonl log=$out/$series.log
  echo "run-bench: $series ${size:-default sizes}: console log $log" >&2
  # The host's description goes first: the guest only sees an emulated CPU.
  host_line "$series" "$benches" "${icount:+icount}" >"$results"
  set +e
  # Passed as the job's environment: vm-run.sh quotes every value.
  "$repo/tests/vm/vm-run.sh" --kernel "$series" --timeout 5400 $icount \
    --env "CVLSM_BENCH_SIZE=$size" --env "CVLSM_BENCH_OPEN_ARGS=$open_args" \
    --env "CVLSM_BENCH_CONNECT_ARGS=$connect_args" --env "CVLSM_BENCH_ONLY=$benches" \
    --env "CVLSM_BENCH_EXEC_ARGS=$exec_args" --env "CVLSM_BENCH_POLICY_ARGS=$policy_args" \
    --env "CVLSM_BENCH_BUILD_ARGS=$build_args" \
    -- "$here/guest-bench.sh" "$build" >"$log" 2>&1
  status=$?
  set -e
  tr -d '\r' <"$log" | sed -n 's/^CVLSM-BENCH: //p' >>"$results"
  tr -d '\r' <"$log" | grep -E '^(guest|bench|vm-run)' >&2 || true
  if [ "$status" -ne 0 ]; then
    echo "run-bench: the $series VM run failed (exit $status); last lines of $log:" >&2
    tr -d '\r' <"$log" | tail -n 30 | sed 's/^/  | /' >&2
    exit 1
  fi
  end_line >>"$results"
  python3 "$here/report.py" check "$results"
done

# The syscall filter needs no VM: natively, on this machine's own kernel.
if [ "$only" != vm ]; then
  results=$out/host.jsonl
  host_line host syscall "" >"$results"
  echo "run-bench: syscall filters natively on $(uname -r)" >&2
  # shellcheck disable=SC2086 # split on purpose
  "$build/bench/cvlsm_syscall_bench" $size $syscall_args >>"$results"
  end_line >>"$results"
  python3 "$here/report.py" check "$results"
fi

echo "run-bench: results in $out" >&2
if [ -n "$report" ]; then
  mkdir -p "$docs"
  python3 "$here/report.py" markdown "$out" "$docs"
  echo "run-bench: wrote $docs/performance.md and $docs/performance/" >&2
fi
