// Network rules from inside the confined process, on every tier of the matrix: connect,
// send and bind by protocol, address and port (IPv4, IPv6, IPv4-mapped, TCP Fast Open,
// MPTCP, UDP with and without connect, sendmsg/sendmmsg with an address, ICMP echo, source
// routes), unix sockets (pathname ones under the path rules, abstract ones scoped to the
// confinement), socket families, io_uring, audit mode, learning and the reports. The whole
// binary runs in a network namespace of its own with only loopback: no traffic leaves.
//
// Each case gives the verdict on bpf-lsm, on Landlock where its ABI has the rule (TCP ports
// from 4, abstract unix scoping from 6) and where it has not, and on seccomp alone; what a
// tier does not enforce is expected to pass, and `cv-lsm run` to have said so.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cgroup/cgroup.h"
#include "confinement/tier_choice.h"
#include "cvlsm_abi.h"
#include "landlock/landlock_enforcer.h"
#include "support/cli_runner.h"
#include "support/policy_calls.h"
#include "vm/guest/tier_expectations.h"

namespace cvlsm {
namespace {

using testing::Contains;
using testing::ExpectedTier;
using testing::MachineRunsTheExpectedTier;
using testing::ProcessResult;
using testing::RunCli;
using testing::RunProcess;

// kKernels: the kernel's own answer, which differs between the kernels of the matrix
// (allowed, or EPERM where it wants a capability the confined process no longer has).
enum class V { kAllowed, kEacces, kEperm, kKernels };

const char* Name(V verdict) {
  switch (verdict) {
    case V::kAllowed:
      return "allowed";
    case V::kEacces:
      return "EACCES";
    case V::kEperm:
      return "EPERM";
    case V::kKernels:
      return "the kernel's answer";
  }
  return "?";
}

// One operation of net_probe and what each tier answers.
struct Case {
  std::string op;
  V bpf;
  V landlock;      // where the Landlock ABI has what the case needs
  V landlock_old;  // where it has not
  int abi;         // the Landlock ABI the case needs (0: none)
  V seccomp;
};

// A case whose verdict does not depend on the tier.
Case Every(std::string op, V verdict) {
  return {std::move(op), verdict, verdict, verdict, 0, verdict};
}
// A case only bpf-lsm enforces: allowed elsewhere.
Case BpfOnly(std::string op, V bpf) {
  return {std::move(op), bpf, V::kAllowed, V::kAllowed, 0, V::kAllowed};
}

// The verdict a probe line reports: ok, a refused connection or one under way is allowed.
V Classify(const std::string& line, std::string* other) {
  size_t at = line.rfind(": ");
  std::string result = at == std::string::npos ? line : line.substr(at + 2);
  if (result == "ok") return V::kAllowed;
  int err = 0;
  if (std::sscanf(result.c_str(), "errno %d", &err) == 1) {
    if (err == EACCES) return V::kEacces;
    if (err == EPERM) return V::kEperm;
    // What a connection that went out can meet: the rules let it through.
    if (err == ECONNREFUSED || err == EINPROGRESS || err == ENETUNREACH || err == ECONNRESET) {
      return V::kAllowed;
    }
  }
  *other = result;
  return V::kAllowed;
}

int LandlockAbi() { return LandlockAbiVersion(); }

V Expected(const Case& c) {
  if (ExpectedTier() == "bpf-lsm") return c.bpf;
  if (ExpectedTier() == "landlock") return LandlockAbi() >= c.abi ? c.landlock : c.landlock_old;
  return c.seccomp;
}

std::string NetProbe() {
  return (std::filesystem::path(testing::AccessProbePath()).parent_path() / "net_probe").string();
}

// A listening TCP socket on ADDR:PORT, and how many connections it saw.
struct Listener {
  int fd = -1;
  std::atomic<int> accepted{0};
};

class NetworkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Our own network: loopback only, with the addresses and settings the cases need.
    ASSERT_EQ(::unshare(CLONE_NEWNET), 0) << std::strerror(errno);
    for (std::string command :
         std::vector<std::string>{"ip link set lo up", "ip -6 addr add fd99::1/64 dev lo nodad",
                                  "ip -6 addr add fd99:1::1/64 dev lo nodad"}) {
      std::vector<std::string> argv = {"/usr/sbin/ip"};
      for (absl::string_view word : absl::StrSplit(command.substr(3), ' ')) argv.emplace_back(word);
      ProcessResult ip = RunProcess(argv);
      ASSERT_EQ(ip.exit_code, 0) << command << ": " << ip.err;
    }
    WriteSysctl("net/ipv4/ping_group_range", "0 2147483647");
    WriteSysctl("net/ipv4/tcp_fastopen", "3");
    if (std::filesystem::exists("/proc/sys/net/mptcp/enabled")) {
      WriteSysctl("net/mptcp/enabled", "1");
    }
    int mptcp = ::socket(AF_INET, SOCK_STREAM, 262);
    has_mptcp_ = mptcp >= 0;
    if (mptcp >= 0) ::close(mptcp);
    std::printf("network suite: tier %s, Landlock ABI %d, MPTCP %s\n", ExpectedTier().c_str(),
                LandlockAbi(), has_mptcp_ ? "built in" : "not in this kernel: its cases are n/a");

