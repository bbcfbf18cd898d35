/*
 * cv-lsm's containerv-compatible container API (C11 and C++).
 *
 * A container is a cgroup v2 and a set of namespaces (mount, pid, uts, ipc, and network
 * unless CV_CAP_NETWORK is granted) held by a small init process; every process spawned
 * into it joins the cgroup and the namespaces, keeps only the capabilities CV_CAP_* grant,
 * gets no_new_privs, the policy's path rules (bpf-lsm or Landlock, whichever tier works on
 * this machine) and its syscall filter, then execs. Needs root.
 *
 * Every int-returning function returns 0 on success and -1 with errno set on failure
 * (EINVAL for NULL arguments). cvlsm_last_error() says why in words.
 *
 * Threads: different containers may be used from different threads; calls on one container
 * must not run concurrently (containerv_wait blocks: do not destroy meanwhile).
 */
#ifndef CHEF_CONTAINERV_H_
#define CHEF_CONTAINERV_H_

#include <chef/containerv/policy.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef pid_t process_handle_t;

struct containerv_options;
struct containerv_container;
/* Upstream maps container users; cv-lsm runs processes as the caller's user and rejects
 * any as_user other than NULL (EOPNOTSUPP). */
struct containerv_user;

/* What the container's processes may do beyond the policy. Each flag keeps a few
 * capabilities (see docs/CONTAINER_SECURITY_POLICIES.md); the policy's syscall list still
 * decides which syscalls exist at all. */
enum containerv_capabilities {
  CV_CAP_NETWORK = 0x1,         /* host network namespace + CAP_NET_BIND_SERVICE */
  CV_CAP_PROCESS_CONTROL = 0x2, /* CAP_KILL (signal any process of the container) */
  CV_CAP_IPC = 0x4,             /* CAP_IPC_LOCK, CAP_IPC_OWNER (own IPC namespace) */
  CV_CAP_FILESYSTEM = 0x8,      /* CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID */
  CV_CAP_CGROUPS = 0x10,        /* accepted, keeps no capability (see the docs) */
  CV_CAP_USERS = 0x20           /* CAP_SETUID, CAP_SETGID */
};

/* NULL with errno ENOMEM on failure. No policy set means CV_POLICY_MINIMAL. */
CVLSM_API struct containerv_options* containerv_options_new(void);
CVLSM_API void containerv_options_delete(struct containerv_options* options);
CVLSM_API void containerv_options_set_caps(struct containerv_options* options,
                                           enum containerv_capabilities caps);
/* Takes a reference: the policy may be deleted afterwards. The policy's content is captured
 * when a container is created; later changes to it affect only later containers. */
CVLSM_API void containerv_options_set_policy(struct containerv_options* options,
                                             struct containerv_policy* policy);

/* rootFs: an existing absolute directory becomes the container's root filesystem (policy
 * paths are then inside it); anything else is the id of a container on the host's root
 * ([A-Za-z0-9._-], at most 64 characters). options may be NULL (defaults). */
CVLSM_API int containerv_create(const char* rootFs, struct containerv_options* options,
                                struct containerv_container** containerOut);

enum container_spawn_flags { CV_SPAWN_WAIT = 0x1 };

struct containerv_spawn_options {
  const char* arguments;            /* one string, split like a shell command line; may be NULL */
  const char* const* environment;   /* NULL-terminated; NULL gives PATH only */
  struct containerv_user* as_user;  /* must be NULL (see above) */
  enum container_spawn_flags flags; /* CV_SPAWN_WAIT: return when the process has ended */
};

/* Starts `path` (absolute, resolved inside the container's root) in the container, in its
 * root directory, with argv[0] = path. options may be NULL. With CV_SPAWN_WAIT it returns
 * once the process ended; its exit code is then fetched with containerv_wait. */
CVLSM_API int containerv_spawn(struct containerv_container* container, const char* path,
                               struct containerv_spawn_options* options, process_handle_t* pidOut);

/* Sends SIGTERM to a process this container spawned (ESRCH for any other pid). */
CVLSM_API int containerv_kill(struct containerv_container* container, process_handle_t pid);

/* Waits for a process this container spawned and stores its exit code (shell convention:
 * 128+N when killed by signal N) in *exit_code (may be NULL). Once per process; ESRCH for a
 * pid that is not (or no longer) waitable. */
CVLSM_API int containerv_wait(struct containerv_container* container, process_handle_t pid,
                              int* exit_code);

/* Kills every process left in the container, removes its cgroup, namespaces and policy,
 * and frees it. The handle is invalid afterwards, even when -1 is returned (then a process
 * could not be removed: its confinement stays in place). NULL fails with EINVAL. */
