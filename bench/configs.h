// The configurations a benchmark compares, and how a forked child puts itself under one:
//   none      no restriction (BPF LSM programs may be attached: the process is outside every
//             enforced cgroup);
//   bpf-lsm   the child joins a cgroup the bpf-lsm tier confines;
//   landlock  the child applies the Landlock ruleset of the same policy to itself;
//   seccomp   the child installs the preset's syscall filter (no path rules).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cgroup/cgroup.h"
#include "common/unique_fd.h"
#include "confinement/tier_choice.h"
#include "policy/policy.h"
#include "seccomp/syscall_filter.h"

namespace cvlsm::bench {

enum class Config { kNone, kBpfLsm, kLandlock, kSeccomp };
inline constexpr Config kAllConfigs[] = {Config::kNone, Config::kBpfLsm, Config::kLandlock,
                                         Config::kSeccomp};
absl::string_view ConfigName(Config config);

class ConfigSet {
 public:
  // Loads what the machine offers. A configuration it cannot run is unavailable (with the
  // reason), not an error. `seccomp_preset` is the filter of the seccomp configuration.
  static ConfigSet Load(PolicyType seccomp_preset);

  // Empty when available, else why not.
  const std::string& unavailable(Config config) const;

  // Puts the policy in force for the next children (bpf-lsm: a new confined cgroup;
  // landlock: a ruleset); replaces the previous one.
  absl::Status Apply(const Policy& policy);
  absl::Status ReleasePolicy();

  // In a forked child: puts the calling process under `config`. Async-signal-safe.
  // Returns 0 or an errno.
  int EnterInChild(Config config) const noexcept;

 private:
  std::string unavailable_[4];
  std::optional<EnforcerChoice> bpf_;
  std::optional<EnforcerChoice> landlock_;
  std::optional<SyscallFilter> filter_;
  // Per applied policy.
  std::optional<OwnedCgroup> cgroup_;
  UniqueFd cgroup_procs_;
  std::unique_ptr<ChildRestriction> landlock_restriction_;
};

}  // namespace cvlsm::bench
