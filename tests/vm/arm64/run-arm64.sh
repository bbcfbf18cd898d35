#!/usr/bin/env bash
# run-arm64.sh [--build DIR] [--results DIR] [--kernel SERIES] [--no-install]
#   The arm64 case of the kernel matrix, as a command of its own: with its cross build it is
#   too slow to join the x86_64 matrix in the CI run (docs/compat.md gives the times).
#   1. installs what it needs if missing (qemu-system-arm, debootstrap, the aarch64 cross
#      compilers and the arm64 -dev packages through multiarch; needs root);
#   2. cross-builds cv-lsm and the suites the guest runs for arm64 in DIR (default
#      build-arm64/); the engine embeds the BPF object built against vmlinux/arm64/vmlinux.h;
#   3. makes (once) an arm64 Debian root with the libraries that build needs (make-rootfs.sh);
#   4. boots Debian's arm64 SERIES kernel (default 6.12) under qemu-system-aarch64 (TCG) on
#      that root, with the source and build dirs bound in, and runs the privileged suites
#      there expecting the bpf-lsm tier (run-case.sh, as the x86_64 cases do).
#   The result goes to RESULTS_DIR/linux-SERIES-arm64.result (default build/vm-results, where
#   tests/vm/write-compat.sh finds it for docs/compat.md). Exits non-zero when the case fails.
set -euo pipefail

die() { echo "run-arm64: $*" >&2; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../../.." && pwd)

build=$src/build-arm64
results=$src/build/vm-results
series=6.12
install=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build) [ $# -ge 2 ] || die "--build needs a directory"; build=$2; shift 2 ;;
    --results) [ $# -ge 2 ] || die "--results needs a directory"; results=$2; shift 2 ;;
    --kernel) [ $# -ge 2 ] || die "--kernel needs a series"; series=$2; shift 2 ;;
    --no-install) install=; shift ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unexpected argument '$1' (see --help)" ;;
  esac
done
start=$SECONDS

# 1. Packages. The arm64 -dev packages must match the amd64 ones (multiarch), so they come
# from the same apt sources as the rest.
host_packages=(qemu-system-arm debootstrap g++-aarch64-linux-gnu binutils)
arm64_packages=(libbpf-dev libseccomp-dev libabsl-dev libcap-dev libelf-dev zlib1g-dev
  libgtest-dev libgmock-dev)
missing=()
for p in "${host_packages[@]}" "${arm64_packages[@]/%/:arm64}"; do
  [ "$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ -n "$install" ] || die "missing packages: ${missing[*]} (run without --no-install as root)"
  [ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]}; run as root to install them"
  export DEBIAN_FRONTEND=noninteractive
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "run-arm64: dpkg --add-architecture arm64" >&2
    dpkg --add-architecture arm64
  fi
  echo "run-arm64: installing ${missing[*]}" >&2
  apt-get update -q >&2 || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || die "apt-get install failed"
fi

# 2. The cross build.
echo "run-arm64: cross-building for arm64 in $build" >&2
cmake -S "$src" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$src/cmake/toolchains/aarch64-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || die "cmake configure failed in $build"
# Only what the guest runs: the unit tests and benchmarks stay on x86_64.
targets=(cv-lsm access_probe cvlsm_host_tests capi_host_tests cvlsm_vm_guest_tests
  container-policy-example)
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}" >&2 || die "the arm64 build failed"
build=$(cd "$build" && pwd)

# 3. The root: busybox (vm-run.sh's init), make and cc (the Build preset's workload) and the
# packages of the shared libraries the build's programs load, found with dpkg -S among the
# arm64 libraries the cross build linked against.
programs=("$build/userspace/cv-lsm" "$build/tests/cvlsm_host_tests" "$build/tests/capi/capi_host_tests"
  "$build/tests/vm/cvlsm_vm_guest_tests" "$build/tests/access_probe"
  "$build/examples/container-policy-example" "$build"/userspace/libcvlsm.so.*.*.*)
libraries=$(for f in "${programs[@]}"; do
  [ -f "$f" ] || die "the build has no $f"
  readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
done | grep -v '^libcvlsm\.so' | sort -u)
# crun: the runtime of the oci-hook test (tests/vm/oci/).
packages=(make gcc libc6-dev crun)
for so in $libraries; do
  p=$(dpkg -S "*/aarch64-linux-gnu/$so" 2>/dev/null | sed -n 's/^\([^:]*\):arm64: .*/\1/p' | head -n1)
  [ -n "$p" ] || die "no installed arm64 package has $so (needed by the build)"
  packages+=("$p")
done
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
cache_root=${CVLSM_VM_CACHE:-/var/cache/cv-lsm/vm}
# shellcheck disable=SC1091 # the machine's own
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-unknown}")
key=$(printf '%s\n' "${packages[@]}" | cat - "$here/make-rootfs.sh" | sha256sum | cut -c1-12)
rootdir=$cache_root/arm64-root/$suite-$key
"$here/make-rootfs.sh" "$rootdir" "${packages[@]}" || die "could not make the arm64 root"

# 4. The case. Results and logs as for the x86_64 cases (failing tests and the log tail on
# failure).
mkdir -p "$results"
results=$(cd "$results" && pwd)
status=0
"$src/tests/vm/run-case.sh" "linux-$series-arm64" "$series" bpf-lsm "$build" "$results" "" \
  --arch arm64 --root "$rootdir/root" --bind "$src" --bind "$build" --chdir "$build" \
  --timeout 3600 || status=$?
echo "run-arm64: $((SECONDS - start)) s in all; result: $results/linux-$series-arm64.result" >&2
exit $status
