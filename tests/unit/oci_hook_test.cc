// `cv-lsm oci-hook`'s decisions from a container state, without privileges: procfs and the
// cgroup mount are fixture directories (HookEnvironment), the states fixture files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/unique_fd.h"
#include "json/json_source.h"
#include "oci/annotated_policy.h"
#include "oci/bundle_config.h"
#include "oci/container_root.h"
#include "oci/container_state.h"
#include "oci/hook_plan.h"
#include "oci/process_cgroup.h"
#include "support/cli_runner.h"

namespace cvlsm {
namespace {

using testing::ScratchDir;

std::string Fixture(const std::string& name) {
  return absl::StrCat(CVLSM_OCI_HOOK_DATA_DIR, "/", name);
}

absl::StatusOr<ContainerState> ParseFixture(const std::string& name) {
  absl::StatusOr<std::string> text = ReadTextFile(Fixture(name), "fixture", "");
  if (!text.ok()) return text.status();
  return ParseContainerState(*text, name);
}

bool Has(const absl::Status& status, const std::string& text) {
  return std::string(status.message()).find(text) != std::string::npos;
}

// --- the state on stdin

TEST(ContainerStateTest, ParsesWhatCrunWrites) {
  absl::StatusOr<ContainerState> state = ParseFixture("state-created.json");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->id, "web-1");
  EXPECT_EQ(state->pid, 4242);
  EXPECT_EQ(state->status, "created");
  EXPECT_EQ(state->bundle, "/var/lib/bundles/web-1");
  EXPECT_EQ(state->annotations.at("org.cv-lsm.policy"), "minimal");
  EXPECT_EQ(state->annotations.size(), 2u);
}

TEST(ContainerStateTest, MalformedJsonNamesThePosition) {
  absl::StatusOr<ContainerState> state = ParseFixture("state-malformed.json");
  ASSERT_FALSE(state.ok());
  EXPECT_TRUE(Has(state.status(), "state-malformed.json:")) << state.status();
  EXPECT_TRUE(Has(state.status(), "not valid JSON")) << state.status();
}

TEST(ContainerStateTest, AnnotationThatIsNotAStringIsRefusedWhereItIs) {
  absl::StatusOr<ContainerState> state = ParseFixture("state-bad-annotation.json");
  ASSERT_FALSE(state.ok());
  EXPECT_TRUE(Has(state.status(),
                  "state-bad-annotation.json:8:26: annotations.org.cv-lsm.policy: "
                  "expected a string, got an integer"))
      << state.status();
}

TEST(ContainerStateTest, MissingPidParsesAsNoPid) {
  absl::StatusOr<ContainerState> state = ParseFixture("state-missing-pid.json");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->pid, 0);
}

// crun's poststop state: the process is gone and its pid is 0. The hook must read it (and
// release what the removed cgroup held) rather than fail the container's deletion.
TEST(ContainerStateTest, PidZeroOfAStoppedContainerParsesAsNoPid) {
  absl::StatusOr<ContainerState> state = ParseContainerState(
      R"({"ociVersion":"1.0.2-dev","id":"gone","status":"stopped","pid":0,"bundle":"/b"})", "s");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->status, "stopped");
  EXPECT_EQ(state->pid, 0);
}

TEST(ContainerStateTest, RequiredFieldsAndTheirTypes) {
  EXPECT_TRUE(Has(ParseContainerState("[]", "s").status(), "expected the container state"));
  EXPECT_TRUE(Has(
      ParseContainerState(R"({"ociVersion":"1.0","status":"created","bundle":"/b"})", "s").status(),
      "\"id\" is missing"));
  absl::Status relative =
      ParseContainerState(R"({"ociVersion":"1","id":"x","status":"created","bundle":"b"})", "s")
          .status();
  EXPECT_TRUE(Has(relative, "bundle: expected an absolute path")) << relative;
  absl::Status pid =
      ParseContainerState(R"({"ociVersion":"1","id":"x","status":"c","bundle":"/b","pid":-3})", "s")
          .status();
  EXPECT_TRUE(Has(pid, "s:1:61: pid: expected a process id")) << pid;
}

