// The pin keeper's protocol, unprivileged: a keeper in a child process, a client sending it
// O_PATH descriptors. What it holds is counted in /proc/<keeper>/fd.
#include "pinned/pin_keeper.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/unique_fd.h"
#include "support/keeper_process.h"

namespace cvlsm {
namespace {

class PinKeeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(keeper_.started()) << "the keeper did not start";
    socket_ = keeper_.socket();
    file_ = keeper_.dir() + "/object";
    UniqueFd created(::open(file_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    ASSERT_TRUE(created.valid());
  }
  void TearDown() override { ::unlink(file_.c_str()); }

  size_t KeeperDescriptors() const {
    size_t count = 0;
    DIR* fds = ::opendir(absl::StrCat("/proc/", keeper_.pid(), "/fd").c_str());
    if (fds == nullptr) return 0;
    while (struct dirent* entry = ::readdir(fds)) count += entry->d_name[0] != '.';
    ::closedir(fds);
    return count;
  }

  // `count` pins on the test file with keys first..first+count-1 (the client's copies close
  // when the vector goes).
  std::vector<UniqueFd> Pins(size_t count) {
    std::vector<UniqueFd> pins;
    for (size_t i = 0; i < count; ++i) pins.emplace_back(::open(file_.c_str(), O_PATH | O_CLOEXEC));
    return pins;
  }
  static std::vector<std::pair<uint64_t, int>> Keyed(const std::vector<UniqueFd>& pins,
                                                     uint64_t first) {
    std::vector<std::pair<uint64_t, int>> keyed;
    for (size_t i = 0; i < pins.size(); ++i) keyed.emplace_back(first + i, pins[i].get());
    return keyed;
  }

  testing::KeeperProcess keeper_;
  std::string socket_, file_;
};

TEST_F(PinKeeperTest, KeepsPinsPastTheClientAndDropsThemOnRequest) {
  absl::StatusOr<PinKeeperClient> client = PinKeeperClient::Connect(socket_);
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(client->DropPolicy(999).ok());  // a round trip: the connection is accepted
  size_t baseline = KeeperDescriptors();
  {
    // More than one message carries (the kernel passes at most 253 descriptors in one).
    std::vector<UniqueFd> pins = Pins(600);
    ASSERT_TRUE(client->Keep(1, Keyed(pins, 1)).ok());
  }
  EXPECT_EQ(KeeperDescriptors(), baseline + 600);

  {
    std::vector<UniqueFd> again = Pins(1);
    ASSERT_TRUE(client->Keep(1, Keyed(again, 5)).ok());  // key 5 again: replaced, not added
  }
  EXPECT_EQ(KeeperDescriptors(), baseline + 600);
  ASSERT_TRUE(client->Drop(1, 5).ok());
  EXPECT_EQ(KeeperDescriptors(), baseline + 599);
  ASSERT_TRUE(client->Drop(1, 99999).ok());  // an unknown key: nothing to drop
  EXPECT_EQ(KeeperDescriptors(), baseline + 599);

  {
    std::vector<UniqueFd> other = Pins(10);
    ASSERT_TRUE(client->Keep(2, Keyed(other, 1)).ok());
  }
  EXPECT_EQ(KeeperDescriptors(), baseline + 609);
  ASSERT_TRUE(client->RetainOnly({2}).ok());  // policy 1 was left by a killed manager
  EXPECT_EQ(KeeperDescriptors(), baseline + 10);
  ASSERT_TRUE(client->DropPolicy(2).ok());
  EXPECT_EQ(KeeperDescriptors(), baseline);
}

TEST_F(PinKeeperTest, ServesSeveralClientsAndOutlivesThem) {
  absl::StatusOr<PinKeeperClient> first = PinKeeperClient::Connect(socket_);
  absl::StatusOr<PinKeeperClient> second = PinKeeperClient::Connect(socket_);
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(first->DropPolicy(999).ok() && second->DropPolicy(999).ok());  // both accepted
  size_t baseline = KeeperDescriptors() - 1;  // `second`'s connection goes below
  {
    std::vector<UniqueFd> pins = Pins(3);
    ASSERT_TRUE(first->Keep(7, Keyed(pins, 1)).ok());
  }
  second = absl::UnavailableError("closed");  // one client goes away
  absl::StatusOr<PinKeeperClient> third = PinKeeperClient::Connect(socket_);
  ASSERT_TRUE(third.ok());
  ASSERT_TRUE(third->DropPolicy(7).ok());
  EXPECT_EQ(KeeperDescriptors(), baseline + 1);  // only `third`'s connection is new
}

TEST_F(PinKeeperTest, SocketIsForItsOwnerOnly) {
  struct stat st {};
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 077, 0u);
}

TEST(PinKeeperClientTest, NoKeeperIsAnErrorNamingTheRemedy) {
  absl::StatusOr<PinKeeperClient> client = PinKeeperClient::Connect("/nonexistent/keeper.sock");
  ASSERT_FALSE(client.ok());
  EXPECT_NE(RemedyOf(client.status()).find("cv-lsm load"), std::string::npos) << client.status();
}

}  // namespace
}  // namespace cvlsm
