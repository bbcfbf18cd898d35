#include "policy/net_rules.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace cvlsm {
namespace {

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
// The longest abstract name: sun_path is 108 bytes, the first one the NUL.
constexpr size_t kMaxAbstractName = 107;

absl::Status RuleError(absl::string_view text, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("bad network rule '", text, "': ", problem,
                   " (expected PROTO:ADDR[/PREFIX]:PORTS, e.g. tcp:10.0.0.0/8:443, "
                   "udp:[fd00::]/8:53, tcp:*:8000-8100, icmp:10.0.0.1)"));
}

// Zeroes the bits past `length` (an address is kept by its network part).
void MaskHostBits(std::array<uint8_t, 16>& address, int bytes, int length) {
  for (int bit = length; bit < bytes * 8; ++bit) address[bit / 8] &= ~(0x80u >> (bit % 8));
}

absl::StatusOr<uint16_t> ParsePort(absl::string_view text, absl::string_view rule) {
  uint32_t port = 0;
  if (text.empty() || !absl::SimpleAtoi(text, &port) || port > 65535 ||
      !absl::ascii_isdigit(text[0])) {
    return RuleError(rule, absl::StrCat("'", text, "' is not a port (0 to 65535)"));
  }
  return static_cast<uint16_t>(port);
}

absl::StatusOr<PortRange> ParsePorts(absl::string_view text, absl::string_view rule) {
  if (text == "*") return PortRange{};
  std::vector<absl::string_view> ends = absl::StrSplit(text, absl::MaxSplits('-', 1));
  ASSIGN_OR_RETURN(uint16_t first, ParsePort(ends[0], rule));
  uint16_t last = first;
  if (ends.size() == 2) {
    ASSIGN_OR_RETURN(last, ParsePort(ends[1], rule));
    if (last < first) {
      return RuleError(rule, absl::StrCat("the port range ", text, " ends before it starts"));
    }
  }
  return PortRange{first, last};
}

std::string PortsText(const PortRange& ports) {
  if (ports.first == 0 && ports.last == 65535) return "*";
  if (ports.first == ports.last) return absl::StrCat(ports.first);
  return absl::StrCat(ports.first, "-", ports.last);
}

}  // namespace

absl::string_view NetDirectionName(NetDirection direction) {
  return direction == NetDirection::kConnect ? "connect" : "bind";
}

absl::string_view NetProtocolName(NetProtocol protocol) {
  switch (protocol) {
    case NetProtocol::kTcp:
      return "tcp";
    case NetProtocol::kUdp:
      return "udp";
    case NetProtocol::kIcmp:
      return "icmp";
  }
  return "?";
}

absl::StatusOr<NetPrefix> NetPrefix::Parse(absl::string_view text) {
  NetPrefix prefix;
  if (text == "*") return prefix;
  absl::string_view address = text, length_text;
  bool bracketed = false;
  if (absl::ConsumePrefix(&address, "[")) {
    size_t close = address.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("'", text, "': no ']' after the address"));
    }
    length_text = address.substr(close + 1);
    address = address.substr(0, close);
    bracketed = true;
    if (!length_text.empty() && !absl::ConsumePrefix(&length_text, "/")) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", text, "': expected /PREFIX after the bracketed address"));
    }
  } else if (size_t slash = address.find('/'); slash != absl::string_view::npos) {
    length_text = address.substr(slash + 1);
    address = address.substr(0, slash);
  }
  std::string address_string(address);
  int bytes = 0;
  if (!bracketed && inet_pton(AF_INET, address_string.c_str(), prefix.address.data()) == 1) {
    prefix.family = Family::kIpv4;
    bytes = 4;
  } else if (inet_pton(AF_INET6, address_string.c_str(), prefix.address.data()) == 1) {
    prefix.family = Family::kIpv6;
    bytes = 16;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("'", address, "' is not an IPv4 or IPv6 address (or * for any)"));
  }
  int length = bytes * 8;
  if (!length_text.empty() || text.find('/') != absl::string_view::npos) {
    if (!absl::SimpleAtoi(length_text, &length) || length < 0 || length > bytes * 8 ||
        length_text.empty() || !absl::ascii_isdigit(length_text[0])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", text, "': the prefix length must be 0 to ", bytes * 8, " for this address"));
    }
  }
  // An IPv4-mapped IPv6 prefix is the IPv4 prefix it maps.
  if (prefix.family == Family::kIpv6 && length >= 96 &&
      std::memcmp(prefix.address.data(), kMappedPrefix, sizeof(kMappedPrefix)) == 0) {
    std::memmove(prefix.address.data(), prefix.address.data() + 12, 4);
    std::fill(prefix.address.begin() + 4, prefix.address.end(), 0);
    prefix.family = Family::kIpv4;
    bytes = 4;
    length -= 96;
  }
  MaskHostBits(prefix.address, bytes, length);
  prefix.length = static_cast<uint8_t>(length);
  return prefix;
}

