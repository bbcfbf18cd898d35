// Which deny rules the landlock tier can honour. Landlock only grants: a deny rule takes
// nothing away, so it holds as it is only where nothing the policy allows reaches the modes
// it denies. That is the case unless a rule on its object, above it or below it grants them
// (a grant above reaches down into it, one below carves an exception the deny would forbid).
#pragma once

#include "absl/status/status.h"
#include "policy/path_resolution.h"

namespace cvlsm::landlock {

// OK when every deny rule holds under Landlock as it is; else FailedPrecondition naming the
// first deny rule that cannot, and the allow rule that overrides it. Compares the objects the
// rules reached, wherever they appear (their canonical paths, symlinks resolved, and every
// bind mount of them: landlock/object_places.h), not the rule paths. A file with several
// names (hard links) cannot be placed: a deny rule on one, or an allow rule on one that
// grants what a deny rule takes, is refused.
absl::Status CheckDenyRulesHold(const ResolvedPolicy& rules);

}  // namespace cvlsm::landlock
