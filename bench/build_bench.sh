#!/usr/bin/env bash
# build_bench.sh [--smoke|--full] [--files N] [--rounds N] [--jobs N] CV_LSM
#
# A real workload: `make -jJOBS` of a generated C project (N translation units, each
# including libc headers and a shared header, linked into one program) with no policy and
# under `CV_LSM run --policy build`, interleaved round by round from a clean tree. Also
# times `CV_LSM run --policy build -- true` (loading, attaching and self-testing the
# programs, which every `run` pays once) so the build's own overhead can be told apart.
# Prints JSON lines like the other benchmarks (bench/README.md). Needs a C compiler; as
# root in the VM the tier is bpf-lsm.
set -euo pipefail

files=120 rounds=3 jobs=2
while [ $# -gt 1 ]; do
  case "$1" in
    --smoke) files=8 rounds=1; shift ;;
    --full) files=300 rounds=3; shift ;;
    --files) files=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || { sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
cv_lsm=$1
[ -x "$cv_lsm" ] || { echo "build_bench: $cv_lsm is not executable" >&2; exit 2; }
command -v cc >/dev/null || { echo "build_bench: no C compiler (cc)" >&2; exit 2; }

# Not below /tmp: the build preset allows /tmp, and the project must be allowed by its rule.
work=$(mktemp -d /var/tmp/cvlsm-build-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
project=$work/project
mkdir -p "$project/src"

generate() {
  cat >"$project/src/common.h" <<'EOF'
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
uint64_t mix(uint64_t x);
EOF
  local i
  for ((i = 0; i < files; i++)); do
    cat >"$project/src/unit$i.c" <<EOF
#include "common.h"
struct record$i { char name[32]; uint64_t values[8]; };
static int compare$i(const void *a, const void *b) {
  const struct record$i *x = a, *y = b;
  return x->values[0] < y->values[0] ? -1 : x->values[0] > y->values[0];
}
uint64_t unit$i(uint64_t seed) {
  struct record$i records[16];
  for (size_t r = 0; r < 16; r++) {
    snprintf(records[r].name, sizeof(records[r].name), "unit$i-%zu", r);
    for (size_t v = 0; v < 8; v++) records[r].values[v] = mix(seed + r * 8 + v);
  }
  qsort(records, 16, sizeof(records[0]), compare$i);
  return records[0].values[0] ^ strlen(records[15].name);
}
EOF
  done
  {
    echo '#include "common.h"'
    echo 'uint64_t mix(uint64_t x) { x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; return x ^ (x >> 33); }'
    for ((i = 0; i < files; i++)); do echo "uint64_t unit$i(uint64_t);"; done
    echo 'int main(void) { uint64_t h = 0;'
    for ((i = 0; i < files; i++)); do echo "  h += unit$i(h);"; done
    echo '  printf("%llu\n", (unsigned long long)h); return 0; }'
  } >"$project/src/main.c"
  cat >"$project/Makefile" <<'EOF'
SOURCES := $(wildcard src/*.c)
OBJECTS := $(SOURCES:src/%.c=obj/%.o)
CFLAGS := -O1 -Wall
program: $(OBJECTS)
	$(CC) -o $@ $^
obj/%.o: src/%.c src/common.h | obj
	$(CC) $(CFLAGS) -c -o $@ $<
obj:
	mkdir -p obj
clean:
	rm -rf obj program
.PHONY: clean
EOF
}
generate

now_ns() { date +%s%N; }

# run CONFIG: one clean build, its wall time in ns on stdout; the program must run after.
build_once() {
  local config=$1 start end
  make -C "$project" -s clean
  start=$(now_ns)
  case "$config" in
    none) make -C "$project" -s -j"$jobs" >/dev/null ;;
    build-preset)
      "$cv_lsm" run --strict --policy build --allow "$project:rwx" -- \
        make -C "$project" -s -j"$jobs" >/dev/null 2>"$work/run.err" || {
        echo "build_bench: the build failed under the build preset:" >&2
        cat "$work/run.err" >&2
        return 1
      } ;;
  esac
  end=$(now_ns)
  "$project/program" >/dev/null || { echo "build_bench: the built program failed" >&2; return 1; }
  echo $((end - start))
}

startup_once() {
  local start end
  start=$(now_ns)
  "$cv_lsm" run --strict --policy build -- true 2>/dev/null
  end=$(now_ns)
  echo $((end - start))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# status exits non-zero below the strongest tier; its JSON is what counts here.
tier=$({ "$cv_lsm" status --json 2>/dev/null || true; } |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["tier"])' 2>/dev/null || echo unknown)
printf '{"bench":"meta","program":"build","kernel":"%s","files":%d,"rounds":%d,"jobs":%d,"tier":"%s","cc":"%s"}\n' \
  "$(uname -r)" "$files" "$rounds" "$jobs" "$tier" "$(cc --version | head -n1 | tr -d '"\\')"

# One warm-up build so the compiler and headers are cached for every timed round.
build_once none >/dev/null
none=() confined=() startup=()
for ((r = 0; r < rounds; r++)); do
  # Alternate which configuration goes first.
  if ((r % 2 == 0)); then
    none+=("$(build_once none)"); confined+=("$(build_once build-preset)")
  else
    confined+=("$(build_once build-preset)"); none+=("$(build_once none)")
  fi
  startup+=("$(startup_once)")
done
none_ns=$(printf '%s\n' "${none[@]}" | median)
confined_ns=$(printf '%s\n' "${confined[@]}" | median)
startup_ns=$(printf '%s\n' "${startup[@]}" | median)
spread() { printf '%s\n' "$@" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s,%s", lo, hi }'; }
python3 - "$none_ns" "$confined_ns" "$startup_ns" "$(spread "${none[@]}")" \
  "$(spread "${confined[@]}")" "$tier" "$files" "$rounds" <<'EOF'
import json, sys
none, confined, startup = (float(v) for v in sys.argv[1:4])
none_range, confined_range = ([float(v) for v in r.split(",")] for r in sys.argv[4:6])
tier, files, rounds = sys.argv[6], int(sys.argv[7]), int(sys.argv[8])
for config, median, (low, high) in (("none", none, none_range),
                                    ("build-preset", confined, confined_range)):
    print(json.dumps({"bench": "build", "config": config, "tier": tier if config != "none" else "none",
                      "files": files, "rounds": rounds, "median_ns": median, "min_ns": low,
                      "max_ns": high, "ratio_to_none": median / none}))
print(json.dumps({"bench": "build", "config": "build-preset-without-startup", "tier": tier,
                  "files": files, "rounds": rounds, "median_ns": confined - startup,
                  "startup_ns": startup, "ratio_to_none": (confined - startup) / none}))
EOF
