// Command-line parsing of `cv-lsm`, separate from execution so unit tests cover it.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace cvlsm::cli {

struct RunOptions {
  std::string policy = "minimal";
  std::string policy_file;               // a policy file instead of --policy (docs/policy-files.md)
  std::vector<std::string> allow_paths;  // PATH:MODES
  std::vector<std::string> deny_paths;   // PATH:MODES carved out of allowed trees
  std::vector<std::string> allow_syscalls;  // names
  std::string tier = "auto";                // --mode
  bool strict = false;
  std::vector<std::string> command;
};

struct StatusOptions {
  bool json = false;
};

// `cv-lsm policy show|validate|import-oci`.
struct PolicyOptions {
  enum class Action { kShow, kValidate, kImportOci };
  Action action = Action::kShow;
  std::string target;    // a preset name or a file (show), a file (validate, import-oci)
  bool compact = false;  // show: only what the policy adds to its base
  std::string output;    // import-oci: write here instead of stdout
  bool strict = false;   // import-oci: anything not expressed exactly is an error
};

// `cv-lsm load|unload|apply|detach|list`: the pinned programs and policies on existing
// cgroups; `keeper` (hidden) is the pin keeper daemon that `load` starts.
struct MachineOptions {
  enum class Action { kLoad, kUnload, kApply, kDetach, kList, kKeeper };
  Action action = Action::kList;
  bool force = false;  // unload: even while cgroups are confined
  bool json = false;   // list
  std::string cgroup;  // apply, detach: a cgroup v2 directory
  std::string policy;  // apply: a preset, or
  std::string policy_file;
  std::vector<std::string> allow_paths, deny_paths;
  std::string root;    // apply: resolve rule paths as if this directory were "/"
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
  int verbosity = 0;  // -v count
  std::variant<RunOptions, StatusOptions, PolicyOptions, MachineOptions, OciHookOptions,
               PrintAndExit>
      command;
};

Invocation ParseCommandLine(int argc, const char* const* argv);

// Splits "PATH:MODES" at the last ':' (paths may contain ':').
absl::StatusOr<std::pair<std::string, std::string>> SplitPathRule(const std::string& rule);

}  // namespace cvlsm::cli
