#!/bin/sh
# Seeing what a policy does, end to end through the CLI (issue: statistics, audit events,
# audit-only mode, learning a policy). Runs as root in the guest (or on the host case) from
# run-guest-suite.sh:
#   observe_test.sh BUILD_DIR
# On the bpf-lsm tier: counts and events of a denial seen from inside the cgroup (and the
# allowed control), seccomp refusals counted, audit mode allowing and reporting (fixed
# refusals still refused), a denial storm rate-limited, `run --audit`, and `learn` on a
# coreutils pipeline and a small C project, whose learned policies then run them in enforce
# mode while the base preset alone does not. On other tiers: each command refuses with the
# reason and leaves nothing behind. Prints gtest-style summary lines for run-case.sh.
set -u
build=${1:?usage: observe_test.sh BUILD_DIR}
cvlsm=$build/userspace/cv-lsm
probe=$build/tests/access_probe
tier=${CVLSM_EXPECT_TIER:-bpf-lsm}
work=/var/tmp/cvlsm-observe-$$
cg_root=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
cg=$cg_root/cvlsm-observe-$$
suite=Observe
. "$(dirname "$0")/check_lib.sh"
# json_number FILE KEY: the first number after "KEY": in FILE (pretty or compact JSON).
json_number() { tr -d '\n ' <"$1" | grep -o "\"$2\":[0-9]*" | head -n1 | cut -d: -f2; }
positive() { [ "${1:-0}" -gt 0 ] 2>/dev/null || { echo "not positive: '${1:-}'"; return 1; }; }
# refused_run CMD...: the command fails, and what it printed says EACCES (not just any failure).
refused_run() {
  if "$@" >"$work/last" 2>&1; then cat "$work/last"; return 1; fi
  output_has "Permission denied"
}
no_stray_cgroups() {
  left=$(find "$cg_root/cv-lsm" -mindepth 1 -maxdepth 1 -type d 2>/dev/null)
  [ -z "$left" ] || { echo "left behind: $left"; return 1; }
}

mkdir -p "$work/data" && echo allowed >"$work/data/allowed" && echo secret >"$work/denied"
cat >"$work/policy.json" <<EOF
{"cv-lsm-policy": 1, "name": "observed", "base": "minimal",
 "paths": [{"path": "$work/data", "allow": "r"}]}
