#include "landlock/landlock_enforcer.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/unique_fd.h"
#include "landlock/deny_rules.h"
#include "landlock/landlock_network.h"
#include "landlock/landlock_ruleset.h"
#include "policy/path_resolution.h"

namespace cvlsm {
namespace {

// glibc has no wrappers for the Landlock syscalls.
int CreateRuleset(const void* attr, size_t size, uint32_t flags) {
  return static_cast<int>(::syscall(SYS_landlock_create_ruleset, attr, size, flags));
}
int AddPathRule(int ruleset_fd, uint64_t allowed_access, int parent_fd) {
  landlock_path_beneath_attr beneath{};
  beneath.allowed_access = allowed_access;
  beneath.parent_fd = parent_fd;
  return static_cast<int>(
      ::syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0));
}

// The ABI, or -errno when the kernel has none to offer.
int QueryAbi() {
  int abi = CreateRuleset(nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi < 0 ? -errno : abi;
}

// The ruleset built in the parent, applied by the confined process to itself. /proc/self
// can only be resolved by that process (in the parent it is cv-lsm's own entry), so the
// child adds it to the shared ruleset before restricting itself: one restriction per
// launched process, or each later child could also see the /proc entries of earlier ones.
// The rule follows the launched process's /proc/<pid> (and its threads below it); unlike
// the bpf-lsm tier, processes it forks do not get their own entries.
class LandlockRestriction : public ChildRestriction {
 public:
  LandlockRestriction(UniqueFd ruleset, uint64_t proc_self_access)
      : ruleset_(std::move(ruleset)), proc_self_access_(proc_self_access) {}

  // Raw syscalls only: this runs between fork and exec.
  int ApplyInChild() const noexcept override {
    int ruleset = ruleset_.get();
    int err = 0;
    if (proc_self_access_ != 0) {
      // After fork, so /proc/self is the confined process's own entry.
      int self = ::open("/proc/self", O_PATH | O_CLOEXEC);
      if (self >= 0) {
        if (AddPathRule(ruleset, proc_self_access_, self) != 0) err = errno;
        ::close(self);
      } else if (errno != ENOENT) {  // no procfs mounted: nothing to grant
        err = errno;
      }
    }
    if (err == 0 && ::syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) err = errno;
    // Also O_CLOEXEC, but the command has no business holding it even until exec.
    ::close(ruleset);
    return err;
  }

 private:
  UniqueFd ruleset_;  // closed in the parent when the restriction is destroyed
  uint64_t proc_self_access_;
};

}  // namespace

int LandlockAbiVersion() {
  int abi = QueryAbi();
  return abi < 0 ? 0 : abi;
}

absl::StatusOr<std::unique_ptr<Enforcer>> LandlockEnforcer::Create() {
  int abi = QueryAbi();
  if (abi == -ENOSYS) {
    return absl::FailedPreconditionError(
        "Landlock not built in: this kernel lacks CONFIG_SECURITY_LANDLOCK; boot a kernel with "
        "it (5.13 or later) or use the bpf-lsm tier");
  }
  if (abi == -EOPNOTSUPP) {
    return absl::FailedPreconditionError(
        "Landlock is built in but disabled: add landlock to the lsm= boot parameter");
  }
  if (abi < 0) return ErrnoError(-abi, "query the Landlock ABI version");
  if (abi < 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("Landlock reports ABI version ", abi, ": no usable Landlock here"));
  }
  if (abi > landlock::kNewestKnownAbi) {
    LogDebug("landlock", absl::StrCat("kernel offers Landlock ABI ", abi, ", using what ABI ",
                                      landlock::kNewestKnownAbi, " knows"));
  }
  return std::unique_ptr<Enforcer>(new LandlockEnforcer(abi));
}

absl::Status LandlockEnforcer::Apply(uint64_t cgroup_id, ResolvedPolicy rules,
                                     const ApplyOptions& options) {
  bool confined = confined_.contains(cgroup_id);
  if (confined && options.to == ApplyTo::kNewConfinement) {
    return absl::AlreadyExistsError(absl::StrCat("cgroup ", cgroup_id, " is already confined"));
  }
  if (confined || options.to == ApplyTo::kUpdate) return FixedRulesError();
  RETURN_IF_ERROR(CheckApplicable(rules, options));
  for (const ResolvedPathRule& rule : rules.rules) {
    if (!rule.object.pin || !rule.object.pin->valid()) {
      return absl::InternalError(
          absl::StrCat("path rule '", rule.path, "' was resolved without holding its object open"));
    }
  }
  confined_.emplace(cgroup_id, Confined{std::move(rules), options.signals});
  return absl::OkStatus();
}

absl::Status LandlockEnforcer::CheckApplicable(const ResolvedPolicy& rules,
                                               const ApplyOptions& options) const {
  RETURN_IF_ERROR(Enforcer::CheckApplicable(rules, options));
  return landlock::CheckDenyRulesHold(rules);
}

std::vector<std::string> LandlockEnforcer::NotEnforced(const ResolvedPolicy& rules,
                                                       const ApplyOptions& options) const {
  return landlock::PlanNetwork(rules.network, abi_, options.signals).not_enforced;
}

absl::Status LandlockEnforcer::Release(uint64_t cgroup_id) {
  confined_.erase(cgroup_id);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ChildRestriction>> LandlockEnforcer::RestrictionForProcess(
    uint64_t cgroup_id) {
  auto it = confined_.find(cgroup_id);
  if (it == confined_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cgroup ", cgroup_id, " is not confined: apply its policy first"));
  }
  const Confined& confined = it->second;
  landlock::SizedRulesetAttr attr = landlock::RulesetAttrFor(abi_);
  if (confined.signals == SignalScope::kUnscoped) attr.attr.scoped &= ~landlock::kScopeSignal;
  const landlock::NetworkPlan network =
      landlock::PlanNetwork(confined.rules.network, abi_, confined.signals);
  attr.attr.handled_access_net = network.handled_access_net;
  attr.attr.scoped |= network.scoped;
  UniqueFd ruleset(CreateRuleset(&attr.attr, attr.size, 0));
  if (!ruleset.valid()) return ErrnoError(errno, "create the Landlock ruleset");
  for (const landlock::NetPortAttr& port : network.port_rules) {
    if (::syscall(SYS_landlock_add_rule, ruleset.get(), landlock::kRuleNetPort, &port, 0) != 0) {
      return ErrnoError(errno, absl::StrCat("add the Landlock rule for port ", port.port));
    }
  }

  uint64_t proc_self_access =
      landlock::AccessForModes(confined.rules.proc_self_modes, /*directory=*/true, abi_);
  for (const ResolvedPathRule& rule : confined.rules.rules) {
    int fd = rule.object.pin->get();
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      return ErrnoError(errno, absl::StrCat("path rule '", rule.path, "': stat"));
    }
    // A rule's own deny wins over its allow; the deny itself holds because nothing grants it
    // (CheckApplicable).
    uint64_t access =
        landlock::AccessForModes(rule.modes.allow & ~rule.modes.deny, S_ISDIR(st.st_mode), abi_);
    if (access == 0) continue;
    if (AddPathRule(ruleset.get(), access, fd) != 0) {
      return ErrnoError(errno, absl::StrCat("add the Landlock rule for '", rule.path, "'"));
    }
  }
  return std::unique_ptr<ChildRestriction>(
      new LandlockRestriction(std::move(ruleset), proc_self_access));
}

}  // namespace cvlsm
