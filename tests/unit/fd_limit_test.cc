// EnsureDescriptorRoom, in forked children: lowering a hard limit cannot be undone without
// privileges, so the test process keeps its own.
#include "common/fd_limit.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

namespace cvlsm {
namespace {

// Runs `body` in a child with RLIMIT_NOFILE = {soft, hard}; the child's exit status.
int InChildWithLimit(rlim_t soft, rlim_t hard, const std::function<int()>& body) {
  pid_t child = ::fork();
  if (child == 0) {
    struct rlimit limit = {soft, hard};
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(90);
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

rlim_t SoftLimit() {
  struct rlimit limit {};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

TEST(FdLimitTest, RaisesTheSoftLimitUpToTheHardOne) {
  EXPECT_EQ(InChildWithLimit(64, 4096,
                             [] {
                               if (!EnsureDescriptorRoom(1000).ok()) return 1;
                               return SoftLimit() >= 1000 ? 0 : 2;
                             }),
            0);
}

TEST(FdLimitTest, LeavesAnAmpleLimitAlone) {
  EXPECT_EQ(InChildWithLimit(4096, 4096,
                             [] {
                               if (!EnsureDescriptorRoom(10).ok()) return 1;
                               return SoftLimit() == 4096 ? 0 : 2;
                             }),
            0);
}

TEST(FdLimitTest, NamesTheNumbersWhenTheLimitCannotBeRaisedEnough) {
  // As root the hard limit may rise; ask for more than fs.nr_open allows so it cannot.
  EXPECT_EQ(InChildWithLimit(64, 128,
                             [] {
                               absl::Status status = EnsureDescriptorRoom(1u << 30);
                               if (status.code() != absl::StatusCode::kResourceExhausted) return 1;
                               std::string message(status.message());
                               return message.find("ulimit -n") != std::string::npos ? 0 : 2;
                             }),
            0);
}

}  // namespace
}  // namespace cvlsm
