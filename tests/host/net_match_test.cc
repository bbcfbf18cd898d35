// The kernel's network matcher against the rules themselves: random policies are folded and
// written into the very tries the LSM programs read (bpf_backend/net_entries.h), and the
// programs' lookup (bpf/helpers/net_match.bpf.h, run in a socket filter through
// BPF_PROG_TEST_RUN) answers random queries drawn near the rules' prefixes and ports, each
// compared with NetRulesAllow. Needs root (BPF), on the host and in every guest.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <random>

#include "bpf_backend/net_entries.h"
#include "cvlsm_abi.h"
#include "net_match_probe.skel.h"
#include "policy/net_fold.h"
#include "policy/net_rules.h"

namespace cvlsm {
namespace {

struct NetQuery {
  uint32_t policy_id;
  uint32_t selector;
  uint32_t ipv6;
  uint32_t port;
  uint8_t address[16];
};

class NetMatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    skel_ = net_match_probe__open_and_load();
    ASSERT_NE(skel_, nullptr) << "load the matcher probe: " << std::strerror(errno)
                              << " (needs root)";
  }
  void TearDown() override { net_match_probe__destroy(skel_); }

  // Writes one policy's folded entries as the manager does; false when it cannot fold.
  void Install(uint32_t policy_id, const std::vector<NetRule>& rules) {
    NetworkRules network;
    network.rules = rules;
    absl::StatusOr<NetworkEntries> entries = NetworkEntriesOf(policy_id, network);
    ASSERT_TRUE(entries.ok()) << entries.status();
    for (const auto& [key, ports] : entries->v4) {
      ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(skel_->maps.cvlsm_net4), &key, &ports, BPF_ANY), 0);
    }
    for (const auto& [key, ports] : entries->v6) {
      ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(skel_->maps.cvlsm_net6), &key, &ports, BPF_ANY), 0);
    }
  }

  // The kernel's answer: 1 allowed, 0 refused. The packet starts with an Ethernet header,
  // which the test run takes off before the program sees the query.
  int Kernel(const NetQuery& query) {
    struct {
      uint8_t ethernet[14];
      NetQuery query;
    } __attribute__((packed)) packet{};
    packet.query = query;
    LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = &packet, .data_size_in = sizeof(packet));
    int err = bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.cvlsm_net_match_probe), &run);
    EXPECT_EQ(err, 0) << std::strerror(errno);
    return static_cast<int>(run.retval);
  }

  net_match_probe* skel_ = nullptr;
};

uint32_t Selector(NetDirection direction, NetProtocol protocol) {
  uint32_t kind = protocol == NetProtocol::kTcp   ? CVLSM_NET_TCP
                  : protocol == NetProtocol::kUdp ? CVLSM_NET_UDP
                                                  : CVLSM_NET_ICMP;
  return CVLSM_NET_SELECTOR(
      direction == NetDirection::kConnect ? CVLSM_NET_CONNECT : CVLSM_NET_BIND, kind);
}

NetRule RandomRule(std::mt19937_64& random) {
  NetRule rule;
  rule.direction = random() % 4 == 0 ? NetDirection::kBind : NetDirection::kConnect;
  rule.deny = random() % 3 == 0;
  rule.protocol = static_cast<NetProtocol>(random() % 3);
  if (rule.direction == NetDirection::kBind && rule.protocol == NetProtocol::kIcmp) {
    rule.protocol = NetProtocol::kTcp;
  }
  int kind = static_cast<int>(random() % 10);
  rule.prefix.family = kind == 0  ? NetPrefix::Family::kAny
                       : kind < 6 ? NetPrefix::Family::kIpv4
                                  : NetPrefix::Family::kIpv6;
  if (rule.prefix.family != NetPrefix::Family::kAny) {
    int bits = rule.prefix.family == NetPrefix::Family::kIpv4 ? 32 : 128;
    // Few distinct byte values, so that prefixes nest and overlap often.
    for (int b = 0; b < bits / 8; ++b) rule.prefix.address[b] = static_cast<uint8_t>(random() % 3);
    rule.prefix.length = static_cast<uint8_t>(random() % (bits + 1));
    for (int bit = rule.prefix.length; bit < bits; ++bit) {
      rule.prefix.address[bit / 8] &= ~(0x80u >> (bit % 8));
    }
  }
  if (rule.protocol != NetProtocol::kIcmp) {
    uint16_t a = static_cast<uint16_t>(random() % 48), b = static_cast<uint16_t>(random() % 48);
    rule.ports = random() % 6 == 0 ? PortRange{} : PortRange{std::min(a, b), std::max(a, b)};
  }
  return rule;
}

// Every query the kernel answers as the rules say: 100k and more over 250 random policies,
// installed side by side under their own policy ids (as on a machine with many containers).
TEST_F(NetMatchTest, KernelTriesAgreeWithTheRulesOnRandomPoliciesAndAddresses) {
  std::mt19937_64 random(0xc0ffee);
  constexpr int kPolicies = 250;
  constexpr int kQueriesPerPolicy = 420;
  std::vector<std::vector<NetRule>> policies;
  for (int p = 0; p < kPolicies; ++p) {
    std::vector<NetRule> rules;
    int count = 1 + static_cast<int>(random() % 24);
    for (int i = 0; i < count; ++i) rules.push_back(RandomRule(random));
    ASSERT_NO_FATAL_FAILURE(Install(1000 + p, rules));
    policies.push_back(std::move(rules));
  }
  int queries = 0, mismatches = 0, allowed = 0;
  for (int p = 0; p < kPolicies; ++p) {
    for (int q = 0; q < kQueriesPerPolicy; ++q) {
      NetQuery query{};
      query.policy_id = 1000 + p;
      NetPrefix::Family family = random() % 2 ? NetPrefix::Family::kIpv4 : NetPrefix::Family::kIpv6;
      query.ipv6 = family == NetPrefix::Family::kIpv6;
      for (int b = 0; b < (query.ipv6 ? 16 : 4); ++b) {
        query.address[b] = static_cast<uint8_t>(random() % 3);
      }
      NetDirection direction = random() % 2 ? NetDirection::kConnect : NetDirection::kBind;
      NetProtocol protocol = static_cast<NetProtocol>(random() % 3);
      query.selector = Selector(direction, protocol);
      query.port = protocol == NetProtocol::kIcmp ? 0 : static_cast<uint32_t>(random() % 52);
      bool want = NetRulesAllow(policies[p], direction, protocol, family, query.address,
                                static_cast<uint16_t>(query.port));
      int got = Kernel(query);
      ++queries;
      allowed += want;
      if (got != (want ? 1 : 0)) {
        if (++mismatches <= 5) {
          ADD_FAILURE() << "policy " << p << " query port " << query.port << " ipv6 " << query.ipv6
                        << ": kernel " << got << ", rules " << want;
        }
      }
    }
  }
  std::printf("net matcher: %d queries over %d policies, %d allowed, %d mismatches\n", queries,
              kPolicies, allowed, mismatches);
  EXPECT_GE(queries, 100000);
  EXPECT_EQ(mismatches, 0) << "of " << queries << " queries";
  // The draws must reach both answers often, or agreement proves little.
  EXPECT_GT(allowed, queries / 20);
  EXPECT_LT(allowed, queries - queries / 20);
}

}  // namespace
}  // namespace cvlsm
