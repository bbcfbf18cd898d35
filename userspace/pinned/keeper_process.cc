#include "pinned/keeper_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/directory.h"
#include "common/errors.h"
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

}  // namespace

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
    ::execl(binary.c_str(), "cv-lsm", "keeper", "--socket", socket.c_str(), "--ready-fd", "3",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ready_write.Reset();
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
