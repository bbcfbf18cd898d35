// Which tier confines here: the strongest that works on this machine (bpf-lsm, then
// landlock, then seccomp alone), or the one a caller asks for, with the reason.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bpf_backend/lsm_skeleton.h"
#include "enforcement/enforcer.h"

namespace cvlsm {

// Which tier a caller asks for: kAuto takes the strongest that works here.
enum class TierRequest { kAuto, kBpfLsm, kLandlock, kSeccomp };
absl::StatusOr<TierRequest> ParseTierRequest(absl::string_view name);

// A tier's enforcer, with the BPF programs behind it when the tier is bpf-lsm (for what
// they count and record: observe/).
struct LoadedTier {
  std::unique_ptr<Enforcer> enforcer;
  const LsmSkeleton* programs = nullptr;  // owned by `enforcer`; bpf-lsm only
};

// The machine's enforcement features, behind an interface so tests can fake any machine.
class EnforcementFeatures {
 public:
  virtual ~EnforcementFeatures() = default;
  // The BPF LSM programs, pinned for the machine or else loaded, attached and self-tested
  // for this process; the error says why not.
  virtual absl::StatusOr<LoadedTier> LoadBpfLsm() = 0;
  // A Landlock enforcer for the running ABI; the error says why not (ABI 0, disabled).
  virtual absl::StatusOr<LoadedTier> LoadLandlock() = 0;
};

// The running kernel's features (BPF LSM via the skeleton, Landlock via its syscalls).
EnforcementFeatures& SystemFeatures();

// Whose BPF LSM programs SystemFeatures() confines with.
enum class BpfPrograms {
  // The machine's pinned ones when there are, else this process's own (the library's
  // default: an embedding process is not made to leave programs and a daemon behind).
  kPinnedElseOwn,
  // The machine's, loaded and pinned on first use (LoadPinnedProgramsOnFirstUse, with the
  // keeper started from `keeper_binary`): the CLI's default. They outlive the command, so
  // a launcher killed leaves its processes confined, and the next command does not pay
  // the load again. A process outside the host's pid namespace cannot start the keeper
  // the programs know: it falls back to its own, and says so.
  kPinnedLoadedOnFirstUse,
  // This process's own, even when the machine's are pinned: gone with it.
  kOwn,
};
void SetBpfPrograms(BpfPrograms programs, std::string keeper_binary = "");

struct EnforcerChoice {
  LoadedTier loaded;
  // Why the tier is what it is: one clause per stronger tier that was not available.
  std::string reason;
  // Why each stronger tier was not available (OK when it was not tried or is the one).
  absl::Status bpf_lsm_unavailable;
  absl::Status landlock_unavailable;
  Enforcer& enforcer() const { return *loaded.enforcer; }
  Tier tier() const { return loaded.enforcer->tier(); }
};

// Takes the requested tier (an error when it is not available here), or on kAuto the
// strongest that works: bpf-lsm, then landlock, then seccomp.
absl::StatusOr<EnforcerChoice> ChooseEnforcer(TierRequest request,
                                              EnforcementFeatures& features = SystemFeatures());

}  // namespace cvlsm
