#!/usr/bin/env bash
# Builds the policy file fuzzer (clang, libFuzzer, ASan, UBSan) in a build directory of its
# own, replays the inputs that once crashed it (tests/fuzz/regressions/), then fuzzes for
# SECONDS from the seed corpus (tests/fuzz/corpus/policy/ and the OCI profiles in
# tests/data/oci-seccomp/). Fails on any crash, leak or sanitizer report; the input is left
# in BUILD_DIR/artifacts/. Exits 77 (ctest: skipped) when clang's libFuzzer is not installed.
#
# usage: tests/fuzz/run-fuzz.sh SECONDS [BUILD_DIR]    (BUILD_DIR defaults to build-fuzz/)
set -euo pipefail

seconds=${1:?usage: run-fuzz.sh SECONDS [BUILD_DIR]}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${2:-$repo/build-fuzz}

# libFuzzer comes with clang's runtime package (libclang-rt-14-dev on Debian 12).
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
  >"$probe/probe.cc"
if ! clang++ -fsanitize=fuzzer "$probe/probe.cc" -o "$probe/probe" 2>/dev/null; then
  echo "run-fuzz: clang++ with libFuzzer is not available; install clang and" \
    "libclang-rt-14-dev (scripts/install-deps.sh)" >&2
  exit 77
fi

cmake -S "$here" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
nice cmake --build "$build" -j "$(nproc)" >/dev/null
fuzzer=$build/policy_file_fuzzer

shopt -s nullglob
regressions=("$here"/regressions/*)
if ((${#regressions[@]} > 0)); then
  "$fuzzer" "${regressions[@]}"
fi

# New inputs go to the first directory, the build's; the committed seeds stay as they are.
mkdir -p "$build/corpus" "$build/artifacts"
"$fuzzer" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
  -dict="$here/policy.dict" -artifact_prefix="$build/artifacts/" -print_final_stats=1 \
  "$build/corpus" "$here/corpus/policy" "$repo/tests/data/oci-seccomp"
