#include "policy/policy.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "policy/syscall_names.h"

namespace cvlsm {

absl::StatusOr<PolicyType> ParsePolicyType(absl::string_view name) {
  if (name == "minimal") return PolicyType::kMinimal;
  if (name == "build") return PolicyType::kBuild;
  if (name == "network") return PolicyType::kNetwork;
  if (name == "custom") return PolicyType::kCustom;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown policy '", name, "': expected one of minimal, build, network, custom"));
}

absl::string_view PolicyTypeName(PolicyType type) {
  switch (type) {
    case PolicyType::kMinimal:
      return "minimal";
    case PolicyType::kBuild:
      return "build";
    case PolicyType::kNetwork:
      return "network";
    case PolicyType::kCustom:
      return "custom";
  }
  return "unknown";
}

absl::StatusOr<PolicyMode> ParsePolicyMode(absl::string_view name) {
  if (name == "enforce") return PolicyMode::kEnforce;
  if (name == "audit") return PolicyMode::kAudit;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown mode \"", name, "\": expected \"enforce\" or \"audit\""));
}

absl::string_view PolicyModeName(PolicyMode mode) {
  return mode == PolicyMode::kAudit ? "audit" : "enforce";
}

absl::Status Policy::AllowAbstractUnixName(absl::string_view name) {
  ASSIGN_OR_RETURN(std::string checked, ParseAbstractUnixName(AbstractUnixNameText(name)));
  abstract_unix_names_.insert(std::move(checked));
  return absl::OkStatus();
}

absl::Status Policy::AddNetRuleText(NetDirection direction, bool deny, absl::string_view text) {
  absl::string_view abstract = text;
  if (absl::ConsumePrefix(&abstract, "unix:")) {
    if (direction != NetDirection::kConnect || deny) {
      return absl::InvalidArgumentError(absl::StrCat(
          text,
          ": unix:@NAME is only an allowed connect (an abstract socket outside the "
          "confinement is refused unless allowed; pathname sockets follow the path rules)"));
    }
    absl::StatusOr<std::string> name = ParseAbstractUnixName(abstract);
    if (!name.ok()) return Annotate(name.status(), text);
    return AllowAbstractUnixName(*name);
  }
  ASSIGN_OR_RETURN(NetRule rule, NetRule::Parse(direction, deny, text));
  AddNetRule(rule);
  return absl::OkStatus();
}

bool Policy::HasNetRules(NetDirection direction) const {
  for (const NetRule& rule : net_rules_) {
    if (rule.direction == direction) return true;
  }
  return false;
}

absl::Status Policy::AddSyscall(absl::string_view name) {
  RETURN_IF_ERROR(CheckSyscallName(name));
  syscalls_.emplace(name);
  return absl::OkStatus();
}

absl::Status CheckPathRule(absl::string_view path, AccessModes modes) {
  if (path.empty() || path.front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("path rule '", path, "' is not an absolute path"));
  }
  // The kernel would read the path only up to the NUL: a rule on some other path.
  if (path.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("path rule '", absl::CHexEscape(path),
                                                   "' contains a NUL byte, which no "
                                                   "path can: remove it"));
  }
  if (modes == 0 || (modes & ~kAllModes) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("path rule '", path, "' has bad access mode 0x", absl::Hex(modes),
                     ": expected a non-empty combination of read, write and exec"));
  }
  // Rules under /proc/self would be resolved in the manager's own /proc entry.
  for (absl::string_view own : {"/proc/self/", "/proc/thread-self/"}) {
    if (absl::StartsWith(path, own)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "path rule '", path, "': name /proc/self as a whole; entries below it are not ",
          "rules of their own (they belong to the confined process, not to cv-lsm)"));
    }
  }
  return absl::OkStatus();
}

absl::Status Policy::AddRule(absl::string_view path, AccessModes modes, bool deny) {
  RETURN_IF_ERROR(CheckPathRule(path, modes));
  PathModes& rule = paths_[std::string(path)];
  (deny ? rule.deny : rule.allow) |= modes;
  rule.required = true;
  return absl::OkStatus();
}

absl::Status Policy::AddPath(absl::string_view path, AccessModes modes) {
  return AddRule(path, modes, /*deny=*/false);
}

absl::Status Policy::DenyPath(absl::string_view path, AccessModes modes) {
  return AddRule(path, modes, /*deny=*/true);
}

absl::Status Policy::AddPathRule(absl::string_view path, const PathModes& rule) {
  RETURN_IF_ERROR(CheckPathRule(path, rule.allow | rule.deny));
  auto [it, inserted] = paths_.try_emplace(std::string(path), rule);
  if (!inserted) {
    it->second.allow |= rule.allow;
    it->second.deny |= rule.deny;
    it->second.required = it->second.required || rule.required;
  }
  return absl::OkStatus();
}

absl::Status Policy::SetPathRule(absl::string_view path, const PathModes& rule) {
  RETURN_IF_ERROR(CheckPathRule(path, rule.allow | rule.deny));
  paths_[std::string(path)] = rule;
  return absl::OkStatus();
}

AccessModes Policy::GrantedModes(absl::string_view path) const {
  AccessModes allow = 0;
  AccessModes deny = 0;
  for (absl::string_view prefix = path; !prefix.empty();) {
    if (auto it = paths_.find(std::string(prefix)); it != paths_.end()) {
      allow |= it->second.allow;
      deny |= it->second.deny;
    }
    const size_t slash = prefix.rfind('/');
    if (prefix == "/" || slash == absl::string_view::npos) break;
    prefix = slash == 0 ? absl::string_view("/") : prefix.substr(0, slash);
  }
  return allow & ~deny;
}

}  // namespace cvlsm
