// Containers as root on this host (its tier, CVLSM_EXPECT_TIER): creation, namespaces,
// capabilities, confinement, spawn/kill/wait, teardown that leaves nothing behind, and
// policy sharing. Through the public C API only.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "chef/containerv.h"
#include "chef/containerv/policy.h"

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The cgroup v2 mount (unified or hybrid machines).
std::string Cgroup2Root() {
  std::ifstream mountinfo("/proc/self/mountinfo");
  for (std::string line; std::getline(mountinfo, line);) {
    if (line.find(" - cgroup2 ") == std::string::npos) continue;
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 5 && fields >> field; ++i) {
    }
    return field;
  }
  return "/sys/fs/cgroup";
}

// Directories below <cgroup2>/cv-lsm whose name starts with "ctr-<id>.".
std::vector<std::string> CgroupsOf(const std::string& id) {
  std::vector<std::string> found;
  DIR* dir = ::opendir((Cgroup2Root() + "/cv-lsm").c_str());
  if (!dir) return found;
  std::string prefix = "ctr-" + id + ".";
  while (dirent* entry = ::readdir(dir)) {
    if (std::string(entry->d_name).rfind(prefix, 0) == 0) found.push_back(entry->d_name);
  }
  ::closedir(dir);
  return found;
}

// Entries in the BPF maps named `name` (the kernel keeps 15 characters) that this process
// holds open: the engine of this process, not another cv-lsm's. nullopt when there is none.
std::optional<size_t> MapEntries(const std::string& name) {
  std::optional<size_t> entries;
  DIR* fds = ::opendir("/proc/self/fd");
  if (fds == nullptr) return entries;
  while (dirent* entry = ::readdir(fds)) {
    char target[64] = {};
    std::string link = std::string("/proc/self/fd/") + entry->d_name;
    if (::readlink(link.c_str(), target, sizeof(target) - 1) <= 0) continue;
    if (std::string(target) != "anon_inode:bpf-map") continue;
    int fd = std::atoi(entry->d_name);
    bpf_map_info info{};
    uint32_t length = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0 || name != info.name) continue;
    entries = entries.value_or(0);
    std::vector<char> key(info.key_size), next_key(info.key_size);
    for (int err = bpf_map_get_next_key(fd, nullptr, key.data()); err == 0;
         err = bpf_map_get_next_key(fd, key.data(), next_key.data()), key.swap(next_key)) {
      ++*entries;
    }
  }
  ::closedir(fds);
  return entries;
}

class ContainerHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "the container tests need root";
    char pattern[] = "/tmp/cvlsm-capi-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (container_) {
      EXPECT_EQ(containerv_destroy(container_), 0) << cvlsm_last_error();
    }
    if (!dir_.empty()) (void)!::system(("rm -rf " + dir_).c_str());
  }

  // A container with the policy (deleted here: the container keeps its own reference).
  void Create(const char* id, containerv_policy* policy, unsigned caps = 0) {
    ASSERT_NE(policy, nullptr);
    ASSERT_EQ(containerv_policy_add_path(policy, dir_.c_str(), CV_FS_ALL), 0);
    containerv_options* options = containerv_options_new();
    containerv_options_set_policy(options, policy);
    containerv_options_set_caps(options, static_cast<containerv_capabilities>(caps));
    containerv_policy_delete(policy);
    ASSERT_EQ(containerv_create(id, options, &container_), 0) << cvlsm_last_error();
    containerv_options_delete(options);
  }

  // Runs /bin/sh -c SCRIPT to its end; returns the exit code.
  int RunShell(const std::string& script) {
    std::string arguments = "-c '" + script + "'";
    containerv_spawn_options options{arguments.c_str(), nullptr, nullptr, CV_SPAWN_WAIT};
    process_handle_t pid = 0;
    EXPECT_EQ(containerv_spawn(container_, "/bin/sh", &options, &pid), 0) << cvlsm_last_error();
    int code = -1;
    EXPECT_EQ(containerv_wait(container_, pid, &code), 0) << cvlsm_last_error();
    return code;
  }

  std::string dir_;
  containerv_container* container_ = nullptr;
};

