#!/bin/sh
# Installs cv-lsm into a temporary prefix, then builds and runs out-of-tree consumers of
# it: the example with cc + pkg-config, and a project with find_package(cvlsm).
# Usage: install_consumer_test.sh BUILD_DIR SOURCE_DIR CC CXX CMAKE   (as root)
set -eu
build=$1 source=$2 cc=$3 cxx=$4 cmake=$5
prefix=$(mktemp -d /tmp/cvlsm-install-XXXXXX)
trap 'rm -rf "$prefix"' EXIT

"$cmake" --install "$build" --prefix "$prefix/usr" >/dev/null
test -f "$prefix/usr/include/chef/containerv.h"
test -f "$prefix/usr/include/chef/containerv/policy.h"

# pkg-config: the .pc file is relative to itself, so any prefix works.
pcdir=$(dirname "$(find "$prefix" -name cvlsm.pc)")
export PKG_CONFIG_PATH="$pcdir"
libdir=$(pkg-config --variable=libdir cvlsm)
test -e "$libdir/libcvlsm.so"
"$cc" -std=c11 -Wall -Wextra -Werror -o "$prefix/example" \
  "$source/examples/container-policy-example.c" $(pkg-config --cflags --libs cvlsm) \
  -Wl,-rpath,"$libdir"
"$prefix/example" "$prefix/workspace"
grep -q "built inside a cv-lsm container" "$prefix/workspace/hello.txt"

# find_package(cvlsm)
"$cmake" -S "$source/tests/capi/consumer" -B "$prefix/consumer-build" \
  -DCMAKE_PREFIX_PATH="$prefix/usr" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
"$cmake" --build "$prefix/consumer-build" >/dev/null
"$prefix/consumer-build/consumer"
"$prefix/consumer-build/consumer_cxx"
echo "install consumers: ok"
