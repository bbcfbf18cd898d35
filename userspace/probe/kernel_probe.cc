#include "probe/kernel_probe.h"

#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bpf_backend/lsm_skeleton.h"
#include "cgroup/cgroup.h"
#include "common/errors.h"
#include "landlock/landlock_enforcer.h"
#include "landlock/landlock_network.h"

namespace cvlsm {
namespace {

// Network rules by tier: bpf-lsm has a hook for every rule class; Landlock what its ABI has.
std::string NetworkEnforcement(Tier tier) {
  switch (tier) {
    case Tier::kBpfLsm:
      return "connect, send and bind rules by protocol, address and port (tcp, mptcp, udp, "
             "icmp); w on a pathname unix socket's path; abstract unix sockets scoped to the "
             "confinement; socket families";
    case Tier::kLandlock:
      return landlock::NetworkEnforcedAt(LandlockAbiVersion());
    case Tier::kSeccomp:
      return "socket families and protocols the rules allow nothing of; NOT enforced: "
             "addresses and ports of every rule, unix sockets (the bpf-lsm tier enforces them)";
  }
  return "";
}

constexpr char kBtfFile[] = "/sys/kernel/btf/vmlinux";
constexpr char kBpfFs[] = "/sys/fs/bpf";
constexpr long kBpfFsMagic = 0xcafe4a11;

bool IsMountedFs(const char* path, long magic) {
  struct statfs fs {};
  return ::statfs(path, &fs) == 0 && fs.f_type == magic;
}

// What the landlock tier gets from the ABI beyond path rules.
std::string LandlockDetail(int abi) {
  return absl::StrCat("ABI ", abi,
                      abi >= 6 ? " (signals to processes outside the command are refused)"
                               : " (signals are not scoped: that needs ABI 6, Linux 6.12)");
}

// seccomp in filter mode with the actions the filter uses.
ProbeLine ProbeSeccomp() {
  if (::prctl(PR_GET_SECCOMP) < 0) {
    return {"seccomp_filter", false, "prctl(PR_GET_SECCOMP) failed: kernel without seccomp",
            "use a kernel built with CONFIG_SECCOMP_FILTER=y"};
  }
  uint32_t action = SECCOMP_RET_ERRNO;
  if (::syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0) {
    return {"seccomp_filter", false, "SECCOMP_GET_ACTION_AVAIL failed",
            "use a kernel with seccomp filter mode (4.14 or newer)"};
  }
  return {"seccomp_filter", true, "filter mode with errno and kill-process actions", ""};
}

}  // namespace

KernelReport ProbeKernel(EnforcementFeatures& features) {
  KernelReport report;
  struct utsname uts {};
  if (::uname(&uts) == 0) report.kernel = uts.release;

  absl::StatusOr<std::vector<std::string>> lsms = ReadActiveLsms();
  if (lsms.ok()) {
    report.lsm = *lsms;
    bool bpf = LsmActive(report.lsm, "bpf");
    report.probes.push_back({"lsm_list", bpf, absl::StrJoin(report.lsm, ","),
                             bpf ? ""
                                 : "bpf is not an active LSM: add 'bpf' to the lsm= kernel "
                                   "boot parameter (keep the others listed here)"});
  } else {
    report.probes.push_back({"lsm_list", false, std::string(lsms.status().message()),
                             absl::StrCat("securityfs is not mounted and could not be: mount -t "
                                          "securityfs securityfs ",
                                          kSecurityFs)});
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

  report.probes.push_back(ProbeSeccomp());

  int abi = LandlockAbiVersion();
  report.probes.push_back(
      {"landlock", abi > 0, abi > 0 ? LandlockDetail(abi) : "not available",
       abi > 0 ? ""
               : (lsms.ok() && !LsmActive(report.lsm, "landlock")
                      ? "add 'landlock' to the lsm= kernel boot parameter"
                      : "use a kernel built with CONFIG_SECURITY_LANDLOCK=y (5.13 or newer)")});

  // The trial load is the real thing: the same object, attached and self-tested, then the
  // tiers chosen exactly as `run` chooses them.
  absl::StatusOr<EnforcerChoice> choice = ChooseEnforcer(TierRequest::kAuto, features);
  bool bpf_lsm = choice.ok() && choice->tier() == Tier::kBpfLsm;
  absl::Status why_not = choice.ok() ? choice->bpf_lsm_unavailable : choice.status();
  report.probes.push_back({"bpf_lsm_programs", bpf_lsm,
                           bpf_lsm ? "loaded, attached and self-tested (a canary was refused)"
                                   : std::string(why_not.message()),
                           bpf_lsm ? "" : RemedyOf(why_not)});
  if (bpf_lsm) {
    absl::StatusOr<KernelHookSupport> hooks = ReadKernelHookSupport();
    std::vector<std::string> omitted;
    std::string remedy;
    if (!hooks.ok()) {
      omitted.push_back(std::string(hooks.status().message()));
      remedy = RemedyOf(hooks.status());
    }
    for (const KernelHookSupport::Omission& omission :
         hooks.ok() ? hooks->Omitted() : std::vector<KernelHookSupport::Omission>{}) {
      omitted.push_back(omission.what);
      if (!omission.remedy.empty()) remedy = omission.remedy;
    }
    report.probes.push_back({"bpf_lsm_hooks", omitted.empty(),
                             omitted.empty()
                                 ? "every hook attached"
                                 : absl::StrCat("partial: ", absl::StrJoin(omitted, "; ")),
                             remedy});
  }
  if (choice.ok()) {
    report.tier = choice->tier();
    report.tier_reason = choice->reason;
  } else {
    report.tier_reason = std::string(choice.status().message());
  }
  report.network = NetworkEnforcement(report.tier);
  return report;
}

}  // namespace cvlsm