TEST(ContainerStateTest, ReadsFromADescriptorAndRefusesAnEmptyOne) {
  UniqueFd fixture(::open(Fixture("state-created.json").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fixture.valid());
  absl::StatusOr<ContainerState> state = ReadContainerState(fixture.get(), "stdin");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->id, "web-1");

  UniqueFd empty(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  absl::Status status = ReadContainerState(empty.get(), "stdin").status();
  EXPECT_TRUE(Has(status, "stdin: empty; run cv-lsm oci-hook as an OCI hook")) << status;
}

// One bound for every document the hook reads (the state on stdin, the bundle's config, the
// annotated policy file), each refused as too large past it.
TEST(OciHookInputTest, EveryDocumentIsBoundedAndSaysItIsTooLarge) {
  ScratchDir bundle;
  const std::string big = bundle.WriteFile("big.json", std::string((size_t{1} << 20) + 1, ' '));
  absl::Status policy = LoadAnnotatedPolicy("big.json", bundle.path()).status();
  EXPECT_TRUE(Has(policy, "big.json in " + bundle.path() + " is too large")) << policy;
  bundle.WriteFile("config.json", std::string((size_t{1} << 20) + 1, ' '));
  absl::Status config = BundleRootPath(bundle.path()).status();
  EXPECT_TRUE(Has(config, "config.json is too large")) << config;
  UniqueFd state(::open(big.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(state.valid());
  absl::Status read = ReadContainerState(state.get(), "the state on stdin").status();
  EXPECT_TRUE(Has(read, "the state on stdin is too large")) << read;
}

// --- /proc/<pid>/cgroup

TEST(ProcessCgroupTest, TheUnifiedLineOnUnifiedAndHybridMachines) {
  EXPECT_EQ(ParseUnifiedCgroup("0::/system.slice/ctr-1.scope\n").value(),
            "/system.slice/ctr-1.scope");
  EXPECT_EQ(ParseUnifiedCgroup("12:pids:/x\n1:name=systemd:/x\n0::/x:with:colons\n").value(),
            "/x:with:colons");
}

TEST(ProcessCgroupTest, CgroupV1OnlyIsAClearError) {
  absl::StatusOr<std::string> cgroup = ParseUnifiedCgroup("12:pids:/x\n1:name=systemd:/x\n");
  ASSERT_FALSE(cgroup.ok());
  EXPECT_EQ(cgroup.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Has(cgroup.status(), "cgroup v1 only")) << cgroup.status();
  EXPECT_TRUE(Has(cgroup.status(), "systemd.unified_cgroup_hierarchy=1")) << cgroup.status();
}

TEST(ProcessCgroupTest, RefusesCgroupsSharedWithTheRuntimeOrTheMachine) {
  EXPECT_EQ(ContainerCgroupDir("/sys/fs/cgroup", "/ctr/web-1", "/user.slice/s").value(),
            "/sys/fs/cgroup/ctr/web-1");
  EXPECT_TRUE(Has(ContainerCgroupDir("/sys/fs/cgroup", "/", "/user.slice").status(),
                  "root cgroup: confining it would confine every process"));
  EXPECT_TRUE(Has(ContainerCgroupDir("/sys/fs/cgroup", "/user.slice", "/user.slice").status(),
                  "also holds the runtime"));
  EXPECT_TRUE(Has(ContainerCgroupDir("/sys/fs/cgroup", "/user.slice", "/user.slice/s/t").status(),
                  "also holds the runtime"));
  // A sibling whose name merely starts the same is not an ancestor.
  EXPECT_TRUE(ContainerCgroupDir("/sys/fs/cgroup", "/ctr", "/ctr-runtime").ok());
}

// --- config.json

TEST(BundleConfigTest, RootPathIsRelativeToTheBundleUnlessAbsolute) {
  EXPECT_EQ(ParseBundleRootPath(R"({"root":{"path":"rootfs"}})", "c", "/b").value(), "/b/rootfs");
  EXPECT_EQ(ParseBundleRootPath(R"({"root":{"path":"/srv/r","readonly":true}})", "c", "/b").value(),
            "/srv/r");
  absl::Status missing = ParseBundleRootPath(R"({"process":{}})", "config.json", "/b").status();
  EXPECT_TRUE(Has(missing, "config.json:1:1: root.path is missing")) << missing;
  EXPECT_TRUE(Has(ParseBundleRootPath(R"({"root":{"path":7}})", "c", "/b").status(),
                  "root.path: expected a non-empty string, got an integer"));
}

// --- org.cv-lsm.policy

TEST(AnnotatedPolicyTest, PresetNameFileNameInTheBundleOrFileInThePolicyDir) {
  ScratchDir bundle, node;
  absl::StatusOr<AnnotatedPolicy> preset = LoadAnnotatedPolicy("network", bundle.path());
  ASSERT_TRUE(preset.ok()) << preset.status();
  EXPECT_EQ(preset->policy, Policy::Preset(PolicyType::kNetwork));
  EXPECT_EQ(preset->source, "network");

  constexpr char kTools[] = R"({"cv-lsm-policy": 1, "base": "minimal",
        "paths": [{"path": "/data", "allow": "r"}]})";
  const std::string file = bundle.WriteFile("tools.json", kTools);
  absl::StatusOr<AnnotatedPolicy> in_bundle = LoadAnnotatedPolicy("tools.json", bundle.path());
  ASSERT_TRUE(in_bundle.ok()) << in_bundle.status();
  EXPECT_EQ(in_bundle->source, file);
  EXPECT_EQ(in_bundle->policy.paths().at("/data").allow, kRead);

  const std::string on_node = node.WriteFile("web/tools.json", kTools);
  absl::StatusOr<AnnotatedPolicy> absolute =
      LoadAnnotatedPolicy(on_node, "/nonexistent", node.path());
  ASSERT_TRUE(absolute.ok()) << absolute.status();
  EXPECT_EQ(absolute->policy, in_bundle->policy);
}

// The annotation's author picks the file and the hook reads it as root: nothing outside the
// bundle's own directory or the node's policy directory, no symlink, no special file.
TEST(AnnotatedPolicyTest, FilesElsewhereAreRefused) {
  ScratchDir bundle, node;
  bundle.WriteFile("rootfs/etc/app.json", R"({"cv-lsm-policy": 1})");
  EXPECT_TRUE(Has(LoadAnnotatedPolicy("rootfs/etc/app.json", bundle.path()).status(),
                  "is a path: a policy file in the bundle is named by its file name alone"));
  EXPECT_TRUE(Has(LoadAnnotatedPolicy("/etc/shadow", bundle.path(), node.path()).status(),
                  "names a file outside"));
  EXPECT_FALSE(
      LoadAnnotatedPolicy(node.path() + "/../../etc/passwd", bundle.path(), node.path()).ok());
  ASSERT_EQ(::symlink("/etc/passwd", (bundle.path() + "/link.json").c_str()), 0);
  EXPECT_FALSE(LoadAnnotatedPolicy("link.json", bundle.path()).ok());
  ASSERT_EQ(::mkfifo((bundle.path() + "/fifo.json").c_str(), 0600), 0);
  EXPECT_TRUE(
      Has(LoadAnnotatedPolicy("fifo.json", bundle.path()).status(), "is not a regular file"));
}

TEST(AnnotatedPolicyTest, UnknownPresetNamesBothReadings) {
  absl::Status status = LoadAnnotatedPolicy("minimla", "/var/lib/bundles/typo").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Has(status,
                  "annotation org.cv-lsm.policy=\"minimla\" is neither a preset nor a "
                  "policy file (no /var/lib/bundles/typo/minimla); name a preset (minimal, "
                  "build, network, custom), a policy file"))
      << status;
}

