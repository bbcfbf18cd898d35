#include "policy/net_fold.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace cvlsm {
namespace {

using Ranges = std::vector<PortRange>;

// Sorted, disjoint, and merged where they touch.
Ranges Normalized(Ranges ranges) {
  std::sort(ranges.begin(), ranges.end());
  Ranges out;
  for (const PortRange& range : ranges) {
    if (!out.empty() && static_cast<uint32_t>(out.back().last) + 1 >= range.first) {
      out.back().last = std::max(out.back().last, range.last);
    } else {
      out.push_back(range);
    }
  }
  return out;
}

Ranges Union(const Ranges& a, const Ranges& b) {
  Ranges all = a;
  all.insert(all.end(), b.begin(), b.end());
  return Normalized(std::move(all));
}

// a - b, both normalized.
Ranges Minus(const Ranges& a, const Ranges& b) {
  Ranges out;
  for (PortRange range : a) {
    uint32_t first = range.first;
    const uint32_t last = range.last;
    for (const PortRange& cut : b) {
      if (cut.last < first || cut.first > last) continue;
      if (cut.first > first) out.push_back({static_cast<uint16_t>(first), static_cast<uint16_t>(cut.first - 1)});
      first = static_cast<uint32_t>(cut.last) + 1;
      if (first > last) break;
    }
    if (first <= last) out.push_back({static_cast<uint16_t>(first), static_cast<uint16_t>(last)});
  }
  return out;
}

NetPrefix Everything(NetPrefix::Family family) {
  NetPrefix prefix;
  prefix.family = family;
  prefix.length = 0;
  return prefix;
}

// Whether `outer` contains `inner` (same family).
bool Covers(const NetPrefix& outer, const NetPrefix& inner) {
  return outer.length <= inner.length && outer.Contains(inner.family, inner.address.data());
}

struct Own {
  Ranges allow, deny;
};

}  // namespace

absl::StatusOr<std::vector<FoldedNetEntry>> FoldNetRules(const std::vector<NetRule>& rules) {
  using Group = std::tuple<NetPrefix::Family, NetDirection, NetProtocol>;
  // Per group, each distinct prefix with the ports its own rules allow and deny.
  std::map<Group, std::map<std::pair<std::array<uint8_t, 16>, uint8_t>, Own>> groups;
  for (const NetRule& rule : rules) {
    std::vector<NetPrefix> prefixes;
    if (rule.prefix.family == NetPrefix::Family::kAny) {
      prefixes = {Everything(NetPrefix::Family::kIpv4), Everything(NetPrefix::Family::kIpv6)};
    } else {
      prefixes = {rule.prefix};
    }
    PortRange ports = rule.protocol == NetProtocol::kIcmp ? PortRange{} : rule.ports;
    for (const NetPrefix& prefix : prefixes) {
      Own& own = groups[{prefix.family, rule.direction, rule.protocol}]
                       [{prefix.address, prefix.length}];
      (rule.deny ? own.deny : own.allow).push_back(ports);
    }
  }
  std::vector<FoldedNetEntry> entries;
  for (auto& [group, prefixes] : groups) {
    const auto [family, direction, protocol] = group;
    // Sorted by address, then length: a depth-first walk of the prefix tree, each prefix
    // after every prefix that contains it.
    struct Open {
      NetPrefix prefix;
      Ranges allow, deny;  // accumulated from the root down to it
    };
    std::vector<Open> path;
    for (auto& [key, own] : prefixes) {
      NetPrefix prefix;
      prefix.family = family;
      prefix.address = key.first;
      prefix.length = key.second;
      while (!path.empty() && !Covers(path.back().prefix, prefix)) path.pop_back();
      Open open{prefix, Normalized(own.allow), Normalized(own.deny)};
      if (!path.empty()) {
        open.allow = Union(path.back().allow, open.allow);
        open.deny = Union(path.back().deny, open.deny);
      }
      FoldedNetEntry entry{family, direction, protocol, prefix, Minus(open.allow, open.deny)};
      if (entry.ports.size() > kMaxFoldedPortRanges) {
        return absl::InvalidArgumentError(absl::StrCat(
            NetDirectionName(direction), " rules for ", NetProtocolName(protocol), " on ",
            prefix.ToString(), " leave ", entry.ports.size(), " separate port ranges allowed; at most ",
            kMaxFoldedPortRanges, " fit: merge ranges or split the prefix"));
      }
      entries.push_back(std::move(entry));
      path.push_back(std::move(open));
    }
  }
  return entries;
}

bool FoldedNetAllows(const std::vector<FoldedNetEntry>& entries, NetDirection direction,
                     NetProtocol protocol, NetPrefix::Family family, const uint8_t* address,
                     uint16_t port) {
  const FoldedNetEntry* longest = nullptr;
  for (const FoldedNetEntry& entry : entries) {
    if (entry.direction != direction || entry.protocol != protocol || entry.family != family) {
      continue;
    }
    if (!entry.prefix.Contains(family, address)) continue;
    if (longest == nullptr || entry.prefix.length > longest->prefix.length) longest = &entry;
  }
  if (longest == nullptr) return false;
  if (protocol == NetProtocol::kIcmp) port = 0;
  for (const PortRange& range : longest->ports) {
    if (range.Contains(port)) return true;
  }
  return false;
}

}  // namespace cvlsm
