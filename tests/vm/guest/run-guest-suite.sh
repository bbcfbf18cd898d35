#!/bin/sh
# Runs the privileged suites of this build against the running kernel: inside a VM guest
# (tests/vm/vm-run.sh) or on the host for the matrix's host case. CVLSM_EXPECT_TIER (from
# the caller) is the tier the suites must find. Exits non-zero when any suite fails.
#   run-guest-suite.sh BUILD_DIR
set -u
build=${1:?usage: run-guest-suite.sh BUILD_DIR}
failed=0
echo "guest kernel: $(uname -r)"
echo "lsm: $(cat /sys/kernel/security/lsm 2>/dev/null)"
"$build/userspace/cv-lsm" status
tier=$("$build/userspace/cv-lsm" status --json | sed -n 's/^ *"tier": "\([a-z-]*\)".*/\1/p')
echo "observed tier: ${tier:-none} (expected ${CVLSM_EXPECT_TIER:-bpf-lsm})"
# full: every suite whole. core (the matrix's middle bpf-lsm kernels): the adversarial suite
# runs one scenario per mechanism (it says which) and the C API's lifetime loop is left out.
scope=${CVLSM_SUITE_SCOPE:-full}
export CVLSM_SUITE_SCOPE=$scope
echo "suite scope: $scope"
for suite in tests/cvlsm_host_tests tests/capi/capi_host_tests tests/vm/cvlsm_vm_guest_tests \
  tests/vm/cvlsm_vm_network_tests tests/adversarial/cvlsm_adversarial_tests; do
  echo "=== $suite"
  filter=
  if [ "$scope" = core ] && [ "$suite" = tests/capi/capi_host_tests ]; then
    filter=--gtest_filter=-ContainerHostTest.ManyLifetimesReturnTheMapsToTheirBaseline
  fi
  if ! "$build/$suite" --gtest_color=no ${filter:+"$filter"}; then
    echo "=== FAILED: $suite"
    failed=1
  fi
done
# Pinned programs and policies on existing cgroups, through the CLI (bpf-lsm tier; on the
# others, that load refuses cleanly).
echo "=== tests/vm/guest/pinned_state_test.sh"
if ! "$(dirname "$0")/pinned_state_test.sh" "$build"; then
  echo "=== FAILED: tests/vm/guest/pinned_state_test.sh"
  failed=1
fi
# Statistics, events, audit mode and learning, through the CLI (bpf-lsm; elsewhere each
# command refuses with its reason).
echo "=== tests/vm/guest/observe_test.sh"
if ! "$(dirname "$0")/observe_test.sh" "$build"; then
  echo "=== FAILED: tests/vm/guest/observe_test.sh"
  failed=1
fi
# The containerv usage example: a Build policy, make run inside a container.
echo "=== examples/container-policy-example"
workspace=/var/tmp/cvlsm-example-$$
if "$build/examples/container-policy-example" "$workspace" && [ -s "$workspace/hello.txt" ]; then
  echo "example: ok ($(cat "$workspace/hello.txt"))"
else
  echo "=== FAILED: examples/container-policy-example"
  failed=1
fi
rm -rf "$workspace"
# cv-lsm oci-hook under a real runtime (crun): confinement on bpf-lsm, a refusal that names
# bpf-lsm elsewhere. crun needs cgroup v2 at /sys/fs/cgroup, which every guest mounts; it
# refuses the hybrid hierarchy of the host case, where the step cannot run.
echo "=== tests/vm/oci/run-oci-test.sh"
if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]; then
  echo "oci: not run: /sys/fs/cgroup is not a cgroup v2 mount (crun refuses hybrid hierarchies)"
elif ! "$(dirname "$0")/../oci/run-oci-test.sh" "$build" "${tier:-${CVLSM_EXPECT_TIER:-bpf-lsm}}"; then
  echo "=== FAILED: tests/vm/oci/run-oci-test.sh"
  failed=1
fi
exit $failed
