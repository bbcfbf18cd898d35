#include "enforcement/enforcer.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace cvlsm {
namespace {

class SyscallOnlyEnforcer : public Enforcer {
 public:
  Tier tier() const override { return Tier::kSeccomp; }
  // Path rules are said to be unenforced with the tier itself; of the network rules only the
  // socket families and protocols are enforced (the syscall filter).
  std::vector<std::string> NotEnforced(const ResolvedPolicy& rules,
                                       const ApplyOptions&) const override {
    std::vector<std::string> unenforced;
    for (NetDirection direction : {NetDirection::kConnect, NetDirection::kBind}) {
      if (rules.network.HasRules(direction)) {
        unenforced.push_back(absl::StrCat(
            NetDirectionName(direction),
            " rules (tier seccomp: only whole protocols the rules allow nothing of are refused)"));
      }
    }
    if (rules.network.HasFamily("unix")) {
      unenforced.push_back(
          "unix sockets outside the confinement: abstract ones, and w on the path of pathname "
          "ones (tier seccomp)");
    }
    return unenforced;
  }
  // Nothing to put in force: the rules were resolved (every required path exists) by the
  // caller, which says that path rules are not enforced here.
  absl::Status Apply(uint64_t, ResolvedPolicy, const ApplyOptions& options) override {
    if (options.mode == PolicyMode::kAudit) return AuditNeedsBpfLsm(tier());
    return absl::OkStatus();
  }
  // Nothing to change, but a rule that names a missing path is still wrong.
  absl::Status SetPathRule(uint64_t, const std::string& path, PathModes modes) override {
    RETURN_IF_ERROR(CheckPathRule(path, modes.allow | modes.deny));
    return StatIdentifier().Identify(path).status();
  }
  absl::Status RemovePathRule(uint64_t, const std::string& path) override {
    return CheckPathRule(path, kAllModes);
  }
  absl::Status Release(uint64_t) override { return absl::OkStatus(); }
};

}  // namespace

absl::string_view TierName(Tier tier) {
  switch (tier) {
    case Tier::kBpfLsm:
      return "bpf-lsm";
    case Tier::kLandlock:
      return "landlock";
    case Tier::kSeccomp:
      return "seccomp";
  }
  return "unknown";
}

absl::string_view TierEnforces(Tier tier) {
  switch (tier) {
    case Tier::kBpfLsm:
      return "syscall allow-list (seccomp) and path/exec rules for every process of the "
             "cgroup and its descendants (BPF LSM), changeable while it runs";
    case Tier::kLandlock:
      return "syscall allow-list (seccomp) and path/exec rules for the command and its "
             "descendants (Landlock); deny rules only where no allow rule reaches, fixed at start, "
             "follows the process "
             "tree rather than the cgroup; signals out of it refused from Landlock ABI 6";
    case Tier::kSeccomp:
      return "syscall allow-list (seccomp) only: path rules are NOT enforced";
  }
  return "";
}

std::vector<absl::string_view> TierDoesNotStop(Tier tier) {
  // On every tier: what path rules cannot see, and what no hook checks yet.
  constexpr absl::string_view kEveryTier[] = {
      "another name for a file made outside the confinement (a hard link, a bind mount): it "
      "gets the rules of that name"};
  // What Landlock and the filter alone do not see of a file's metadata; BPF LSM checks it.
  constexpr absl::string_view kMetadata =
      "permission changes through extended attributes (POSIX ACLs; security.* and "
      "trusted.* need capabilities the confinement drops) and timestamps";
  std::vector<absl::string_view> gaps;
  switch (tier) {
    case Tier::kBpfLsm:
      break;
    case Tier::kLandlock:
      gaps = {
          "changes to processes outside it: priority, scheduling, I/O priority, resource "
          "limits (signals and SIGIO are scoped from Landlock ABI 6)",
          "chmod and chown; leases and file flags (ioctls on regular files); device ioctls "
          "before Landlock ABI 5",
          "opens with access mode 3 (for ioctls)",
          "mmap/mprotect of a file as code, and exec of a memfd",
          "deny rules an allow rule reaches (run refuses them)",
          kMetadata};
      break;
    case Tier::kSeccomp:
      gaps = {"every path rule",
              "signals (kill, SIGIO) and changes to processes outside it: priority, "
              "scheduling, I/O priority, resource limits",
              "network rules past the socket families", kMetadata};
      break;
  }
  gaps.insert(gaps.end(), std::begin(kEveryTier), std::end(kEveryTier));
  return gaps;
}

absl::Status AuditNeedsBpfLsm(Tier tier) {
  return absl::FailedPreconditionError(absl::StrCat(
      "audit mode needs the bpf-lsm tier, and this is tier ", TierName(tier),
      ": it cannot report an access without refusing it (cv-lsm status says what bpf-lsm "
      "needs here)"));
}

absl::Status Enforcer::FixedRulesError() const {
  return absl::FailedPreconditionError(
      absl::StrCat("the ", TierName(tier()),
                   " tier cannot change the rules of running processes (they are fixed when the "
                   "command starts); restart the command, or use the bpf-lsm tier"));
}

absl::Status Enforcer::CheckApplicable(const ResolvedPolicy&, const ApplyOptions& options) const {
  if (options.mode == PolicyMode::kAudit && tier() != Tier::kBpfLsm)
    return AuditNeedsBpfLsm(tier());
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ChildRestriction>> Enforcer::RestrictionForProcess(uint64_t) {
  return std::unique_ptr<ChildRestriction>();
}

absl::Status Enforcer::SetPathRule(uint64_t, const std::string&, PathModes) {
  return FixedRulesError();
}

absl::Status Enforcer::RemovePathRule(uint64_t, const std::string&) { return FixedRulesError(); }

std::unique_ptr<Enforcer> MakeSyscallOnlyEnforcer() {
  return std::make_unique<SyscallOnlyEnforcer>();
}

}  // namespace cvlsm
