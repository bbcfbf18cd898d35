#include "policy/policy_notes.h"

#include <algorithm>

namespace cvlsm {

std::vector<std::string> PolicyLimits(const Policy& policy) {
  std::vector<std::string> limits;
  const auto& syscalls = policy.syscalls();
  auto allows_any = [&](std::initializer_list<const char*> names) {
    return std::any_of(names.begin(), names.end(),
                       [&](const char* name) { return syscalls.contains(name); });
  };
  if (syscalls.empty()) {
    limits.push_back(
        "no syscall is allowed: the command is started (its one execve) but cannot make a "
        "single call after it, so it runs nothing; start from a preset (\"base\": \"minimal\") "
        "or list what it needs");
  } else if (!allows_any({"fork", "vfork", "clone", "clone3"})) {
    limits.push_back(
        "no process creation (fork, vfork, clone): a shell script that runs any command fails "
        "(\"Cannot fork\"); the build preset allows it");
  } else if (!allows_any({"execve", "execveat"})) {
    limits.push_back(
        "no execve: the command cannot start another program (only cv-lsm's own start of it "
        "is let through)");
  }
  const bool grants_exec = std::any_of(policy.paths().begin(), policy.paths().end(),
                                       [](const auto& rule) { return rule.second.allow & kExec; });
  if (!grants_exec) {
    limits.push_back(
        "no path rule allows x: where path rules are enforced (bpf-lsm, landlock) nothing can "
        "be executed, the command included");
  }
  if (policy.paths().contains("/proc/self")) {
    limits.push_back(
        "on the landlock tier /proc/self is the launched process's own entry only: the "
        "processes it starts are refused theirs (bpf-lsm gives each its own)");
  }
  return limits;
}

}  // namespace cvlsm
