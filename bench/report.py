#!/usr/bin/env python3
"""Checks benchmark results and turns them into docs/performance.md.

report.py check RESULTS.jsonl      exit 1 unless every line is well formed, every benchmark
                                   ran, no configuration was unavailable and every
                                   (depth, rules) has a result for every configuration
report.py markdown [PREVIOUS_DIR... --then] RESULTS_DIR... DOCS_DIR
                                   DOCS_DIR/performance.md and its plots (gnuplot) from every
                                   *.jsonl of the RESULTS_DIRs (one per VM kernel, host.jsonl
                                   for the native syscall-filter run); a later directory's
                                   benchmarks replace an earlier one's for the same kernel;
                                   the PREVIOUS_DIRs (the last report's) come first, and a
                                   "What changed" section compares their cells with the new
"""
import datetime
import json
import math
import os
import random
import subprocess
import sys
import tempfile

CONFIGS = ["none", "bpf-lsm", "landlock", "seccomp"]
BENCHES = ["file_open", "exec", "connect"]
# The program each benchmark reports the run time of, besides its own grid.
PROG_KEYS = {"file_open": ["bpf_file_open"],
             "exec": ["bpf_file_open", "bpf_bprm_check", "bpf_mmap_file"],
             "connect": ["bpf_socket_connect", "bpf_socket_create"]}
RESULT_KEYS = {"config": str, "depth": int, "rules": int, "policy_rules": int, "rounds": int,
               "iterations": int, "median_ns": float, "p10_ns": float, "p90_ns": float,
               "ratio_to_none": float}


def load(path):
    lines = []
    with open(path) as f:
        for number, text in enumerate(f, 1):
            try:
                obj = json.loads(text)
            except ValueError as e:
                raise SystemExit(f"{path}:{number}: not JSON ({e}): {text.strip()[:120]}")
            if not isinstance(obj, dict) or "bench" not in obj:
                raise SystemExit(f"{path}:{number}: not an object with a 'bench' key")
            lines.append((number, obj))
    return lines


def positive(value):
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def check_other(number, obj, errors):
    """The lines of the policy_ops, build and syscall benchmarks."""
    bench = obj["bench"]
    if "unavailable" in obj:
        errors.append(f"line {number}: {bench} {obj.get('tier') or obj.get('config')} "
                      f"unavailable: {obj['unavailable']}")
        return
    if bench == "policy_memory":
        if not isinstance(obj.get("rss_bytes"), (int, float)):
            errors.append(f"line {number}: policy_memory without rss_bytes")
        return
    for key in ("median_ns",) + (("ratio_to_none",) if bench in ("build", "syscall") else ()):
        if not positive(obj.get(key)):
            errors.append(f"line {number}: bad or missing {key!r}: {obj.get(key)!r}")


OTHER_BENCHES = {"policy_ops", "policy_memory", "build", "syscall"}
# What each program must have printed, besides file_open/exec's own grid.
EXPECTED_OTHER = {
    "policy_ops": lambda objs: {(o.get("tier"), o.get("operation")) for o in objs
                                if o["bench"] == "policy_ops"} >= {
        ("any", "build"), ("bpf-lsm", "resolve"), ("bpf-lsm", "install"),
        ("bpf-lsm", "update_one"), ("bpf-lsm", "remove_one"), ("bpf-lsm", "update_diff"),
        ("bpf-lsm", "replace_all"), ("bpf-lsm", "release"), ("landlock", "ruleset")},
    "build": lambda objs: {o.get("config") for o in objs if o["bench"] == "build"} >= {
        "none", "build-preset", "build-preset-without-startup"},
    "syscall": lambda objs: any(o["bench"] == "syscall" and "median_ns" in o for o in objs),
}


def check(path):
    errors = []
    metas, results = {}, {}
    others = []
    ran = None  # the benchmarks the run was asked for (its host line), None: all
    for number, obj in load(path):
        bench = obj["bench"]
        if bench == "host" and obj.get("benches"):
            ran = set(obj["benches"].split(","))
        if bench in ("host", "host-end"):
            continue
        if bench == "meta":
            metas[obj.get("program")] = obj
            continue
        if bench in OTHER_BENCHES:
            others.append(obj)
            check_other(number, obj, errors)
            continue
        if bench not in BENCHES:
            errors.append(f"line {number}: unknown bench {bench!r}")
            continue
        if "unavailable" in obj:
            errors.append(f"line {number}: {bench} {obj.get('config')} unavailable in the VM: "
                          f"{obj['unavailable']}")
            continue
        if obj.get("config") == "unloaded":  # the machine before the bench loaded anything
            if not positive(obj.get("median_ns")):
                errors.append(f"line {number}: bad or missing 'median_ns' for unloaded")
            continue
        for key, kind in RESULT_KEYS.items():
            value = obj.get(key)
            ok = isinstance(value, (int, float)) if kind is float else isinstance(value, kind)
            if not ok or (kind is float and not (math.isfinite(value) and value > 0)):
                errors.append(f"line {number}: bad or missing {key!r}: {value!r}")
        if obj.get("config") == "bpf-lsm" and not obj.get(f"{PROG_KEYS[bench][0]}_runs"):
            errors.append(f"line {number}: no BPF program run time for bpf-lsm")
        results.setdefault(bench, set()).add((obj.get("depth"), obj.get("rules"),
                                              obj.get("config")))
    for program, complete in EXPECTED_OTHER.items():
        if program in metas and not complete(others):
            errors.append(f"{program}: some results are missing")
    # A VM run has the grid benchmarks it was asked for; the host run the syscall one alone.
    for bench in [b for b in BENCHES if ran is None or b in ran] if "syscall" not in metas else []:
        meta = metas.get(bench)
        if meta is None:
            errors.append(f"{bench}: no meta line (did it run?)")
            continue
        for depth in meta["depths"]:
            for rules in meta["rules"]:
                for config in CONFIGS:
                    if (depth, rules, config) not in results.get(bench, set()):
                        errors.append(f"{bench}: no result for depth {depth}, rules {rules}, "
                                      f"{config}")
    for error in errors:
        print(f"report.py: {path}: {error}", file=sys.stderr)
    return 1 if errors else 0


