// Command-line parsing of `cv-lsm`, separate from execution so unit tests cover it.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace cvlsm::cli {

// --allow-connect, --deny-connect, --allow-bind, --deny-bind: PROTO:ADDR[/PREFIX]:PORTS
// each (policy/net_rules.h); --allow-connect unix:@NAME lets the command reach an abstract
// unix socket outside its confinement.
struct NetRuleOptions {
  std::vector<std::string> allow_connect, deny_connect, allow_bind, deny_bind;
};

struct RunOptions {
  std::string policy = "minimal";
  std::string policy_file;               // a policy file instead of --policy (docs/policy-files.md)
  std::vector<std::string> allow_paths;  // PATH:MODES
  std::vector<std::string> deny_paths;   // PATH:MODES carved out of allowed trees
  std::vector<std::string> allow_syscalls;  // names
  NetRuleOptions net;
  std::string tier = "auto";  // --mode
  bool strict = false;
  bool audit = false;  // report would-be denials, deny nothing (bpf-lsm)
  std::vector<std::string> command;
  int preserve_fds = 0;           // descriptors above 2 passed on (3 to 3+N-1); the rest are closed
  bool private_programs = false;  // bpf-lsm: this command's own programs, not the machine's
  int verbosity = 0;              // -v: each refusal as it happens too
  bool quiet = false;             // -q: no summary of what was refused
};

// `cv-lsm stats|events`: what the pinned programs counted and reported.
struct ObserveOptions {
  enum class Action { kStats, kEvents };
  Action action = Action::kStats;
  std::string cgroup;  // one cgroup v2 directory; empty: every confined cgroup
  bool json = false;
  bool follow = false;  // events: keep reading until interrupted
  size_t top = 10;      // stats: how many of the most-denied operations
};

// `cv-lsm learn`: run a command in audit mode and write the policy it needed.
struct LearnOptions {
  std::string base = "minimal";
  std::string output;  // the policy file to write
  std::string name;    // the policy's name (default: the command's)
  std::vector<std::string> command;
};

struct StatusOptions {
  bool json = false;
};

// `cv-lsm explain`: which rule of which policy refused an event, and what would allow it.
struct ExplainOptions {
  std::string policy;       // a preset, or
  std::string policy_file;  // a file; neither: the policy its cgroup was confined with
  std::string event;        // one JSON line of `cv-lsm events --json`; empty: lines on stdin
};

// `cv-lsm policy show|validate|import-oci|diff`.
struct PolicyOptions {
  enum class Action { kShow, kValidate, kImportOci, kDiff };
  Action action = Action::kShow;
  std::string target;    // a preset name or a file (show), a file (validate, import-oci)
  bool compact = false;  // show: only what the policy adds to its base
  std::string output;    // import-oci: write here instead of stdout
  bool strict = false;   // import-oci: anything not expressed exactly is an error
  std::string events;    // diff: recorded events (cv-lsm events --json), one per line
};

// `cv-lsm load|unload|apply|detach|list`: the pinned programs and policies on existing
// cgroups; `keeper` (hidden) is the pin keeper daemon that `load` starts.
struct MachineOptions {
  enum class Action { kLoad, kUnload, kApply, kDetach, kList, kKeeper };
  Action action = Action::kList;
  bool force = false;                  // unload: even while cgroups are confined
  bool count_syscall_denials = false;  // load: attach the seccomp refusal counter
  bool json = false;                   // list
  std::string cgroup;                  // apply, detach: a cgroup v2 directory
  std::string policy;                  // apply: a preset, or
  std::string policy_file;
  std::vector<std::string> allow_paths, deny_paths;
  NetRuleOptions net;  // apply
  std::string root;    // apply: resolve rule paths as if this directory were "/"
  bool audit = false;  // apply: report would-be denials, deny nothing
  std::string socket;  // keeper
  int ready_fd = -1;   // keeper
};

// `cv-lsm oci-hook`: everything it needs comes on stdin (the OCI container state).
struct OciHookOptions {};

// What to do: run, status, policy, oci-hook, or print this text and exit with this code (help,
// usage errors).
struct PrintAndExit {
  std::string text;
  int exit_code = 0;
};

struct Invocation {
  int verbosity = 0;  // -v count: 1 says every refusal as it happens, 2 adds debug logs
  std::variant<RunOptions, StatusOptions, PolicyOptions, MachineOptions, OciHookOptions,
               ObserveOptions, LearnOptions, ExplainOptions, PrintAndExit>
      command;
  bool quiet = false;  // -q: no summary of refusals
};

Invocation ParseCommandLine(int argc, const char* const* argv);

// Splits "PATH:MODES" at the last ':' (paths may contain ':').
absl::StatusOr<std::pair<std::string, std::string>> SplitPathRule(const std::string& rule);

}  // namespace cvlsm::cli
