#include "learn/learned_rules.h"

#include <algorithm>
#include <vector>

namespace cvlsm {
namespace {

size_t Depth(absl::string_view path) {
  return path == "/" ? 0 : std::count(path.begin(), path.end(), '/');
}

void MergeInto(LearnedRule& into, const LearnedRule& from) {
  into.observed.insert(from.observed.begin(), from.observed.end());
  into.removed.insert(from.removed.begin(), from.removed.end());
}

}  // namespace

std::string ParentPath(absl::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == 0 || slash == absl::string_view::npos) return "/";
  return std::string(path.substr(0, slash));
}

void DropCovered(LearnedRules& rules) {
  for (auto it = rules.begin(); it != rules.end();) {
    AccessModes above = 0;
    LearnedRules::iterator nearest = rules.end();  // the nearest rule that grants some of it
    for (std::string dir = it->first; dir != "/";) {
      dir = ParentPath(dir);
      if (auto found = rules.find(dir); found != rules.end()) {
        above |= found->second.modes;
        const bool overlaps = (found->second.modes & it->second.modes) != 0;
        if (nearest == rules.end() && overlaps) nearest = found;
      }
    }
    it->second.modes &= ~above;
    if (it->second.modes != 0) {
      ++it;
      continue;
    }
    if (nearest != rules.end()) MergeInto(nearest->second, it->second);
    it = rules.erase(it);
  }
}

void Collapse(LearnedRules& rules, size_t threshold, const std::set<std::string>& never) {
  DropCovered(rules);  // a rule an ancestor covers is no entry of its directory
  if (threshold == 0) return;
  size_t deepest = 0;
  for (const auto& [path, rule] : rules) deepest = std::max(deepest, Depth(path));
  // Entries at depth 1 sit in "/", which is never a target.
  for (size_t depth = deepest; depth >= 2; --depth) {
    std::map<std::string, std::vector<std::string>> by_parent;
    for (const auto& [path, rule] : rules) {
      if (Depth(path) == depth) by_parent[ParentPath(path)].push_back(path);
    }
    for (const auto& [dir, entries] : by_parent) {
      if (entries.size() < threshold || dir == "/" || never.contains(dir)) continue;
      AccessModes read_write = 0;
      bool all_exec = true;
      for (const std::string& entry : entries) {
        read_write |= rules[entry].modes & (kRead | kWrite);
        all_exec = all_exec && (rules[entry].modes & kExec) != 0;
      }
      // x on a directory lets every file below it run, now and later: a bigger grant than
      // reading them, so it is widened only when every entry was run.
      const AccessModes modes = read_write | (all_exec ? kExec : 0);
      LearnedRule& target = rules[dir];
      target.modes |= modes;
      target.collapsed = true;
      for (const std::string& entry : entries) {
        LearnedRule& rule = rules[entry];
        MergeInto(target, rule);
        rule.modes &= ~modes;
        if (rule.modes == 0) rules.erase(entry);
      }
    }
  }
  // A new directory rule may cover rules deeper than the entries it replaced.
  DropCovered(rules);
}

}  // namespace cvlsm