TEST(AnnotatedPolicyTest, EmptyBrokenAndAuditPoliciesAreRefused) {
  ScratchDir bundle;
  EXPECT_TRUE(Has(LoadAnnotatedPolicy("", bundle.path()).status(), "is empty; name a preset"));
  bundle.WriteFile("bad.json", "{\"cv-lsm-policy\": 1,\n \"syscalls\": [\"opne\"]}");
  absl::Status broken = LoadAnnotatedPolicy("bad.json", bundle.path()).status();
  EXPECT_TRUE(Has(broken, "annotation org.cv-lsm.policy=\"bad.json\": ")) << broken;
  EXPECT_TRUE(Has(broken, "bad.json:2:15: syscalls[0]: unknown syscall 'opne'")) << broken;
  bundle.WriteFile("audit.json", R"({"cv-lsm-policy": 1, "base": "minimal", "mode": "audit"})");
  absl::StatusOr<AnnotatedPolicy> audited = LoadAnnotatedPolicy("audit.json", bundle.path());
  ASSERT_TRUE(audited.ok()) << audited.status();
  EXPECT_EQ(audited->mode, PolicyMode::kAudit);
}

// --- the plan, against a fixture procfs

class HookPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.proc = dir_.path() + "/proc";
    env_.cgroup2_mount = "/sys/fs/cgroup";
    dir_.WriteFile("proc/self/cgroup", "0::/user.slice/runtime.scope\n");
    dir_.WriteFile("proc/4242/cgroup", "0::/machine/web-1\n");
    // The container has not pivoted: its root is the runtime's (here: this test's) root.
    std::filesystem::create_symlink("/", dir_.path() + "/proc/4242/root");
    bundle_ = dir_.path() + "/bundle";
    dir_.WriteFile("bundle/config.json", R"({"root": {"path": "rootfs"}})");
    std::filesystem::create_directories(bundle_ + "/rootfs/bin");
  }

  ContainerState State(const std::string& policy = "minimal") {
    ContainerState state;
    state.oci_version = "1.0";
    state.id = "web-1";
    state.status = "created";
    state.pid = 4242;
    state.bundle = bundle_;
    if (!policy.empty()) state.annotations["org.cv-lsm.policy"] = policy;
    return state;
  }

  ScratchDir dir_;
  HookEnvironment env_;
  std::string bundle_;
};

