#!/usr/bin/env bash
# vm-run.sh [--kernel SERIES] [--append "CMDLINE"] [--timeout SECONDS] [--log FILE]
#           [--chdir DIR] [--env NAME[=VALUE]]... [--arch amd64|arm64]
#           [--root DIR [--bind DIR]...] [--icount] -- CMD [ARG...]
#
# Boots a Debian kernel of SERIES (5.10, 6.1, 6.12, 7.2) under qemu (TCG: KVM guests hang on
# these machines), with this host's root shared read-only over virtio-9p and made writable by an
# overlay on a tmpfs, runs CMD inside it, and exits with CMD's exit status. The host kernel
# cannot run BPF LSM programs; the guest kernel can, which is why VM tests exist.
# With --arch arm64 it boots an arm64 kernel (qemu-system-aarch64) on a root of that
# architecture (--root DIR) instead of the host's, with host directories bound in (--bind).
#
# --icount boots one vCPU with qemu's instruction counter as the guest's clock (-icount
# shift=0,sleep=off): a guest "nanosecond" is one instruction executed, so timings inside the
# guest repeat to 0.1% whatever the host does, and a ratio of two is a ratio of instructions
# (blind to cache misses and memory latency). Wall-clock figures taken on the host are not.
#
# Exit status: CMD's status; 124 if the guest timed out; 125 if the guest never reported a status
# (panic, boot failure) or the VM could not be set up. See README.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "vm-run: $*" >&2; exit 125; }

usage() {
  sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 125
}

series=${CVLSM_VM_KERNEL:-6.1}
append=
timeout_s=1500
log=
chdir=$PWD
env_names=()
arch=${CVLSM_VM_ARCH:-amd64}
root=
binds=()
icount=
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) [ $# -ge 2 ] || usage; series=$2; shift 2 ;;
    --append) [ $# -ge 2 ] || usage; append="$append $2"; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
    --log) [ $# -ge 2 ] || usage; log=$2; shift 2 ;;
    --chdir) [ $# -ge 2 ] || usage; chdir=$2; shift 2 ;;
    --env) [ $# -ge 2 ] || usage; env_names+=("$2"); shift 2 ;;
    --arch) [ $# -ge 2 ] || usage; arch=$2; shift 2 ;;
    --root) [ $# -ge 2 ] || usage; root=$2; shift 2 ;;
    --bind) [ $# -ge 2 ] || usage; binds+=("$2"); shift 2 ;;
    --icount) icount=1; shift ;;
    --) shift; break ;;
    -h|--help) usage ;;
    *) echo "vm-run: unexpected argument '$1' (the command goes after --)" >&2; usage ;;
  esac
