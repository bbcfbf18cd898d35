// containerv_policy_*: thin wrappers over cvlsm::Policy.
#include <cerrno>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "capi/api_error.h"
#include "capi/fs_access.h"
#include "capi/handles.h"
#include "chef/containerv/policy.h"
#include "policy/access_mode.h"
#include "policy/policy.h"

namespace {

using cvlsm::capi::Fail;
using cvlsm::capi::FailErrno;
using cvlsm::capi::Guarded;

bool ToModes(enum containerv_fs_access access, cvlsm::AccessModes* modes) {
  return access != 0 && cvlsm::capi::FsAccessToModes(static_cast<unsigned>(access), modes);
}

// Applies `add` to each element of a NULL-terminated array on a copy, so a bad element
// leaves the policy as it was.
template <typename Add>
int ForEach(containerv_policy* policy, const char* const* items, Add add) {
  if (!policy || !policy->policy || !items) return FailErrno(EINVAL, "NULL argument");
  cvlsm::Policy copy = *policy->policy;
  for (const char* const* item = items; *item; ++item) {
    if (absl::Status status = add(copy, *item); !status.ok()) return Fail(status);
  }
  *policy->policy = std::move(copy);
  return 0;
}

int PathRules(containerv_policy* policy, const char* const* paths, enum containerv_fs_access access,
              bool deny) {
  cvlsm::AccessModes modes = 0;
  if (!ToModes(access, &modes)) {
    return FailErrno(EINVAL, absl::StrCat("invalid access mode ", static_cast<int>(access)));
  }
  return ForEach(policy, paths, [&](cvlsm::Policy& target, const char* path) {
    return deny ? target.DenyPath(path, modes) : target.AddPath(path, modes);
  });
}

// The direction and action a containerv_net_rule names; false for a value it has none of.
bool ToNetRuleKind(enum containerv_net_rule kind, cvlsm::NetDirection* direction, bool* deny) {
  switch (kind) {
    case CV_NET_ALLOW_CONNECT:
    case CV_NET_DENY_CONNECT:
      *direction = cvlsm::NetDirection::kConnect;
      *deny = kind == CV_NET_DENY_CONNECT;
      return true;
    case CV_NET_ALLOW_BIND:
    case CV_NET_DENY_BIND:
      *direction = cvlsm::NetDirection::kBind;
      *deny = kind == CV_NET_DENY_BIND;
      return true;
  }
  return false;
}

}  // namespace

extern "C" {

struct containerv_policy* containerv_policy_new(enum containerv_policy_type type) {
  cvlsm::PolicyType preset;
  switch (type) {
    case CV_POLICY_MINIMAL:
      preset = cvlsm::PolicyType::kMinimal;
      break;
    case CV_POLICY_BUILD:
      preset = cvlsm::PolicyType::kBuild;
      break;
    case CV_POLICY_NETWORK:
      preset = cvlsm::PolicyType::kNetwork;
      break;
    case CV_POLICY_CUSTOM:
      preset = cvlsm::PolicyType::kCustom;
      break;
    default:
      FailErrno(EINVAL, absl::StrCat("unknown policy type ", static_cast<int>(type)));
      return nullptr;
  }
  containerv_policy* result = nullptr;
  Guarded([&] {
    auto handle = std::make_unique<containerv_policy>();
    handle->policy = std::make_shared<cvlsm::Policy>(cvlsm::Policy::Preset(preset));
    result = handle.release();
    return 0;
  });
  return result;
}

void containerv_policy_delete(struct containerv_policy* policy) { delete policy; }

int containerv_policy_add_syscall(struct containerv_policy* policy, const char* syscall) {
  if (!syscall) return FailErrno(EINVAL, "NULL argument");
  const char* const names[] = {syscall, nullptr};
  return containerv_policy_add_syscalls(policy, names);
}

int containerv_policy_add_syscalls(struct containerv_policy* policy, const char* const* syscalls) {
  return Guarded([&] {
    return ForEach(policy, syscalls,
                   [](cvlsm::Policy& target, const char* name) { return target.AddSyscall(name); });
  });
}

int containerv_policy_add_path(struct containerv_policy* policy, const char* path,
                               enum containerv_fs_access access) {
  if (!path) return FailErrno(EINVAL, "NULL argument");
  const char* const paths[] = {path, nullptr};
  return containerv_policy_add_paths(policy, paths, access);
}

int containerv_policy_add_paths(struct containerv_policy* policy, const char* const* paths,
                                enum containerv_fs_access access) {
  return Guarded([&] { return PathRules(policy, paths, access, /*deny=*/false); });
}

int containerv_policy_deny_path(struct containerv_policy* policy, const char* path,
                                enum containerv_fs_access access) {
  if (!path) return FailErrno(EINVAL, "NULL argument");
  const char* const paths[] = {path, nullptr};
  return containerv_policy_deny_paths(policy, paths, access);
}

int containerv_policy_deny_paths(struct containerv_policy* policy, const char* const* paths,
                                 enum containerv_fs_access access) {
  return Guarded([&] { return PathRules(policy, paths, access, /*deny=*/true); });
}

int containerv_policy_add_net_rule(struct containerv_policy* policy, enum containerv_net_rule kind,
                                   const char* rule) {
  if (!rule) return FailErrno(EINVAL, "NULL argument");
  const char* const rules[] = {rule, nullptr};
  return containerv_policy_add_net_rules(policy, kind, rules);
}

int containerv_policy_add_net_rules(struct containerv_policy* policy, enum containerv_net_rule kind,
                                    const char* const* rules) {
  return Guarded([&] {
    cvlsm::NetDirection direction;
    bool deny = false;
    if (!ToNetRuleKind(kind, &direction, &deny)) {
      return FailErrno(EINVAL, absl::StrCat("unknown network rule kind ", static_cast<int>(kind)));
    }
    return ForEach(policy, rules, [&](cvlsm::Policy& target, const char* text) {
      return target.AddNetRuleText(direction, deny, text);
    });
  });
}

}  // extern "C"
