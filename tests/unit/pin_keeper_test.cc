// The pin keeper's protocol, unprivileged: a keeper in a child process, a client sending it
// O_PATH descriptors. What it holds is counted in /proc/<keeper>/fd and fdinfo.
#include "pinned/pin_keeper.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
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
  }
  void TearDown() override {
    for (const std::string& file : files_) ::unlink(file.c_str());
  }

  size_t KeeperDescriptors() const {
    size_t count = 0;
    DIR* fds = ::opendir(absl::StrCat("/proc/", keeper_.pid(), "/fd").c_str());
    if (fds == nullptr) return 0;
    while (struct dirent* entry = ::readdir(fds)) count += entry->d_name[0] != '.';
    ::closedir(fds);
    return count;
  }
  // The inodes the keeper holds with inotify watches (a line per watch in its fdinfo).
  size_t KeeperWatches() const {
    size_t count = 0;
    const std::string dir = absl::StrCat("/proc/", keeper_.pid(), "/fdinfo");
    DIR* fds = ::opendir(dir.c_str());
    if (fds == nullptr) return 0;
    while (struct dirent* entry = ::readdir(fds)) {
      if (entry->d_name[0] == '.') continue;
      std::ifstream info(dir + "/" + entry->d_name);
      for (std::string line; std::getline(info, line);) count += line.rfind("inotify wd:", 0) == 0;
    }
    ::closedir(fds);
    return count;
  }

  // Pins on the objects first..first+count-1, a file each, keyed by their number (the
  // client's copies close when the vector goes).
  std::vector<std::pair<uint64_t, UniqueFd>> Pins(size_t first, size_t count) {
    std::vector<std::pair<uint64_t, UniqueFd>> pins;
    for (size_t i = first; i < first + count; ++i) {
      std::string file = absl::StrCat(keeper_.dir(), "/object-", i);
      UniqueFd created(::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
      files_.push_back(file);
      pins.emplace_back(i, UniqueFd(::open(file.c_str(), O_PATH | O_CLOEXEC)));
    }
    return pins;
  }
  absl::Status Keep(PinKeeperClient& client, uint32_t policy, size_t first, size_t count) {
    std::vector<std::pair<uint64_t, UniqueFd>> pins = Pins(first, count);
    std::vector<std::pair<uint64_t, int>> keyed;
    for (const auto& [key, fd] : pins) keyed.emplace_back(key, fd.get());
    return client.Keep(policy, keyed);
  }

  testing::KeeperProcess keeper_;
  std::string socket_;
  std::vector<std::string> files_;
};

// The keeper holds a rule's inode with a watch, not the descriptor it was sent (which would
// keep the object's mount busy): one watch per inode, whatever the policies naming it.
TEST_F(PinKeeperTest, HoldsInodesPastTheClientAndDropsThemOnRequest) {
  absl::StatusOr<PinKeeperClient> client = PinKeeperClient::Connect(socket_);
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(client->DropPolicy(999).ok());  // a round trip: the connection is accepted
  const size_t descriptors = KeeperDescriptors();
  // More than one message carries (the kernel passes at most 253 descriptors in one).
  ASSERT_TRUE(Keep(*client, 1, 0, 600).ok());
  EXPECT_EQ(KeeperWatches(), 600u);
  EXPECT_EQ(KeeperDescriptors(), descriptors);  // no descriptor kept: watches

  ASSERT_TRUE(Keep(*client, 1, 5, 1).ok());  // object 5 again: replaced, not added
  EXPECT_EQ(KeeperWatches(), 600u);
  ASSERT_TRUE(client->Drop(1, 5).ok());
  EXPECT_EQ(KeeperWatches(), 599u);
  ASSERT_TRUE(client->Drop(1, 99999).ok());  // an unknown key: nothing to drop
  EXPECT_EQ(KeeperWatches(), 599u);

  ASSERT_TRUE(Keep(*client, 2, 0, 10).ok());  // objects 0-9 again, 5 among them
  EXPECT_EQ(KeeperWatches(), 600u);
  ASSERT_TRUE(client->RetainOnly({2}).ok());  // policy 1 was left by a killed manager
  EXPECT_EQ(KeeperWatches(), 10u);
  ASSERT_TRUE(client->DropPolicy(2).ok());
  EXPECT_EQ(KeeperWatches(), 0u);
  EXPECT_EQ(KeeperDescriptors(), descriptors);
}

TEST_F(PinKeeperTest, ServesSeveralClientsAndOutlivesThem) {
  absl::StatusOr<PinKeeperClient> first = PinKeeperClient::Connect(socket_);
  absl::StatusOr<PinKeeperClient> second = PinKeeperClient::Connect(socket_);
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(first->DropPolicy(999).ok() && second->DropPolicy(999).ok());  // both accepted
  size_t baseline = KeeperDescriptors() - 1;  // `second`'s connection goes below
  ASSERT_TRUE(Keep(*first, 7, 1, 3).ok());
  second = absl::UnavailableError("closed");  // one client goes away
  absl::StatusOr<PinKeeperClient> third = PinKeeperClient::Connect(socket_);
  ASSERT_TRUE(third.ok());
  ASSERT_TRUE(third->DropPolicy(7).ok());
  EXPECT_EQ(KeeperDescriptors(), baseline + 1);  // only `third`'s connection is new
  EXPECT_EQ(KeeperWatches(), 0u);
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
