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
int ExplainCommand(const ExplainOptions& options);

// How every subcommand ends when it cannot do what it was asked (the README's "Exit status"):
// one line "cv-lsm: COMMAND: error: what failed; what to do" on stderr, and the exit status:
// 127 when the command to run does not exist, 126 when it cannot be executed, else 125.
int FailCommand(absl::string_view command, const absl::Status& status);

// The binary that starts the pin keeper when a command pins the programs for the machine.
inline constexpr char kSelfBinary[] = "/proc/self/exe";

// For `apply`, which confines processes that already run: the machine's programs, loaded
// and pinned on first use (said at -v). Fails naming the remedy where BPF LSM does not run.
absl::Status PinProgramsOnFirstUse(absl::string_view who);

// The exit status of a subcommand that did its work but not all of it, or whose answer is no
// (load with warnings, policy diff with refusals).
inline constexpr int kExitIncomplete = 1;

}  // namespace cvlsm::cli