std::string NetPrefix::ToString() const {
  if (family == Family::kAny) return "*";
  char text[INET6_ADDRSTRLEN] = {};
  bool v4 = family == Family::kIpv4;
  inet_ntop(v4 ? AF_INET : AF_INET6, address.data(), text, sizeof(text));
  std::string out = v4 ? std::string(text) : absl::StrCat("[", text, "]");
  if (length != (v4 ? 32 : 128)) absl::StrAppend(&out, "/", length);
  return out;
}

bool NetPrefix::Contains(Family address_family, const uint8_t* bytes) const {
  if (family == Family::kAny) return true;
  if (family != address_family) return false;
  for (int bit = 0; bit < length; ++bit) {
    uint8_t mask = 0x80u >> (bit % 8);
    if ((address[bit / 8] & mask) != (bytes[bit / 8] & mask)) return false;
  }
  return true;
}

absl::StatusOr<NetRule> NetRule::Parse(NetDirection direction, bool deny, absl::string_view text) {
  NetRule rule;
  rule.direction = direction;
  rule.deny = deny;
  size_t colon = text.find(':');
  absl::string_view protocol = text.substr(0, colon);
  if (protocol == "tcp") {
    rule.protocol = NetProtocol::kTcp;
  } else if (protocol == "udp") {
    rule.protocol = NetProtocol::kUdp;
  } else if (protocol == "icmp") {
    rule.protocol = NetProtocol::kIcmp;
  } else {
    return RuleError(text, absl::StrCat("unknown protocol '", protocol, "': expected tcp, udp or icmp"));
  }
  if (colon == absl::string_view::npos) return RuleError(text, "no address after the protocol");
  if (rule.protocol == NetProtocol::kIcmp && direction == NetDirection::kBind) {
    return RuleError(text, "icmp has no bind rules (a ping socket's bind names no service)");
  }
  absl::string_view rest = text.substr(colon + 1);
  // The address ends at the first ':' after it; an IPv6 address, which has colons of its
  // own, goes in brackets.
  size_t address_end = absl::string_view::npos;
  if (absl::StartsWith(rest, "[")) {
    size_t close = rest.find(']');
    if (close == absl::string_view::npos) return RuleError(text, "no ']' after the IPv6 address");
    address_end = rest.find(':', close);
  } else if (std::count(rest.begin(), rest.end(), ':') > 1) {
    return RuleError(text, "an IPv6 address goes in brackets, as in [fd00::1]/64");
  } else {
    address_end = rest.find(':');
  }
  absl::string_view address = rest.substr(0, address_end);
  absl::StatusOr<NetPrefix> prefix = NetPrefix::Parse(address);
  if (!prefix.ok()) return RuleError(text, prefix.status().message());
  rule.prefix = *prefix;
  if (rule.protocol == NetProtocol::kIcmp) {
    if (address_end != absl::string_view::npos) {
      return RuleError(text, "icmp has no ports: write icmp:ADDR[/PREFIX]");
    }
    return rule;
  }
  if (address_end == absl::string_view::npos) {
    return RuleError(text, absl::StrCat("no ports: add :PORT, :FIRST-LAST or :* after the address"));
  }
  ASSIGN_OR_RETURN(rule.ports, ParsePorts(rest.substr(address_end + 1), text));
  return rule;
}

std::string NetRule::ToString() const {
  std::string text = absl::StrCat(NetProtocolName(protocol), ":", prefix.ToString());
  if (protocol != NetProtocol::kIcmp) absl::StrAppend(&text, ":", PortsText(ports));
  return text;
}

absl::StatusOr<std::string> ParseAbstractUnixName(absl::string_view text) {
  if (!absl::ConsumePrefix(&text, "@") || text.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad abstract unix socket name '", text,
        "': expected @NAME (the socket's name after its leading NUL, as ss -x shows it)"));
  }
  if (text.size() > kMaxAbstractName) {
    return absl::InvalidArgumentError(absl::StrCat("abstract unix socket name '@", text,
                                                   "' is longer than ", kMaxAbstractName,
                                                   " bytes, the most sun_path holds"));
  }
  return std::string(text);
}

std::string AbstractUnixNameText(absl::string_view name) { return absl::StrCat("@", name); }

bool NetRulesAllow(const std::vector<NetRule>& rules, NetDirection direction, NetProtocol protocol,
                   NetPrefix::Family family, const uint8_t* address, uint16_t port) {
  bool allowed = false;
  for (const NetRule& rule : rules) {
    if (rule.direction != direction || rule.protocol != protocol) continue;
    if (!rule.prefix.Contains(family, address)) continue;
    if (protocol != NetProtocol::kIcmp && !rule.ports.Contains(port)) continue;
    if (rule.deny) return false;
    allowed = true;
  }
  return allowed;
}

}  // namespace cvlsm
