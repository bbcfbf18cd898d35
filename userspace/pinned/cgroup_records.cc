#include "pinned/cgroup_records.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/directory.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace cvlsm {
namespace {
constexpr absl::string_view kTemporaryMark = ".json.tmp-";

std::string RecordPath(const StatePaths& paths, uint64_t cgroup_id) {
  return absl::StrCat(paths.records(), "/", cgroup_id, ".json");
}
}  // namespace

absl::Status WriteRecord(const StatePaths& paths, const CgroupRecord& record) {
  ASSIGN_OR_RETURN(std::string policy, SerializePolicy(record.policy, PolicyFileForm::kExpanded));
  nlohmann::json json = {{"cgroup_id", record.cgroup_id},
                         {"cgroup", record.cgroup_path},
                         {"policy_source", record.policy_source},
                         {"resolution_root", record.resolution_root},
                         {"policy", policy}};
  if (::mkdir(paths.records().c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoError(errno, absl::StrCat("create ", paths.records()));
  }
  std::string path = RecordPath(paths, record.cgroup_id);
  std::string temporary =
      absl::StrCat(paths.records(), "/", record.cgroup_id, kTemporaryMark, ::getpid());
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << json.dump(2) << "\n";
    if (!out.flush()) return ErrnoError(errno, absl::StrCat("write ", temporary));
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temporary.c_str());
    return ErrnoError(err, absl::StrCat("write ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<CgroupRecord> ReadRecord(const StatePaths& paths, uint64_t cgroup_id) {
  std::string path = RecordPath(paths, cgroup_id);
  std::ifstream in(path);
  if (!in) return ErrnoError(errno, absl::StrCat("read ", path));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("policy") ||
      !json["policy"].is_string()) {
    return absl::DataLossError(absl::StrCat(path, ": not a cgroup record"));
  }
  ASSIGN_OR_RETURN(PolicyDocument policy, ParsePolicyText(json["policy"].get<std::string>(), path));
  CgroupRecord record;
  record.cgroup_id = cgroup_id;
  record.cgroup_path = json.value("cgroup", "");
  record.policy_source = json.value("policy_source", "");
  record.resolution_root = json.value("resolution_root", "");
  record.policy = std::move(policy);
  return record;
}

void RemoveRecord(const StatePaths& paths, uint64_t cgroup_id) {
  ::unlink(RecordPath(paths, cgroup_id).c_str());
}

void PruneRecords(const StatePaths& paths, bool (*exists)(uint64_t cgroup_id)) {
  for (const std::string& file : DirectoryEntries(paths.records())) {
    // Every writer holds the managers' lock, as the caller does: a temporary seen now is
    // what a writer killed before its rename left, whatever its cgroup.
    if (absl::StrContains(file, kTemporaryMark)) {
      ::unlink(absl::StrCat(paths.records(), "/", file).c_str());
      continue;
    }
    uint64_t id = 0;
    absl::string_view name = file;
    if (!absl::ConsumeSuffix(&name, ".json") || !absl::SimpleAtoi(name, &id)) continue;
    if (!exists(id)) RemoveRecord(paths, id);
  }
}

}  // namespace cvlsm
