#include "cli/cli_options.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <optional>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bpf_backend/lsm_skeleton.h"
#include "runtime/confined_process.h"

namespace cvlsm::cli {

absl::StatusOr<std::pair<std::string, std::string>> SplitPathRule(const std::string& rule) {
  size_t colon = rule.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rule.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad path rule '", rule,
                     "': expected PATH:MODES, e.g. /data:rw (the command goes after --)"));
  }
  return std::make_pair(rule.substr(0, colon), rule.substr(colon + 1));
}

namespace {

// -v and -q count wherever they are given, before or after the subcommand's name.
void AddVerbosityFlags(CLI::App* cmd, Invocation& invocation) {
  cmd->add_flag_function(
      "-v,--verbose", [&invocation](int64_t count) { invocation.verbosity += count; },
      "More output: every refusal as it happens; repeat for debug logs");
  cmd->add_flag_function(
      "-q,--quiet", [&invocation](int64_t) { invocation.quiet = true; },
      "Less output: no summary of what was refused");
}

// A repeated option takes one value each time: `--allow /:r ls` runs ls rather than reading
// it as a second rule.
void OneValueEach(CLI::App* cmd) {
  for (CLI::Option* option : cmd->get_options()) {
    if (option->nonpositional() && option->get_expected_max() > 1) {
      option->allow_extra_args(false);
    }
  }
}

// The subcommands by name, and what the first word names when it is none of them.
std::optional<PrintAndExit> UnknownSubcommand(const CLI::App& app, int argc,
                                              const char* const* argv) {
  if (argc < 2 || argv[1][0] == '-') return std::nullopt;
  const std::string word = argv[1];
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (!sub->get_group().empty()) names.push_back(sub->get_name());
    if (sub->get_name() == word) return std::nullopt;
  }
  if (word == "help") return std::nullopt;
  return PrintAndExit{absl::StrCat("cv-lsm: unknown command '", word, "': the commands are ",
                                   absl::StrJoin(names, ", "), " (cv-lsm help)\n"),
                      kExitLauncherFailed};
}

// A command's help, its usage line naming it as typed ("cv-lsm policy show").
std::string HelpOf(const CLI::App& cmd) {
  std::string prefix;
  for (const CLI::App* parent = cmd.get_parent(); parent; parent = parent->get_parent()) {
    prefix = prefix.empty() ? parent->get_name() : absl::StrCat(parent->get_name(), " ", prefix);
  }
  return cmd.help(prefix);
}

// `cv-lsm help [COMMAND...]`: the help of the command named, or of cv-lsm.
PrintAndExit Help(const CLI::App& app, int argc, const char* const* argv) {
  const CLI::App* asked = &app;
  for (int i = 2; i < argc; ++i) {
    const CLI::App* sub = nullptr;
    for (const CLI::App* candidate : asked->get_subcommands([](const CLI::App*) { return true; })) {
      if (candidate->get_name() == argv[i]) sub = candidate;
    }
    if (!sub) {
      return PrintAndExit{absl::StrCat("cv-lsm: help: unknown command '", argv[i], "'\n"),
                          kExitLauncherFailed};
    }
    asked = sub;
  }
  return PrintAndExit{HelpOf(*asked), 0};
}

void AddNetRuleOptions(CLI::App* cmd, NetRuleOptions& net) {
  cmd->add_option("--allow-connect", net.allow_connect,
                  "Allow connecting and sending to PROTO (tcp, udp, icmp) at ADDR[/PREFIX]:PORTS "
                  "(IPv6 in brackets, * for any); unix:@NAME allows an abstract unix socket. With "
                  "any connect rule, everything the rules do not allow is refused")
      ->type_name("PROTO:ADDR:PORTS");
  cmd->add_option("--deny-connect", net.deny_connect,
                  "Refuse connecting and sending to PROTO:ADDR[/PREFIX]:PORTS (deny wins)")
      ->type_name("PROTO:ADDR:PORTS");
  cmd->add_option("--allow-bind", net.allow_bind,
                  "Allow binding and listening on PROTO:ADDR[/PREFIX]:PORTS; with any bind rule, "
                  "every other bind is refused")
      ->type_name("PROTO:ADDR:PORTS");
  cmd->add_option("--deny-bind", net.deny_bind,
                  "Refuse binding and listening on PROTO:ADDR[/PREFIX]:PORTS (deny wins)")
      ->type_name("PROTO:ADDR:PORTS");
}

}  // namespace

