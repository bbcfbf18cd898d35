#!/usr/bin/env bash
# Runs every test layer: unit (no privileges), host (root: seccomp, cgroups, CLI) and vm
# (BPF LSM inside Debian kernels booted under qemu). Needs root and a build from setup.sh.
# A layer that cannot run fails; nothing is skipped quietly.
#   scripts/test.sh [LABEL...]   (default: unit host vm)
set -euo pipefail
cd "$(dirname "$0")/.."

labels=("$@")
[ ${#labels[@]} -gt 0 ] || labels=(unit host vm)
[ -d build ] || { echo "test: no build/ directory: run scripts/setup.sh first" >&2; exit 1; }
if [ "$(id -u)" -ne 0 ]; then
  echo "test: the host and vm layers need root" >&2
  exit 1
fi
cmake --build build -j "$(nproc)"

status=0
for label in "${labels[@]}"; do
  echo "=== ctest -L ^${label}\$"
  log=$(mktemp)
  # Two VM cases at a time: each guest runs on its own cores, and the host case natively.
  jobs=1
  [ "$label" != vm ] || jobs=2
  if ! ctest --test-dir build -L "^${label}\$" -j "$jobs" --output-on-failure --no-tests=error \
      2>&1 | tee "$log"; then
    status=1
  fi
  # gtest's GTEST_SKIP counts as a pass in ctest: here it is a failure.
  if grep -qE '\[  SKIPPED \]|\*\*\*Skipped' "$log"; then
    echo "test: layer '${label}' skipped tests that must run here" >&2
    status=1
  fi
  rm -f "$log"
done
exit $status
