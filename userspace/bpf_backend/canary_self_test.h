// Proof that attached programs really run: a canary process in a throwaway cgroup confined
// with no rules must be refused an open. A kernel that attaches LSM programs without
// running them (bpf missing from lsm=) fails here instead of claiming protection.
#pragma once

#include "absl/status/status.h"
#include "enforcement/enforcer.h"

namespace cvlsm {

absl::Status RunCanarySelfTest(Enforcer& enforcer);

}  // namespace cvlsm