    for (auto [address, port] : std::vector<std::pair<std::string, int>>{{"127.0.0.1", 8000},
                                                                         {"127.0.0.7", 8080},
                                                                         {"127.0.0.7", 8081},
                                                                         {"127.1.0.1", 8000},
                                                                         {"::1", 8000},
                                                                         {"fd99::1", 8443},
                                                                         {"fd99:1::1", 8443}}) {
      listeners_.emplace(absl::StrCat(address, " ", port), Listen(address, port));
    }
    dir_ = std::filesystem::temp_directory_path() / absl::StrCat("cvlsm-net-", ::getpid());
    std::filesystem::create_directories(dir_ / "outside");
    std::filesystem::create_directories(dir_ / "writable");
    unix_fds_.push_back(UnixServer((dir_ / "outside/daemon.sock").string(), SOCK_STREAM));
    unix_fds_.push_back(UnixServer((dir_ / "outside/dgram.sock").string(), SOCK_DGRAM));
    unix_fds_.push_back(UnixServer((dir_ / "writable/app.sock").string(), SOCK_STREAM));
    unix_fds_.push_back(UnixServer("@" + Abstract("outside"), SOCK_STREAM));
    unix_fds_.push_back(UnixServer("@" + Abstract("dgram"), SOCK_DGRAM));
    acceptor_ = std::thread(AcceptLoop);
  }

  static void TearDownTestSuite() {
    stop_ = true;
    if (acceptor_.joinable()) acceptor_.join();
    for (auto& [name, listener] : listeners_) ::close(listener->fd);
    for (int fd : unix_fds_) ::close(fd);
    std::filesystem::remove_all(dir_);
  }

  void SetUp() override { ASSERT_TRUE(MachineRunsTheExpectedTier()); }

  static void WriteSysctl(const std::string& name, const std::string& value) {
    std::ofstream(absl::StrCat("/proc/sys/", name)) << value;
  }

  static std::string Abstract(const std::string& name) {
    return absl::StrCat("cvlsm-net-", name, "-", ::getpid());
  }