def ns(value):
    if value >= 1e9:
        return f"{value / 1e9:.2f} s"
    if value >= 1e6:
        return f"{value / 1e6:.2f} ms"
    if value >= 1e4:
        return f"{value / 1e3:.1f} µs"
    return f"{value:.0f} ns"


METHOD = [
    "Every VM figure comes from one process run inside a qemu guest (TCG, no KVM), booted "
    "with `tests/vm/vm-run.sh`, because the development host refuses BPF LSM programs. Each "
    "kernel is one boot; **VM timings are emulated** (TCG runs syscalls ~15x slower than "
    "hardware, unevenly): compare them only within one boot, as ratios. The syscall-filter "
    "figures are native, on the host.",
    "Configurations: `none` (no policy: a process outside every enforced cgroup, while the "
    "BPF LSM programs are attached), `bpf-lsm` (the process joins a cgroup confined through "
    "`BpfLsmEnforcer`), `landlock` (the same policy as a Landlock ruleset the process applies "
    "to itself), `seccomp` (a preset's syscall filter only: minimal for file_open, build for "
    "exec, which needs fork and exec, network for connect). The programs are loaded without the opt-in syscall "
    "counter (`cv-lsm load --count-syscall-denials`), as `cv-lsm load` does by default.",
    "A policy of N rules is one rule allowing the tree the benchmark works in (rwx) and N-1 "
    "decoy rules (r) on other directories; N = 0 means that one rule alone.",
    "Every measurement is a fresh forked child that puts itself under one configuration, "
    "checks the restriction is in force (a file outside the tree must be refused, "
    "`personality` must be refused by the filter), warms up, then runs the workload; restrictions never "
    "stack. Configurations and depths are interleaved round-robin (the order rotates each "
    "round) in many short rounds.",
    "Runs booted with `--icount` (run-bench.sh, vm-run.sh) count instructions: one vCPU, "
    "qemu's instruction counter as the guest's clock, so a guest nanosecond is one "
    "instruction and a figure repeats to 0.1% whatever the host does. Their ratios are "
    "ratios of instructions executed: exact, and blind to cache misses and memory latency. "
    "The targets table says which unit each figure is in.",
    "connect: `socket` + `connect` + `close` (with `SO_LINGER` 0: no TIME_WAIT piles up) of "
    "a TCP socket to a listener on 127.0.0.1 that the parent accepts from, timed in blocks of "
    "20. Its policy is the allow rule for the listener plus N-1 decoy connect rules, prefixes "
    "/16 to /32 of 10.0.0.0/8 on the same port (Landlock, which matches ports, gets the "
    "same one port: its cost does not grow with prefixes, and its figure shows what a port "
    "rule costs); the seccomp configuration is the Network preset's filter. Landlock's TCP "
    "rules need ABI 4 (Linux 6.7): on older kernels its column enforces no network rule.",
    "file_open: `open(O_RDONLY)` + `close` of a file at depth d below the allowed tree "
    "(absolute path), timed in blocks of 20; a round's figure is the median block. exec: "
    "`fork` + `execve` + `waitpid` of a static `int main(){return 0;}` at depth d, each "
    "timed; a round's figure is the median.",
    "Reported: the median of the per-round figures (p10 and p90 across rounds in the JSON), "
    "and its ratio to the `none` median of the same depth and rule count in the same boot. "
    "The exec target is judged on the median of all its cells' ratios (depths and rule "
    "counts), with a 95% bootstrap interval over the cells: an exec runs the same hooks "
    "whatever the rule count, and a single cell's ratio scatters (each exec timed alone, "
    "under emulation) by more than the 3% the target allows. It is met when the whole "
    "interval is at or under 1.03, missed when it is all above, and not shown otherwise. "
    "(Earlier reports judged the worst cell, which noise alone puts over 1.03.) The table "
    "shows every cell. The syscall-filter targets compare the costliest preset (binary-tree "
    "layout) with Docker's cheaper layout: met when it is not above, missed when above by "
    "more than twice the standard error of the difference (from each median's spread over "
    "its rounds), not shown otherwise; the instructions run per call, exact, stand beside.",
    "BPF program time: the kernel's own accounting (`bpf_stats_enabled`, via "
    "`BPF_ENABLE_STATS`), run_time_ns / run_cnt of `cvlsm_file_open` (and "
    "`cvlsm_bprm_check_security` for exec): the median over 5 extra children per cell, "
    "outside the timed rounds (the accounting adds two clock reads per program run).",
    "Policy operations (`policy_ops_bench.cc`): each round builds a policy of N directory "
    "rules, resolves it to kernel objects, installs it for a fresh cgroup, adds one rule "
    "(resolving only that path), changes every rule's modes (a new generation of N rules "
    "and one switch), releases it; and builds the Landlock ruleset of the same rules. "
    "Timed by hand per operation (each is one-shot with its own setup, which does not fit a "
    "micro-benchmark loop); median over the rounds.",
    "Real workload (`build_bench.sh`): `make -j2` of a generated C project (N translation "
    "units with libc headers, one program) from a clean tree, with no policy and under "
    "`cv-lsm run --strict --policy build`, alternating which goes first, after one warm-up "
    "build. `cv-lsm run -- true` is timed too: every `run` loads, attaches and self-tests "
    "the programs once, which the build's own overhead excludes.",
]


