#!/usr/bin/env bash
# fetch-kernel.sh [--arch amd64|arm64] SERIES
#   Downloads (once) the newest Debian kernel of SERIES (5.10, 6.1, 6.12, 7.2) and unpacks it
#   into a cache dir; prints that dir (it holds vmlinuz, config, version and lib/modules/<ver>/).
#   The architecture defaults to amd64 (cache <cache>/SERIES); arm64 kernels are cached in
#   <cache>/arm64-SERIES.
#
# Apt runs with a private configuration (own sources file, lists and cache) so the machine's apt
# sources stay untouched, and the mirror is taken from the machine's own apt config so no archive
# host is written down here. Packages are only downloaded and unpacked, never installed.
set -euo pipefail

die() { echo "fetch-kernel: $*" >&2; exit 1; }

arch=amd64
if [ $# -ge 2 ] && [ "$1" = --arch ]; then arch=$2; shift 2; fi
[ $# -eq 1 ] || die "usage: $0 [--arch amd64|arm64] SERIES   (SERIES: 5.10 | 6.1 | 6.12 | 7.2)"
series=$1
case "$arch" in
  amd64|arm64) ;;
  *) die "unknown architecture '$arch' (want amd64 or arm64)" ;;
esac
case "$series" in
  5.10) suite=bullseye ;;
  6.1)  suite=bookworm ;;
  6.12) suite=trixie ;;
  7.2)  suite=sid ;;
  *) die "unknown kernel series '$series' (want 5.10, 6.1, 6.12 or 7.2)" ;;
esac

cache_root=${CVLSM_VM_CACHE:-/var/cache/cv-lsm/vm}
base=$cache_root/$series
[ "$arch" = amd64 ] || base=$cache_root/$arch-$series
kdir=$base/kernel
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# A kernel dir counts only if the marker written last by a finished unpack is there and the
# files it names still exist: an interrupted run leaves only a *.tmp.* dir behind.
cache_complete() {
  [ -f "$kdir/.complete" ] && [ -f "$kdir/vmlinuz" ] && [ -f "$kdir/version" ] &&
    [ -d "$kdir/lib/modules/$(cat "$kdir/version")" ]
}

mkdir -p "$base" || die "cannot create cache dir $base"
# One fetch per series at a time: parallel test jobs would otherwise download twice.
exec 9>"$base/.lock"
flock 9

if cache_complete && [ -z "${CVLSM_VM_REFRESH:-}" ]; then
  echo "$kdir"
  exit 0
fi

for tool in apt-get apt-cache dpkg dpkg-deb flock; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
[ -r "$keyring" ] || die "$keyring missing (apt-get install debian-archive-keyring)"

