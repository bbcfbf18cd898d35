#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands.h"
#include "pinned/pinned_programs.h"
#include "probe/kernel_probe.h"

namespace cvlsm::cli {
namespace {

// Exit codes of `status`, so scripts can gate on the tier: 0 only for the strongest.
int ExitCodeFor(Tier tier) {
  switch (tier) {
    case Tier::kBpfLsm:
      return 0;
    case Tier::kLandlock:
      return 2;
    case Tier::kSeccomp:
      return 3;
  }
  return 1;
}

// bpffs matters for pinned state, not for the tier.
bool ForTheTier(const ProbeLine& probe) { return probe.name != "bpffs"; }

// What to change for the strongest tier: the remedies of the probes that failed.
std::vector<std::string> Remedies(const KernelReport& report) {
  std::vector<std::string> remedies;
  for (const ProbeLine& probe : report.probes) {
    if (!probe.ok && !probe.remedy.empty() && ForTheTier(probe)) {
      remedies.push_back(absl::StrCat(probe.name, ": ", probe.remedy));
    }
  }
  return remedies;
}

// One sentence on the pinned programs (cv-lsm load): whether they are there, whether their
// keeper lives (if not, confined cgroups fail closed), and how many cgroups they confine.
std::string PinnedStateLine(const PinnedStatus& state) {
  std::string line;
  if (!state.readable) {
    line = "unknown (the pinned programs are visible to root only)";
  } else if (!state.loaded) {
    line =
        "not loaded (the first cv-lsm run or apply pins the programs for the machine, as "
        "cv-lsm load does)";
  } else if (!state.keeper_alive) {
    line = absl::StrCat("loaded at ", state.pins, ", but the pin keeper has exited: the ",
                        state.confined_cgroups,
                        " confined cgroups fail closed (every path rule ignored); run cv-lsm load");
  } else {
    line = absl::StrCat("loaded at ", state.pins, ", pin keeper pid ", state.keeper_pid, ", ",
                        state.confined_cgroups, " cgroups confined (cv-lsm list)");
    if (state.void_rules > 0) {
      absl::StrAppend(&line, "; ", state.void_rules,
                      " path rules are void: their object was deleted or its filesystem "
                      "unmounted (cv-lsm list says whose)");
    }
  }
  if (!state.other_builds.empty()) {
    absl::StrAppend(&line, "; another cv-lsm build's programs are pinned too (",
                    absl::StrJoin(state.other_builds, ", "), "): cv-lsm unload removes them");
  }
  return line;
}

std::vector<std::string> DoesNotStop(Tier tier) {
  std::vector<std::string> gaps;
  for (absl::string_view gap : TierDoesNotStop(tier)) gaps.emplace_back(gap);
  return gaps;
}

}  // namespace

int StatusCommand(const StatusOptions& options) {
  KernelReport report = ProbeKernel();
  int exit_code = ExitCodeFor(report.tier);
  PinnedStatus pinned = ReadPinnedStatus();

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
        {"enforces", std::string(TierEnforces(report.tier))},
        {"network", report.network},
        {"does_not_stop", DoesNotStop(report.tier)},
        {"probes", probes},
        {"stronger_tier_needs", Remedies(report)},
        {"pinned",
         {{"loaded", pinned.loaded},
          {"pins", pinned.pins},
          {"keeper_pid", pinned.keeper_pid},
          {"keeper_alive", pinned.keeper_alive},
          {"confined_cgroups", pinned.confined_cgroups},
          {"void_path_rules", pinned.void_rules},
          {"other_builds", pinned.other_builds},
          {"summary", PinnedStateLine(pinned)}}},
    };
    std::cout << out.dump(2) << "\n";
    return exit_code;
  }

  std::cout << "kernel:   " << report.kernel << "\n";
  std::cout << "lsm:      " << (report.lsm.empty() ? "(unknown)" : absl::StrJoin(report.lsm, ","))
            << "\n";
  // Each remedy once: under its probe when it is not about the tier (bpffs) or the tier is
  // bpf-lsm already (a hook this kernel lacks), else in the list at the end, where probes
  // that share one are named together.
  std::vector<std::pair<std::string, std::string>> for_bpf_lsm;  // probes, remedy
  for (const ProbeLine& probe : report.probes) {
    std::cout << (probe.ok ? "  ok    " : "  FAIL  ") << probe.name << ": " << probe.detail;
    if (!probe.ok && !probe.remedy.empty() &&
        (!ForTheTier(probe) || report.tier == Tier::kBpfLsm)) {
      std::cout << "\n          remedy: " << probe.remedy;
    } else if (!probe.ok && !probe.remedy.empty()) {
      auto same = std::find_if(for_bpf_lsm.begin(), for_bpf_lsm.end(),
                               [&](const auto& entry) { return entry.second == probe.remedy; });
      if (same == for_bpf_lsm.end()) {
        for_bpf_lsm.emplace_back(probe.name, probe.remedy);
      } else {
        absl::StrAppend(&same->first, ", ", probe.name);
      }
    }
    std::cout << "\n";
  }
  std::cout << "tier:     " << TierName(report.tier) << "\n";
  std::cout << "enforces: " << TierEnforces(report.tier) << "\n";
  std::cout << "network:  " << report.network << "\n";
  std::cout << "does not stop (docs/threat-model.md):\n";
  for (absl::string_view gap : TierDoesNotStop(report.tier)) std::cout << "  - " << gap << "\n";
  std::cout << "pinned:   " << PinnedStateLine(pinned) << "\n";
  if (report.tier != Tier::kBpfLsm) {
    std::cout << "why:      the FAIL lines above; for bpf-lsm:\n";
    for (const auto& [probes, remedy] : for_bpf_lsm) {
      std::cout << "  " << probes << ": " << remedy << "\n";
    }
  }
  return exit_code;
}

}  // namespace cvlsm::cli
