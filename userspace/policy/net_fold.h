// Network rules folded into what a longest-prefix-match table needs to give the exact
// verdict in one lookup: for each distinct prefix of a (family, direction, protocol), the
// ports that are allowed there, i.e. those of every covering allow rule minus those of every
// covering deny rule. Prefixes nest or are disjoint, so the rules covering an address are
// exactly those containing its longest matching prefix: that entry's ports are the verdict.
// No entry: no rule covers the address, and it is refused.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "policy/net_rules.h"

namespace cvlsm {

// How many port ranges one folded entry holds (the kernel's value has room for this many).
inline constexpr size_t kMaxFoldedPortRanges = 32;

struct FoldedNetEntry {
  NetPrefix::Family family;  // kIpv4 or kIpv6 ("*" rules go into both)
  NetDirection direction;
  NetProtocol protocol;
  NetPrefix prefix;                   // of `family`
  std::vector<PortRange> ports;       // sorted, disjoint, not adjacent; may be empty (denied)
};

// Fails, naming the prefix, when an entry would need more than kMaxFoldedPortRanges ranges.
absl::StatusOr<std::vector<FoldedNetEntry>> FoldNetRules(const std::vector<NetRule>& rules);

// The verdict of the folded entries as a longest-prefix match gives it (what the kernel
// does), for tests against NetRulesAllow.
bool FoldedNetAllows(const std::vector<FoldedNetEntry>& entries, NetDirection direction,
                     NetProtocol protocol, NetPrefix::Family family, const uint8_t* address,
                     uint16_t port);

}  // namespace cvlsm
