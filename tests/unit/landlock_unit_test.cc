// The Landlock tier's ABI table and mode mapping, for every ABI that changed the
// filesystem rights (no kernel needed).
#include <gtest/gtest.h>

#include "landlock/deny_rules.h"
#include "landlock/landlock_enforcer.h"
#include "landlock/landlock_ruleset.h"
#include "landlock/object_places.h"

namespace cvlsm {
namespace {

using namespace landlock;

constexpr uint64_t kAbi1All = kExecute | kWriteFile | kReadFile | kReadDir | kRemoveDir |
                              kRemoveFile | kMakeChar | kMakeDir | kMakeReg | kMakeSock |
                              kMakeFifo | kMakeBlock | kMakeSym;
constexpr uint64_t kAbi1Write = kWriteFile | kRemoveDir | kRemoveFile | kMakeChar | kMakeDir |
                                kMakeReg | kMakeSock | kMakeFifo | kMakeBlock | kMakeSym;

TEST(LandlockUnitTest, HandledRightsGrowWithTheAbi) {
  EXPECT_EQ(HandledAccessFs(0), 0u);
  EXPECT_EQ(HandledAccessFs(1), kAbi1All);
  EXPECT_EQ(HandledAccessFs(2), kAbi1All | kRefer);
  EXPECT_EQ(HandledAccessFs(3), kAbi1All | kRefer | kTruncate);
  EXPECT_EQ(HandledAccessFs(4), HandledAccessFs(3)) << "ABI 4 adds network rights only";
  EXPECT_EQ(HandledAccessFs(5), kAbi1All | kRefer | kTruncate | kIoctlDev);
  EXPECT_EQ(HandledAccessFs(6), HandledAccessFs(5)) << "ABI 6 adds scoping only";
  EXPECT_EQ(HandledAccessFs(7), HandledAccessFs(5)) << "ABI 7 adds logging only";
  EXPECT_EQ(HandledAccessFs(7), (1ull << 16) - 1);
  EXPECT_EQ(HandledAccessFs(99), HandledAccessFs(kNewestKnownAbi)) << "newer ABIs: what we know";
}

TEST(LandlockUnitTest, SignalsAreScopedFromAbi6WithTheAttrSizeOfTheAbi) {
  for (int abi = 1; abi <= 5; ++abi) EXPECT_EQ(Scopes(abi), 0u) << "ABI " << abi;
  EXPECT_EQ(Scopes(6), kScopeSignal);
  EXPECT_EQ(Scopes(7), kScopeSignal);

  SizedRulesetAttr abi3 = RulesetAttrFor(3);
  EXPECT_EQ(abi3.size, 8u) << "before ABI 4 the kernel knows handled_access_fs only";
  EXPECT_EQ(abi3.attr.handled_access_fs, HandledAccessFs(3));
  EXPECT_EQ(abi3.attr.scoped, 0u);
  EXPECT_EQ(RulesetAttrFor(5).size, 16u);
  SizedRulesetAttr abi6 = RulesetAttrFor(6);
  EXPECT_EQ(abi6.size, 24u);
  EXPECT_EQ(abi6.attr.scoped, kScopeSignal);
  EXPECT_EQ(abi6.attr.handled_access_net, 0u) << "TCP ports are the syscall filter's business";
}

struct Expected {
  int abi;
  uint64_t dir_write;
  uint64_t file_write;
};

TEST(LandlockUnitTest, ModesMapPerAbiOnDirectoriesAndFiles) {
  const Expected cases[] = {
      {1, kAbi1Write, kWriteFile},
      {2, kAbi1Write | kRefer, kWriteFile},
      {3, kAbi1Write | kRefer | kTruncate, kWriteFile | kTruncate},
      {5, kAbi1Write | kRefer | kTruncate | kIoctlDev, kWriteFile | kTruncate | kIoctlDev},
      {7, kAbi1Write | kRefer | kTruncate | kIoctlDev, kWriteFile | kTruncate | kIoctlDev},
  };
  for (const Expected& e : cases) {
    SCOPED_TRACE(e.abi);
    EXPECT_EQ(AccessForModes(kRead, true, e.abi), kReadFile | kReadDir);
    EXPECT_EQ(AccessForModes(kRead, false, e.abi), kReadFile);
    EXPECT_EQ(AccessForModes(kExec, true, e.abi), kExecute);
    EXPECT_EQ(AccessForModes(kExec, false, e.abi), kExecute);
    EXPECT_EQ(AccessForModes(kWrite, true, e.abi), e.dir_write);
    EXPECT_EQ(AccessForModes(kWrite, false, e.abi), e.file_write);
    EXPECT_EQ(AccessForModes(kAllModes, true, e.abi), HandledAccessFs(e.abi))
        << "rwx on a directory grants everything the ABI handles";
    EXPECT_EQ(AccessForModes(kAllModes, false, e.abi), HandledAccessFs(e.abi) & kFileRights);
    EXPECT_EQ(AccessForModes(kRead | kExec, false, e.abi), kReadFile | kExecute);
    // Nothing granted on a file is a directory right (the kernel rejects those with EINVAL).
    EXPECT_EQ(AccessForModes(kAllModes, false, e.abi) & ~kFileRights, 0u);
  }
}

// A deny rule holds on Landlock when nothing the policy allows reaches what it denies:
// not on its object, above it or below it; by objects, so an allow rule through a symlink
// counts where it lands.
TEST(LandlockUnitTest, DenyRulesHoldUnlessAnAllowRuleOverridesThem) {
  auto check = [](const Policy& policy) {
    absl::StatusOr<ResolvedPolicy> rules = ResolvePathRules(policy);
    EXPECT_TRUE(rules.ok()) << rules.status();
    return rules.ok() ? CheckDenyRulesHold(*rules) : rules.status();
  };
  Policy policy = Policy::Preset(PolicyType::kBuild);
  EXPECT_TRUE(check(policy).ok());
  Policy same_rule = policy;
  ASSERT_TRUE(same_rule.AddPathRule("/etc", {.allow = kRead, .deny = kWrite}).ok());
  EXPECT_TRUE(check(same_rule).ok()) << check(same_rule);
  Policy nothing_grants = policy;
  ASSERT_TRUE(nothing_grants.DenyPath("/etc/shadow", kRead).ok());
  EXPECT_TRUE(check(nothing_grants).ok()) << check(nothing_grants);

  Policy above = nothing_grants;
  ASSERT_TRUE(above.AddPath("/etc", kRead).ok());
  absl::Status status = check(above);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("deny rule '/etc/shadow:r--'"), absl::string_view::npos)
      << status;
  EXPECT_NE(status.message().find("allow rule '/etc:r--'"), absl::string_view::npos) << status;
  EXPECT_NE(status.message().find("bpf-lsm"), absl::string_view::npos) << status;

