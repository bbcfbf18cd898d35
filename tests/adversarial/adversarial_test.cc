// The adversarial suite: each scenario (scenarios.cc) runs its attack (cvlsm_attack) under
// `cv-lsm run` in the tier this machine must offer (CVLSM_EXPECT_TIER), and its control run
// (the access allowed, or no confinement at all) which must show that the attack works when
// nothing stops it. Each result is printed as one `CVLSM-ADV: {json}` line, which
// write-threat-model.py turns into the table of docs/threat-model.md.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/landlock.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "adversarial/scenarios.h"
#include "cgroup/cgroup.h"
#include "support/cli_runner.h"
#include "vm/guest/tier_expectations.h"

namespace cvlsm::adversarial {
namespace {

using testing::ExpectedTier;
using testing::ProcessResult;
using testing::ScratchDir;

std::string AttackDir() { return std::filesystem::path(CVLSM_ATTACK_PATH).parent_path(); }

int LandlockAbi() {
  long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi < 0 ? 0 : static_cast<int>(abi);
}

std::string VerdictName(int verdict) {
  switch (verdict) {
    case 0:
      return "succeeds";
    case kKilledBySigsys:
      return "SIGSYS";
    case kUnsupported:
      return "n/a";
    case EACCES:
      return "EACCES";
    case EPERM:
      return "EPERM";
    case EXDEV:
      return "EXDEV";
    case ENOSYS:
      return "ENOSYS";
    case kDropped:
      return "dropped";
    default:
      return "exit " + std::to_string(verdict);
  }
}

// What the tier this machine must offer is expected to make of the scenario.
Outcome Expected(const Scenario& scenario) {
  const std::string& tier = ExpectedTier();
  if (tier == "seccomp") return scenario.seccomp;
  if (tier == "landlock") {
    return LandlockAbi() < scenario.landlock_min_abi ? scenario.landlock_older : scenario.landlock;
  }
  utsname uts{};
  int major = 0, minor = 0;
  if (::uname(&uts) == 0) std::sscanf(uts.release, "%d.%d", &major, &minor);
  return major * 1000 + minor < scenario.bpf_lsm_min_kernel ? scenario.bpf_lsm_older
                                                            : scenario.bpf_lsm;
}

// A listening unix stream socket: a path, or "@name" for an abstract one.
int UnixListener(const std::string& name) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, name.data(), std::min(name.size(), sizeof(address.sun_path) - 1));
  socklen_t length = offsetof(sockaddr_un, sun_path) + name.size() + (name[0] == '@' ? 0 : 1);
  if (name[0] == '@') address.sun_path[0] = '\0';
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(fd, 64) != 0) {
    std::perror(("adversarial: unix listener " + name).c_str());
  }
  return fd;
}

// The tree an attack works on: a read-only and a writable directory, a secret outside every
// rule, a binary and a library without x, a script whose interpreter has no x, and a link to
// a tmpfs directory (file handles: the guest's overlay root has none). Fresh for every run.
class Layout {
 public:
  Layout() {
    const std::string& r = root_.path();
    root_.WriteFile("ro/file.txt", "read only\n");
    root_.WriteFile("rw/data.txt", "writable\n");
    root_.WriteFile("secret/secret.txt", "secret\n");
    shm_.WriteFile("secret.txt", "secret\n");
    for (const char* dir : {"/ro/emptydir", "/rw/mnt", "/rw/newroot", "/bin", "/xbin"}) {
      std::filesystem::create_directories(r + dir);
    }
    // Group 1, so that moving it to the owner's own group is a visible change.
    if (::chown((r + "/ro/file.txt").c_str(), static_cast<uid_t>(-1), 1) != 0) Fail("chown");
    if (::symlink((r + "/secret/secret.txt").c_str(), (r + "/ro/escape").c_str()) != 0 ||
        ::symlink(shm_.path().c_str(), (r + "/shm").c_str()) != 0) {
      Fail("symlink");
    }
    std::filesystem::copy_file("/bin/true", r + "/bin/true");
    std::filesystem::copy_file(CVLSM_ATTACK_LIB_PATH, r + "/bin/libcvlsm_attack_lib.so");
    root_.WriteFile("xbin/script.sh", "#!" + r + "/bin/true\n");
    for (const char* file : {"/bin/true", "/bin/libcvlsm_attack_lib.so", "/xbin/script.sh"}) {
      ::chmod((r + file).c_str(), 0755);
    }
    daemon_ = UnixListener(r + "/secret/daemon.sock");
  }
  ~Layout() { ::close(daemon_); }
  const std::string& root() const { return root_.path(); }

 private:
  static void Fail(const char* what) { throw std::runtime_error(std::string(what) + " failed"); }
  // Not under /tmp: the build preset allows /tmp.
  ScratchDir root_{"/var/tmp"}, shm_{"/dev/shm"};
  // A daemon's socket outside every rule (unix-daemon-socket).
  int daemon_ = -1;
};

