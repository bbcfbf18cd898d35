// `cv-lsm policy show|validate|import-oci`: policy files without running anything.
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/printable.h"
#include "confinement/tier_choice.h"
#include "explain/explanation.h"
#include "explain/remedy.h"
#include "policy/net_defaults.h"
#include "policy/path_resolution.h"
#include "policy/policy_file.h"
#include "policy/policy_notes.h"
#include "runtime/confined_process.h"
#include "seccomp/oci_import.h"
#include "seccomp/oci_profile.h"

namespace cvlsm::cli {
namespace {

// Parse errors already name the file, line and column.
int Fail(const absl::Status& status) { return FailCommand("policy", status); }

// A preset name is a preset; anything else is a file ("./build" for a file named build).
absl::StatusOr<PolicyDocument> LoadTarget(const std::string& target) {
  if (absl::StatusOr<PolicyType> type = ParsePolicyType(target); type.ok()) {
    PolicyDocument document;
    document.name = target;
    document.policy = Policy::Preset(*type);
    return document;
  }
  return LoadPolicyFile(target);
}

int Show(const PolicyOptions& options) {
  absl::StatusOr<PolicyDocument> document = LoadTarget(options.target);
  if (!document.ok()) return Fail(document.status());
  absl::StatusOr<std::string> text = SerializePolicy(
      *document, options.compact ? PolicyFileForm::kCompact : PolicyFileForm::kExpanded);
  if (!text.ok()) return Fail(text.status());
  std::fputs(text->c_str(), stdout);
  return 0;
}

// What `run` would make of the policy on this machine: which tier, and what that tier refuses
// or leaves unenforced (a deny rule on landlock, path rules on seccomp, a missing path).
std::vector<std::string> WhatThisMachineDoes(const PolicyDocument& document) {
  absl::StatusOr<EnforcerChoice> choice = ChooseEnforcer(TierRequest::kAuto);
  if (!choice.ok())
    return {absl::StrCat("no tier to check it against: ", ErrorText(choice.status()))};
  const std::string tier = absl::StrCat("tier ", TierName(choice->tier()));
  absl::StatusOr<ResolvedPolicy> rules = ResolvePathRules(document.policy);
  absl::Status applicable = rules.status();
  const ApplyOptions options{.mode = document.mode};
  if (rules.ok()) applicable = choice->enforcer().CheckApplicable(*rules, options);
  if (!applicable.ok()) {
    return {absl::StrCat(tier, ": run refuses this policy: ", ErrorText(applicable))};
  }
  std::vector<std::string> lines;
  if (choice->tier() == Tier::kSeccomp) {
    lines.push_back(absl::StrCat(tier, ": path rules are NOT enforced (", choice->reason, ")"));
  }
  for (const std::string& what : choice->enforcer().NotEnforced(*rules, options)) {
    lines.push_back(absl::StrCat(tier, ": not enforced: ", what));
  }
  if (lines.empty()) lines.push_back(absl::StrCat(tier, ": run enforces it as written"));
  return lines;
}

int Validate(const PolicyOptions& options) {
  absl::StatusOr<PolicyDocument> document = LoadPolicyFile(options.target);
  if (!document.ok()) return Fail(document.status());
  const Policy& policy = document->policy;
  size_t connect_rules = 0;
  for (const NetRule& rule : policy.net_rules()) {
    connect_rules += rule.direction == NetDirection::kConnect;
  }
  std::printf(
      "%s: ok: policy \"%s\", base %s, mode %s, %zu syscalls, %zu path rules, %zu connect "
      "rules, %zu bind rules, %zu abstract unix names\n",
      Printable(options.target).c_str(), Printable(document->name).c_str(),
      std::string(PolicyTypeName(policy.type())).c_str(),
      std::string(PolicyModeName(document->mode)).c_str(), policy.syscalls().size(),
      policy.paths().size(), connect_rules, policy.net_rules().size() - connect_rules,
      policy.abstract_unix_names().size());
  for (const std::string& idle : IdleNetworkRules(policy)) {
    std::printf("%s: warning: %s\n", Printable(options.target).c_str(), idle.c_str());
  }
  for (const std::string& limit : PolicyLimits(policy)) {
    std::printf("  note: %s\n", limit.c_str());
  }
  for (const std::string& line : WhatThisMachineDoes(*document)) {
    std::printf("  here: %s\n", line.c_str());
  }
  return 0;
}

int ImportOci(const PolicyOptions& options) {
  absl::StatusOr<OciSeccompProfile> profile = LoadOciSeccompProfile(options.target);
  if (!profile.ok()) return Fail(profile.status());
  const std::string name = std::filesystem::path(options.target).stem().string();
  absl::StatusOr<OciImport> imported = ImportOciProfile(*profile, name);
  if (!imported.ok()) return Fail(imported.status());
  for (const std::string& note : imported->notes) {
    LogWarning("import-oci", absl::StrCat(options.target, ": ", note));
  }
  if (options.strict && !imported->notes.empty()) {
    return Fail(absl::FailedPreconditionError(absl::StrCat(
        "--strict: ", imported->notes.size(),
        " constructs of the profile are not expressed exactly (listed above); no policy "
        "written")));
  }
  if (!options.output.empty()) {
    if (absl::Status s = SavePolicyFile(imported->document, options.output); !s.ok()) {
      return Fail(s);
    }
  } else {
    absl::StatusOr<std::string> text = SerializePolicy(imported->document);
    if (!text.ok()) return Fail(text.status());
    std::fputs(text->c_str(), stdout);
  }
  if (!imported->notes.empty()) {
    LogWarning("import-oci", absl::StrCat(imported->notes.size(),
                                          " constructs not expressed exactly (listed above); "
                                          "review them, or use --strict to refuse"));
  }
  return 0;
}

// What `target` would make of recorded events: an audit event ran, so refusing it is new; a
// denied one was refused, so allowing it is new. Exit 1 when it would refuse any, for CI.
int Diff(const PolicyOptions& options) {
  absl::StatusOr<PolicyDocument> document = LoadTarget(options.target);
  if (!document.ok()) return Fail(document.status());
  std::ifstream in(options.events);
  if (!in) return Fail(ErrnoError(errno, absl::StrCat("opening the events ", options.events)));
  struct Seen {
    Event first;
    uint64_t count = 0;
  };
  // By verdict (newly refused, still refused, newly allowed), then by operation.
  std::map<std::string, Seen> kinds[3];
  size_t events = 0, still_allowed = 0;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    absl::StatusOr<Event> event = ParseEventJson(line);
    if (!event.ok()) {
      return Fail(Annotate(event.status(), absl::StrCat(options.events, ":", number)));
    }
    ++events;
    const bool refused = WouldRefuse(*event, document->policy);
    const bool ran = event->audit;
    if (ran && !refused) {
      ++still_allowed;
      continue;
    }
    Seen& seen = kinds[refused ? (ran ? 0 : 1) : 2][DescribeOperation(*event)];
    if (seen.count++ == 0) seen.first = *event;
  }
  constexpr const char* kTitles[] = {"would newly refuse (ran before, in audit mode)",
                                     "would still refuse", "would newly allow"};
  for (int kind = 0; kind < 3; ++kind) {
    if (kinds[kind].empty()) continue;
    std::printf("%s:\n", kTitles[kind]);
    for (const auto& [operation, seen] : kinds[kind]) {
      const Remedy remedy = WhatWouldAllow(seen.first, &document->policy);
      std::printf("  %s, %llu times, by %s%s\n", Printable(operation).c_str(),
                  static_cast<unsigned long long>(seen.count), Printable(seen.first.comm).c_str(),
                  kind == 2 ? "" : Printable(absl::StrCat(": ", remedy.text)).c_str());
    }
  }
  const size_t refusing = kinds[0].size() + kinds[1].size();
  std::printf(
      "%s: %zu events: %zu operations refused (%zu newly), %zu newly allowed, %zu "
      "allowed as before\n",
      Printable(options.target).c_str(), events, refusing, kinds[0].size(), kinds[2].size(),
      still_allowed);
  return refusing > 0 ? kExitIncomplete : 0;
}

}  // namespace

int PolicyCommand(const PolicyOptions& options) {
  switch (options.action) {
    case PolicyOptions::Action::kShow:
      return Show(options);
    case PolicyOptions::Action::kValidate:
      return Validate(options);
    case PolicyOptions::Action::kImportOci:
      return ImportOci(options);
    case PolicyOptions::Action::kDiff:
      return Diff(options);
  }
  return kExitLauncherFailed;
}

}  // namespace cvlsm::cli
