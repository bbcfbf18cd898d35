#include "testing/oci_compiler.h"

#include <linux/seccomp.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "seccomp/libseccomp_context.h"

namespace cvlsm {
namespace {

struct Action {
  bool supported = true;
  uint32_t value = 0;
};

// As runc maps them: ERRNO and TRACE default to EPERM, KILL is the thread.
Action ToScmpAction(OciAction action, std::optional<uint32_t> errno_ret) {
  switch (action) {
    case OciAction::kAllow:
      return {true, SCMP_ACT_ALLOW};
    case OciAction::kErrno:
      return {true, SCMP_ACT_ERRNO(errno_ret.value_or(EPERM))};
    case OciAction::kKill:
    case OciAction::kKillThread:
      return {true, SCMP_ACT_KILL_THREAD};
    case OciAction::kKillProcess:
      return {true, SCMP_ACT_KILL_PROCESS};
    case OciAction::kTrap:
      return {true, SCMP_ACT_TRAP};
    case OciAction::kTrace:
      return {true, SCMP_ACT_TRACE(errno_ret.value_or(EPERM))};
    case OciAction::kLog:
      return {true, SCMP_ACT_LOG};
    case OciAction::kNotify:
      return {false, 0};
  }
  return {false, 0};
}

bool UsesErrnoRet(OciAction action) {
  return action == OciAction::kErrno || action == OciAction::kTrace;
}

// The kernel (and libseccomp) take errno values up to MAX_ERRNO only.
constexpr uint32_t kMaxErrno = 4095;

absl::Status CheckErrnoRet(OciAction action, std::optional<uint32_t> errno_ret,
                           absl::string_view where) {
  if (action != OciAction::kErrno || !errno_ret || *errno_ret <= kMaxErrno) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "seccomp profile: ", where, ": errno ", *errno_ret, " is larger than the kernel's largest (",
      kMaxErrno, "); use an errno value such as 1 (EPERM) or 38 (ENOSYS)"));
}

scmp_compare ToScmpCompare(OciArgOp op) {
  switch (op) {
    case OciArgOp::kNotEqual:
      return SCMP_CMP_NE;
    case OciArgOp::kLessThan:
      return SCMP_CMP_LT;
    case OciArgOp::kLessEqual:
      return SCMP_CMP_LE;
    case OciArgOp::kEqual:
      return SCMP_CMP_EQ;
    case OciArgOp::kGreaterEqual:
      return SCMP_CMP_GE;
    case OciArgOp::kGreaterThan:
      return SCMP_CMP_GT;
    case OciArgOp::kMaskedEqual:
      return SCMP_CMP_MASKED_EQ;
  }
  return _SCMP_CMP_MIN;
}

absl::Status AddArchitectures(scmp_filter_ctx ctx, const OciSeccompProfile& profile,
                              const OciCompileOptions& options, OciCompiledFilter& out) {
  std::vector<std::string> wanted = profile.architectures;
  if (!profile.arch_map.empty()) {
    const absl::string_view native = OciScmpArch(options.arch);
    for (const OciArchMapEntry& entry : profile.arch_map) {
      if (native.empty() || entry.architecture != native) continue;
      wanted.push_back(entry.architecture);
      wanted.insert(wanted.end(), entry.sub_architectures.begin(), entry.sub_architectures.end());
      break;
    }
  }
  for (const std::string& name : wanted) {
    // libseccomp's names are the profile's without the prefix, in lower case.
    std::string token_name = absl::AsciiStrToLower(name);
    if (absl::StartsWith(token_name, "scmp_arch_")) token_name.erase(0, 10);
    const uint32_t token = seccomp_arch_resolve_name(token_name.c_str());
    if (token == 0) {
      out.warnings.push_back(absl::StrCat("architecture ", name,
                                          " is unknown to this libseccomp: left out of the "
                                          "filter (its syscalls get the bad-arch action)"));
      continue;
    }
    const int rc = seccomp_arch_add(ctx, token);
    if (rc < 0 && rc != -EEXIST) {
      return LibseccompError(rc, absl::StrCat("adding architecture ", name));
    }
    out.architectures.push_back(name);
  }
  if (out.architectures.empty()) out.architectures.push_back("native");
  return absl::OkStatus();
}

absl::Status AddInstallFlags(const OciSeccompProfile& profile, unsigned int& flags,
                             OciCompiledFilter& out) {
  for (const std::string& flag : profile.flags) {
    if (flag == "SECCOMP_FILTER_FLAG_TSYNC") continue;  // a launcher is single-threaded
    if (flag == "SECCOMP_FILTER_FLAG_LOG") {
      flags |= SECCOMP_FILTER_FLAG_LOG;
    } else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") {
      flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    } else {
      out.warnings.push_back(absl::StrCat("flag ", flag, " is not supported: ignored"));
    }
  }
  if (!profile.listener_path.empty()) {
    out.warnings.push_back(absl::StrCat("listenerPath ", profile.listener_path,
                                        ": user-space notification is not supported; "
                                        "SCMP_ACT_NOTIFY entries are left out"));
  }
  return absl::OkStatus();
}