def load_dir(path):
    """series -> lines, from every *.jsonl of a results directory."""
    runs = {}
    for name in sorted(os.listdir(path)):
        if name.endswith(".jsonl"):
            # "unloaded" lines are checked, and told through the "none" lines' ratio to them.
            runs[name[: -len(".jsonl")]] = [obj for _, obj in load(os.path.join(path, name))
                                            if obj.get("config") != "unloaded"]
    return runs


def series_key(series):
    return (series == "host", [int(p) if p.isdigit() else p for p in series.split(".")])


def grid_section(w, title, bench, lines):
    rows = [o for o in lines if o["bench"] == bench and "median_ns" in o]
    if not rows:
        return
    cell = {(o["depth"], o["rules"], o["config"]): o for o in rows}
    configs = [c for c in CONFIGS if any(o["config"] == c for o in rows)]
    keys = sorted({(o["depth"], o["rules"]) for o in rows}, key=lambda k: (k[1], k[0]))
    w("")
    w(f"### {title}")
    w("")
    head = ["rules", "depth"] + [f"`{c}`" for c in configs]
    prog_keys = PROG_KEYS[bench]
    for prog in prog_keys:
        label = prog.replace("bpf_", "")
        head += [f"{label} prog, none", f"{label} prog, bpf-lsm"]
    spreads = sorted((o["p90_ns"] - o["p10_ns"]) / o["median_ns"] for o in rows)
    w(f"Median per operation (ratio to `none`); prog columns: the BPF program's own average "
      f"run time per call. Spread of single rounds (p90 - p10 over the median): typically "
      f"{100 * spreads[len(spreads) // 2]:.0f}%, at most {100 * spreads[-1]:.0f}%; treat "
      "ratio differences of a few percent as noise.")
    w("")
    w("| " + " | ".join(head) + " |")
    w("|" + "---|" * len(head))
    for depth, rules in keys:
        row = [str(rules), str(depth)]
        for c in configs:
            o = cell.get((depth, rules, c))
            row.append("" if o is None else f"{ns(o['median_ns'])} ({o['ratio_to_none']:.2f})")
        for prog in prog_keys:
            for c in ("none", "bpf-lsm"):
                v = cell.get((depth, rules, c), {}).get(f"{prog}_avg_ns")
                row.append("" if v is None else f"{v:.0f} ns")
        w("| " + " | ".join(row) + " |")
    attached = sorted({(o["depth"], o["ratio_to_unloaded"]) for o in rows
                       if o["config"] == "none" and "ratio_to_unloaded" in o})
    if attached:
        w("")
        w("A process outside every confined cgroup, programs attached, over the same machine "
          "before anything was loaded (`none` / `unloaded`): " +
          ", ".join(f"depth {d} {r:.3f}x" for d, r in attached) + ".")


def ratio(lines, bench, config, depth, rules):
    for o in lines:
        if (o["bench"] == bench and o.get("config") == config and o.get("depth") == depth
                and o.get("rules") == rules and "ratio_to_none" in o):
            return o["ratio_to_none"]
    return None


def policy_op(lines, tier, operation, rules):
    for o in lines:
        if (o["bench"] == "policy_ops" and o.get("tier") == tier
                and o.get("operation") == operation and o.get("rules") == rules):
            return o["median_ns"]
    return None


def median_standard_error(line):
    """Of a line's median over its rounds: 1.25 sigma / sqrt(rounds), sigma from p10..p90."""
    sigma = (line["p90_ns"] - line["p10_ns"]) / 2.563
    return 1.2533 * sigma / math.sqrt(line["rounds"])


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def median_interval(values, resamples=4000):
    """The median and a 95% percentile-bootstrap interval (fixed seed: the report is stable)."""
    rng = random.Random(0)
    medians = sorted(median(rng.choices(values, k=len(values))) for _ in range(resamples))
    return median(values), medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1]


def line_fit(points):
    """Least squares: (intercept, slope) of y over x, or None for fewer than two x values."""
    xs = {x for x, _ in points}
    if len(xs) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    slope = (sum((x - mx) * (y - my) for x, y in points)
             / sum((x - mx) ** 2 for x, _ in points))
    return my - slope * mx, slope


