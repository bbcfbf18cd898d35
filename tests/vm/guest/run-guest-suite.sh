#!/bin/sh
# Runs inside the VM guest (tests/vm/vm-run.sh): the privileged suites of this build,
# against the kernel the guest booted. Exits non-zero when any suite fails.
#   run-guest-suite.sh BUILD_DIR
set -u
build=${1:?usage: run-guest-suite.sh BUILD_DIR}
failed=0
echo "guest kernel: $(uname -r)  lsm: $(cat /sys/kernel/security/lsm 2>/dev/null)"
"$build/userspace/cv-lsm" status || true
for suite in tests/cvlsm_host_tests tests/vm/cvlsm_vm_guest_tests; do
  echo "=== $suite"
  if ! "$build/$suite" --gtest_color=no; then
    echo "=== FAILED: $suite"
    failed=1
  fi
done
exit $failed