  static std::unique_ptr<Listener> Listen(const std::string& address, int port) {
    auto listener = std::make_unique<Listener>();
    sockaddr_storage storage{};
    socklen_t length = 0;
    auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    if (inet_pton(AF_INET, address.c_str(), &in4->sin_addr) == 1) {
      in4->sin_family = AF_INET;
      in4->sin_port = htons(port);
      length = sizeof(*in4);
    } else {
      inet_pton(AF_INET6, address.c_str(), &in6->sin6_addr);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(port);
      length = sizeof(*in6);
    }
    listener->fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    ::setsockopt(listener->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ::setsockopt(listener->fd, IPPROTO_TCP, 23 /* TCP_FASTOPEN */, &one, sizeof(one));
    EXPECT_EQ(::bind(listener->fd, reinterpret_cast<sockaddr*>(&storage), length), 0)
        << address << " " << port << ": " << std::strerror(errno);
    EXPECT_EQ(::listen(listener->fd, 64), 0);
    return listener;
  }

  static int UnixServer(const std::string& name, int type) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    socklen_t length;
    if (name[0] == '@') {
      std::memcpy(address.sun_path + 1, name.data() + 1, name.size() - 1);
      length = offsetof(sockaddr_un, sun_path) + name.size();
    } else {
      std::memcpy(address.sun_path, name.data(), name.size());
      length = offsetof(sockaddr_un, sun_path) + name.size() + 1;
    }
    int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), length), 0)
        << name << ": " << std::strerror(errno);
    if (type == SOCK_STREAM) {
      EXPECT_EQ(::listen(fd, 64), 0);
    }
    return fd;
  }

  // Accepts (and closes) what reaches the listeners, counting per listener.
  static void AcceptLoop() {
    while (!stop_) {
      std::vector<pollfd> fds;
      std::vector<Listener*> owners;
      for (auto& [name, listener] : listeners_) {
        fds.push_back({listener->fd, POLLIN, 0});
        owners.push_back(listener.get());
      }
      for (int fd : unix_fds_) {
        fds.push_back({fd, POLLIN, 0});
        owners.push_back(nullptr);
      }
      if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
      for (size_t i = 0; i < fds.size(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        int client = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (client >= 0) {
          ::close(client);
          if (owners[i] != nullptr) ++owners[i]->accepted;
        } else {
          char sink[64];
          (void)!::recv(fds[i].fd, sink, sizeof(sink), MSG_DONTWAIT);  // a datagram
        }
      }
    }
  }

  // Runs the cases in one confined run and checks each verdict against the tier's.
  static inline const std::string kNoNetworkRules = "has no network rules";

  // What `cv-lsm run` must say it leaves unenforced, on Landlock and on seccomp alone.
  struct Warning {
    std::string landlock;  // where the Landlock ABI has TCP rules (4)
    std::string seccomp;
    std::string landlock_old;  // where it has none (empty: "has no network rules")
  };

  void RunCases(const std::vector<std::string>& policy, const std::vector<Case>& cases,
                const Warning& must_warn = {}) {
    std::vector<std::string> args = {
        "run", "--allow", std::filesystem::path(NetProbe()).parent_path().string() + ":rx"};
    args.insert(args.end(), policy.begin(), policy.end());
    args.push_back("--");
    args.push_back(NetProbe());
    std::vector<const Case*> ran;
    for (const Case& c : cases) {
      if (!has_mptcp_ && Contains(c.op, "mptcp")) continue;
      args.push_back(c.op);
      ran.push_back(&c);
    }
    ProcessResult result = RunCli(args);
    ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
    std::vector<std::string> lines = absl::StrSplit(result.out, '\n', absl::SkipEmpty());
    ASSERT_EQ(lines.size(), ran.size()) << result.out << result.err;
    for (size_t i = 0; i < ran.size(); ++i) {
      std::string other;
      V got = Classify(lines[i], &other);
      EXPECT_TRUE(other.empty()) << ran[i]->op << ": unexpected " << other;
      V want = Expected(*ran[i]);
      if (want == V::kKernels && got != V::kEacces) continue;
      EXPECT_EQ(Name(got), std::string(Name(want))) << ran[i]->op << " (tier " << ExpectedTier()
                                                    << ", Landlock ABI " << LandlockAbi() << ")\n"
                                                    << result.err;
    }
    // What a tier leaves unenforced, it says.
    const std::string& warning = ExpectedTier() != "landlock" ? must_warn.seccomp
                                 : LandlockAbi() >= 4         ? must_warn.landlock
                                 : must_warn.landlock_old.empty() && !must_warn.landlock.empty()
                                     ? kNoNetworkRules
                                     : must_warn.landlock_old;
    if (!warning.empty() && ExpectedTier() != "bpf-lsm") {
      EXPECT_TRUE(Contains(result.err, "NOT enforced on tier " + ExpectedTier())) << result.err;
      EXPECT_TRUE(Contains(result.err, warning)) << result.err;
    }
  }

  static int Accepted(const std::string& listener) { return listeners_.at(listener)->accepted; }

  static inline std::map<std::string, std::unique_ptr<Listener>> listeners_;
  static inline std::vector<int> unix_fds_;
  static inline std::filesystem::path dir_;
  static inline std::thread acceptor_;
  static inline std::atomic<bool> stop_{false};
  static inline bool has_mptcp_ = false;
};

