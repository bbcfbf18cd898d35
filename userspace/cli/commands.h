// The subcommands of cv-lsm; each returns the process exit code.
#pragma once

#include "cli/cli_options.h"

namespace cvlsm::cli {

int RunCommand(const RunOptions& options);
int StatusCommand(const StatusOptions& options);
int PolicyCommand(const PolicyOptions& options);
int MachineCommand(const MachineOptions& options);
int OciHookCommand(const OciHookOptions& options);
int ObserveCommand(const ObserveOptions& options);
int LearnCommand(const LearnOptions& options);

}  // namespace cvlsm::cli
