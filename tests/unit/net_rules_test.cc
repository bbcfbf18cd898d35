// Network rules: the command-line and file form, and the folded tables the kernel looks up,
// checked against the rules themselves on random policies and addresses.
#include "policy/net_rules.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <random>

#include "policy/net_defaults.h"
#include "policy/net_fold.h"

namespace cvlsm {
namespace {

NetRule Rule(NetDirection direction, bool deny, const std::string& text) {
  absl::StatusOr<NetRule> rule = NetRule::Parse(direction, deny, text);
  EXPECT_TRUE(rule.ok()) << text << ": " << rule.status();
  return rule.ok() ? *rule : NetRule{};
}

TEST(NetRulesTest, ParsesEveryFormAndWritesItBack) {
  struct Case {
    std::string text, written;
  };
  for (const Case& c : std::vector<Case>{
           {"tcp:10.0.0.0/8:443", "tcp:10.0.0.0/8:443"},
           {"udp:10.0.0.2:53", "udp:10.0.0.2:53"},
           {"tcp:[fd00::]/8:443", "tcp:[fd00::]/8:443"},
           {"tcp:[fd00::1]:8000-8100", "tcp:[fd00::1]:8000-8100"},
           {"tcp:*:*", "tcp:*:*"},
           {"udp:*:0-65535", "udp:*:*"},
           {"icmp:10.0.0.1", "icmp:10.0.0.1"},
           {"icmp:*", "icmp:*"},
           {"tcp:10.1.2.3/8:80", "tcp:10.0.0.0/8:80"},       // host bits dropped
           {"tcp:[::ffff:10.0.0.1]:80", "tcp:10.0.0.1:80"},  // mapped: the IPv4 address
           {"tcp:[::ffff:10.0.0.0]/104:80", "tcp:10.0.0.0/8:80"},
       }) {
    NetRule rule = Rule(NetDirection::kConnect, false, c.text);
    EXPECT_EQ(rule.ToString(), c.written) << c.text;
    EXPECT_EQ(Rule(NetDirection::kConnect, false, rule.ToString()), rule) << c.text;
  }
}

TEST(NetRulesTest, BadRulesSayWhatIsWrong) {
  struct Case {
    std::string text, says;
  };
  for (const Case& c : std::vector<Case>{
           {"sctp:10.0.0.1:80", "unknown protocol 'sctp'"},
           {"tcp:10.0.0.1", "no ports"},
           {"tcp", "no address"},
           {"tcp:10.0.0.300:80", "not an IPv4 or IPv6 address"},
           {"tcp:10.0.0.0/33:80", "prefix length must be 0 to 32"},
           {"tcp:fd00::1:80", "in brackets"},
           {"tcp:[fd00::1:80", "no ']'"},
           {"tcp:10.0.0.1:70000", "not a port"},
           {"tcp:10.0.0.1:90-80", "ends before it starts"},
           {"tcp:10.0.0.1:-1", "not a port"},
           {"icmp:10.0.0.1:7", "icmp has no ports"},
       }) {
    absl::StatusOr<NetRule> rule = NetRule::Parse(NetDirection::kConnect, false, c.text);
    ASSERT_FALSE(rule.ok()) << c.text;
    EXPECT_NE(rule.status().message().find(c.says), absl::string_view::npos)
        << c.text << ": " << rule.status();
    EXPECT_NE(rule.status().message().find(c.text), absl::string_view::npos) << rule.status();
  }
  EXPECT_FALSE(NetRule::Parse(NetDirection::kBind, false, "icmp:*").ok());
}

TEST(NetDefaultsTest, PresetsSayWhatTheyDoWithTheNetwork) {
  EXPECT_TRUE(SocketFamilies(Policy::Preset(PolicyType::kMinimal)).empty());
  EXPECT_EQ(SocketFamilies(Policy::Preset(PolicyType::kBuild)), std::vector<std::string>{"unix"});
  EXPECT_EQ(SocketFamilies(Policy::Preset(PolicyType::kNetwork)),
            (std::vector<std::string>{"unix", "inet", "inet6", "netlink-route"}));
  Policy network = Policy::Preset(PolicyType::kNetwork);
  EXPECT_EQ(EffectiveNetDefaults(network).connect, "any");
  ASSERT_TRUE(network.AddNetRuleText(NetDirection::kConnect, false, "tcp:10.0.0.0/8:443").ok());
  EXPECT_EQ(EffectiveNetDefaults(network).connect, "rules only");
  EXPECT_EQ(EffectiveNetDefaults(network).bind, "any");
  EXPECT_EQ(EffectiveNetDefaults(Policy::Preset(PolicyType::kBuild)).connect, "none");
}

TEST(NetDefaultsTest, RulesThatCanNeverApplyAreNamed) {
  Policy network = Policy::Preset(PolicyType::kNetwork);
  ASSERT_TRUE(network.AddNetRuleText(NetDirection::kConnect, false, "tcp:10.0.0.0/8:443").ok());
  ASSERT_TRUE(network.AddNetRuleText(NetDirection::kConnect, false, "unix:@bus").ok());
  EXPECT_TRUE(IdleNetworkRules(network).empty());
  // The build preset has socketpair() only: no rule of either kind can ever apply.
  Policy build = Policy::Preset(PolicyType::kBuild);
  ASSERT_TRUE(build.AddNetRuleText(NetDirection::kBind, false, "tcp:*:8080").ok());
  ASSERT_TRUE(build.AddNetRuleText(NetDirection::kConnect, false, "unix:@bus").ok());
  std::vector<std::string> idle = IdleNetworkRules(build);
  ASSERT_EQ(idle.size(), 2u);
  EXPECT_NE(idle[0].find("--allow-syscall socket"), std::string::npos) << idle[0];
  EXPECT_NE(idle[1].find("abstract unix"), std::string::npos) << idle[1];
  ASSERT_TRUE(build.AddSyscall("socket").ok());
  EXPECT_TRUE(IdleNetworkRules(build).empty());
}

TEST(NetRulesTest, DenyWinsAndMappedAddressesAreIpv4) {
  std::vector<NetRule> rules = {Rule(NetDirection::kConnect, false, "tcp:10.0.0.0/8:443"),
                                Rule(NetDirection::kConnect, false, "tcp:10.1.0.0/16:80"),
                                Rule(NetDirection::kConnect, true, "tcp:10.1.2.3:443")};
  auto allows = [&](const char* ip, uint16_t port) {
    uint8_t a[4];
    inet_pton(AF_INET, ip, a);
    return NetRulesAllow(rules, NetDirection::kConnect, NetProtocol::kTcp, NetPrefix::Family::kIpv4,
                         a, port);
  };
  EXPECT_TRUE(allows("10.9.9.9", 443));
  EXPECT_FALSE(allows("10.9.9.9", 80));
  EXPECT_TRUE(allows("10.1.2.4", 80));
  EXPECT_TRUE(allows("10.1.2.4", 443));
  EXPECT_FALSE(allows("10.1.2.3", 443));  // deny wins
  EXPECT_TRUE(allows("10.1.2.3", 80));
  EXPECT_FALSE(allows("11.0.0.1", 443));
}

TEST(NetFoldTest, FoldedEntriesHoldTheVerdictOfTheLongestPrefix) {
  std::vector<NetRule> rules = {Rule(NetDirection::kConnect, false, "tcp:10.0.0.0/8:443"),
                                Rule(NetDirection::kConnect, false, "tcp:10.1.0.0/16:80"),
                                Rule(NetDirection::kConnect, true, "tcp:10.1.2.3:443"),
                                Rule(NetDirection::kConnect, true, "tcp:10.0.0.0/8:22"),
                                Rule(NetDirection::kConnect, false, "tcp:10.2.0.1:*")};
  absl::StatusOr<std::vector<FoldedNetEntry>> folded = FoldNetRules(rules);
  ASSERT_TRUE(folded.ok()) << folded.status();
  ASSERT_EQ(folded->size(), 4u);
  auto ports_of = [&](const std::string& prefix) {
    for (const FoldedNetEntry& entry : *folded) {
      if (entry.prefix.ToString() == prefix) return entry.ports;
    }
    ADD_FAILURE() << "no entry for " << prefix;
    return std::vector<PortRange>{};
  };
  EXPECT_EQ(ports_of("10.0.0.0/8"), (std::vector<PortRange>{{443, 443}}));
  EXPECT_EQ(ports_of("10.1.0.0/16"), (std::vector<PortRange>{{80, 80}, {443, 443}}));
  EXPECT_EQ(ports_of("10.1.2.3"), (std::vector<PortRange>{{80, 80}}));
  EXPECT_EQ(ports_of("10.2.0.1"), (std::vector<PortRange>{{0, 21}, {23, 65535}}));  // 22 denied
}

TEST(NetFoldTest, TooManyRangesOnOnePrefixIsNamed) {
  std::vector<NetRule> rules = {Rule(NetDirection::kConnect, false, "tcp:10.0.0.0/8:*")};
  for (int port = 1000; port < 1000 + 2 * 40; port += 2) {
    rules.push_back(Rule(NetDirection::kConnect, true, "tcp:10.0.0.0/8:" + std::to_string(port)));
  }
  absl::StatusOr<std::vector<FoldedNetEntry>> folded = FoldNetRules(rules);
  ASSERT_FALSE(folded.ok());
  EXPECT_NE(folded.status().message().find("10.0.0.0/8"), absl::string_view::npos);
}

// Random policies and addresses: the folded tables (what the kernel looks up) and the rules
// (what they mean) agree everywhere. The addresses are drawn near the rules' prefixes, so
// most queries land inside some rule and at its edges.
TEST(NetFoldTest, FoldedTablesAgreeWithTheRulesOnRandomPolicies) {
  std::mt19937_64 random(20261207);
  int mismatches = 0, queries = 0, allowed = 0;
  for (int policy = 0; policy < 200; ++policy) {
    std::vector<NetRule> rules;
    int count = 1 + static_cast<int>(random() % 40);
    for (int i = 0; i < count; ++i) {
      NetRule rule;
      rule.direction = random() % 4 == 0 ? NetDirection::kBind : NetDirection::kConnect;
      rule.deny = random() % 3 == 0;
      rule.protocol = static_cast<NetProtocol>(random() % 3);
      if (rule.direction == NetDirection::kBind && rule.protocol == NetProtocol::kIcmp) {
        rule.protocol = NetProtocol::kUdp;
      }
      int kind = static_cast<int>(random() % 10);
      rule.prefix.family = kind == 0  ? NetPrefix::Family::kAny
                           : kind < 6 ? NetPrefix::Family::kIpv4
                                      : NetPrefix::Family::kIpv6;
      if (rule.prefix.family != NetPrefix::Family::kAny) {
        int bits = rule.prefix.family == NetPrefix::Family::kIpv4 ? 32 : 128;
        // Few distinct high bytes, so prefixes nest and overlap often.
        for (int b = 0; b < bits / 8; ++b)
          rule.prefix.address[b] = static_cast<uint8_t>(random() % 4);
        rule.prefix.length = static_cast<uint8_t>(random() % (bits + 1));
        for (int bit = rule.prefix.length; bit < bits; ++bit) {
          rule.prefix.address[bit / 8] &= ~(0x80u >> (bit % 8));
        }
      }
      if (rule.protocol != NetProtocol::kIcmp) {
        uint16_t a = static_cast<uint16_t>(random() % 64), b = static_cast<uint16_t>(random() % 64);
        rule.ports = random() % 5 == 0 ? PortRange{} : PortRange{std::min(a, b), std::max(a, b)};
      }
      rules.push_back(rule);
    }
    absl::StatusOr<std::vector<FoldedNetEntry>> folded = FoldNetRules(rules);
    ASSERT_TRUE(folded.ok()) << folded.status();
    for (int q = 0; q < 1000; ++q) {
      NetPrefix::Family family = random() % 2 ? NetPrefix::Family::kIpv4 : NetPrefix::Family::kIpv6;
      uint8_t address[16] = {};
      for (int b = 0; b < (family == NetPrefix::Family::kIpv4 ? 4 : 16); ++b) {
        address[b] = static_cast<uint8_t>(random() % 4);
      }
      NetDirection direction = random() % 2 ? NetDirection::kConnect : NetDirection::kBind;
      NetProtocol protocol = static_cast<NetProtocol>(random() % 3);
      uint16_t port = static_cast<uint16_t>(random() % 70);
      bool want = NetRulesAllow(rules, direction, protocol, family, address, port);
      bool got = FoldedNetAllows(*folded, direction, protocol, family, address, port);
      ++queries;
      allowed += want;
      if (want != got) ++mismatches;
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << queries;
  EXPECT_GT(allowed, queries / 20) << "the queries must exercise allowed cases too";
  EXPECT_LT(allowed, queries - queries / 20) << "and refused ones";
}

}  // namespace
}  // namespace cvlsm
