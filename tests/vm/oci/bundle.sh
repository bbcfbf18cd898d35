# shellcheck shell=sh
# Sourced by the OCI hook tests: OCI bundles whose root is a static busybox, for crun.
#   make_bundle DIR ID ANNOTATIONS CMD HOOK_PATH HOOK_ARGV0 [HOOK_ARG...]
# DIR/rootfs gets busybox, /data/ok.txt and /secret/no.txt; DIR/config.json runs CMD (a
# shell command line, run by /bin/sh -c) in pid, mount, ipc, uts and network namespaces, in
# the cgroup /cvlsm-oci/ID (with bundle_cgroups=runtime, no linux.cgroupsPath, as `crun
# spec` writes it: the runtime picks the cgroup), with the hook as createRuntime and as
# poststop. ANNOTATIONS is the body of a JSON object ("" for none). Strings go into JSON as
# they are: callers pass no quotes or backslashes.

make_bundle() {
  _dir=$1 _id=$2 _annotations=$3 _cmd=$4 _hook=$5
  shift 5
  _args=
  for _a in "$@"; do _args="$_args${_args:+, }\"$_a\""; done
  _hook_json="{\"path\": \"$_hook\", \"args\": [$_args]}"
  _cgroups_path="\"cgroupsPath\": \"/cvlsm-oci/$_id\","
  [ "${bundle_cgroups:-}" != runtime ] || _cgroups_path=
  mkdir -p "$_dir/rootfs/bin" "$_dir/rootfs/data" "$_dir/rootfs/secret" "$_dir/rootfs/proc" \
    "$_dir/rootfs/dev" "$_dir/rootfs/tmp" || return 1
  cp "$(command -v busybox)" "$_dir/rootfs/bin/busybox" || return 1
  for _applet in sh cat echo ls nc; do ln -sf busybox "$_dir/rootfs/bin/$_applet"; done
  echo "ok: inside the policy" >"$_dir/rootfs/data/ok.txt"
  echo "secret: outside the policy" >"$_dir/rootfs/secret/no.txt"
  cat >"$_dir/config.json" <<JSON
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["/bin/sh", "-c", "$_cmd"],
    "env": ["PATH=/bin"],
    "cwd": "/",
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": false},
  "hostname": "$_id",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=1024k"]}
  ],
  "annotations": {$_annotations},
  "hooks": {"createRuntime": [$_hook_json], "poststop": [$_hook_json]},
  "linux": {
    $_cgroups_path
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"},
                   {"type": "network"}]
  }
}
JSON
}
