#include "cli/policy_choice.h"

#include "absl/strings/str_cat.h"
#include "cli/cli_options.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "policy/policy_file.h"

namespace cvlsm::cli {
namespace {

// The policy file's, or the preset's; --allow, --deny and --allow-syscall add to either.
absl::StatusOr<PolicyDocument> BaseDocument(const PolicyChoice& options) {
  if (options.file.empty()) {
    ASSIGN_OR_RETURN(PolicyType type, ParsePolicyType(options.preset));
    PolicyDocument document;
    document.name = options.preset;
    document.policy = Policy::Preset(type);
    return document;
  }
  return LoadPolicyFile(options.file);
}

absl::Status AddNetRules(const NetRuleOptions& net, Policy& policy) {
  struct Flag {
    const char* name;
    const std::vector<std::string>& rules;
    NetDirection direction;
    bool deny;
  };
  for (const Flag& flag :
       {Flag{"--allow-connect", net.allow_connect, NetDirection::kConnect, false},
        Flag{"--deny-connect", net.deny_connect, NetDirection::kConnect, true},
        Flag{"--allow-bind", net.allow_bind, NetDirection::kBind, false},
        Flag{"--deny-bind", net.deny_bind, NetDirection::kBind, true}}) {
    for (const std::string& text : flag.rules) {
      absl::Status added = policy.AddNetRuleText(flag.direction, flag.deny, text);
      if (!added.ok()) return Annotate(added, flag.name);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PolicyDocument> BuildPolicy(const PolicyChoice& options) {
  ASSIGN_OR_RETURN(PolicyDocument document, BaseDocument(options));
  if (options.audit) document.mode = PolicyMode::kAudit;
  Policy& policy = document.policy;
  for (bool deny : {false, true}) {
    for (const std::string& rule : deny ? options.deny_paths : options.allow_paths) {
      auto parts = SplitPathRule(rule);
      if (!parts.ok()) return parts.status();
      absl::StatusOr<AccessModes> modes = ParseAccessModes(parts->second);
      if (!modes.ok()) {
        return Annotate(modes.status(), absl::StrCat(deny ? "--deny " : "--allow ", rule));
      }
      absl::Status status =
          deny ? policy.DenyPath(parts->first, *modes) : policy.AddPath(parts->first, *modes);
      if (!status.ok()) return status;
    }
  }
  for (const std::string& name : options.allow_syscalls) {
    RETURN_IF_ERROR(policy.AddSyscall(name));
  }
  RETURN_IF_ERROR(AddNetRules(options.net, policy));
  return document;
}

}  // namespace cvlsm::cli
