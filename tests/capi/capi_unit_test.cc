// The C API without privileges: policies, options, argument checks and errno values of
// every function, NULL safety. Runs under valgrind too (capi_unit_valgrind).
#include <errno.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "chef/containerv.h"
#include "chef/containerv/policy.h"

namespace {

// Expects a call to fail with -1 and the given errno, and to say why.
#define EXPECT_FAILS_WITH(call, err)      \
  do {                                    \
    errno = 0;                            \
    EXPECT_EQ((call), -1);                \
    EXPECT_EQ(errno, (err)) << #call;     \
    EXPECT_STRNE(cvlsm_last_error(), ""); \
  } while (0)

struct PolicyDeleter {
  void operator()(containerv_policy* policy) const { containerv_policy_delete(policy); }
};
using PolicyPtr = std::unique_ptr<containerv_policy, PolicyDeleter>;

TEST(CapiPolicyTest, EveryTypeCanBeCreated) {
  for (auto type : {CV_POLICY_MINIMAL, CV_POLICY_BUILD, CV_POLICY_NETWORK, CV_POLICY_CUSTOM}) {
    PolicyPtr policy(containerv_policy_new(type));
    EXPECT_NE(policy, nullptr) << type;
  }
}

TEST(CapiPolicyTest, UnknownTypeIsEinval) {
  errno = 0;
  EXPECT_EQ(containerv_policy_new(static_cast<containerv_policy_type>(42)), nullptr);
  EXPECT_EQ(errno, EINVAL);
}

TEST(CapiPolicyTest, FsAccessValuesAreUpstreams) {
  EXPECT_EQ(CV_FS_READ, 0x1);
  EXPECT_EQ(CV_FS_WRITE, 0x2);
  EXPECT_EQ(CV_FS_EXEC, 0x4);
  EXPECT_EQ(CV_FS_ALL, 0x7);
  EXPECT_EQ(CV_CAP_NETWORK, 0x1);
  EXPECT_EQ(CV_CAP_PROCESS_CONTROL, 0x2);
  EXPECT_EQ(CV_CAP_IPC, 0x4);
  EXPECT_EQ(CV_CAP_FILESYSTEM, 0x8);
  EXPECT_EQ(CV_CAP_CGROUPS, 0x10);
  EXPECT_EQ(CV_CAP_USERS, 0x20);
  EXPECT_EQ(CV_SPAWN_WAIT, 0x1);
}

TEST(CapiPolicyTest, AddsSyscalls) {
  PolicyPtr policy(containerv_policy_new(CV_POLICY_CUSTOM));
  EXPECT_EQ(containerv_policy_add_syscall(policy.get(), "openat"), 0);
  const char* const names[] = {"read", "write", "exit_group", nullptr};
  EXPECT_EQ(containerv_policy_add_syscalls(policy.get(), names), 0);
  const char* const none[] = {nullptr};
  EXPECT_EQ(containerv_policy_add_syscalls(policy.get(), none), 0);
}

TEST(CapiPolicyTest, UnknownSyscallIsEinvalAndNamed) {
  PolicyPtr policy(containerv_policy_new(CV_POLICY_CUSTOM));
  EXPECT_FAILS_WITH(containerv_policy_add_syscall(policy.get(), "no_such_syscall"), EINVAL);
  EXPECT_NE(std::strstr(cvlsm_last_error(), "no_such_syscall"), nullptr);
  const char* const names[] = {"read", "bogus", nullptr};
  EXPECT_FAILS_WITH(containerv_policy_add_syscalls(policy.get(), names), EINVAL);
}

TEST(CapiPolicyTest, AddsAndDeniesPaths) {
  PolicyPtr policy(containerv_policy_new(CV_POLICY_MINIMAL));
  EXPECT_EQ(containerv_policy_add_path(policy.get(), "/workspace", CV_FS_ALL), 0);
  const char* const paths[] = {"/srv", "/opt/data", nullptr};
  EXPECT_EQ(containerv_policy_add_paths(policy.get(), paths, CV_FS_READ), 0);
  EXPECT_EQ(containerv_policy_deny_path(policy.get(), "/etc/shadow", CV_FS_READ), 0);
  const char* const denied[] = {"/srv/secret", nullptr};
  EXPECT_EQ(containerv_policy_deny_paths(policy.get(), denied, CV_FS_WRITE), 0);
}

TEST(CapiPolicyTest, BadPathsAndModesAreEinval) {
  PolicyPtr policy(containerv_policy_new(CV_POLICY_MINIMAL));
  EXPECT_FAILS_WITH(containerv_policy_add_path(policy.get(), "relative", CV_FS_READ), EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_add_path(policy.get(), "", CV_FS_READ), EINVAL);
  EXPECT_FAILS_WITH(
      containerv_policy_add_path(policy.get(), "/x", static_cast<containerv_fs_access>(0)), EINVAL);
  EXPECT_FAILS_WITH(
      containerv_policy_add_path(policy.get(), "/x", static_cast<containerv_fs_access>(8)), EINVAL);
  EXPECT_FAILS_WITH(
      containerv_policy_deny_path(policy.get(), "/x", static_cast<containerv_fs_access>(0)),
      EINVAL);
  const char* const paths[] = {"/ok", "not/ok", nullptr};
  EXPECT_FAILS_WITH(containerv_policy_add_paths(policy.get(), paths, CV_FS_READ), EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_deny_paths(policy.get(), paths, CV_FS_READ), EINVAL);
}

TEST(CapiPolicyTest, AddsNetworkRulesOfEveryKind) {
  PolicyPtr policy(containerv_policy_new(CV_POLICY_NETWORK));
  EXPECT_EQ(
      containerv_policy_add_net_rule(policy.get(), CV_NET_ALLOW_CONNECT, "tcp:10.0.0.0/8:443"), 0);
  EXPECT_EQ(containerv_policy_add_net_rule(policy.get(), CV_NET_DENY_CONNECT, "tcp:10.1.2.3:443"),
            0);
  EXPECT_EQ(containerv_policy_add_net_rule(policy.get(), CV_NET_ALLOW_BIND, "tcp:[::1]:8000-8100"),
            0);
  EXPECT_EQ(containerv_policy_add_net_rule(policy.get(), CV_NET_DENY_BIND, "udp:*:*"), 0);
  EXPECT_EQ(containerv_policy_add_net_rule(policy.get(), CV_NET_ALLOW_CONNECT, "icmp:10.0.0.1"), 0);
  EXPECT_EQ(containerv_policy_add_net_rule(policy.get(), CV_NET_ALLOW_CONNECT, "unix:@dbus"), 0);
  const char* const rules[] = {"udp:10.0.0.2:53", "tcp:*:80", nullptr};
  EXPECT_EQ(containerv_policy_add_net_rules(policy.get(), CV_NET_ALLOW_CONNECT, rules), 0);
}

TEST(CapiPolicyTest, BadNetworkRulesAreEinvalAndNamed) {
  PolicyPtr policy(containerv_policy_new(CV_POLICY_NETWORK));
  for (const char* bad : {"tcp:10.0.0.0/33:443", "sctp:*:1", "tcp:10.0.0.1", "icmp:1.2.3.4:7",
                          "tcp:fd00:::443", "tcp:*:70000", "tcp:*:9-1", "", "unix:dbus"}) {
    EXPECT_FAILS_WITH(containerv_policy_add_net_rule(policy.get(), CV_NET_ALLOW_CONNECT, bad),
                      EINVAL);
  }
  EXPECT_NE(std::strstr(cvlsm_last_error(), "unix:dbus"), nullptr) << cvlsm_last_error();
  // An abstract socket is only ever allowed to connect to.
  EXPECT_FAILS_WITH(containerv_policy_add_net_rule(policy.get(), CV_NET_ALLOW_BIND, "unix:@x"),
                    EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_add_net_rule(policy.get(), CV_NET_DENY_CONNECT, "unix:@x"),
                    EINVAL);
  EXPECT_FAILS_WITH(
      containerv_policy_add_net_rule(policy.get(), static_cast<containerv_net_rule>(9), "tcp:*:1"),
      EINVAL);
  // All or nothing: the good rule before the bad one is not added either.
  const char* const rules[] = {"tcp:*:80", "tcp:*:http", nullptr};
  EXPECT_FAILS_WITH(containerv_policy_add_net_rules(policy.get(), CV_NET_ALLOW_CONNECT, rules),
                    EINVAL);
  EXPECT_NE(std::strstr(cvlsm_last_error(), "tcp:*:http"), nullptr) << cvlsm_last_error();
  EXPECT_FAILS_WITH(containerv_policy_add_net_rule(nullptr, CV_NET_ALLOW_CONNECT, "tcp:*:1"),
                    EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_add_net_rule(policy.get(), CV_NET_ALLOW_CONNECT, nullptr),
                    EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_add_net_rules(policy.get(), CV_NET_ALLOW_CONNECT, nullptr),
                    EINVAL);
  cvlsm_options_set_strict(nullptr, 1);  // a no-op, like the other setters
}

TEST(CapiPolicyTest, NullArgumentsAreEinval) {
  PolicyPtr policy(containerv_policy_new(CV_POLICY_MINIMAL));
  const char* const names[] = {"read", nullptr};
  EXPECT_FAILS_WITH(containerv_policy_add_syscall(nullptr, "read"), EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_add_syscall(policy.get(), nullptr), EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_add_syscalls(nullptr, names), EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_add_syscalls(policy.get(), nullptr), EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_add_path(nullptr, "/a", CV_FS_READ), EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_add_path(policy.get(), nullptr, CV_FS_READ), EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_add_paths(nullptr, names, CV_FS_READ), EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_add_paths(policy.get(), nullptr, CV_FS_READ), EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_deny_path(nullptr, "/a", CV_FS_READ), EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_deny_path(policy.get(), nullptr, CV_FS_READ), EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_deny_paths(nullptr, names, CV_FS_READ), EINVAL);
  EXPECT_FAILS_WITH(containerv_policy_deny_paths(policy.get(), nullptr, CV_FS_READ), EINVAL);
  containerv_policy_delete(nullptr);  // a no-op, like free(NULL)
}

TEST(CapiOptionsTest, HoldTheirOwnPolicyReference) {
  containerv_options* first = containerv_options_new();
  containerv_options* second = containerv_options_new();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  containerv_policy* policy = containerv_policy_new(CV_POLICY_BUILD);
  containerv_options_set_policy(first, policy);
  containerv_options_set_policy(second, policy);
  containerv_options_set_caps(
      first, static_cast<containerv_capabilities>(CV_CAP_FILESYSTEM | CV_CAP_PROCESS_CONTROL));
  containerv_policy_delete(policy);               // both options still hold it (valgrind checks)
  containerv_options_set_policy(first, nullptr);  // back to the default
  containerv_options_delete(first);
  containerv_options_delete(second);
}

TEST(CapiOptionsTest, NullIsIgnoredBySetters) {
  containerv_policy* policy = containerv_policy_new(CV_POLICY_MINIMAL);
  containerv_options_set_caps(nullptr, CV_CAP_NETWORK);
  containerv_options_set_policy(nullptr, policy);
  containerv_options_delete(nullptr);
  containerv_policy_delete(policy);
}

TEST(CapiContainerTest, NullArgumentsAreEinval) {
  containerv_container* container = nullptr;
  containerv_options* options = containerv_options_new();
  EXPECT_FAILS_WITH(containerv_create(nullptr, options, &container), EINVAL);
  EXPECT_FAILS_WITH(containerv_create("id", options, nullptr), EINVAL);
  EXPECT_EQ(container, nullptr);
  process_handle_t pid = 0;
  containerv_spawn_options spawn{};
  EXPECT_FAILS_WITH(containerv_spawn(nullptr, "/bin/true", &spawn, &pid), EINVAL);
  EXPECT_FAILS_WITH(containerv_kill(nullptr, 1), EINVAL);
  int code = 0;
  EXPECT_FAILS_WITH(containerv_wait(nullptr, 1, &code), EINVAL);
  EXPECT_FAILS_WITH(containerv_destroy(nullptr), EINVAL);
  EXPECT_EQ(containerv_id(nullptr), nullptr);
  EXPECT_FAILS_WITH(cvlsm_container_set_path_rule(nullptr, "/srv", CV_FS_READ, 0), EINVAL);
  EXPECT_FAILS_WITH(cvlsm_container_remove_path_rule(nullptr, "/srv"), EINVAL);
  containerv_options_delete(options);
}

TEST(CapiContainerTest, InvalidIdIsEinvalBeforeAnythingIsCreated) {
  containerv_container* container = nullptr;
  for (const char* id :
       {"", "a/b", "..", "with space",
        "0123456789012345678901234567890123456789012345678901234567890123456789"}) {
    EXPECT_FAILS_WITH(containerv_create(id, nullptr, &container), EINVAL);
    EXPECT_EQ(container, nullptr);
  }
}

TEST(CapiContainerTest, MissingRootFilesystemIsEnoent) {
  containerv_container* container = nullptr;
  EXPECT_FAILS_WITH(containerv_create("/no/such/rootfs", nullptr, &container), ENOENT);
  EXPECT_FAILS_WITH(containerv_create("/etc/passwd", nullptr, &container), ENOTDIR);
}

TEST(CapiContainerTest, PolicyPathThatDoesNotExistIsEnoent) {
  containerv_policy* policy = containerv_policy_new(CV_POLICY_MINIMAL);
  ASSERT_EQ(containerv_policy_add_path(policy, "/no/such/workspace", CV_FS_ALL), 0);
  containerv_options* options = containerv_options_new();
  containerv_options_set_policy(options, policy);
  containerv_policy_delete(policy);
  containerv_container* container = nullptr;
  EXPECT_FAILS_WITH(containerv_create("missing-path", options, &container), ENOENT);
  EXPECT_NE(std::strstr(cvlsm_last_error(), "/no/such/workspace"), nullptr);
  containerv_options_delete(options);
}

}  // namespace