done
[ $# -ge 1 ] || { echo "vm-run: no command given" >&2; usage; }
case "$timeout_s" in ''|*[!0-9]*) die "--timeout wants whole seconds, got '$timeout_s'" ;; esac
case "$chdir" in /*) ;; *) chdir=$(cd "$chdir" && pwd) || die "no such directory: $chdir" ;; esac
case "$arch" in
  amd64) qemu_bin=qemu-system-x86_64 console=ttyS0 ;;
  arm64) qemu_bin=qemu-system-aarch64 console=ttyAMA0 ;;
  *) die "--arch: unknown architecture '$arch' (want amd64 or arm64)" ;;
esac
# The host's binaries are x86_64: another architecture needs a root of its own.
if [ "$arch" != amd64 ] && [ -z "$root" ]; then
  die "--arch $arch needs --root DIR (an $arch root filesystem; the host's is amd64)"
fi
if [ -n "$root" ]; then
  root=$(cd "$root" && pwd) || die "--root: no such directory: $root"
  [ -e "$root/bin/sh" ] || [ -L "$root/bin/sh" ] || die "--root $root has no /bin/sh"
  # qemu's option syntax splits at commas.
  case "$root" in *,*) die "--root: a path with a comma is not supported: $root" ;; esac
else
  [ ${#binds[@]} -eq 0 ] || die "--bind needs --root (the host's root is the guest's already)"
fi
for i in "${!binds[@]}"; do
  d=${binds[$i]}
  [ -d "$d" ] || die "--bind: no such directory: $d"
  case "$d" in *$'\n'*) die "--bind: a path with a newline is not supported" ;; esac
  binds[i]=$(cd "$d" && pwd)
done

cache_root=${CVLSM_VM_CACHE:-/var/cache/cv-lsm/vm}
# Absolute, because the guest finds the job dir by this path through the 9p root.
mkdir -p "$cache_root" || die "cannot create $cache_root"
cache_root=$(cd "$cache_root" && pwd)
export CVLSM_VM_CACHE=$cache_root
mem=${CVLSM_VM_MEM:-2048}
smp=${CVLSM_VM_SMP:-2}
# The instruction counter needs single-threaded TCG with one vCPU.
[ -z "$icount" ] || smp=1
# The job dir's path goes on the kernel command line, which splits at whitespace.
case "$cache_root" in *[[:space:]]*) die "CVLSM_VM_CACHE must not contain whitespace" ;; esac

for tool in "$qemu_bin" cpio gzip modinfo timeout sha256sum; do
  command -v "$tool" >/dev/null || die "$tool not found (run scripts/install-deps.sh)"
done
if [ -n "$root" ]; then
  # The initramfs and the guest init run the root's own busybox (it has the guest's arch).
  busybox=$root/bin/busybox
  [ -f "$busybox" ] || die "--root $root has no /bin/busybox (install busybox-static in it)"
  if readelf -l "$busybox" 2>/dev/null | grep -q 'program interpreter'; then
    die "$busybox is dynamically linked; the root needs busybox-static"
  fi
else
  busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
  # The initramfs has no libraries, so busybox must be the static build.
  if ldd "$busybox" >/dev/null 2>&1; then
    die "$busybox is dynamically linked; install busybox-static"
  fi
fi

kdir=$("$here/fetch-kernel.sh" --arch "$arch" "$series") || die "could not fetch the $series $arch kernel"
ver=$(cat "$kdir/version")
moddir=$kdir/lib/modules/$ver

# ---------------------------------------------------------------------------------------------
# Guest init. One script, two stages: stage 1 runs from the initramfs as PID 1 and builds the
# root; stage 2 runs as PID 1 after switch_root (not chroot: in a chroot unshare(CLONE_NEWUSER)
# fails with EPERM). Its own commands use the copied busybox by path, so the guest depends on
# no host tool; CMD itself runs under the host's /bin/sh so PATH lookups find host binaries,
# never busybox applets.
init_script=$(cat <<'INIT'
#!/bin/busybox sh
stage=${1:-1}
if [ "$stage" = 1 ]; then bb=/bin/busybox; else bb=/run/cvlsm/busybox; fi

# Any failure before CMD runs is reported with a marker and powers off, so the host never waits
# for its timeout on a boot problem.
fail() {
  echo "CVLSM-VM-ERROR: $*"
  $bb poweroff -f
  echo o >/proc/sysrq-trigger
  while :; do $bb sleep 60; done
}

if [ "$stage" = 1 ]; then
  $bb mkdir -p /proc /sys /dev /lower /rw /newroot
  $bb mount -t proc proc /proc
  $bb mount -t sysfs sysfs /sys
  $bb mount -t devtmpfs devtmpfs /dev
  job= hostfs=
  for w in $($bb cat /proc/cmdline); do
    case "$w" in
      cvlsm.job=*) job=${w#cvlsm.job=} ;;
      cvlsm.hostfs=1) hostfs=1 ;;
    esac
  done
  [ -n "$job" ] || fail "no cvlsm.job= on the kernel command line"

  # Modules in dependency order (resolved on the host with modinfo).
  while read -r m; do
    [ -n "$m" ] || continue
    $bb insmod "/modules/$m.ko" || fail "insmod $m failed"
  done </modules/order

  # multidevs=remap on the host side keeps /proc, /sys etc. from aliasing each other.
  $bb mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /lower ||
    fail "cannot mount the host root over 9p"
  $bb mount -t tmpfs -o mode=0755 tmpfs /rw
  $bb mkdir -p /rw/upper /rw/work
  $bb mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
    fail "cannot mount the overlay root"
  # --root: the guest root is not the host's; the host's / comes as a second share, for the
  # job and the --bind directories (read-only, at their own paths in the guest).
  jobroot=/lower
  if [ -n "$hostfs" ]; then
    $bb mkdir -p /host
    $bb mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostfs /host ||
      fail "cannot mount the host's / over 9p"
    jobroot=/host
    while IFS= read -r d; do
      [ -n "$d" ] || continue
      $bb mkdir -p "/newroot$d" && $bb mount -o bind "/host$d" "/newroot$d" ||
        fail "cannot bind the host's $d into the guest"
    done <"/host$job/binds"
  fi

  # /run is the guest's tmpfs from the start: it carries busybox, this script and the job into
  # stage 2, and is read here, before anything (like a tmpfs on /tmp) can hide the job dir.
  $bb mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /newroot/run
  $bb mkdir -p /newroot/run/cvlsm
  $bb cp /bin/busybox /init /newroot/run/cvlsm/ || fail "cannot copy the init into /run"
  $bb cp "$jobroot$job/job.sh" "$jobroot$job/nonce" /newroot/run/cvlsm/ || fail "cannot read job $job"

  $bb umount /proc /sys /dev
  exec $bb switch_root /newroot /run/cvlsm/busybox sh /run/cvlsm/init 2
  fail "switch_root failed"
fi

# Stage 2: PID 1 in the overlay root.
$bb mount -t proc -o nosuid,nodev,noexec proc /proc || fail "mount proc"
$bb mount -t sysfs -o nosuid,nodev,noexec sysfs /sys || fail "mount sysfs"
$bb mount -t devtmpfs -o nosuid devtmpfs /dev || fail "mount devtmpfs"
$bb mkdir -p /dev/pts /dev/shm
$bb mount -t devpts -o nosuid,noexec,gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts || fail "mount devpts"
$bb mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm || fail "mount /dev/shm"
# What udev adds on a real system: 5.10's TOMOYO resolves the name of an fd-based exec
# (execveat AT_EMPTY_PATH, fexecve) through /dev/fd, and fails it with ENOENT without.
$bb ln -s /proc/self/fd /dev/fd
# /tmp stays the overlay's (writable, host content visible): a build tree or a CI clone
# under the host's /tmp must be reachable from the guest.
$bb mount -t securityfs securityfs /sys/kernel/security || fail "mount securityfs"
$bb mount -t bpf -o mode=0700 bpf /sys/fs/bpf || fail "mount bpffs"
# cgroup v2 only (the host is hybrid; tests want the unified hierarchy).
$bb mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup 2>/dev/null ||
  $bb mount -t cgroup2 cgroup2 /sys/fs/cgroup || fail "mount cgroup2"
$bb ip link set lo up 2>/dev/null || $bb ifconfig lo 127.0.0.1 up || fail "loopback up"
$bb hostname cvlsm-vm

# A clean environment; job.sh adds the variables passed with --env, cds and execs CMD.
$bb env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root USER=root LOGNAME=root SHELL=/bin/sh TERM=dumb LANG=C.UTF-8 \
  /bin/sh /run/cvlsm/job.sh </dev/null
rc=$?

# Wait until the console has sent all of CMD's output (tcsetattr with TCSADRAIN), then report.
$bb stty -F /dev/console "$($bb stty -F /dev/console -g)" 2>/dev/null
echo "CVLSM-VM-EXIT=$rc $($bb cat /run/cvlsm/nonce)"
$bb stty -F /dev/console "$($bb stty -F /dev/console -g)" 2>/dev/null
$bb sync
$bb poweroff -f
echo o >/proc/sysrq-trigger
while :; do $bb sleep 60; done
INIT
)

# Modules the guest needs, by name; their dependencies are added by modinfo.
wanted_modules=(virtio_pci 9pnet_virtio 9p overlay)

# ---------------------------------------------------------------------------------------------
# Initramfs, cached per kernel version and init/busybox/module-list hash.
key=$( { printf '%s\n' "$init_script" "${wanted_modules[@]}"; sha256sum <"$busybox"; } | sha256sum | cut -c1-16)
irdir=$(dirname "$kdir")/initramfs
initrd=$irdir/$ver-$key.cpio.gz

build_initramfs() {
  local stage m
  stage=$(mktemp -d "$irdir/build.XXXXXX")
  mkdir -p "$stage/bin" "$stage/dev" "$stage/modules"
  cp "$busybox" "$stage/bin/busybox"
  printf '%s\n' "$init_script" >"$stage/init"
  chmod 0755 "$stage/init" "$stage/bin/busybox"
  # The kernel's built-in initramfs has /dev/console too, but do not rely on it.
  if [ "$(id -u)" = 0 ]; then mknod -m 600 "$stage/dev/console" c 5 1; fi

  # Map module name -> file once (names use _ where files may use -).
  declare -A modfile=() builtin=() state=()
  local f n
  while IFS= read -r f; do
    n=${f##*/}; n=${n%%.ko*}; n=${n//-/_}
    modfile[$n]=$f
  done < <(find "$moddir/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')
  if [ -f "$moddir/modules.builtin" ]; then
    while IFS= read -r f; do
      n=${f##*/}; n=${n%%.ko*}; n=${n//-/_}
      builtin[$n]=1
    done <"$moddir/modules.builtin"
  fi

  # Depth-first, dependencies first; built-in modules need nothing.
  local order=()
  add_module() {
    local name=${1//-/_} dep deps
    [ -z "${state[$name]:-}" ] || return 0
    state[$name]=visiting
    if [ -z "${modfile[$name]:-}" ]; then
      [ -n "${builtin[$name]:-}" ] || die "module $name: neither a .ko nor built into $ver"
      return 0
    fi
    deps=$(modinfo -F depends "${modfile[$name]}") || die "modinfo ${modfile[$name]} failed"
    for dep in ${deps//,/ }; do add_module "$dep"; done
    order+=("$name")
  }
  for m in "${wanted_modules[@]}"; do add_module "$m"; done

  # Decompress on the host: busybox insmod cannot be trusted to read .ko.xz/.ko.zst.
  for m in "${order[@]}"; do
    f=${modfile[$m]}
    case "$f" in
      *.ko) cp "$f" "$stage/modules/$m.ko" ;;
      *.ko.xz) xz -dc "$f" >"$stage/modules/$m.ko" ;;
      *.ko.zst) zstd -qdc "$f" >"$stage/modules/$m.ko" ;;
      *.ko.gz) gzip -dc "$f" >"$stage/modules/$m.ko" ;;
    esac || die "cannot unpack $f"
    echo "$m" >>"$stage/modules/order"
  done
  : >>"$stage/modules/order"
  echo "vm-run: initramfs for $ver loads: ${order[*]:-(all built in)}" >&2

  (cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet | gzip -1) \
    >"$stage.cpio.gz" || die "cannot pack the initramfs"
  # Rename last so an interrupted build is never taken for a cached one.
  mv "$stage.cpio.gz" "$initrd"
  rm -rf "$stage"
}

