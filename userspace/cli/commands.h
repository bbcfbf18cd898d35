// The subcommands of cv-lsm; each returns the process exit code.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "cli/cli_options.h"

namespace cvlsm::cli {

int RunCommand(const RunOptions& options);
int StatusCommand(const StatusOptions& options);
int PolicyCommand(const PolicyOptions& options);
int MachineCommand(const MachineOptions& options);
int OciHookCommand(const OciHookOptions& options);
int ObserveCommand(const ObserveOptions& options);
int LearnCommand(const LearnOptions& options);

// "cv-lsm COMMAND: message" on stderr; returns the exit status 1 (the commands on the
// pinned programs: load, apply, stats, ...).
int FailCommand(absl::string_view command, const absl::Status& status);

}  // namespace cvlsm::cli
