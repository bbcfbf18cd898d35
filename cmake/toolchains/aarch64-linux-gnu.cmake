# Cross build for arm64 (aarch64) Linux on a Debian host, with Debian's cross compilers
# (g++-aarch64-linux-gnu) and the arm64 libraries installed through multiarch
# (dpkg --add-architecture arm64; libbpf-dev:arm64 ...). No sysroot: multiarch puts the
# arm64 libraries, pkg-config files and CMake packages under /usr/lib/aarch64-linux-gnu.
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
# tests/vm/arm64/run-arm64.sh makes such a build and runs its privileged suites in an arm64 VM.
set(CMAKE_SYSTEM_NAME Linux)
# Also selects the BPF programs' target (cmake/BpfObject.cmake: vmlinux/arm64/vmlinux.h).
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# pkg-config: the arm64 .pc files, plus the architecture-independent ones.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Build tools (clang for BPF, bpftool) are the host's; libraries and headers come from the
# multiarch directories, which CMAKE_LIBRARY_ARCHITECTURE makes the search look in first.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

# The test binaries cannot run on the build machine, so GoogleTest lists their tests when
# ctest runs them (in the arm64 guest), not after the build.
set(CMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE PRE_TEST)
