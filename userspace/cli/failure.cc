// The one way every subcommand fails (cli/commands.h).
#include "absl/strings/str_replace.h"
#include "cli/commands.h"
#include "common/errors.h"
#include "common/log.h"
#include "runtime/confined_process.h"

namespace cvlsm::cli {

int FailCommand(absl::string_view command, const absl::Status& status) {
  // One line: runtimes quote a hook's output in their own error, logs keep one line each.
  Log(LogLevel::kError, command, absl::StrReplaceAll(ErrorText(status), {{"\n", " "}}));
  switch (KindOf(status)) {
    case ErrorKind::kCommandNotFound:
      return kExitNotFound;
    case ErrorKind::kCommandNotExecutable:
      return kExitCannotExecute;
    default:
      return kExitLauncherFailed;
  }
}

}  // namespace cvlsm::cli