EOF
mkdir "$cg"
cleanup() {
  for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  sleep 0.2
  rmdir "$cg" 2>/dev/null
  "$cvlsm" unload --force >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$tier" != bpf-lsm ]; then
  check StatsNeedsLoadedPrograms fails run_saving "$cvlsm" stats
  check StatsSaysLoadFirst output_has "cv-lsm load"
  check RunAuditRefused fails run_saving "$cvlsm" run --audit -- true
  check RunAuditSaysWhy output_has "audit mode needs the bpf-lsm tier"
  check LearnRefused fails run_saving "$cvlsm" learn -o "$work/learned.json" -- true
  check LearnSaysWhy output_has "bpf-lsm"
  check LearnWritesNothing test ! -e "$work/learned.json"
  check NothingLeftBehind no_stray_cgroups
  summary "observe: tier $tier"
fi

"$cvlsm" unload --force >/dev/null 2>&1
# By default the seccomp refusal counter is not attached (it costs every filtered process on
# the machine a trampoline), and stats say so rather than showing zero refusals.
check LoadDefault run_saving "$cvlsm" load
check LoadSaysNotCounted output_has "syscall denials enforced, not counted"
check NoSeccompTrampoline sh -c "! find /sys/fs/bpf -name 'link_cvlsm_seccomp_exit*' | grep -q ."
check StatsDefault run_saving "$cvlsm" stats
check StatsSaysSyscallsNotCounted output_has "syscall denials: NOT counted"
check StatsSaysHowToCount output_has "load --count-syscall-denials"
# An audit run says what it cannot list without the counter (the filter's fixed refusals).
check RunAuditWithoutCounter run_saving "$cvlsm" run --audit --policy minimal -- true
check RunAuditSaysFixedSyscallsUnlisted output_has "are not listed: cv-lsm load --count-syscall-denials"
check LearnWithoutCounter run_saving "$cvlsm" learn --base minimal -o "$work/plain.json" -- true
check LearnCommentSaysFixedSyscallsUnlisted grep -q "are not listed" "$work/plain.json"
# Loaded programs cannot gain the counter: said, with a failing exit, and nothing changed.
check CounterNotAddedWhileLoaded fails run_saving "$cvlsm" load --count-syscall-denials
check CounterMissingSaysWhy output_has "cannot be added to loaded programs"
check StillLoadedWithoutCounter run_saving "$cvlsm" stats
check StillNotCounted output_has "syscall denials: NOT counted"
"$cvlsm" unload --force >/dev/null 2>&1
check Load run_saving "$cvlsm" load --count-syscall-denials
check LoadSaysCounted output_has "syscall denials counted and reported"
check SeccompTrampolineAttached sh -c "find /sys/fs/bpf -name 'link_cvlsm_seccomp_exit*' | grep -q ."
"$cvlsm" events >/dev/null 2>&1  # drain what earlier suites left in the ring buffer

# --- statistics and events of an enforced policy
check Apply "$cvlsm" apply --cgroup "$cg" --policy-file "$work/policy.json"
check AllowedRead reads "$work/data/allowed"
check DeniedRead refused "$work/denied"
check StatsJson run_saving "$cvlsm" stats --cgroup "$cg" --json
cp "$work/last" "$work/stats.json"
check StatsSaysEnforce output_has '"mode": "enforce"'
check StatsCountsAllowed positive "$(json_number "$work/stats.json" allowed)"
check StatsCountsDenied positive "$(json_number "$work/stats.json" denied)"
check StatsTopDeniedNamesPath output_has "\"operation\": \"open $work/denied (r--)\""
# What the confinement costs: the cgroup's own accounting and the policy's map entries.
check StatsCgroupCpu positive "$(json_number "$work/stats.json" cpu_usec)"
check StatsPolicyEntries positive "$(json_number "$work/stats.json" entries)"
check StatsPolicyPathRules positive "$(json_number "$work/stats.json" path_rules)"
check StatsPolicyBytes positive "$(json_number "$work/stats.json" bytes)"
check StatsHuman run_saving "$cvlsm" stats --cgroup "$cg"
check StatsHumanHasHookRow output_has "file_open"
check StatsHumanHasUsage output_has "usage: cpu "
check StatsHumanHasFootprint output_has "policy in the kernel: "
check StatsHumanSaysSyscallsCounted output_has "syscall denials: counted"
check EventsJson run_saving "$cvlsm" events --json --cgroup "$cg"
check EventHasPath output_has "\"path\":\"$work/denied\""
check EventHasVerdict output_has '"verdict":"denied"'
check EventHasProcess output_has '"comm":"cat"'
check EventHasMode output_has '"requested":"r--"'
cp "$work/last" "$work/denials.jsonl"
# explain and policy diff on the programs' own records, not only on hand-written lines.
check ExplainRealEvent run_saving sh -c "grep '\"path\":\"$work/denied\"' '$work/denials.jsonl' | head -n1 | '$cvlsm' explain --policy-file '$work/policy.json'"
check ExplainSaysWhatWouldAllow output_has "would allow it: --allow $work/denied:r"
check PolicyDiffStillRefuses sh -c "! '$cvlsm' policy diff --events '$work/denials.jsonl' '$work/policy.json' >/dev/null 2>&1"
check EventsAreConsumed sh -c "out=\$('$cvlsm' events --cgroup '$cg') && [ -z \"\$out\" ]"

# A denial storm: the workload is not stalled, events beyond the rate are dropped and counted.
# A reader empties the ring buffer meanwhile, so what is dropped is the rate limiter's doing.
# (The shell opens the file itself: no fork per attempt, a storm even under emulation.)
"$cvlsm" events --follow --json --cgroup "$cg" >"$work/storm.events" 2>&1 &
reader=$!
sleep 1
storm_start=$(date +%s)
confined sh -c 'i=0; while [ $i -lt 3000 ]; do { true; } 2>/dev/null <"$0"; i=$((i+1)); done' \
  "$work/denied"
storm_seconds=$(($(date +%s) - storm_start + 1))
sleep 1
kill -INT "$reader" 2>/dev/null
wait "$reader"
"$cvlsm" stats --cgroup "$cg" --json >"$work/storm.json" 2>&1
received=$(grep -c '"verdict"' "$work/storm.events")
check StormDeniedCounted sh -c "[ $(json_number "$work/storm.json" denied) -ge 3000 ]"
check StormEventsDropped positive "$(json_number "$work/storm.json" events_dropped)"
check StormSomeEventsDelivered positive "$received"
# At most 200 per second per CPU for the cgroup (one second of slack per CPU).
check StormEventsWithinRate sh -c "[ $received -le $((200 * $(nproc) * (storm_seconds + 1))) ]"

# --- audit mode: nothing denied, everything reported; fixed refusals stay
check ApplyAudit run_saving "$cvlsm" apply --audit --cgroup "$cg" --policy-file "$work/policy.json"
check ApplyAuditSaysSo output_has "audit mode"
check AuditAllowsDenied reads "$work/denied"
check AuditStillAllowsAllowed reads "$work/data/allowed"
check AuditKeepsFixedRefusal fails confined sh -c "echo \$\$ > '$cg_root/cgroup.procs'"
# The pinned programs are every cgroup's confinement: no confined process unpins them.
pins=$(ls -d /sys/fs/bpf/cv-lsm/*/ | head -n1)
check AuditKeepsPins refused_run confined rm "${pins}events"
check PinStillThere test -e "${pins}events"
check AuditStats run_saving "$cvlsm" stats --cgroup "$cg" --json
check AuditStatsSaysAudit output_has '"mode": "audit"'
check AuditEvents run_saving "$cvlsm" events --json --cgroup "$cg"
check AuditEventVerdict output_has "\"verdict\":\"audit\".*\"path\":\"$work/denied\""
check AuditEventFixed output_has '"fixed":true'
check Detach "$cvlsm" detach --cgroup "$cg"

# --- cv-lsm run: the seccomp filter's refusals are counted and reported
check RunSocketRefused fails "$cvlsm" run --policy minimal --allow "$(dirname "$probe"):rx" \
  -- "$probe" socket
check SyscallEvent run_saving "$cvlsm" events --json
check SyscallEventNamesSocket output_has '"hook":"syscall".*"syscall":"socket"'
check RunAudit run_saving "$cvlsm" run --audit --policy minimal \
  --allow "$(dirname "$probe"):rx" -- sh -c "cat '$work/denied' && '$probe' socket"
check RunAuditRanEverything output_has "secret"
check RunAuditSocketAllowed output_has "socket: allowed"
check RunAuditReportsPath output_has "open $work/denied (r--)"
check RunAuditReportsSyscall output_has "syscall socket"
check RunLeavesNoCgroup no_stray_cgroups

# --- learn: a coreutils pipeline
pipeline="ls -l '$work/data' | sort | wc -l >'$work/pipeline.out' && cat '$work/denied' | tr a-z A-Z >>'$work/pipeline.out'"
check UnderMinimalPipelineFails fails "$cvlsm" run --policy minimal -- sh -c "$pipeline"
check LearnPipeline run_saving "$cvlsm" learn --base minimal -o "$work/pipeline.json" \
  -- sh -c "$pipeline"
check LearnedPipelineHasComment grep -q '"comment"' "$work/pipeline.json"
check LearnedPipelineValidates "$cvlsm" policy validate "$work/pipeline.json"
rm -f "$work/pipeline.out"
check LearnedPipelineRunsEnforced "$cvlsm" run --policy-file "$work/pipeline.json" \
  -- sh -c "$pipeline"
check LearnedPipelineOutput grep -q SECRET "$work/pipeline.out"
echo other >"$work/other" && chmod 644 "$work/other"
check LearnedPipelineStillDenies refused_run "$cvlsm" run --policy-file "$work/pipeline.json" \
  -- cat "$work/other"

# --- learn: building a small C project with make
proj=$work/proj
mkdir -p "$proj/src"
for n in 1 2 3 4 5; do
  printf '#include "common.h"\nint part%s(void) { return %s + COMMON; }\n' $n $n >"$proj/src/part$n.c"
done
printf '#define COMMON 1\nint part1(void); int part2(void); int part3(void); int part4(void); int part5(void);\n' \
  >"$proj/src/common.h"
printf '#include <stdio.h>\n#include "common.h"\nint main(void) { printf("%%d\\n", part1() + part2() + part3() + part4() + part5()); return 0; }\n' \
  >"$proj/src/main.c"
cat >"$proj/Makefile" <<'EOF'
OBJS = src/main.o src/part1.o src/part2.o src/part3.o src/part4.o src/part5.o
app: $(OBJS)
	$(CC) -o $@ $(OBJS)
src/%.o: src/%.c src/common.h
	$(CC) -O2 -c -o $@ $<
clean:
	rm -f app $(OBJS)
EOF
build_cmd="make -C '$proj' -j2 && '$proj/app'"
check UnderBuildPresetMakeFails fails "$cvlsm" run --policy build -- sh -c "$build_cmd"
make -C "$proj" clean >/dev/null
check LearnBuild run_saving "$cvlsm" learn --base build -o "$work/build.json" -- sh -c "$build_cmd"
make -C "$proj" clean >/dev/null
check LearnedBuildRunsEnforced run_saving "$cvlsm" run --policy-file "$work/build.json" \
  -- sh -c "$build_cmd"
check LearnedBuildOutput output_has "^20$"
check LearnedBuildStillDenies refused_run "$cvlsm" run --policy-file "$work/build.json" \
  -- cat "$work/denied"
check LearnRejectsUnknownBase fails run_saving "$cvlsm" learn --base nonesuch -o "$work/x.json" -- true
check LearnUnknownBaseNamed output_has "nonesuch"
check LearnLeavesNoCgroup no_stray_cgroups

check UnloadForce "$cvlsm" unload --force

summary "observe: tier $tier"
