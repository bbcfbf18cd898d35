#!/bin/sh
# Start-up of `cv-lsm run` on the bpf-lsm tier, in one boot (run it in the VM, as root):
#   startup_bench.sh BUILD_DIR [ROUNDS]
# The first `run --policy minimal -- true` with nothing pinned (it loads, self-tests and pins
# the programs), then ROUNDS (default 7) interleaved pairs of the same command on the pinned
# programs and `run --mode seccomp --policy minimal -- true`. Prints one JSON line: the
# median of each, their ratio, and the spread of the per-pair ratios. Under
# `tests/vm/vm-run.sh --icount` a guest nanosecond is one instruction.
set -eu
build=${1:?usage: startup_bench.sh BUILD_DIR [ROUNDS]}
rounds=${2:-7}
cvlsm=$build/userspace/cv-lsm
now() { date +%s%N; }
# took CMD...: the nanoseconds CMD took (it must succeed).
took() {
  start=$(now)
  "$@" >/dev/null 2>&1 || { echo "startup_bench: failed: $*" >&2; exit 1; }
  echo $(($(now) - start))
}
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

"$cvlsm" unload --force >/dev/null 2>&1 || true
first=$(took "$cvlsm" run --policy minimal -- true)
"$cvlsm" status --json | grep -q '"tier": "bpf-lsm"' ||
  { echo "startup_bench: not the bpf-lsm tier here" >&2; exit 1; }
pinned='' seccomp='' ratios=''
i=0
while [ "$i" -lt "$rounds" ]; do
  p=$(took "$cvlsm" run --policy minimal -- true)
  s=$(took "$cvlsm" run --mode seccomp --policy minimal -- true)
  pinned="$pinned $p" seccomp="$seccomp $s"
  ratios="$ratios $(awk -v p="$p" -v s="$s" 'BEGIN {printf "%.4f", p / s}')"
  i=$((i + 1))
done
"$cvlsm" unload --force >/dev/null 2>&1
pinned_median=$(echo "$pinned" | tr ' ' '\n' | sed '/^$/d' | median)
seccomp_median=$(echo "$seccomp" | tr ' ' '\n' | sed '/^$/d' | median)
sorted_ratios=$(echo "$ratios" | tr ' ' '\n' | sed '/^$/d' | sort -n)
printf '{"bench":"startup","kernel":"%s","rounds":%s,"first_run_ns":%s,"pinned_run_ns":%s,' \
  "$(uname -r)" "$rounds" "$first" "$pinned_median"
printf '"seccomp_run_ns":%s,"ratio":%s,"ratio_min":%s,"ratio_max":%s}\n' "$seccomp_median" \
  "$(awk -v p="$pinned_median" -v s="$seccomp_median" 'BEGIN {printf "%.4f", p / s}')" \
  "$(echo "$sorted_ratios" | head -n1)" "$(echo "$sorted_ratios" | tail -n1)"
