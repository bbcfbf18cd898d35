#!/usr/bin/env bash
# run-case.sh NAME SERIES EXPECTED_TIER BUILD_DIR RESULTS_DIR [KERNEL_CMDLINE [VM-RUN-OPTION...]]
#   One case of the kernel matrix: boots SERIES (or runs on this machine when SERIES is
#   "host"), runs the privileged suites with CVLSM_EXPECT_TIER set, and writes
#   RESULTS_DIR/NAME.result (one tab-separated line for write-compat.sh) and, when tests
#   fail, RESULTS_DIR/NAME.failures. Exits non-zero when the case fails. VM-RUN-OPTIONs go
#   to vm-run.sh as they are (the arm64 case: --arch, --root, --bind, --chdir).
set -euo pipefail
[ $# -ge 5 ] || { echo "usage: $0 NAME SERIES EXPECTED_TIER BUILD_DIR RESULTS_DIR [CMDLINE [VM-RUN-OPTION...]]" >&2; exit 2; }
name=$1 series=$2 expect=$3 build=$4 results=$5 cmdline=${6:-}
shift $(($# < 6 ? $# : 6))
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$results"
log=$results/$name.log
rm -f "$results/$name.result" "$results/$name.failures"

start=$SECONDS
set +e
if [ "$series" = host ]; then
  # The host runs every suite whole: the VM options (an --env scope) do not apply.
  CVLSM_EXPECT_TIER=$expect CVLSM_SUITE_SCOPE=full "$here/guest/run-guest-suite.sh" "$build" \
    >"$log" 2>&1
else
  args=(--kernel "$series" --timeout 2400 --env "CVLSM_EXPECT_TIER=$expect")
  [ -z "$cmdline" ] || args+=(--append "$cmdline")
  args+=("$@")
  "$here/vm-run.sh" "${args[@]}" -- "$here/guest/run-guest-suite.sh" "$build" >"$log" 2>&1
fi
status=$?
set -e
elapsed=$((SECONDS - start))

# Readable failures: the failing test names and the tail of the log (serial console).
clean() { tr -d '\r' <"$log"; }
kernel=$(clean | sed -n 's/^guest kernel: \([^ ]*\).*/\1/p' | head -n1)
tier=$(clean | sed -n 's/^observed tier: \([a-z-]*\).*/\1/p' | tail -n1)
passed=$(clean | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s += $1} END {print s + 0}')
failed=$(clean | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s += $1} END {print s + 0}')
# Parameterized tests end their name with ", where GetParam() = ...".
clean | sed -n 's/^\[  FAILED  \] \([A-Za-z0-9_/.]*\)\( (\|, where \).*/\1/p' | sort -u \
  >"$results/$name.failures"
[ -s "$results/$name.failures" ] || rm -f "$results/$name.failures"

verdict=pass
if [ "$status" -ne 0 ] || [ "$tier" != "$expect" ] || [ "$passed" -eq 0 ]; then verdict=FAIL; fi
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$series" "${kernel:-?}" \
  "${cmdline:-default}" "$expect" "${tier:-none}" "$passed" "$failed" "$elapsed" "$verdict" \
  >"$results/$name.result"

echo "case $name: kernel ${kernel:-?} (${cmdline:-default boot line}), tier ${tier:-none}" \
  "(expected $expect), $passed passed, $failed failed, ${elapsed}s: $verdict"
if [ "$verdict" != pass ]; then
  [ ! -f "$results/$name.failures" ] || { echo "failing tests:"; sed 's/^/  /' "$results/$name.failures"; }
  echo "last lines of $log:"
  clean | tail -n 40 | sed 's/^/  | /'
  exit 1
fi
