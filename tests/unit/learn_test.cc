// Policy learning: each rule of userspace/learn/policy_learner.h on a described filesystem.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "learn/file_system_view.h"
#include "learn/policy_learner.h"
#include "policy/policy_file.h"
#include "support/cli_runner.h"

namespace cvlsm {
namespace {

// A filesystem of the files named, and the directories that hold them.
class FakeFileSystem : public FileSystemView {
 public:
  FakeFileSystem(std::initializer_list<std::string> files) {
    for (const std::string& file : files) Add(file);
  }
  void Add(const std::string& file) {
    files_.insert(file);
    for (size_t slash = file.rfind('/'); slash != 0 && slash != std::string::npos;
         slash = file.rfind('/', slash - 1)) {
      dirs_.insert(file.substr(0, slash));
    }
  }
  void AddDirectory(const std::string& dir) {
    Add(dir);
    dirs_.insert(dir);
  }
  bool Exists(const std::string& path) const override {
    return path == "/" || files_.contains(path) || dirs_.contains(path);
  }
  bool IsDirectory(const std::string& path) const override {
    return path == "/" || dirs_.contains(path);
  }

 private:
  std::set<std::string> files_;
  std::set<std::string> dirs_;
};

ObservedAccess Access(const std::string& path, AccessModes modes) { return {path, modes}; }

PolicyDocument LearnOrDie(PolicyType base, const Observations& observations,
                          const FileSystemView& fs, const LearnOptions& options = {}) {
  absl::StatusOr<PolicyDocument> document = LearnPolicy(base, observations, fs, options);
  EXPECT_TRUE(document.ok()) << document.status();
  return document.ok() ? *std::move(document) : PolicyDocument{};
}

std::string LearnError(PolicyType base, const Observations& observations, const FileSystemView& fs,
                       const LearnOptions& options = {}) {
  absl::StatusOr<PolicyDocument> document = LearnPolicy(base, observations, fs, options);
  EXPECT_FALSE(document.ok());
  return std::string(document.status().message());
}

// The rules the document adds to (or widens in) its base, as "path:modes".
std::vector<std::string> AddedRules(const PolicyDocument& document) {
  const Policy base = Policy::Preset(document.policy.type());
  std::vector<std::string> rules;
  for (const auto& [path, modes] : document.policy.paths()) {
    auto in_base = base.paths().find(path);
    if (in_base != base.paths().end() && in_base->second == modes) continue;
    rules.push_back(path + ":" + FormatAccessModes(modes.allow));
  }
  return rules;
}

using Lines = std::vector<std::string>;

TEST(LearnTest, WhatTheBaseGrantsAddsNothing) {
  const FakeFileSystem fs = {"/usr/include/stdio.h", "/usr/lib/x86_64-linux-gnu/libc.so.6",
                             "/tmp/a.out", "/usr/bin/cc"};
  const Observations observations = {
      .accesses = {Access("/usr/include/stdio.h", kRead),
                   Access("/usr/lib/x86_64-linux-gnu/libc.so.6", kRead | kExec),
                   Access("/tmp/a.out", kRead | kWrite), Access("/usr/bin/cc", kExec)},
      .syscalls = {"execve", "openat", "read"}};
  const PolicyDocument document = LearnOrDie(PolicyType::kBuild, observations, fs);
  EXPECT_EQ(document.policy, Policy::Preset(PolicyType::kBuild));
  EXPECT_EQ(document.mode, PolicyMode::kEnforce);
  EXPECT_EQ(document.comment,
            (Lines{"learned from a run in audit mode: what it needed beyond the build preset",
                   "nothing added: the base allowed everything the run did"}));
}

TEST(LearnTest, AddsTheSyscallsTheBaseLacks) {
  const PolicyDocument document =
      LearnOrDie(PolicyType::kMinimal, {.syscalls = {"read", "personality", "execve", "kill"}},
                 FakeFileSystem{});
  Policy expected = Policy::Preset(PolicyType::kMinimal);
  for (const char* name : {"execve", "kill", "personality"}) {
    ASSERT_TRUE(expected.AddSyscall(name).ok());
  }
  EXPECT_EQ(document.policy, expected);
  EXPECT_EQ(document.comment,
            (Lines{"learned from a run in audit mode: what it needed beyond the minimal preset",
                   "syscalls added: execve, kill, personality"}));
}

TEST(LearnTest, UnknownSyscallIsAnErrorThatNamesIt) {
  EXPECT_EQ(LearnError(PolicyType::kMinimal, {.syscalls = {"read", "opne"}}, FakeFileSystem{}),
            "observed syscall cannot be learned: unknown syscall 'opne' (not known to libseccomp "
            "on any architecture)");
}

TEST(LearnTest, AddsOnlyTheModesTheBaseDoesNotGrant) {
  const FakeFileSystem fs = {"/tmp/run.sh", "/etc/app.conf"};
  const PolicyDocument document = LearnOrDie(
      PolicyType::kBuild,
      {.accesses = {Access("/tmp/run.sh", kRead | kWrite | kExec), Access("/etc/app.conf", kRead)}},
      fs, {.name = "app"});
  EXPECT_EQ(document.name, "app");
  EXPECT_EQ(AddedRules(document), (Lines{"/etc/app.conf:r--", "/tmp/run.sh:--x"}));
  EXPECT_EQ(document.comment,
            (Lines{"learned from a run in audit mode: what it needed beyond the build preset",
                   "/etc/app.conf (r): accessed", "/tmp/run.sh (x): accessed"}));
}

TEST(LearnTest, RemovedTempFileBecomesItsDirectory) {
  // gcc's /tmp/ccXXXXXX.s: the next run uses another name.
  FakeFileSystem fs = {"/usr/bin/cc", "/work/build/obj/keep.o"};
  fs.AddDirectory("/tmp");
  const PolicyDocument document = LearnOrDie(
      PolicyType::kMinimal,
      {.accesses = {Access("/tmp/ccA1b2C3.s", kRead | kWrite), Access("/tmp/ccZ9y8X7.o", kWrite),
                    Access("/work/build/obj/tmp.123/part.o", kWrite)}},
      fs);
  EXPECT_EQ(AddedRules(document), (Lines{"/tmp:rw-", "/work/build/obj:-w-"}));
  EXPECT_EQ(
      document.comment,
      (Lines{"learned from a run in audit mode: what it needed beyond the minimal preset",
             "/tmp (rw): for 2 paths removed during the run, e.g. /tmp/ccA1b2C3.s",
             "/work/build/obj (w): for /work/build/obj/tmp.123/part.o, removed during the run"}));
}

TEST(LearnTest, RemovedPathWithOnlyRootAboveItIsNotLearned) {
  const PolicyDocument document = LearnOrDie(
      PolicyType::kMinimal, {.accesses = {Access("/scratch/x", kWrite), Access("/", kRead)}},
      FakeFileSystem{});
  EXPECT_EQ(document.policy, Policy::Preset(PolicyType::kMinimal));
  EXPECT_EQ(document.comment,
            (Lines{"learned from a run in audit mode: what it needed beyond the minimal preset",
                   "nothing added",
                   "not learned: / (r); a rule on / would grant that on every file: add one by "
                   "hand if you mean it",
                   "not learned: /scratch/x (w): removed during the run, and only / holds it; a "
                   "rule on / would grant that on every file: add one by hand if you mean it"}));
}

TEST(LearnTest, CollapsesAtThreeEntriesNotTwo) {
  const FakeFileSystem fs = {"/opt/foo/include/a.h", "/opt/foo/include/b.h",
                             "/opt/foo/include/c.h"};
  const Observations two = {
      .accesses = {Access("/opt/foo/include/a.h", kRead), Access("/opt/foo/include/b.h", kRead)}};
  EXPECT_EQ(AddedRules(LearnOrDie(PolicyType::kMinimal, two, fs)),
            (Lines{"/opt/foo/include/a.h:r--", "/opt/foo/include/b.h:r--"}));

  Observations three = two;
  three.accesses.push_back(Access("/opt/foo/include/c.h", kWrite));
  const PolicyDocument document = LearnOrDie(PolicyType::kMinimal, three, fs);
  EXPECT_EQ(AddedRules(document), (Lines{"/opt/foo/include:rw-"})) << "r and w are unioned";
  EXPECT_EQ(document.comment,
            (Lines{"learned from a run in audit mode: what it needed beyond the minimal preset",
                   "/opt/foo/include (rw): collapsed, for 3 paths below it"}));
}

TEST(LearnTest, ThresholdIsAnOption) {
  const FakeFileSystem fs = {"/opt/a/1", "/opt/a/2", "/opt/a/3"};
  const Observations observations = {.accesses = {Access("/opt/a/1", kRead),
                                                  Access("/opt/a/2", kRead),
                                                  Access("/opt/a/3", kRead)}};
  EXPECT_EQ(
      AddedRules(LearnOrDie(PolicyType::kMinimal, observations, fs, {.collapse_threshold = 4})),
      (Lines{"/opt/a/1:r--", "/opt/a/2:r--", "/opt/a/3:r--"}));
  EXPECT_EQ(
      AddedRules(LearnOrDie(PolicyType::kMinimal, observations, fs, {.collapse_threshold = 0})),
      (Lines{"/opt/a/1:r--", "/opt/a/2:r--", "/opt/a/3:r--"}))
      << "0 collapses nothing";
  EXPECT_EQ(LearnError(PolicyType::kMinimal, observations, fs, {.collapse_threshold = 1}),
            "collapse threshold 1 would widen every rule to its directory: use 0 (no collapse) "
            "or 2 or more");
}

TEST(LearnTest, CollapsedDirectoriesCollapseIntoTheirParent) {
  FakeFileSystem fs = {};
  Observations observations;
  for (const char* dir : {"a", "b", "c"}) {
    for (const char* file : {"1.h", "2.h", "3.h"}) {
      const std::string path = std::string("/opt/sdk/") + dir + "/" + file;
      fs.Add(path);
      observations.accesses.push_back(Access(path, kRead));
    }
  }
  // Two more below one of them, one level deeper: covered by the collapsed rule.
  fs.Add("/opt/sdk/a/sys/x.h");
  observations.accesses.push_back(Access("/opt/sdk/a/sys/x.h", kRead));
  const PolicyDocument document = LearnOrDie(PolicyType::kMinimal, observations, fs);
  EXPECT_EQ(AddedRules(document), (Lines{"/opt/sdk:r--"}));
  EXPECT_EQ(document.comment[1], "/opt/sdk (r): collapsed, for 10 paths below it");
}

TEST(LearnTest, NeverCollapsesIntoRootOrTheBroadDirectories) {
  FakeFileSystem fs = {};
  Observations observations;
  for (const char* path : {"/data1", "/data2", "/data3", "/home/u1", "/home/u2", "/home/u3",
                           "/srv/x/1", "/srv/x/2", "/srv/x/3"}) {
    fs.Add(path);
    observations.accesses.push_back(Access(path, kRead));
  }
  // /srv/x collapses; /home and / do not.
  EXPECT_EQ(AddedRules(LearnOrDie(PolicyType::kMinimal, observations, fs)),
            (Lines{"/data1:r--", "/data2:r--", "/data3:r--", "/home/u1:r--", "/home/u2:r--",
                   "/home/u3:r--", "/srv/x:r--"}));
  // The set is an option; "/" is never a target whatever it says.
  EXPECT_EQ(AddedRules(
                LearnOrDie(PolicyType::kMinimal, observations, fs, {.never_collapse = {"/srv/x"}})),
            (Lines{"/data1:r--", "/data2:r--", "/data3:r--", "/home:r--", "/srv/x/1:r--",
                   "/srv/x/2:r--", "/srv/x/3:r--"}));
}

TEST(LearnTest, RemovedFilesMayNameTmpButEntriesDoNotCollapseIntoIt) {
  const FakeFileSystem fs = {"/tmp/1", "/tmp/2", "/tmp/3"};
  const PolicyDocument document = LearnOrDie(
      PolicyType::kMinimal,
      {.accesses = {Access("/tmp/1", kRead), Access("/tmp/2", kRead), Access("/tmp/3", kRead)}},
      fs);
  EXPECT_EQ(AddedRules(document), (Lines{"/tmp/1:r--", "/tmp/2:r--", "/tmp/3:r--"}));
}

TEST(LearnTest, ExecIsNotWidenedToTheDirectoryUnlessEveryEntryNeededIt) {
  const FakeFileSystem fs = {"/opt/tool/bin/a", "/opt/tool/bin/b", "/opt/tool/bin/c"};
  const PolicyDocument some =
      LearnOrDie(PolicyType::kMinimal,
                 {.accesses = {Access("/opt/tool/bin/a", kRead | kExec),
                               Access("/opt/tool/bin/b", kExec), Access("/opt/tool/bin/c", kRead)}},
                 fs);
  EXPECT_EQ(AddedRules(some),
            (Lines{"/opt/tool/bin:r--", "/opt/tool/bin/a:--x", "/opt/tool/bin/b:--x"}));
  EXPECT_EQ(some.comment,
            (Lines{"learned from a run in audit mode: what it needed beyond the minimal preset",
                   "/opt/tool/bin (r): collapsed, for 3 paths below it",
                   "/opt/tool/bin/a (x): accessed", "/opt/tool/bin/b (x): accessed"}));

  const PolicyDocument all =
      LearnOrDie(PolicyType::kMinimal,
                 {.accesses = {Access("/opt/tool/bin/a", kRead | kExec),
                               Access("/opt/tool/bin/b", kExec), Access("/opt/tool/bin/c", kExec)}},
                 fs);
  EXPECT_EQ(AddedRules(all), (Lines{"/opt/tool/bin:r-x"}));
}

TEST(LearnTest, RuleOnAnAncestorCoversWhatIsBelowIt) {
  FakeFileSystem fs = {"/srv/data/x", "/srv/data/y/z"};
  const PolicyDocument document =
      LearnOrDie(PolicyType::kMinimal,
                 {.accesses = {Access("/srv/data", kRead), Access("/srv/data/x", kRead),
                               Access("/srv/data/y/z", kRead | kWrite)}},
                 fs);
  EXPECT_EQ(AddedRules(document), (Lines{"/srv/data:r--", "/srv/data/y/z:-w-"}));
  EXPECT_EQ(document.comment[1], "/srv/data (r): accessed; for /srv/data/x");
}

TEST(LearnTest, ACoveredRuleIsCountedByTheRuleThatGrantsIt) {
  const FakeFileSystem fs = {"/srv/a/b/c"};
  const PolicyDocument document =
      LearnOrDie(PolicyType::kMinimal,
                 {.accesses = {Access("/srv/a", kRead), Access("/srv/a/b", kExec),
                               Access("/srv/a/b/c", kRead)}},
                 fs);
  EXPECT_EQ(AddedRules(document), (Lines{"/srv/a:r--", "/srv/a/b:--x"}));
  EXPECT_EQ(document.comment[1], "/srv/a (r): accessed; for /srv/a/b/c");
  EXPECT_EQ(document.comment[2], "/srv/a/b (x): accessed");
}

TEST(LearnTest, TruncatedPathsAreAnErrorThatListsThem) {
  const FakeFileSystem fs = {"/etc/app.conf"};
  const Observations observations = {.accesses = {Access("/etc/app.conf", kRead),
                                                  {"/very/long/b", kWrite, true},
                                                  {"/very/long/a", kRead, true}}};
  EXPECT_EQ(LearnError(PolicyType::kMinimal, observations, fs),
            "cannot learn a policy: 2 observed paths were too long for the kernel to report "
            "whole, and a rule cannot name a path it does not know (shorten them, e.g. run from "
            "a shorter directory): /very/long/a (r), /very/long/b (w)");
}

TEST(LearnTest, ProcessProcEntriesAreLeftOutAndListed) {
  const FakeFileSystem fs = {"/proc/cpuinfo", "/proc/4242/status"};
  const PolicyDocument document = LearnOrDie(
      PolicyType::kMinimal,
      {.accesses = {Access("/proc/4242/status", kRead), Access("/proc/4243/task/4243/comm", kWrite),
                    Access("/proc/self/mem", kWrite), Access("/proc/cpuinfo", kRead)}},
      fs);
  EXPECT_EQ(AddedRules(document), (Lines{"/proc/cpuinfo:r--"}));
  const std::string why =
      ": a process's /proc entry, which no rule can name (pids change every run; the process's "
      "own entries are what a rule on /proc/self grants)";
  EXPECT_EQ(document.comment,
            (Lines{"learned from a run in audit mode: what it needed beyond the minimal preset",
                   "/proc/cpuinfo (r): accessed", "not learned: /proc/4242/status (r)" + why,
                   "not learned: /proc/4243/task/4243/comm (w)" + why,
                   "not learned: /proc/self/mem (w)" + why}));
}

TEST(LearnTest, ObservedPathsMustBeCanonicalAndAbsolute) {
  const FakeFileSystem fs = {};
  EXPECT_EQ(LearnError(PolicyType::kMinimal, {.accesses = {Access("etc/x", kRead)}}, fs),
            "observed access cannot be learned: path rule 'etc/x' is not an absolute path");
  EXPECT_EQ(LearnError(PolicyType::kMinimal, {.accesses = {Access("/etc/../x", kRead)}}, fs),
            "observed path '/etc/../x' is not canonical (an empty, '.' or '..' component): "
            "expected the path as the kernel names the object");
  EXPECT_EQ(LearnError(PolicyType::kMinimal, {.accesses = {Access("/etc/x", 0)}}, fs),
            "observed access to '/etc/x' has bad access mode 0x0: expected a non-empty "
            "combination of r, w, x");
  EXPECT_EQ(LearnError(PolicyType::kMinimal, {.accesses = {Access("/proc/1/mem", 0x10)}}, fs),
            "observed access to '/proc/1/mem' has bad access mode 0x10: expected a non-empty "
            "combination of r, w, x");
}

TEST(LearnTest, OutputDoesNotDependOnTheOrderOfObservations) {
  const FakeFileSystem fs = {"/opt/x/1", "/opt/x/2", "/opt/x/3", "/etc/app.conf"};
  Observations observations = {
      .accesses = {Access("/opt/x/1", kRead), Access("/tmp/gone", kWrite),
                   Access("/opt/x/2", kExec), Access("/etc/app.conf", kRead),
                   Access("/opt/x/3", kRead), Access("/proc/1/stat", kRead)},
      .syscalls = {"personality", "kill"}};
  const PolicyDocument first = LearnOrDie(PolicyType::kMinimal, observations, fs);
  std::reverse(observations.accesses.begin(), observations.accesses.end());
  EXPECT_EQ(LearnOrDie(PolicyType::kMinimal, observations, fs), first);
}

TEST(LearnTest, LearnedDocumentRoundTripsThroughItsFile) {
  FakeFileSystem fs = {"/opt/x/1", "/opt/x/2", "/opt/x/3", "/etc/app.conf", "/usr/include/stdio.h"};
  fs.AddDirectory("/tmp");
  const PolicyDocument document = LearnOrDie(
      PolicyType::kBuild,
      {.accesses = {Access("/opt/x/1", kRead), Access("/opt/x/2", kRead), Access("/opt/x/3", kRead),
                    Access("/tmp/ccX.s", kExec), Access("/etc/app.conf", kRead),
                    Access("/usr/include/stdio.h", kRead), Access("/proc/7/stat", kRead)},
       .syscalls = {"personality"}},
      fs, {.name = "learned"});
  ASSERT_EQ(AddedRules(document), (Lines{"/etc/app.conf:r--", "/opt/x:r--", "/tmp:rwx"}));
  for (PolicyFileForm form : {PolicyFileForm::kCompact, PolicyFileForm::kExpanded}) {
    absl::StatusOr<std::string> text = SerializePolicy(document, form);
    ASSERT_TRUE(text.ok()) << text.status();
    absl::StatusOr<PolicyDocument> again = ParsePolicyText(*text, "learned.json");
    ASSERT_TRUE(again.ok()) << again.status() << "\n" << *text;
    EXPECT_EQ(*again, document) << *text;
  }
}

TEST(HostFileSystemViewTest, NamesAndDirectories) {
  testing::ScratchDir dir;
  const std::string file = dir.WriteFile("file", "x");
  const std::string dangling = dir.path() + "/dangling";
  ASSERT_EQ(::symlink("missing", dangling.c_str()), 0);
  const HostFileSystemView fs;
  EXPECT_TRUE(fs.Exists(file));
  EXPECT_FALSE(fs.IsDirectory(file));
  EXPECT_TRUE(fs.Exists(dir.path()));
  EXPECT_TRUE(fs.IsDirectory(dir.path()));
  EXPECT_TRUE(fs.Exists(dangling)) << "the name is there";
  EXPECT_FALSE(fs.IsDirectory(dangling));
  EXPECT_FALSE(fs.Exists(dir.path() + "/none"));
}

// What the run made counts as gone (its directory is named instead); what was there before
// stays, and so does a directory, whose times move with its entries.
TEST(BeforeRunFileSystemViewTest, WhatTheRunMadeIsGone) {
  testing::ScratchDir dir;
  const std::string old_file = dir.WriteFile("old", "x");
  ASSERT_EQ(::mkdir((dir.path() + "/sub").c_str(), 0700), 0);
  ::usleep(20000);  // file times are coarse on some filesystems
  struct timespec start {};
  ::clock_gettime(CLOCK_REALTIME, &start);
  ::usleep(20000);
  const std::string made = dir.WriteFile("made", "y");
  const BeforeRunFileSystemView fs(start, {dir.path()});
  EXPECT_TRUE(fs.Exists(old_file));
  EXPECT_FALSE(fs.Exists(made));
  EXPECT_TRUE(fs.Exists(dir.path()));
  EXPECT_TRUE(fs.Exists(dir.path() + "/sub"));
  EXPECT_TRUE(fs.IsDirectory(dir.path() + "/sub"));
  EXPECT_FALSE(fs.Exists(dir.path() + "/none"));
}

}  // namespace
}  // namespace cvlsm
