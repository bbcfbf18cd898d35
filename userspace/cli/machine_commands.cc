// `cv-lsm load|unload|apply|detach|list|keeper`: the pinned programs and policies on
// existing cgroups (machine/).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bpf_backend/active_lsms.h"
#include "cli/commands.h"
#include "cli/policy_choice.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/printable.h"
#include "common/status_macros.h"
#include "pinned/cgroup_policy.h"
#include "pinned/load.h"
#include "pinned/pin_keeper.h"
#include "runtime/confined_process.h"

namespace cvlsm::cli {
namespace {

constexpr auto Fail = FailCommand;

int Load(const MachineOptions& options) {
  absl::StatusOr<LoadResult> loaded = LoadPinnedPrograms(
      kSelfBinary, LoadOptions{.count_syscall_denials = options.count_syscall_denials});
  if (!loaded.ok()) return Fail("load", loaded.status());
  if (!loaded->reused) {
    std::printf("cv-lsm: programs loaded, self-tested and pinned at %s; pin keeper pid %d\n",
                loaded->pins.c_str(), static_cast<int>(loaded->keeper_pid));
  } else if (loaded->keeper_restarted) {
    std::printf(
        "cv-lsm: the pin keeper had exited (confined cgroups were failing closed); "
        "new keeper pid %d, %zu policies re-applied\n",
        static_cast<int>(loaded->keeper_pid), loaded->reapplied);
  } else {
    std::printf("cv-lsm: already loaded at %s; pin keeper pid %d\n", loaded->pins.c_str(),
                static_cast<int>(loaded->keeper_pid));
  }
  std::printf("cv-lsm: syscall denials %s\n",
              loaded->counts_syscall_denials
                  ? "counted and reported"
                  : "enforced, not counted (load --count-syscall-denials counts them)");
  for (const std::string& warning : loaded->warnings) {
    std::fprintf(stderr, "cv-lsm load: %s\n", warning.c_str());
  }
  return loaded->warnings.empty() ? 0 : kExitIncomplete;
}

int Unload(bool force) {
  absl::StatusOr<UnloadResult> unloaded = UnloadPinnedPrograms(force);
  if (!unloaded.ok()) return Fail("unload", unloaded.status());
  if (unloaded->removed.empty()) {
    std::printf("cv-lsm: nothing was loaded\n");
    return 0;
  }
  for (const std::string& dir : unloaded->removed) std::printf("cv-lsm: removed %s\n", dir.c_str());
  if (unloaded->cgroups_released > 0) {
    std::printf("cv-lsm: the confinement of %zu cgroups is lifted\n", unloaded->cgroups_released);
  }
  return 0;
}

int Apply(const MachineOptions& options) {
  absl::StatusOr<PolicyDocument> document = BuildPolicy(PolicyChoice{options.policy,
                                                                     options.policy_file,
                                                                     options.allow_paths,
                                                                     options.deny_paths,
                                                                     {},
                                                                     options.net,
                                                                     options.audit});
  if (!document.ok()) return Fail("apply", document.status());
  ApplyRequest request;
  request.cgroup_path = options.cgroup;
  request.resolution_root = options.root;
  request.policy_source = options.policy_file.empty() ? options.policy : options.policy_file;
  request.policy = *std::move(document);
  request.policy.name = request.policy_source;
  if (absl::Status status = PinProgramsOnFirstUse("apply"); !status.ok()) {
    return Fail("apply", status);
  }
  if (absl::Status status = ApplyCgroupPolicy(request); !status.ok()) return Fail("apply", status);
  std::printf(
      "cv-lsm: %s is confined to %s%s (path rules; a process's syscall filter can only "
      "be installed by itself: use cv-lsm run or the C API for those)\n",
      options.cgroup.c_str(), request.policy_source.c_str(),
      request.policy.mode == PolicyMode::kAudit
          ? " in audit mode: nothing is denied, would-be denials show in cv-lsm stats and events"
          : "");
  return 0;
}

int Detach(const MachineOptions& options) {
  absl::StatusOr<bool> detached = DetachCgroupPolicy(options.cgroup);
  if (!detached.ok()) return Fail("detach", detached.status());
  std::printf("cv-lsm: %s %s\n", options.cgroup.c_str(),
              *detached ? "is no longer confined" : "was not confined");
  return 0;
}

int List(bool json) {
  absl::StatusOr<std::vector<CgroupPolicyListing>> listing = ListCgroupPolicies();
  if (!listing.ok()) return Fail("list", listing.status());
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const CgroupPolicyListing& entry : *listing) {
      out.push_back({{"cgroup_id", entry.cgroup_id},
                     {"cgroup", entry.cgroup_path},
                     {"policy", entry.policy_source},
                     {"mode", entry.audit ? "audit" : "enforce"},
                     {"path_rules", entry.rules},
                     {"void_path_rules", entry.void_rules}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("%-12s %-8s %-10s %-24s %s\n", "CGROUP ID", "MODE", "RULES", "POLICY", "CGROUP");
  size_t void_rules = 0;
  for (const CgroupPolicyListing& entry : *listing) {
    void_rules += entry.void_rules;
    std::string rules = absl::StrCat(entry.rules);
    if (entry.void_rules > 0) absl::StrAppend(&rules, " (", entry.void_rules, " void)");
    std::printf(
        "%-12llu %-8s %-10s %-24s %s\n", static_cast<unsigned long long>(entry.cgroup_id),
        entry.audit ? "audit" : "enforce", rules.c_str(),
        entry.policy_source.empty() ? "(no record)" : Printable(entry.policy_source).c_str(),
        Printable(entry.cgroup_path).c_str());
  }
  if (void_rules > 0) {
    std::printf(
        "cv-lsm: %zu rules are void: their object was deleted or its filesystem unmounted, so "
        "they match nothing (apply the policy again to name what is there now)\n",
        void_rules);
  }
  return 0;
}

}  // namespace

absl::Status PinProgramsOnFirstUse(absl::string_view who) {
  absl::StatusOr<std::vector<std::string>> lsms = ReadActiveLsms();
  if (lsms.ok() && !LsmActive(*lsms, "bpf")) {
    return WithRemedy(
        absl::FailedPreconditionError(absl::StrCat(
            who,
            " confines processes that already run, which only the bpf-lsm tier can, and "
            "this kernel does not run BPF LSM programs (active LSMs: ",
            absl::StrJoin(*lsms, ","), ")")),
        "add bpf to the kernel's lsm= boot parameter (cv-lsm status shows what is missing)");
  }
  ASSIGN_OR_RETURN(std::optional<LoadResult> loaded, LoadPinnedProgramsOnFirstUse(kSelfBinary));
  if (loaded.has_value()) {
    Log(LogLevel::kInfo, who,
        absl::StrCat("programs loaded, self-tested and pinned for the machine at ", loaded->pins,
                     " (pin keeper pid ", loaded->keeper_pid, "); cv-lsm unload removes them"));
  }
  return absl::OkStatus();
}

int MachineCommand(const MachineOptions& options) {
  using Action = MachineOptions::Action;
  switch (options.action) {
    case Action::kLoad:
      return Load(options);
    case Action::kUnload:
      return Unload(options.force);
    case Action::kApply:
      return Apply(options);
    case Action::kDetach:
      return Detach(options);
    case Action::kList:
      return List(options.json);
    case Action::kKeeper:
      return RunPinKeeper(options.socket, options.ready_fd);
  }
  return kExitLauncherFailed;
}

}  // namespace cvlsm::cli
