// Path enforcement behind one interface, whatever the tier: the BPF LSM programs (per
// cgroup), a Landlock ruleset (per process tree), or nothing at all (seccomp tier:
// syscalls only). The run command and the C API use this, never a backend directly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "observe/event.h"
#include "policy/path_resolution.h"

namespace cvlsm {

// Strongest first.
enum class Tier { kBpfLsm, kLandlock, kSeccomp };
absl::string_view TierName(Tier tier);
// One sentence: what a tier enforces and what it does not.
absl::string_view TierEnforces(Tier tier);

// Something the launched process must apply to itself between fork and exec (Landlock
// restricts only the calling process). Runs after no_new_privs, before the syscall filter.
class ChildRestriction {
 public:
  virtual ~ChildRestriction() = default;
  // Async-signal-safe (no allocation, no locks). Returns 0 or an errno.
  virtual int ApplyInChild() const noexcept = 0;
};

// Whether a restriction the process applies to itself also keeps it from signalling
// processes outside it (Landlock ABI 6). A process tree (`cv-lsm run`) is one domain and
// wants it; the C API's containers restrict each spawned process on its own, so sibling
// processes of one container would be refused each other, and their pid namespace already
// hides every process outside the container.
enum class SignalScope { kOwnDomain, kUnscoped };

class PathEnforcer {
 public:
  virtual ~PathEnforcer() = default;
  virtual Tier tier() const = 0;
  // Confines the cgroup and its descendants to the policy's path rules, resolved to the
  // objects they name as this tier sees them. Either everything is in force when it
  // returns OK, or nothing is (a rule path that does not resolve is an error naming it).
  // Tiers that cannot confine a cgroup from outside validate the policy here.
  virtual absl::Status Confine(uint64_t cgroup_id, const Policy& policy) = 0;
  // Audit mode: like Confine, but a would-be denial is counted and reported (stats,
  // events) and then allowed. Only bpf-lsm can do that; the others refuse, saying why.
  virtual absl::Status ConfineAudited(uint64_t cgroup_id, const Policy& policy);
  // The denials (would-be denials in audit mode) recorded for a confined cgroup, most
  // frequent first; empty on tiers that record none (Landlock, seccomp).
  virtual std::vector<Denial> RecordedDenials(uint64_t cgroup_id) const {
    (void)cgroup_id;
    return {};
  }
  // How many denials the record table had no room for (RecordedDenials is then partial).
  virtual uint64_t DenialsNotRecorded(uint64_t cgroup_id) const {
    (void)cgroup_id;
    return 0;
  }
  // Whether RecordedDenials holds the seccomp filter's refusals too (an opt-in counter:
  // LoadOptions::count_syscall_denials).
  virtual bool RecordsSyscallDenials() const { return false; }
  // Replaces the rules of a confined cgroup while its processes run. An open sees the old
  // policy or the new one, never a mix and never no policy; on error the old one stays.
  // Tiers whose rules cannot change after start refuse, saying so.
  virtual absl::Status Update(uint64_t cgroup_id, const Policy& policy);
  // Sets the rule on the object `path` reaches to `modes` (adding it when the cgroup has
  // none there), every other rule unchanged: on bpf-lsm one map operation whatever the
  // policy's size. The rule replaces the modes the object had, even when other rule paths
  // of the policy named the same object. Refused like Update by tiers fixed at start.
  virtual absl::Status SetPathRule(uint64_t cgroup_id, const std::string& path, PathModes modes);
  // Removes the rule on the object `path` reaches; NotFound when the cgroup has none there.
  virtual absl::Status RemovePathRule(uint64_t cgroup_id, const std::string& path);
  // Removes the cgroup's confinement and its rules; idempotent.
  virtual absl::Status Release(uint64_t cgroup_id) = 0;
  // What the confined process applies to itself before exec; null when the tier confines
  // from outside (bpf-lsm) or not at all (seccomp).
  virtual absl::StatusOr<std::unique_ptr<ChildRestriction>> PrepareChild(const Policy& policy,
                                                                         SignalScope signals) {
    (void)policy;
    (void)signals;
    return std::unique_ptr<ChildRestriction>();
  }

 protected:
  // What Update, SetPathRule and RemovePathRule return on tiers whose rules are fixed.
  absl::Status FixedRulesError() const;
};

// The error of audit mode on a tier other than bpf-lsm.
absl::Status AuditNeedsBpfLsm(Tier tier);

// The seccomp tier: path rules are validated but not enforced (the caller says so).
std::unique_ptr<PathEnforcer> MakeSyscallOnlyEnforcer();

// Which tier a caller asks for: kAuto takes the strongest that works here.
enum class TierRequest { kAuto, kBpfLsm, kLandlock, kSeccomp };
absl::StatusOr<TierRequest> ParseTierRequest(absl::string_view name);

// The machine's enforcement features, behind an interface so tests can fake any machine.
class EnforcementFeatures {
 public:
  virtual ~EnforcementFeatures() = default;
  // Loads, attaches and self-tests the BPF LSM programs; the error says why not.
  virtual absl::StatusOr<std::unique_ptr<PathEnforcer>> LoadBpfLsm() = 0;
  // A Landlock enforcer for the running ABI; the error says why not (ABI 0, disabled).
  virtual absl::StatusOr<std::unique_ptr<PathEnforcer>> LoadLandlock() = 0;
};

// The running kernel's features (BPF LSM via the skeleton, Landlock via its syscalls).
EnforcementFeatures& SystemFeatures();

struct EnforcerChoice {
  std::unique_ptr<PathEnforcer> enforcer;
  // Why the tier is what it is: one clause per stronger tier that was not available.
  std::string reason;
};

// Takes the requested tier (an error when it is not available here), or on kAuto the
// strongest that works: bpf-lsm, then landlock, then seccomp.
absl::StatusOr<EnforcerChoice> ChooseEnforcer(TierRequest request,
                                              EnforcementFeatures& features = SystemFeatures());

}  // namespace cvlsm
