// connect: connect()+close() of a TCP socket to a listener on 127.0.0.1 that the policy's
// one allow rule names, with N-1 decoy prefixes of other networks in force beside it, under
// no policy, bpf-lsm (the LPM lookups of socket_connect), landlock (its TCP port rules, from
// ABI 4) and the Network preset's syscall filter. One JSON object per line (see README.md).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "harness.h"
#include "scratch_tree.h"

namespace cvlsm::bench {
namespace {

constexpr int kBlock = 20;

int64_t NowNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// In the confined child: `target` is "127.0.0.1:PORT". SO_LINGER 0 closes with a reset, so
// no TIME_WAIT piles up over hundreds of thousands of connections.
int ConnectClose(const char* target, int iterations, double* samples, int max_samples) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const char* colon = std::strchr(target, ':');
  address.sin_port = htons(static_cast<uint16_t>(colon ? std::atoi(colon + 1) : 0));
  const linger reset{1, 0};
  int count = 0;
  for (int done = 0; done < iterations && count < max_samples; done += kBlock) {
    int block = iterations - done < kBlock ? iterations - done : kBlock;
    int64_t start = NowNs();
    for (int i = 0; i < block; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) return -errno;
      if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        int err = errno;
        ::close(fd);
        return -err;
      }
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
      ::close(fd);
    }
    samples[count++] = static_cast<double>(NowNs() - start) / block;
  }
  return count;
}

// The listener every child connects to, accepting and closing in a thread of the parent.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(fd_, 4096) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      std::perror("connect bench: listener");
      std::exit(1);
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client >= 0) ::close(client);
      }
    });
    thread_.detach();  // lives as long as the process
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

int listener_port = 0;

// The tree's rule (the children prove their confinement by a refused open outside it), the
// socket() the families need, the allow rule for the listener, and rules-1 decoys: prefixes
// of other networks, /16 to /32, on the listener's port (so Landlock, which sees ports only,
// holds the same rule count's worth of work: one port).
absl::StatusOr<Policy> ConnectPolicy(const ScratchTree& tree, int rules) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  if (absl::Status status = policy.AddPath(tree.tree(), kRead); !status.ok()) return status;
  if (absl::Status status = policy.AddSyscall("socket"); !status.ok()) return status;
  if (absl::Status status = policy.AddNetRuleText(NetDirection::kConnect, false,
                                                  absl::StrCat("tcp:127.0.0.1:", listener_port));
      !status.ok()) {
    return status;
  }
  std::mt19937 random(rules);
  for (int i = 0; i + 1 < rules; ++i) {
    uint32_t address = 0x0a000000u | (random() & 0x00ffffffu);  // 10.0.0.0/8
    int length = 16 + static_cast<int>(random() % 17);
    in_addr in{htonl(address)};
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &in, text, sizeof(text));
    if (absl::Status status =
            policy.AddNetRuleText(NetDirection::kConnect, false,
                                  absl::StrCat("tcp:", text, "/", length, ":", listener_port));
        !status.ok()) {
      return status;
    }
  }
  return policy;
}

}  // namespace
}  // namespace cvlsm::bench

int main(int argc, char** argv) {
  using namespace cvlsm::bench;
  static Listener listener;
  listener_port = listener.port();
  Workload workload;
  workload.bench = "connect";
  workload.seccomp_preset = cvlsm::PolicyType::kNetwork;
  workload.fixed_target = absl::StrCat("127.0.0.1:", listener.port());
  workload.policy = ConnectPolicy;
  workload.traced_programs = {{"bpf_socket_connect", "cvlsm_socket_co"},
                              {"bpf_socket_create", "cvlsm_socket_cr"}};
  workload.run = ConnectClose;
  BenchDefaults defaults;
  defaults.normal.depths = {1};
  defaults.normal.rules = {0, 10, 1000, 10000};
  defaults.smoke.rounds = 3;
  defaults.smoke.iterations = 200;
  defaults.smoke.depths = {1};
  defaults.smoke.rules = {0, 10};
  defaults.full_rules = {0, 10, 1000, 10000};
  return BenchMain(argc, argv, workload, defaults);
}
