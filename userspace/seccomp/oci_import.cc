#include "seccomp/oci_import.h"

#include <cerrno>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "policy/syscall_names.h"
#include "seccomp/syscall_filter.h"

namespace cvlsm {
namespace {

bool IsRefusal(OciAction action) {
  switch (action) {
    case OciAction::kErrno:
    case OciAction::kKill:
    case OciAction::kKillThread:
    case OciAction::kKillProcess:
    case OciAction::kTrap:
      return true;
    default:
      return false;
  }
}

// "SCMP_ACT_ERRNO (errno 38)"; the errno only where the action returns one.
std::string ActionText(OciAction action, std::optional<uint32_t> errno_ret) {
  if (action != OciAction::kErrno && action != OciAction::kTrace) {
    return std::string(OciActionName(action));
  }
  return absl::StrCat(OciActionName(action), " (errno ", errno_ret.value_or(EPERM), ")");
}

// "syscalls[0] (accept, accept4, access, ... 361 names)".
std::string EntryLabel(size_t index, const OciSyscallEntry& entry) {
  constexpr size_t kShown = 4;
  std::string names;
  if (entry.names.size() <= kShown) {
    names = absl::StrJoin(entry.names, ", ");
  } else {
    std::vector<std::string> first(entry.names.begin(), entry.names.begin() + kShown - 1);
    names = absl::StrCat(absl::StrJoin(first, ", "), ", ... ", entry.names.size(), " names");
  }
  return absl::StrCat("syscalls[", index, "] (", names, ")");
}

std::string ConditionsText(const OciConditions& conditions) {
  std::vector<std::string> parts;
  if (!conditions.arches.empty()) {
    parts.push_back(absl::StrCat("arches ", absl::StrJoin(conditions.arches, ", ")));
  }
  if (!conditions.caps.empty()) {
    parts.push_back(absl::StrCat("caps ", absl::StrJoin(conditions.caps, ", ")));
  }
  if (conditions.min_kernel) {
    parts.push_back(absl::StrCat("minKernel ", conditions.min_kernel->kernel, ".",
                                 conditions.min_kernel->major));
  }
  return absl::StrJoin(parts, "; ");
}

std::string ArgsText(const std::vector<OciSeccompArg>& args) {
  std::vector<std::string> parts;
  for (const OciSeccompArg& arg : args) {
    std::string text =
        absl::StrCat("arg", arg.index, " ", OciArgOpName(arg.op), " 0x", absl::Hex(arg.value));
    if (arg.op == OciArgOp::kMaskedEqual)
      absl::StrAppend(&text, " == 0x", absl::Hex(arg.value_two));
    parts.push_back(std::move(text));
  }
  return absl::StrJoin(parts, ", ");
}

class Importer {
 public:
  Importer(const OciSeccompProfile& profile, const OciTarget& target)
      : profile_(profile), target_(target) {}

  absl::Status Run(OciImport& out) {
    Policy& policy = out.document.policy;
    RETURN_IF_ERROR(DefaultAction());
    ProfileLevelFields();
    for (size_t i = 0; i < profile_.syscalls.size(); ++i) Entry(i, policy);
    Summaries(policy);
    out.notes = std::move(notes_);
    return absl::OkStatus();
  }

 private:
  void Note(std::string text) { notes_.push_back(std::move(text)); }

