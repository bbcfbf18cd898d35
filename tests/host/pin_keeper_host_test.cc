// The pin keeper as a target (root): a process that runs as root but without the keeper's
// capabilities, as every confined process does, is not a client, whatever the socket's mode
// lets it open.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "common/unique_fd.h"
#include "pinned/pin_keeper.h"
#include "support/keeper_process.h"

namespace cvlsm {
namespace {

// Clears the calling process's effective capabilities (uid 0 stays): a confined process.
bool DropEffectiveCapabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  data[0].effective = data[1].effective = 0;
  return ::syscall(SYS_capset, &header, data) == 0;
}

class PinKeeperHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "the host tests need root";
    ASSERT_TRUE(keeper_.started()) << "the keeper did not start";
  }

  // In a child: 0 when the keeper served a request that drops every pin, else 1 (2 when the
  // child could not set itself up).
  int DropEverythingFromChild(bool without_capabilities) const {
    pid_t child = ::fork();
    if (child == 0) {
      if (without_capabilities && !DropEffectiveCapabilities()) ::_exit(2);
      absl::StatusOr<PinKeeperClient> client = PinKeeperClient::Connect(keeper_.socket());
      ::_exit(client.ok() && client->RetainOnly({}).ok() ? 0 : 1);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  testing::KeeperProcess keeper_;
};

TEST_F(PinKeeperHostTest, RootWithoutCapabilitiesIsNoClient) {
  EXPECT_EQ(DropEverythingFromChild(false), 0) << "control: a manager with its capabilities";
  EXPECT_EQ(DropEverythingFromChild(true), 1) << "a confined root process reached the keeper";
  // The keeper is still serving afterwards.
  EXPECT_EQ(DropEverythingFromChild(false), 0);
}

}  // namespace
}  // namespace cvlsm