mkdir -p "$irdir" || die "cannot create $irdir"
if [ ! -s "$initrd" ]; then
  rm -rf "$irdir"/build.* 2>/dev/null || true
  build_initramfs
fi

# ---------------------------------------------------------------------------------------------
# The job: a shell script the guest reads through 9p. Every string is single-quoted, so
# arguments with spaces, quotes or newlines arrive intact.
quote() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }

mkdir -p "$cache_root/jobs"
job=$(mktemp -d "$cache_root/jobs/XXXXXXXX")
# shellcheck disable=SC2317 # called from traps
cleanup() { rm -rf "$job"; }
# shellcheck disable=SC2317 # called from traps
on_signal() {
  # Background jobs ignore SIGINT, so stop qemu here, by its own pid.
  if [ -s "$job/qemu.pid" ]; then kill "$(cat "$job/qemu.pid")" 2>/dev/null || true; fi
  echo "vm-run: interrupted" >&2
  cleanup
  exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP
chmod 0755 "$job"

nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
echo "$nonce" >"$job/nonce"
[ -z "$root" ] || printf '%s\n' ${binds[@]+"${binds[@]}"} >"$job/binds"
{
  echo "# generated by vm-run.sh"
  [ -n "${CI+set}" ] && echo "export CI=$(quote "$CI")"
  for e in ${env_names[@]+"${env_names[@]}"}; do
    name=${e%%=*}
    [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "--env: bad variable name '$name'"
    if [[ $e == *=* ]]; then
      echo "export $name=$(quote "${e#*=}")"
    elif [ -n "${!name+set}" ]; then
      echo "export $name=$(quote "${!name}")"
    fi
  done
  echo "cd -- $(quote "$chdir") || { echo \"vm-run: cannot cd to \"$(quote "$chdir")\" in the guest\" >&2; exit 125; }"
  printf 'exec'
  for a in "$@"; do printf ' %s' "$(quote "$a")"; done
  printf '\n'
} >"$job/job.sh"

serial=$job/serial.log
cmdline="console=$console panic=-1 quiet cvlsm.job=$job"
[ -z "$root" ] || cmdline="$cmdline cvlsm.hostfs=1"
cmdline="$cmdline${append}"
# TCG, not KVM (KVM guests hang on these machines). Single-threaded TCG by default: the guest
# still has $smp CPUs, but multi-threaded TCG once crashed a 6.12 boot in ~50 ("Oops: int3"
# while patching kernel text across vCPUs) and was slower here (2 busy host cores: 11 s vs 8 s
# to boot 7.2 and run a small python job).
# shellcheck disable=SC2054,SC2206 # commas are qemu's; CVLSM_VM_QEMU_EXTRA is split on purpose
{
  qemu=("$qemu_bin" -accel "tcg,thread=${CVLSM_VM_TCG_THREAD:-single}")
  case "$arch" in
    # SeaBIOS would print terminal escapes on the serial port when there is no VGA.
    amd64) qemu+=(-cpu max -fw_cfg name=etc/sercon-port,string=0) ;;
    # pauth-impdef: pointer authentication with an implementation-defined hash, which QEMU
    # documents as much faster to emulate than the architected QARMA one.
    arm64) qemu+=(-M virt -cpu max,pauth-impdef=on) ;;
  esac
  qemu+=(
    -m "$mem" -smp "$smp"
    -nographic -nodefaults -no-reboot -serial stdio -monitor none
    -kernel "$kdir/vmlinuz" -initrd "$initrd" -append "$cmdline"
    -pidfile "$job/qemu.pid"
  )
  if [ -z "$root" ]; then
    qemu+=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
  else
    qemu+=(-virtfs "local,path=$root,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
      -virtfs local,path=/,mount_tag=hostfs,security_model=none,readonly=on,multidevs=remap)
  fi
  [ -z "$icount" ] || qemu+=(-icount shift=0,sleep=off)
  qemu+=(${CVLSM_VM_QEMU_EXTRA:-})
}

[ -z "$log" ] || : >"$log" || die "cannot write --log $log"
echo "vm-run: booting $ver ($series${root:+, root $root}${icount:+, icount}), timeout ${timeout_s}s: ${*@Q}" >&2
start=$SECONDS
# In the background so the signal traps can run while we wait.
(
  set +e
  # qemu warns about the sercon fw_cfg name on every boot; that line is noise.
  timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null 2>&1 |
    grep -av --line-buffered 'externally provided fw_cfg item names' |
    tee "$serial" ${log:+"$log"}
  exit "${PIPESTATUS[0]}"
) &
set +e
wait $!
qemu_status=$?
set -e
elapsed=$((SECONDS - start))

rc=$(tr -d '\r' <"$serial" | grep -ao "CVLSM-VM-EXIT=[0-9]* $nonce" | tail -n1 | sed 's/^CVLSM-VM-EXIT=\([0-9]*\) .*/\1/' || true)
if [ -n "$rc" ]; then
  echo "vm-run: guest exited $rc after ${elapsed}s" >&2
  exit "$rc"
fi

{
  if [ "$qemu_status" = 124 ]; then
    echo "vm-run: TIMEOUT: no exit status from the guest within ${timeout_s}s"
  else
    echo "vm-run: the guest stopped without reporting an exit status (qemu exit $qemu_status, ${elapsed}s)"
  fi
  err=$(tr -d '\r' <"$serial" | grep -a 'CVLSM-VM-ERROR:' | tail -n1 || true)
  [ -z "$err" ] || echo "vm-run: $err"
  echo "vm-run: last lines of the serial log${log:+ (full log: $log)}:"
  tr -d '\r' <"$serial" | tail -n 30 | sed 's/^/  | /'
} >&2
if [ "$qemu_status" = 124 ]; then exit 124; fi
exit 125
