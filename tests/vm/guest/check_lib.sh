# Shared by the guest's shell suites (sourced): gtest-style checks run-case.sh counts, and
# probes run from inside the suite's test cgroup. The suite sets `suite` (its name in the
# FAILED lines), `work` (a scratch directory) and `cg` (its cgroup directory) first.
passed=0 failed=0

check() {  # check NAME COMMAND...: the command must succeed
  name=$1
  shift
  if "$@" >"$work/out" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "[  FAILED  ] $suite.$name"
    sed 's/^/    /' "$work/out"
  fi
}
fails() { ! "$@"; }
# confined CMD...: runs CMD in the test cgroup (moves a shell there first).
confined() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" "$@"; }
reads() { confined cat "$1" >/dev/null 2>&1; }
refused() {  # the confined cat saw EACCES
  out=$(confined cat "$1" 2>&1 >/dev/null)
  case "$out" in *"Permission denied"*) return 0 ;; *) echo "$1: $out"; return 1 ;; esac
}
run_saving() { "$@" >"$work/last" 2>&1 || { cat "$work/last"; return 1; }; }
output_has() { grep -q -- "$1" "$work/last" || { cat "$work/last"; return 1; }; }
# summary LABEL: the lines run-case.sh reads; exits with the suite's status.
summary() {
  echo "[==========] $1"
  [ "$failed" -eq 0 ] && echo "[  PASSED  ] $passed tests." || echo "[  FAILED  ] $failed tests."
  exit $((failed > 0))
}
