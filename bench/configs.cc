#include "configs.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "cvlsm_abi.h"

namespace cvlsm::bench {
namespace {

int Index(Config config) { return static_cast<int>(config); }

// The landlock tier keeps rules per cgroup id; the bench's children apply them themselves.
constexpr uint64_t kLandlockKey = 1;

}  // namespace

absl::string_view ConfigName(Config config) {
  switch (config) {
    case Config::kNone:
      return "none";
    case Config::kBpfLsm:
      return "bpf-lsm";
    case Config::kLandlock:
      return "landlock";
    case Config::kSeccomp:
      return "seccomp";
  }
  return "unknown";
}

ConfigSet ConfigSet::Load(PolicyType seccomp_preset) {
  ConfigSet set;
  if (absl::StatusOr<EnforcerChoice> bpf = ChooseEnforcer(TierRequest::kBpfLsm); bpf.ok()) {
    set.bpf_.emplace(*std::move(bpf));
  } else {
    set.unavailable_[Index(Config::kBpfLsm)] = ErrorText(bpf.status());
  }
  if (absl::StatusOr<EnforcerChoice> landlock = ChooseEnforcer(TierRequest::kLandlock);
      landlock.ok()) {
    set.landlock_.emplace(*std::move(landlock));
  } else {
    set.unavailable_[Index(Config::kLandlock)] = ErrorText(landlock.status());
  }
  if (absl::StatusOr<SyscallFilter> filter = SyscallFilter::Build(Policy::Preset(seccomp_preset));
      filter.ok()) {
    set.filter_.emplace(*std::move(filter));
  } else {
    set.unavailable_[Index(Config::kSeccomp)] = ErrorText(filter.status());
  }
  return set;
}

const std::string& ConfigSet::unavailable(Config config) const {
  return unavailable_[Index(config)];
}

absl::Status ConfigSet::Apply(const Policy& policy) {
  if (absl::Status status = ReleasePolicy(); !status.ok()) return status;
  absl::StatusOr<ResolvedPolicy> rules = ResolvePathRules(policy);
  if (!rules.ok()) return rules.status();
  if (bpf_) {
    static int generation = 0;
    absl::StatusOr<OwnedCgroup> cgroup =
        OwnedCgroup::Create("cv-lsm", absl::StrCat("bench-", ::getpid(), "-", ++generation),
                            CVLSM_MAX_CGROUP_DEPTH - 1);
    if (!cgroup.ok()) return Annotate(cgroup.status(), "bpf-lsm: cgroup");
    cgroup_.emplace(*std::move(cgroup));
    if (absl::Status status = bpf_->enforcer().Apply(cgroup_->id(), *rules, ApplyOptions{});
        !status.ok()) {
      return Annotate(status, "bpf-lsm: confine");
    }
    cgroup_procs_ = UniqueFd(::open(cgroup_->procs_file().c_str(), O_WRONLY | O_CLOEXEC));
    if (!cgroup_procs_.valid()) return ErrnoError(errno, "bpf-lsm: open cgroup.procs");
  }
  if (landlock_) {
    // Landlock confines the processes launched "into" a cgroup id it only uses as a key.
    if (absl::Status status = landlock_->enforcer().Apply(kLandlockKey, *rules, ApplyOptions{});
        !status.ok()) {
      return Annotate(status, "landlock: rules");
    }
    absl::StatusOr<std::unique_ptr<ChildRestriction>> restriction =
        landlock_->enforcer().RestrictionForProcess(kLandlockKey);
    if (!restriction.ok()) return Annotate(restriction.status(), "landlock: ruleset");
    landlock_restriction_ = *std::move(restriction);
  }
  return absl::OkStatus();
}

absl::Status ConfigSet::ReleasePolicy() {
  landlock_restriction_.reset();
  if (landlock_) (void)landlock_->enforcer().Release(kLandlockKey);
  cgroup_procs_.Reset();
  if (!cgroup_) return absl::OkStatus();
  absl::Status status = bpf_->enforcer().Release(cgroup_->id());
  absl::Status removed = cgroup_->Remove();
  cgroup_.reset();
  return status.ok() ? removed : status;
}

int ConfigSet::EnterInChild(Config config) const noexcept {
  switch (config) {
    case Config::kNone:
      return 0;
    case Config::kBpfLsm:
      if (!cgroup_procs_.valid()) return EINVAL;
      return ::write(cgroup_procs_.get(), "0", 1) == 1 ? 0 : errno;
    case Config::kLandlock:
      if (!landlock_restriction_) return EINVAL;
      if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
      return landlock_restriction_->ApplyInChild();
    case Config::kSeccomp:
      if (!filter_) return EINVAL;
      if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
      return filter_->InstallInCurrentThread();
  }
  return EINVAL;
}

}  // namespace cvlsm::bench
