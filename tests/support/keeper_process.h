// A pin keeper in a child process of the test, on a socket in a fresh directory, for as long
// as the object lives: the unit tests' unprivileged keeper and the host tests' root one.
#pragma once

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "pinned/pin_keeper.h"

namespace cvlsm::testing {

class KeeperProcess {
 public:
  KeeperProcess() {
    char dir_template[] = "/tmp/cvlsm-keeper-test-XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) return;
    dir_ = dir_template;
    socket_ = dir_ + "/keeper.sock";
    int ready[2];
    if (::pipe(ready) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      ::_exit(RunPinKeeper(socket_, ready[1]));
    }
    ::close(ready[1]);
    char byte = 0;
    started_ = pid_ > 0 && ::read(ready[0], &byte, 1) == 1;
    ::close(ready[0]);
  }
  ~KeeperProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::unlink(socket_.c_str());
    ::rmdir(dir_.c_str());
  }
  KeeperProcess(const KeeperProcess&) = delete;
  KeeperProcess& operator=(const KeeperProcess&) = delete;

  // Whether the keeper said it listens.
  bool started() const { return started_; }
  pid_t pid() const { return pid_; }
  const std::string& socket() const { return socket_; }
  // The directory holding the socket (removed at the end: empty it first).
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_, socket_;
  pid_t pid_ = -1;
  bool started_ = false;
};

}  // namespace cvlsm::testing
