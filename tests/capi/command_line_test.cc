// containerv_spawn's argument string, split like a shell splits words.
#include "capi/command_line.h"

#include <gtest/gtest.h>

#include "capi/capability_map.h"
#include "chef/containerv.h"

namespace cvlsm::capi {
namespace {

using Words = std::vector<std::string>;

Words Split(const char* line) {
  auto words = SplitCommandLine(line);
  EXPECT_TRUE(words.ok()) << words.status();
  return words.ok() ? *words : Words{};
}

TEST(CommandLineTest, SplitsOnBlanks) {
  EXPECT_EQ(Split("  -C  /src\tall\n"), (Words{"-C", "/src", "all"}));
  EXPECT_EQ(Split(""), Words{});
}

TEST(CommandLineTest, QuotesAndEscapes) {
  EXPECT_EQ(Split("-c 'echo $HOME; ls'"), (Words{"-c", "echo $HOME; ls"}));
  EXPECT_EQ(Split(R"("a \"b\" \n" c\ d '')"), (Words{R"(a "b" \n)", "c d", ""}));
  EXPECT_EQ(Split("x'y'\"z\""), (Words{"xyz"}));
}

TEST(CommandLineTest, UnterminatedIsAnError) {
  EXPECT_FALSE(SplitCommandLine("'abc").ok());
  EXPECT_FALSE(SplitCommandLine("\"abc").ok());
  EXPECT_FALSE(SplitCommandLine("abc\\").ok());
}

TEST(CapabilityMapTest, EachFlagKeepsItsCapabilities) {
  EXPECT_EQ(CapabilitiesFor(0), 0u);
  EXPECT_EQ(CapabilitiesFor(CV_CAP_NETWORK), uint64_t{1} << 10);         // CAP_NET_BIND_SERVICE
  EXPECT_EQ(CapabilitiesFor(CV_CAP_PROCESS_CONTROL), uint64_t{1} << 5);  // CAP_KILL
  EXPECT_EQ(CapabilitiesFor(CV_CAP_FILESYSTEM), 0x1bu);  // CHOWN DAC_OVERRIDE FOWNER FSETID
  EXPECT_EQ(CapabilitiesFor(CV_CAP_IPC), (uint64_t{1} << 14) | (uint64_t{1} << 15));
  EXPECT_EQ(CapabilitiesFor(CV_CAP_USERS), (uint64_t{1} << 6) | (uint64_t{1} << 7));
  EXPECT_EQ(CapabilitiesFor(CV_CAP_CGROUPS), 0u);
  // Never CAP_SYS_ADMIN (21) nor CAP_DAC_READ_SEARCH (2), whatever is asked.
  uint64_t all = CapabilitiesFor(0x3f);
  EXPECT_EQ(all & ((uint64_t{1} << 21) | (uint64_t{1} << 2)), 0u);
  EXPECT_TRUE(SharesHostNetwork(CV_CAP_NETWORK));
  EXPECT_FALSE(SharesHostNetwork(CV_CAP_FILESYSTEM));
}

}  // namespace
}  // namespace cvlsm::capi