CVLSM_API int containerv_destroy(struct containerv_container* container);

/* The container's id (the name given to containerv_create, or a generated one for a root
 * filesystem); NULL for NULL. Valid until containerv_destroy. */
CVLSM_API const char* containerv_id(struct containerv_container* container);

/* cv-lsm extension: sets the rule on PATH (absolute, as the container names it) while the
 * container runs. ALLOW grants and DENY takes away below an allowed directory (CV_FS_* bits;
 * either may be 0, not both). The rule replaces whatever rule named the same object and
 * leaves the others; every process of the container sees it at once, and an open sees the
 * old rule or the new one, never neither. Needs the bpf-lsm tier: on the landlock tier -1
 * with EOPNOTSUPP (Landlock fixes a process's rules when it starts); on the seccomp tier the
 * path is checked and nothing is enforced, as at creation. ENOENT: PATH does not exist;
 * EINVAL: NULL, a relative PATH or bad modes. */
CVLSM_API int cvlsm_container_set_path_rule(struct containerv_container* container,
                                            const char* path, unsigned allow, unsigned deny);

/* cv-lsm extension: removes the rule on PATH (as set at creation or by
 * cvlsm_container_set_path_rule) while the container runs. ENOENT: no rule there;
 * EOPNOTSUPP on the landlock tier. */
CVLSM_API int cvlsm_container_remove_path_rule(struct containerv_container* container,
                                               const char* path);

/* cv-lsm extension: audit mode (non-zero) for containers created with these options: the
 * policy's path rules refuse nothing, every access they would refuse is counted and reported
 * (`cv-lsm stats`, `cv-lsm events`, docs/observing.md). Needs the bpf-lsm tier:
 * containerv_create fails with EOPNOTSUPP elsewhere. The syscall filter still enforces in
 * containers (its audit side needs a listener thread the container's launcher cannot run);
 * cv-lsm's fixed refusals stay enforced. */
CVLSM_API void cvlsm_options_set_audit(struct containerv_options* options, int audit);

/* cv-lsm extension: strict mode (non-zero) for containers created with these options:
 * containerv_create fails with EOPNOTSUPP, cvlsm_last_error naming each rule, when the tier
 * this machine offers leaves part of the policy unenforced (for example the addresses of a
 * connect rule on the landlock tier, which matches ports only). Without it such a container
 * is created and the log names what is not enforced (docs/tiers.md). */
CVLSM_API void cvlsm_options_set_strict(struct containerv_options* options, int strict);

/* cv-lsm extension: what a container costs and what its policy decided, as `cv-lsm stats`
 * shows for a cgroup. `known` says which fields hold a value (CVLSM_STAT_* bits): the
 * cgroup's own accounting where its controllers are enabled (cpu always, memory, pids and
 * io where the parent enables them), the decisions and the policy's map entries (keys and
 * values, without the kernel's per-element overhead) on the bpf-lsm tier only. */
enum cvlsm_stat_field {
  CVLSM_STAT_CPU = 1u << 0,         /* cpu_usec */
  CVLSM_STAT_MEMORY = 1u << 1,      /* memory_bytes */
  CVLSM_STAT_MEMORY_PEAK = 1u << 2, /* memory_peak_bytes (Linux 5.19+) */
  CVLSM_STAT_PROCESSES = 1u << 3,   /* processes */
  CVLSM_STAT_IO = 1u << 4,          /* io_read_bytes, io_write_bytes */
  CVLSM_STAT_DECISIONS = 1u << 5,   /* allowed, denied */
  CVLSM_STAT_POLICY = 1u << 6       /* policy_entries, policy_bytes */
};

struct cvlsm_container_stats {
  unsigned known; /* CVLSM_STAT_* bits */
  unsigned long long cpu_usec;
  unsigned long long memory_bytes;
  unsigned long long memory_peak_bytes;
  unsigned long long processes;
  unsigned long long io_read_bytes;
  unsigned long long io_write_bytes;
  unsigned long long allowed; /* decisions of the path, exec and socket hooks */
  unsigned long long denied;
  unsigned long long policy_entries;
  unsigned long long policy_bytes;
};

/* cv-lsm extension: fills *stats; size is sizeof(struct cvlsm_container_stats) as the caller
 * was built with (a smaller one is EINVAL; fields added later stay untouched for an older
 * caller). */
CVLSM_API int cvlsm_container_get_stats(struct containerv_container* container,
                                        struct cvlsm_container_stats* stats, size_t size);

/* cv-lsm extension: why the last failing call of this thread failed ("" if none). */
CVLSM_API const char* cvlsm_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* CHEF_CONTAINERV_H_ */
