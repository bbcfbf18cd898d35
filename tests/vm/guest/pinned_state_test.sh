#!/bin/sh
# Pinned state and policies on existing cgroups, end to end through the CLI (issue: embedding
# in runtimes). Runs as root in the guest (or on the host case) from run-guest-suite.sh:
#   pinned_state_test.sh BUILD_DIR
# On the bpf-lsm tier: programs pinned on first use by run and apply, runs SIGKILLed at
# random moments while their command reads in a loop, load/reuse, apply from a process that exits, confinement checked from
# inside the cgroup (denied and allowed), SIGKILL of apply/update/load in a loop while a
# confined prober reads in a loop, keeper death (fail closed, then load re-applies), clean-up
# of removed cgroups, detach, unload leaving nothing behind. On other tiers: load refuses
# with a reason and leaves nothing behind. Prints gtest-style summary lines for run-case.sh.
set -u
build=${1:?usage: pinned_state_test.sh BUILD_DIR}
cvlsm=$build/userspace/cv-lsm
tier=${CVLSM_EXPECT_TIER:-bpf-lsm}
work=/var/tmp/cvlsm-pinned-$$
cg_root=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
cg=$cg_root/cvlsm-pinned-$$
suite=PinnedState
. "$(dirname "$0")/check_lib.sh"
# killed_after SECONDS CMD...: starts CMD and SIGKILLs it SECONDS later, whatever it is doing.
killed_after() {
  delay=$1
  shift
  "$@" &
  victim=$!
  sleep "$delay"
  kill -9 "$victim" 2>/dev/null
  wait "$victim" 2>/dev/null
}
no_state_left() {
  [ ! -e /sys/fs/bpf/cv-lsm ] || { ls -la /sys/fs/bpf/cv-lsm; return 1; }
  [ ! -e "$cg_root/cv-lsm-keeper" ] || { echo "left: $cg_root/cv-lsm-keeper"; return 1; }
  ! pgrep -f 'cv-lsm keeper' >/dev/null || { pgrep -af 'cv-lsm keeper'; return 1; }
}

mkdir -p "$work/data" && echo allowed >"$work/data/allowed" && echo secret >"$work/denied"
cat >"$work/policy-a.json" <<EOF
{"cv-lsm-policy": 1, "name": "a", "base": "minimal", "paths": [{"path": "$work/data", "allow": "r"}]}
EOF
cat >"$work/policy-b.json" <<EOF
{"cv-lsm-policy": 1, "name": "b", "base": "minimal",
 "paths": [{"path": "$work/data", "allow": "r"}, {"path": "/etc/hostname", "allow": "r"}]}