  absl::Status DefaultAction() {
    const OciAction action = profile_.default_action;
    const std::string text = ActionText(action, profile_.default_errno_ret);
    switch (action) {
      case OciAction::kAllow:
      case OciAction::kLog:
        return absl::FailedPreconditionError(absl::StrCat(
            "defaultAction ", text,
            " allows every syscall the entries do not name: the profile is a deny-list, and a "
            "cv-lsm policy is an allow-list; nothing imported (write the policy from the "
            "syscalls the workload needs instead)"));
      case OciAction::kErrno:
        if (profile_.default_errno_ret.value_or(EPERM) != EPERM) {
          Note(absl::StrCat("defaultAction ", text, ": cv-lsm refuses with EPERM (errno 1)"));
        }
        break;
      case OciAction::kTrace:
      case OciAction::kNotify:
        Note(absl::StrCat("defaultAction ", text,
                          ": no tracer or supervisor decides in cv-lsm; refused with EPERM"));
        break;
      default:
        Note(absl::StrCat("defaultAction ", text,
                          ": cv-lsm refuses with EPERM instead (the process is not killed or "
                          "signalled)"));
    }
    if (profile_.default_errno_ret && action != OciAction::kErrno && action != OciAction::kTrace) {
      Note(absl::StrCat("defaultErrnoRet ", *profile_.default_errno_ret, ": ignored with ", text,
                        ", as Docker does"));
    }
    return absl::OkStatus();
  }

  void ProfileLevelFields() {
    const std::string native(OciScmpArch(target_.arch));
    std::vector<std::string> other_arches;
    for (const std::string& arch : profile_.architectures) {
      if (arch != native) other_arches.push_back(arch);
    }
    for (const OciArchMapEntry& entry : profile_.arch_map) {
      if (entry.architecture != native) {
        other_arches.push_back(entry.architecture);
        continue;
      }
      other_arches.insert(other_arches.end(), entry.sub_architectures.begin(),
                          entry.sub_architectures.end());
    }
    if (!other_arches.empty()) {
      Note(absl::StrCat("architectures ", absl::StrJoin(other_arches, ", "),
                        ": not imported; the policy is for ", target_.arch, " (", native,
                        ") only, and cv-lsm's filter kills a process that uses another ABI"));
    }
    for (const std::string& flag : profile_.flags) {
      Note(absl::StrCat("flags ", flag,
                        ": not expressible; cv-lsm installs its filter its own "
                        "way"));
    }
    if (!profile_.listener_path.empty() || !profile_.listener_metadata.empty()) {
      Note("listenerPath/listenerMetadata: user-space notification is not supported; ignored");
    }
    for (const std::string& field : profile_.ignored_fields) {
      Note(absl::StrCat(field, ": unknown field, ignored (as Docker does)"));
    }
  }

  void AddNames(const OciSyscallEntry& entry, Policy& policy, const std::string& label) {
    for (const std::string& name : entry.names) {
      if (!CheckSyscallName(name).ok()) {
        unknown_.insert(name);
      } else if (!IsNativeSyscall(name)) {
        other_abi_.insert(name);
      } else {
        (void)policy.AddSyscall(name);  // checked above
        allowed_by_.try_emplace(name, label);
      }
    }
  }

