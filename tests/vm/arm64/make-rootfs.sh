#!/usr/bin/env bash
# make-rootfs.sh DIR PACKAGE...
#   Makes (once) a minimal Debian arm64 root filesystem in DIR/root for the arm64 VM case,
#   with PACKAGE... and their dependencies. debootstrap resolves and downloads the packages
#   (--download-only); they are unpacked here with dpkg-deb, never configured: this machine
#   cannot run arm64 maintainer scripts, and running them in an emulated guest takes over an
#   hour. The few effects of those scripts that the tests need are done by hand below.
#   The suite is this machine's own, so the root's libraries are the versions the cross build
#   linked against; the mirror is read from this machine's apt configuration.
#   DIR/.complete marks a finished root; a second run with the same DIR does nothing.
set -euo pipefail

die() { echo "make-rootfs: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: $0 DIR PACKAGE..."
dir=$1
shift
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

mkdir -p "$dir" || die "cannot create $dir"
dir=$(cd "$dir" && pwd)
exec 9>"$dir/.lock"
flock 9
if [ -f "$dir/.complete" ] && [ -f "$dir/root/bin/busybox" ]; then
  exit 0
fi

for tool in debootstrap dpkg-deb tar; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install debootstrap)"
done
[ -r "$keyring" ] || die "$keyring missing (apt-get install debian-archive-keyring)"
# shellcheck disable=SC1091 # the machine's own
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$suite" ] || die "no VERSION_CODENAME in /etc/os-release"

# Mirror from the machine's apt config: deb822 first, then the one-line format.
mirror=
if [ -r /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
    /etc/apt/sources.list)
fi
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"

rm -rf "$dir/root" "$dir/.complete" "$dir"/root.tmp.*
tmp=$(mktemp -d "$dir/root.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"
root=$tmp/root

# busybox-static: vm-run.sh's init (and the tests' httpd and wget).
include=busybox-static
for p in "$@"; do include="$include,$p"; done
echo "make-rootfs: downloading $suite arm64 (minbase + $include)" >&2
debootstrap --download-only --arch=arm64 --variant=minbase --keyring="$keyring" \
  --include="$include" "$suite" "$tmp/dl" "$mirror" >&2 ||
  die "debootstrap --download-only failed (log: $tmp/dl/debootstrap/debootstrap.log)"

# Merged /usr, as debootstrap makes it for this suite; tar keeps these symlinks.
mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib"
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
n=0
for deb in "$tmp"/dl/var/cache/apt/archives/*.deb; do
  dpkg-deb --fsys-tarfile "$deb" | tar -C "$root" --keep-directory-symlink -xf - ||
    die "cannot unpack $deb"
  n=$((n + 1))
done
[ -f "$root/bin/busybox" ] || die "busybox-static was not unpacked"
rm -rf "$tmp/dl"

# What the unrun maintainer scripts would have done, as far as the tests need it: users and
# groups (base-passwd), the cc alternative (gcc), the directories the init mounts on.
# The dynamic loader finds the multiarch libraries without an ld.so.cache.
cp "$root/usr/share/base-passwd/passwd.master" "$root/etc/passwd"
cp "$root/usr/share/base-passwd/group.master" "$root/etc/group"
ln -sf gcc "$root/usr/bin/cc"
mkdir -p "$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/root" "$root/tmp" "$root/var/tmp"
chmod 1777 "$root/tmp" "$root/var/tmp"
# The tests read /etc/hostname as a file outside their rules.
echo cvlsm-vm >"$root/etc/hostname"

mv "$root" "$dir/root"
date -u +%FT%TZ >"$dir/.complete"
echo "make-rootfs: $dir/root ready: $n packages, $(du -sh "$dir/root" | cut -f1)" >&2