def walk_cost_section(w, series, lines):
    """What the file_open profile shows: the program's cost and the open's, against depth."""
    rows = [o for o in lines if o["bench"] == "file_open" and "median_ns" in o]
    cell = {(o["depth"], o["rules"], o["config"]): o for o in rows}
    fits = []  # (rules, program fit, added-time fit)
    unconfined = []
    for rules in sorted({o["rules"] for o in rows}):
        prog, added = [], []
        for depth in sorted({o["depth"] for o in rows}):
            confined, none = cell.get((depth, rules, "bpf-lsm")), cell.get((depth, rules, "none"))
            if confined is None or none is None:
                continue
            if "bpf_file_open_avg_ns" in confined:
                prog.append((depth, confined["bpf_file_open_avg_ns"]))
            if "bpf_file_open_avg_ns" in none:
                unconfined.append(none["bpf_file_open_avg_ns"])
            added.append((depth, confined["median_ns"] - none["median_ns"]))
        prog_fit, added_fit = line_fit(prog), line_fit(added)
        if prog_fit is not None and added_fit is not None:
            fits.append((rules, prog_fit, added_fit))
    if not fits:
        return

    def span(values, unit):
        return f"{min(values):.0f} to {max(values):.0f} {unit}"

    w("")
    w(f"### Where the time goes ({series})")
    w("")
    w("A straight line against depth, fitted for each rule count (least squares), of the "
      "`file_open` program's own time in a confined process and of what a confined "
      "open+close adds to `none`:")
    w("")
    w("| rules | program: fixed | program: per component | open+close added: fixed | "
      "added per component |")
    w("|---|---|---|---|---|")
    for rules, prog_fit, added_fit in fits:
        w(f"| {rules} | {prog_fit[0]:.0f} ns | {prog_fit[1]:.0f} ns | {added_fit[0]:.0f} ns | "
          f"{added_fit[1]:.0f} ns |")
    w("")
    text = (f"Per path component the program spends {span([f[1][1] for f in fits], 'ns')} "
            "(one rule lookup in the hash map and the step to the parent); by design the "
            "lookup costs the same whatever the number of rules (the flatness target above "
            "says how well that holds).")
    if unconfined:
        text += (f" A process outside every enforced cgroup runs the program for "
                 f"{median(unconfined):.0f} ns (median of the cells; the cgroup lookup, then "
                 "out).")
    w(text + " The program figures include the kernel's accounting, two clock reads per "
      "run, which are slow under emulation; compare them with each other rather than with "
      "the open+close times. All figures emulated.")
def clock_of(lines, bench):
    """"instructions" when the boot that ran `bench` counted instructions (--icount)."""
    host = None
    for o in lines:
        if o["bench"] == "host":
            host = o
        if o["bench"] == bench and host is not None:
            return "instructions" if host.get("clock") == "icount" else "time"
    return "time"


def verdict(ok):
    return "met" if ok else "**missed**"


def targets_section(w, runs):
    w("## Targets")
    w("")
    w("| target | kernel | measured | |")
    w("|---|---|---|---|")
    for series in sorted((s for s in runs if s != "host"), key=series_key):
        lines = runs[series]
        bpf, landlock = (ratio(lines, "file_open", c, 8, 10000) for c in ("bpf-lsm", "landlock"))
        open_unit = clock_of(lines, "file_open")
        if bpf is not None:
            w(f"| file_open, depth 8, 10k rules: at most 1.05x | {series} | {bpf:.3f}x "
              f"({open_unit}) | {verdict(bpf <= 1.05)} |")
        if bpf is not None and landlock is not None:
            w(f"| ... and below Landlock's | {series} | bpf-lsm {bpf:.3f}x, landlock "
              f"{landlock:.3f}x ({open_unit}) | {verdict(bpf < landlock)} |")
        base = ratio(lines, "file_open", "bpf-lsm", 8, 10)
        flat = [ratio(lines, "file_open", "bpf-lsm", 8, n) for n in (1000, 10000, 100000)]
        flat = [r for r in flat if r is not None]
        if base is not None and flat:
            worst = max(flat) / base
            w(f"| no rule count from 10 to 100k above 1.02x the 10-rule cell (depth 8) | "
              f"{series} | worst {worst:.4f}x ({open_unit}) | {verdict(worst <= 1.02)} |")
        attached = next((o["ratio_to_unloaded"] for o in lines
                         if o["bench"] == "file_open" and o.get("config") == "none"
                         and o.get("depth") == 8 and "ratio_to_unloaded" in o), None)
        if attached is not None:
            w(f"| a process outside confinement, programs attached, over nothing loaded: at "
              f"most 1.01x (open+close, depth 8) | {series} | {attached:.3f}x ({open_unit}) | "
              f"{verdict(attached <= 1.01)} |")
        connect, connect_landlock = (ratio(lines, "connect", c, 1, 10000)
                                     for c in ("bpf-lsm", "landlock"))
        unit = clock_of(lines, "connect")
        if connect is not None:
            w(f"| connect+close, 10k prefixes: at most 1.05x | {series} | {connect:.3f}x "
              f"({unit}) | {verdict(connect <= 1.05)} |")
        if connect is not None and connect_landlock is not None:
            w(f"| ... and no more than Landlock's TCP connect rule | {series} | bpf-lsm "
              f"{connect:.3f}x, landlock {connect_landlock:.3f}x ({unit}) | "
              f"{verdict(connect <= connect_landlock)} |")
        execs = [o for o in lines if o["bench"] == "exec" and o.get("config") == "bpf-lsm"]
        if execs:
            # An exec's hooks are the same whatever the rule count and nearly so whatever the
            # depth, and one cell's ratio scatters by more than the target: the verdict is on
            # the median over all cells, with its bootstrap interval.
            estimate, low, high = median_interval([o["ratio_to_none"] for o in execs])
            worst = max(execs, key=lambda o: o["ratio_to_none"])
            if high <= 1.03:
                judged = "met"
            elif low > 1.03:
                judged = "**missed**"
            else:
                judged = "**not shown**: 1.03 is inside the interval"
            w(f"| exec: at most 1.03x | {series} | median of its {len(execs)} cells "
              f"{estimate:.3f}x (95% interval {low:.3f} to {high:.3f}; worst cell "
              f"{worst['ratio_to_none']:.2f}x at depth {worst['depth']}, {worst['rules']} "
              f"rules) | {judged} |")
        install = policy_op(lines, "bpf-lsm", "install", 10000)
        resolve = policy_op(lines, "bpf-lsm", "resolve", 10000)
        # Under icount a guest nanosecond is one instruction: "ms" then reads as millions.
        ops_unit = ("instructions: 1 ms = 1M" if clock_of(lines, "policy_ops") == "instructions"
                    else "emulated")
        if install is not None:
            w(f"| installing 10k rules: under 50 ms | {series} | install {ns(install)} "
              f"(+ resolving the paths {ns(resolve or 0)}), {ops_unit} | "
              f"{verdict(install < 50e6)} |")
        update = policy_op(lines, "bpf-lsm", "update_one", 10000)
        if update is not None:
            w(f"| updating one rule (of 10k): under 1 ms | {series} | {ns(update)} "
              f"(`SetPathRule`), {ops_unit} | "
              f"{verdict(update < 1e6)} |")
        build = next((o for o in lines if o["bench"] == "build"
                      and o.get("config") == "build-preset-without-startup"), None)
        if build is not None:
            w(f"| real build under Build: at most 1.03x | {series} | "
              f"{build['ratio_to_none']:.2f}x without `run`'s start-up of "
              f"{ns(build['startup_ns'])} | {verdict(build['ratio_to_none'] <= 1.03)} |")
    host = runs.get("host", [])
    for workload in ("getppid", "mixed"):
        rows = [o for o in host if o["bench"] == "syscall" and o.get("workload") == workload
                and o.get("action_cache") is False and "overhead_vs_defeat_ns" in o]
        docker = {o["optimize"]: o for o in rows if o.get("config") == "docker-default"}
        presets = [o for o in rows if o.get("config") in ("minimal", "build", "network")
                   and o.get("optimize") == "binary-tree"]
        if not docker or not presets:
            continue
        best_docker = min(docker.values(), key=lambda o: o["overhead_vs_defeat_ns"])
        reference = best_docker["overhead_vs_defeat_ns"]
        worst = max(presets, key=lambda o: o["overhead_vs_defeat_ns"])
        most_run = max(presets, key=lambda o: o.get("instructions_run", 0))
        # Two medians of separate children differ by noise alone: twice the standard error
        # of their difference, estimated from each one's spread over its rounds.
        noise = 2 * math.hypot(median_standard_error(worst), median_standard_error(best_docker))
        difference = worst["overhead_vs_defeat_ns"] - reference
        if difference <= 0:
            judged = "met"
        elif difference > noise:
            judged = "**missed**"
        else:
            judged = f"**not shown**: {difference:.0f} ns apart, within this run's noise ({noise:.0f} ns)"
        w(f"| each preset's filter no costlier than Docker's default profile ({workload}, "
          f"filter running: action cache off) | host | worst preset {worst['config']} "
          f"+{worst['overhead_vs_defeat_ns']:.0f} ns vs Docker +{reference:.0f} ns; "
          f"instructions run per call: up to {most_run.get('instructions_run', 0):.0f} vs "
          + ", ".join(f"{o.get('instructions_run', 0):.0f} ({k})" for k, o in sorted(docker.items()))
          + f" | {judged} |")
    w("")


