/*
 * cv-lsm's containerv-compatible policy API (C11 and C++).
 *
 * A policy is a preset (CV_POLICY_*) plus syscalls and path rules, default deny. The names
 * and values are containerv's, so runtimes written against containerv build unchanged.
 *
 * Every int-returning function returns 0 on success and -1 with errno set on failure
 * (EINVAL for a NULL or malformed argument, e.g. an unknown syscall name or a relative
 * path). Path rules name exact paths today (a rule covers the path and everything below
 * it); wildcards are reserved for the future, as upstream documents.
 */
#ifndef CHEF_CONTAINERV_POLICY_H_
#define CHEF_CONTAINERV_POLICY_H_

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CVLSM_API __attribute__((visibility("default")))
#else
#define CVLSM_API
#endif

struct containerv_policy;

enum containerv_policy_type {
  CV_POLICY_MINIMAL, /* CLI and data tools: file I/O, memory, time; system libraries r-x */
  CV_POLICY_BUILD,   /* compilers and build systems: + processes, exec, pipes, /tmp rw */
  CV_POLICY_NETWORK, /* servers and clients: + sockets, threads, timers, resolver files */
  CV_POLICY_CUSTOM   /* empty: only what the caller adds */
};

enum containerv_fs_access {
  CV_FS_READ = 0x1,
  CV_FS_WRITE = 0x2,
  CV_FS_EXEC = 0x4,
  CV_FS_ALL = 0x7
};

/* A new policy of the given type, or NULL with errno set (EINVAL for an unknown type). */
CVLSM_API struct containerv_policy* containerv_policy_new(enum containerv_policy_type type);

/* Drops the caller's reference. Options and containers that use the policy keep their own,
 * so deleting a policy that is still set on options or containers is safe. NULL is a no-op. */
CVLSM_API void containerv_policy_delete(struct containerv_policy* policy);

/* Allows one syscall by name ("openat"); an unknown name fails with EINVAL. */
CVLSM_API int containerv_policy_add_syscall(struct containerv_policy* policy, const char* syscall);

/* Allows each syscall of a NULL-terminated array; all or nothing (EINVAL names no change). */
CVLSM_API int containerv_policy_add_syscalls(struct containerv_policy* policy,
                                             const char* const* syscalls);

/* Grants `access` on an absolute path and everything below it. */
CVLSM_API int containerv_policy_add_path(struct containerv_policy* policy, const char* path,
                                         enum containerv_fs_access access);

/* add_path for each path of a NULL-terminated array; all or nothing. */
CVLSM_API int containerv_policy_add_paths(struct containerv_policy* policy,
                                          const char* const* paths,
                                          enum containerv_fs_access access);

/* Takes `access` away on a path and everything below it, whatever its ancestors grant
 * (e.g. /etc/shadow under an allowed /etc). Enforced by the bpf-lsm tier; the landlock tier
 * cannot carve exceptions, so containerv_create refuses such a policy there (EOPNOTSUPP). */
CVLSM_API int containerv_policy_deny_path(struct containerv_policy* policy, const char* path,
                                          enum containerv_fs_access access);

/* deny_path for each path of a NULL-terminated array; all or nothing. */
CVLSM_API int containerv_policy_deny_paths(struct containerv_policy* policy,
                                           const char* const* paths,
                                           enum containerv_fs_access access);

/* cv-lsm extension: network rules (docs/network.md). A rule is written as on the command
 * line: "PROTO:ADDR[/PREFIX]:PORTS", PROTO tcp, udp or icmp (icmp takes no ":PORTS"), ADDR an
 * address or * for any (IPv6 in brackets: "tcp:[fd00::]/8:443"), PORTS a port, a range
 * "8000-8100" or *. CV_NET_ALLOW_CONNECT also takes "unix:@NAME", an abstract unix socket
 * outside the container the policy may reach. Once a policy has a connect rule, every
 * connect, send to an address and ICMP echo its rules do not allow is refused; the same for
 * bind. Deny wins over allow. With no rule of a direction the preset's behaviour stands. */
enum containerv_net_rule {
  CV_NET_ALLOW_CONNECT,
  CV_NET_DENY_CONNECT,
  CV_NET_ALLOW_BIND,
  CV_NET_DENY_BIND
};

/* Adds one network rule; EINVAL (and cvlsm_last_error naming the fault) for a malformed one. */
CVLSM_API int containerv_policy_add_net_rule(struct containerv_policy* policy,
                                             enum containerv_net_rule kind, const char* rule);

/* add_net_rule for each rule of a NULL-terminated array; all or nothing. */
CVLSM_API int containerv_policy_add_net_rules(struct containerv_policy* policy,
                                              enum containerv_net_rule kind,
                                              const char* const* rules);

#ifdef __cplusplus
}
#endif

#endif /* CHEF_CONTAINERV_POLICY_H_ */
