// Path enforcement behind one interface, whatever the tier: the BPF LSM programs, or
// nothing at all (seccomp tier: syscalls only). The run command and the C API use this,
// never a backend directly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "policy/path_resolution.h"

namespace cvlsm {

enum class Tier { kBpfLsm, kSeccomp };
absl::string_view TierName(Tier tier);

class PathEnforcer {
 public:
  virtual ~PathEnforcer() = default;
  virtual Tier tier() const = 0;
  // Confines the cgroup and its descendants to the policy's path rules, resolved to the
  // objects they name as this tier sees them. Either everything is in force when it
  // returns OK, or nothing is (a rule path that does not resolve is an error naming it).
  virtual absl::Status Confine(uint64_t cgroup_id, const Policy& policy) = 0;
  // Removes the cgroup's confinement and its rules; idempotent.
  virtual absl::Status Release(uint64_t cgroup_id) = 0;
};

// The seccomp tier: path rules are validated but not enforced (the caller says so).
std::unique_ptr<PathEnforcer> MakeSyscallOnlyEnforcer();

// Which tier a caller asks for.
enum class TierRequest { kAuto, kBpfLsm, kSeccomp };
absl::StatusOr<TierRequest> ParseTierRequest(absl::string_view name);

struct EnforcerChoice {
  std::unique_ptr<PathEnforcer> enforcer;
  // Why the tier is what it is (the BPF LSM error when it fell back), for status and warnings.
  std::string reason;
};

// Loads, attaches and self-tests the BPF LSM programs when asked (or on auto), and falls
// back to the seccomp tier on auto when they do not enforce here.
absl::StatusOr<EnforcerChoice> ChooseEnforcer(TierRequest request);

}  // namespace cvlsm
