// Tier choice against faked machines: the order, forced tiers, and the reasons given.
#include "confinement/tier_choice.h"

#include <gtest/gtest.h>

#include "common/errors.h"

namespace cvlsm {
namespace {

class FakeEnforcer : public Enforcer {
 public:
  explicit FakeEnforcer(Tier tier) : tier_(tier) {}
  Tier tier() const override { return tier_; }
  absl::Status Apply(uint64_t, ResolvedPolicy, const ApplyOptions&) override {
    return absl::OkStatus();
  }
  std::vector<std::string> NotEnforced(const ResolvedPolicy&, const ApplyOptions&) const override {
    return {};
  }
  absl::Status Release(uint64_t) override { return absl::OkStatus(); }

 private:
  Tier tier_;
};

// A machine described by what each tier's loader answers.
class FakeFeatures : public EnforcementFeatures {
 public:
  FakeFeatures(absl::Status bpf, absl::Status landlock) : bpf_(bpf), landlock_(landlock) {}
  absl::StatusOr<LoadedTier> LoadBpfLsm() override {
    ++bpf_loads;
    if (!bpf_.ok()) return bpf_;
    return LoadedTier{std::make_unique<FakeEnforcer>(Tier::kBpfLsm)};
  }
  absl::StatusOr<LoadedTier> LoadLandlock() override {
    if (!landlock_.ok()) return landlock_;
    return LoadedTier{std::make_unique<FakeEnforcer>(Tier::kLandlock)};
  }
  int bpf_loads = 0;

 private:
  absl::Status bpf_, landlock_;
};

const absl::Status kNoBpf =
    WithRemedy(absl::FailedPreconditionError("BPF LSM self-test: the programs attached but did "
                                             "not run"),
               "add 'bpf' to lsm=");
const absl::Status kNoLandlock = absl::UnimplementedError("Landlock is not built in");

TEST(TierChoiceTest, AutoTakesBpfLsmWhereItWorks) {
  FakeFeatures machine(absl::OkStatus(), absl::OkStatus());
  auto choice = ChooseEnforcer(TierRequest::kAuto, machine);
  ASSERT_TRUE(choice.ok());
  EXPECT_EQ(choice->tier(), Tier::kBpfLsm);
}

TEST(TierChoiceTest, AutoFallsToLandlockAndSaysWhy) {
  FakeFeatures machine(kNoBpf, absl::OkStatus());
  auto choice = ChooseEnforcer(TierRequest::kAuto, machine);
  ASSERT_TRUE(choice.ok());
  EXPECT_EQ(choice->tier(), Tier::kLandlock);
  EXPECT_NE(choice->reason.find("did not run"), std::string::npos) << choice->reason;
  // Why bpf-lsm is missing, and what to do, as data (cv-lsm status shows them apart).
  EXPECT_EQ(RemedyOf(choice->bpf_lsm_unavailable), "add 'bpf' to lsm=");
  EXPECT_TRUE(choice->landlock_unavailable.ok());
}

TEST(TierChoiceTest, AutoFallsToSeccompAndSaysWhyForBoth) {
  FakeFeatures machine(kNoBpf, kNoLandlock);
  auto choice = ChooseEnforcer(TierRequest::kAuto, machine);
  ASSERT_TRUE(choice.ok());
  EXPECT_EQ(choice->tier(), Tier::kSeccomp);
  EXPECT_NE(choice->reason.find("no bpf-lsm"), std::string::npos) << choice->reason;
  EXPECT_NE(choice->reason.find("no landlock"), std::string::npos) << choice->reason;
}

TEST(TierChoiceTest, ForcedTierThatIsMissingIsAnError) {
  FakeFeatures machine(kNoBpf, kNoLandlock);
  auto bpf = ChooseEnforcer(TierRequest::kBpfLsm, machine);
  ASSERT_FALSE(bpf.ok());
  EXPECT_NE(ErrorText(bpf.status()).find("lsm="), std::string::npos);
  auto landlock = ChooseEnforcer(TierRequest::kLandlock, machine);
  ASSERT_FALSE(landlock.ok());
  EXPECT_NE(landlock.status().message().find("Landlock"), absl::string_view::npos);
}

TEST(TierChoiceTest, ForcedWeakerTierSkipsTheStrongerOnes) {
  FakeFeatures machine(absl::OkStatus(), absl::OkStatus());
  auto landlock = ChooseEnforcer(TierRequest::kLandlock, machine);
  ASSERT_TRUE(landlock.ok());
  EXPECT_EQ(landlock->tier(), Tier::kLandlock);
  auto seccomp = ChooseEnforcer(TierRequest::kSeccomp, machine);
  ASSERT_TRUE(seccomp.ok());
  EXPECT_EQ(seccomp->tier(), Tier::kSeccomp);
  EXPECT_EQ(machine.bpf_loads, 0) << "no BPF load when a weaker tier is forced";
}

TEST(TierChoiceTest, TierNamesAndRequestsRoundTrip) {
  for (Tier tier : {Tier::kBpfLsm, Tier::kLandlock, Tier::kSeccomp}) {
    auto request = ParseTierRequest(TierName(tier));
    ASSERT_TRUE(request.ok()) << TierName(tier);
    EXPECT_FALSE(TierEnforces(tier).empty());
  }
  EXPECT_FALSE(ParseTierRequest("apparmor").ok());
  EXPECT_NE(TierEnforces(Tier::kSeccomp).find("NOT enforced"), absl::string_view::npos);
}

// status names what each tier does not stop: the weaker a tier, the more it names, and the
// changes to outside processes only bpf-lsm stops.
bool Names(Tier tier, absl::string_view what) {
  for (absl::string_view gap : TierDoesNotStop(tier)) {
    if (gap.find(what) != absl::string_view::npos) return true;
  }
  return false;
}

TEST(TierChoiceTest, EachTierNamesWhatItDoesNotStop) {
  EXPECT_LT(TierDoesNotStop(Tier::kBpfLsm).size(), TierDoesNotStop(Tier::kLandlock).size());
  for (Tier tier : {Tier::kBpfLsm, Tier::kLandlock, Tier::kSeccomp}) {
    EXPECT_TRUE(Names(tier, "hard link")) << TierName(tier);
  }
  // ACLs and times: only BPF LSM has hooks for them.
  EXPECT_FALSE(Names(Tier::kBpfLsm, "POSIX ACLs"));
  EXPECT_TRUE(Names(Tier::kLandlock, "POSIX ACLs"));
  EXPECT_TRUE(Names(Tier::kSeccomp, "POSIX ACLs"));
  EXPECT_FALSE(Names(Tier::kBpfLsm, "priority"));
  EXPECT_TRUE(Names(Tier::kLandlock, "priority"));
  EXPECT_TRUE(Names(Tier::kLandlock, "access mode 3"));
  EXPECT_TRUE(Names(Tier::kSeccomp, "every path rule"));
  EXPECT_TRUE(Names(Tier::kSeccomp, "SIGIO"));
}

}  // namespace
}  // namespace cvlsm
