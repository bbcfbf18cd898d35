// The one sequence that confines a workload, shared by `cv-lsm run` (and `learn`) and the C
// API's containers: the policy's rule paths resolved once, before anything is created; a
// cgroup of the workload's own (after the stale ones of killed managers are swept); the
// resolved rules put in force on it; a restriction for each process launched into it; and,
// at the end, every process of it killed before its confinement is lifted, in that order,
// so nothing of the workload ever runs unconfined.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cgroup/cgroup.h"
#include "confinement/tier_choice.h"
#include "enforcement/enforcer.h"
#include "policy/path_resolution.h"

namespace cvlsm {

// Says what the chosen tier enforces, and warns on every run where path rules are not
// enforced at all; with `strict`, refuses that instead. `who` names the caller in the log.
absl::Status AnnounceTier(absl::string_view who, const EnforcerChoice& choice, bool strict);

struct ConfinementRequest {
  std::string who;   // names the caller in the log ("run", "containerv")
  std::string name;  // the cgroup's, below <cgroup2>/cv-lsm
  ApplyOptions options;
  // Refuse, rather than warn, when the tier leaves part of the rules unenforced.
  bool strict = false;
};

class ConfinedCgroup {
 public:
  // Resolves the policy's rule paths, checks that the tier can apply it in the request's
  // mode and says what of it the tier leaves unenforced (refused with `strict`), then
  // creates the cgroup. Nothing is created when any of it fails. `enforcer` must outlive
  // the ConfinedCgroup.
  static absl::StatusOr<ConfinedCgroup> Create(Enforcer& enforcer, const Policy& policy,
                                               const ConfinementRequest& request);
  // The same with rules the caller resolved (ResolvePathRules) before choosing the tier, so
  // a missing path fails before anything is loaded.
  static absl::StatusOr<ConfinedCgroup> Create(Enforcer& enforcer, ResolvedPolicy rules,
                                               const ConfinementRequest& request);
  ConfinedCgroup(ConfinedCgroup&& other) noexcept;
  ConfinedCgroup& operator=(ConfinedCgroup&&) = delete;
  ~ConfinedCgroup();  // Remove(), logging what failed

  // Puts the resolved rules in force. Separate from Create so a caller can start what must
  // run in the cgroup unconfined first (the C API's namespace init).
  absl::Status Confine();
  // What the next process launched into the cgroup applies to itself (null: nothing).
  absl::StatusOr<std::unique_ptr<ChildRestriction>> RestrictionForProcess();

  const OwnedCgroup& cgroup() const { return *cgroup_; }
  // Whether the tier enforces the network rules in the kernel (LaunchSpec).
  bool kernel_sees_network() const { return enforcer_->tier() == Tier::kBpfLsm; }
  uint64_t id() const { return id_; }
  bool confined() const { return confined_; }

  // Kills what is left in the cgroup, removes it, then lifts the confinement; idempotent.
  // When the cgroup cannot be removed its confinement stays: a process of it is left.
  absl::Status Remove();

 private:
  ConfinedCgroup(Enforcer& enforcer, OwnedCgroup cgroup, ResolvedPolicy rules,
                 const ApplyOptions& options);
  Enforcer* enforcer_;
  std::optional<OwnedCgroup> cgroup_;
  uint64_t id_;
  std::optional<ResolvedPolicy> rules_;  // until Confine hands them to the enforcer
  ApplyOptions options_;
  bool confined_ = false;
};

}  // namespace cvlsm