const std::vector<std::string> kConnectPolicy = {"--policy",        "network",
                                                 "--allow-connect", "tcp:127.0.0.0/24:8000-8100",
                                                 "--deny-connect",  "tcp:127.0.0.7:8080",
                                                 "--allow-connect", "udp:127.0.0.1:53",
                                                 "--allow-connect", "tcp:[fd99::]/64:8443",
                                                 "--allow-connect", "icmp:127.0.0.1"};

TEST_F(NetworkTest, ConnectRulesByProtocolAddressAndPort) {
  const int reached_before = Accepted("127.1.0.1 8000");
  RunCases(kConnectPolicy,
           {
               Every("connect tcp 127.0.0.1 8000", V::kAllowed),
               // A port outside the rules: Landlock's TCP rules see ports.
               {"connect tcp 127.0.0.1 8101", V::kEacces, V::kEacces, V::kAllowed, 4, V::kAllowed},
               // An address outside the prefix, on an allowed port: only bpf-lsm sees addresses.
               BpfOnly("connect tcp 127.1.0.1 8000", V::kEacces),
               BpfOnly("connect tcp 127.0.0.7 8080", V::kEacces),  // deny wins
               Every("connect tcp 127.0.0.7 8081", V::kAllowed),
               // IPv4-mapped: the IPv4 address, from an IPv6 socket.
               Every("connect tcp ::ffff:127.0.0.1 8000", V::kAllowed),
               BpfOnly("connect tcp ::ffff:127.1.0.1 8000", V::kEacces),
               // IPv6 prefixes.
               Every("connect tcp fd99::1 8443", V::kAllowed),
               BpfOnly("connect tcp fd99:1::1 8443", V::kEacces),
               {"connect tcp ::1 8000", V::kEacces, V::kAllowed, V::kAllowed, 4, V::kAllowed},
               // The unspecified address is this host: loopback's rules apply.
               Every("connect tcp 0.0.0.0 8000", V::kAllowed),
               {"connect tcp 0.0.0.0 8200", V::kEacces, V::kEacces, V::kAllowed, 4, V::kAllowed},
               // UDP with and without connect, sendmsg and sendmmsg with an address.
               Every("sendto udp 127.0.0.1 53", V::kAllowed),
               BpfOnly("sendto udp 127.0.0.1 54", V::kEacces),
               BpfOnly("sendmsg udp 127.0.0.2 53", V::kEacces),
               BpfOnly("connect udp 127.0.0.9 53", V::kEacces),
               BpfOnly("connected-sendto udp 127.0.0.1 53 127.0.0.3 53", V::kEacces),
               BpfOnly("sendmmsg udp 127.0.0.1 53 127.0.0.4 53", V::kEacces),
               // TCP Fast Open: the destination of sendto(MSG_FASTOPEN), and of the
               // connect that TCP_FASTOPEN_CONNECT defers.
               Every("fastopen tcp 127.0.0.1 8000", V::kAllowed),
               BpfOnly("fastopen tcp 127.1.0.1 8000", V::kEacces),
               BpfOnly("fastopen-connect 127.1.0.1 8000", V::kEacces),
               // MPTCP is TCP; where the network rules are not the kernel's, the filter
               // refuses MPTCP sockets (Landlock's TCP rules do not cover them).
               {"connect mptcp 127.0.0.1 8000", V::kAllowed, V::kEperm, V::kEperm, 0, V::kEperm},
               {"connect mptcp 127.1.0.1 8000", V::kEacces, V::kEperm, V::kEperm, 0, V::kEperm},
               {"fastopen mptcp 127.1.0.1 8000", V::kEacces, V::kEperm, V::kEperm, 0, V::kEperm},
               // ICMP echo to an allowed and a refused address.
               Every("sendto icmp 127.0.0.1 0", V::kAllowed),
               BpfOnly("sendto icmp 127.0.0.2 0", V::kEacces),
               BpfOnly("connect icmp 127.0.0.2 0", V::kEacces),
               // A source route would send packets past the address the rules checked.
               // Kernels from 6.x want CAP_NET_RAW for one, which `cv-lsm run` drops; the
               // hook runs first (a process with the capability: below).
               {"source-route", V::kEacces, V::kKernels, V::kKernels, 0, V::kKernels},
           },
           {"the addresses of the tcp connect rules", "connect rules (tier seccomp", ""});
  if (ExpectedTier() == "bpf-lsm") {
    EXPECT_EQ(Accepted("127.1.0.1 8000"), reached_before)
        << "a refused connect reached its listener";
  }
}

