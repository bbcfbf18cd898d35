// Network rules: which addresses and ports a confined process may connect or send to, and
// which it may bind and listen on, by protocol; and which abstract unix sockets outside its
// confinement it may reach, by name. Default deny per direction: a policy with any connect
// rule refuses every connect, send to an address and ICMP echo that its rules do not allow
// (the same for bind); a policy with none of a direction keeps its preset's behaviour.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cvlsm {

enum class NetDirection : uint8_t { kConnect, kBind };
enum class NetProtocol : uint8_t { kTcp, kUdp, kIcmp };

absl::string_view NetDirectionName(NetDirection direction);  // "connect", "bind"
absl::string_view NetProtocolName(NetProtocol protocol);     // "tcp", "udp", "icmp"

// An IPv4 or IPv6 address with a prefix length, or every address of both families. An
// IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address it maps, in rules and in
// what the kernel checks; an IPv6 prefix never covers IPv4 traffic.
struct NetPrefix {
  enum class Family : uint8_t { kAny, kIpv4, kIpv6 };
  Family family = Family::kAny;
  std::array<uint8_t, 16> address{};  // IPv4: the first 4 bytes; host bits are zero
  uint8_t length = 0;                 // bits (0 for kAny)

  // "*", "10.0.0.0/8", "10.0.0.1", "[fd00::]/8" (the brackets are optional here).
  static absl::StatusOr<NetPrefix> Parse(absl::string_view text);
  std::string ToString() const;  // IPv6 in brackets, a full-length prefix without "/N"
  // Whether `address` (4 or 16 bytes, already normalised: a mapped address is IPv4) of
  // `family` is inside the prefix.
  bool Contains(Family family, const uint8_t* address) const;
  auto operator<=>(const NetPrefix&) const = default;
};

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 65535;
  bool Contains(uint16_t port) const { return first <= port && port <= last; }
  auto operator<=>(const PortRange&) const = default;
};

// One rule: "tcp:10.0.0.0/8:443" allowed (or denied) for connect (or bind).
struct NetRule {
  NetDirection direction = NetDirection::kConnect;
  bool deny = false;
  NetProtocol protocol = NetProtocol::kTcp;
  NetPrefix prefix;
  PortRange ports;  // ICMP has no port: always every port

  // PROTO:ADDR[/PREFIX]:PORTS, PORTS a port, FIRST-LAST or "*"; ICMP takes no ":PORTS".
  // Errors name the rule and what was expected.
  static absl::StatusOr<NetRule> Parse(NetDirection direction, bool deny, absl::string_view text);
  std::string ToString() const;  // the same form, parsing back to the same rule
  auto operator<=>(const NetRule&) const = default;
};

// An abstract unix socket a confined process may reach although it is outside its
// confinement: the name without the leading NUL, as `@name` on the command line.
absl::StatusOr<std::string> ParseAbstractUnixName(absl::string_view text);  // "@name" -> "name"
std::string AbstractUnixNameText(absl::string_view name);                  // "name" -> "@name"

// The verdict the rules give an access, computed from the rules themselves (the reference
// the kernel's folded tables are tested against): allowed when some allow rule of the
// direction and protocol covers the address and port and no deny rule does. `address` is 4
// bytes for IPv4 (a mapped IPv6 address must be passed as IPv4), 16 for IPv6. Only
// meaningful when the policy has rules of that direction.
bool NetRulesAllow(const std::vector<NetRule>& rules, NetDirection direction, NetProtocol protocol,
                   NetPrefix::Family family, const uint8_t* address, uint16_t port);

}  // namespace cvlsm
