// Which rule of which policy refused an event, and what would allow it (`cv-lsm explain`);
// and whether another policy would refuse it (`cv-lsm policy diff --events`). Path rules are
// matched by name here, as a policy file states them; the kernel matched objects, so a
// symlink or a bind mount can make the two differ, which the explanation then says.
#pragma once

#include <string>
#include <vector>

#include "observe/event.h"
#include "policy/policy_file.h"

namespace cvlsm {

// A policy as the user knows it: a preset, or a file (whose rules carry their positions).
struct NamedPolicy {
  PolicyDocument document;
  std::string name;  // "preset build", or the file's path
};

// Lines for people: the operation, the rule that refused it (file:line:column where it came
// from a file), and what would allow it.
std::vector<std::string> ExplainEvent(const Event& event, const NamedPolicy& policy);

// Whether `policy` would refuse the event, judged as ExplainEvent does.
bool WouldRefuse(const Event& event, const Policy& policy);

}  // namespace cvlsm