TEST_F(ContainerHostTest, SpawnWaitAndExitCodes) {
  Create("capi-exit", containerv_policy_new(CV_POLICY_BUILD));
  EXPECT_STREQ(containerv_id(container_), "capi-exit");
  EXPECT_EQ(RunShell("exit 0"), 0);
  EXPECT_EQ(RunShell("exit 7"), 7);
  EXPECT_EQ(RunShell("kill -9 $$"), 128 + 9);
}

TEST_F(ContainerHostTest, ArgumentsAndEnvironmentReachTheProcess) {
  Create("capi-args", containerv_policy_new(CV_POLICY_BUILD));
  std::string out = dir_ + "/out";
  std::string arguments =
      "-c 'printf \"%s|%s|%s\" \"$1\" \"$GREETING\" \"$(pwd)\" > " + out + "' sh \"two words\"";
  const char* const env[] = {"GREETING=hello", "PATH=/usr/bin:/bin", nullptr};
  containerv_spawn_options options{arguments.c_str(), env, nullptr, CV_SPAWN_WAIT};
  process_handle_t pid = 0;
  ASSERT_EQ(containerv_spawn(container_, "/bin/sh", &options, &pid), 0) << cvlsm_last_error();
  int code = -1;
  ASSERT_EQ(containerv_wait(container_, pid, &code), 0);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(ReadFile(out), "two words|hello|/");
}

TEST_F(ContainerHostTest, ProcessesShareTheContainersNamespaces) {
  Create("capi-ns", containerv_policy_new(CV_POLICY_BUILD));
  std::string out = dir_ + "/ns";
  // Own hostname (the id), own pid namespace (low pids), loopback-only network.
  ASSERT_EQ(RunShell("echo $(hostname) $$ > " + out +
                     "; "
                     "while read l; do echo $l; done < /proc/self/net/dev >> " +
                     out),
            0);
  std::string text = ReadFile(out);
  std::istringstream lines(text);
  std::string hostname;
  int pid = 0;
  lines >> hostname >> pid;
  EXPECT_EQ(hostname, "capi-ns");
  EXPECT_GT(pid, 1);
  EXPECT_LT(pid, 100);
  EXPECT_NE(text.find("lo:"), std::string::npos) << text;
  EXPECT_EQ(text.find("eth"), std::string::npos) << text;
  struct utsname host {};
  ::uname(&host);
  EXPECT_STRNE(host.nodename, "capi-ns");  // the host's hostname is untouched
}

TEST_F(ContainerHostTest, CapabilitiesFollowTheFlagsWithNoNewPrivsAndSeccomp) {
  Create("capi-caps", containerv_policy_new(CV_POLICY_BUILD),
         CV_CAP_FILESYSTEM | CV_CAP_PROCESS_CONTROL);
  std::string out = dir_ + "/status";
  // Builtins only: under Landlock /proc/self is the spawned process's own entry.
  ASSERT_EQ(RunShell("while read k v; do case $k in CapEff:|CapBnd:|NoNewPrivs:|Seccomp:) "
                     "echo $k $v;; esac; done < /proc/self/status > " +
                     out),
            0);
  std::string text = ReadFile(out);
  EXPECT_NE(text.find("CapEff: 000000000000003b"), std::string::npos) << text;
  EXPECT_NE(text.find("CapBnd: 000000000000003b"), std::string::npos) << text;
  EXPECT_NE(text.find("NoNewPrivs: 1"), std::string::npos) << text;
  EXPECT_NE(text.find("Seccomp: 2"), std::string::npos) << text;
}

TEST_F(ContainerHostTest, NoFlagsMeansNoCapabilities) {
  Create("capi-nocaps", containerv_policy_new(CV_POLICY_BUILD));
  std::string out = dir_ + "/status";
  ASSERT_EQ(RunShell("while read k v; do case $k in CapEff:) echo $v;; esac; done "
                     "< /proc/self/status > " +
                     out),
            0);
  EXPECT_EQ(ReadFile(out), "0000000000000000\n");
}

