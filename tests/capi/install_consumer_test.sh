#!/bin/sh
# Installs cv-lsm as scripts/setup.sh does (prefix /usr/local) and builds and runs the
# example with cc + pkg-config, exactly as a consumer would: no LD_LIBRARY_PATH, no rpath.
# Then installs into a temporary prefix and builds a project with find_package(cvlsm).
# Runs in a mount namespace of its own: /usr/local is an empty tmpfs and /etc an overlay,
# so the machine's own /usr/local and dynamic linker cache are never touched, and the cache
# starts without libcvlsm, as on a fresh machine.
# Usage: install_consumer_test.sh BUILD_DIR SOURCE_DIR CC CXX CMAKE   (as root)
set -eu
if [ -z "${CVLSM_INSTALL_TEST_NS:-}" ]; then
  exec env CVLSM_INSTALL_TEST_NS=1 unshare --mount --propagation private "$0" "$@"
fi
build=$1 source=$2 cc=$3 cxx=$4 cmake=$5
scratch=$(mktemp -d /tmp/cvlsm-install-XXXXXX)
trap 'umount -l /etc /usr/local "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT
mount -t tmpfs tmpfs "$scratch"
mkdir "$scratch/etc-upper" "$scratch/etc-work" "$scratch/prefix"
mount -t overlay overlay \
  -o "lowerdir=/etc,upperdir=$scratch/etc-upper,workdir=$scratch/etc-work" /etc
mount -t tmpfs tmpfs /usr/local
ldconfig
if ldconfig -p | grep -q libcvlsm; then
  echo "install consumers: the linker cache knows libcvlsm before the install" >&2
  exit 1
fi

# As setup.sh: the default prefix, then a consumer with cc and pkg-config.
"$cmake" --install "$build" --prefix /usr/local >"$scratch/install.log"
test -f /usr/local/include/chef/containerv.h
test -f /usr/local/include/chef/containerv/policy.h
unset LD_LIBRARY_PATH PKG_CONFIG_PATH
"$cc" -std=c11 -Wall -Wextra -Werror -o "$scratch/example" \
  "$source/examples/container-policy-example.c" $(pkg-config --cflags --libs cvlsm)
if ! "$scratch/example" "$scratch/workspace"; then
  cat "$scratch/install.log" >&2
  echo "install consumers: the example built against the installed library does not run" >&2
  exit 1
fi
grep -q "built inside a cv-lsm container" "$scratch/workspace/hello.txt"

# Any other prefix: pkg-config's file is relative to itself; find_package(cvlsm).
prefix=$scratch/prefix
"$cmake" --install "$build" --prefix "$prefix/usr" >/dev/null
pcdir=$(dirname "$(find "$prefix" -name cvlsm.pc)")
test -e "$(PKG_CONFIG_PATH=$pcdir pkg-config --variable=libdir cvlsm)/libcvlsm.so"
"$cmake" -S "$source/tests/capi/consumer" -B "$prefix/consumer-build" \
  -DCMAKE_PREFIX_PATH="$prefix/usr" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
"$cmake" --build "$prefix/consumer-build" >/dev/null
"$prefix/consumer-build/consumer"
"$prefix/consumer-build/consumer_cxx"
echo "install consumers: ok"