EOF
cat >"$work/policy-run.json" <<EOF
{"cv-lsm-policy": 1, "name": "run", "base": "build", "paths": [{"path": "$work/data", "allow": "r"}]}
EOF
mkdir "$cg"
cleanup() {
  [ -n "${prober:-}" ] && kill "$prober" 2>/dev/null
  for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  sleep 0.2
  rmdir "$cg" "$cg_root"/cvlsm-pinned-gone-$$ 2>/dev/null
  "$cvlsm" unload --force >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$tier" != bpf-lsm ]; then
  check LoadRefusesWithoutBpfLsm fails run_saving "$cvlsm" load
  check LoadSaysWhy output_has "lsm\|BPF"
  check LoadLeavesNothing no_state_left
  check ApplyNeedsBpfLsm fails run_saving "$cvlsm" apply --cgroup "$cg" --policy minimal
  check ApplySaysBpfLsmIsNeeded output_has "BPF LSM"
  check ApplyLeavesNothing no_state_left
  check RunPinsNothing "$cvlsm" run --policy minimal -- true
  check RunLeavesNothing no_state_left
  summary "pinned state: tier $tier"
fi

"$cvlsm" unload --force >/dev/null 2>&1
# Pinned by default: the first command that confines loads and pins the programs for the
# machine, the next ones use them, and --private-programs keeps a command's own.
check FirstRunPinsPrograms run_saving "$cvlsm" -v run --policy minimal -- true
check FirstRunSaysItPinned output_has "pinned for the machine"
check ProgramsStayAfterRun sh -c "ls -d /sys/fs/bpf/cv-lsm/*/ && pgrep -f 'cv-lsm keeper'"
check SecondRunReusesThem run_saving "$cvlsm" -v run --policy minimal -- true
check SecondRunDoesNotLoad fails grep -q "pinned for the machine" "$work/last"
check UnloadAfterRuns "$cvlsm" unload
check UnloadLeavesNothingAfterRuns no_state_left
# The keeper has a cgroup of its own: a service manager that kills the cgroup of the unit
# whose `run` started it (or a pod restart) does not take every confinement down with it.
caller=$cg_root/cvlsm-pinned-caller-$$
mkdir "$caller"
check RunFromACallersCgroup sh -c 'echo $$ > "$0/cgroup.procs" && exec "$1" run --policy minimal -- true' \
  "$caller" "$cvlsm"
keeper=$(pgrep -f 'cv-lsm keeper' | head -n1)
check KeeperInItsOwnCgroup grep -qx "0::/cv-lsm-keeper" "/proc/$keeper/cgroup"
for p in $(cat "$caller/cgroup.procs"); do kill -9 "$p"; done
rmdir "$caller"
check KeeperOutlivesItsCallersCgroup kill -0 "$keeper"
check UnloadAfterCallerKilled "$cvlsm" unload
check PrivateRunPinsNothing "$cvlsm" run --private-programs --policy minimal -- true
check PrivateRunLeavesNothing no_state_left
check FirstApplyPinsPrograms run_saving "$cvlsm" apply --cgroup "$cg" --policy minimal
check FirstApplyConfines refused "$work/denied"
# A policy of over 256 rules: generations are read and made in batches, and every rule
# inode goes into the rule filter, which the walk trusts to skip components. Its allow, its
# deny (below the allow) and a decoy must all hold, applied twice (the second time, every
# generation exists already).
mkdir -p "$work/many" "$work/data/keys" && echo key >"$work/data/keys/k"
paths=
i=0
while [ $i -lt 300 ]; do
  mkdir "$work/many/d$i" && echo decoy >"$work/many/d$i/f"
  paths="$paths{\"path\": \"$work/many/d$i\", \"allow\": \"r\"}, "
  i=$((i + 1))
done
cat >"$work/policy-many.json" <<EOF
{"cv-lsm-policy": 1, "name": "many", "base": "minimal", "paths": [$paths
 {"path": "$work/data", "allow": "r"}, {"path": "$work/data/keys", "deny": "r"}]}
EOF
for round in 1 2; do
  check ManyRulesApply$round "$cvlsm" apply --cgroup "$cg" --policy-file "$work/policy-many.json"
  check ManyRulesAllowHolds$round reads "$work/data/allowed"
  check ManyRulesDecoyHolds$round reads "$work/many/d299/f"
  check ManyRulesDenyHolds$round refused "$work/data/keys/k"
  check ManyRulesOutsideRefused$round refused "$work/denied"
done
check DetachFirstApply "$cvlsm" detach --cgroup "$cg"
check UnloadAfterApply "$cvlsm" unload

# A run killed (SIGKILL) at any moment leaves nothing unconfined: its command starts only
# once confined, and the pinned programs keep confining it after the launcher is gone. The
# command reads an allowed and a denied file in a loop; the next run kills what is left.
# (Runs killed while they load are the killed loads below.) Each run sweeps the workloads of
# the killed runs before it, so only the last one is left: it is killed once its command has
# ticked (however slow the kernel), and must go on ticking, confined.
"$cvlsm" load >/dev/null 2>&1
# run_prober NAME: only in the background (&), where exec makes its pid the launcher's.
run_prober() {
  exec "$cvlsm" run --policy-file "$work/policy-run.json" -- sh -c '(while :; do
    cat "$0/data/allowed" >/dev/null 2>&1 || echo VIOLATION-allowed
    cat "$0/denied" >/dev/null 2>&1 && echo VIOLATION-denied
    echo tick
  done) & wait' "$work" >"$work/run-prober.$1" 2>&1
}
i=0
while [ $i -lt 20 ]; do
  killed_after "$((i % 3)).$(( (i * 37) % 10 ))" run_prober $i
  i=$((i + 1))
