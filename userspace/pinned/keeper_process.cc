#include "pinned/keeper_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cgroup/cgroup.h"
#include "common/directory.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/unique_fd.h"

namespace cvlsm {
namespace {

constexpr int kKeeperStartSeconds = 10;

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Closes every descriptor from `first` on, between fork and exec (no allocation).
void CloseDescriptorsFrom(int first) {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, first, ~0U, 0) == 0) return;
#endif
  long last = ::sysconf(_SC_OPEN_MAX);
  for (long fd = first; fd < (last > 0 ? last : 1024); ++fd) ::close(static_cast<int>(fd));
}

std::string KeeperCgroupDir() {
  absl::StatusOr<std::string> mount = FindCgroup2Mount();
  return mount.ok() ? absl::StrCat(*mount, "/", KeeperCgroupName) : std::string();
}

// Best effort, said when it fails: the keeper still serves from its caller's cgroup.
void MoveToKeeperCgroup(pid_t keeper) {
  std::string dir = KeeperCgroupDir();
  if (dir.empty()) return;
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    LogWarning("load", absl::StrCat("the pin keeper stays in its caller's cgroup: mkdir ", dir,
                                    ": ", std::strerror(errno)));
    return;
  }
  std::ofstream procs(dir + "/cgroup.procs");
  procs << keeper << std::endl;
  if (!procs) {
    LogWarning("load", absl::StrCat("the pin keeper stays in its caller's cgroup: cannot "
                                    "write its pid into ",
                                    dir, "/cgroup.procs"));
  }
}

}  // namespace

void RemoveKeeperCgroup() {
  std::string dir = KeeperCgroupDir();
  if (dir.empty()) return;
  // A keeper killed a moment ago leaves its cgroup when it has exited.
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    if (errno != EBUSY) break;
    ::usleep(10 * 1000);
  }
  LogWarning("unload", absl::StrCat("cannot remove ", dir, ": ", std::strerror(errno)));
}

pid_t LiveKeeperPid(const StatePaths& paths) {
  int pid = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadSmallFile(paths.keeper_pid())), &pid) ||
      pid <= 0) {
    return 0;
  }
  std::string cmdline = ReadSmallFile(absl::StrCat("/proc/", pid, "/cmdline"));
  return absl::StrContains(cmdline, std::string("keeper\0--socket", 15)) ? pid : 0;
}

bool KeeperServes(pid_t keeper_pid, volatile const cvlsm_global_state* state) {
  return keeper_pid > 0 && !state->pins_lost &&
         state->keeper_tgid == static_cast<__u32>(keeper_pid);
}

absl::StatusOr<pid_t> StartKeeper(const std::string& binary, const StatePaths& paths) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return ErrnoError(errno, "create a pipe for the keeper");
  UniqueFd ready_read(ready[0]), ready_write(ready[1]);
  std::string socket = paths.keeper_socket();
  pid_t pid = ::fork();
  if (pid < 0) return ErrnoError(errno, "fork the pin keeper");
  if (pid == 0) {
    ::setsid();  // not killed with the terminal or the process group of `cv-lsm load`
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    ::dup2(ready_write.get(), 3);  // dup2 clears close-on-exec
    // Nothing else the loading command inherited (a caller's pipe, a preserved descriptor)
    // may live on in a daemon: its reader would never see the end of it.
    CloseDescriptorsFrom(4);
    ::execl(binary.c_str(), "cv-lsm", "keeper", "--socket", socket.c_str(), "--ready-fd", "3",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ready_write.Reset();
  MoveToKeeperCgroup(pid);
  pollfd waiting{ready_read.get(), POLLIN, 0};
  char byte = 0;
  if (::poll(&waiting, 1, kKeeperStartSeconds * 1000) != 1 ||
      ::read(ready_read.get(), &byte, 1) != 1) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return absl::InternalError(
        absl::StrCat("the pin keeper (", binary, " keeper) did not start listening on ", socket));
  }
  std::ofstream(paths.keeper_pid(), std::ios::trunc) << pid << "\n";
  return pid;
}

void StopKeepers(const StatePaths& paths) {
  std::string wanted = absl::StrCat(std::string("keeper\0--socket\0", 16), paths.keeper_socket());
  for (const std::string& name : DirectoryEntries("/proc")) {
    int pid = 0;
    if (!absl::SimpleAtoi(name, &pid) || pid == ::getpid()) continue;
    if (absl::StrContains(ReadSmallFile(absl::StrCat("/proc/", pid, "/cmdline")), wanted)) {
      ::kill(pid, SIGKILL);
    }
  }
}

}  // namespace cvlsm
