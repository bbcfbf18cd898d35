#include "explain/remedy.h"

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "policy/syscall_names.h"
#include "seccomp/syscall_filter.h"

namespace cvlsm {
namespace {

Remedy Fixed(absl::string_view why) {
  return {false, absl::StrCat("refused whatever the policy says: ", why)};
}

// The syscalls the filter checks by their arguments, whatever the policy lists.
bool CheckedByArguments(absl::string_view name) {
  return name == "ioctl" || name == "clone" || name == "unshare" || name == "socket" ||
         name == "socketpair";
}

// A syscall the policy lists but the filter refused: by its arguments, which no policy lifts
// (or only the network rules do).
Remedy RefusedByArguments(absl::string_view name) {
  if (name == "ioctl") {
    return Fixed(
        "TIOCSTI and TIOCLINUX inject input into, or reprogram, a shared terminal; FIOSETOWN "
        "and SIOCSPGRP set a signal owner through memory the process could change");
  }
  if (name == "clone" || name == "unshare") {
    return Fixed("new namespaces (CLONE_NEW* flags) change what the rules refer to");
  }
  if (name == "socket" || name == "socketpair") {
    return {true,
            "a socket family or protocol the policy does not allow: its network rules decide "
            "(--allow-connect, --allow-bind; \"network\" in a policy file)"};
  }
  return Fixed(absl::StrCat(name, " with these arguments"));
}

}  // namespace

bool RefusedWhateverItLists(int syscall_nr) {
  const std::string name = NativeSyscallName(syscall_nr);
  return name.empty() || CheckedByArguments(name) ||
         std::any_of(AlwaysBlockedSyscalls().begin(), AlwaysBlockedSyscalls().end(),
                     [&](const AlwaysBlocked& blocked) { return blocked.name == name; });
}

namespace {

Remedy ForSyscall(int nr, const Policy* policy) {
  const std::string name = NativeSyscallName(nr);
  if (name.empty()) return Fixed(absl::StrCat("syscall ", nr, " is unknown to libseccomp"));
  for (const AlwaysBlocked& blocked : AlwaysBlockedSyscalls()) {
    if (blocked.name == name) return Fixed(blocked.reason);
  }
  if (policy && policy->syscalls().contains(name)) {
    if (CheckedByArguments(name)) return RefusedByArguments(name);
    return {true, absl::StrCat("this policy lists ", name, ": another one refused it")};
  }
  // clone3 answers ENOSYS wherever clone is allowed, and libc then uses clone.
  if (name == "clone3") return {true, "--allow-syscall clone"};
  return {true, absl::StrCat("--allow-syscall ", name)};
}

// The deny rule (matched by name, as Policy::GrantedModes does) that takes `modes` away on
// `path` or above it; empty when there is none.
std::string DenyRuleOn(const Policy& policy, const std::string& path, AccessModes modes) {
  for (std::string prefix = path; !prefix.empty();) {
    if (auto it = policy.paths().find(prefix);
        it != policy.paths().end() && (it->second.deny & modes) != 0) {
      return absl::StrCat(prefix, ":", FormatAccessModes(it->second.deny));
    }
    if (prefix == "/") break;
    const size_t slash = prefix.rfind('/');
    prefix = slash == 0 ? "/" : prefix.substr(0, slash);
  }
  return "";
}

Remedy ForPath(const Event& event, const Policy* policy) {
  if (event.no_path) {
    return Fixed(absl::StrCat(event.object_name.empty() ? "an object" : event.object_name,
                              " has no path a rule could name (a memfd, a pipe)"));
  }
  const AccessModes modes = event.requested ? event.requested : kRead;
  if (event.truncated) {
    return {true, absl::StrCat("--allow DIR:", ModesOption(modes),
                               " on a directory above it (its path, deeper than the record "
                               "holds, was cut short: ...",
                               event.path, ")")};
  }
  if (policy) {
    if (std::string deny = DenyRuleOn(*policy, event.path, modes); !deny.empty()) {
      return {true,
              absl::StrCat("the deny rule '", deny, "' takes it away: remove or narrow that rule")};
    }
  }
  return {true, absl::StrCat("--allow ", event.path, ":", ModesOption(modes))};
}

// "tcp:10.0.0.1:443", "udp:[fd00::1]:53", "icmp:10.0.0.1".
std::string NetTarget(const Event& event) {
  std::string host = event.ipv6 ? absl::StrCat("[", event.address, "]") : event.address;
  if (event.protocol == "icmp") return absl::StrCat("icmp:", host);
  return absl::StrCat(event.protocol, ":", host, ":", event.port);
}

}  // namespace

std::string ModesOption(AccessModes modes) {
  std::string text;
  if (modes & kRead) text += 'r';
  if (modes & kWrite) text += 'w';
  if (modes & kExec) text += 'x';
  return text;
}

Event SyscallRefusalEvent(int syscall_nr, uint32_t pid, const std::string& comm, bool audit) {
  Event event;
  event.hook = CVLSM_HOOK_SYSCALL;
  event.detail = syscall_nr;
  event.pid = event.tid = pid;
  event.comm = comm;
  event.error = EPERM;
  event.audit = audit;
  return event;
}

Remedy WhatWouldAllow(const Event& event, const Policy* policy) {
  switch (event.hook) {
    case CVLSM_HOOK_SYSCALL:
      return ForSyscall(event.detail, policy);
    case CVLSM_HOOK_TASK_KILL:
    case CVLSM_HOOK_PTRACE:
    case CVLSM_HOOK_TASK_CHANGE:
      return Fixed("a confined process reaches no process outside its confinement");
    case CVLSM_HOOK_FCNTL:
      if (event.fixed) {
        return Fixed(
            "a file's signal owner (F_SETOWN) may only be the process itself; F_SETOWN_EX, "
            "whose owner sits in memory the process could change, is refused");
      }
      break;
    case CVLSM_HOOK_BPF:
      return Fixed("a confined process gets no bpf()");
    case CVLSM_HOOK_SOCKET_CREATE:
      return RefusedByArguments("socket");
    case CVLSM_HOOK_SOCKET_OPTION:
      return Fixed("source routing would send packets where no rule checks them");
    case CVLSM_HOOK_CONNECT:
    case CVLSM_HOOK_SENDMSG:
      if (event.protocol == "other") return RefusedByArguments("socket");
      if (event.port == 0 && event.address == "::" && event.protocol != "icmp") {
        return Fixed("source routing would send packets where no rule checks them");
      }
      return {true, absl::StrCat("--allow-connect ", NetTarget(event))};
    case CVLSM_HOOK_BIND:
      if (event.protocol == "other") return RefusedByArguments("socket");
      return {true, absl::StrCat("--allow-bind ", NetTarget(event))};
    case CVLSM_HOOK_UNIX_CONNECT:
      if (event.no_path) return {true, absl::StrCat("--allow-connect unix:", event.object_name)};
      return ForPath(event, policy);
    default:
      break;
  }
  if (event.fixed) {
    return Fixed("writes to /proc/<pid>/mem and cgroup.procs, and exec of what no path names");
  }
  return ForPath(event, policy);
}

}  // namespace cvlsm