TEST_F(ContainerHostTest, PathRulesAreEnforcedUnlessTheTierIsSeccomp) {
  const char* tier = std::getenv("CVLSM_EXPECT_TIER");
  const bool enforced = !(tier && std::string(tier) == "seccomp");
  Create("capi-paths", containerv_policy_new(CV_POLICY_MINIMAL));
  containerv_spawn_options options{"/etc/hostname", nullptr, nullptr, CV_SPAWN_WAIT};
  process_handle_t pid = 0;
  ASSERT_EQ(containerv_spawn(container_, "/bin/cat", &options, &pid), 0) << cvlsm_last_error();
  int code = -1;
  ASSERT_EQ(containerv_wait(container_, pid, &code), 0);
  // cat: Permission denied where paths are enforced; the seccomp tier reads it.
  EXPECT_EQ(code, enforced ? 1 : 0);
}

// cvlsm_container_get_stats: the cgroup's own accounting on every tier; the decisions and the
// policy's map entries on bpf-lsm only, and never claimed elsewhere.
TEST_F(ContainerHostTest, StatsSayWhatTheContainerCostsAndDecided) {
  const char* tier = std::getenv("CVLSM_EXPECT_TIER");
  const bool bpf_lsm = tier != nullptr && std::string(tier) == "bpf-lsm";
  Create("capi-stats", containerv_policy_new(CV_POLICY_MINIMAL));
  containerv_spawn_options options{"/etc/hostname", nullptr, nullptr, CV_SPAWN_WAIT};
  process_handle_t pid = 0;
  ASSERT_EQ(containerv_spawn(container_, "/bin/cat", &options, &pid), 0) << cvlsm_last_error();
  ASSERT_EQ(containerv_wait(container_, pid, nullptr), 0);

  cvlsm_container_stats stats{};
  ASSERT_EQ(cvlsm_container_get_stats(container_, &stats, sizeof stats), 0) << cvlsm_last_error();
  EXPECT_TRUE(stats.known & CVLSM_STAT_CPU);
  EXPECT_GT(stats.cpu_usec, 0u) << "cat ran in the container's cgroup";
  EXPECT_EQ((stats.known & CVLSM_STAT_DECISIONS) != 0, bpf_lsm);
  EXPECT_EQ((stats.known & CVLSM_STAT_POLICY) != 0, bpf_lsm);
  if (bpf_lsm) {
    EXPECT_GT(stats.allowed, 0u);
    EXPECT_GT(stats.denied, 0u) << "/etc/hostname is outside the Minimal policy";
    EXPECT_GT(stats.policy_entries, 1u);
    EXPECT_GE(stats.policy_bytes, stats.policy_entries * sizeof(uint64_t));
  } else {
    EXPECT_EQ(stats.allowed, 0u);
    EXPECT_EQ(stats.policy_entries, 0u);
  }

  errno = 0;
  EXPECT_EQ(cvlsm_container_get_stats(container_, &stats, sizeof stats - 1), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(cvlsm_container_get_stats(nullptr, &stats, sizeof stats), -1);
  EXPECT_EQ(cvlsm_container_get_stats(container_, nullptr, sizeof stats), -1);
}

// cvlsm_options_set_audit: on bpf-lsm a read the policy does not grant runs; elsewhere the
// container is refused with EOPNOTSUPP rather than enforced as if nothing was asked.
TEST_F(ContainerHostTest, AuditModeAllowsOnBpfLsmAndIsRefusedElsewhere) {
  const char* tier = std::getenv("CVLSM_EXPECT_TIER");
  const bool bpf_lsm = tier != nullptr && std::string(tier) == "bpf-lsm";
  containerv_policy* policy = containerv_policy_new(CV_POLICY_MINIMAL);
  ASSERT_EQ(containerv_policy_add_path(policy, dir_.c_str(), CV_FS_ALL), 0);
  containerv_options* options = containerv_options_new();
  containerv_options_set_policy(options, policy);
  cvlsm_options_set_audit(options, 1);
  containerv_policy_delete(policy);
  int created = containerv_create("capi-audit", options, &container_);
  containerv_options_delete(options);
  if (!bpf_lsm) {
    EXPECT_EQ(created, -1);
    EXPECT_EQ(errno, EOPNOTSUPP);
    EXPECT_NE(std::string(cvlsm_last_error()).find("audit mode needs the bpf-lsm tier"),
              std::string::npos)
        << cvlsm_last_error();
    return;
  }
  ASSERT_EQ(created, 0) << cvlsm_last_error();
  containerv_spawn_options spawn{"/etc/hostname", nullptr, nullptr, CV_SPAWN_WAIT};
  process_handle_t pid = 0;
  ASSERT_EQ(containerv_spawn(container_, "/bin/cat", &spawn, &pid), 0) << cvlsm_last_error();
  int code = -1;
  ASSERT_EQ(containerv_wait(container_, pid, &code), 0);
  EXPECT_EQ(code, 0) << "audit mode refused a read the policy does not grant";
}

// cvlsm_container_set_path_rule / remove_path_rule: the rules of a running container
// change for its next process, each verdict seen by cat inside it. bpf-lsm only: Landlock
// refuses, the seccomp tier checks the path and enforces nothing.
TEST_F(ContainerHostTest, PathRulesChangeWhileTheContainerRuns) {
  const char* tier_env = std::getenv("CVLSM_EXPECT_TIER");
  const std::string tier = tier_env ? tier_env : "";
  char pattern[] = "/var/tmp/cvlsm-capi-live-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string other = pattern;
  const std::string file = other + "/file";
  { std::ofstream(file) << "x\n"; }
  Create("capi-live", containerv_policy_new(CV_POLICY_MINIMAL));
  auto cat = [&]() {
    containerv_spawn_options options{file.c_str(), nullptr, nullptr, CV_SPAWN_WAIT};
    process_handle_t pid = 0;
    EXPECT_EQ(containerv_spawn(container_, "/bin/cat", &options, &pid), 0) << cvlsm_last_error();
    int code = -1;
    EXPECT_EQ(containerv_wait(container_, pid, &code), 0);
    return code;  // 0: read, 1: refused
  };
  EXPECT_EQ(cat(), tier == "seccomp" ? 0 : 1) << "outside the policy at creation";
  int set = cvlsm_container_set_path_rule(container_, other.c_str(), CV_FS_READ, 0);
  if (tier == "landlock") {
    EXPECT_EQ(set, -1);
    EXPECT_EQ(errno, EOPNOTSUPP);
    EXPECT_NE(std::string(cvlsm_last_error()).find("bpf-lsm"), std::string::npos);
    EXPECT_EQ(cat(), 1) << "nothing changed";
  } else if (tier == "seccomp") {
    EXPECT_EQ(set, 0) << cvlsm_last_error();
    EXPECT_EQ(cvlsm_container_set_path_rule(container_, "/nonexistent/cv-lsm", CV_FS_READ, 0), -1);
    EXPECT_EQ(errno, ENOENT);
  } else {
    ASSERT_EQ(set, 0) << cvlsm_last_error();
    EXPECT_EQ(cat(), 0) << "allowed once the rule is set";
    EXPECT_EQ(cvlsm_container_set_path_rule(container_, file.c_str(), 0, CV_FS_READ), 0);
    EXPECT_EQ(cat(), 1) << "the file denied below the allowed directory";
    EXPECT_EQ(cvlsm_container_remove_path_rule(container_, file.c_str()), 0);
    EXPECT_EQ(cat(), 0);
    EXPECT_EQ(cvlsm_container_remove_path_rule(container_, other.c_str()), 0);
    EXPECT_EQ(cat(), 1) << "no rule: default deny";
    EXPECT_EQ(cvlsm_container_remove_path_rule(container_, other.c_str()), -1);
    EXPECT_EQ(errno, ENOENT);
    EXPECT_EQ(cvlsm_container_set_path_rule(container_, "/nonexistent/cv-lsm", CV_FS_READ, 0), -1);
    EXPECT_EQ(errno, ENOENT);
    EXPECT_NE(std::string(cvlsm_last_error()).find("/nonexistent/cv-lsm"), std::string::npos);
  }
  // Bad arguments, on every tier.
  EXPECT_EQ(cvlsm_container_set_path_rule(container_, "relative", CV_FS_READ, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(cvlsm_container_set_path_rule(container_, other.c_str(), 0, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(cvlsm_container_set_path_rule(container_, other.c_str(), 0x10, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(cvlsm_container_set_path_rule(nullptr, other.c_str(), CV_FS_READ, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  (void)!::system(("rm -rf " + other).c_str());
}

TEST_F(ContainerHostTest, KillAndWaitOnARunningProcess) {
  Create("capi-kill", containerv_policy_new(CV_POLICY_MINIMAL));
  containerv_spawn_options options{"100", nullptr, nullptr, static_cast<container_spawn_flags>(0)};
  process_handle_t pid = 0;
  ASSERT_EQ(containerv_spawn(container_, "/bin/sleep", &options, &pid), 0) << cvlsm_last_error();
  EXPECT_GT(pid, 0);
  EXPECT_EQ(containerv_kill(container_, pid), 0) << cvlsm_last_error();
  int code = -1;
  EXPECT_EQ(containerv_wait(container_, pid, &code), 0);
  EXPECT_EQ(code, 128 + SIGTERM);
  errno = 0;
  EXPECT_EQ(containerv_wait(container_, pid, &code), -1);  // once only
  EXPECT_EQ(errno, ESRCH);
  errno = 0;
  EXPECT_EQ(containerv_kill(container_, pid), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(ContainerHostTest, ForeignPidsAreRefused) {
  Create("capi-foreign", containerv_policy_new(CV_POLICY_MINIMAL));
  errno = 0;
  EXPECT_EQ(containerv_kill(container_, ::getpid()), -1);  // not ours to signal
  EXPECT_EQ(errno, ESRCH);
  errno = 0;
  EXPECT_EQ(containerv_wait(container_, ::getpid(), nullptr), -1);
  EXPECT_EQ(errno, ESRCH);
  errno = 0;
  EXPECT_EQ(containerv_kill(container_, 0), -1);
  EXPECT_EQ(errno, EINVAL);
}

TEST_F(ContainerHostTest, SpawnErrors) {
  Create("capi-spawn-errors", containerv_policy_new(CV_POLICY_MINIMAL));
  process_handle_t pid = 0;
  auto expect = [&](const char* path, containerv_spawn_options* options, int err) {
    errno = 0;
    EXPECT_EQ(containerv_spawn(container_, path, options, &pid), -1) << path;
    EXPECT_EQ(errno, err) << path << ": " << cvlsm_last_error();
  };
  expect("/no/such/program", nullptr, ENOENT);
  expect("sh", nullptr, EINVAL);
  expect("/etc/passwd", nullptr, EACCES);
  expect(nullptr, nullptr, EINVAL);
  containerv_spawn_options unterminated{"'abc", nullptr, nullptr, CV_SPAWN_WAIT};
  expect("/bin/true", &unterminated, EINVAL);
  containerv_spawn_options user{nullptr, nullptr, reinterpret_cast<containerv_user*>(&pid),
                                CV_SPAWN_WAIT};
  expect("/bin/true", &user, EOPNOTSUPP);
  containerv_spawn_options flags{nullptr, nullptr, nullptr,
                                 static_cast<container_spawn_flags>(0x40)};
  expect("/bin/true", &flags, EINVAL);
  // NULL options and NULL pidOut are fine.
  EXPECT_EQ(containerv_spawn(container_, "/bin/true", nullptr, nullptr), 0) << cvlsm_last_error();
}

TEST_F(ContainerHostTest, DestroyLeavesNothingBehindWhateverRunsInside) {
  Create("capi-destroy", containerv_policy_new(CV_POLICY_BUILD));
  // A process that forks children that ignore SIGTERM and a grandchild that is orphaned.
  containerv_spawn_options options{"-c 'trap \"\" TERM; (sleep 1000 &); sleep 1000 & sleep 1000'",
                                   nullptr, nullptr, static_cast<container_spawn_flags>(0)};
  process_handle_t pid = 0;
  ASSERT_EQ(containerv_spawn(container_, "/bin/sh", &options, &pid), 0) << cvlsm_last_error();
  std::vector<std::string> cgroups = CgroupsOf("capi-destroy");
  ASSERT_EQ(cgroups.size(), 1u);
  // Wait (up to 30 s: emulated machines are slow) until the shell has forked them all.
  std::string procs;
  for (int i = 0; i < 300; ++i) {
    procs = ReadFile(Cgroup2Root() + "/cv-lsm/" + cgroups[0] + "/cgroup.procs");
    if (std::count(procs.begin(), procs.end(), '\n') >= 4) break;
    ::usleep(100 * 1000);
  }
  EXPECT_GE(std::count(procs.begin(), procs.end(), '\n'), 4) << procs;  // init, sh, 3 sleeps
  EXPECT_EQ(containerv_destroy(container_), 0) << cvlsm_last_error();
  container_ = nullptr;
  EXPECT_TRUE(CgroupsOf("capi-destroy").empty());
  std::istringstream pids(procs);
  for (pid_t left; pids >> left;) {
    EXPECT_EQ(::kill(left, 0), -1) << "process " << left << " survived";
  }
}

// Many container lifetimes leave nothing behind: no cgroup, and (bpf-lsm) no cgroup entry
// or rule in the engine's maps beyond what was there before. Each container has rules of
// its own (its scratch directory), so leaked rules would add up.
TEST_F(ContainerHostTest, ManyLifetimesReturnTheMapsToTheirBaseline) {
  const char* tier = ::getenv("CVLSM_EXPECT_TIER");
  const bool bpf_lsm = tier != nullptr && std::string(tier) == "bpf-lsm";
  const int lifetimes = 1000;
  struct Occupancy {
    std::optional<size_t> cgroups, rules;
  };
  auto occupancy = [] {
    return Occupancy{MapEntries("cvlsm_cgroups"), MapEntries("cvlsm_path_rule")};
  };
  // Creates container i, reads the maps while it lives (every 100th), destroys it.
  auto lifetime = [&](int i, Occupancy* alive) {
    containerv_policy* policy = containerv_policy_new(CV_POLICY_MINIMAL);
    std::string own = dir_ + "/c" + std::to_string(i % 16);
    ::mkdir(own.c_str(), 0755);
    EXPECT_EQ(containerv_policy_add_path(
                  policy, own.c_str(), static_cast<containerv_fs_access>(CV_FS_READ | CV_FS_WRITE)),
              0);
    containerv_options* options = containerv_options_new();
    containerv_options_set_policy(options, policy);
    containerv_policy_delete(policy);
    containerv_container* container = nullptr;
    std::string id = "capi-life-" + std::to_string(i);
    EXPECT_EQ(containerv_create(id.c_str(), options, &container), 0) << cvlsm_last_error();
    containerv_options_delete(options);
    if (alive != nullptr) *alive = occupancy();
    if (container != nullptr) {
      EXPECT_EQ(containerv_destroy(container), 0) << cvlsm_last_error();
    }
  };
  // One container lives throughout, as in a runtime: the engine stays loaded (it unloads
  // with the last container) and its entries are part of the baseline.
  Create("capi-life-anchor", containerv_policy_new(CV_POLICY_MINIMAL));
  const Occupancy before = occupancy();
  if (bpf_lsm) {
    ASSERT_TRUE(before.cgroups && before.rules) << "the engine's maps were not found";
  }
  for (int i = 0; i < lifetimes && !HasFailure(); ++i) {
    Occupancy alive;
    lifetime(i, i % 100 == 0 ? &alive : nullptr);
    // While a container lives its entries are there: the count can see a leak.
    if (bpf_lsm && i % 100 == 0) {
      EXPECT_EQ(alive.cgroups.value_or(0), *before.cgroups + 1) << "lifetime " << i;
      EXPECT_GT(alive.rules.value_or(0), *before.rules) << "lifetime " << i;
    }
  }
  const Occupancy after = occupancy();
  EXPECT_EQ(after.cgroups, before.cgroups);
  EXPECT_EQ(after.rules, before.rules);
  for (int i = 0; i < lifetimes; ++i) {
    ASSERT_TRUE(CgroupsOf("capi-life-" + std::to_string(i)).empty()) << "lifetime " << i;
  }
}

TEST_F(ContainerHostTest, APolicyIsSharedAndOutlivesItsHandle) {
  containerv_policy* policy = containerv_policy_new(CV_POLICY_BUILD);
  ASSERT_EQ(containerv_policy_add_path(policy, dir_.c_str(), CV_FS_ALL), 0);
  containerv_options* options = containerv_options_new();
  containerv_options_set_policy(options, policy);
  containerv_container* first = nullptr;
  containerv_container* second = nullptr;
  ASSERT_EQ(containerv_create("capi-shared-1", options, &first), 0) << cvlsm_last_error();
  containerv_policy_delete(policy);  // in use by the options and the first container
  ASSERT_EQ(containerv_create("capi-shared-2", options, &second), 0) << cvlsm_last_error();
  containerv_options_delete(options);
  for (containerv_container* container : {first, second}) {
    std::string arguments = "-c 'echo ok > " + dir_ + "/" + containerv_id(container) + "'";
    containerv_spawn_options spawn{arguments.c_str(), nullptr, nullptr, CV_SPAWN_WAIT};
    process_handle_t pid = 0;
    ASSERT_EQ(containerv_spawn(container, "/bin/sh", &spawn, &pid), 0) << cvlsm_last_error();
    int code = -1;
    ASSERT_EQ(containerv_wait(container, pid, &code), 0);
    EXPECT_EQ(code, 0);
  }
  EXPECT_EQ(ReadFile(dir_ + "/capi-shared-1"), "ok\n");
  EXPECT_EQ(ReadFile(dir_ + "/capi-shared-2"), "ok\n");
  EXPECT_EQ(containerv_destroy(first), 0);
  EXPECT_EQ(containerv_destroy(second), 0);
}

TEST_F(ContainerHostTest, DestroyWithNothingSpawnedAndUnwaitedResults) {
  Create("capi-idle", containerv_policy_new(CV_POLICY_MINIMAL));
  containerv_spawn_options options{nullptr, nullptr, nullptr, CV_SPAWN_WAIT};
  ASSERT_EQ(containerv_spawn(container_, "/bin/true", &options, nullptr), 0);
  // The result of that process is never fetched: destroy frees it.
}

TEST_F(ContainerHostTest, RootFilesystemBecomesTheContainersRoot) {
  std::string root = dir_ + "/rootfs";
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root + "/proc").c_str(), 0755), 0);
  std::ofstream(root + "/rootfs-marker") << "marker\n";
  ASSERT_EQ(::system(("cp " CVLSM_ROOTFS_PROBE_PATH " " + root + "/probe").c_str()), 0);
  containerv_policy* policy = containerv_policy_new(CV_POLICY_MINIMAL);
  ASSERT_EQ(containerv_policy_add_path(policy, "/",
                                       static_cast<containerv_fs_access>(CV_FS_READ | CV_FS_EXEC)),
            0);
  containerv_options* options = containerv_options_new();
  containerv_options_set_policy(options, policy);
  containerv_policy_delete(policy);
  ASSERT_EQ(containerv_create(root.c_str(), options, &container_), 0) << cvlsm_last_error();
  containerv_options_delete(options);
  EXPECT_EQ(std::string(containerv_id(container_)).rfind("cv", 0), 0u);
  containerv_spawn_options spawn{nullptr, nullptr, nullptr, CV_SPAWN_WAIT};
  process_handle_t pid = 0;
  ASSERT_EQ(containerv_spawn(container_, "/probe", &spawn, &pid), 0) << cvlsm_last_error();
  int code = -1;
  ASSERT_EQ(containerv_wait(container_, pid, &code), 0);
  EXPECT_EQ(code, 0) << "10: no marker, 11: host tree visible, 12: not in its pid namespace";
}

// The Landlock ABI of this kernel (0: none), for what the landlock tier can enforce.
int LandlockAbi() {
  long abi = ::syscall(444 /* landlock_create_ruleset */, nullptr, 0, 1u /* VERSION */);
  return abi < 0 ? 0 : static_cast<int>(abi);
}

// A listening TCP socket on 127.0.0.1 of this (the host's) network namespace.
struct LoopbackListener {
  LoopbackListener() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), length), 0);
    EXPECT_EQ(::listen(fd, 8), 0);
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port = ntohs(address.sin_port);
  }
  ~LoopbackListener() { ::close(fd); }
  int fd = -1;
  int port = 0;
};

// containerv_policy_add_net_rule: a container sharing the host's network (CV_CAP_NETWORK)
// connects to the port a rule allows and is refused the next port, where the tier enforces
// ports (bpf-lsm; landlock from ABI 4). The verdicts are net_probe's, inside the container.
TEST_F(ContainerHostTest, NetworkRulesConfineTheContainersConnects) {
  const char* tier_env = std::getenv("CVLSM_EXPECT_TIER");
  const std::string tier = tier_env ? tier_env : "bpf-lsm";
  const bool ports_enforced = tier == "bpf-lsm" || (tier == "landlock" && LandlockAbi() >= 4);
  LoopbackListener listener;
  std::string allowed = "tcp:127.0.0.1:" + std::to_string(listener.port);
  containerv_policy* policy = containerv_policy_new(CV_POLICY_NETWORK);
  ASSERT_EQ(containerv_policy_add_net_rule(policy, CV_NET_ALLOW_CONNECT, allowed.c_str()), 0)
      << cvlsm_last_error();
  std::string probe_dir = CVLSM_NET_PROBE_PATH;
  probe_dir.resize(probe_dir.rfind('/'));
  ASSERT_EQ(containerv_policy_add_path(policy, probe_dir.c_str(),
                                       static_cast<containerv_fs_access>(CV_FS_READ | CV_FS_EXEC)),
            0);
  Create("capi-net", policy, CV_CAP_NETWORK);
  const std::string out = dir_ + "/verdicts";
  const int port = listener.port;
  // The Network preset does not fork: no shell, net_probe writes its verdicts itself.
  std::string arguments = "-o " + out + " \"connect tcp 127.0.0.1 " + std::to_string(port) +
                          "\" \"connect tcp 127.0.0.1 " + std::to_string(port + 1) + "\"";
  containerv_spawn_options spawn{arguments.c_str(), nullptr, nullptr, CV_SPAWN_WAIT};
  process_handle_t pid = 0;
  ASSERT_EQ(containerv_spawn(container_, CVLSM_NET_PROBE_PATH, &spawn, &pid), 0)
      << cvlsm_last_error();
  int code = -1;
  ASSERT_EQ(containerv_wait(container_, pid, &code), 0);
  ASSERT_EQ(code, 0);
  std::string verdicts = ReadFile(out);
  EXPECT_NE(verdicts.find("127.0.0.1 " + std::to_string(port) + ": ok"), std::string::npos)
      << verdicts;
  std::string refused = "127.0.0.1 " + std::to_string(port + 1) + ": errno ";
  refused += ports_enforced ? "13 " : "111 ";  // EACCES, or a connection refused by nobody
  EXPECT_NE(verdicts.find(refused), std::string::npos) << tier << "\n" << verdicts;
}

// cvlsm_options_set_strict: an address rule is enforced on bpf-lsm; the landlock tier (ports
// only) and the seccomp tier refuse the container, naming why, and leave no cgroup.
TEST_F(ContainerHostTest, StrictRefusesANetworkRuleTheTierCannotEnforce) {
  const char* tier_env = std::getenv("CVLSM_EXPECT_TIER");
  const std::string tier = tier_env ? tier_env : "bpf-lsm";
  containerv_policy* policy = containerv_policy_new(CV_POLICY_NETWORK);
  ASSERT_EQ(containerv_policy_add_net_rule(policy, CV_NET_ALLOW_CONNECT, "tcp:10.0.0.0/8:443"), 0);
  containerv_options* options = containerv_options_new();
  containerv_options_set_policy(options, policy);
  containerv_options_set_caps(options, CV_CAP_NETWORK);
  cvlsm_options_set_strict(options, 1);
  containerv_policy_delete(policy);
  int created = containerv_create("capi-strict", options, &container_);
  containerv_options_delete(options);
  if (tier == "bpf-lsm") {
    EXPECT_EQ(created, 0) << cvlsm_last_error();
    return;
  }
  EXPECT_EQ(created, -1);
  EXPECT_EQ(errno, EOPNOTSUPP);
  const std::string why = cvlsm_last_error();
  // Landlock: the addresses of the tcp connect rules (ABI 4+, ports only), or the rules
  // themselves (before ABI 4).
  EXPECT_NE(why.find(tier == "landlock" ? "tcp connect rules" : "path rules cannot be enforced"),
            std::string::npos)
      << why;
  EXPECT_TRUE(CgroupsOf("capi-strict").empty());
}

}  // namespace
