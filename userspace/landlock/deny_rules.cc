#include "landlock/deny_rules.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "landlock/object_places.h"
#include "policy/access_mode.h"

namespace cvlsm::landlock {
namespace {

// The path the kernel gives the object a rule holds open (symlinks resolved, in this mount
// namespace); the rule's own path when there is none to ask.
std::string CanonicalPath(const ResolvedPathRule& rule) {
  if (!rule.object.pin || !rule.object.pin->valid()) return rule.path;
  char target[PATH_MAX];
  const std::string link = absl::StrCat("/proc/self/fd/", rule.object.pin->get());
  ssize_t n = ::readlink(link.c_str(), target, sizeof(target));
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(target) || target[0] != '/') return rule.path;
  return std::string(target, static_cast<size_t>(n));
}

// How many names (hard links) a non-directory has; 1 for a directory or when unknown.
nlink_t OtherNamesPossible(const ResolvedPathRule& rule) {
  struct stat st {};
  if (!rule.object.pin || ::fstat(rule.object.pin->get(), &st) != 0 || S_ISDIR(st.st_mode)) {
    return 1;
  }
  return st.st_nlink;
}

// What a rule grants, and every place its object appears.
struct Placed {
  const ResolvedPathRule* rule;  // null for /proc/self
  std::vector<std::string> places;
  AccessModes granted;
  nlink_t names = 1;
};

absl::Status Overridden(const ResolvedPathRule& deny, absl::string_view allow_path,
                        AccessModes granted, absl::string_view how) {
  return absl::FailedPreconditionError(absl::StrCat(
      "deny rule '", deny.path, ":", FormatAccessModes(deny.modes.deny),
      "' cannot be enforced by the landlock tier: the allow rule '", allow_path, ":",
      FormatAccessModes(granted), "' ", how,
      ", and Landlock can only grant access, not take it away; use the bpf-lsm tier (--mode "
      "bpf-lsm), or change one of the rules"));
}

}  // namespace

absl::Status CheckDenyRulesHold(const ResolvedPolicy& rules) {
  if (!rules.has_deny_rules) return absl::OkStatus();
  const std::vector<MountEntry> mounts = ReadMounts();
  std::vector<Placed> placed;
  for (const ResolvedPathRule& rule : rules.rules) {
    // A rule's own deny wins over its own allow: the tier grants allow minus deny there.
    placed.push_back({&rule, PlacesOf(CanonicalPath(rule), mounts),
                      rule.modes.allow & ~rule.modes.deny, OtherNamesPossible(rule)});
  }
  // /proc/self grants the process's own /proc entry, which lies below /proc.
  placed.push_back({nullptr, {"/proc/self"}, rules.proc_self_modes});
  for (const Placed& deny : placed) {
    if (!deny.rule || deny.rule->modes.deny == 0) continue;
    const AccessModes denied = deny.rule->modes.deny;
    if (deny.names > 1) {
      return absl::FailedPreconditionError(absl::StrCat(
          "deny rule '", deny.rule->path, ":", FormatAccessModes(denied),
          "' cannot be enforced by the landlock tier: the file has ", deny.names,
          " names (hard links), and an allowed tree holding another would grant it; use the "
          "bpf-lsm tier (--mode bpf-lsm), which follows the file itself"));
    }
    for (const Placed& allow : placed) {
      const AccessModes granted = allow.granted & denied;
      if (granted == 0) continue;
      const std::string allow_path = allow.rule ? allow.rule->path : "/proc/self";
      for (const std::string& deny_place : deny.places) {
        for (const std::string& allow_place : allow.places) {
          if (AtOrBelow(deny_place, allow_place) || AtOrBelow(allow_place, deny_place)) {
            const std::string how = allow_place == allow_path && deny_place == deny.places.front()
                                        ? "grants what it denies"
                                        : absl::StrCat("grants what it denies (", allow_place,
                                                       " and ", deny_place, " are one tree)");
            return Overridden(*deny.rule, allow_path, granted, how);
          }
        }
      }
      // A file with other names: one of them may lie in the denied tree.
      if (allow.names > 1) {
        return Overridden(*deny.rule, allow_path, granted,
                          absl::StrCat("names a file with ", allow.names,
                                       " names (hard links), one of which may be in the denied "
                                       "tree"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace cvlsm::landlock
