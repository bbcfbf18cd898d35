#!/usr/bin/env python3
"""write-threat-model.py RESULTS_DIR DOC.md CASE...

Reads the `CVLSM-ADV: {json}` lines the adversarial suite printed in each case of the kernel
matrix (RESULTS_DIR/CASE.log, written by tests/vm/run-case.sh) and replaces the part of
DOC.md between the generated-table markers with the scenario x case table and the mechanism
of each scenario per tier. The prose around the markers is left alone. Exits 1 when a case
has no result lines or any scenario got an unexpected verdict or a failed control, so the
run that generated the table fails with it.
"""
import datetime
import json
import pathlib
import sys

BEGIN = "<!-- BEGIN GENERATED: adversarial (tests/adversarial/write-threat-model.py) -->"
END = "<!-- END GENERATED: adversarial -->"
PREFIX = "CVLSM-ADV: "
SCOPE_PREFIX = "CVLSM-ADV-SCOPE: "


def read_scope(results, name):
    """The scenarios a case's run covered (its scope line), or None for all of them."""
    log = results / f"{name}.log"
    if not log.exists():
        return None
    for line in log.read_text(errors="replace").splitlines():
        at = line.find(SCOPE_PREFIX)
        if at >= 0:
            try:
                scope = json.loads(line.replace("\r", "")[at + len(SCOPE_PREFIX):])
            except json.JSONDecodeError:
                return None
            return None if scope.get("scope") == "full" else set(scope.get("scenarios", []))
    return None


def read_case(results, name):
    log = results / f"{name}.log"
    if not log.exists():
        return []
    rows = []
    for line in log.read_text(errors="replace").splitlines():
        line = line.replace("\r", "")
        at = line.find(PREFIX)
        if at < 0:
            continue
        try:
            rows.append(json.loads(line[at + len(PREFIX):]))
        except json.JSONDecodeError:
            pass  # a line the serial console cut; the test itself still failed or passed
    return rows


def tier_label(row):
    if row["tier"] == "landlock":
        return f"landlock ABI {row['landlock_abi']}"
    return row["tier"]


def cell(row):
    if row is None:
        return "no result"
    observed = row["observed"]
    text = "not stopped" if observed == "succeeds" else observed
    if row["result"] == "pass":
        return text
    if row["control"] == "FAILED":
        return f"**control failed** ({text}) ✗"
    expected = "not stopped" if row["expected"] == "succeeds" else row["expected"]
    return f"**{text}** (expected {expected}) ✗"


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    results, doc, cases = pathlib.Path(argv[1]), pathlib.Path(argv[2]), argv[3:]
    status = 0
    per_case = {}
    scope = {}  # case -> the scenarios its core run covered (absent: all)
    for name in cases:
        rows = read_case(results, name)
        if not rows:
            status = 1
        per_case[name] = {row["scenario"]: row for row in rows}
        covered = read_scope(results, name)
        if covered is not None:
            scope[name] = covered

    scenarios = []
    for rows in per_case.values():
        for scenario in rows:
            if scenario not in scenarios:
                scenarios.append(scenario)

    out = [BEGIN, ""]
    out.append(f"Generated from the last run of the kernel matrix ({datetime.date.today()}); "
               "do not edit between the markers.")
    out.append("")
    header = ["scenario"]
    for name in cases:
        rows = list(per_case[name].values())
        if rows:
            header.append(f"{name}<br>{tier_label(rows[0])}<br>{rows[0]['kernel']}")
        else:
            header.append(f"{name}<br>**no result**")
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "---|" * len(header))
    failures = 0
    for scenario in scenarios:
        cells = [f"`{scenario}`"]
        for name in cases:
            row = per_case[name].get(scenario)
            if row is None and name in scope and scenario not in scope[name]:
                cells.append("core run: not covered")
                continue
            if row is None or row["result"] != "pass":
                failures += 1
            cells.append(cell(row))
        out.append("| " + " | ".join(cells) + " |")
    if failures:
        status = 1
    out.append("")
    out.append("A verdict is what the confined attacker saw: the errno that stopped it, `SIGSYS` "
               "when the filter killed it, `not stopped` when the attack worked (expected only "
               "where listed below), `n/a` when the kernel cannot do it even unconfined. Every "
               "scenario also ran its control (unconfined, or with the access allowed), which "
               "must succeed. ✗ marks an unexpected result. The middle bpf-lsm kernels run "
               "one scenario of each mechanism (a core run, to keep the matrix within its "
               "time); the oldest and newest bpf-lsm kernels and the other tiers run all.")
    out.append("")
    out.append("### Mechanism per scenario and tier")
    out.append("")
    for scenario in scenarios:
        whys = {}
        source = ""
        for name in cases:
            row = per_case[name].get(scenario)
            if row is None:
                continue
            source = row["source"]
            whys.setdefault(row["why"], [])
            label = tier_label(row)
            if label not in whys[row["why"]]:
                whys[row["why"]].append(label)
        # Strongest tier first.
        rank = lambda label: ["bpf-lsm", "landlock", "seccomp"].index(label.split()[0])
        groups = sorted(whys.items(), key=lambda item: min(rank(label) for label in item[1]))
        parts = [f"{', '.join(sorted(labels, key=rank))}: {why}" for why, labels in groups]
        out.append(f"- `{scenario}` ({source}). " + "; ".join(parts) + ".")
    out.append("")
    out.append(END)

    text = doc.read_text() if doc.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + "\n".join(out) + tail
    else:
        text = text + ("\n" if text else "") + "\n".join(out) + "\n"
    doc.write_text(text)
    print(f"wrote {doc}: {len(scenarios)} scenarios, {len(cases)} cases, "
          f"{failures} unexpected or missing")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
