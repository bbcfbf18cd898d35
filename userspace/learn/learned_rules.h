// The path rules a learned policy needs, while they are being made smaller: rules that an
// ancestor rule already covers are dropped, and many rules in one directory become one.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "policy/access_mode.h"

namespace cvlsm {

// A rule to add and what it stands for (for the policy's comment).
struct LearnedRule {
  AccessModes modes = 0;
  std::set<std::string> observed;  // observed paths it covers that still exist
  std::set<std::string> removed;   // observed paths it covers that were gone after the run
  bool collapsed = false;          // made from the rules of the entries inside it
};

using LearnedRules = std::map<std::string, LearnedRule>;  // by path

// The directory holding `path` ("/" for "/" itself). Paths are canonical and absolute.
std::string ParentPath(absl::string_view path);

// Takes from each rule the modes an ancestor rule in `rules` grants (rules cover everything
// below them); a rule left with none is dropped and what it stood for goes to the nearest
// ancestor rule that grants some of it.
void DropCovered(LearnedRules& rules);

// Deepest directories first: where `threshold` or more rules sit directly inside one
// directory, one rule on the directory replaces them, and that rule may in turn count for
// the directory above. The directory gets the union of their r and w, but x only if all of
// them need x; the others keep a rule for x alone. "/" and the directories in `never` are
// never made rules this way. `threshold` 0 collapses nothing.
void Collapse(LearnedRules& rules, size_t threshold, const std::set<std::string>& never);

}  // namespace cvlsm