TEST_F(HookPlanTest, AnnotatedContainerIsConfinedInItsCgroupAndRoot) {
  absl::StatusOr<HookPlan> plan = PlanHook(State(), env_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->confine);
  EXPECT_EQ(plan->cgroup_path, "/sys/fs/cgroup/machine/web-1");
  EXPECT_EQ(plan->policy, Policy::Preset(PolicyType::kMinimal));
  EXPECT_EQ(plan->policy_source, "minimal");
  EXPECT_EQ(plan->resolution_root, env_.proc + "/4242/root" + bundle_ + "/rootfs");
}

TEST_F(HookPlanTest, PodSandboxIsLeftAloneUnlessAnyKeySaysOtherwise) {
  ContainerState pause = State();
  pause.annotations["io.kubernetes.cri.container-type"] = "sandbox";
  EXPECT_FALSE(PlanHook(pause, env_).value().confine);
  // A pod's author sets the other runtime's key to "sandbox": the runtime's own says
  // "container", and the container is confined.
  ContainerState spoofed = State();
  spoofed.annotations["io.kubernetes.cri.container-type"] = "sandbox";
  spoofed.annotations["io.kubernetes.cri-o.ContainerType"] = "container";
  EXPECT_TRUE(PlanHook(spoofed, env_).value().confine);
}

