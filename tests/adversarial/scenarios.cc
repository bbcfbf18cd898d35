#include "adversarial/scenarios.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

namespace cvlsm::adversarial {
namespace {

constexpr int kSucceeds = 0;

// The read-only tree next to a writable one, and the same with the read-only one writable.
const std::vector<std::string> kRo = {"--allow=@/ro:r", "--allow=@/rw:rw"};
const std::vector<std::string> kRoWritable = {"--allow=@/ro:rw", "--allow=@/rw:rw"};
const std::vector<std::string> kRoAndSecret = {"--allow=@/ro:r", "--allow=@/rw:rw",
                                               "--allow=@/secret:r"};
const std::vector<std::string> kBinNoExec = {"--allow=@/bin:r", "--allow=@/xbin:rx"};
const std::vector<std::string> kBinExec = {"--allow=@/bin:rx", "--allow=@/xbin:rx"};
const std::vector<std::string> kUnconfined = {};

constexpr Outcome kSeccompNoPaths = {
    kSucceeds,
    "not stopped: the seccomp tier enforces no path rule (cv-lsm run warns, --strict "
    "refuses to run)"};
constexpr Outcome kSeccompNoMmap = {
    kSucceeds,
    "not stopped: the seccomp tier enforces no path rule, and mmap/mprotect are "
    "allowed"};
constexpr Outcome kLandlockNoMmap = {
    kSucceeds, "not stopped: Landlock does not control mmap or mprotect of a file it may read"};
constexpr Outcome kLandlockNoMetadata = {
    kSucceeds, "not stopped: Landlock has no right for chmod, chown or timestamps"};

constexpr Outcome Both(int verdict, const char* why) { return {verdict, why}; }

Scenario NameTrick(const char* name, const char* source, const char* bpf_why,
                   const char* landlock_why) {
  return {.name = name,
          .source = source,
          .policy = "minimal",
          .rules = kRo,
          .control_rules = kRoAndSecret,
          .bpf_lsm = {EACCES, bpf_why},
          .landlock = {EACCES, landlock_why},
          .seccomp = kSeccompNoPaths};
}

// A write operation in the read-only tree (build preset: it allows the syscall).
Scenario WriteInRo(const char* name, const char* source, const char* hook, const char* right,
                   std::vector<std::string> extra = {}) {
  std::vector<std::string> rules = kRo, control = kRoWritable;
  rules.insert(rules.end(), extra.begin(), extra.end());
  control.insert(control.end(), extra.begin(), extra.end());
  return {.name = name,
          .source = source,
          .policy = "build",
          .rules = rules,
          .control_rules = control,
          .bpf_lsm = {EACCES, hook},
          .landlock = {EACCES, right},
          .seccomp = kSeccompNoPaths};
}

// A syscall the filter refuses in every tier; the control runs unconfined.
Scenario Filtered(const char* name, const char* source, const char* policy, int verdict,
                  const char* why, std::vector<std::string> rules = {}) {
  return {.name = name,
          .source = source,
          .policy = policy,
          .rules = rules,
          .control_rules = kUnconfined,
          .bpf_lsm = Both(verdict, why),
          .landlock = Both(verdict, why),
          .seccomp = Both(verdict, why)};
}

// A network scenario whose attack only the bpf-lsm tier stops: the landlock and seccomp
// tiers let it through and say so on every run (`why` is theirs).
Scenario NetworkOnlyBpf(const char* name, const char* source, std::vector<std::string> rules,
                        std::vector<std::string> control, const char* bpf_why,
                        const char* landlock_why, const char* seccomp_why) {
  return {.name = name,
          .source = source,
          .policy = "network",
          .rules = std::move(rules),
          .control_rules = std::move(control),
          .bpf_lsm = {EACCES, bpf_why},
          .landlock = {kSucceeds, landlock_why},
          .seccomp = {kSucceeds, seccomp_why}};
}

// The network scenarios: the suite's listeners (adversarial_test.cc) are outside the
// confinement; the rules allow another network (TEST-NET-1) or port, the control the one
// reached.
void AddNetworkScenarios(std::vector<Scenario>& s) {
  const std::vector<std::string> kOtherNet = {"--allow-connect=tcp:192.0.2.0/24:*"};
  const std::vector<std::string> kLoopback = {"--allow-connect=tcp:127.0.0.1:*"};
  constexpr const char* kLandlockPortsOnly =
      "not stopped: Landlock matches ports, not addresses, and the rule allows every port "
      "(cv-lsm run warns; --strict refuses)";
  constexpr const char* kSeccompNoNet =
      "not stopped: the seccomp tier enforces no connect rule (cv-lsm run warns; --strict "
      "refuses)";
  s.push_back({.name = "unix-daemon-socket",
               .source = "a container runtime's socket reachable from the container "
                         "(docker.sock, containerd.sock)",
               .policy = "network",
               .rules = {"--allow=@/rw:rw"},
               .control_rules = {"--allow=@/secret:rw"},
               .bpf_lsm = {EACCES,
                           "lsm/unix_stream_connect (lsm/unix_find from 7.1): w on the "
                           "socket's path, which no rule grants"},
               .landlock = {kSucceeds,
                            "not stopped: Landlock checks no path of a unix socket connected "
                            "to before ABI 9 (cv-lsm run warns)"},
               .seccomp = kSeccompNoPaths});
  s.push_back({.name = "abstract-unix-outside",
               .source = "abstract sockets of the host (D-Bus, X11, systemd's private ones)",
               .policy = "network",
               .rules = {},
               .control_rules = kUnconfined,
               .bpf_lsm = {EPERM,
                           "lsm/unix_stream_connect: an abstract socket made outside the "
                           "confinement, and no rule names it"},
               .landlock = {EPERM, "Landlock abstract unix socket scoping (ABI 6)"},
               .seccomp = {kSucceeds,
                           "not stopped: the seccomp tier cannot tell whose socket it is "
                           "(cv-lsm run warns)"},
               .landlock_min_abi = 6,
               .landlock_older = {kSucceeds,
                                  "not stopped: Landlock scopes abstract sockets from ABI 6 "
                                  "(cv-lsm run warns)"}});
  s.push_back(NetworkOnlyBpf("connect-outside-rules",
                             "per-container egress by address (Tetragon, KubeArmor, "
                             "systemd IPAddressDeny)",
                             kOtherNet, kLoopback,
                             "lsm/socket_connect: 127.0.0.1 is outside the rules' prefixes",
                             kLandlockPortsOnly, kSeccompNoNet));
  s.push_back(NetworkOnlyBpf("connect-v4-mapped", "IPv4-mapped IPv6 addresses past an IPv4 rule",
                             kOtherNet, kLoopback,
                             "lsm/socket_connect: ::ffff:127.0.0.1 is checked as 127.0.0.1",
                             kLandlockPortsOnly, kSeccompNoNet));
  s.push_back(NetworkOnlyBpf(
      "tcp-fastopen-outside", "TCP Fast Open: sendto(MSG_FASTOPEN) connects without connect()",
      kOtherNet, kLoopback, "lsm/socket_sendmsg: the destination of sendto(MSG_FASTOPEN)",
      kLandlockPortsOnly, kSeccompNoNet));
  s.push_back(NetworkOnlyBpf(
      "udp-sendto-outside", "UDP egress without connect (DNS tunnelling, exfiltration)",
      {"--allow-connect=udp:192.0.2.1:53"}, {"--allow-connect=udp:127.0.0.1:*"},
      "lsm/socket_sendmsg: the destination of an unconnected send",
      "not stopped: this tier has no UDP rules (cv-lsm run warns)", kSeccompNoNet));
  s.push_back(NetworkOnlyBpf(
      "listen-without-bind", "Landlock issue #15: listen() binds an ephemeral port unchecked",
      {"--allow-bind=tcp:127.0.0.1:1"}, kUnconfined,
      "lsm/socket_listen: the port and addresses listen() binds an unbound socket to",
      "not stopped: Landlock does not check the port listen() takes (cv-lsm run warns)",
      "not stopped: the seccomp tier enforces no bind rule (cv-lsm run warns)"));
  s.push_back({.name = "mptcp-bypass",
               .source = "Landlock erratum: MPTCP sockets escaped the TCP rules",
               .policy = "network",
               .rules = kOtherNet,
               .control_rules = kUnconfined,
               .bpf_lsm = {EACCES, "lsm/socket_connect: MPTCP is TCP to the connect rules"},
               .landlock = {EPERM,
                            "seccomp filter: no MPTCP socket while connect or bind rules are "
                            "in force and the kernel does not check them"},
               .seccomp = {EPERM, "seccomp filter: no MPTCP socket while there are rules"}});
  s.push_back(Filtered("socket-packet", "raw packet sockets: sniffing and spoofing", "network",
                       EPERM,
                       "seccomp filter: only unix, inet, inet6 and netlink route sockets; "
                       "lsm/socket_create on the bpf-lsm tier"));
}

// A change to a process outside the confinement that only the bpf-lsm tier stops: Landlock
// scopes signals and abstract sockets, not these, and the filter cannot tell whose pid a
// call names. The victim is a witness without capabilities: the capability LSM already
// refuses these changes on every tier to a process holding capabilities the attacker
// lacks (the launcher, root daemons), except resource limits.
Scenario OutsideProcess(const char* name, const char* source, const char* policy,
                        const char* bpf_why, std::vector<std::string> rules = {}) {
  return {.name = name,
          .source = source,
          .policy = policy,
          .rules = std::move(rules),
          .control_rules = kUnconfined,
          .bpf_lsm = {EPERM, bpf_why},
          .landlock = {kSucceeds,
                       "not stopped: Landlock scopes signals and abstract sockets, not this; "
                       "the kernel lets a process of the same user do it (status names the gap)"},
          .seccomp = {kSucceeds,
                      "not stopped: the syscall is allowed, and the filter cannot tell whose "
                      "pid it names (status names the gap)"},
          .witness = true};
}

// SIGIO sent by the kernel on the process's behalf, seen by a witness victim.
Scenario Sigio(const char* name, const char* source, const char* bpf_why) {
  return {
      .name = name,
      .source = source,
      .policy = "build",
      .rules = {},
      .control_rules = kUnconfined,
      .bpf_lsm = {EPERM, bpf_why},
      .landlock = {kDropped,
                   "Landlock signal scoping (ABI 6): the kernel drops SIGIO to a process "
                   "outside the domain"},
      .seccomp = {kSucceeds,
                  "not stopped: the kernel sends SIGIO without a syscall the filter could "
                  "see (status names the gap)"},
      .landlock_min_abi = 6,
      .landlock_older = {kSucceeds, "not stopped: Landlock before ABI 6 does not scope signals"},
      .witness = true,
      .witness_gets_signal = true};
}

// A rename that replaces (or exchanges) a file a deny rule keeps from writing.
Scenario ReplaceDenied(const char* name, const char* source, const char* bpf_why) {
  return {.name = name,
          .source = source,
          .policy = "build",
          .rules = {"--allow=@/rw:rw", "--deny=@/rw/data.txt:w"},
          .control_rules = {"--allow=@/rw:rw"},
          .bpf_lsm = {EACCES, bpf_why},
          .landlock = {125,
                       "cv-lsm run refuses the policy: Landlock cannot take w away from a file "
                       "its directory's rule grants"},
          .seccomp = kSeccompNoPaths};
}

// Routes past signals, ptrace and chmod: other processes' scheduling and limits, the kernel's
// own signals, leases, file flags, device ioctls, opens for ioctls, replacing renames.
void AddRouteScenarios(std::vector<Scenario>& s) {
  s.push_back(OutsideProcess("renice-outside", "setpriority on another pid (renice)", "build",
                             "lsm/task_setnice: no priority change beyond the cgroup"));
  s.push_back(OutsideProcess("affinity-outside", "sched_setaffinity on another pid (taskset)",
                             "build",
                             "lsm/task_setscheduler: no scheduling or CPU affinity change "
                             "beyond the cgroup"));
  s.push_back(OutsideProcess("ioprio-outside", "ioprio_set on another pid (ionice)", "build",
                             "lsm/task_setioprio: no I/O priority change beyond the cgroup",
                             {"--allow-syscall=ioprio_get", "--allow-syscall=ioprio_set"}));
  s.push_back(OutsideProcess("prlimit-launcher",
                             "prlimit64 on the launcher (an RLIMIT_NOFILE of 0 stops its "
                             "clean-up)",
                             "minimal", "lsm/task_setrlimit: the launcher is outside the cgroup"));
  s.push_back(Sigio("sigio-outside", "fcntl(F_SETOWN) + O_ASYNC: SIGIO without kill()",
                    "lsm/file_fcntl: F_SETOWN may name only the process itself"));
  s.push_back(Sigio("sigio-owner-ex", "fcntl(F_SETOWN_EX): the owner passed in memory",
                    "lsm/file_fcntl: F_SETOWN_EX is refused (its owner sits in memory the "
                    "process could change after the check)"));
  s.push_back({.name = "lease-ro",
               .source = "fcntl(F_SETLEASE) on a read-only file: writers elsewhere wait",
               .policy = "minimal",
               .rules = kRo,
               .control_rules = kRoWritable,
               .bpf_lsm = {EACCES, "lsm/file_fcntl: a lease needs w"},
               .landlock = {kSucceeds, "not stopped: Landlock has no right for leases"},
               .seccomp = kSeccompNoPaths});
  s.push_back(
      {.name = "setflags-ro",
       .source = "chattr (FS_IOC_SETFLAGS) through a read-only descriptor",
       .policy = "minimal",
       .rules = {"--allow=@/shm:r"},
       .control_rules = {"--allow=@/shm:rw"},
       .bpf_lsm = {EACCES,
                   "lsm/file_ioctl: a file's flags need w, whatever the descriptor "
                   "was opened for"},
       .landlock = {kSucceeds, "not stopped: Landlock controls ioctls on devices only (ABI 5)"},
       .seccomp = kSeccompNoPaths});
  s.push_back({.name = "device-ioctl-ro",
               .source = "a device changed by ioctl through a read-only descriptor",
               .policy = "minimal",
               .rules = {"--allow=/dev/ptmx:r", "--allow=/dev/pts:r"},
               .control_rules = {"--allow=/dev/ptmx:rw", "--allow=/dev/pts:rw"},
               .bpf_lsm = {EACCES,
                           "lsm/file_ioctl: an ioctl on a device opened without write needs "
                           "w, queries aside"},
               .landlock = {EACCES, "ioctl_dev right (ABI 5) missing"},
               .seccomp = kSeccompNoPaths,
               .landlock_min_abi = 5,
               .landlock_older = {kSucceeds,
                                  "not stopped: Landlock before ABI 5 does not control device "
                                  "ioctls"}});
  {
    Scenario mode3 = NameTrick("open-mode3-secret",
                               "open with access mode 3 (neither read nor write), for ioctls",
                               "lsm/file_open: access mode 3 needs r", "");
    mode3.landlock = {kSucceeds,
                      "not stopped: Landlock asks no right of an open that neither reads nor "
                      "writes (device ioctls through it still need ioctl_dev)"};
    s.push_back(mode3);
  }
  s.push_back(ReplaceDenied("rename-over-denied", "rename over a file a deny rule protects",
                            "lsm/path_rename: the file replaced needs w, as unlinking it would"));
  s.push_back(ReplaceDenied("exchange-denied",
                            "renameat2(RENAME_EXCHANGE) with a file a deny rule protects",
                            "lsm/path_rename: both files of an exchange need w"));
  {
    constexpr Outcome kAnonymous = {
        kSucceeds,
        "out of scope: anonymous memory, shared or private, may become code (JITs); only "
        "memory a file backs needs x"};
    s.push_back({.name = "shared-anon-exec",
                 .source = "mmap(MAP_SHARED|MAP_ANONYMOUS) + mprotect(PROT_EXEC)",
                 .policy = "minimal",
                 .rules = {},
                 .control_rules = kUnconfined,
                 .bpf_lsm = kAnonymous,
                 .landlock = kAnonymous,
                 .seccomp = kAnonymous});
  }
}

std::vector<Scenario> Build() {
  std::vector<Scenario> s;
  // ---- naming tricks: the rules name objects, so every name of the object gets its verdict
  s.push_back(NameTrick("symlink-escape", "Landlock fs_test.c: layout1 symlinks",
                        "lsm/file_open checks the object opened: the symlink's target, outside "
                        "every rule",
                        "Landlock checks the file reached after following the symlink"));
  s.push_back(NameTrick("dotdot-escape", "Landlock fs_test.c: relative paths with ..",
                        "lsm/file_open walks the real ancestors of the object, not the name",
                        "Landlock walks the real ancestors of the object"));
  s.push_back(NameTrick("relative-after-chdir", "Landlock fs_test.c: relative_chdir",
                        "lsm/file_open: a relative name ends at the same object",
                        "Landlock checks the object, whatever the working directory"));
  s.push_back(NameTrick("proc-root-alias", "procfs magic link /proc/self/root",
                        "lsm/file_open: the magic link ends at the same object",
                        "Landlock checks the object the magic link reaches"));
  s.push_back(NameTrick("opath-reopen", "O_PATH descriptor reopened through /proc/self/fd",
                        "lsm/file_open: the reopen is an open of the real object (O_PATH opens "
                        "nothing)",
                        "Landlock checks the reopen like any open"));
  {
    Scenario upgrade =
        NameTrick("proc-fd-upgrade", "Landlock fs_test.c: proc_symlink (reopen with more rights)",
                  "lsm/file_open: the reopen for writing needs w on the object",
                  "Landlock checks the reopen for write_file");
    upgrade.control_rules = kRoWritable;
    s.push_back(upgrade);
  }
  s.push_back({.name = "link-secret-in",
               .source = "Landlock fs_test.c: reparent_link",
               .policy = "build",
               .rules = {"--allow=@/rw:rw"},
               .control_rules = kUnconfined,
               .bpf_lsm = {EXDEV,
                           "lsm/path_link: the link would give the file more modes than "
                           "it has where it is"},
               .landlock = {EXDEV,
                            "refer: a link to another directory may not gain rights (ABI "
                            "1: never across directories)"},
               .seccomp = kSeccompNoPaths});
  s.push_back({.name = "link-gains-write",
               .source = "Landlock fs_test.c: reparent_link",
               .policy = "build",
               .rules = kRo,
               .control_rules = kUnconfined,
               .bpf_lsm = {EXDEV, "lsm/path_link: w at the destination, r only at the source"},
               .landlock = {EXDEV, "refer: the destination grants more than the source"},
               .seccomp = kSeccompNoPaths});
  s.push_back({.name = "rename-secret-in",
               .source = "Landlock fs_test.c: reparent_rename",
               .policy = "build",
               .rules = {"--allow=@/rw:rw"},
               .control_rules = kUnconfined,
               .bpf_lsm = {EACCES, "lsm/path_rename: w needed on the source directory"},
               .landlock = {EACCES, "remove_file missing on the source directory"},
               .seccomp = kSeccompNoPaths});
  s.push_back({.name = "rename-gains-write",
               .source = "Landlock fs_test.c: reparent_rename",
               .policy = "build",
               .rules = kRo,
               .control_rules = kUnconfined,
               .bpf_lsm = {EACCES, "lsm/path_rename: w needed on the source directory"},
               .landlock = {EACCES, "remove_file missing on the source directory"},
               .seccomp = kSeccompNoPaths});
  s.push_back(Filtered("bind-mount-alias", "bubblewrap/firejail: bind mount over an allowed dir",
                       "build", EPERM,
                       "seccomp filter: mount is always refused (and no CAP_SYS_ADMIN is left)",
                       {"--allow=@/rw:rw"}));
  s.push_back(Filtered("open-by-handle", "CVE-2014 Docker shocker: open_by_handle_at", "minimal",
                       EPERM,
                       "seccomp filter: open_by_handle_at is always refused (no "
                       "CAP_DAC_READ_SEARCH either)",
                       {"--allow-syscall=name_to_handle_at"}));
  s.push_back(Filtered("io-uring-openat", "io_uring: I/O outside the syscall path", "minimal",
                       EPERM, "seccomp filter: io_uring_setup is always refused"));

  // ---- write operations in a read-only tree
  s.push_back(WriteInRo("creat-in-ro", "Landlock fs_test.c: make_reg",
                        "lsm/path_mknod: creating a file needs w on the directory",
                        "make_reg right missing"));
  s.push_back(
      {.name = "otrunc-ro",
       .source = "Landlock fs_test.c: truncate (O_TRUNC)",
       .policy = "minimal",
       .rules = kRo,
       .control_rules = kRoWritable,
       .bpf_lsm = {EACCES, "lsm/path_truncate (file_truncate from 6.2): O_TRUNC needs w"},
       .landlock = {EACCES, "truncate right (ABI 3) missing"},
       .seccomp = kSeccompNoPaths,
       .landlock_min_abi = 3,
       .landlock_older = {kSucceeds, "not stopped: Landlock before ABI 3 has no truncate right"}});
  s.push_back(
      {.name = "truncate-ro",
       .source = "Landlock fs_test.c: truncate",
       .policy = "build",
       .rules = kRo,
       .control_rules = kRoWritable,
       .bpf_lsm = {EACCES, "lsm/path_truncate: truncate needs w"},
       .landlock = {EACCES, "truncate right (ABI 3) missing"},
       .seccomp = kSeccompNoPaths,
       .landlock_min_abi = 3,
       .landlock_older = {kSucceeds, "not stopped: Landlock before ABI 3 has no truncate right"}});
  s.push_back(WriteInRo("mkdir-in-ro", "Landlock fs_test.c: make_dir",
                        "lsm/path_mkdir: w on the directory", "make_dir right missing"));
  s.push_back(WriteInRo("rmdir-in-ro", "Landlock fs_test.c: rmdir",
                        "lsm/path_rmdir: w on the directory", "remove_dir right missing"));
  s.push_back(WriteInRo("unlink-in-ro", "Landlock fs_test.c: unlink",
                        "lsm/path_unlink: w on the directory", "remove_file right missing"));
  s.push_back(WriteInRo("rename-in-ro", "Landlock fs_test.c: rename_file",
                        "lsm/path_rename: w on the directory",
                        "remove_file and make_reg rights missing"));
  s.push_back({.name = "rename-out",
               .source = "Landlock fs_test.c: reparent_rename",
               .policy = "build",
               .rules = kRo,
               .control_rules = kUnconfined,
               .bpf_lsm = {EACCES, "lsm/path_rename: w on the target directory"},
               .landlock = {EACCES, "make_reg missing on the target directory"},
               .seccomp = kSeccompNoPaths});
  s.push_back(WriteInRo("symlink-in-ro", "Landlock fs_test.c: make_sym",
                        "lsm/path_symlink: w on the directory", "make_sym right missing"));
  s.push_back(WriteInRo("mkfifo-in-ro", "Landlock fs_test.c: make_fifo",
                        "lsm/path_mknod: w on the directory", "make_fifo right missing",
                        {"--allow-syscall=mknod", "--allow-syscall=mknodat"}));
  {
    // A file's metadata: Landlock has no right for any of it.
    auto metadata = [](const char* name, const char* source, const char* hook,
                       Outcome landlock = kLandlockNoMetadata) {
      Scenario scenario = WriteInRo(name, source, hook, "");
      scenario.landlock = landlock;
      return scenario;
    };
    constexpr Outcome kLandlockNoXattr = {
        kSucceeds, "not stopped: Landlock has no right for extended attributes or ACLs"};
    s.push_back(metadata("chmod-ro", "our own: metadata of a read-only file",
                         "lsm/path_chmod: w on the object"));
    Scenario chown = metadata("chown-ro", "our own: metadata of a read-only file",
                              "lsm/path_chown: w on the object");
    // path_chown passes uid and gid by value, which BPF programs attach to from 6.1 only.
    chown.bpf_lsm_min_kernel = 6001;
    chown.bpf_lsm_older = {kSucceeds,
                           "not stopped before 6.1: no BPF program can attach to "
                           "path_chown (its uid/gid are structs passed by value)"};
    s.push_back(chown);
    s.push_back(metadata("acl-ro", "setfacl: an ACL that gives another user write",
                         "lsm/inode_setxattr (lsm/inode_set_acl from 6.2): w on the object, "
                         "within its filesystem",
                         kLandlockNoXattr));
    s.push_back(metadata("xattr-fd-ro", "fsetxattr user.* through a read-only descriptor",
                         "lsm/inode_setxattr: w on the object, within its filesystem",
                         kLandlockNoXattr));
    s.push_back(metadata("times-ro", "utimensat: a file's times moved back (touch -d)",
                         "lsm/inode_setattr: w on the object, within its filesystem"));
  }

  // ---- exec
  auto exec = [](const char* name, const char* source, Outcome bpf, Outcome landlock,
                 Outcome seccomp, const char* policy = "build") {
    return Scenario{.name = name,
                    .source = source,
                    .policy = policy,
                    .rules = kBinNoExec,
                    .control_rules = kBinExec,
                    .bpf_lsm = bpf,
                    .landlock = landlock,
                    .seccomp = seccomp};
  };
  s.push_back(exec("exec-no-x", "Landlock fs_test.c: execute",
                   {EACCES, "lsm/bprm_check_security: x on the binary"},
                   {EACCES, "execute right missing"}, kSeccompNoPaths));
  s.push_back(exec("script-interpreter-no-x", "Landlock fs_test.c: execute (interpreter)",
                   {EACCES, "lsm/bprm_check_security: the interpreter needs x too"},
                   {EACCES, "execute right missing on the interpreter"}, kSeccompNoPaths));
  s.push_back(exec("ldso-no-x", "noexec bypass: ld.so BINARY",
                   {EACCES, "lsm/mmap_file: a PROT_EXEC mapping of a file needs x"},
                   kLandlockNoMmap, kSeccompNoMmap));
  s.push_back(exec("mmap-exec-no-x", "noexec bypass: mmap PROT_EXEC",
                   {EACCES, "lsm/mmap_file: a PROT_EXEC mapping of a file needs x"},
                   kLandlockNoMmap, kSeccompNoMmap, "minimal"));
  s.push_back(exec("mprotect-exec-no-x", "noexec bypass: mprotect PROT_EXEC",
                   {EACCES, "lsm/file_mprotect: making a file mapping executable needs x"},
                   kLandlockNoMmap, kSeccompNoMmap, "minimal"));
  {
    constexpr Outcome kOutOfScope = {
        kSucceeds,
        "out of scope: anonymous executable memory stays allowed (JITs); code a "
        "process may read, it may run in its own memory"};
    Scenario anon = exec("anon-exec-copy", "our own: what x does not cover", kOutOfScope,
                         kOutOfScope, kOutOfScope, "minimal");
    anon.control_rules = kUnconfined;
    s.push_back(anon);
  }
  // No rule can name a memfd: only an unconfined run shows that these work.
  auto unconfined = [](Scenario scenario) {
    scenario.control_rules = kUnconfined;
    return scenario;
  };
  s.push_back(unconfined(
      exec("memfd-exec", "fileless exec (memfd_create + fexecve)",
           {EACCES, "lsm/bprm_check_security: exec of an internal-mount file is denied"},
           {kSucceeds, "not stopped: Landlock lets internal filesystems (memfd) through"},
           kSeccompNoPaths)));
  s.push_back(
      unconfined(exec("memfd-mmap-exec", "fileless code loading (memfd + mmap PROT_EXEC)",
                      {EACCES, "lsm/mmap_file: PROT_EXEC mapping of an internal-mount file"},
                      kLandlockNoMmap, kSeccompNoMmap)));
  s.push_back(exec("execveat-opath", "execveat(AT_EMPTY_PATH) of an O_PATH descriptor",
                   {EACCES, "lsm/bprm_check_security: x on the object behind the descriptor"},
                   {EACCES, "execute right missing"}, kSeccompNoPaths));
  s.push_back(exec("dlopen-no-x", "noexec bypass: dlopen of a library without x",
                   {EACCES, "lsm/mmap_file: a PROT_EXEC mapping of a file needs x"},
                   kLandlockNoMmap, kSeccompNoMmap, "minimal"));

  s.push_back({.name = "overwrite-binary",
               .source = "CVE-2019-5736-style: rewrite a binary the host runs",
               .policy = "minimal",
               .rules = {"--allow=@/xbin:rx"},
               .control_rules = {"--allow=@/xbin:rwx"},
               .bpf_lsm = {EACCES, "lsm/file_open: rx on the binary gives no w"},
               .landlock = {EACCES, "write_file right missing"},
               .seccomp = kSeccompNoPaths});

  // ---- syscalls the filter refuses in every tier
  constexpr const char* kBadArch =
      "seccomp filter: a syscall of another ABI kills the process (SIGSYS)";
  s.push_back(Filtered("i386-getpid", "gVisor 32-bit syscall tests: int 0x80", "build",
                       kKilledBySigsys, kBadArch));
  s.push_back(Filtered("i386-open", "gVisor 32-bit syscall tests: int 0x80 open", "build",
                       kKilledBySigsys, kBadArch));
  s.push_back(Filtered("x32-getpid", "gVisor/libseccomp: x32 syscall numbers", "build",
                       kKilledBySigsys, kBadArch));
  s.push_back(Filtered("unshare-user", "Docker profile: unshare(CLONE_NEWUSER)", "build", EPERM,
                       "seccomp filter: unshare only without namespace flags",
                       {"--allow-syscall=unshare"}));
  s.push_back(Filtered("clone-newns", "Docker profile: clone namespace flags", "build", EPERM,
                       "seccomp filter: clone with a CLONE_NEW* flag is refused"));
  s.push_back(Filtered("clone3-newuser", "Docker profile history: clone3 -> ENOSYS", "build",
                       ENOSYS,
                       "seccomp filter: clone3 answers ENOSYS (its flags are out of reach), "
                       "libc falls back to the checked clone"));
  s.push_back(Filtered("setns", "Docker profile: setns", "minimal", EPERM,
                       "seccomp filter: setns is always refused"));
  s.push_back(Filtered("pivot-root", "Docker profile: pivot_root", "build", EPERM,
                       "seccomp filter: pivot_root is always refused", {"--allow=@/rw:rw"}));
  s.push_back(Filtered("bpf-map-create", "published BPF-tool bypasses: the bpf() syscall",
                       "minimal", EPERM, "seccomp filter: bpf is always refused"));
  s.push_back(Filtered("bpf-prog-enumerate",
                       "published BPF-tool bypasses: find and detach the programs", "minimal",
                       EPERM, "seccomp filter: bpf is always refused"));
  s.push_back(Filtered("perf-event-open", "Docker profile: perf_event_open", "minimal", EPERM,
                       "seccomp filter: perf_event_open is always refused"));
  s.push_back(Filtered("userfaultfd", "Docker profile history: userfaultfd", "minimal", EPERM,
                       "seccomp filter: userfaultfd is always refused"));
  s.push_back(Filtered("add-key", "Docker profile: keyctl/add_key", "minimal", EPERM,
                       "seccomp filter: add_key is always refused (keyrings are not "
                       "namespaced)"));
  s.push_back(Filtered("personality-read-implies-exec", "Docker profile: personality", "minimal",
                       EPERM, "seccomp filter: personality is in no preset"));
  s.push_back(Filtered("socket-vsock", "Docker profile history: AF_VSOCK", "network", EPERM,
                       "seccomp filter: socket() only in the families the policy can use "
                       "(unix, inet, inet6, netlink route); the bpf-lsm tier's socket_create "
                       "hook refuses it too, for processes without the filter"));
  s.push_back(Filtered("socket-alg", "kernel crypto API (AF_ALG) attack surface", "network", EPERM,
                       "seccomp filter: socket() only in the families the policy can use; "
                       "socket_create on the bpf-lsm tier"));
  s.push_back(Filtered("tiocsti-upper-bits", "firejail/bubblewrap: TIOCSTI (CVE-2017-5226)",
                       "build", EPERM, "seccomp filter: TIOCSTI refused on the low 32 bits of cmd",
                       {"--allow=/dev/ptmx:rw", "--allow=/dev/pts:rw"}));
  s.push_back(Filtered("ptrace-outside", "Docker profile: ptrace", "build", EPERM,
                       "seccomp filter: ptrace is always refused"));
  s.push_back(
      {.name = "kill-outside",
       .source = "our own: signal a process outside the container",
       .policy = "build",
       .rules = {},
       .control_rules = kUnconfined,
       .bpf_lsm = {EPERM, "lsm/task_kill: no signal to a process outside the cgroup"},
       .landlock = {EPERM, "Landlock signal scoping (ABI 6)"},
       .seccomp = {kSucceeds,
                   "not stopped: kill is allowed, and the filter cannot tell "
                   "whose pid it is"},
       .landlock_min_abi = 6,
       .landlock_older = {kSucceeds, "not stopped: Landlock before ABI 6 does not scope signals"}});
  {
    Scenario launcher = s.back();
    launcher.name = "kill-launcher";
    launcher.source = "published BPF-tool bypasses: stop the agent that enforces";
    launcher.bpf_lsm.why = "lsm/task_kill: the launcher is outside the cgroup";
    launcher.landlock.why = "Landlock signal scoping (ABI 6): the launcher is outside the domain";
    s.push_back(launcher);
  }
  s.push_back({.name = "proc-self-mem-write",
               .source = "CVE-2016-5195 Dirty COW: write through /proc/self/mem",
               .policy = "minimal",
               .rules = {},
               .control_rules = kUnconfined,
               .bpf_lsm = {EACCES,
                           "lsm/file_open: /proc/<pid>/mem is never writable while "
                           "confined (and /proc/self is r)"},
               .landlock = {EACCES, "/proc/self has read rights only"},
               .seccomp = kSeccompNoPaths});
  s.push_back({.name = "proc-self-mem-write-granted",
               .source = "CVE-2016-5195 Dirty COW: write through /proc/self/mem",
               .policy = "minimal",
               .rules = {"--allow=/proc/self:rw"},
               .control_rules = kUnconfined,
               .bpf_lsm = {EACCES,
                           "lsm/file_open: /proc/<pid>/mem is never writable while "
                           "confined, whatever the rules"},
               .landlock = {kSucceeds, "not stopped: a rule granting w on /proc/self allows it"},
               .seccomp = kSeccompNoPaths});
  s.push_back({.name = "proc-victim-mem",
               .source = "our own: another process's memory",
               .policy = "build",
               .rules = {},
               .control_rules = kUnconfined,
               .bpf_lsm = {EACCES, "lsm/file_open: no rule covers another process's /proc entry"},
               .landlock = {EACCES, "no rule covers another process's /proc entry"},
               .seccomp = {EACCES,
                           "ptrace access check: the victim holds capabilities the "
                           "confined process lost"}});
  s.push_back({.name = "cgroup-escape",
               .source = "our own: move to the root cgroup, out of the enforced one",
               .policy = "build",
               .rules = {},
               .control_rules = kUnconfined,
               .bpf_lsm = {EACCES, "lsm/file_open: no rule covers the cgroup filesystem"},
               .landlock = {EACCES, "no rule covers the cgroup filesystem"},
               .seccomp = {kSucceeds,
                           "not stopped: no path rules, and the process keeps uid 0, "
                           "which owns the root cgroup's files"}});
  s.push_back({.name = "cgroup-escape-granted",
               .source = "our own: move to the root cgroup, out of the enforced one",
               .policy = "build",
               .rules = {"--allow=%cgroup:rw"},
               .control_rules = kUnconfined,
               .bpf_lsm = {EACCES,
                           "lsm/file_open: cgroup.procs and cgroup.threads are never "
                           "writable while confined, whatever the rules"},
               .landlock = {kSucceeds,
                            "not stopped: a rule granting w on the cgroup tree "
                            "allows it (Landlock does not follow cgroups)"},
               .seccomp = {kSucceeds,
                           "not stopped: no path rules, and the process keeps uid 0, "
                           "which owns the root cgroup's files"}});
  AddNetworkScenarios(s);
  AddRouteScenarios(s);
  return s;
}

}  // namespace

const std::vector<Scenario>& Scenarios() {
  static const std::vector<Scenario> scenarios = Build();
  return scenarios;
}

std::string SuiteScope() {
  const char* scope = std::getenv("CVLSM_SUITE_SCOPE");
  return scope != nullptr && std::string(scope) == "core" ? "core" : "full";
}

std::vector<Scenario> ScenariosInScope() {
  if (SuiteScope() == "full") return Scenarios();
  // One scenario per mechanism: the path walk, links, renames, the tree-changing hooks,
  // metadata, exec and executable mappings, the filter, processes, cgroups, sockets, and
  // the routes past them (scheduling, SIGIO, device ioctls, open mode 3, replacing renames).
  static const std::set<std::string> kCore = {
      "symlink-escape",    "proc-fd-upgrade",    "link-secret-in",
      "rename-secret-in",  "creat-in-ro",        "truncate-ro",
      "chmod-ro",          "chown-ro",           "acl-ro",
      "exec-no-x",         "mmap-exec-no-x",     "memfd-exec",
      "io-uring-openat",   "unshare-user",       "kill-outside",
      "cgroup-escape",     "unix-daemon-socket", "abstract-unix-outside",
      "connect-v4-mapped", "udp-sendto-outside", "listen-without-bind",
      "renice-outside",    "sigio-outside",      "device-ioctl-ro",
      "open-mode3-secret", "rename-over-denied"};
  std::vector<Scenario> core;
  for (const Scenario& scenario : Scenarios()) {
    if (kCore.contains(scenario.name)) core.push_back(scenario);
  }
  if (core.size() != kCore.size()) {  // a renamed scenario must not drop out quietly
    std::fprintf(stderr, "adversarial: the core list names a scenario that does not exist\n");
    std::abort();
  }
  return core;
}

}  // namespace cvlsm::adversarial
