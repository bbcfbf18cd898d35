#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a working `cv-lsm`: installs the Debian
# packages, builds everything (library, CLI, BPF object, tests) in build/, and installs the
# CLI and library under /usr/local.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j "$(nproc)"
cmake --install build
echo "cv-lsm installed: $(command -v cv-lsm)"
