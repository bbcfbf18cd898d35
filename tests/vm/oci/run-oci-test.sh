#!/bin/sh
# cv-lsm oci-hook under a real OCI runtime: crun runs busybox containers whose config.json
# has `cv-lsm oci-hook` as its createRuntime and poststop hook.
#   run-oci-test.sh BUILD_DIR [TIER]
# TIER (default $CVLSM_EXPECT_TIER, else bpf-lsm) is the machine's. On bpf-lsm: with nothing
# loaded an annotated container does not start, the hook naming `cv-lsm load`; after it, a
# container annotated with a policy is refused a file outside it and reads one inside it, a container without the annotation is
# untouched, and a hook that fails (unknown policy) fails `crun run` with its message;
# poststop leaves no confinement or record of a stopped container, whatever cgroup the
# runtime gave it (create, start, kill, delete too); then `cv-lsm unload`. On other
# tiers a hook cannot confine (the container's processes already run, and only BPF LSM
# confines a cgroup from outside): the annotated container must fail to start, saying so.
# Needs root, crun and a static busybox; exits non-zero when a check fails.
set -u
build=${1:?usage: run-oci-test.sh BUILD_DIR [TIER]}
tier=${2:-${CVLSM_EXPECT_TIER:-bpf-lsm}}
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
cvlsm=$build/userspace/cv-lsm
# shellcheck source=bundle.sh
. "$here/bundle.sh"

failed=0
pass() { echo "oci: ok: $*"; }
fail() { echo "oci: FAILED: $*"; failed=1; }
command -v crun >/dev/null || { fail "crun not found (scripts/install-deps.sh installs it)"; exit 1; }
if ! busybox=$(command -v busybox) || ldd "$busybox" >/dev/null 2>&1; then
  fail "no static busybox (apt-get install busybox-static)"
  exit 1
fi
[ -x "$cvlsm" ] || { fail "no $cvlsm (build the tree first)"; exit 1; }

work=$(mktemp -d /var/tmp/cvlsm-oci.XXXXXX) || exit 1
loaded=
# shellcheck disable=SC2317 # called from the trap
cleanup() {
  [ -z "$loaded" ] || "$cvlsm" unload >/dev/null 2>&1
  rm -rf "$work"
  rmdir /sys/fs/cgroup/cvlsm-oci 2>/dev/null
}
trap cleanup EXIT

# container ID ANNOTATIONS CMD: a bundle $work/ID whose hook is this build's cv-lsm. crun
# sends a hook's stderr to /dev/null unless run.oci.hooks.stderr names a file: $work/ID.hook.
container() {
  make_bundle "$work/$1" "$1" "\"run.oci.hooks.stderr\": \"$work/$1.hook\"${2:+, $2}" "$3" \
    "$cvlsm" cv-lsm oci-hook
}
# crun_run ID: runs it; its status in $rc, output in $work/ID.out and $work/ID.err.
crun_run() {
  crun --root "$work/state" --cgroup-manager=cgroupfs run --bundle "$work/$1" "$1" \
    >"$work/$1.out" 2>"$work/$1.err"
  rc=$?
}
has() { grep -qF -- "$2" "$work/$1" 2>/dev/null; }
show() {
  for f in out err hook; do
    [ ! -s "$work/$1.$f" ] || sed "s/^/  $1.$f: /" "$work/$1.$f"
  done
}

if [ "$tier" != bpf-lsm ]; then
  container early '"org.cv-lsm.policy": "minimal"' 'echo started'
  crun_run early
  if [ "$rc" -ne 0 ] && ! has early.out started &&
    has early.hook "cv-lsm: oci-hook: error: container early: " && has early.hook "needs the bpf-lsm tier"; then
    pass "tier $tier: an annotated container does not start, the hook says bpf-lsm is needed"
  else
    fail "tier $tier: the annotated container's start (exit $rc) should fail naming bpf-lsm"
    show early
  fi
  exit $failed
fi

# (0) Nothing loaded: the hook does not load the programs (the pin keeper would be left
# below crun, which waits for every such process), it fails the start naming the remedy.
"$cvlsm" unload --force >/dev/null 2>&1
container unloaded '"org.cv-lsm.policy": "minimal"' 'echo started'
crun_run unloaded
if [ "$rc" -ne 0 ] && ! has unloaded.out started && has unloaded.hook "cv-lsm load" &&
  ! pgrep -f 'cv-lsm keeper' >/dev/null; then
  pass "with nothing loaded the annotated container does not start, the hook says cv-lsm load"
else
  fail "with nothing loaded the annotated container (exit $rc) should not start"
  show unloaded
fi
crun --root "$work/state" delete --force unloaded >/dev/null 2>&1

if "$cvlsm" load >"$work/load.log" 2>&1; then
  loaded=1
else
  fail "cv-lsm load:"; sed 's/^/  /' "$work/load.log"
  exit 1
fi

# (1) The annotated container: a policy file in its bundle, minimal plus /data.
container confined '"org.cv-lsm.policy": "policy.json"' \
  'cat /data/ok.txt; cat /secret/no.txt; echo secret-exit=$?'
cat >"$work/confined/policy.json" <<'POLICY'
{"cv-lsm-policy": 1, "name": "oci-test", "base": "minimal",
 "paths": [{"path": "/data", "allow": "r"}]}
POLICY
crun_run confined
if [ "$rc" -eq 0 ] && has confined.out "ok: inside the policy" && has confined.out secret-exit=1 &&
  has confined.err "Permission denied" && ! has confined.out "secret: outside"; then
  pass "an annotated container reads inside its policy and is refused outside it"
else
  fail "the annotated container (exit $rc) should read /data and be refused /secret"
  show confined
fi

