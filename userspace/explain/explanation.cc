#include "explain/explanation.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "explain/remedy.h"
#include "policy/syscall_names.h"

namespace cvlsm {
namespace {

// " (p.json:7:5)" for a rule the file states, " (base minimal)" for one of its base preset.
std::string Origin(const NamedPolicy& policy, const std::string& path) {
  if (auto it = policy.document.path_origins.find(path); it != policy.document.path_origins.end()) {
    return absl::StrCat(" (", it->second, ")");
  }
  const PolicyType base = policy.document.policy.type();
  if (Policy::Preset(base).paths().contains(path)) {
    return absl::StrCat(" (base ", PolicyTypeName(base), ")");
  }
  return "";
}

// The rules on `path` and every directory above it, nearest first.
std::vector<std::pair<std::string, PathModes>> RulesOnTheWay(const Policy& policy,
                                                             const std::string& path) {
  std::vector<std::pair<std::string, PathModes>> rules;
  for (std::string prefix = path; !prefix.empty();) {
    if (auto it = policy.paths().find(prefix); it != policy.paths().end()) {
      rules.emplace_back(prefix, it->second);
    }
    if (prefix == "/") break;
    const size_t slash = prefix.rfind('/');
    prefix = slash == 0 ? "/" : prefix.substr(0, slash);
  }
  return rules;
}

bool IsPathEvent(const Event& event) {
  return !event.path.empty() && !event.no_path && !IsNetworkEvent(event.hook) &&
         event.hook != CVLSM_HOOK_SYSCALL;
}

std::string PathRefusal(const Event& event, const NamedPolicy& named) {
  const Policy& policy = named.document.policy;
  const AccessModes requested = event.requested ? event.requested : kRead;
  const auto rules = RulesOnTheWay(policy, event.path);
  for (const auto& [path, modes] : rules) {
    if ((modes.deny & requested) != 0) {
      return absl::StrCat("the deny rule '", path, ":", FormatAccessModes(modes.deny), "'",
                          Origin(named, path), " takes ", FormatAccessModes(modes.deny & requested),
                          " away");
    }
  }
  const AccessModes granted = policy.GrantedModes(event.path);
  const AccessModes missing = requested & ~granted;
  if (missing == 0) {
    return absl::StrCat("this policy grants ", FormatAccessModes(requested), " on ", event.path,
                        " by name: the kernel reached another object (a symlink or bind mount "
                        "leads elsewhere), or another policy was in force");
  }
  if (rules.empty()) {
    return absl::StrCat("no rule names ", event.path,
                        " or a directory above it: what no rule grants is refused");
  }
  std::vector<std::string> on_the_way;
  for (const auto& [path, modes] : rules) {
    on_the_way.push_back(
        absl::StrCat("'", path, ":", FormatAccessModes(modes.allow), "'", Origin(named, path)));
  }
  return absl::StrCat("no rule grants ", FormatAccessModes(missing), " on ", event.path,
                      "; the rules on its way grant only ", FormatAccessModes(granted), ": ",
                      absl::StrJoin(on_the_way, ", "));
}

std::string SyscallRefusal(const Event& event, const NamedPolicy& named, const Remedy& remedy) {
  const std::string name = NativeSyscallName(event.detail);
  if (!remedy.allowable) return remedy.text;
  const Policy& policy = named.document.policy;
  if (policy.syscalls().contains(name))
    return absl::StrCat("refused by its arguments: ", remedy.text);
  std::string listed =
      absl::StrCat(policy.syscalls().size(), " syscalls: base ", PolicyTypeName(policy.type()));
  if (!named.document.syscalls_origin.empty()) {
    absl::StrAppend(&listed, ", plus \"syscalls\" at ", named.document.syscalls_origin);
  }
  return absl::StrCat("syscall ", name.empty() ? absl::StrCat(event.detail) : name,
                      " is not in the policy's list (", listed, ")");
}

// How a policy file would say what the option says.
std::string InTheFile(const Event& event, const NamedPolicy& named, const Remedy& remedy) {
  if (!remedy.allowable || named.name.rfind("preset ", 0) == 0) return "";
  if (event.hook == CVLSM_HOOK_SYSCALL && remedy.text.rfind("--allow-syscall ", 0) == 0) {
    return absl::StrCat("in ", named.name, ": add \"", remedy.text.substr(16),
                        "\" to \"syscalls\"");
  }
  if (IsPathEvent(event) && remedy.text.rfind("--allow ", 0) == 0 && !event.truncated) {
    return absl::StrCat("in ", named.name, ": add {\"path\": \"", event.path, "\", \"allow\": \"",
                        ModesOption(event.requested ? event.requested : kRead), "\"} to \"paths\"");
  }
  return "";
}

}  // namespace

bool WouldRefuse(const Event& event, const Policy& policy) {
  if (event.fixed) return true;
  if (event.hook == CVLSM_HOOK_SYSCALL) {
    // A refusal by arguments repeats with the same arguments.
    return !policy.syscalls().contains(NativeSyscallName(event.detail)) ||
           RefusedWhateverItLists(event.detail);
  }
  if (IsPathEvent(event)) {
    if (event.truncated) return true;  // the whole path is unknown: judged refused
    const AccessModes requested = event.requested ? event.requested : kRead;
    return (requested & ~policy.GrantedModes(event.path)) != 0;
  }
  return true;  // the rest is not replayed: network and processes are judged as they were
}

std::vector<std::string> ExplainEvent(const Event& event, const NamedPolicy& named) {
  std::vector<std::string> lines;
  lines.push_back(absl::StrCat(VerdictName(event), ": ", DescribeOperation(event), " by ",
                               event.comm.empty() ? "?" : event.comm, "[", event.pid, "], cgroup ",
                               event.cgroup));
  const Remedy remedy = WhatWouldAllow(event, &named.document.policy);
  std::string why;
  if (event.hook == CVLSM_HOOK_SYSCALL) {
    why = SyscallRefusal(event, named, remedy);
  } else if (IsPathEvent(event) && remedy.allowable) {
    why = PathRefusal(event, named);
  } else if (IsNetworkEvent(event.hook) && remedy.allowable) {
    why = absl::StrCat("no ", event.hook == CVLSM_HOOK_BIND ? "bind" : "connect",
                       " rule of the policy allows it");
  } else {
    why = remedy.text;
  }
  lines.push_back(absl::StrCat(
      "  policy: ", named.name,
      named.document.name.empty() ? "" : absl::StrCat(" (\"", named.document.name, "\")")));
  lines.push_back(absl::StrCat("  refused by: ", why));
  if (remedy.allowable) {
    lines.push_back(absl::StrCat("  would allow it: ", remedy.text));
    if (std::string file = InTheFile(event, named, remedy); !file.empty()) {
      lines.push_back(absl::StrCat("  or ", file));
    }
  }
  return lines;
}

}  // namespace cvlsm
