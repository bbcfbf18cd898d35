#include "learn/policy_learner.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "learn/learned_rules.h"

namespace cvlsm {
namespace {

// "rx": the letters of a policy file.
std::string Letters(AccessModes modes) {
  std::string text;
  if (modes & kRead) text += 'r';
  if (modes & kWrite) text += 'w';
  if (modes & kExec) text += 'x';
  return text;
}

std::string Described(const std::string& path, AccessModes modes) {
  return absl::StrCat(path, " (", Letters(modes), ")");
}

// The kernel names objects canonically; anything else would make ancestors and collapse
// wrong, so it is refused rather than cleaned up.
absl::StatusOr<std::string> CanonicalPath(const ObservedAccess& access) {
  if (absl::Status status = CheckPathRule(access.path, access.modes); !status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("observed access cannot be learned: ", ErrorText(status)));
  }
  if (access.path == "/") return access.path;
  absl::string_view path = access.path;
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  for (absl::string_view part : absl::StrSplit(path.substr(1), '/')) {
    if (part.empty() || part == "." || part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("observed path '", access.path,
                       "' is not canonical (an empty, '.' or '..' component): expected the "
                       "path as the kernel names the object"));
    }
  }
  return std::string(path);
}

// /proc/<pid>, /proc/self, /proc/thread-self and what is below them.
bool IsProcessEntry(absl::string_view path) {
  if (!absl::ConsumePrefix(&path, "/proc/")) return false;
  const absl::string_view first = path.substr(0, path.find('/'));
  if (first == "self" || first == "thread-self") return true;
  if (first.empty()) return false;
  for (char c : first) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string NearestExistingDirectory(const std::string& path, const FileSystemView& fs) {
  std::string dir = ParentPath(path);
  while (dir != "/" && !fs.IsDirectory(dir)) dir = ParentPath(dir);
  return dir;
}

// One comment line per rule: its path and modes, then what it stands for.
std::string RuleLine(const std::string& path, const LearnedRule& rule) {
  std::vector<std::string> parts;
  size_t below = rule.observed.size();
  if (rule.observed.contains(path)) {
    parts.push_back("accessed");
    --below;
  }
  if (below == 1) {
    for (const std::string& other : rule.observed) {
      if (other != path) parts.push_back(absl::StrCat("for ", other));
    }
  } else if (below > 1) {
    parts.push_back(absl::StrCat("for ", below, " paths below it"));
  }
  if (rule.removed.size() == 1) {
    parts.push_back(absl::StrCat("for ", *rule.removed.begin(), ", removed during the run"));
  } else if (!rule.removed.empty()) {
    parts.push_back(absl::StrCat("for ", rule.removed.size(),
                                 " paths removed during the run, e.g. ", *rule.removed.begin()));
  }
  return absl::StrCat(Described(path, rule.modes), ": ", rule.collapsed ? "collapsed, " : "",
                      absl::StrJoin(parts, "; "));
}

}  // namespace

