#!/usr/bin/env bash
# Installs every Debian package cv-lsm needs to build, test and boot its VM test kernels.
# Used by the README and by .ci/run, so a fresh Debian 12 machine gets the same toolchain.
set -euo pipefail

packages=(
  # build
  cmake make g++ pkg-config clang llvm clang-format
  # BPF: libbpf to load, bpftool to generate skeletons
  libbpf-dev bpftool libelf-dev zlib1g-dev
  # userspace libraries: syscall filters, errors/strings, capabilities, JSON, CLI parsing
  libseccomp-dev libabsl-dev libcap-dev nlohmann-json3-dev libcli11-dev
  # tests; libFuzzer for the policy file fuzzer (tests/fuzz/) comes with clang's runtime
  libgtest-dev libgmock-dev libclang-rt-14-dev
  # VM tests: emulator, guest userland, initramfs packing, kernel module metadata
  qemu-system-x86 busybox-static cpio kmod xz-utils zstd
  # the OCI runtime the oci-hook test starts containers with (tests/vm/oci/)
  crun
  # apt keyring that verifies the kernels fetched for the VM matrix
  debian-archive-keyring
  # network namespaces of the network rules suite (ip)
  iproute2
  # workloads the preset tests run
  coreutils gcc binutils libc6-dev
  # benchmark report and its plots
  python3 gnuplot-nox
  # checks of the runtime examples (tests/docs/): JSON Schema, YAML, the Kubernetes API types,
  # the OCI runtime-spec schemas
  python3-jsonschema python3-yaml python3-kubernetes golang-github-opencontainers-specs-dev
)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (apt-get install needs it)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${packages[@]}"