done
run_prober last &
launcher=$!
waited=0
while ! grep -q tick "$work/run-prober.last" 2>/dev/null && [ $waited -lt 600 ]; do
  sleep 0.1
  waited=$((waited + 1))
done
check LastRunCommandStarted grep -q tick "$work/run-prober.last"
kill -9 "$launcher" 2>/dev/null
wait "$launcher" 2>/dev/null
lines=$(wc -l <"$work/run-prober.last")
sleep 1
check KilledRunLeftConfinedWorkload sh -c "[ \$(wc -l <'$work/run-prober.last') -gt $lines ]"
check KilledRunsLeftNoViolation fails grep -q VIOLATION "$work"/run-prober.*
check NextRunSweepsKilledRuns "$cvlsm" run --policy minimal -- true
check NoWorkloadOfKilledRunsLeft sh -c "! ls -d '$cg_root'/cv-lsm/run-* 2>/dev/null"
check NoConfinementOfKilledRunsLeft sh -c "[ \$('$cvlsm' list --json | grep -c cgroup_id) -eq 0 ]"
check UnloadAfterKilledRuns run_saving "$cvlsm" unload

check Load run_saving "$cvlsm" load
check LoadPinsUnderVersionedDir output_has "pinned at /sys/fs/bpf/cv-lsm/"
check SecondLoadReuses run_saving "$cvlsm" load
check SecondLoadSaysAlreadyLoaded output_has "already loaded"
"$cvlsm" status >"$work/last" 2>&1
check StatusShowsKeeper output_has "pinned: *loaded at .*pin keeper pid"
check ApplyToFileIsRefused fails "$cvlsm" apply --cgroup "$work/denied" --policy minimal
check ApplyUnknownPresetIsRefused fails "$cvlsm" apply --cgroup "$cg" --policy no-such
check ApplyMissingPathIsRefused fails "$cvlsm" apply --cgroup "$cg" --policy minimal \
  --allow /no/such/path:r
check FailedApplyLeavesCgroupUnconfined reads "$work/denied"

check Apply "$cvlsm" apply --cgroup "$cg" --policy-file "$work/policy-a.json"
check AllowedReadAfterManagerExit reads "$work/data/allowed"
check DeniedReadAfterManagerExit refused "$work/denied"
mkdir "$cg/inner"
check NestedApplyIsRefused fails run_saving "$cvlsm" apply --cgroup "$cg/inner" --policy custom
check NestedApplySaysWhy output_has "is confined"
rmdir "$cg/inner"
check ListShowsPolicy run_saving "$cvlsm" list
check ListNamesPolicyFile output_has "policy-a.json"

# A confined prober reads in a loop while managers are killed mid-operation: every read of
# the allowed file must succeed and every read of the denied one must fail, throughout.
confined sh -c 'while :; do
  cat "$0/data/allowed" >/dev/null 2>&1 || echo VIOLATION-allowed
  cat "$0/denied" >/dev/null 2>&1 && echo VIOLATION-denied
done' "$work" >"$work/prober.log" 2>&1 &
prober=$!
sleep 1
i=0
while [ $i -lt 12 ]; do
  policy=$work/policy-a.json
  [ $((i % 2)) -eq 0 ] && policy=$work/policy-b.json
  killed_after "0.$(( (i * 37) % 10 ))" "$cvlsm" apply --cgroup "$cg" --policy-file "$policy" \
    >/dev/null 2>&1
  i=$((i + 1))
done
check UpdateAfterKillsWorks "$cvlsm" apply --cgroup "$cg" --policy-file "$work/policy-b.json"
check PolicyBInForce reads /etc/hostname
sleep 1
kill "$prober" 2>/dev/null
wait "$prober" 2>/dev/null
prober=
check ProberSawNoViolationDuringKills fails grep -q VIOLATION "$work/prober.log"
check ProberRan test -e "$work/prober.log"

