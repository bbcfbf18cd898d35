#include "syscall_workloads.h"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace cvlsm::bench {
namespace {

// No descriptor is open this high: close_range has nothing to do and returns 0.
constexpr unsigned int kUnusedFd = 1u << 20;

int Failed() { return errno != 0 ? -errno : -EIO; }

int GetPpid(const WorkloadFds&) { return syscall(SYS_getppid) > 0 ? 0 : Failed(); }

int Mixed(const WorkloadFds& fds) {
  if (syscall(SYS_getppid) <= 0) return Failed();
  if (syscall(SYS_getuid) < 0) return Failed();
  struct stat st;
  if (syscall(SYS_fstat, fds.zero, &st) != 0) return Failed();
  char byte = 0;
  if (syscall(SYS_read, fds.zero, &byte, 1) != 1) return Failed();
  if (syscall(SYS_write, fds.null, &byte, 1) != 1) return Failed();
  if (syscall(SYS_lseek, fds.null, 0, SEEK_SET) != 0) return Failed();
  const long fd = syscall(SYS_dup, fds.zero);
  if (fd < 0) return Failed();
  if (syscall(SYS_close, fd) != 0) return Failed();
  return 0;
}

int Late(const WorkloadFds&) {
  return syscall(SYS_close_range, kUnusedFd, kUnusedFd, 0) == 0 ? 0 : Failed();
}

constexpr int kGetPpidCalls[] = {SYS_getppid};
constexpr int kMixedCalls[] = {SYS_getppid, SYS_getuid, SYS_fstat, SYS_read,
                               SYS_write,   SYS_lseek,  SYS_dup,   SYS_close};
constexpr int kLateCalls[] = {SYS_close_range};

constexpr SyscallWorkload kWorkloads[] = {
    {"getppid", kGetPpidCalls, GetPpid},
    {"mixed", kMixedCalls, Mixed},
    {"late", kLateCalls, Late},
};

}  // namespace

std::span<const SyscallWorkload> SyscallWorkloads() { return kWorkloads; }

}  // namespace cvlsm::bench