def policy_section(w, series, lines):
    rows = [o for o in lines if o["bench"] == "policy_ops" and "median_ns" in o]
    if not rows:
        return
    w("")
    w(f"### Policy operations ({series})")
    w("")
    rule_counts = sorted({o["rules"] for o in rows})
    ops = [("any", "build"), ("bpf-lsm", "resolve"), ("bpf-lsm", "install"),
           ("bpf-lsm", "update_one"), ("bpf-lsm", "remove_one"), ("bpf-lsm", "update_diff"),
           ("bpf-lsm", "replace_all"), ("bpf-lsm", "release"), ("landlock", "ruleset")]
    w("Median time (emulated). `resolve`: every rule path to the kernel object it names; "
      "`install`: the map entries and the cgroup's entry; `update_one`: `SetPathRule`, one "
      "more path resolved and one map update; `remove_one`: `RemovePathRule`, the same rule "
      "taken out; `update_diff`: the same one-rule change handed over as a whole policy "
      "(`Update` finds the difference); `replace_all`: every rule changed, a new generation "
      "and one switch; `ruleset`: the Landlock tier's equivalent of resolve + install.")
    w("")
    w("| operation | " + " | ".join(f"{n} rules" for n in rule_counts) + " |")
    w("|---|" + "---|" * len(rule_counts))
    for tier, op in ops:
        cells = []
        for n in rule_counts:
            v = policy_op(lines, tier, op, n)
            cells.append("" if v is None else ns(v))
        w(f"| {tier} {op} | " + " | ".join(cells) + " |")
    memory = [o for o in lines if o["bench"] == "policy_memory"]
    if memory:
        w("")
        w("Memory per rule after install (bpf-lsm): the path-rules map's charge "
          "(`memlock` in the map's fdinfo; kernels before 6.4 report the map's limit, not "
          "its contents, so the delta is 0 there) and the manager's resident set (the "
          "resolved rule and the O_PATH descriptor that pins its inode).")
        w("")
        w("| rules | map bytes / rule | map charge in all | manager RSS / rule |")
        w("|---|---|---|---|")
        for o in memory:
            map_rule = o.get("map_bytes_per_rule")
            w(f"| {o['rules']} | {'' if not map_rule else f'{map_rule:.0f} B'} | "
              f"{o.get('map_bytes_total', 0) / 1024:.0f} KiB | "
              f"{o['rss_bytes_per_rule']:.0f} B |")


