// Tier choice against faked machines: the order, forced tiers, and the reasons given.
#include <gtest/gtest.h>

#include "runtime/enforcer.h"

namespace cvlsm {
namespace {

class FakeEnforcer : public PathEnforcer {
 public:
  explicit FakeEnforcer(Tier tier) : tier_(tier) {}
  Tier tier() const override { return tier_; }
  absl::Status Confine(uint64_t, const Policy&) override { return absl::OkStatus(); }
  absl::Status Release(uint64_t) override { return absl::OkStatus(); }

 private:
  Tier tier_;
};

// A machine described by what each tier's loader answers.
class FakeFeatures : public EnforcementFeatures {
 public:
  FakeFeatures(absl::Status bpf, absl::Status landlock) : bpf_(bpf), landlock_(landlock) {}
  absl::StatusOr<std::unique_ptr<PathEnforcer>> LoadBpfLsm() override {
    ++bpf_loads;
    if (!bpf_.ok()) return bpf_;
    return std::unique_ptr<PathEnforcer>(new FakeEnforcer(Tier::kBpfLsm));
  }
  absl::StatusOr<std::unique_ptr<PathEnforcer>> LoadLandlock() override {
    if (!landlock_.ok()) return landlock_;
    return std::unique_ptr<PathEnforcer>(new FakeEnforcer(Tier::kLandlock));
  }
  int bpf_loads = 0;

 private:
  absl::Status bpf_, landlock_;
};

const absl::Status kNoBpf = absl::FailedPreconditionError(
    "BPF LSM self-test: the programs attached but did not run; add 'bpf' to lsm=");
const absl::Status kNoLandlock = absl::UnimplementedError("Landlock is not built in");

TEST(TierChoiceTest, AutoTakesBpfLsmWhereItWorks) {
  FakeFeatures machine(absl::OkStatus(), absl::OkStatus());
  auto choice = ChooseEnforcer(TierRequest::kAuto, machine);
  ASSERT_TRUE(choice.ok());
  EXPECT_EQ(choice->enforcer->tier(), Tier::kBpfLsm);
}

TEST(TierChoiceTest, AutoFallsToLandlockAndSaysWhy) {
  FakeFeatures machine(kNoBpf, absl::OkStatus());
  auto choice = ChooseEnforcer(TierRequest::kAuto, machine);
  ASSERT_TRUE(choice.ok());
  EXPECT_EQ(choice->enforcer->tier(), Tier::kLandlock);
  EXPECT_NE(choice->reason.find("did not run"), std::string::npos) << choice->reason;
}

TEST(TierChoiceTest, AutoFallsToSeccompAndSaysWhyForBoth) {
  FakeFeatures machine(kNoBpf, kNoLandlock);
  auto choice = ChooseEnforcer(TierRequest::kAuto, machine);
  ASSERT_TRUE(choice.ok());
  EXPECT_EQ(choice->enforcer->tier(), Tier::kSeccomp);
  EXPECT_NE(choice->reason.find("no bpf-lsm"), std::string::npos) << choice->reason;
  EXPECT_NE(choice->reason.find("no landlock"), std::string::npos) << choice->reason;
}

TEST(TierChoiceTest, ForcedTierThatIsMissingIsAnError) {
  FakeFeatures machine(kNoBpf, kNoLandlock);
  auto bpf = ChooseEnforcer(TierRequest::kBpfLsm, machine);
  ASSERT_FALSE(bpf.ok());
  EXPECT_NE(bpf.status().message().find("lsm="), absl::string_view::npos);
  auto landlock = ChooseEnforcer(TierRequest::kLandlock, machine);
  ASSERT_FALSE(landlock.ok());
  EXPECT_NE(landlock.status().message().find("Landlock"), absl::string_view::npos);
}

TEST(TierChoiceTest, ForcedWeakerTierSkipsTheStrongerOnes) {
  FakeFeatures machine(absl::OkStatus(), absl::OkStatus());
  auto landlock = ChooseEnforcer(TierRequest::kLandlock, machine);
  ASSERT_TRUE(landlock.ok());
  EXPECT_EQ(landlock->enforcer->tier(), Tier::kLandlock);
  auto seccomp = ChooseEnforcer(TierRequest::kSeccomp, machine);
  ASSERT_TRUE(seccomp.ok());
  EXPECT_EQ(seccomp->enforcer->tier(), Tier::kSeccomp);
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

}  // namespace
}  // namespace cvlsm
