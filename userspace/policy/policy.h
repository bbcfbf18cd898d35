// The policy model from the containerv design: a type (preset), a syscall allow-list and
// path rules, all default deny. A Policy is plain data; backends turn it into kernel state.
#pragma once

#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "policy/access_mode.h"
#include "policy/net_rules.h"

namespace cvlsm {

enum class PolicyType { kMinimal, kBuild, kNetwork, kCustom };

absl::StatusOr<PolicyType> ParsePolicyType(absl::string_view name);
absl::string_view PolicyTypeName(PolicyType type);

// What to do with the policy's violations. kAudit is part of the policy file format, but
// only kEnforce is implemented; callers that apply a policy refuse kAudit.
enum class PolicyMode { kEnforce, kAudit };

absl::StatusOr<PolicyMode> ParsePolicyMode(absl::string_view name);
absl::string_view PolicyModeName(PolicyMode mode);  // "enforce", "audit"

// The modes a path rule grants and the modes it carves out of what its ancestors grant
// (containerv's deny_path, e.g. /etc/shadow under an allowed /etc).
struct PathModes {
  AccessModes allow = 0;
  AccessModes deny = 0;
  // Preset rules are skipped where the path does not exist on this machine; rules a
  // caller adds must resolve or applying the policy fails.
  bool required = true;
  bool operator==(const PathModes&) const = default;
};

// One path of a preset, with its modes.
struct PresetPath {
  absl::string_view path;
  AccessModes modes;
};

class Policy {
 public:
  // A preset with its syscalls and paths; kCustom is empty.
  static Policy Preset(PolicyType type);

  PolicyType type() const { return type_; }

  // Adds a syscall by name; an unknown name is an error that names it.
  absl::Status AddSyscall(absl::string_view name);
  // Grants modes on an absolute path and everything below it (union with earlier rules).
  absl::Status AddPath(absl::string_view path, AccessModes modes);
  // Takes modes away on a path and everything below it, whatever its ancestors allow.
  absl::Status DenyPath(absl::string_view path, AccessModes modes);
  // Both at once, as a policy file states a rule: allow and deny are added to what the path
  // already has (either may be 0, not both); the rule is required if either side says so.
  absl::Status AddPathRule(absl::string_view path, const PathModes& rule);
  // Replaces the rule on `path` (no union with what was there); RemovePath drops it.
  absl::Status SetPathRule(absl::string_view path, const PathModes& rule);
  void RemovePath(absl::string_view path) { paths_.erase(std::string(path)); }

  // Adds a network rule (policy/net_rules.h); a rule already there is kept once.
  void AddNetRule(const NetRule& rule) { net_rules_.insert(rule); }
  // Lets a confined process reach an abstract unix socket outside its confinement.
  absl::Status AllowAbstractUnixName(absl::string_view name);
  // A rule as the command line and the C API write it: PROTO:ADDR[/PREFIX]:PORTS, or
  // unix:@NAME for an allowed connect to an abstract unix socket.
  absl::Status AddNetRuleText(NetDirection direction, bool deny, absl::string_view text);

  const std::set<std::string>& syscalls() const { return syscalls_; }
  const std::map<std::string, PathModes>& paths() const { return paths_; }
  const std::set<NetRule>& net_rules() const { return net_rules_; }
  const std::set<std::string>& abstract_unix_names() const { return abstract_unix_names_; }
  // Whether the policy has rules of `direction`: then everything of that direction that
  // they do not allow is refused; without, the preset's behaviour stands (any address).
  bool HasNetRules(NetDirection direction) const;

  // What the path rules grant on `path`, matching rules by name: the union of what the rules
  // on it and its ancestors allow, minus what any of them denies (a deny anywhere on the way
  // wins). The kernel matches objects: a rule whose path goes through a symlink (e.g. /lib on
  // a merged-/usr system) also grants paths below its target, which this does not see.
  AccessModes GrantedModes(absl::string_view path) const;

  bool operator==(const Policy&) const = default;

 private:
  explicit Policy(PolicyType type) : type_(type) {}
  void AddPresetPaths(std::initializer_list<PresetPath> paths);
  absl::Status AddRule(absl::string_view path, AccessModes modes, bool deny);

  PolicyType type_;
  std::set<std::string> syscalls_;
  std::map<std::string, PathModes> paths_;
  std::set<NetRule> net_rules_;
  std::set<std::string> abstract_unix_names_;
};

// Whether `path` can be a rule with `modes`: absolute, no NUL, a non-empty combination of
// r, w and x, not below /proc/self. The error names the rule and what was expected.
absl::Status CheckPathRule(absl::string_view path, AccessModes modes);

}  // namespace cvlsm