def build_section(w, series, lines):
    rows = [o for o in lines if o["bench"] == "build" and "median_ns" in o]
    meta = next((o for o in lines if o["bench"] == "meta" and o.get("program") == "build"), {})
    if not rows:
        return
    w("")
    w(f"### Real build ({series})")
    w("")
    w(f"`make -j{meta.get('jobs', '?')}` of {meta.get('files', '?')} C files with "
      f"{meta.get('cc', '?')}, {meta.get('rounds', '?')} rounds per configuration, tier "
      f"{meta.get('tier', '?')}.")
    w("")
    w("| configuration | median | range | ratio to none |")
    w("|---|---|---|---|")
    for o in rows:
        spread = (f"{ns(o['min_ns'])} to {ns(o['max_ns'])}" if "min_ns" in o
                  else f"(start-up {ns(o['startup_ns'])} taken out)")
        w(f"| {o['config']} | {ns(o['median_ns'])} | {spread} | {o['ratio_to_none']:.3f} |")


def syscall_section(w, lines):
    rows = [o for o in lines if o["bench"] == "syscall" and "median_ns" in o]
    if not rows:
        return
    meta = next((o for o in lines if o["bench"] == "meta"), {})
    w("")
    w("## Syscall filters, native")
    w("")
    w(f"On the host (kernel {meta.get('kernel', '?')}, {meta.get('cpu', '?')}, libseccomp "
      f"{meta.get('libseccomp', '?')}), no VM: {meta.get('rounds', '?')} rounds x "
      f"{meta.get('iterations', '?')} syscalls per child. Docker's default profile is "
      "compiled the way Docker's stack does (`userspace/seccomp/oci_compiler.cc`, Docker's "
      f"default capabilities: {meta.get('docker_rules', '?')} rules for "
      f"{meta.get('docker_architectures', '?')}; names libseccomp does not know are skipped "
      f"as Docker skips them: {meta.get('docker_unknown_syscalls', '') or 'none'}). "
      "`priority` is libseccomp's default layout (older runc), `binary-tree` its "
      "`SCMP_FLTATR_CTL_OPTIMIZE=2` (current runc for large profiles, and cv-lsm's default). "
      "With the action cache on, the kernel skips a filter whose verdict for a syscall "
      "number is a constant allow, so it costs nothing measurable; to see the filter's own "
      "cost, a stacked 2-instruction filter that reads the instruction pointer turns the "
      "cache off (`none` without cache is that filter alone) and `over defeat` subtracts it. "
      "`instructions run`: per call, counted by an evaluator on the exported program "
      "(exact, no timing noise). `mixed` is 8 cheap syscalls per operation; `late` a "
      "syscall the priority layout checks last.")
    w("")
    w("| workload | filter | layout | action cache | instructions | instructions run | "
      "median | over no filter | over defeat |")
    w("|---|---|---|---|---|---|---|---|---|")
    for o in rows:
        defeat = o.get("overhead_vs_defeat_ns")
        w(f"| {o.get('workload')} | {o.get('config')} | {o.get('optimize', '')} | "
          f"{'on' if o.get('action_cache') else 'off'} | {o.get('filter_instructions', '')} | "
          f"{o.get('instructions_run', 0):.0f} | {o['median_ns']:.0f} ns | "
          f"{o.get('overhead_ns', float('nan')):+.0f} ns | "
          f"{'' if defeat is None else f'{defeat:+.0f} ns'} |")


def run_window(lines):
    """(start, end) of a series' run from its host lines; end is None for older results."""
    def parse(line):
        try:
            return datetime.datetime.strptime(line.get("date", ""), "%Y-%m-%dT%H%M%SZ")
        except ValueError:
            return None
    start = next((parse(o) for o in lines if o["bench"] == "host"), None)
    end = next((parse(o) for o in lines if o["bench"] == "host-end"), None)
    return start, end


def boots(lines):
    """A series' lines split into its boots (each starts at its "host" line): a report may
    take some benchmarks of a kernel from one run and the rest from another."""
    parts = []
    for o in lines:
        if o["bench"] == "host" or not parts:
            parts.append([])
        parts[-1].append(o)
    return parts


def boot_benches(boot):
    """The benchmarks a boot still contributes to the report (a later run may replace all)."""
    return sorted({o["bench"] for o in boot if o["bench"] not in ("host", "host-end", "meta")})


def overlaps_section(w, runs):
    """Runs that shared the machine: each guest has one host CPU, but not the machine."""
    windows = [(s, run_window(boot)) for s in sorted(runs, key=series_key)
               for boot in boots(runs[s]) if boot_benches(boot)]
    for i, (a, (a0, a1)) in enumerate(windows):
        for b, (b0, b1) in windows[i + 1:]:
            # One start for both: one run-bench.sh of the time that stamped every series
            # with its own start, which boots its kernels one after the other.
            if a == b or None in (a0, a1, b0, b1) or a0 == b0 or max(a0, b0) >= min(a1, b1):
                continue
            minutes = (min(a1, b1) - max(a0, b0)).total_seconds() / 60
            w(f"- **{a} and {b} ran at the same time** for {minutes:.0f} minutes "
              f"({max(a0, b0):%Y-%m-%d %H:%M} to {min(a1, b1):%H:%M} UTC), one host CPU each "
              "(qemu's TCG is single-threaded). file_open and exec pair their configurations "
              "within seconds, so a steady neighbour divides out of their ratios; the real "
              "build's rounds last minutes each, and a neighbour that started or stopped "
              "between them skews its ratio.")


