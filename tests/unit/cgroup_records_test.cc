// The records `cv-lsm list` shows and `cv-lsm load` re-applies: what a prune keeps and what
// it removes, including what a writer killed between its write and its rename left.
#include "pinned/cgroup_records.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/directory.h"
#include "support/cli_runner.h"

namespace cvlsm {
namespace {

bool OnlyCgroupSevenExists(uint64_t cgroup_id) { return cgroup_id == 7; }

class CgroupRecordsTest : public ::testing::Test {
 protected:
  CgroupRecordsTest() { paths_.runtime = dir_.path(); }

  CgroupRecord RecordOf(uint64_t cgroup_id) const {
    absl::StatusOr<PolicyDocument> policy =
        ParsePolicyText(R"({"cv-lsm-policy": 2, "name": "records", "base": "minimal"})", "test");
    EXPECT_TRUE(policy.ok()) << policy.status();
    CgroupRecord record;
    record.cgroup_id = cgroup_id;
    record.cgroup_path = "/sys/fs/cgroup/records-test";
    record.policy_source = "minimal";
    record.policy = *policy;
    return record;
  }

  std::vector<std::string> Files() const {
    std::vector<std::string> files = DirectoryEntries(paths_.records());
    std::sort(files.begin(), files.end());
    return files;
  }

  testing::ScratchDir dir_;
  StatePaths paths_;
};

TEST_F(CgroupRecordsTest, ARecordReadsBackAsWritten) {
  ASSERT_TRUE(WriteRecord(paths_, RecordOf(7)).ok());
  absl::StatusOr<CgroupRecord> read = ReadRecord(paths_, 7);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->cgroup_path, "/sys/fs/cgroup/records-test");
  EXPECT_EQ(read->policy_source, "minimal");
  EXPECT_EQ(Files(), std::vector<std::string>{"7.json"});
}

TEST_F(CgroupRecordsTest, PruneRemovesGoneCgroupsAndKilledWritersTemporaries) {
  ASSERT_TRUE(WriteRecord(paths_, RecordOf(7)).ok());
  ASSERT_TRUE(WriteRecord(paths_, RecordOf(9)).ok());
  // Writers killed before their rename, for a cgroup that exists and for one that is gone.
  dir_.WriteFile("cgroups/7.json.tmp-4242", "{\"cgroup_id\": 7");
  dir_.WriteFile("cgroups/9.json.tmp-4243", "");
  dir_.WriteFile("cgroups/notes.txt", "not a record: left alone");

  PruneRecords(paths_, OnlyCgroupSevenExists);

  EXPECT_EQ(Files(), (std::vector<std::string>{"7.json", "notes.txt"}));
  EXPECT_TRUE(ReadRecord(paths_, 7).ok());
}

}  // namespace
}  // namespace cvlsm
