#include "observe/confinement_cost.h"

#include <bpf/libbpf.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errors.h"

namespace cvlsm {
namespace {

std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<uint64_t> ReadNumber(const std::string& path) {
  std::optional<std::string> text = ReadSmallFile(path);
  uint64_t value = 0;
  if (!text || !absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &value)) return std::nullopt;
  return value;
}

// "key value" lines (cpu.stat).
std::optional<uint64_t> FlatKey(const std::string& text, absl::string_view key) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::pair<absl::string_view, absl::string_view> field = absl::StrSplit(line, ' ');
    uint64_t value = 0;
    if (field.first == key && absl::SimpleAtoi(field.second, &value)) return value;
  }
  return std::nullopt;
}

// io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N ..." per device.
void SumIoStat(const std::string& text, CgroupUsage& usage) {
  uint64_t read = 0, written = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    for (absl::string_view field : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
      std::pair<absl::string_view, absl::string_view> pair = absl::StrSplit(field, '=');
      uint64_t value = 0;
      if (!absl::SimpleAtoi(pair.second, &value)) continue;
      if (pair.first == "rbytes") read += value;
      if (pair.first == "wbytes") written += value;
    }
  }
  usage.io_read_bytes = read;
  usage.io_write_bytes = written;
}

}  // namespace

absl::StatusOr<CgroupUsage> ReadCgroupUsage(const std::string& cgroup_dir) {
  std::optional<std::string> cpu = ReadSmallFile(absl::StrCat(cgroup_dir, "/cpu.stat"));
  if (!cpu) {
    return ErrnoError(ENOENT, absl::StrCat("reading ", cgroup_dir, "/cpu.stat"),
                      "is it a cgroup v2 directory that still exists?");
  }
  CgroupUsage usage;
  usage.cpu_usec = FlatKey(*cpu, "usage_usec");
  usage.user_usec = FlatKey(*cpu, "user_usec");
  usage.system_usec = FlatKey(*cpu, "system_usec");
  usage.memory_bytes = ReadNumber(absl::StrCat(cgroup_dir, "/memory.current"));
  usage.memory_peak_bytes = ReadNumber(absl::StrCat(cgroup_dir, "/memory.peak"));
  usage.processes = ReadNumber(absl::StrCat(cgroup_dir, "/pids.current"));
  // io.stat exists only where the io controller is enabled for the cgroup.
  if (std::optional<std::string> io = ReadSmallFile(absl::StrCat(cgroup_dir, "/io.stat"))) {
    SumIoStat(*io, usage);
  }
  return usage;
}

absl::StatusOr<PolicyFootprint> ReadPolicyFootprint(const LsmSkeleton& programs, uint64_t cgroup) {
  cvlsm_cgroup_policy entry{};
  if (!programs.cgroups().Lookup(cgroup, &entry)) {
    return absl::NotFoundError(absl::StrCat("cgroup ", cgroup, " is not confined"));
  }
  const uint32_t policy_id = entry.policy_id;
  PolicyFootprint footprint;
  footprint.other_entries = 1;
  footprint.bytes = sizeof(__u64) + sizeof(cvlsm_cgroup_policy);
  for (const __u64 other : programs.cgroups().Keys()) {
    cvlsm_cgroup_policy its{};
    if (other != cgroup && programs.cgroups().Lookup(other, &its) && its.policy_id == policy_id) {
      ++footprint.sharing_cgroups;
    }
  }
  for (const cvlsm_rule_key& key : programs.path_rules().Keys()) {
    if (key.policy_id != policy_id) continue;
    ++footprint.path_rules;
    footprint.bytes += sizeof(key) + sizeof(cvlsm_rule_value);
  }
  for (const cvlsm_net4_key& key : programs.net4().Keys()) {
    if (key.policy_id != policy_id) continue;
    ++footprint.network_prefixes;
    footprint.bytes += sizeof(key) + sizeof(cvlsm_net_ports);
  }
  for (const cvlsm_net6_key& key : programs.net6().Keys()) {
    if (key.policy_id != policy_id) continue;
    ++footprint.network_prefixes;
    footprint.bytes += sizeof(key) + sizeof(cvlsm_net_ports);
  }
  for (const cvlsm_unix_name_key& key : programs.unix_names().Keys()) {
    if (key.policy_id != policy_id) continue;
    ++footprint.unix_names;
    footprint.bytes += sizeof(key) + sizeof(__u32);
  }
  // The counters: one slot per possible CPU.
  const int cpus = libbpf_num_possible_cpus();
  ++footprint.other_entries;
  footprint.bytes += sizeof(__u64) + sizeof(cvlsm_cgroup_stats) * (cpus > 0 ? cpus : 1);
  for (const cvlsm_denial_key& key : programs.denials().Keys()) {
    if (key.cgroup != cgroup) continue;
    ++footprint.other_entries;
    footprint.bytes += sizeof(key) + sizeof(cvlsm_denial_record);
  }
  return footprint;
}

}  // namespace cvlsm
