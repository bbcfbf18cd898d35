#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands.h"
#include "probe/kernel_probe.h"

namespace cvlsm::cli {
namespace {

// Exit codes of `status`, so scripts can gate on the tier: 0 only for the strongest.
constexpr int kStatusBpfLsm = 0;
constexpr int kStatusSeccompOnly = 3;

std::string WhatTierEnforces(Tier tier) {
  switch (tier) {
    case Tier::kBpfLsm:
      return "syscall allow-list (seccomp) and path/exec rules per cgroup (BPF LSM)";
    case Tier::kSeccomp:
      return "syscall allow-list (seccomp) only: path rules are NOT enforced";
  }
  return "";
}

}  // namespace

int StatusCommand(const StatusOptions& options) {
  KernelReport report = ProbeKernel();
  int exit_code = report.tier == Tier::kBpfLsm ? kStatusBpfLsm : kStatusSeccompOnly;

  if (options.json) {
    nlohmann::json probes = nlohmann::json::array();
    for (const ProbeLine& probe : report.probes) {
      probes.push_back({{"name", probe.name},
                        {"ok", probe.ok},
                        {"detail", probe.detail},
                        {"remedy", probe.remedy}});
    }
    nlohmann::json out = {
        {"kernel", report.kernel},
        {"lsm", report.lsm},
        {"tier", std::string(TierName(report.tier))},
        {"tier_reason", report.tier_reason},
        {"enforces", WhatTierEnforces(report.tier)},
        {"probes", probes},
    };
    std::cout << out.dump(2) << "\n";
    return exit_code;
  }

  std::cout << "kernel:   " << report.kernel << "\n";
  std::cout << "lsm:      " << (report.lsm.empty() ? "(unknown)" : absl::StrJoin(report.lsm, ","))
            << "\n";
  for (const ProbeLine& probe : report.probes) {
    std::cout << (probe.ok ? "  ok    " : "  FAIL  ") << probe.name << ": " << probe.detail;
    if (!probe.ok && !probe.remedy.empty()) std::cout << "\n          remedy: " << probe.remedy;
    std::cout << "\n";
  }
  std::cout << "tier:     " << TierName(report.tier) << "\n";
  std::cout << "enforces: " << WhatTierEnforces(report.tier) << "\n";
  if (report.tier != Tier::kBpfLsm) {
    std::cout << "why:      " << report.tier_reason << "\n";
  }
  return exit_code;
}

}  // namespace cvlsm::cli
