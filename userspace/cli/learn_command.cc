// `cv-lsm learn`: the command runs in audit mode on the base preset; what the policy would
// have refused (the programs' denial records, the syscall filter's would-be refusals)
// becomes the smallest policy that lets it run (learn/).
#include <time.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands.h"
#include "cli/workload.h"
#include "common/log.h"
#include "learn/file_system_view.h"
#include "learn/policy_learner.h"
#include "policy/syscall_names.h"

namespace cvlsm::cli {
namespace {

int Fail(const absl::Status& status) { return FailCommand("learn", status); }

// The rule that allows exactly the endpoint a network refusal names.
absl::StatusOr<NetRule> NetworkRuleFor(const Event& event) {
  if (event.protocol != "tcp" && event.protocol != "udp" && event.protocol != "icmp") {
    return absl::InvalidArgumentError("a socket of no protocol a rule names");
  }
  if (event.port == 0 && event.address == "::" && event.hook == CVLSM_HOOK_SENDMSG) {
    return absl::InvalidArgumentError("a source route, which no rule allows");
  }
  std::string address = event.ipv6 ? absl::StrCat("[", event.address, "]") : event.address;
  std::string text = absl::StrCat(event.protocol, ":", address);
  if (event.protocol != "icmp") absl::StrAppend(&text, ":", event.port);
  return NetRule::Parse(
      event.hook == CVLSM_HOOK_BIND ? NetDirection::kBind : NetDirection::kConnect, false, text);
}

// What the records say the policy must grant. Refusals no policy lifts, and renames that
// would widen a file's modes (EXDEV: tools copy instead), are not the policy's to learn.
Observations ObservationsOf(const std::vector<Denial>& denials,
                            const std::map<int, uint64_t>& syscalls,
                            std::vector<std::string>& unlearnable) {
  Observations observations;
  for (const Denial& denial : denials) {
    const Event& event = denial.first;
    if (event.fixed) {
      unlearnable.push_back(
          absl::StrCat(DescribeOperation(event), ": refused whatever the policy"));
      continue;
    }
    if (event.hook == CVLSM_HOOK_SYSCALL) {
      std::string name = NativeSyscallName(event.detail);
      if (name.empty()) {
        unlearnable.push_back(absl::StrCat(DescribeOperation(event), ": no name for it"));
      } else {
        observations.syscalls.insert(std::move(name));
      }
      continue;
    }
    if (IsNetworkEvent(event.hook)) {
      absl::StatusOr<NetRule> rule = NetworkRuleFor(event);
      if (rule.ok()) {
        observations.net_rules.insert(*rule);
      } else {
        unlearnable.push_back(
            absl::StrCat(DescribeOperation(event), ": ", rule.status().message()));
      }
      continue;
    }
    if (event.hook == CVLSM_HOOK_UNIX_CONNECT && event.no_path) {
      observations.abstract_unix_names.insert(event.object_name.substr(1));  // less the @
      continue;
    }
    if (event.hook == CVLSM_HOOK_SOCKET_CREATE || event.hook == CVLSM_HOOK_SOCKET_OPTION) {
      unlearnable.push_back(absl::StrCat(DescribeOperation(event),
                                         ": refused by every policy (families and source "
                                         "routes are not the policy's to widen)"));
      continue;
    }
    if (event.error == EXDEV || event.requested == 0) continue;
    if (event.path.empty()) {
      unlearnable.push_back(absl::StrCat(DescribeOperation(event), ": no path names it"));
      continue;
    }
    observations.accesses.push_back(
        ObservedAccess{.path = event.path, .modes = event.requested, .truncated = event.truncated});
  }
  for (const auto& [nr, count] : syscalls) {
    std::string name = NativeSyscallName(nr);
    if (name.empty()) {
      unlearnable.push_back(absl::StrCat("syscall ", nr, ": libseccomp has no name for it"));
      continue;
    }
    observations.syscalls.insert(std::move(name));
  }
  return observations;
}

// The directories the run was refused making entries in (the refusal names the directory).
std::set<std::string> CreationDirectories(const std::vector<Denial>& denials) {
  std::set<std::string> dirs;
  for (const Denial& denial : denials) {
    switch (denial.first.hook) {
      case CVLSM_HOOK_PATH_MKNOD:
      case CVLSM_HOOK_PATH_MKDIR:
      case CVLSM_HOOK_PATH_SYMLINK:
      case CVLSM_HOOK_PATH_LINK:
      case CVLSM_HOOK_PATH_RENAME:
        if (!denial.first.path.empty()) dirs.insert(denial.first.path);
        break;
      default:
        break;
    }
  }
  return dirs;
}

// Rules under which every connect, send to an address and bind is a would-be refusal, so
// that audit mode records each endpoint; every protocol stays allowed to create sockets.
void AuditEveryEndpoint(Policy& policy) {
  for (NetDirection direction : {NetDirection::kConnect, NetDirection::kBind}) {
    for (const char* protocol : {"tcp:*:*", "udp:*:*", "icmp:*"}) {
      if (direction == NetDirection::kBind && absl::StartsWith(protocol, "icmp")) continue;
      for (bool deny : {false, true}) {
        absl::StatusOr<NetRule> rule = NetRule::Parse(direction, deny, protocol);
        if (rule.ok()) policy.AddNetRule(*rule);
      }
    }
  }
}

}  // namespace

int LearnCommand(const LearnOptions& options) {
  BlockForwardedSignals();
  absl::StatusOr<PolicyType> base = ParsePolicyType(options.base);
  if (!base.ok()) return Fail(base.status());
  // The file must be writable before the command runs, not after.
  if (std::filesystem::path parent = std::filesystem::path(options.output).parent_path();
      !parent.empty() && !std::filesystem::is_directory(parent)) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("-o ", options.output, ": no directory ", parent.string())));
  }
  struct timespec run_start {};
  ::clock_gettime(CLOCK_REALTIME, &run_start);  // file times are wall-clock times
  PolicyDocument audited;
  audited.mode = PolicyMode::kAudit;
  audited.policy = Policy::Preset(*base);
  AuditEveryEndpoint(audited.policy);
  CollectingSyscallAudit syscalls;
  absl::StatusOr<WorkloadResult> result =
      RunWorkload(WorkloadRequest{.who = "learn",
                                  .policy = std::move(audited),
                                  // The strongest tier: audit mode is refused, saying why,
                                  // where that is not bpf-lsm.
                                  .tier = "auto",
                                  .command = options.command,
                                  .syscall_audit = &syscalls});
  if (!result.ok()) return Fail(result.status());
  if (result->records_dropped > 0) {
    return Fail(absl::ResourceExhaustedError(absl::StrCat(
        "the kernel's denial table was full: ", result->records_dropped,
        " denials were not recorded, so a policy learned from this run would be incomplete; "
        "learn from a smaller part of the workload")));
  }

  std::vector<std::string> unlearnable;
  Observations observations = ObservationsOf(result->denials, syscalls.Snapshot(), unlearnable);
  cvlsm::LearnOptions learn_options;
  learn_options.name = options.name.empty()
                           ? std::filesystem::path(options.command.front()).filename().string()
                           : options.name;
  absl::StatusOr<PolicyDocument> learned = LearnPolicy(
      *base, observations, BeforeRunFileSystemView(run_start, CreationDirectories(result->denials)),
      learn_options);
  if (!learned.ok()) return Fail(learned.status());
  if (!result->syscall_denials_recorded) unlearnable.push_back(kFixedSyscallRefusalsUnseen);
  for (const std::string& line : unlearnable) {
    learned->comment.push_back(absl::StrCat("not learned: ", line));
    LogWarning("learn", absl::StrCat("not learned: ", line));
  }
  if (absl::Status saved = SavePolicyFile(*learned, options.output); !saved.ok()) {
    return Fail(saved);
  }
  std::fprintf(stderr, "cv-lsm learn: wrote %s: base %s, %zu syscalls and %zu path rules added\n",
               options.output.c_str(), options.base.c_str(),
               learned->policy.syscalls().size() - Policy::Preset(*base).syscalls().size(),
               learned->policy.paths().size() - Policy::Preset(*base).paths().size());
  if (result->exit.exit_code != 0) {
    LogWarning("learn", absl::StrCat("the command exited with ", result->exit.exit_code,
                                     ": the policy covers what it did until then"));
  }
  return result->exit.exit_code;
}

}  // namespace cvlsm::cli