def machine_section(w, runs):
    w("## Machines")
    w("")
    overlaps_section(w, runs)
    for series in sorted(runs, key=series_key):
        for lines in boots(runs[series]):
            if not boot_benches(lines):
                continue
            host = next((o for o in lines if o["bench"] == "host"), {})
            end_line = next((o for o in lines if o["bench"] == "host-end"), {})
            metas = [o for o in lines if o["bench"] == "meta"]
            guest = next((o for o in metas
                          if "clocksource" in o and o.get("program") != "syscall"), None)
            where = (f"guest kernel {guest['kernel']} ({guest.get('arch', '?')}), CPU "
                     f"\"{guest.get('cpu', '?')}\" x{guest.get('cpus', '?')} under qemu TCG, "
                     f"clocksource {guest.get('clocksource', '?')}" if guest
                     else "native" if series == "host" else "a VM boot")
            start, end = run_window(lines)
            until = f" to {end:%H:%M:%S} UTC" if start and end else ""
            clock = ", guest clock: instructions (icount)" if host.get("clock") == "icount" else ""
            w(f"- **{series}**: {where}; host {host.get('cpu', '?')}, {host.get('cpus', '?')} "
              f"CPUs, kernel {host.get('kernel', '?')}; run {host.get('date', '?')}{until}, "
              f"sizes {host.get('size', '?')}{clock}; here: {', '.join(boot_benches(lines))}")
            if host.get("loadavg") and end_line.get("loadavg"):
                w(f"  - host load average (1, 5, 15 min) {host['loadavg']} at the start, "
                  f"{end_line['loadavg']} at the end")
            for m in metas:
                if m.get("program") in BENCHES:
                    w(f"  - {m['program']}: {m['rounds']} rounds x {m['iterations']} "
                      f"iterations per cell; depths {m['depths']}; rules {m['rules']}")
    w("")


def plot(runs, docs, tmp):
    """PNG plots with gnuplot; returns their paths relative to docs/."""
    made = []
    vm = sorted((s for s in runs if s != "host"), key=series_key)

    def series_data(name, bench, x_key, fixed_key, fixed_value):
        data = os.path.join(tmp, name)
        columns = []
        with open(data, "w") as f:
            for series in vm:
                for config in ("bpf-lsm", "landlock", "seccomp"):
                    pts = sorted((o[x_key], o["ratio_to_none"]) for o in runs[series]
                                 if o["bench"] == bench and o.get("config") == config
                                 and o.get(fixed_key) == fixed_value and "ratio_to_none" in o)
                    if not pts:
                        continue
                    f.write(f"# {config} {series}\n")
                    for x, y in pts:
                        f.write(f"{max(x, 1)} {y}\n")
                    f.write("\n\n")
                    columns.append(f"{config} ({series})")
        return data, columns

    def line_plot(png, title, xlabel, data, columns, logx):
        if not columns:
            return
        script = ["set terminal png size 900,520 noenhanced",
                  f"set output '{os.path.join(docs, png)}'",
                  f"set title '{title}'", f"set xlabel '{xlabel}'",
                  "set ylabel 'time / no policy'", "set key outside right", "set grid",
                  "set logscale x" if logx else "unset logscale x"]
        plots = [f"'{data}' index {i} with linespoints title '{c}'"
                 for i, c in enumerate(columns)]
        script.append("plot " + ", ".join(plots))
        subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)
        made.append(png)

    os.makedirs(os.path.join(docs, "performance"), exist_ok=True)
    data, cols = series_data("rules.dat", "file_open", "rules", "depth", 8)
    line_plot("performance/file_open_vs_rules.png",
              "open+close at depth 8: overhead vs rule count (0 rules plotted at 1)",
              "rules in the policy", data, cols, True)
    data, cols = series_data("depth.dat", "file_open", "depth", "rules", 10000)
    line_plot("performance/file_open_vs_depth.png",
              "open+close with 10k rules: overhead vs path depth", "path depth", data, cols,
              False)
    host = [o for o in runs.get("host", []) if o["bench"] == "syscall"
            and o.get("workload") == "getppid" and o.get("action_cache") is False
            and o.get("config") != "none" and "overhead_vs_defeat_ns" in o]
    if host:
        data = os.path.join(tmp, "syscall.dat")
        with open(data, "w") as f:
            for o in host:
                f.write(f"\"{o['config']} {o['optimize']}\" {o['overhead_vs_defeat_ns']}\n")
        png = "performance/syscall_filters.png"
        script = ["set terminal png size 900,520 noenhanced",
                  f"set output '{os.path.join(docs, png)}'",
                  "set title 'getppid: cost of the filter itself (native, action cache off)'",
                  "set ylabel 'ns per syscall'", "set style fill solid 0.6",
                  "set boxwidth 0.7", "set xtics rotate by -40", "set grid y",
                  "set yrange [0:*]",
                  f"plot '{data}' using 0:2:xtic(1) with boxes notitle"]
        subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)
        made.append(png)
    return made