# Mirror from the machine's apt config: deb822 first, then the one-line format.
mirror=
if [ -r /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
  # Skip an optional [options] block after "deb".
  mirror=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"

aptdir=$base/apt
mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$aptdir/etc/preferences.d"
echo "deb [signed-by=$keyring] $mirror $suite main" >"$aptdir/sources.list"
: >"$aptdir/status"
apt_opts=(
  -o "Dir::Etc::sourcelist=$aptdir/sources.list"
  -o "Dir::Etc::sourceparts=/nonexistent"
  -o "Dir::Etc::preferences=$aptdir/etc/preferences"
  -o "Dir::Etc::preferencesparts=$aptdir/etc/preferences.d"
  -o "Dir::State::Lists=$aptdir/lists"
  -o "Dir::State::status=$aptdir/status"
  -o "Dir::Cache=$aptdir/cache"
  -o "APT::Architecture=$arch"
  -o "APT::Architectures::=$arch"
  # The private dirs are root-owned; do not drop to the _apt user for downloads.
  -o "APT::Sandbox::User=root"
  -o "Acquire::Languages=none"
  -q
)

echo "fetch-kernel: resolving newest $series $arch kernel in $suite" >&2
apt-get "${apt_opts[@]}" update >&2 || die "apt-get update failed for suite $suite"

# Newest package (by Debian version) among names matching a regex.
newest_pkg() {
  local re=$1 best='' bestv='' p v
  for p in $(apt-cache "${apt_opts[@]}" pkgnames | grep -E "$re" || true); do
    v=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$p" 2>/dev/null | awk '/^Version:/ { print $2; exit }')
    [ -n "$v" ] || continue
    if [ -z "$bestv" ] || dpkg --compare-versions "$v" gt "$bestv"; then
      best=$p bestv=$v
    fi
  done
  echo "$best"
}

s=${series//./\\.}
case "$series" in
  5.10|6.1|6.12)
    # bullseye/bookworm name the ABI (5.10.0-32), trixie the full version (6.12.117+deb13).
    # The plain flavour only, not -cloud-$arch or -rt-$arch.
    img=$(newest_pkg "^linux-image-${s}(\.[0-9]+)?(-[0-9]+|\+deb[0-9]+)-$arch-unsigned\$")
    [ -n "$img" ] || die "no linux-image-$series*-$arch-unsigned package in $suite"
    pkgs=("$img")
    ;;
  7.2)
    # sid splits the kernel: linux-binary-* (vmlinuz), linux-modules-* (modules) and
    # linux-base-* (config, modules.builtin), all under /usr/lib/modules/<ver>/.
    img=$(newest_pkg "^linux-binary-${s}\.[0-9]+(-[0-9]+|\+deb[0-9]+)-$arch\$")
    [ -n "$img" ] || die "no linux-binary-$series*-$arch package in $suite"
    pkgs=("$img")
    for part in modules base; do
      p=linux-$part-${img#linux-binary-}
      apt-cache "${apt_opts[@]}" show "$p" >/dev/null 2>&1 || die "$img has no matching $p in $suite"
      pkgs+=("$p")
    done
    ;;
esac
echo "fetch-kernel: packages: ${pkgs[*]}" >&2

# Leftovers of interrupted runs (we hold the lock, so none is in use).
rm -rf "$base"/kernel.tmp.* "$base"/kernel.old.*

# Download into a fresh temp dir so half-fetched .debs never count as a cache.
tmp=$(mktemp -d "$base/kernel.tmp.XXXXXX")
chmod 0755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/debs" "$tmp/root"
(cd "$tmp/debs" && apt-get "${apt_opts[@]}" download "${pkgs[@]}" >&2) || die "apt-get download ${pkgs[*]} failed"
for deb in "$tmp"/debs/*.deb; do
  du -h "$deb" | awk '{ print "fetch-kernel: downloaded " $2 " (" $1 ")" }' >&2
  dpkg-deb -x "$deb" "$tmp/root" || die "dpkg-deb -x $deb failed"
done
rm -rf "$tmp/debs"

root=$tmp/root
# Older packages put the image in /boot/vmlinuz-<ver>; sid in /usr/lib/modules/<ver>/vmlinuz.
vmlinuz=
for f in "$root"/boot/vmlinuz-* "$root"/usr/lib/modules/*/vmlinuz; do
  if [ -f "$f" ]; then vmlinuz=${f#"$root"/}; break; fi
done
[ -n "$vmlinuz" ] || die "no vmlinuz in ${pkgs[*]}"
case "$vmlinuz" in
  boot/*) ver=${vmlinuz#boot/vmlinuz-} ;;
  *) ver=${vmlinuz#usr/lib/modules/}; ver=${ver%/vmlinuz} ;;
esac
# Newer packages ship modules under /usr/lib/modules; expose them as lib/modules either way.
if [ ! -d "$root/lib/modules/$ver" ] && [ -d "$root/usr/lib/modules/$ver" ] && [ ! -e "$root/lib" ]; then
  ln -s usr/lib "$root/lib"
fi
[ -d "$root/lib/modules/$ver" ] || die "no lib/modules/$ver in ${pkgs[*]}"
ln -s "$vmlinuz" "$root/vmlinuz"
for c in "boot/config-$ver" "lib/modules/$ver/config"; do
  if [ -f "$root/$c" ]; then ln -s "$c" "$root/config"; break; fi
done
[ -e "$root/config" ] || die "no kernel config in ${pkgs[*]}"
echo "$ver" >"$root/version"
printf '%s\n' "${pkgs[@]}" >"$root/packages"
date -u +%FT%TZ >"$root/.complete"

# Swap in atomically (rename), then drop the old copy if this was a refresh.
if [ -e "$kdir" ]; then
  mv "$kdir" "$base/kernel.old.$$"
fi
mv "$root" "$kdir"
rm -rf "$base/kernel.old.$$" "$tmp"
trap - EXIT
echo "fetch-kernel: $series ($arch) -> $ver" >&2
echo "$kdir"