# The keeper's death: rules no longer count (fail closed), until load re-applies them.
keeper=$(pgrep -f 'cv-lsm keeper' | head -n1)
check KeeperRuns test -n "$keeper"
kill -9 "$keeper"
sleep 0.5
check AllowedFailsClosedWithoutKeeper refused "$work/data/allowed"
"$cvlsm" status >"$work/last" 2>&1
check StatusSaysKeeperGone output_has "keeper has exited.*fail closed"
check DeniedStaysDeniedWithoutKeeper refused "$work/denied"
check ApplyRefusedWithoutKeeper fails run_saving "$cvlsm" apply --cgroup "$cg" --policy minimal
check ApplySaysKeeperGone output_has "keeper"
check LoadRestartsKeeper run_saving "$cvlsm" load
check LoadReappliesPolicy output_has "1 policies re-applied"
check AllowedAfterReapply reads "$work/data/allowed"
check DeniedAfterReapply refused "$work/denied"

# A removed cgroup's rules go at the next change.
gone=$cg_root/cvlsm-pinned-gone-$$
mkdir "$gone"
check ApplyToSecondCgroup "$cvlsm" apply --cgroup "$gone" --policy minimal
rmdir "$gone"
check ApplyCollectsRemovedCgroup "$cvlsm" apply --cgroup "$cg" --policy-file "$work/policy-a.json"
check ListHasOneCgroup sh -c "[ \$('$cvlsm' list --json | grep -c cgroup_id) -eq 1 ]"

# A rule's filesystem can be unmounted while the policy is applied (the keeper holds rule
# inodes with inotify watches, not descriptors); the rule is then void, and no inode that
# takes a freed rule inode's address gets its rule (generations: cvlsm_rule_key).
vol=$work/vol
mkdir -p "$vol" && mount -t tmpfs tmpfs "$vol" && echo vol >"$vol/allowed" && echo x >"$vol/other"
cat >"$work/policy-vol.json" <<EOF
{"cv-lsm-policy": 1, "name": "vol", "base": "minimal",
 "paths": [{"path": "$work/data", "allow": "r"}, {"path": "$vol/allowed", "allow": "r"}]}
EOF
check ApplyWithARuleOnAVolume "$cvlsm" apply --cgroup "$cg" --policy-file "$work/policy-vol.json"
check VolumeRuleAllows reads "$vol/allowed"
check VolumeOutsideTheRuleIsRefused refused "$vol/other"
check UmountOfARuleFilesystemSucceeds umount "$vol"
check ListSaysTheRuleIsVoid run_saving "$cvlsm" list
check ListCountsOneVoidRule output_has "(1 void)"
"$cvlsm" status >"$work/last" 2>&1
check StatusSaysRulesAreVoid output_has "1 path rules are void"
# Many inodes made and freed where the rule's was (a new tmpfs, the same inode cache): the
# confined reads of every one of them must be refused.
mount -t tmpfs tmpfs "$vol"
i=0
while [ $i -lt 300 ]; do echo x >"$vol/g$i"; rm -f "$vol/g$((i / 2))"; i=$((i + 1)); done
confined sh -c 'for f in "$0"/*; do cat "$f" >/dev/null 2>&1 && echo "VIOLATION $f"; done
  echo probed' "$vol" >"$work/reuse.log" 2>&1
check NoNewInodeGetsAVoidRule fails grep -q VIOLATION "$work/reuse.log"
check ReuseProbeRan grep -q probed "$work/reuse.log"
umount "$vol"
check AllowedStillReadAfterUmount reads "$work/data/allowed"

check UnloadRefusedWhileConfined fails "$cvlsm" unload
check Detach run_saving "$cvlsm" detach --cgroup "$cg"
check DetachSaysLifted output_has "no longer confined"
check DeniedReadableAfterDetach reads "$work/denied"

# Killing load at random points leaves either nothing or a complete set, never half.
i=0
while [ $i -lt 3 ]; do
  "$cvlsm" unload >/dev/null 2>&1
  killed_after "$((i + 1))" "$cvlsm" load >/dev/null 2>&1
  i=$((i + 1))
done
check LoadAfterKilledLoads "$cvlsm" load
check ApplyAfterKilledLoads "$cvlsm" apply --cgroup "$cg" --policy-file "$work/policy-a.json"
check DeniedAfterKilledLoads refused "$work/denied"
check UnloadForce "$cvlsm" unload --force
check UnloadLeavesNothing no_state_left
check UnconfinedAfterUnload reads "$work/denied"

summary "pinned state: tier $tier"
