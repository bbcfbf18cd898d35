// What a policy cannot do that its author may not expect, one sentence each, for `policy
// validate` and the README's preset table to agree on (a policy with no syscall runs
// nothing; one without process creation fails every shell script that runs a command).
#pragma once

#include <string>
#include <vector>

#include "policy/policy.h"

namespace cvlsm {

std::vector<std::string> PolicyLimits(const Policy& policy);

}  // namespace cvlsm
