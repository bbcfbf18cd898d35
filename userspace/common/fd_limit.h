// Room for the descriptors a policy needs: every rule object is pinned by one (bpf-lsm,
// Landlock) while the policy is applied, and 10k rules are far past the usual soft limit.
#pragma once

#include <cstddef>

#include "absl/status/status.h"

namespace cvlsm {

// Raises RLIMIT_NOFILE so that `more` descriptors can be opened beyond those open now: the
// soft limit up to the hard one, the hard one too when privileged (up to fs.nr_open).
// Fails, naming the numbers and the remedy, when that is not enough.
absl::Status EnsureDescriptorRoom(size_t more);

}  // namespace cvlsm
