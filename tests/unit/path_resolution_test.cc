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

}  // namespace
}  // namespace cvlsm