# (2) No annotation: no confinement.
container plain '' 'cat /secret/no.txt'
crun_run plain
if [ "$rc" -eq 0 ] && has plain.out "secret: outside the policy" && [ ! -s "$work/plain.hook" ]; then
  pass "a container without the annotation is untouched"
else
  fail "the container without the annotation (exit $rc) should read /secret"
  show plain
fi

# (3) A failing hook fails the start, with its message.
container typo '"org.cv-lsm.policy": "minimla"' 'echo started'
crun_run typo
if [ "$rc" -ne 0 ] && ! has typo.out started && has typo.err "error executing hook" &&
  has typo.hook 'cv-lsm: oci-hook: error: container typo: annotation org.cv-lsm.policy="minimla" is neither a preset nor a policy file'; then
  pass "an unknown policy fails crun run with the hook's message"
else
  fail "the container with an unknown policy (exit $rc) should not start"
  show typo
fi

# (4) The annotation's policy file carries network rules: a connect its rules allow reaches
# the network (nothing listens in the container's namespace: refused there, not by cv-lsm),
# another address is refused with EACCES inside the container.
container netrules '"org.cv-lsm.policy": "policy.json"' \
  'nc 127.0.0.1 80 </dev/null; nc 10.1.2.3 443 </dev/null; echo done'
cat >"$work/netrules/policy.json" <<'POLICY'
{"cv-lsm-policy": 2, "name": "oci-net", "base": "network",
 "network": {"connect": [{"allow": "tcp:127.0.0.1:80"}]}}
POLICY
crun_run netrules
if [ "$rc" -eq 0 ] && has netrules.out done &&
  has netrules.err "(127.0.0.1): Connection refused" &&
  has netrules.err "(10.1.2.3): Permission denied"; then
  pass "an annotated container's network rules: the allowed connect goes out, another is refused"
else
  fail "the container with network rules (exit $rc) should be refused 10.1.2.3 only"
  show netrules
fi

# (5) The poststop stage: crun removes a container's cgroup, then runs the hook with pid 0
# and "stopped". Every container above is gone, and nothing of theirs may be left: no
# confinement, no record. Then a container whose cgroup the runtime picks (no cgroupsPath,
# as `crun spec` writes it), through create, start, kill and delete.
nothing_left() {
  [ "$("$cvlsm" list --json | grep -c cgroup_id)" -eq 0 ] &&
    [ -z "$(ls /run/cv-lsm/*/cgroups/ 2>/dev/null)" ]
}
if nothing_left; then
  pass "poststop: every stopped container's confinement and record are released"
else
  fail "poststop: stopped containers left confinements or records"
  "$cvlsm" list; ls -l /run/cv-lsm/*/cgroups/
fi
bundle_cgroups=runtime container picked '"org.cv-lsm.policy": "minimal"' 'cat /secret/no.txt; sleep 30'
crun_ctl() { crun --root "$work/state" --cgroup-manager=cgroupfs "$@" >>"$work/picked.out" 2>&1; }
crun_ctl create --bundle "$work/picked" picked && crun_ctl start picked
sleep 1
if [ "$("$cvlsm" list --json | grep -c cgroup_id)" -eq 1 ] && has picked.out "Permission denied"; then
  pass "a container in the cgroup its runtime picks is confined from its command on"
else
  fail "the container without cgroupsPath should be confined and refused /secret"
  "$cvlsm" list; show picked
fi
crun_ctl kill picked KILL
sleep 1
crun_ctl delete picked
if nothing_left; then
  pass "kill and delete: the poststop hook releases its confinement and record"
else
  fail "after kill and delete the container's confinement or record is left"
  "$cvlsm" list; show picked
fi

# (6) The hook SIGKILLed at random moments, as createRuntime and as poststop, 20 times: a
# container whose hook was killed does not start, one that starts is confined, and what a
# killed hook left for a removed cgroup goes at the next hook.
cat >"$work/killed-hook.sh" <<EOF
#!/bin/sh
exec 3<&0
"$cvlsm" oci-hook <&3 &
hook=\$!
sleep "\$1"
kill -9 "\$hook" 2>/dev/null
wait "\$hook"
EOF
chmod +x "$work/killed-hook.sh"
i=0 started=0 unconfined=0
while [ $i -lt 20 ]; do
  make_bundle "$work/k$i" "k$i" "\"run.oci.hooks.stderr\": \"$work/k$i.hook\", \"org.cv-lsm.policy\": \"minimal\"" \
    'cat /secret/no.txt; echo secret-exit=$?' "$work/killed-hook.sh" killed-hook.sh \
    "0.$(( (i * 37) % 10 ))"
  crun_run "k$i"
  ! has "k$i.out" "secret: outside" || unconfined=$((unconfined + 1))
  ! has "k$i.out" "secret-exit=" || started=$((started + 1))
  crun --root "$work/state" delete --force "k$i" >/dev/null 2>&1
  i=$((i + 1))
done
# A hook killed between writing its record's temporary and renaming it leaves the
# temporary: planted here, so that the next hook's sweep is checked every run.
for records in /run/cv-lsm/*/cgroups; do : >"$records/1.json.tmp-99999"; done
container after '"org.cv-lsm.policy": "minimal"' 'echo started'
crun_run after
if [ "$unconfined" -eq 0 ] && has after.out started && nothing_left; then
  pass "hooks killed at random moments: no container ran unconfined ($started of 20 started), nothing left"
else
  fail "hooks killed at random moments: $unconfined containers ran unconfined, or something was left"
  "$cvlsm" list; ls -l /run/cv-lsm/*/cgroups/; show after
fi

if "$cvlsm" unload >"$work/unload.log" 2>&1; then
  loaded=
  pass "cv-lsm unload"
else
  fail "cv-lsm unload:"; sed 's/^/  /' "$work/unload.log"
fi
exit $failed
