// `cv-lsm explain`: which rule of which policy refused an event (a JSON line of `cv-lsm
// events --json`, given or on stdin), and what would allow it.
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "common/errors.h"
#include "common/printable.h"
#include "common/status_macros.h"
#include "explain/explanation.h"
#include "pinned/cgroup_records.h"
#include "pinned/state_paths.h"

namespace cvlsm::cli {
namespace {

absl::StatusOr<NamedPolicy> PresetOrFile(const std::string& preset, const std::string& file) {
  if (!file.empty()) {
    ASSIGN_OR_RETURN(PolicyDocument document, LoadPolicyFile(file));
    return NamedPolicy{std::move(document), file};
  }
  ASSIGN_OR_RETURN(PolicyType type, ParsePolicyType(preset));
  PolicyDocument document;
  document.name = preset;
  document.policy = Policy::Preset(type);
  return NamedPolicy{std::move(document), absl::StrCat("preset ", preset)};
}

// The policy the event's cgroup was confined with, from its record (cv-lsm load's state):
// its file again where it still says the same, for the rules' positions.
absl::StatusOr<NamedPolicy> RecordedPolicy(uint64_t cgroup) {
  absl::StatusOr<CgroupRecord> record = ReadRecord(ThisBuildState(), cgroup);
  if (!record.ok()) {
    return WithRemedy(
        absl::NotFoundError(absl::StrCat("no policy is known for cgroup ", cgroup,
                                         " (it was not confined through cv-lsm load and apply, "
                                         "or has been released)")),
        "name the policy: cv-lsm explain --policy NAME or --policy-file FILE");
  }
  const std::string& source = record->policy_source;
  if (ParsePolicyType(source).ok()) return PresetOrFile(source, "");
  absl::StatusOr<PolicyDocument> file = LoadPolicyFile(source);
  if (file.ok() && file->policy == record->policy.policy) {
    return NamedPolicy{*std::move(file), source};
  }
  return NamedPolicy{record->policy, absl::StrCat(source, " (as applied: the file has changed)")};
}

}  // namespace

int ExplainCommand(const ExplainOptions& options) {
  std::map<uint64_t, NamedPolicy> by_cgroup;
  absl::StatusOr<NamedPolicy> chosen = absl::NotFoundError("none given");
  if (!options.policy.empty() || !options.policy_file.empty()) {
    chosen = PresetOrFile(options.policy, options.policy_file);
    if (!chosen.ok()) return FailCommand("explain", chosen.status());
  }
  auto explain = [&](const std::string& line, size_t number) -> absl::Status {
    absl::StatusOr<Event> event = ParseEventJson(line);
    if (!event.ok()) {
      return WithRemedy(Annotate(event.status(), absl::StrCat("event ", number)),
                        "pass one JSON line of cv-lsm events --json");
    }
    const NamedPolicy* policy = chosen.ok() ? &*chosen : nullptr;
    if (!policy) {
      auto it = by_cgroup.find(event->cgroup);
      if (it == by_cgroup.end()) {
        ASSIGN_OR_RETURN(NamedPolicy recorded, RecordedPolicy(event->cgroup));
        it = by_cgroup.emplace(event->cgroup, std::move(recorded)).first;
      }
      policy = &it->second;
    }
    for (const std::string& text : ExplainEvent(*event, *policy)) {
      std::printf("%s\n", Printable(text).c_str());
    }
    std::fflush(stdout);
    return absl::OkStatus();
  };
  if (!options.event.empty()) {
    absl::Status status = explain(options.event, 1);
    return status.ok() ? 0 : FailCommand("explain", status);
  }
  // Line by line as they come: `cv-lsm events --follow --json | cv-lsm explain` works.
  std::string line;
  for (size_t number = 1; std::getline(std::cin, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (absl::Status status = explain(line, number); !status.ok()) {
      return FailCommand("explain", status);
    }
  }
  return 0;
}

}  // namespace cvlsm::cli