TEST_F(HookPlanTest, NoAnnotationLeavesTheContainerAloneAndReadsNothing) {
  ContainerState state = State("");
  state.pid = 0;
  env_.proc = "/nonexistent";
  absl::StatusOr<HookPlan> plan = PlanHook(state, env_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(plan->confine);
}

TEST_F(HookPlanTest, FixtureStatesWithoutAPlan) {
  absl::StatusOr<ContainerState> plain = ParseFixture("state-no-annotation.json");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(PlanHook(*plain, env_).value().confine);

  absl::StatusOr<ContainerState> early = ParseFixture("state-missing-pid.json");
  ASSERT_TRUE(early.ok()) << early.status();
  absl::Status no_pid = PlanHook(*early, env_).status();
  EXPECT_TRUE(Has(no_pid,
                  "the container state has no pid; run cv-lsm oci-hook as a "
                  "createRuntime (or prestart) hook"))
      << no_pid;

  absl::StatusOr<ContainerState> typo = ParseFixture("state-unknown-preset.json");
  ASSERT_TRUE(typo.ok()) << typo.status();
  EXPECT_TRUE(Has(PlanHook(*typo, env_).status(), "is neither a preset nor a policy file"));
}

TEST_F(HookPlanTest, GoneProcessIsNamed) {
  ContainerState state = State();
  state.pid = 4343;
  absl::Status status = PlanHook(state, env_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Has(status, "process 4343 of the container is gone")) << status;
}

TEST_F(HookPlanTest, ContainerSharingTheRuntimeCgroupIsRefused) {
  dir_.WriteFile("proc/4242/cgroup", "0::/user.slice/runtime.scope\n");
  EXPECT_TRUE(Has(PlanHook(State(), env_).status(), "also holds the runtime"));
}

TEST_F(HookPlanTest, MissingRootfsOrConfigIsNamed) {
  std::filesystem::remove_all(bundle_ + "/rootfs");
  absl::Status no_rootfs = PlanHook(State(), env_).status();
  EXPECT_TRUE(Has(no_rootfs, bundle_ + "/rootfs")) << no_rootfs;
  EXPECT_TRUE(Has(no_rootfs, "before the runtime's pivot_root")) << no_rootfs;

  std::filesystem::remove(bundle_ + "/config.json");
  EXPECT_TRUE(Has(PlanHook(State(), env_).status(), bundle_ + "/config.json"));
}

// An absolute symlink in root.path resolves against the caller's root after /proc/PID/root:
// the joined path would name another directory than the container's.
TEST_F(HookPlanTest, RootPathThatLeavesTheContainerRootIsRefused) {
  const std::string fake_root = dir_.path() + "/proc/5151/root";
  const std::string host_side = dir_.path() + "/host";
  std::filesystem::create_directories(host_side + "/rootfs");
  std::filesystem::create_directories(fake_root + host_side + "/rootfs");
  std::filesystem::create_symlink(host_side, fake_root + "/b");
  absl::Status status = ContainerResolutionRoot(env_.proc, 5151, "/b/rootfs").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_TRUE(Has(status, "reaches another directory")) << status;
  // Without the symlink the two agree.
  EXPECT_TRUE(ContainerResolutionRoot(env_.proc, 5151, host_side + "/rootfs").ok());
}

TEST(RequireBpfLsmTest, OnlyTheBpfLsmTierCanConfineARunningContainer) {
  EXPECT_TRUE(RequireBpfLsm({"lockdown", "capability", "landlock", "bpf"}).ok());
  absl::Status status = RequireBpfLsm({"lockdown", "capability", "landlock"});
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Has(status, "needs the bpf-lsm tier")) << status;
  EXPECT_TRUE(Has(status, "active LSMs: lockdown,capability,landlock")) << status;
  EXPECT_TRUE(Has(status, "add bpf to the kernel's lsm= boot parameter")) << status;
}

}  // namespace
}  // namespace cvlsm