// A victim that blocks every signal (cvlsm_attack --witness), for one run: what reached
// it stays pending.
class Witness {
 public:
  Witness() {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execl(CVLSM_ATTACK_PATH, CVLSM_ATTACK_PATH, "--witness", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Its signals are blocked once /proc shows them so.
    for (int tries = 0; tries < 2000 && !SignalsBlocked(); ++tries) ::usleep(1000);
  }
  ~Witness() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }
  bool Got(int signal) const {
    const uint64_t bit = uint64_t{1} << (signal - 1);
    return (StatusMask("SigPnd:") & bit) || (StatusMask("ShdPnd:") & bit);
  }

 private:
  bool SignalsBlocked() const { return StatusMask("SigBlk:") & (uint64_t{1} << (SIGWINCH - 1)); }
  uint64_t StatusMask(const std::string& field) const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind(field, 0) == 0) return std::stoull(line.substr(field.size()), nullptr, 16);
    }
    return 0;
  }
  pid_t pid_ = -1;
};

std::string Substitute(const std::string& rule, const std::string& root) {
  std::string out = rule;
  if (size_t at = out.find("=@"); at != std::string::npos) out.replace(at + 1, 1, root);
  if (size_t at = out.find("%cgroup"); at != std::string::npos) {
    auto cgroup = FindCgroup2Mount();
    out.replace(at, 7, cgroup.ok() ? *cgroup : "/sys/fs/cgroup");
  }
  return out;
}

