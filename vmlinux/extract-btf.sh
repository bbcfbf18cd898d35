#!/usr/bin/env bash
# extract-btf.sh ARCH SUITE OUTPUT.h
#   Regenerates a vmlinux.h for an architecture this machine does not run (arm64), from the
#   Debian kernel package of SUITE: the package's Image carries the kernel's BTF (its
#   System.map is a placeholder, so the blob is found by its header), which bpftool dumps
#   as C. The mirror is read from this machine's apt configuration; nothing is installed.
#   Example: vmlinux/extract-btf.sh arm64 trixie vmlinux/arm64/vmlinux.h
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 ARCH SUITE OUTPUT.h" >&2; exit 2; }
arch=$1 suite=$2 output=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || { echo "extract-btf: no URIs: line in the apt sources" >&2; exit 1; }
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" \
  >"$work/sources.list"
: >"$work/status"
apt_opts=(-q -o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=/nonexistent"
  -o "Dir::State::Lists=$work/lists" -o "Dir::State::status=$work/status"
  -o "Dir::Cache=$work/cache" -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
  -o "APT::Sandbox::User=root" -o "Acquire::Languages=none")
apt-get "${apt_opts[@]}" update >/dev/null
# The cloud flavour is the smallest package; its BTF has every core type the programs use.
package=$(apt-cache "${apt_opts[@]}" pkgnames | grep -E "^linux-image-[0-9.]+.*-cloud-$arch-unsigned\$" |
  sort -V | tail -n1)
[ -n "$package" ] || { echo "extract-btf: no cloud kernel for $arch in $suite" >&2; exit 1; }
(cd "$work" && apt-get "${apt_opts[@]}" download "$package" >/dev/null)
dpkg-deb -x "$work"/*.deb "$work/root"
image=$(ls "$work"/root/boot/vmlinuz-*)

python3 - "$image" "$work/vmlinux.btf" <<'PY'
import struct, sys
image = open(sys.argv[1], 'rb').read()
header = bytes.fromhex('9feb010018000000')  # BTF magic 0xeb9f, version 1, header length 24
at = image.find(header)
while at != -1:
    _, _, _, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from('<HBBIIIII', image, at)
    total = hdr_len + str_off + str_len
    if type_off == 0 and str_off == type_len and type_len > 1_000_000 and at + total <= len(image):
        open(sys.argv[2], 'wb').write(image[at:at + total])
        sys.exit(0)
    at = image.find(header, at + 1)
sys.exit('extract-btf: no vmlinux BTF found in ' + sys.argv[1])
PY
bpftool btf dump file "$work/vmlinux.btf" format c >"$output"
echo "wrote $output from $package"
