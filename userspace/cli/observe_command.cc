// `cv-lsm stats|events`: what the pinned programs counted and reported (observe/).
#include <csignal>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "absl/strings/str_cat.h"
#include "bpf_backend/bpf_lsm_enforcer.h"
#include "cgroup/cgroup.h"
#include "cli/commands.h"
#include "common/errors.h"
#include "common/printable.h"
#include "common/status_macros.h"
#include "observe/cgroup_reports.h"
#include "observe/event_reader.h"
#include "pinned/cgroup_records.h"
#include "pinned/pinned_programs.h"
#include "pinned/state_paths.h"

namespace cvlsm::cli {
namespace {

constexpr auto Fail = FailCommand;

absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> Pinned() {
  absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> enforcer = AttachPinnedPrograms();
  if (absl::IsNotFound(enforcer.status())) {
    return WithRemedy(
        absl::FailedPreconditionError(absl::StrCat(
            enforcer.status().message(),
            " (stats and events read the programs `cv-lsm load` pins; `cv-lsm run --audit` "
            "prints its own report without them)")),
        RemedyOf(enforcer.status()));
  }
  return enforcer;
}

absl::StatusOr<std::optional<uint64_t>> ChosenCgroup(const ObserveOptions& options) {
  if (options.cgroup.empty()) return std::optional<uint64_t>();
  ASSIGN_OR_RETURN(uint64_t id, CgroupIdOf(options.cgroup));
  return std::optional<uint64_t>(id);
}

std::string SyscallCounting(const BpfLsmEnforcer& enforcer) {
  return enforcer.programs().counts_syscall_denials()
             ? "counted (the seccomp filter's refusals, traced at __secure_computing)"
             : absl::StrCat("NOT counted, only enforced (", WhySyscallDenialsAreNotCounted(), ")");
}

nlohmann::ordered_json DenialJson(const Denial& denial) {
  nlohmann::ordered_json json = nlohmann::ordered_json::parse(FormatEventJson(denial.first));
  json["count"] = denial.count;
  json["operation"] = DescribeOperation(denial.first);
  return json;
}

int Stats(const ObserveOptions& options) {
  absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> enforcer = Pinned();
  if (!enforcer.ok()) return Fail("stats", enforcer.status());
  absl::StatusOr<std::optional<uint64_t>> only = ChosenCgroup(options);
  if (!only.ok()) return Fail("stats", only.status());
  StatePaths paths = ThisBuildState();

  std::vector<BpfLsmEnforcer::CgroupConfinement> confined = (*enforcer)->List();
  if (*only && std::none_of(confined.begin(), confined.end(),
                            [&](const auto& c) { return c.cgroup_id == **only; })) {
    return Fail("stats", absl::NotFoundError(absl::StrCat(options.cgroup, " is not confined")));
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& confinement : confined) {
    if (*only && confinement.cgroup_id != **only) continue;
    absl::StatusOr<CgroupStats> stats =
        ReadCgroupStats((*enforcer)->programs(), confinement.cgroup_id);
    if (!stats.ok()) return Fail("stats", stats.status());
    std::vector<Denial> denials = ReadDenials((*enforcer)->programs(), confinement.cgroup_id);
    if (denials.size() > options.top) denials.resize(options.top);
    std::string path = absl::StrCat("cgroup ", confinement.cgroup_id);
    if (absl::StatusOr<CgroupRecord> record = ReadRecord(paths, confinement.cgroup_id);
        record.ok()) {
      path = record->cgroup_path;
    } else if (!options.cgroup.empty()) {
      path = options.cgroup;
    }
    const char* mode = confinement.audit ? "audit" : "enforce";
    if (options.json) {
      nlohmann::ordered_json entry;
      entry["cgroup"] = path;
      entry["cgroup_id"] = confinement.cgroup_id;
      entry["mode"] = mode;
      entry["allowed"] = stats->allowed();
      entry["denied"] = stats->denied();
      nlohmann::ordered_json hooks = nlohmann::ordered_json::object();
      for (uint32_t hook = 0; hook < CVLSM_HOOK_COUNT; ++hook) {
        hooks[std::string(HookName(hook))] = {{"allowed", stats->hooks[hook].allowed},
                                              {"denied", stats->hooks[hook].denied}};
      }
      entry["hooks"] = hooks;
      entry["events_dropped"] = stats->events_dropped;
      entry["denials_not_recorded"] = stats->records_dropped;
      entry["syscall_denials_counted"] = (*enforcer)->programs().counts_syscall_denials();
      nlohmann::ordered_json top = nlohmann::ordered_json::array();
      for (const Denial& denial : denials) top.push_back(DenialJson(denial));
      entry["most_denied"] = top;
      out.push_back(entry);
      continue;
    }
    std::printf("%s (id %llu, %s): %llu allowed, %llu %s\n", Printable(path).c_str(),
                static_cast<unsigned long long>(confinement.cgroup_id), mode,
                static_cast<unsigned long long>(stats->allowed()),
                static_cast<unsigned long long>(stats->denied()),
                confinement.audit ? "would be denied" : "denied");
    std::printf("  %-14s %12s %12s\n", "hook", "allowed", "denied");
    for (uint32_t hook = 0; hook < CVLSM_HOOK_COUNT; ++hook) {
      const HookCounts& counts = stats->hooks[hook];
      if (counts.allowed == 0 && counts.denied == 0) continue;
      std::printf("  %-14s %12llu %12llu\n", std::string(HookName(hook)).c_str(),
                  static_cast<unsigned long long>(counts.allowed),
                  static_cast<unsigned long long>(counts.denied));
    }
    std::printf("  events dropped: %llu; denials not recorded (table full): %llu\n",
                static_cast<unsigned long long>(stats->events_dropped),
                static_cast<unsigned long long>(stats->records_dropped));
    if (!denials.empty()) std::printf("  most denied:\n");
    for (const Denial& denial : denials) {
      std::printf("  %10llu  %s  [%s]\n", static_cast<unsigned long long>(denial.count),
                  Printable(DescribeOperation(denial.first)).c_str(),
                  Printable(denial.first.comm).c_str());
    }
  }
  if (options.json) {
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    if (confined.empty()) std::printf("no cgroup is confined\n");
    std::printf("syscall denials: %s\n", SyscallCounting(**enforcer).c_str());
  }
  return 0;
}

volatile std::sig_atomic_t stop_following = 0;
void StopFollowing(int) { stop_following = 1; }

int Events(const ObserveOptions& options) {
  absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> enforcer = Pinned();
  if (!enforcer.ok()) return Fail("events", enforcer.status());
  absl::StatusOr<std::optional<uint64_t>> only = ChosenCgroup(options);
  if (!only.ok()) return Fail("events", only.status());
  auto print = [&](const Event& event) {
    if (*only && event.cgroup != **only) return;
    std::string line = options.json ? FormatEventJson(event) : FormatEventLine(event);
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);  // one line at a time for a log shipper reading the pipe
  };
  absl::StatusOr<std::unique_ptr<EventReader>> reader =
      EventReader::Open((*enforcer)->programs().events_fd(), print);
  if (!reader.ok()) return Fail("events", reader.status());
  if (!options.follow) {
    absl::StatusOr<int> handled = (*reader)->Poll(0);
    return handled.ok() ? 0 : Fail("events", handled.status());
  }
  struct sigaction action {};
  action.sa_handler = StopFollowing;  // no SA_RESTART: the poll returns
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  while (!stop_following) {
    absl::StatusOr<int> handled = (*reader)->Poll(500);
    if (!handled.ok()) return Fail("events", handled.status());
  }
  return 0;
}

}  // namespace

int ObserveCommand(const ObserveOptions& options) {
  return options.action == ObserveOptions::Action::kStats ? Stats(options) : Events(options);
}

}  // namespace cvlsm::cli