TEST_F(NetworkTest, ProtocolsWithoutAnAllowRuleAreRefusedOnEveryTier) {
  // Connect rules for TCP only and bind rules for TCP only: UDP and ICMP sockets are of no
  // use, and the filter refuses to make them on every tier.
  RunCases(
      {"--policy", "network", "--allow-connect", "tcp:127.0.0.1:8000", "--allow-bind",
       "tcp:127.0.0.1:9000"},
      {Every("connect tcp 127.0.0.1 8000", V::kAllowed),
       Every("sendto udp 127.0.0.1 53", V::kEperm), Every("sendto icmp 127.0.0.1 0", V::kEperm),
       Every("socket 17 3 0", V::kEperm),      // AF_PACKET, SOCK_RAW
       Every("socket 2 3 1", V::kEperm),       // a raw ICMP socket
       Every("socket 2 1 132", V::kEperm),     // SCTP
       Every("socket 40 1 0", V::kEperm),      // AF_VSOCK
       Every("socket 38 5 0", V::kEperm),      // AF_ALG
       Every("socket 16 3 16", V::kEperm),     // netlink, NETLINK_GENERIC
       Every("socket 16 3 0", V::kAllowed)});  // NETLINK_ROUTE (getaddrinfo)
}

TEST_F(NetworkTest, NoRuleOfADirectionKeepsThePresetsBehaviour) {
  RunCases(
      {"--policy", "network"},
      {Every("connect tcp 127.1.0.1 8000", V::kAllowed),
       Every("sendto udp 127.0.0.9 9", V::kAllowed), Every("sendto icmp 127.0.0.2 0", V::kAllowed),
       Every("bind tcp 127.0.0.1 9100", V::kAllowed), Every("listen tcp", V::kAllowed),
       // Families are refused whatever the rules; a source route is the kernel's to
       // answer when no connect rule needs it refused first.
       Every("socket 17 3 0", V::kEperm), Every("source-route", V::kKernels)});
}

TEST_F(NetworkTest, BindRulesByAddressAndPortAndTheListenWithoutBind) {
  RunCases(
      {"--policy", "network", "--allow-bind", "tcp:127.0.0.1:9000", "--allow-bind", "udp:*:5353"},
      {Every("bind tcp 127.0.0.1 9000", V::kAllowed),
       {"bind tcp 127.0.0.1 9001", V::kEacces, V::kEacces, V::kAllowed, 4, V::kAllowed},
       BpfOnly("bind tcp 0.0.0.0 9000", V::kEacces),
       BpfOnly("bind tcp ::1 9000", V::kEacces),
       // Every address of both families: :: on a dual-stack socket is 0.0.0.0 too.
       BpfOnly("bind tcp :: 9000", V::kEacces),
       // A listen() without bind() takes an ephemeral port on every address.
       BpfOnly("listen tcp", V::kEacces),
       Every("bind udp 127.0.0.1 5353", V::kAllowed),
       Every("bind udp :: 5353", V::kAllowed),
       BpfOnly("bind udp 127.0.0.1 5354", V::kEacces)},
      {"tcp bind rules on a listen() without bind()", "bind rules (tier seccomp", ""});
}

