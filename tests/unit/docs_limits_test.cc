// The README's preset table and docs/tiers.md say what the presets cannot do, as policy
// validate does (policy/policy_notes.h): minimal has no process creation ("Cannot fork"),
// custom runs nothing, and on the landlock tier /proc/self is the launched process's only.
// The host test PresetLimitsAreWhatTheReadmeSays checks the same claims on the machine.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "policy/policy.h"
#include "policy/policy_notes.h"

namespace cvlsm {
namespace {

std::string Read(const std::string& relative) {
  std::ifstream in(std::string(CVLSM_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The table row of `preset` ("| minimal | ...") in the README.
std::string PresetRow(const std::string& readme, const std::string& preset) {
  size_t start = readme.find("| " + preset + " ");
  if (start == std::string::npos) return "";
  return readme.substr(start, readme.find('\n', start) - start);
}

bool Has(const std::string& text, const std::string& phrase) {
  return text.find(phrase) != std::string::npos;
}

bool Notes(PolicyType type, const std::string& phrase) {
  for (const std::string& note : PolicyLimits(Policy::Preset(type))) {
    if (Has(note, phrase)) return true;
  }
  return false;
}

TEST(DocsLimitsTest, ThePresetTableSaysWhatEachPresetCannotDo) {
  const std::string readme = Read("README.md");
  ASSERT_FALSE(readme.empty());
  ASSERT_TRUE(Notes(PolicyType::kMinimal, "Cannot fork"));
  EXPECT_TRUE(Has(PresetRow(readme, "minimal"), "\"Cannot fork\"")) << PresetRow(readme, "minimal");
  ASSERT_TRUE(Notes(PolicyType::kNetwork, "no execve"));
  EXPECT_TRUE(Has(PresetRow(readme, "network"), "no execve")) << PresetRow(readme, "network");
  ASSERT_TRUE(Notes(PolicyType::kCustom, "runs nothing"));
  EXPECT_TRUE(Has(PresetRow(readme, "custom"), "runs nothing")) << PresetRow(readme, "custom");
  ASSERT_TRUE(Notes(PolicyType::kMinimal, "landlock tier /proc/self"));
  EXPECT_TRUE(Has(readme, "landlock tier it is the launched process's entry only")) << readme;
}

TEST(DocsLimitsTest, TiersSaysTheSame) {
  const std::string tiers = Read("docs/tiers.md");
  ASSERT_FALSE(tiers.empty());
  EXPECT_TRUE(Has(tiers, "fails with \"Cannot fork\""));
  EXPECT_TRUE(Has(tiers, "give each process its own `/proc/self`"));
}

}  // namespace
}  // namespace cvlsm
