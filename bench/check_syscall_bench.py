#!/usr/bin/env python3
"""Checks the syscall benchmark's output (stdin or a file): exit 1 unless every line is a
JSON object, the meta line comes first, and every (workload, config, optimize, action_cache)
the meta line announces has one result with finite positive timings. Used by the ctest
bench_smoke_syscall."""
import json
import math
import sys

EXPECTED_CONFIGS = {"none/none"} | {f"{c}/{o}" for c in ("minimal", "build", "network",
                                                         "docker-default")
                                    for o in ("priority", "binary-tree")}
EXPECTED_WORKLOADS = {"getppid", "mixed", "late"}
NUMBERS = ["filter_instructions", "instructions_run", "rounds", "iterations", "median_ns",
           "p10_ns", "p90_ns", "ratio_to_none", "overhead_ns"]


def main(argv):
    source = open(argv[1]) if len(argv) > 1 else sys.stdin
    errors = []
    meta, seen = None, set()
    for number, text in enumerate(source, 1):
        try:
            obj = json.loads(text)
        except ValueError as e:
            errors.append(f"line {number}: not JSON ({e}): {text.strip()[:120]}")
            continue
        if not isinstance(obj, dict):
            errors.append(f"line {number}: not an object")
            continue
        if number == 1:
            if obj.get("bench") != "meta" or obj.get("program") != "syscall":
                errors.append("line 1: not the syscall benchmark's meta line")
            meta = obj
            continue
        if obj.get("bench") != "syscall":
            errors.append(f"line {number}: bench is {obj.get('bench')!r}, not 'syscall'")
            continue
        key = (obj.get("workload"), f"{obj.get('config')}/{obj.get('optimize')}",
               obj.get("action_cache"))
        if key in seen:
            errors.append(f"line {number}: duplicate result for {key}")
        seen.add(key)
        for name in NUMBERS:
            value = obj.get(name)
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                errors.append(f"line {number}: bad or missing {name!r}: {value!r}")
        for name in ("median_ns", "p10_ns", "p90_ns", "ratio_to_none"):
            if isinstance(obj.get(name), (int, float)) and not obj[name] > 0:
                errors.append(f"line {number}: {name} is not positive: {obj[name]!r}")
        if obj.get("action_cache") is False and "overhead_vs_defeat_ns" not in obj:
            errors.append(f"line {number}: no overhead_vs_defeat_ns with the cache off")
        if obj.get("config") != "none" and not obj.get("filter_instructions"):
            errors.append(f"line {number}: a filter config without filter_instructions")
    if meta is None:
        errors.append("no output")
    else:
        workloads = set(meta.get("workloads", "").split(","))
        configs = set(meta.get("configs", "").split(","))
        if workloads != EXPECTED_WORKLOADS:
            errors.append(f"meta: workloads {sorted(workloads)}, expected "
                          f"{sorted(EXPECTED_WORKLOADS)}")
        if configs != EXPECTED_CONFIGS:
            errors.append(f"meta: configs {sorted(configs)}, expected {sorted(EXPECTED_CONFIGS)}")
        for workload in sorted(workloads):
            for config in sorted(configs):
                for cache in (True, False):
                    if (workload, config, cache) not in seen:
                        errors.append(f"no result for {workload} {config} action_cache={cache}")
    for error in errors:
        print(f"check_syscall_bench: {error}", file=sys.stderr)
    if not errors:
        print(f"check_syscall_bench: {len(seen)} results, all well formed")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