TEST_F(NetworkTest, UnixSocketsFollowThePathRulesAndTheConfinement) {
  const std::string outside = (dir_ / "outside").string();
  const std::string writable = (dir_ / "writable").string();
  const std::vector<std::string> policy = {"--policy",       "network", "--allow",
                                           writable + ":rw", "--allow", outside + ":r"};
  RunCases(
      policy,
      {// A daemon's socket outside the path rules' w: refused; one in a w directory works.
       BpfOnly("unix-connect " + outside + "/daemon.sock", V::kEacces),
       BpfOnly("unix-sendto " + outside + "/dgram.sock", V::kEacces),
       Every("unix-connect " + writable + "/app.sock", V::kAllowed),
       // An abstract socket outside the confinement: EPERM (Landlock scopes from ABI 6).
       {"unix-connect @" + Abstract("outside"), V::kEperm, V::kEperm, V::kAllowed, 6, V::kAllowed},
       {"unix-sendto @" + Abstract("dgram"), V::kEperm, V::kEperm, V::kAllowed, 6, V::kAllowed},
       // One the confined process makes itself is inside the confinement.
       Every("unix-self @" + Abstract("inside"), V::kAllowed)},
      {"unix socket", "unix sockets outside the confinement", "unix socket"});
  // A rule naming the abstract socket lets it through (Landlock can then scope none).
  std::vector<std::string> named = policy;
  named.insert(named.end(), {"--allow-connect", "unix:@" + Abstract("outside")});
  RunCases(named, {Every("unix-connect @" + Abstract("outside"), V::kAllowed),
                   {"unix-sendto @" + Abstract("dgram"), V::kEperm, V::kAllowed, V::kAllowed, 6,
                    V::kAllowed}});
}

TEST_F(NetworkTest, StrictRefusesWhatTheTierCannotEnforce) {
  ProcessResult result = RunCli({"run", "--strict", "--policy", "network", "--allow-connect",
                                 "tcp:10.0.0.0/8:443", "--", "/bin/true"});
  if (ExpectedTier() == "bpf-lsm") {
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return;
  }
  EXPECT_EQ(result.exit_code, testing::kLauncherFailed) << result.err;
  EXPECT_TRUE(Contains(result.err, "--strict")) << result.err;
  // seccomp alone enforces no path rule either, and --strict stops there.
  const char* why = ExpectedTier() == "seccomp" ? "path rules cannot be enforced"
                    : LandlockAbi() >= 4        ? "the addresses of the tcp connect rules"
                                                : "tcp connect rules (Landlock ABI";
  EXPECT_TRUE(Contains(result.err, why)) << result.err;
}