absl::StatusOr<PolicyDocument> LearnPolicy(PolicyType base, const Observations& observations,
                                           const FileSystemView& file_system,
                                           const LearnOptions& options) {
  if (options.collapse_threshold == 1) {
    return absl::InvalidArgumentError(
        "collapse threshold 1 would widen every rule to its directory: use 0 (no collapse) "
        "or 2 or more");
  }
  PolicyDocument document;
  document.name = options.name;
  document.mode = PolicyMode::kEnforce;
  document.policy = Policy::Preset(base);
  Policy& policy = document.policy;

  std::vector<std::string> truncated;
  for (const ObservedAccess& access : observations.accesses) {
    if (access.truncated) truncated.push_back(Described(access.path, access.modes));
  }
  if (!truncated.empty()) {
    std::sort(truncated.begin(), truncated.end());
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot learn a policy: ", truncated.size(),
        " observed paths were too long for the kernel to report whole, and a rule cannot "
        "name a path it does not know (shorten them, e.g. run from a shorter directory): ",
        absl::StrJoin(truncated, ", ")));
  }

  std::vector<std::string> added_syscalls;
  for (const std::string& name : observations.syscalls) {
    if (policy.syscalls().contains(name)) continue;
    if (absl::Status status = policy.AddSyscall(name); !status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("observed syscall cannot be learned: ", ErrorText(status)));
    }
    added_syscalls.push_back(name);
  }

  LearnedRules rules;
  std::map<std::string, AccessModes> process_entries;  // below /proc/<pid>
  std::map<std::string, AccessModes> root_only;        // would need a rule on "/"
  for (const ObservedAccess& access : observations.accesses) {
    if (access.modes == 0 || (access.modes & ~kAllModes) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("observed access to '", access.path, "' has bad access mode 0x",
                       absl::Hex(access.modes), ": expected a non-empty combination of r, w, x"));
    }
    // Before the checks of a rule path, which refuse paths below /proc/self.
    if (IsProcessEntry(access.path)) {
      process_entries[access.path] |= access.modes;
      continue;
    }
    ASSIGN_OR_RETURN(std::string path, CanonicalPath(access));
    // Presets have no deny rules, so the modes they do not grant are what an allow adds.
    const AccessModes needed = access.modes & ~policy.GrantedModes(path);
    if (needed == 0) continue;
    if (path == "/") {
      root_only[path] |= needed;
    } else if (file_system.Exists(path)) {
      LearnedRule& rule = rules[path];
      rule.modes |= needed;
      rule.observed.insert(path);
    } else if (std::string dir = NearestExistingDirectory(path, file_system); dir == "/") {
      root_only[path] |= needed;
    } else {
      LearnedRule& rule = rules[dir];
      rule.modes |= needed;
      rule.removed.insert(path);
    }
  }
  Collapse(rules, options.collapse_threshold, options.never_collapse);
  for (const NetRule& rule : observations.net_rules) policy.AddNetRule(rule);
  for (const std::string& name : observations.abstract_unix_names) {
    RETURN_IF_ERROR(policy.AllowAbstractUnixName(name));
  }

  document.comment.push_back(absl::StrCat("learned from a run in audit mode: what it needed ",
                                          "beyond the ", PolicyTypeName(base), " preset"));
  if (!added_syscalls.empty()) {
    document.comment.push_back(
        absl::StrCat("syscalls added: ", absl::StrJoin(added_syscalls, ", ")));
  }
  for (const auto& [path, rule] : rules) {
    RETURN_IF_ERROR(policy.AddPath(path, rule.modes));
    document.comment.push_back(RuleLine(path, rule));
  }
  for (const NetRule& rule : observations.net_rules) {
    document.comment.push_back(
        absl::StrCat(NetDirectionName(rule.direction), " ", rule.ToString(), ": seen"));
  }
  for (const std::string& name : observations.abstract_unix_names) {
    document.comment.push_back(
        absl::StrCat("abstract unix socket ", AbstractUnixNameText(name), " outside: reached"));
  }
  if (added_syscalls.empty() && rules.empty() && observations.net_rules.empty() &&
      observations.abstract_unix_names.empty()) {
    document.comment.push_back(root_only.empty() && process_entries.empty()
                                   ? "nothing added: the base allowed everything the run did"
                                   : "nothing added");
  }
  for (const auto& [path, modes] : root_only) {
    document.comment.push_back(absl::StrCat(
        "not learned: ", Described(path, modes),
        path == "/" ? "" : ": removed during the run, and only / holds it",
        "; a rule on / would grant that on every file: add one by hand if you mean it"));
  }
  for (const auto& [path, modes] : process_entries) {
    document.comment.push_back(absl::StrCat(
        "not learned: ", Described(path, modes),
        ": a process's /proc entry, which no rule can name (pids change every run; the "
        "process's own entries are what a rule on /proc/self grants)"));
  }
  return document;
}

}  // namespace cvlsm
