// `cv-lsm stats|events`: what the pinned programs counted and reported (observe/).
#include <csignal>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bpf_backend/bpf_lsm_enforcer.h"
#include "cgroup/cgroup.h"
#include "cli/commands.h"
#include "common/errors.h"
#include "common/printable.h"
#include "common/status_macros.h"
#include "observe/cgroup_reports.h"
#include "observe/confinement_cost.h"
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

nlohmann::ordered_json OptionalJson(const std::optional<uint64_t>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json UsageJson(const absl::StatusOr<CgroupUsage>& usage) {
  if (!usage.ok()) return nlohmann::ordered_json(nullptr);
  return {{"cpu_usec", OptionalJson(usage->cpu_usec)},
          {"user_usec", OptionalJson(usage->user_usec)},
          {"system_usec", OptionalJson(usage->system_usec)},
          {"memory_bytes", OptionalJson(usage->memory_bytes)},
          {"memory_peak_bytes", OptionalJson(usage->memory_peak_bytes)},
          {"processes", OptionalJson(usage->processes)},
          {"io_read_bytes", OptionalJson(usage->io_read_bytes)},
          {"io_write_bytes", OptionalJson(usage->io_write_bytes)}};
}

nlohmann::ordered_json FootprintJson(const absl::StatusOr<PolicyFootprint>& footprint) {
  if (!footprint.ok()) return nlohmann::ordered_json(nullptr);
  return {{"entries", footprint->entries()},
          {"bytes", footprint->bytes},
          {"path_rules", footprint->path_rules},
          {"network_prefixes", footprint->network_prefixes},
          {"unix_names", footprint->unix_names},
          {"other_entries", footprint->other_entries},
          {"sharing_cgroups", footprint->sharing_cgroups}};
}

std::string Bytes(uint64_t bytes) {
  if (bytes < 10 * 1024) return absl::StrCat(bytes, " B");
  if (bytes < 10 * 1024 * 1024) return absl::StrCat(bytes / 1024, " KiB");
  return absl::StrCat(bytes / (1024 * 1024), " MiB");
}

// "cpu 1.234 s (user ..., system ...), memory 3 MiB (peak 5 MiB), 4 processes, io read ..."
std::string UsageLine(const absl::StatusOr<CgroupUsage>& usage) {
  if (!usage.ok()) return absl::StrCat("not read: ", ErrorText(usage.status()));
  std::string line;
  auto seconds = [](uint64_t usec) { return absl::StrFormat("%.3f s", usec / 1e6); };
  if (usage->cpu_usec) {
    absl::StrAppend(&line, "cpu ", seconds(*usage->cpu_usec));
    if (usage->user_usec && usage->system_usec) {
      absl::StrAppend(&line, " (user ", seconds(*usage->user_usec), ", system ",
                      seconds(*usage->system_usec), ")");
    }
  }
  absl::StrAppend(&line, line.empty() ? "" : ", ", "memory ",
                  usage->memory_bytes ? Bytes(*usage->memory_bytes)
                                      : std::string("not accounted (memory controller off)"));
  if (usage->memory_peak_bytes)
    absl::StrAppend(&line, " (peak ", Bytes(*usage->memory_peak_bytes), ")");
  absl::StrAppend(&line, ", ",
                  usage->processes ? absl::StrCat(*usage->processes, " processes")
                                   : std::string("processes not counted (pids controller off)"));
  absl::StrAppend(&line, ", io ",
                  usage->io_read_bytes
                      ? absl::StrCat("read ", Bytes(*usage->io_read_bytes), ", written ",
                                     Bytes(usage->io_write_bytes.value_or(0)))
                      : std::string("not accounted (io controller off)"));
  return line;
}

std::string FootprintLine(const absl::StatusOr<PolicyFootprint>& footprint) {
  if (!footprint.ok()) return absl::StrCat("not read: ", ErrorText(footprint.status()));
  std::string line = absl::StrCat(
      footprint->entries(), " map entries, ", Bytes(footprint->bytes), " of keys and values (",
      footprint->path_rules, " path rules, ", footprint->network_prefixes, " network prefixes, ",
      footprint->unix_names, " abstract unix names, ", footprint->other_entries,
      " for the cgroup: its entry, counters and denial records)");
  if (footprint->sharing_cgroups > 0) {
    absl::StrAppend(&line, "; its rule entries are shared with ", footprint->sharing_cgroups,
                    " other cgroups");
  }
  return line;
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
    // The cgroup's own accounting needs its directory: the record's, or the one asked about.
    std::string directory = options.cgroup;
    if (absl::StatusOr<CgroupRecord> record = ReadRecord(paths, confinement.cgroup_id);
        record.ok()) {
      directory = record->cgroup_path;
    }
    const absl::StatusOr<CgroupUsage> usage =
        directory.empty() ? absl::StatusOr<CgroupUsage>(absl::NotFoundError(
                                "its directory is not known (confined without cv-lsm apply): "
                                "name it with --cgroup"))
                          : ReadCgroupUsage(directory);
    const absl::StatusOr<PolicyFootprint> footprint =
        ReadPolicyFootprint((*enforcer)->programs(), confinement.cgroup_id);
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
      entry["usage"] = UsageJson(usage);
      entry["policy_in_kernel"] = FootprintJson(footprint);
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
    std::printf("  usage: %s\n", UsageLine(usage).c_str());
    std::printf("  policy in the kernel: %s\n", FootprintLine(footprint).c_str());
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
