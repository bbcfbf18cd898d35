// `cv-lsm explain` and `cv-lsm policy diff --events` through the built binary, on events as
// `cv-lsm events --json` writes them; no privileges, no pinned programs.
#include <gtest/gtest.h>

#include <string>

#include "support/cli_runner.h"

namespace cvlsm::testing {
namespace {

constexpr char kShadowRead[] =
    R"({"time_ns":1,"verdict":"denied","fixed":false,"pid":7,"tid":7,"comm":"cat","cgroup":42,)"
    R"("hook":"file_open","errno":13,"requested":"r--","path":"/etc/shadow","path_truncated":false})";
constexpr char kVfork[] =
    R"({"time_ns":1,"verdict":"denied","fixed":false,"pid":8,"tid":8,"comm":"sh","cgroup":42,)"
    R"("hook":"syscall","errno":1,"syscall":"vfork","syscall_nr":58})";
constexpr char kDataAudited[] =
    R"({"time_ns":1,"verdict":"audit","fixed":false,"pid":9,"tid":9,"comm":"cat","cgroup":42,)"
    R"("hook":"file_open","errno":13,"requested":"r--","path":"/srv/data/a","path_truncated":false})";
constexpr char kPasswdRead[] =
    R"({"time_ns":1,"verdict":"denied","fixed":false,"pid":7,"tid":7,"comm":"id","cgroup":42,)"
    R"("hook":"file_open","errno":13,"requested":"r--","path":"/etc/passwd","path_truncated":false})";

// Line 4 holds the deny rule, line 3 the rule above it.
constexpr char kPolicy[] = R"({"cv-lsm-policy": 1, "name": "etc-reader", "base": "minimal",
  "syscalls": ["prctl"],
  "paths": [{"path": "/etc", "allow": "r"},
            {"path": "/etc/shadow", "deny": "r"}]}
)";

TEST(ExplainCliTest, NamesTheRuleWithItsPositionAndWhatWouldAllowIt) {
  ScratchDir dir;
  const std::string file = dir.WriteFile("p.json", kPolicy);
  ProcessResult denied = RunCli({"explain", "--policy-file", file, kShadowRead});
  EXPECT_EQ(denied.exit_code, 0) << denied.err;
  EXPECT_TRUE(Contains(denied.out, "denied: open /etc/shadow (r--) by cat[7], cgroup 42"))
      << denied.out;
  EXPECT_TRUE(Contains(denied.out, "policy: " + file + " (\"etc-reader\")")) << denied.out;
  EXPECT_TRUE(Contains(
      denied.out, "refused by: the deny rule '/etc/shadow:r--' (" + file + ":4:13) takes r-- away"))
      << denied.out;
  EXPECT_TRUE(Contains(denied.out, "would allow it: the deny rule '/etc/shadow:r--' takes it away"))
      << denied.out;

  ProcessResult vfork = RunCli({"explain", "--policy-file", file, kVfork});
  EXPECT_TRUE(Contains(vfork.out, "refused by: syscall vfork is not in the policy's list ("))
      << vfork.out;
  EXPECT_TRUE(Contains(vfork.out, "plus \"syscalls\" at " + file + ":2:15)")) << vfork.out;
  EXPECT_TRUE(Contains(vfork.out, "would allow it: --allow-syscall vfork")) << vfork.out;
  EXPECT_TRUE(Contains(vfork.out, "or in " + file + ": add \"vfork\" to \"syscalls\""))
      << vfork.out;

  ProcessResult unnamed = RunCli({"explain", "--policy", "minimal", kDataAudited});
  EXPECT_TRUE(Contains(unnamed.out, "audit: open /srv/data/a (r--)")) << unnamed.out;
  EXPECT_TRUE(Contains(unnamed.out, "no rule names /srv/data/a or a directory above it"))
      << unnamed.out;
  EXPECT_TRUE(Contains(unnamed.out, "would allow it: --allow /srv/data/a:r")) << unnamed.out;
}

TEST(ExplainCliTest, ReadsEventLinesOnStdinAndRefusesWhatIsNoEvent) {
  ScratchDir dir;
  const std::string events =
      dir.WriteFile("events", std::string(kVfork) + "\n" + kPasswdRead + "\n");
  ProcessResult both = RunProcess(
      {"/bin/sh", "-c", std::string(CVLSM_CLI_PATH) + " explain --policy build <" + events});
  EXPECT_EQ(both.exit_code, 0) << both.err;
  EXPECT_TRUE(Contains(both.out, "refused by: ")) << both.out;
  EXPECT_TRUE(Contains(both.out, "this policy grants r-- on /etc/passwd by name")) << both.out;

  ProcessResult garbage = RunCli({"explain", "--policy", "minimal", "{\"hook\": \"nope\"}"});
  EXPECT_EQ(garbage.exit_code, 125);
  EXPECT_TRUE(Contains(garbage.err, "not an event")) << garbage.err;
  // Without --policy the event's cgroup must have a recorded policy: 42 has none.
  ProcessResult unknown = RunCli({"explain", kShadowRead});
  EXPECT_EQ(unknown.exit_code, 125);
  EXPECT_TRUE(Contains(unknown.err, "no policy is known for cgroup 42")) << unknown.err;
  EXPECT_TRUE(Contains(unknown.err, "--policy-file")) << unknown.err;
}

TEST(PolicyDiffCliTest, SaysWhatAPolicyWouldNewlyRefuseOrAllowAndFailsWhenItRefuses) {
  ScratchDir dir;
  const std::string events = dir.WriteFile(
      "events", std::string(kDataAudited) + "\n" + kVfork + "\n" + kPasswdRead + "\n");
  ProcessResult minimal = RunCli({"policy", "diff", "--events", events, "minimal"});
  EXPECT_EQ(minimal.exit_code, 1) << minimal.err;
  EXPECT_TRUE(Contains(minimal.out,
                       "would newly refuse (ran before, in audit mode):\n  open "
                       "/srv/data/a (r--), 1 times, by cat: --allow /srv/data/a:r"))
      << minimal.out;
  EXPECT_TRUE(Contains(minimal.out,
                       "would still refuse:\n  syscall vfork (58), 1 times, by sh: "
                       "--allow-syscall vfork"))
      << minimal.out;
  EXPECT_TRUE(Contains(minimal.out, "would newly allow:\n  open /etc/passwd (r--)")) << minimal.out;

  const std::string wider = dir.WriteFile(
      "wider.json",
      R"({"cv-lsm-policy": 1, "base": "build", "paths": [{"path": "/srv/data", "allow": "r"}]})");
  ProcessResult ok = RunCli({"policy", "diff", "--events", events, wider});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_TRUE(Contains(ok.out,
                       "3 events: 0 operations refused (0 newly), 2 newly allowed, 1 "
                       "allowed as before"))
      << ok.out;
  EXPECT_EQ(RunCli({"policy", "diff", "--events", dir.path() + "/none", "minimal"}).exit_code, 125);
}

}  // namespace
}  // namespace cvlsm::testing