def merge_runs(paths):
    """series -> lines from several results directories: for each kernel, the benchmarks of
    a later directory replace the same benchmarks of an earlier one (each benchmark's
    ratios are within its own boot)."""
    runs, sources = {}, []
    for path in paths:
        for series, lines in load_dir(path).items():
            benches = {o["bench"] for o in lines if o["bench"] not in ("host", "host-end", "meta")}
            programs = {o.get("program") for o in lines if o["bench"] == "meta"}
            kept = [o for o in runs.get(series, [])
                    if o["bench"] not in benches and not (o["bench"] == "meta"
                                                          and o.get("program") in programs)]
            runs[series] = kept + lines
            # What an earlier directory gave this series and a later one replaces is no
            # longer its source.
            sources = [(s, p, [b for b in bs if s != series or b not in benches])
                       for s, p, bs in sources]
            sources.append((series, path, sorted(benches)))
    return runs, [source for source in sources if source[2]]


def what_changed_section(w, before, after):
    """Cell by cell, the previous report's figures beside this one's, where they differ."""
    rows = []
    for series in sorted((s for s in after if s != "host"), key=series_key):
        old_lines, new_lines = before.get(series, []), after[series]
        for bench in ("file_open", "connect", "exec"):
            old_unit, new_unit = clock_of(old_lines, bench), clock_of(new_lines, bench)
            old_cells = {(o["depth"], o["rules"], o["config"]): o for o in old_lines
                         if o["bench"] == bench and "ratio_to_none" in o}
            for o in new_lines:
                if o["bench"] != bench or o.get("config") not in ("bpf-lsm", "landlock"):
                    continue
                prev = old_cells.get((o.get("depth"), o.get("rules"), o["config"]))
                if prev is None or prev == o:
                    continue
                rows.append(f"| {series} | {bench} | {o['depth']} | {o['rules']} | "
                            f"{o['config']} | {prev['ratio_to_none']:.3f}x ({old_unit}) | "
                            f"{o['ratio_to_none']:.3f}x ({new_unit}) |")
        for operation in ("install", "replace_all"):
            old_op = policy_op(old_lines, "bpf-lsm", operation, 10000)
            new_op = policy_op(new_lines, "bpf-lsm", operation, 10000)
            if old_op is not None and new_op is not None and old_op != new_op:  # re-measured
                rows.append(f"| {series} | policy_ops {operation} | | 10000 | bpf-lsm | "
                            f"{ns(old_op)} ({clock_of(old_lines, 'policy_ops')}) | "
                            f"{ns(new_op)} ({clock_of(new_lines, 'policy_ops')}) |")
    if not rows:
        return
    w("## What changed")
    w("")
    w("The previous report's figures beside this one's, for every cell both measured. A "
      "time ratio and an instruction ratio are not the same measure (Method): compare "
      "within a unit; where the unit changed, the instruction figure is the one the "
      "targets are judged on.")
    w("")
    w("| kernel | benchmark | depth | rules | config | before | after |")
    w("|---|---|---|---|---|---|---|")
    for row in rows:
        w(row)
    w("")


def markdown(paths, docs):
    previous = []
    if "--then" in paths:  # the directories of the previous report, then the new ones
        previous = paths[: paths.index("--then")]
        paths = previous + paths[paths.index("--then") + 1:]
    runs, sources = merge_runs(paths)
    if not runs:
        raise SystemExit(f"report.py: no *.jsonl in {' '.join(paths)}")
    out = []
    w = out.append
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rels = [os.path.relpath(os.path.abspath(path), repo) for path in paths]
    w("# Performance")
    w("")
    w(f"Generated by `bench/run-bench.sh` from {', '.join(f'`{r}/`' for r in rels)}: do not "
      "edit by hand, run the script again.")
    if len(paths) > 1:
        w("")
        w("Each benchmark's figures come from one boot (its ratios are within it):")
        w("")
        for series, path, benches in sources:
            rel = os.path.relpath(os.path.abspath(path), repo)
            w(f"- {series}: {', '.join(benches)} from `{rel}/`")
    # What the machine did meanwhile, when whoever ran a directory's boots wrote it down
    # (results from before the load average was recorded in each run's host lines).
    for path in dict.fromkeys(paths):
        conditions = os.path.join(path, "conditions.txt")
        if os.path.exists(conditions):
            rel = os.path.relpath(os.path.abspath(path), repo)
            with open(conditions) as f:
                w("")
                w(f"`{rel}/`: {' '.join(f.read().split())}")
    w("")
    targets_section(w, runs)
    if previous:
        what_changed_section(w, merge_runs(previous)[0], runs)
    with tempfile.TemporaryDirectory() as tmp:
        plots = plot(runs, docs, tmp)
    if plots:
        w("## Plots")
        w("")
        for png in plots:
            w(f"![{os.path.basename(png)}]({png})")
            w("")
    w("## Method")
    w("")
    for item in METHOD:
        w(f"- {item}")
    w("")
    machine_section(w, runs)
    for series in sorted((s for s in runs if s != "host"), key=series_key):
        lines = runs[series]
        w(f"## Kernel {series}")
        grid_section(w, f"file_open ({series})", "file_open", lines)
        walk_cost_section(w, series, lines)
        grid_section(w, f"exec ({series})", "exec", lines)
        grid_section(w, f"connect ({series})", "connect", lines)
        policy_section(w, series, lines)
        build_section(w, series, lines)
        w("")
    syscall_section(w, runs.get("host", []))
    with open(os.path.join(docs, "performance.md"), "w") as f:
        f.write("\n".join(out) + "\n")
    return 0


def main(argv):
    if argv[1:2] == ["check"] and len(argv) == 3:
        return check(argv[2])
    if argv[1:2] == ["markdown"] and len(argv) >= 4:
        return markdown(argv[2:-1], argv[-1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