Invocation ParseCommandLine(int argc, const char* const* argv) {
  CLI::App app{"cv-lsm: confine a container's processes to a syscall and path policy", "cv-lsm"};
  app.require_subcommand(1);
  Invocation invocation;
  AddVerbosityFlags(&app, invocation);
  app.set_version_flag(
      "--version", absl::StrCat("cv-lsm ", CVLSM_VERSION, " (programs ", ProgramsBuildId(), ")"));

  RunOptions run;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a command confined to a policy");
  CLI::Option* preset =
      run_cmd->add_option("--policy", run.policy, "minimal, build, network or custom")
          ->capture_default_str();
  run_cmd->add_option("--policy-file", run.policy_file, "A policy file (docs/policy-files.md)")
      ->type_name("FILE")
      ->excludes(preset);
  run_cmd->add_option("--allow", run.allow_paths, "Allow PATH with MODES (r, w, x), as PATH:rwx")
      ->type_name("PATH:MODES");
  run_cmd
      ->add_option("--deny", run.deny_paths,
                   "Take MODES away on PATH and below, whatever is allowed above it")
      ->type_name("PATH:MODES");
  run_cmd->add_option("--allow-syscall", run.allow_syscalls, "Allow one more syscall")
      ->type_name("NAME");
  AddNetRuleOptions(run_cmd, run.net);
  run_cmd->add_option("--mode", run.tier, "Enforcement tier: auto, bpf-lsm, landlock or seccomp")
      ->capture_default_str();
  run_cmd->add_flag("--strict", run.strict,
                    "Refuse to run when path rules cannot be enforced (seccomp tier)");
  run_cmd->add_flag("--audit", run.audit,
                    "Deny nothing: report what the policy would deny (bpf-lsm tier)");
  run_cmd->add_flag("--private-programs", run.private_programs,
                    "bpf-lsm: load this command's own programs, gone when it exits, instead of "
                    "the machine's (pinned on first use, they keep its processes confined if "
                    "it is killed)");
  run_cmd
      ->add_option("--preserve-fds", run.preserve_fds,
                   "Pass descriptors 3 to 3+N-1 on to the command; every other descriptor "
                   "above 2 is closed (each one is access the caller grants)")
      ->type_name("N")
      ->check(CLI::NonNegativeNumber);
  run_cmd->add_option("command", run.command, "The command and its arguments, after --");
  // Everything after the command belongs to it, options included.
  run_cmd->positionals_at_end();
  run_cmd->prefix_command();

  StatusOptions status;
  CLI::App* status_cmd = app.add_subcommand("status", "Report what this kernel can enforce");
  status_cmd->add_flag("--json", status.json, "Machine-readable output");

  PolicyOptions policy;
  CLI::App* policy_cmd = app.add_subcommand("policy", "Show, check and import policy files");
  policy_cmd->require_subcommand(1);
  CLI::App* show_cmd = policy_cmd->add_subcommand(
      "show", "Print a preset or a policy file in the policy file format");
  show_cmd->add_option("policy", policy.target, "A preset name or a policy file")
      ->required()
      ->type_name("NAME|FILE");
  show_cmd->add_flag("--compact", policy.compact,
                     "Only what the policy adds to its base, not the base's own rules");
  CLI::App* validate_cmd = policy_cmd->add_subcommand("validate", "Check a policy file");
  validate_cmd->add_option("file", policy.target, "The policy file")->required();
  CLI::App* import_cmd = policy_cmd->add_subcommand(
      "import-oci", "Convert an OCI/Docker seccomp profile to a policy file");
  import_cmd->add_option("file", policy.target, "The seccomp profile (JSON)")->required();
  import_cmd->add_option("-o,--output", policy.output, "Write the policy here, not to stdout")
      ->type_name("FILE");
  import_cmd->add_flag("--strict", policy.strict,
                       "Fail if the profile says anything the policy cannot express exactly");

  CLI::App* diff_cmd = policy_cmd->add_subcommand(
      "diff", "What a policy would newly refuse or allow of recorded events (exit 1: refuses)");
  diff_cmd
      ->add_option("--events", policy.events,
                   "The events, one JSON line each (cv-lsm events --json)")
      ->required()
      ->type_name("FILE");
  diff_cmd->add_option("policy", policy.target, "A preset name or a policy file")
      ->required()
      ->type_name("NAME|FILE");

  ExplainOptions explain;
  CLI::App* explain_cmd = app.add_subcommand(
      "explain", "Which rule of which policy refused an event, and what would allow it");
  CLI::Option* explain_preset =
      explain_cmd->add_option("--policy", explain.policy,
                              "Explain against this preset (default: the event's cgroup's policy)");
  explain_cmd->add_option("--policy-file", explain.policy_file, "Explain against this policy file")
      ->type_name("FILE")
      ->excludes(explain_preset);
  explain_cmd
      ->add_option("event", explain.event,
                   "One JSON line of cv-lsm events --json (default: lines on stdin)")
      ->type_name("JSON");

  MachineOptions machine;
  using Action = MachineOptions::Action;
  std::vector<std::pair<CLI::App*, Action>> machine_cmds;
  CLI::App* load_cmd = app.add_subcommand(
      "load", "Load and pin the BPF LSM programs for the machine, and start the pin keeper");
  load_cmd->add_flag("--count-syscall-denials", machine.count_syscall_denials,
                     "Also count and report the syscall filter's refusals (stats, events); "
                     "costs every seccomp-filtered process on the machine a BPF trampoline "
                     "per syscall while loaded");
  machine_cmds.emplace_back(load_cmd, Action::kLoad);
  CLI::App* unload_cmd =
      app.add_subcommand("unload", "Remove the pinned programs (lifts every confinement)");
  unload_cmd->add_flag("--force", machine.force, "Even while cgroups are confined");
  machine_cmds.emplace_back(unload_cmd, Action::kUnload);
  CLI::App* apply_cmd =
      app.add_subcommand("apply", "Confine an existing cgroup and its descendants (path rules)");
  apply_cmd->add_option("--cgroup", machine.cgroup, "The cgroup v2 directory")->required();
  CLI::Option* apply_preset =
      apply_cmd->add_option("--policy", machine.policy, "minimal, build, network or custom");
  apply_cmd->add_option("--policy-file", machine.policy_file, "A policy file")
      ->type_name("FILE")
      ->excludes(apply_preset);
  apply_cmd->add_option("--allow", machine.allow_paths, "Allow PATH with MODES, as PATH:rwx")
      ->type_name("PATH:MODES");
  apply_cmd->add_option("--deny", machine.deny_paths, "Take MODES away on PATH and below")
      ->type_name("PATH:MODES");
  AddNetRuleOptions(apply_cmd, machine.net);
  apply_cmd
      ->add_option("--root", machine.root,
                   "Resolve rule paths as if DIR were / (a container's root, /proc/PID/root)")
      ->type_name("DIR");
  apply_cmd->add_flag("--audit", machine.audit,
                      "Deny nothing: count and report what the policy would deny");
  machine_cmds.emplace_back(apply_cmd, Action::kApply);
  CLI::App* detach_cmd = app.add_subcommand("detach", "Lift a cgroup's confinement");
  detach_cmd->add_option("--cgroup", machine.cgroup, "The cgroup v2 directory")->required();
  machine_cmds.emplace_back(detach_cmd, Action::kDetach);
  CLI::App* list_cmd = app.add_subcommand("list", "Show the cgroups the pinned programs confine");
  list_cmd->add_flag("--json", machine.json, "Machine-readable output");
  machine_cmds.emplace_back(list_cmd, Action::kList);
  CLI::App* keeper_cmd = app.add_subcommand("keeper", "The pin keeper (started by load)");
  keeper_cmd->group("");  // not listed in --help
  keeper_cmd->add_option("--socket", machine.socket)->required();
  keeper_cmd->add_option("--ready-fd", machine.ready_fd);
  machine_cmds.emplace_back(keeper_cmd, Action::kKeeper);

  ObserveOptions observe;
  CLI::App* stats_cmd = app.add_subcommand(
      "stats", "Allowed and denied counts per confined cgroup, and the most-denied operations");
  CLI::App* events_cmd =
      app.add_subcommand("events", "Print denial events (one line, or one JSON object, each)");
  for (CLI::App* cmd : {stats_cmd, events_cmd}) {
    cmd->add_option("--cgroup", observe.cgroup, "Only this cgroup v2 directory")->type_name("DIR");
    cmd->add_flag("--json", observe.json, "Machine-readable output");
  }
  stats_cmd->add_option("--top", observe.top, "How many most-denied operations")
      ->capture_default_str();
  events_cmd->add_flag("-f,--follow", observe.follow, "Keep printing events as they come");

  LearnOptions learn;
  CLI::App* learn_cmd = app.add_subcommand(
      "learn", "Run a command in audit mode and write the smallest policy that lets it run");
  learn_cmd->add_option("--base", learn.base, "The preset to start from: minimal, build, network")
      ->capture_default_str();
  learn_cmd->add_option("-o,--output", learn.output, "The policy file to write")
      ->required()
      ->type_name("FILE");
  learn_cmd->add_option("--name", learn.name, "The policy's name (default: the command's)");
  learn_cmd->add_option("command", learn.command, "The command and its arguments, after --");
  learn_cmd->positionals_at_end();
  learn_cmd->prefix_command();

  CLI::App* oci_hook_cmd = app.add_subcommand(
      "oci-hook", "As an OCI createRuntime hook: confine the container its state on stdin names");

  for (CLI::App* cmd : app.get_subcommands([](const CLI::App*) { return true; })) {
    OneValueEach(cmd);
    for (CLI::App* nested : cmd->get_subcommands([](const CLI::App*) { return true; })) {
      OneValueEach(nested);
    }
    if (cmd != keeper_cmd) AddVerbosityFlags(cmd, invocation);
  }
  if (std::optional<PrintAndExit> unknown = UnknownSubcommand(app, argc, argv)) {
    return {0, *std::move(unknown)};
  }
  if (argc >= 2 && std::string_view(argv[1]) == "help") return {0, Help(app, argc, argv)};

  // Everything after the first "--" is the command, verbatim (it may contain "--" itself).
  int ours = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      ours = i;
      break;
    }
  }
  std::vector<std::string> after_separator(argv + std::min(ours + 1, argc), argv + argc);
  try {
    app.parse(ours, argv);
  } catch (const CLI::CallForVersion& version) {
    return {0, PrintAndExit{absl::StrCat(version.what(), "\n"), 0}};
  } catch (const CLI::CallForHelp&) {
    // The help of the subcommand asked about ("cv-lsm policy import-oci --help").
    const CLI::App* asked = &app;
    while (!asked->get_subcommands().empty()) asked = asked->get_subcommands().front();
    return {0, PrintAndExit{HelpOf(*asked), 0}};
  } catch (const CLI::ParseError& error) {
    std::string text = absl::StrCat("cv-lsm: ", error.what(), "\nRun 'cv-lsm --help' for usage.\n");
    return {0, PrintAndExit{text, kExitLauncherFailed}};
  }

  // The command of run and learn: what CLI11 left over, then everything after "--".
  auto take_command = [&](CLI::App* cmd,
                          std::vector<std::string>& command) -> std::optional<PrintAndExit> {
    // CLI11 leaves in remaining() what it did not know before the command's first word: an
    // unknown option (and its value joins the command), never to be taken for the command.
    const std::vector<std::string> extras = cmd->remaining();
    const std::string name = cmd->get_name();
    if (!extras.empty()) {
      return PrintAndExit{absl::StrCat("cv-lsm: ", name, ": unknown option ", extras.front(),
                                       "\nRun 'cv-lsm ", name, " --help' for usage.\n"),
                          kExitLauncherFailed};
    }
    if (!command.empty() && !after_separator.empty()) {
      return PrintAndExit{
          absl::StrCat("cv-lsm: ", name, ": '", command.front(), "' before the first -- is not ",
                       "an option: put -- before the command (cv-lsm ", name,
                       " [OPTIONS] -- CMD [ARG...])\n"),
          kExitLauncherFailed};
    }
    command.insert(command.end(), after_separator.begin(), after_separator.end());
    if (command.empty()) {
      return PrintAndExit{absl::StrCat("cv-lsm: ", name, ": no command given: cv-lsm ", name,
                                       " [OPTIONS] -- CMD [ARG...]\n"),
                          kExitLauncherFailed};
    }
    return std::nullopt;
  };

  if (run_cmd->parsed()) {
    if (auto error = take_command(run_cmd, run.command)) return {0, *std::move(error)};
    invocation.command = run;
  } else if (learn_cmd->parsed()) {
    if (auto error = take_command(learn_cmd, learn.command)) return {0, *std::move(error)};
    invocation.command = learn;
  } else if (stats_cmd->parsed() || events_cmd->parsed()) {
    observe.action =
        stats_cmd->parsed() ? ObserveOptions::Action::kStats : ObserveOptions::Action::kEvents;
    invocation.command = observe;
  } else if (auto machine_cmd = std::find_if(machine_cmds.begin(), machine_cmds.end(),
                                             [](const auto& cmd) { return cmd.first->parsed(); });
             machine_cmd != machine_cmds.end()) {
    machine.action = machine_cmd->second;
    if (machine.action == Action::kApply && machine.policy.empty() && machine.policy_file.empty()) {
      return {0,
              PrintAndExit{"cv-lsm: apply: name the policy: --policy NAME or --policy-file FILE\n",
                           kExitLauncherFailed}};
    }
    invocation.command = machine;
  } else if (policy_cmd->parsed()) {
    policy.action = show_cmd->parsed()       ? PolicyOptions::Action::kShow
                    : validate_cmd->parsed() ? PolicyOptions::Action::kValidate
                    : diff_cmd->parsed()     ? PolicyOptions::Action::kDiff
                                             : PolicyOptions::Action::kImportOci;
    invocation.command = policy;
  } else if (explain_cmd->parsed()) {
    invocation.command = explain;
  } else if (oci_hook_cmd->parsed()) {
    invocation.command = OciHookOptions{};
  } else {
    invocation.command = status;
  }
  return invocation;
}

}  // namespace cvlsm::cli