// runc's rule shape: all conditions in one rule (they must all hold), unless two of them
// test the same argument, then one rule per condition (any may hold).
absl::Status AddEntryRules(scmp_filter_ctx ctx, const OciSyscallEntry& entry, uint32_t action,
                           int nr, absl::string_view name, absl::string_view where,
                           OciCompiledFilter& out) {
  std::vector<scmp_arg_cmp> conds;
  int per_index[6] = {};
  bool repeated = false;
  for (const OciSeccompArg& arg : entry.args) {
    conds.push_back({.arg = arg.index,
                     .op = ToScmpCompare(arg.op),
                     .datum_a = arg.value,
                     .datum_b = arg.value_two});
    repeated = repeated || ++per_index[arg.index] > 1;
  }
  auto add = [&](const scmp_arg_cmp* first, size_t count) -> absl::Status {
    const int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned int>(count), first);
    if (rc < 0) {
      return LibseccompError(rc, absl::StrCat(where, ": adding the ", OciActionName(entry.action),
                                              " rule for syscall '", name, "'"));
    }
    ++out.rules_added;
    return absl::OkStatus();
  };
  if (!repeated) return add(conds.data(), conds.size());
  for (const scmp_arg_cmp& cond : conds) {
    RETURN_IF_ERROR(add(&cond, 1));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<OciCompiledFilter> CompileOciProfile(const OciSeccompProfile& profile,
                                                    const OciCompileOptions& options) {
  OciCompiledFilter out;
  RETURN_IF_ERROR(
      CheckErrnoRet(profile.default_action, profile.default_errno_ret, "defaultErrnoRet"));
  const Action default_action = ToScmpAction(profile.default_action, profile.default_errno_ret);
  if (!default_action.supported) {
    return absl::InvalidArgumentError(
        absl::StrCat("seccomp profile: defaultAction ", OciActionName(profile.default_action),
                     " is not supported (no user-space notification); use e.g. SCMP_ACT_ERRNO"));
  }
  if (profile.default_errno_ret && !UsesErrnoRet(profile.default_action)) {
    out.warnings.push_back(absl::StrCat("defaultErrnoRet is ignored with defaultAction ",
                                        OciActionName(profile.default_action)));
  }
  ScmpContext owned_ctx(seccomp_init(default_action.value));
  if (owned_ctx == nullptr) return LibseccompError(-ENOMEM, "seccomp_init");
  scmp_filter_ctx ctx = owned_ctx.get();
  // The launcher sets no_new_privs itself; only the program is exported.
  RETURN_IF_ERROR(SetScmpAttribute(ctx, SCMP_FLTATR_CTL_NNP, 0, "SCMP_FLTATR_CTL_NNP"));
  RETURN_IF_ERROR(SetScmpOptimize(ctx, options.optimize));
  RETURN_IF_ERROR(AddArchitectures(ctx, profile, options, out));
  unsigned int install_flags = 0;
  RETURN_IF_ERROR(AddInstallFlags(profile, install_flags, out));

  std::set<std::string> unknown;
  for (size_t i = 0; i < profile.syscalls.size(); ++i) {
    const OciSyscallEntry& entry = profile.syscalls[i];
    const std::string where = absl::StrCat("syscalls[", i, "]");
    if (!OciEntrySelected(entry, options)) {
      ++out.entries_skipped;
      continue;
    }
    ++out.entries_used;
    RETURN_IF_ERROR(CheckErrnoRet(entry.action, entry.errno_ret, where));
    const Action action = ToScmpAction(entry.action, entry.errno_ret);
    if (!action.supported) {
      out.warnings.push_back(absl::StrCat(where, " (", absl::StrJoin(entry.names, ", "),
                                          "): ", OciActionName(entry.action),
                                          " is not supported: entry left out"));
      continue;
    }
    if (entry.errno_ret && !UsesErrnoRet(entry.action)) {
      out.warnings.push_back(
          absl::StrCat(where, ": errnoRet is ignored with ", OciActionName(entry.action)));
    }
    // libseccomp refuses a rule that repeats the default action; runc drops it too.
    if (action.value == default_action.value) continue;
    for (const std::string& name : entry.names) {
      // Names of other ABIs resolve to negative pseudo numbers that libseccomp maps per
      // architecture; only names it does not know at all are skipped.
      const int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) {
        if (unknown.insert(name).second) out.unknown_syscalls.push_back(name);
        continue;
      }
      RETURN_IF_ERROR(AddEntryRules(ctx, entry, action.value, nr, name, where, out));
    }
  }

  ASSIGN_OR_RETURN(SeccompProgram program, ExportScmpProgram(ctx, install_flags));
  out.program = std::move(program);
  return out;
}

}  // namespace cvlsm