// Routes around the syscall filter reach the same hooks: io_uring's connect and sendmsg, and
// socket() itself, from a process placed in the confined cgroup from outside (as `docker
// exec` or `cv-lsm apply` leave it: no filter of cv-lsm's).
TEST_F(NetworkTest, IoUringAndSocketsOfAProcessWithoutTheFilter) {
  if (ExpectedTier() != "bpf-lsm") {
    std::printf(
        "io_uring: the seccomp filter refuses io_uring on tier %s (io_uring_setup is "
        "always blocked); only bpf-lsm confines a process without it\n",
        ExpectedTier().c_str());
    ProcessResult result = RunCli({"run", "--policy", "network", "--allow",
                                   std::filesystem::path(NetProbe()).parent_path().string() + ":rx",
                                   "--", NetProbe(), "uring-connect 127.0.0.1 8000"});
    EXPECT_TRUE(Contains(result.out, "errno 1 ")) << result.out << result.err;
    return;
  }
  absl::StatusOr<EnforcerChoice> choice = ChooseEnforcer(TierRequest::kBpfLsm);
  ASSERT_TRUE(choice.ok()) << choice.status();
  absl::StatusOr<OwnedCgroup> cgroup =
      OwnedCgroup::Create("cv-lsm", "net-uring", CVLSM_MAX_CGROUP_DEPTH - 1);
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  Policy policy = Policy::Preset(PolicyType::kNetwork);
  ASSERT_TRUE(
      policy.AddPath(std::filesystem::path(NetProbe()).parent_path().string(), kRead | kExec).ok());
  policy.AddNetRule(*NetRule::Parse(NetDirection::kConnect, false, "tcp:127.0.0.1:8000"));
  policy.AddNetRule(*NetRule::Parse(NetDirection::kConnect, false, "udp:127.0.0.1:53"));
  ASSERT_TRUE(testing::Confine(choice->enforcer(), cgroup->id(), policy).ok());

  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  int procs = ::open(cgroup->procs_file().c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(procs, 0);
  pid_t child = ::fork();
  if (child == 0) {
    ::dup2(out[1], 1);
    if (::write(procs, "0", 1) != 1) ::_exit(100);
    std::string probe = NetProbe();
    ::execl(probe.c_str(), "net_probe", "uring-connect 127.0.0.1 8000",
            "uring-connect 127.1.0.1 8000", "uring-sendmsg 127.0.0.1 53",
            "uring-sendmsg 127.0.0.5 53", "socket 17 3 0", "socket 2 1 132", "socket 2 1 0",
            "source-route", static_cast<char*>(nullptr));
    ::_exit(101);
  }
  ::close(out[1]);
  ::close(procs);
  std::string output;
  char buffer[4096];
  for (ssize_t n; (n = ::read(out[0], buffer, sizeof(buffer))) > 0;) output.append(buffer, n);
  ::close(out[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << output;
  std::vector<std::string> lines = absl::StrSplit(output, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 8u) << output;
  // Root with every capability (CAP_NET_RAW too, as Docker's default leaves a container):
  // the kernel would take the source route; the hook refuses it.
  const V want[] = {V::kAllowed, V::kEacces, V::kAllowed, V::kEacces,
                    V::kEacces,  V::kEacces, V::kAllowed, V::kEacces};
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string other;
    EXPECT_EQ(Name(Classify(lines[i], &other)), std::string(Name(want[i]))) << lines[i];
    EXPECT_TRUE(other.empty()) << lines[i];
  }
  EXPECT_TRUE(choice->enforcer().Release(cgroup->id()).ok());
}

// Audit mode reports a refused connect with its protocol, address and port and lets it
// happen; learn writes the connect rules a run needed, and the learned policy allows them and
// nothing else.
TEST_F(NetworkTest, AuditModeReportsAndLearnWritesTheEndpoints) {
  const std::string probe_dir = std::filesystem::path(NetProbe()).parent_path().string();
  if (ExpectedTier() != "bpf-lsm") {
    ProcessResult audit = RunCli({"run", "--audit", "--policy", "network", "--", "/bin/true"});
    EXPECT_EQ(audit.exit_code, testing::kLauncherFailed) << audit.err;
    EXPECT_TRUE(Contains(audit.err, "audit mode needs the bpf-lsm tier")) << audit.err;
    return;
  }
  ProcessResult audit = RunCli({"run", "--audit", "--policy", "network", "--allow",
                                probe_dir + ":rx", "--allow-connect", "tcp:127.0.0.1:8000", "--",
                                NetProbe(), "connect tcp 127.1.0.1 8000"});
  EXPECT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_TRUE(Contains(audit.out, "connect tcp 127.1.0.1 8000: ok")) << audit.out;
  EXPECT_TRUE(Contains(audit.err, "connect tcp 127.1.0.1:8000")) << audit.err;

  const std::string learned = (dir_ / "learned.json").string();
  ProcessResult learn = RunCli({"learn", "--base", "network", "-o", learned, "--", NetProbe(),
                                "connect tcp 127.1.0.1 8000", "sendto udp 127.0.0.1 53",
                                "unix-connect @" + Abstract("outside")});
  ASSERT_EQ(learn.exit_code, 0) << learn.err;
  std::ifstream file(learned);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(Contains(text, R"({"allow": "tcp:127.1.0.1:8000"})")) << text;
  EXPECT_TRUE(Contains(text, R"({"allow": "udp:127.0.0.1:53"})")) << text;
  EXPECT_TRUE(Contains(text, "@" + Abstract("outside"))) << text;
  RunCases({"--policy-file", learned},
           {Every("connect tcp 127.1.0.1 8000", V::kAllowed),
            BpfOnly("connect tcp 127.0.0.1 8000", V::kEacces),
            Every("sendto udp 127.0.0.1 53", V::kAllowed),
            BpfOnly("sendto udp 127.0.0.1 54", V::kEacces),
            Every("unix-connect @" + Abstract("outside"), V::kAllowed)});
}

}  // namespace
}  // namespace cvlsm