  Policy below = policy;
  ASSERT_TRUE(below.DenyPath("/usr", kExec).ok());  // /usr/lib and /usr/bin grant x
  EXPECT_EQ(check(below).code(), absl::StatusCode::kFailedPrecondition);
  Policy other_mode = policy;
  ASSERT_TRUE(other_mode.DenyPath("/usr", kWrite).ok());
  EXPECT_TRUE(check(other_mode).ok()) << check(other_mode);
}

// An object appears wherever a mount of its filesystem shows it: under a bind mount of its
// directory, and at a bind mount of a directory below it.
TEST(LandlockUnitTest, PlacesOfAnObjectFollowBindMounts) {
  const std::vector<MountEntry> mounts = ParseMountInfo(
      "21 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "30 21 8:1 /srv/outside /srv/allowed/bound rw - ext4 /dev/sda1 rw\n"
      "31 21 8:1 /srv/outside/deep /mnt/deep\\040copy rw - ext4 /dev/sda1 rw\n"
      "32 21 0:40 / /srv/outside/tmp rw - tmpfs tmpfs rw\n");
  ASSERT_EQ(mounts.size(), 4u);
  EXPECT_EQ(mounts[2].mount_point, "/mnt/deep copy");
  EXPECT_EQ(PlacesOf("/srv/outside/secret", mounts),
            (std::vector<std::string>{"/srv/outside/secret", "/srv/allowed/bound/secret"}));
  EXPECT_EQ(PlacesOf("/srv/outside", mounts),
            (std::vector<std::string>{"/srv/outside", "/srv/allowed/bound", "/mnt/deep copy"}));
  EXPECT_EQ(PlacesOf("/srv/outside/tmp/x", mounts),
            (std::vector<std::string>{"/srv/outside/tmp/x"}));
  EXPECT_TRUE(AtOrBelow("/srv/a/b", "/srv/a"));
  EXPECT_TRUE(AtOrBelow("/srv", "/"));
  EXPECT_FALSE(AtOrBelow("/srv/ab", "/srv/a"));
}

TEST(LandlockUnitTest, EnforcerExistsExactlyWhenTheKernelOffersAnAbi) {
  absl::StatusOr<std::unique_ptr<Enforcer>> enforcer = LandlockEnforcer::Create();
  if (LandlockAbiVersion() >= 1) {
    ASSERT_TRUE(enforcer.ok()) << enforcer.status();
    EXPECT_EQ((*enforcer)->tier(), Tier::kLandlock);
  } else {
    ASSERT_FALSE(enforcer.ok());
    EXPECT_EQ(enforcer.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(enforcer.status().message().find("Landlock"), absl::string_view::npos);
  }
}

}  // namespace
}  // namespace cvlsm
