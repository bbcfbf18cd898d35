#include "policy/access_mode.h"

#include <gtest/gtest.h>

namespace cvlsm {
namespace {

TEST(AccessModeTest, ParsesEveryCombination) {
  EXPECT_EQ(*ParseAccessModes("r"), kRead);
  EXPECT_EQ(*ParseAccessModes("w"), kWrite);
  EXPECT_EQ(*ParseAccessModes("x"), kExec);
  EXPECT_EQ(*ParseAccessModes("rw"), kRead | kWrite);
  EXPECT_EQ(*ParseAccessModes("xr"), kRead | kExec);
  EXPECT_EQ(*ParseAccessModes("rwx"), kAllModes);
}

TEST(AccessModeTest, RejectsBadModesNamingTheProblem) {
  auto empty = ParseAccessModes("");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("empty"), absl::string_view::npos);

  auto letter = ParseAccessModes("rz");
  ASSERT_FALSE(letter.ok());
  EXPECT_NE(letter.status().message().find("'z'"), absl::string_view::npos);

  auto repeated = ParseAccessModes("rr");
  ASSERT_FALSE(repeated.ok());
  EXPECT_NE(repeated.status().message().find("repeated"), absl::string_view::npos);
}

TEST(AccessModeTest, FormatsLikeLs) {
  EXPECT_EQ(FormatAccessModes(kRead | kExec), "r-x");
  EXPECT_EQ(FormatAccessModes(0), "---");
  EXPECT_EQ(FormatAccessModes(kAllModes), "rwx");
}

}  // namespace
}  // namespace cvlsm
