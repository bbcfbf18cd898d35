#include <cstdio>
#include <variant>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "common/log.h"

int main(int argc, char** argv) {
  using namespace cvlsm::cli;
  Invocation invocation = ParseCommandLine(argc, argv);
  if (invocation.verbosity >= 2) {
    cvlsm::SetLogLevel(cvlsm::LogLevel::kDebug);
  } else if (invocation.verbosity == 1) {
    cvlsm::SetLogLevel(cvlsm::LogLevel::kInfo);
  }
  if (auto* print = std::get_if<PrintAndExit>(&invocation.command)) {
    std::fputs(print->text.c_str(), print->exit_code == 0 ? stdout : stderr);
    return print->exit_code;
  }
  if (auto* run = std::get_if<RunOptions>(&invocation.command)) {
    run->verbosity = invocation.verbosity;
    run->quiet = invocation.quiet;
    return RunCommand(*run);
  }
  if (auto* machine = std::get_if<MachineOptions>(&invocation.command)) {
    return MachineCommand(*machine);
  }
  if (auto* policy = std::get_if<PolicyOptions>(&invocation.command)) {
    return PolicyCommand(*policy);
  }
  if (auto* hook = std::get_if<OciHookOptions>(&invocation.command)) return OciHookCommand(*hook);
  if (auto* observe = std::get_if<ObserveOptions>(&invocation.command)) {
    return ObserveCommand(*observe);
  }
  if (auto* learn = std::get_if<LearnOptions>(&invocation.command)) return LearnCommand(*learn);
  if (auto* explain = std::get_if<ExplainOptions>(&invocation.command)) {
    return ExplainCommand(*explain);
  }
  return StatusCommand(std::get<StatusOptions>(invocation.command));
}