  void Entry(size_t index, Policy& policy) {
    const OciSyscallEntry& entry = profile_.syscalls[index];
    const std::string label = EntryLabel(index, entry);
    const std::string includes = ConditionsText(entry.includes);
    const std::string excludes = ConditionsText(entry.excludes);
    const bool selected = OciEntrySelected(entry, target_);
    if (!includes.empty() || !excludes.empty()) {
      std::string conditions;
      if (!includes.empty()) conditions = absl::StrCat("includes ", includes);
      if (!excludes.empty()) {
        absl::StrAppend(&conditions, conditions.empty() ? "" : "; ", "excludes ", excludes);
      }
      const bool docker_caps = target_.capabilities == DockerDefaultCapabilities();
      Note(absl::StrCat(label, ": ", conditions, ": decided for ", target_.arch, " with ",
                        docker_caps ? "Docker's default capabilities" : "the given capabilities",
                        " and kernel ", target_.kernel.kernel, ".", target_.kernel.major, ": ",
                        selected ? "applies" : "does not apply, left out"));
    }
    if (!selected) return;

    const std::string action = ActionText(entry.action, entry.errno_ret);
    if (entry.errno_ret && entry.action != OciAction::kErrno && entry.action != OciAction::kTrace) {
      Note(absl::StrCat(label, ": errnoRet ", *entry.errno_ret, " is ignored with ", action,
                        ", as Docker does"));
    }
    if (entry.action == OciAction::kAllow || entry.action == OciAction::kLog) {
      if (!entry.args.empty()) {
        Note(absl::StrCat(label, ": argument conditions (", ArgsText(entry.args),
                          ") cannot be expressed: allowed for any arguments, wider than the "
                          "profile"));
      }
      if (entry.action == OciAction::kLog) {
        Note(absl::StrCat(label, ": SCMP_ACT_LOG: allowed, but cv-lsm does not log it"));
      }
      AddNames(entry, policy, label);
      return;
    }
    if (IsRefusal(entry.action)) {
      const bool same_as_default =
          entry.action == OciAction::kErrno && entry.errno_ret.value_or(EPERM) == EPERM;
      // Docker's clone3 -> ENOSYS (so glibc falls back to clone) is built into cv-lsm.
      const bool clone3_enosys = entry.names == std::vector<std::string>{"clone3"} &&
                                 entry.action == OciAction::kErrno &&
                                 entry.errno_ret == static_cast<uint32_t>(ENOSYS);
      if (clone3_enosys) {
        Note(absl::StrCat(label, ": ", action,
                          ": cv-lsm's filter answers clone3 with ENOSYS itself where clone is "
                          "allowed, and with EPERM where it is not"));
      } else if (!same_as_default) {
        Note(absl::StrCat(label, ": ", action, ": cv-lsm refuses with EPERM instead"));
      }
      if (!entry.args.empty()) {
        Note(absl::StrCat(label, ": a refusal under argument conditions (", ArgsText(entry.args),
                          ") cannot be expressed; refused only if no other entry allows it"));
      }
    } else {
      Note(absl::StrCat(label, ": ", action,
                        ": no tracer or supervisor decides in cv-lsm; refused with EPERM"));
    }
    for (const std::string& name : entry.names) refused_.emplace_back(name, label);
  }

  void Summaries(const Policy& policy) {
    for (const auto& [name, label] : refused_) {
      if (auto it = allowed_by_.find(name); it != allowed_by_.end()) {
        Note(absl::StrCat(label, ": refuses ", name, ", which ", it->second,
                          " allows: allowed (an allow-list cannot refuse part of a syscall)"));
      }
    }
    if (!other_abi_.empty()) {
      Note(
          absl::StrCat(other_abi_.size(), " syscall names are not syscalls of ", target_.arch,
                       " (they exist on other ABIs): left out: ", absl::StrJoin(other_abi_, ", ")));
    }
    if (!unknown_.empty()) {
      Note(absl::StrCat(unknown_.size(),
                        " syscall names are unknown to this libseccomp (newer, or misspelt): "
                        "left out: ",
                        absl::StrJoin(unknown_, ", ")));
    }
    for (const AlwaysBlocked& blocked : AlwaysBlockedSyscalls()) {
      if (policy.syscalls().contains(std::string(blocked.name))) {
        Note(absl::StrCat(blocked.name,
                          ": allowed by the profile, but cv-lsm refuses it "
                          "whatever a policy says (",
                          blocked.reason, ")"));
      }
    }
  }

  const OciSeccompProfile& profile_;
  const OciTarget& target_;
  std::vector<std::string> notes_;
  std::map<std::string, std::string> allowed_by_;             // syscall -> first entry allowing it
  std::vector<std::pair<std::string, std::string>> refused_;  // syscall, entry
  std::set<std::string> other_abi_;
  std::set<std::string> unknown_;
};

}  // namespace

absl::StatusOr<OciImport> ImportOciProfile(const OciSeccompProfile& profile, absl::string_view name,
                                           const OciTarget& target) {
  if (target.arch != NativeOciArch()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "importing for architecture '", target.arch, "' on a ", NativeOciArch(),
        " machine: the import checks names against this machine's syscall table; run it on "
        "the machine the policy is for"));
  }
  OciImport out;
  out.document.name = std::string(name);
  RETURN_IF_ERROR(Importer(profile, target).Run(out));
  return out;
}

}  // namespace cvlsm
