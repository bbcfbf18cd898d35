#include "policy/path_resolution.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "support/cli_runner.h"

namespace cvlsm {
namespace {

TEST(PathResolutionTest, ResolvesToDeviceAndInodeFollowingSymlinks) {
  testing::ScratchDir dir;
  std::string target = dir.WriteFile("data/file", "x");
  std::string link = dir.path() + "/link";
  ASSERT_EQ(::symlink((dir.path() + "/data").c_str(), link.c_str()), 0);

  Policy policy = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE(policy.AddPath(dir.path() + "/data", kRead).ok());
  ASSERT_TRUE(policy.AddPath(link, kWrite).ok());
  auto resolved = ResolvePathRules(policy);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  // Both rules name the same directory: one entry with the union of the modes.
  ASSERT_EQ(resolved->rules.size(), 1u);
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() + "/data").c_str(), &st), 0);
  EXPECT_EQ(resolved->rules[0].object.key, st.st_ino);
  EXPECT_EQ(resolved->rules[0].object.space, st.st_dev);
  EXPECT_EQ(resolved->rules[0].modes.allow, kRead | kWrite);
  EXPECT_FALSE(resolved->has_deny_rules);
}

TEST(PathResolutionTest, MissingRequiredPathIsAnErrorNamingIt) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE(policy.AddPath("/nonexistent/cv-lsm-test", kRead).ok());
  auto resolved = ResolvePathRules(policy);
  ASSERT_FALSE(resolved.ok());
  EXPECT_NE(resolved.status().message().find("/nonexistent/cv-lsm-test"), absl::string_view::npos);
}

TEST(PathResolutionTest, MissingPresetPathIsSkipped) {
  Policy policy = Policy::Preset(PolicyType::kNetwork);  // /etc/gai.conf is often absent
  EXPECT_TRUE(ResolvePathRules(policy).ok());
}

TEST(PathResolutionTest, ProcSelfBecomesTheConfinedProcessEntry) {
  Policy policy = Policy::Preset(PolicyType::kMinimal);
  auto resolved = ResolvePathRules(policy);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->proc_self_modes, kRead);
  for (const ResolvedPathRule& rule : resolved->rules) EXPECT_NE(rule.path, "/proc/self");
}

TEST(PathResolutionTest, DenyRulesAreFlagged) {
  testing::ScratchDir dir;
  dir.WriteFile("secret", "s");
  Policy policy = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE(policy.AddPath(dir.path(), kRead).ok());
  ASSERT_TRUE(policy.DenyPath(dir.path() + "/secret", kRead).ok());
  auto resolved = ResolvePathRules(policy);
  ASSERT_TRUE(resolved.ok());
  EXPECT_TRUE(resolved->has_deny_rules);
  EXPECT_EQ(resolved->rules.size(), 2u);
}

// A container's root: rule paths name objects as the container sees them.
class RootedPathIdentifierTest : public ::testing::Test {
 protected:
  struct stat StatOf(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st;
  }
  RootedPathIdentifier Rooted() {
    absl::StatusOr<RootedPathIdentifier> rooted = RootedPathIdentifier::Open(root_.path());
    EXPECT_TRUE(rooted.ok()) << rooted.status();
    return *std::move(rooted);
  }
  testing::ScratchDir root_;
};

TEST_F(RootedPathIdentifierTest, AbsoluteSymlinkResolvesInsideTheRoot) {
  root_.WriteFile("cv-lsm-in-root/data", "x");
  // Absolute, as a container image has it: "/" is the container's root, not the host's.
  ASSERT_EQ(::symlink("/cv-lsm-in-root", (root_.path() + "/link").c_str()), 0);
  RootedPathIdentifier rooted = Rooted();
  absl::StatusOr<ObjectId> object = rooted.Identify("/link/data");
  ASSERT_TRUE(object.ok()) << object.status();
  struct stat st = StatOf(root_.path() + "/cv-lsm-in-root/data");
  EXPECT_EQ(object->key, st.st_ino);
  EXPECT_EQ(object->space, st.st_dev);
  ASSERT_NE(object->pin, nullptr);
  EXPECT_TRUE(object->pin->valid());
}

TEST_F(RootedPathIdentifierTest, DotDotStopsAtTheRoot) {
  ASSERT_EQ(::symlink("../../../../..", (root_.path() + "/up").c_str()), 0);
  RootedPathIdentifier rooted = Rooted();
  struct stat root_st = StatOf(root_.path());
  for (const std::string path : {"/..", "/../../..", "/up", "/up/.."}) {
    absl::StatusOr<ObjectId> object = rooted.Identify(path);
    ASSERT_TRUE(object.ok()) << path << ": " << object.status();
    EXPECT_EQ(object->key, root_st.st_ino) << path;
  }
  // The host's /etc exists; no number of ".." reaches it from inside this empty root.
  absl::StatusOr<ObjectId> escaped = rooted.Identify("/../../../../../../../../etc");
  EXPECT_EQ(escaped.status().code(), absl::StatusCode::kNotFound) << escaped.status();
}

TEST_F(RootedPathIdentifierTest, MissingPathIsNamedInTheError) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE(policy.AddPath("/srv/cv-lsm-missing", kRead).ok());
  RootedPathIdentifier rooted = Rooted();
  absl::StatusOr<ResolvedPolicy> resolved = ResolvePathRules(policy, rooted);
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.status().code(), absl::StatusCode::kNotFound);
  const std::string message(resolved.status().message());
  EXPECT_NE(message.find("'/srv/cv-lsm-missing'"), std::string::npos) << message;
  EXPECT_NE(message.find(root_.path()), std::string::npos) << message;
}

TEST_F(RootedPathIdentifierTest, PresetPathsMissingInTheRootAreSkippedAndProcSelfStaysSpecial) {
  root_.WriteFile("bin/sh", "");
  RootedPathIdentifier rooted = Rooted();
  absl::StatusOr<ResolvedPolicy> resolved =
      ResolvePathRules(Policy::Preset(PolicyType::kMinimal), rooted);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->proc_self_modes, kRead);
  ASSERT_EQ(resolved->rules.size(), 1u);  // only /bin exists in this root
  EXPECT_EQ(resolved->rules[0].path, "/bin");
  EXPECT_EQ(resolved->rules[0].object.key, StatOf(root_.path() + "/bin").st_ino);
}

TEST(RootedPathIdentifierOpenTest, MissingRootIsNamed) {
  absl::StatusOr<RootedPathIdentifier> rooted =
      RootedPathIdentifier::Open("/nonexistent/cv-lsm-root");
  ASSERT_FALSE(rooted.ok());
  EXPECT_NE(rooted.status().message().find("/nonexistent/cv-lsm-root"), absl::string_view::npos);
}

}  // namespace
}  // namespace cvlsm
