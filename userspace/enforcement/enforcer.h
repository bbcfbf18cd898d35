// What confining a workload is, whatever mechanism does it: a policy's path rules, resolved
// to the objects they name, put in force for the processes of a cgroup. The tiers implement
// it (bpf_backend/, landlock/, and the seccomp tier below); which tier a caller gets is
// decided above them (confinement/), so no tier knows of another.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "policy/path_resolution.h"
#include "policy/policy.h"

namespace cvlsm {

// Strongest first.
enum class Tier { kBpfLsm, kLandlock, kSeccomp };
absl::string_view TierName(Tier tier);
// One sentence: what a tier enforces and what it does not.
absl::string_view TierEnforces(Tier tier);
// The classes of attack the tier does not stop (docs/threat-model.md has the scenarios).
std::vector<absl::string_view> TierDoesNotStop(Tier tier);

// Something a launched process must apply to itself between fork and exec (Landlock
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

// How Enforcer::Apply treats a cgroup that is, or is not, confined already.
enum class ApplyTo {
  kNewConfinement,   // refuses a confined cgroup (AlreadyExists)
  kUpdate,           // refuses an unconfined one (NotFound); the mode stays what it was
  kConfineOrUpdate,  // either; the mode is the one given
};

struct ApplyOptions {
  ApplyTo to = ApplyTo::kNewConfinement;
  // kAudit: a would-be denial is counted and reported, then allowed. Only bpf-lsm can.
  PolicyMode mode = PolicyMode::kEnforce;
  // bpf-lsm: a newly confined cgroup's policy comes into force at its first exec, which it
  // checks (a container runtime's own setup after its hook runs unchecked).
  bool from_next_exec = false;
  // bpf-lsm: every rule installed anew (new policy id, new pins) even when one map
  // operation could make the change; for `cv-lsm load` after the pin keeper died.
  bool fresh_generation = false;
  // Landlock: see SignalScope.
  SignalScope signals = SignalScope::kOwnDomain;
};

class Enforcer {
 public:
  virtual ~Enforcer() = default;
  virtual Tier tier() const = 0;

  // Puts the rules in force for the cgroup's processes. bpf-lsm: every process of the cgroup
  // and its descendants, at once, an update replacing the old rules atomically (an open sees
  // the old policy or the new one). Landlock: each process launched into the cgroup, through
  // RestrictionForProcess; rules are fixed once one runs. seccomp: path rules are not
  // enforced at all. Either everything is in force when it returns OK, or nothing changed.
  virtual absl::Status Apply(uint64_t cgroup_id, ResolvedPolicy rules,
                             const ApplyOptions& options) = 0;

  // What of the rules this tier would leave unenforced, one sentence each (the caller says so
  // on every run, or refuses with --strict); empty when it enforces them all. No default: a
  // tier, or a wrapper of one, that forgot it would claim enforcement it does not have.
  virtual std::vector<std::string> NotEnforced(const ResolvedPolicy& rules,
                                               const ApplyOptions& options) const = 0;

  // What Apply would refuse in these rules, found without changing anything (`policy
  // validate` says it for this machine): OK when the tier can put them in force. The default
  // refuses audit mode outside bpf-lsm.
  virtual absl::Status CheckApplicable(const ResolvedPolicy& rules,
                                       const ApplyOptions& options) const;

  // What a process launched into the confined cgroup applies to itself before exec; null
  // where the tier confines from outside (bpf-lsm) or not at all (seccomp).
  virtual absl::StatusOr<std::unique_ptr<ChildRestriction>> RestrictionForProcess(
      uint64_t cgroup_id);

  // Sets the rule on the object `path` reaches to `modes` (adding it when the cgroup has
  // none there), every other rule unchanged: on bpf-lsm one map operation whatever the
  // policy's size. Tiers whose rules are fixed when a process starts refuse, saying so.
  virtual absl::Status SetPathRule(uint64_t cgroup_id, const std::string& path, PathModes modes);
  // Removes the rule on the object `path` reaches; NotFound when the cgroup has none there.
  virtual absl::Status RemovePathRule(uint64_t cgroup_id, const std::string& path);

  // Lifts the cgroup's confinement; idempotent. The caller empties the cgroup first, so no
  // process of it ever runs unconfined.
  virtual absl::Status Release(uint64_t cgroup_id) = 0;

 protected:
  // What SetPathRule and RemovePathRule return on tiers whose rules are fixed.
  absl::Status FixedRulesError() const;
};

// The error of audit mode on a tier other than bpf-lsm.
absl::Status AuditNeedsBpfLsm(Tier tier);

// The seccomp tier: path rules are checked (each required path must exist) but not
// enforced; the caller says so.
std::unique_ptr<Enforcer> MakeSyscallOnlyEnforcer();

}  // namespace cvlsm
