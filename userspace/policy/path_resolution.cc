#include "policy/path_resolution.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/fd_limit.h"
#include "common/log.h"
#include "common/open_in_root.h"
#include "common/status_macros.h"
#include "policy/net_defaults.h"

namespace cvlsm {

namespace {

ObjectId IdentityOf(const struct stat& st, std::shared_ptr<UniqueFd> pin) {
  return ObjectId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                  std::move(pin)};
}

class StatObjectIdentifier : public ObjectIdentifier {
 public:
  absl::StatusOr<ObjectId> Identify(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return ErrnoError(errno, absl::StrCat("stat ", path));
    return IdentityOf(st, nullptr);
  }
};

class OpenPathObjectIdentifier : public ObjectIdentifier {
 public:
  bool PinsObjects() const override { return true; }
  absl::StatusOr<ObjectId> Identify(const std::string& path) override {
    auto pin = std::make_shared<UniqueFd>(::open(path.c_str(), O_PATH | O_CLOEXEC));
    if (!pin->valid()) return ErrnoError(errno, absl::StrCat("open ", path));
    struct stat st {};
    if (::fstat(pin->get(), &st) != 0) return ErrnoError(errno, absl::StrCat("stat ", path));
    return IdentityOf(st, std::move(pin));
  }
};

}  // namespace

absl::StatusOr<RootedPathIdentifier> RootedPathIdentifier::Open(const std::string& root) {
  UniqueFd fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    return ErrnoError(errno, absl::StrCat("open root directory ", root),
                      "rule paths are resolved inside it: it must be an existing directory");
  }
  return RootedPathIdentifier(std::move(fd), root);
}

absl::StatusOr<ObjectId> RootedPathIdentifier::Identify(const std::string& path) {
  ASSIGN_OR_RETURN(UniqueFd opened, OpenInRoot(root_.get(), path, O_PATH, root_name_));
  auto pin = std::make_shared<UniqueFd>(std::move(opened));
  struct stat st {};
  if (::fstat(pin->get(), &st) != 0) {
    return ErrnoError(errno, absl::StrCat("stat ", path, " in ", root_name_));
  }
  return IdentityOf(st, std::move(pin));
}

absl::StatusOr<ObjectIdentifier*> OpenerForRoot(const std::string& root,
                                                std::unique_ptr<ObjectIdentifier>& holder) {
  if (root.empty() || root == "/") return &OpenPathIdentifier();
  ASSIGN_OR_RETURN(RootedPathIdentifier rooted, RootedPathIdentifier::Open(root));
  holder = std::make_unique<RootedPathIdentifier>(std::move(rooted));
  return holder.get();
}

bool IsProcSelfRule(const std::string& path) {
  return path == "/proc/self" || path == "/proc/thread-self";
}

ObjectIdentifier& OpenPathIdentifier() {
  static OpenPathObjectIdentifier identifier;
  return identifier;
}

ObjectIdentifier& StatIdentifier() {
  static StatObjectIdentifier identifier;
  return identifier;
}

absl::StatusOr<ResolvedPolicy> ResolvePathRules(const Policy& policy,
                                                ObjectIdentifier& identifier) {
  ResolvedPolicy resolved;
  if (identifier.PinsObjects()) {
    RETURN_IF_ERROR(EnsureDescriptorRoom(policy.paths().size()));
  }

  for (const auto& [path, modes] : policy.paths()) {
    if (IsProcSelfRule(path)) {
      resolved.proc_self_modes |= modes.allow & ~modes.deny;
      continue;
    }
    absl::StatusOr<ObjectId> object = identifier.Identify(path);
    if (!object.ok()) {
      bool missing = object.status().code() == absl::StatusCode::kNotFound;
      if (!modes.required && missing) {
        LogDebug("policy", absl::StrCat("preset path ", path, " does not exist here: skipped"));
        continue;
      }
      return WithRemedy(
          Annotate(object.status(), absl::StrCat("path rule '", path, "' cannot be resolved")),
          missing ? "create the path or remove the rule" : RemedyOf(object.status()));
    }
    resolved.rules.push_back({path, *std::move(object), modes});
  }
  resolved.network = NetworkRulesOf(policy);
  return MergeRulesOnSameObject(std::move(resolved));
}

ResolvedPolicy MergeRulesOnSameObject(ResolvedPolicy rules) {
  ResolvedPolicy merged;
  merged.proc_self_modes = rules.proc_self_modes;
  merged.keyed_by_kernel_inode = rules.keyed_by_kernel_inode;
  merged.network = std::move(rules.network);
  std::map<std::pair<uint64_t, uint64_t>, size_t> index_by_object;
  for (ResolvedPathRule& rule : rules.rules) {
    auto [it, inserted] = index_by_object.emplace(
        std::make_pair(rule.object.space, rule.object.key), merged.rules.size());
    if (rule.modes.deny) merged.has_deny_rules = true;
    if (inserted) {
      merged.rules.push_back(std::move(rule));
      continue;
    }
    PathModes& modes = merged.rules[it->second].modes;
    modes.allow |= rule.modes.allow;
    modes.deny |= rule.modes.deny;
    modes.required |= rule.modes.required;
  }
  return merged;
}

}  // namespace cvlsm
