#!/usr/bin/env bash
# check-layering.sh BUILD_DIR: the include of a higher layer from a lower one fails to
# compile, saying the header cannot be found, while an include of a lower layer compiles.
set -uo pipefail
build=${1:?usage: check-layering.sh BUILD_DIR}
if ! cmake --build "$build" --target cvlsm_layering_allowed >/dev/null 2>&1; then
  echo "layering: the control (policy including common) does not compile" >&2
  cmake --build "$build" --target cvlsm_layering_allowed 2>&1 | tail -20 >&2
  exit 1
fi
out=$(cmake --build "$build" --target cvlsm_layering_reversed 2>&1)
if [ $? -eq 0 ]; then
  echo "layering: policy/ including runtime/ compiled: the build no longer checks layers" >&2
  exit 1
fi
if ! grep -q 'runtime/confined_process.h: No such file or directory' <<<"$out"; then
  echo "layering: the reversed include failed, but not for want of the header:" >&2
  tail -20 <<<"$out" >&2
  exit 1
fi
echo "layering: a reversed include fails the build; the control compiles"
