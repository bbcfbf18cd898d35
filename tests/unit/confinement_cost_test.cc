// The cgroup's own accounting as `cv-lsm stats` and cvlsm_container_get_stats read it: the
// values of the controllers enabled for the cgroup, and absent for the others.
#include "observe/confinement_cost.h"

#include <gtest/gtest.h>

#include "support/cli_runner.h"

namespace cvlsm {
namespace {

TEST(CgroupUsageTest, ReadsTheControllersThatAreThere) {
  testing::ScratchDir dir;
  dir.WriteFile("cpu.stat",
                "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 0\n");
  dir.WriteFile("memory.current", "4096\n");
  dir.WriteFile("memory.peak", "8192\n");
  dir.WriteFile("pids.current", "3\n");
  dir.WriteFile("io.stat",
                "8:0 rbytes=100 wbytes=20 rios=1 wios=1 dbytes=0 dios=0\n"
                "253:1 rbytes=5 wbytes=7 rios=1 wios=1 dbytes=0 dios=0\n");
  absl::StatusOr<CgroupUsage> usage = ReadCgroupUsage(dir.path());
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_EQ(usage->cpu_usec, 1500000u);
  EXPECT_EQ(usage->user_usec, 1000000u);
  EXPECT_EQ(usage->system_usec, 500000u);
  EXPECT_EQ(usage->memory_bytes, 4096u);
  EXPECT_EQ(usage->memory_peak_bytes, 8192u);
  EXPECT_EQ(usage->processes, 3u);
  EXPECT_EQ(usage->io_read_bytes, 105u);
  EXPECT_EQ(usage->io_write_bytes, 27u);
}

TEST(CgroupUsageTest, ControllersThatAreOffAreAbsentNotZero) {
  testing::ScratchDir dir;
  dir.WriteFile("cpu.stat", "usage_usec 7\nuser_usec 4\nsystem_usec 3\n");
  absl::StatusOr<CgroupUsage> usage = ReadCgroupUsage(dir.path());
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_EQ(usage->cpu_usec, 7u);
  EXPECT_FALSE(usage->memory_bytes.has_value());
  EXPECT_FALSE(usage->memory_peak_bytes.has_value());
  EXPECT_FALSE(usage->processes.has_value());
  EXPECT_FALSE(usage->io_read_bytes.has_value());
}

TEST(CgroupUsageTest, AGoneCgroupIsAnErrorThatSaysSo) {
  testing::ScratchDir dir;
  absl::StatusOr<CgroupUsage> usage = ReadCgroupUsage(dir.path() + "/gone");
  ASSERT_FALSE(usage.ok());
  EXPECT_TRUE(absl::IsNotFound(usage.status())) << usage.status();
  EXPECT_NE(usage.status().message().find("cpu.stat"), std::string::npos) << usage.status();
}

}  // namespace
}  // namespace cvlsm
