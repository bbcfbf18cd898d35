#include "probe/kernel_probe.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cgroup/cgroup.h"
#include "common/errors.h"

namespace cvlsm {
namespace {

constexpr char kSecurityFs[] = "/sys/kernel/security";
constexpr char kLsmFile[] = "/sys/kernel/security/lsm";
constexpr char kBtfFile[] = "/sys/kernel/btf/vmlinux";
constexpr char kBpfFs[] = "/sys/fs/bpf";
constexpr long kBpfFsMagic = 0xcafe4a11;

bool IsMountedFs(const char* path, long magic) {
  struct statfs fs {};
  return ::statfs(path, &fs) == 0 && fs.f_type == magic;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ReadActiveLsms() {
  if (::access(kLsmFile, R_OK) != 0) {
    if (::mount("securityfs", kSecurityFs, "securityfs", 0, nullptr) != 0 && errno != EBUSY) {
      return ErrnoError(errno, "mount securityfs on /sys/kernel/security",
                        "mount it by hand: mount -t securityfs securityfs /sys/kernel/security");
    }
  }
  std::ifstream file(kLsmFile);
  std::string line;
  if (!file || !std::getline(file, line)) {
    return ErrnoError(errno ? errno : ENOENT, "read /sys/kernel/security/lsm",
                      "the kernel predates the LSM list (before 4.15) or lacks securityfs");
  }
  return std::vector<std::string>(absl::StrSplit(line, ',', absl::SkipEmpty()));
}

KernelReport ProbeKernel() {
  KernelReport report;
  struct utsname uts {};
  if (::uname(&uts) == 0) report.kernel = uts.release;

  absl::StatusOr<std::vector<std::string>> lsms = ReadActiveLsms();
  bool bpf_listed = false;
  if (lsms.ok()) {
    report.lsm = *lsms;
    for (const std::string& name : report.lsm) bpf_listed |= name == "bpf";
    report.probes.push_back({"lsm_list", bpf_listed, absl::StrJoin(report.lsm, ","),
                             bpf_listed ? "" : "add 'bpf' to the lsm= kernel boot parameter"});
  } else {
    report.probes.push_back(
        {"lsm_list", false, std::string(lsms.status().message()),
         "mount securityfs: mount -t securityfs securityfs " + std::string(kSecurityFs)});
  }

  bool btf = ::access(kBtfFile, R_OK) == 0;
  report.probes.push_back({"btf", btf, btf ? kBtfFile : "no /sys/kernel/btf/vmlinux",
                           btf ? "" : "use a kernel built with CONFIG_DEBUG_INFO_BTF=y"});

  bool bpffs = IsMountedFs(kBpfFs, kBpfFsMagic);
  report.probes.push_back({"bpffs", bpffs, bpffs ? kBpfFs : "not mounted",
                           bpffs ? "" : "mount -t bpf bpf /sys/fs/bpf"});

  absl::StatusOr<std::string> cgroup2 = FindCgroup2Mount();
  report.probes.push_back({"cgroup2", cgroup2.ok(),
                           cgroup2.ok() ? *cgroup2 : std::string(cgroup2.status().message()),
                           cgroup2.ok() ? "" : "mount -t cgroup2 none /sys/fs/cgroup"});

  // The trial load is the real thing: the same object, attached and self-tested.
  absl::StatusOr<EnforcerChoice> choice = ChooseEnforcer(TierRequest::kAuto);
  if (choice.ok()) {
    bool enforcing = choice->enforcer->tier() == Tier::kBpfLsm;
    report.probes.push_back({"bpf_lsm_programs", enforcing, choice->reason,
                             enforcing ? "" : "see lsm_list and btf above"});
    report.tier = choice->enforcer->tier();
    report.tier_reason = choice->reason;
  } else {
    report.probes.push_back(
        {"bpf_lsm_programs", false, std::string(choice.status().message()), ""});
    report.tier_reason = std::string(choice.status().message());
  }
  return report;
}

}  // namespace cvlsm