class AdversarialTest : public ::testing::TestWithParam<Scenario> {
 protected:
  // A process outside the confined cgroup, for the attacks on other processes.
  static void SetUpTestSuite() {
    victim_ = ::fork();
    if (victim_ == 0) {
      ::execl("/bin/sleep", "sleep", "3600", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // The network scenarios' listeners, outside every confinement: connections wait in the
    // backlog (nobody accepts: the connect is the access).
    tcp_listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in loopback{};
    loopback.sin_family = AF_INET;
    loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(loopback);
    int fastopen = 16;
    ::setsockopt(tcp_listener_, IPPROTO_TCP, TCP_FASTOPEN, &fastopen, sizeof(fastopen));
    if (::bind(tcp_listener_, reinterpret_cast<sockaddr*>(&loopback), length) != 0 ||
        ::listen(tcp_listener_, 256) != 0 ||
        ::getsockname(tcp_listener_, reinterpret_cast<sockaddr*>(&loopback), &length) != 0) {
      std::perror("adversarial: tcp listener");
    }
    ::setenv("CVLSM_ADV_TCP_PORT", std::to_string(ntohs(loopback.sin_port)).c_str(), 1);
    abstract_listener_ = UnixListener("@cvlsm-adv-" + std::to_string(victim_));
  }
  static void TearDownTestSuite() {
    ::kill(victim_, SIGKILL);
    ::waitpid(victim_, nullptr, 0);
    ::close(tcp_listener_);
    ::close(abstract_listener_);
  }

  std::vector<std::string> AttackArgs(const Layout& layout, pid_t victim) const {
    return {CVLSM_ATTACK_PATH, GetParam().name, layout.root(), std::to_string(victim)};
  }

  // Runs the attack (under `rules`, or unconfined); in a scenario whose witness must get a
  // signal, calls that succeeded without the signal reaching it count as kDropped.
  ProcessResult Run(const std::vector<std::string>* rules) const {
    Layout layout;
    std::optional<Witness> witness;
    if (GetParam().witness) witness.emplace();
    const pid_t victim = witness ? witness->pid() : victim_;
    ProcessResult result;
    if (rules == nullptr) {
      result = testing::RunProcess(AttackArgs(layout, victim));
    } else {
      std::vector<std::string> args = {"run", "--policy", GetParam().policy,
                                       "--allow=" + AttackDir() + ":rx"};
      for (const std::string& rule : *rules) args.push_back(Substitute(rule, layout.root()));
      args.push_back("--");
      for (const std::string& arg : AttackArgs(layout, victim)) args.push_back(arg);
      result = testing::RunCli(args);
    }
    if (witness && GetParam().witness_gets_signal && result.exit_code == 0) {
      // The kernel sends SIGIO from the write; give delivery a moment under emulation.
      for (int tries = 0; tries < 200 && !witness->Got(SIGWINCH); ++tries) ::usleep(5000);
      if (!witness->Got(SIGWINCH)) result.exit_code = kDropped;
    }
    return result;
  }

  ProcessResult Confined(const std::vector<std::string>& rules) const { return Run(&rules); }

  ProcessResult Control() const {
    const Scenario& scenario = GetParam();
    if (!scenario.control_rules.empty()) return Confined(scenario.control_rules);
    return Run(nullptr);
  }

  static pid_t victim_;
  static int tcp_listener_;
  static int abstract_listener_;
};

pid_t AdversarialTest::victim_ = -1;
int AdversarialTest::tcp_listener_ = -1;
int AdversarialTest::abstract_listener_ = -1;

// JSON strings here are ours: no quotes or backslashes to escape.
std::string Field(const char* key, const std::string& value) {
  return std::string("\"") + key + "\": \"" + value + "\"";
}

TEST_P(AdversarialTest, AttackGetsTheVerdictOfTheTier) {
  ASSERT_EQ(::geteuid(), 0u);
  ASSERT_TRUE(testing::MachineRunsTheExpectedTier());
  const Scenario& scenario = GetParam();
  const Outcome expected = Expected(scenario);

  ProcessResult control = Control();
  ProcessResult attack = Confined(scenario.rules);
  const bool control_ok = control.exit_code == 0;
  const bool not_applicable = control.exit_code == kUnsupported;
  const bool as_expected =
      attack.exit_code == expected.verdict || (not_applicable && attack.exit_code == kUnsupported);

  utsname uts{};
  ::uname(&uts);
  std::cout << "CVLSM-ADV: {" << Field("scenario", scenario.name) << ", "
            << Field("source", scenario.source) << ", " << Field("tier", ExpectedTier()) << ", "
            << "\"landlock_abi\": " << LandlockAbi() << ", " << Field("kernel", uts.release) << ", "
            << Field("expected", VerdictName(expected.verdict)) << ", "
            << Field("observed", VerdictName(attack.exit_code)) << ", "
            << Field("control", control_ok       ? "ok"
                                : not_applicable ? "n/a"
                                                 : "FAILED")
            << ", "
            << Field("result", as_expected && (control_ok || not_applicable) ? "pass" : "FAIL")
            << ", " << Field("why", expected.why) << "}" << std::endl;

  EXPECT_TRUE(control_ok || not_applicable)
      << "control run of " << scenario.name << " exited " << control.exit_code
      << " (the attack must work when nothing stops it)\nstdout: " << control.out
      << "\nstderr: " << control.err;
  EXPECT_TRUE(as_expected) << scenario.name << " under " << ExpectedTier() << ": expected "
                           << VerdictName(expected.verdict) << " (" << expected.why << "), got "
                           << VerdictName(attack.exit_code) << "\nstdout: " << attack.out
                           << "\nstderr: " << attack.err;
}

std::string TestName(const ::testing::TestParamInfo<Scenario>& info) {
  std::string name = info.param.name;
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

// Says which scenarios this run covers, so the threat model's table tells a scenario left
// out of a core run from one that produced no result.
class ScopeAnnouncement : public ::testing::Environment {
 public:
  void SetUp() override {
    std::cout << "CVLSM-ADV-SCOPE: {\"scope\": \"" << SuiteScope() << "\", \"scenarios\": [";
    const std::vector<Scenario> scenarios = ScenariosInScope();
    for (size_t i = 0; i < scenarios.size(); ++i) {
      std::cout << (i ? ", " : "") << "\"" << scenarios[i].name << "\"";
    }
    std::cout << "]}" << std::endl;
  }
};
const auto* const kScope = ::testing::AddGlobalTestEnvironment(new ScopeAnnouncement);

// On the bpf-lsm tier the programs are pinned once for the suite (cv-lsm load), as on a host
// that confines many containers: each run attaches to them instead of loading and verifying
// programs of its own, seconds per run under emulation. The programs are the same either
// way; the CLI, C API and enforcement suites cover runs that load their own.
class PinnedForTheSuite : public ::testing::Environment {
 public:
  void SetUp() override {
    if (ExpectedTier() != "bpf-lsm") return;
    ProcessResult load = testing::RunCli({"load"});
    pinned_ = load.exit_code == 0;
    std::cout << "CVLSM-ADV-PROGRAMS: " << (pinned_ ? "pinned for the suite" : "per run")
              << std::endl;
    if (!pinned_) ADD_FAILURE() << "cv-lsm load failed: " << load.err;
  }
  void TearDown() override {
    if (!pinned_) return;
    ProcessResult unload = testing::RunCli({"unload"});
    EXPECT_EQ(unload.exit_code, 0) << "cv-lsm unload: " << unload.err;
  }

 private:
  bool pinned_ = false;
};
const auto* const kPinned = ::testing::AddGlobalTestEnvironment(new PinnedForTheSuite);

INSTANTIATE_TEST_SUITE_P(Scenarios, AdversarialTest, ::testing::ValuesIn(ScenariosInScope()),
                         TestName);

}  // namespace
}  // namespace cvlsm::adversarial
