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
    set.bpf_ = std::move(bpf->enforcer);
  } else {
    set.unavailable_[Index(Config::kBpfLsm)] = std::string(bpf.status().message());
  }
  if (absl::StatusOr<EnforcerChoice> landlock = ChooseEnforcer(TierRequest::kLandlock);
      landlock.ok()) {
    set.landlock_ = std::move(landlock->enforcer);
  } else {
    set.unavailable_[Index(Config::kLandlock)] = std::string(landlock.status().message());
  }
  if (absl::StatusOr<SyscallFilter> filter = SyscallFilter::Build(Policy::Preset(seccomp_preset));
      filter.ok()) {
    set.filter_.emplace(*std::move(filter));
  } else {
    set.unavailable_[Index(Config::kSeccomp)] = std::string(filter.status().message());
  }
  return set;
}

const std::string& ConfigSet::unavailable(Config config) const {
  return unavailable_[Index(config)];
}

absl::Status ConfigSet::Apply(const Policy& policy) {
  if (absl::Status status = ReleasePolicy(); !status.ok()) return status;
  if (bpf_) {
    static int generation = 0;
    absl::StatusOr<OwnedCgroup> cgroup =
        OwnedCgroup::Create("cv-lsm", absl::StrCat("bench-", ::getpid(), "-", ++generation),
                            CVLSM_MAX_CGROUP_DEPTH - 1);
    if (!cgroup.ok()) return Annotate(cgroup.status(), "bpf-lsm: cgroup");
    cgroup_.emplace(*std::move(cgroup));
    if (absl::Status status = bpf_->Confine(cgroup_->id(), policy); !status.ok()) {
      return Annotate(status, "bpf-lsm: confine");
    }
    cgroup_procs_ = UniqueFd(::open(cgroup_->procs_file().c_str(), O_WRONLY | O_CLOEXEC));
    if (!cgroup_procs_.valid()) return ErrnoError(errno, "bpf-lsm: open cgroup.procs");
  }
  if (landlock_) {
    absl::StatusOr<std::unique_ptr<ChildRestriction>> restriction =
        landlock_->PrepareChild(policy, SignalScope::kOwnDomain);
    if (!restriction.ok()) return Annotate(restriction.status(), "landlock: ruleset");
    landlock_restriction_ = *std::move(restriction);
  }
  return absl::OkStatus();
}

absl::Status ConfigSet::ReleasePolicy() {
  landlock_restriction_.reset();
  cgroup_procs_.Reset();
  if (!cgroup_) return absl::OkStatus();
  absl::Status status = bpf_->Release(cgroup_->id());
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
