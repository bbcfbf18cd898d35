/*
 * cvlsm_attack: performs one attack from inside a confined process and reports whether it
 * worked, as its exit status: 0 = the attack succeeded (the access or effect was gained),
 * otherwise the errno that stopped it (13 EACCES, 1 EPERM, 18 EXDEV, 38 ENOSYS), 159 when a
 * child doing the attack was killed by SIGSYS, 250 when this kernel cannot do it at all (no
 * IA32 emulation, no x32, no such socket family), 255 when the outcome is unclear.
 *
 *   cvlsm_attack SCENARIO ROOT VICTIM_PID
 *   cvlsm_attack --witness    drops every capability, blocks every signal and waits: a
 *                             signal sent to it stays pending, where /proc/PID/status
 *                             shows it
 *
 * ROOT is the layout adversarial_test.cc builds (ro/, rw/, secret/, bin/, xbin/, shm ->
 * a tmpfs dir); VICTIM_PID a process outside the confined cgroup. A write attack counts as
 * successful when its effect is there afterwards, whatever the call returned: a create that
 * leaves the file behind and then fails the open still created it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define KILLED_BY_SIGSYS (128 + SIGSYS)
#define UNSUPPORTED 250
#define UNCLEAR 255

static const char* root;
static pid_t victim;
static char path_buf[4][4096];

/* ROOT/rel, in one of four rotating buffers. */
static const char* at(const char* rel) {
  static int next;
  char* buf = path_buf[next++ % 4];
  snprintf(buf, sizeof(path_buf[0]), "%s/%s", root, rel);
  return buf;
}

static int err_or_ok(long ret) { return ret < 0 ? errno : 0; }

static int open_close(const char* path, int flags) {
  int fd = open(path, flags | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

static int exists(const char* path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

/* An effect that happened is a success even if the call reported an error after it. */
static int effect(int err, int happened) { return happened ? 0 : (err ? err : UNCLEAR); }

/* Waits for a child that did the attack: its exit status, 128+N if killed by signal N. */
static int wait_child(pid_t pid) {
  int status;
  if (pid < 0) return errno;
  if (waitpid(pid, &status, 0) < 0) return errno;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

static int has_cap_sys_admin(void) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &hdr, data) != 0) return 0;
  return (data[0].effective >> CAP_SYS_ADMIN) & 1;
}

/* A private mount namespace where the process may make one. Without one, a process that
 * still holds CAP_SYS_ADMIN must not touch the shared mount table: stop there. */
static int private_mounts(void) {
  if (unshare(CLONE_NEWNS) == 0) {
    return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 ? 0 : errno;
  }
  return has_cap_sys_admin() ? UNSUPPORTED : 0;
}

/* ---- naming tricks ------------------------------------------------------------------- */

static int symlink_escape(void) { return open_close(at("ro/escape"), O_RDONLY); }
static int dotdot_escape(void) { return open_close(at("ro/../secret/secret.txt"), O_RDONLY); }

static int relative_after_chdir(void) {
  if (chdir(at("ro")) != 0) return errno;
  return open_close("../secret/secret.txt", O_RDONLY);
}

static int proc_root_alias(void) {
  char path[4200];
  snprintf(path, sizeof(path), "/proc/self/root%s", at("secret/secret.txt"));
  return open_close(path, O_RDONLY);
}

static int reopen_fd(int fd, int flags) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  return open_close(path, flags);
}

static int opath_reopen(void) {
  int fd = open(at("secret/secret.txt"), O_PATH | O_CLOEXEC);
  if (fd < 0) return errno;
  return reopen_fd(fd, O_RDONLY);
}

static int proc_fd_upgrade(void) {
  int fd = open(at("ro/file.txt"), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  return reopen_fd(fd, O_RDWR);
}

static int link_secret_in(void) {
  if (link(at("secret/secret.txt"), at("rw/alias")) != 0) return errno;
  return open_close(at("rw/alias"), O_RDONLY);
}

static int link_gains_write(void) {
  if (link(at("ro/file.txt"), at("rw/alias")) != 0) return errno;
  return open_close(at("rw/alias"), O_WRONLY);
}

static int rename_secret_in(void) {
  if (rename(at("secret/secret.txt"), at("rw/stolen")) != 0) return errno;
  return open_close(at("rw/stolen"), O_RDONLY);
}

static int rename_gains_write(void) {
  if (rename(at("ro/file.txt"), at("rw/moved")) != 0) return errno;
  return open_close(at("rw/moved"), O_WRONLY);
}

static int bind_mount_alias(void) {
  int err = private_mounts();
  if (err) return err;
  if (mount(at("secret"), at("rw/mnt"), NULL, MS_BIND, NULL) != 0) return errno;
  return open_close(at("rw/mnt/secret.txt"), O_RDONLY);
}

/* CVE-2014 "shocker": a file handle names an inode without any path. */
static int open_by_handle(void) {
  struct file_handle* handle = malloc(sizeof(*handle) + MAX_HANDLE_SZ);
  int mount_id;
  handle->handle_bytes = MAX_HANDLE_SZ;
  if (name_to_handle_at(AT_FDCWD, at("shm/secret.txt"), handle, &mount_id, 0) != 0)
    return errno == EOPNOTSUPP ? UNSUPPORTED : errno;
  /* The mount is named by the working directory: chdir opens nothing. */
  if (chdir(at("shm")) != 0) return errno;
  int fd = open_by_handle_at(AT_FDCWD, handle, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

/* An openat submitted through io_uring instead of the syscall. */
static int io_uring_openat(void) {
  struct io_uring_params p;
  memset(&p, 0, sizeof(p));
  int ring = (int)syscall(__NR_io_uring_setup, 4, &p);
  if (ring < 0) return errno;
  size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  char* sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQ_RING);
  char* cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_CQ_RING);
  struct io_uring_sqe* sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
                                   MAP_SHARED, ring, IORING_OFF_SQES);
  if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) return errno;
  memset(&sqes[0], 0, sizeof(sqes[0]));
  sqes[0].opcode = IORING_OP_OPENAT;
  sqes[0].fd = AT_FDCWD;
  sqes[0].addr = (uintptr_t)at("secret/secret.txt");
  sqes[0].open_flags = O_RDONLY | O_CLOEXEC;
  unsigned* tail = (unsigned*)(sq + p.sq_off.tail);
  unsigned mask = *(unsigned*)(sq + p.sq_off.ring_mask);
  ((unsigned*)(sq + p.sq_off.array))[*tail & mask] = 0;
  __atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
  if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) return errno;
  unsigned head = __atomic_load_n((unsigned*)(cq + p.cq_off.head), __ATOMIC_ACQUIRE);
  unsigned cq_mask = *(unsigned*)(cq + p.cq_off.ring_mask);
  struct io_uring_cqe* cqe = (struct io_uring_cqe*)(cq + p.cq_off.cqes) + (head & cq_mask);
  if (cqe->res < 0) return -cqe->res;
  close(cqe->res);
  return 0;
}

/* ---- write operations on a read-only tree -------------------------------------------- */

static int creat_in_ro(void) {
  int err = open_close(at("ro/new.txt"), O_WRONLY | O_CREAT | O_EXCL);
  return effect(err, exists(at("ro/new.txt")));
}

static off_t size_of(const char* path) {
  struct stat st;
  return stat(path, &st) == 0 ? st.st_size : -1;
}

static int otrunc_ro(void) {
  int err = open_close(at("ro/file.txt"), O_RDONLY | O_TRUNC);
  return effect(err, size_of(at("ro/file.txt")) == 0);
}

static int truncate_ro(void) {
  int err = err_or_ok(truncate(at("ro/file.txt"), 0));
  return effect(err, size_of(at("ro/file.txt")) == 0);
}

static int mkdir_in_ro(void) {
  int err = err_or_ok(mkdir(at("ro/newdir"), 0755));
  return effect(err, exists(at("ro/newdir")));
}

static int rmdir_in_ro(void) {
  int err = err_or_ok(rmdir(at("ro/emptydir")));
  return effect(err, !exists(at("ro/emptydir")));
}

static int unlink_in_ro(void) {
  int err = err_or_ok(unlink(at("ro/file.txt")));
  return effect(err, !exists(at("ro/file.txt")));
}

static int rename_in_ro(void) {
  int err = err_or_ok(rename(at("ro/file.txt"), at("ro/renamed.txt")));
  return effect(err, exists(at("ro/renamed.txt")));
}

static int rename_out(void) {
  int err = err_or_ok(rename(at("rw/data.txt"), at("secret/data.txt")));
  return effect(err, exists(at("secret/data.txt")));
}

static int symlink_in_ro(void) {
  int err = err_or_ok(symlink("/etc/passwd", at("ro/newlink")));
  return effect(err, exists(at("ro/newlink")));
}

static int mkfifo_in_ro(void) {
  int err = err_or_ok(mknod(at("ro/fifo"), S_IFIFO | 0600, 0));
  return effect(err, exists(at("ro/fifo")));
}

static int chmod_ro(void) {
  int err = err_or_ok(chmod(at("ro/file.txt"), 0777));
  struct stat st;
  return effect(err, stat(at("ro/file.txt"), &st) == 0 && (st.st_mode & 0777) == 0777);
}

/* The runner gives the file group 1; an owner may move it to a group of its own. */
static int chown_ro(void) {
  int err = err_or_ok(chown(at("ro/file.txt"), (uid_t)-1, getgid()));
  struct stat st;
  return effect(err, stat(at("ro/file.txt"), &st) == 0 && st.st_gid == getgid());
}

/* An ACL that lets uid 4242 write the file: chmod's effect, through setxattr (setfacl). The
 * xattr form of include/uapi/linux/posix_acl_xattr.h: a version, then entries sorted by tag. */
static int acl_ro(void) {
  struct {
    uint32_t version;
    struct {
      uint16_t tag, perm;
      uint32_t id;
    } entries[5];
  } acl = {2,
           {{0x01, 6, (uint32_t)-1},   /* owner rw- */
            {0x02, 7, 4242},           /* user 4242 rwx */
            {0x04, 4, (uint32_t)-1},   /* group r-- */
            {0x10, 7, (uint32_t)-1},   /* mask rwx */
            {0x20, 4, (uint32_t)-1}}}; /* other r-- */
  int err = err_or_ok(setxattr(at("ro/file.txt"), "system.posix_acl_access", &acl, sizeof(acl), 0));
  if (err == EOPNOTSUPP) return UNSUPPORTED; /* a filesystem without ACLs */
  return effect(err, getxattr(at("ro/file.txt"), "system.posix_acl_access", NULL, 0) > 0);
}

/* A user attribute set through a read-only descriptor (fsetxattr). */
static int xattr_fd_ro(void) {
  int fd = open(at("ro/file.txt"), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = err_or_ok(fsetxattr(fd, "user.cvlsm", "x", 1, 0));
  int happened = fgetxattr(fd, "user.cvlsm", NULL, 0) == 1;
  close(fd);
  if (err == EOPNOTSUPP) return UNSUPPORTED; /* tmpfs before 6.6 has no user attributes */
  return effect(err, happened);
}

/* A file's modification time moved back to 1970 (touch -d, tar, cp -p). */
static int times_ro(void) {
  const struct timespec epoch[2] = {{0, 0}, {0, 0}};
  int err = err_or_ok(utimensat(AT_FDCWD, at("ro/file.txt"), epoch, 0));
  struct stat st;
  return effect(err, stat(at("ro/file.txt"), &st) == 0 && st.st_mtime == 0);
}

/* ---- exec ------------------------------------------------------------------------------ */

static char* const true_argv[] = {"true", NULL};
extern char** environ;

static int exec_no_x(void) {
  execv(at("bin/true"), true_argv);
  return errno;
}

static int script_interpreter_no_x(void) {
  execv(at("xbin/script.sh"), true_argv);
  return errno;
}

/* Maps "Permission denied" and the like in a loader's message back to an errno. */
static int errno_in_message(const char* text) {
  static const int candidates[] = {EACCES, EPERM};
  for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
    if (strstr(text, strerror(candidates[i]))) return candidates[i];
  }
  fprintf(stderr, "cvlsm_attack: unclear failure: %s\n", text);
  return UNCLEAR;
}

static int mmap_exec_path(const char* path);

/* What glibc's loader saw: it reports a refused segment mapping without the errno, so make
 * the mapping it was refused (the file, PROT_EXEC) to learn it. */
static int loader_verdict(const char* text, const char* path) {
  if (!strstr(text, "failed to map segment")) return errno_in_message(text);
  int err = mmap_exec_path(path);
  return err ? err : UNCLEAR;
}

/* The dynamic loader run as the program, mapping a binary that has no x itself. */
static int ldso_no_x(void) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return errno;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 2);
    char* argv[] = {"ld.so", (char*)at("bin/true"), NULL};
    execv("/lib64/ld-linux-x86-64.so.2", argv);
    dprintf(2, "exec ld.so: %s", strerror(errno));
    _exit(1);
  }
  close(pipefd[1]);
  char text[2048] = "";
  size_t len = 0;
  ssize_t n;
  while (len < sizeof(text) - 1 && (n = read(pipefd[0], text + len, sizeof(text) - 1 - len)) > 0)
    len += (size_t)n;
  text[len] = '\0';
  int status = wait_child(pid);
  return status == 0 ? 0 : loader_verdict(text, at("bin/true"));
}

static int mmap_exec_fd(int fd) {
  void* map = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
  return map == MAP_FAILED ? errno : 0;
}

static int mmap_exec_path(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  return mmap_exec_fd(fd);
}

static int mmap_exec_no_x(void) { return mmap_exec_path(at("bin/true")); }

static int mprotect_exec_no_x(void) {
  int fd = open(at("bin/true"), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  void* map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) return errno;
  return err_or_ok(mprotect(map, 4096, PROT_READ | PROT_EXEC));
}

/* Bytes the process may read, copied into anonymous memory made executable (a JIT). */
static int anon_exec_copy(void) {
  int fd = open(at("bin/true"), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  char* map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) return errno;
  if (read(fd, map, 4096) <= 0) return errno;
  return err_or_ok(mprotect(map, 4096, PROT_READ | PROT_EXEC));
}

static int memfd_with_true(void) {
  int fd = memfd_create("cvlsm-attack", 0);
  if (fd < 0) return -errno;
  int src = open("/bin/true", O_RDONLY | O_CLOEXEC);
  if (src < 0) return -errno;
  while (sendfile(fd, src, NULL, 1 << 20) > 0) {
  }
  close(src);
  return fd;
}

static int memfd_exec(void) {
  int fd = memfd_with_true();
  if (fd < 0) return -fd;
  fexecve(fd, true_argv, environ);
  return errno;
}

static int memfd_mmap_exec(void) {
  int fd = memfd_with_true();
  if (fd < 0) return -fd;
  return mmap_exec_fd(fd);
}

static int execveat_opath(void) {
  int fd = open(at("bin/true"), O_PATH | O_CLOEXEC);
  if (fd < 0) return errno;
  syscall(SYS_execveat, fd, "", true_argv, environ, AT_EMPTY_PATH);
  return errno;
}

/* A binary the container's owner will run later, rewritten from inside. */
static int overwrite_binary(void) { return open_close(at("xbin/script.sh"), O_WRONLY); }

static int dlopen_no_x(void) {
  if (dlopen(at("bin/libcvlsm_attack_lib.so"), RTLD_NOW)) return 0;
  const char* error = dlerror();
  return loader_verdict(error ? error : "", at("bin/libcvlsm_attack_lib.so"));
}

/* ---- syscalls the filter refuses --------------------------------------------------- */

static long int80(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
  return ret;
}

/* A 32-bit syscall in a child: the filter kills the whole process for another ABI. */
static int i386_syscall(int open_secret) {
  char* low =
      mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  if (low == MAP_FAILED) return errno;
  snprintf(low, 4096, "%s", at("secret/secret.txt"));
  pid_t pid = fork();
  if (pid == 0) {
    long ret = open_secret ? int80(5 /* open */, (long)(uintptr_t)low, O_RDONLY, 0)
                           : int80(20 /* getpid */, 0, 0, 0);
    _exit(ret >= 0 ? 0 : (int)-ret);
  }
  int status = wait_child(pid);
  /* No IA32 emulation: int $0x80 is a general protection fault. */
  return status == 128 + SIGSEGV ? UNSUPPORTED : status;
}

static int x32_getpid(void) {
  pid_t pid = fork();
  if (pid == 0) {
    long ret = syscall(0x40000000 /* __X32_SYSCALL_BIT */ | SYS_getpid);
    _exit(ret >= 0 ? 0 : errno == ENOSYS ? UNSUPPORTED : errno);
  }
  return wait_child(pid);
}

static int unshare_user(void) { return err_or_ok(unshare(CLONE_NEWUSER)); }

static int clone_newns(void) {
  long pid = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, NULL, NULL, NULL, 0);
  if (pid == 0) _exit(0);
  return pid < 0 ? errno : wait_child((pid_t)pid);
}

static int clone3_newuser(void) {
  struct clone_args args;
  memset(&args, 0, sizeof(args));
  args.flags = CLONE_NEWUSER;
  args.exit_signal = SIGCHLD;
  long pid = syscall(SYS_clone3, &args, sizeof(args));
  if (pid == 0) _exit(0);
  return pid < 0 ? errno : wait_child((pid_t)pid);
}

static int setns_uts(void) {
  int fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  return err_or_ok(setns(fd, CLONE_NEWUTS));
}

static int pivot_root_attack(void) {
  int err = private_mounts();
  if (err) return err;
  /* Without a mount of its own here (refused, or no capability) pivot_root sees the call
   * and its filter verdict first; a real new root needs the tmpfs. */
  mount("cvlsm", at("rw/newroot"), "tmpfs", 0, NULL);
  if (mkdir(at("rw/newroot/old"), 0755) != 0 && errno != EEXIST && errno != ENOENT) return errno;
  return err_or_ok(syscall(SYS_pivot_root, at("rw/newroot"), at("rw/newroot/old")));
}

static int bpf_call(int cmd, union bpf_attr* attr) {
  return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int bpf_map_create(void) {
  /* Before 5.11 maps count against the user's RLIMIT_MEMLOCK, and pinned programs already
   * hold root's share: the control would fail for that (EPERM). Confined, raising the
   * limit fails (no CAP_SYS_RESOURCE), which changes nothing for the verdict. */
  struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
  (void)setrlimit(RLIMIT_MEMLOCK, &unlimited);
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.map_type = BPF_MAP_TYPE_ARRAY;
  attr.key_size = 4;
  attr.value_size = 4;
  attr.max_entries = 1;
  int fd = bpf_call(BPF_MAP_CREATE, &attr);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

/* The first step of every published detach/tamper attack: find the programs. */
static int bpf_prog_enumerate(void) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  if (bpf_call(BPF_PROG_GET_NEXT_ID, &attr) == 0 || errno == ENOENT) return 0;
  return errno;
}

static int perf_event(void) {
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.size = sizeof(attr);
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_CPU_CLOCK;
  attr.exclude_kernel = 1;
  int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

static int userfaultfd_attack(void) {
  int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
  if (fd < 0) return errno == ENOSYS ? UNSUPPORTED : errno;
  close(fd);
  return 0;
}

static int add_key_attack(void) {
  return err_or_ok(syscall(SYS_add_key, "user", "cvlsm-attack", "x", 1, -2 /* process */));
}

static int personality_rie(void) {
  int ret = personality(READ_IMPLIES_EXEC);
  return ret == -1 ? errno : 0;
}

static int socket_family(int family, int type) {
  int fd = socket(family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno == EAFNOSUPPORT ? UNSUPPORTED : errno;
  close(fd);
  return 0;
}

/* TIOCSTI with the upper 32 bits of cmd set: the kernel ignores them, a filter comparing
 * all 64 bits would not. Done on a pty that is the child's controlling terminal. */
static int tiocsti_upper_bits(void) {
  pid_t pid = fork();
  if (pid == 0) {
    if (setsid() < 0) _exit(errno);
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) _exit(errno);
    int tty = open(ptsname(master), O_RDWR);
    if (tty < 0) _exit(errno);
    char c = '#';
    _exit(syscall(SYS_ioctl, tty, 0xffffffff00005412ul /* TIOCSTI */, &c) == 0 ? 0 : errno);
  }
  return wait_child(pid);
}

static int ptrace_outside(void) {
  if (ptrace(PTRACE_ATTACH, victim, NULL, NULL) != 0) return errno;
  waitpid(victim, NULL, __WALL);
  ptrace(PTRACE_DETACH, victim, NULL, NULL);
  return 0;
}

/* SIGWINCH: delivered, but harmless to the victim (ignored by default). */
static int kill_outside(void) { return err_or_ok(kill(victim, SIGWINCH)); }

/* The process that launched this one: cv-lsm itself when confined (it forwards SIGWINCH). */
static int kill_launcher(void) { return err_or_ok(kill(getppid(), SIGWINCH)); }

/* Writes a byte of the program's own read-only text back through /proc/self/mem, which
 * writes through page protections (FOLL_FORCE): code injection past W^X. */
static int proc_self_mem_write(void) {
  int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
  if (fd < 0) return errno;
  unsigned char byte = *(volatile unsigned char*)(uintptr_t)&proc_self_mem_write;
  off_t where = (off_t)(uintptr_t)&proc_self_mem_write;
  if (pwrite(fd, &byte, 1, where) == 1) return 0;
  /* EIO: the kernel itself refuses to force writes into read-only memory (proc_mem.
   * force_override, the default of newer Debian kernels), whoever asks. */
  return errno == EIO ? UNSUPPORTED : errno;
}

static int proc_victim_mem(void) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/mem", (int)victim);
  return open_close(path, O_RDWR);
}

/* The cgroup2 mount point, from mountinfo (field 5 of the line whose type is cgroup2). */
static int cgroup2_root(char* out, size_t size) {
  FILE* mi = fopen("/proc/self/mountinfo", "r");
  if (!mi) return errno;
  char line[1024];
  int found = 0;
  while (!found && fgets(line, sizeof(line), mi)) {
    char mnt[512];
    const char* sep = strstr(line, " - cgroup2 ");
    if (sep && sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1) {
      snprintf(out, size, "%s", mnt);
      found = 1;
    }
  }
  fclose(mi);
  return found ? 0 : UNSUPPORTED;
}

/* Moves itself to the root cgroup, out of the enforced one. */
static int cgroup_escape(void) {
  char procs[600];
  int err = cgroup2_root(procs, sizeof(procs) - 16);
  if (err) return err;
  strcat(procs, "/cgroup.procs");
  int fd = open(procs, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  if (write(fd, "0", 1) != 1) return errno;
  close(fd);
  FILE* self = fopen("/proc/self/cgroup", "r");
  if (!self) return errno;
  char line[512];
  int at_root = 0;
  while (fgets(line, sizeof(line), self)) at_root |= strcmp(line, "0::/\n") == 0;
  fclose(self);
  return at_root ? 0 : UNCLEAR;
}

/* ---- the network: the listeners are the suite's (adversarial_test.cc), outside the
 * confinement: a TCP one on 127.0.0.1 whose port is in CVLSM_ADV_TCP_PORT, a unix daemon
 * socket at ROOT/secret/daemon.sock, an abstract one named cvlsm-adv-<VICTIM_PID>. */

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

static int listener_port(void) {
  const char* text = getenv("CVLSM_ADV_TCP_PORT");
  return text ? atoi(text) : 0;
}

/* connect(2) to the suite's TCP listener from a socket of `family` and `protocol`
 * (127.0.0.1, or ::ffff:127.0.0.1 from an IPv6 socket). */
static int connect_listener(int family, int protocol) {
  int port = listener_port();
  if (port <= 0) return UNCLEAR;
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, protocol);
  if (fd < 0) return errno == EPROTONOSUPPORT || errno == EAFNOSUPPORT ? UNSUPPORTED : errno;
  struct sockaddr_storage address;
  memset(&address, 0, sizeof(address));
  socklen_t length;
  if (family == AF_INET) {
    struct sockaddr_in* in4 = (struct sockaddr_in*)&address;
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof(*in4);
  } else {
    struct sockaddr_in6* in6 = (struct sockaddr_in6*)&address;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6->sin6_addr);
    length = sizeof(*in6);
  }
  int err = connect(fd, (struct sockaddr*)&address, length) ? errno : 0;
  close(fd);
  return err;
}

static int connect_outside_rules(void) { return connect_listener(AF_INET, 0); }
static int connect_v4_mapped(void) { return connect_listener(AF_INET6, 0); }
static int mptcp_bypass(void) { return connect_listener(AF_INET, IPPROTO_MPTCP); }

/* TCP Fast Open: sendto(MSG_FASTOPEN) connects and sends in one call, without connect(2). */
static int tcp_fastopen_outside(void) {
  int port = listener_port();
  if (port <= 0) return UNCLEAR;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ssize_t sent = sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr*)&address, sizeof(address));
  int err = sent < 0 ? errno : 0;
  close(fd);
  return err;
}

/* An unconnected UDP datagram to 127.0.0.1 (no listener needed: the send is the access). */
static int udp_sendto_outside(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(9)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ssize_t sent = sendto(fd, "x", 1, 0, (struct sockaddr*)&address, sizeof(address));
  int err = sent < 0 ? errno : 0;
  close(fd);
  return err;
}

/* listen() on a socket never bound: the kernel binds an ephemeral port on every address. */
static int listen_without_bind(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int err = listen(fd, 1) ? errno : 0;
  close(fd);
  return err;
}

static int unix_connect(const struct sockaddr_un* address, socklen_t length) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int err = connect(fd, (const struct sockaddr*)address, length) ? errno : 0;
  close(fd);
  return err;
}

/* A container runtime's socket outside the path rules (docker.sock, containerd.sock). */
static int unix_daemon_socket(void) {
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  snprintf(address.sun_path, sizeof(address.sun_path), "%s", at("secret/daemon.sock"));
  return unix_connect(&address, sizeof(address));
}

/* An abstract socket of the host (D-Bus, X11, systemd's private ones are of this kind). */
static int abstract_unix_outside(void) {
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  int length =
      snprintf(address.sun_path + 1, sizeof(address.sun_path) - 1, "cvlsm-adv-%d", (int)victim);
  return unix_connect(&address, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + length));
}

static int socket_packet(void) { return socket_family(AF_PACKET, SOCK_RAW); }

/* ---- acting on processes outside the confinement, past signals and ptrace */

/* The victim's own nice value set again: the call is the access (the hook sees every
 * setpriority), and the victim keeps its priority. */
static int renice_outside(void) {
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, (id_t)victim);
  if (nice == -1 && errno) return errno;
  return err_or_ok(setpriority(PRIO_PROCESS, (id_t)victim, nice));
}

static int affinity_outside(void) {
  cpu_set_t cpus;
  if (sched_getaffinity(victim, sizeof(cpus), &cpus) != 0) return errno;
  return err_or_ok(sched_setaffinity(victim, sizeof(cpus), &cpus));
}

/* Best effort, level 4: the kernel's default level, and a class no capability guards. */
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_BEST_EFFORT_4 ((2 << 13) | 4)
static int ioprio_outside(void) {
  return err_or_ok(syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, victim, IOPRIO_BEST_EFFORT_4));
}

/* The launcher's own core limit set again (RLIMIT_NOFILE 0 would be the real attack: it
 * stops the launcher from cleaning up). */
static int prlimit_launcher(void) {
  struct rlimit limit;
  if (prlimit(getppid(), RLIMIT_CORE, NULL, &limit) != 0) return errno;
  return err_or_ok(prlimit(getppid(), RLIMIT_CORE, &limit, NULL));
}

/* SIGIO by the kernel on the process's behalf: the victim owns a pipe's read end, and data
 * arriving sends it SIGWINCH (F_SETSIG) without any kill() call. The harness's witness
 * victim shows whether the signal arrived. */
static int sigio_to(int (*set_owner)(int fd)) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return errno;
  int err = set_owner(pipe_fds[0]);
  if (!err &&
      (fcntl(pipe_fds[0], F_SETSIG, SIGWINCH) != 0 ||
       fcntl(pipe_fds[0], F_SETFL, O_ASYNC | O_NONBLOCK) != 0 || write(pipe_fds[1], "x", 1) != 1))
    err = errno;
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  return err;
}

static int owner_victim(int fd) { return err_or_ok(fcntl(fd, F_SETOWN, victim)); }

static int owner_ex_victim(int fd) {
  struct f_owner_ex owner = {.type = F_OWNER_PID, .pid = victim};
  return err_or_ok(fcntl(fd, F_SETOWN_EX, &owner));
}

static int sigio_outside(void) { return sigio_to(owner_victim); }
static int sigio_owner_ex(void) { return sigio_to(owner_ex_victim); }

/* ---- a file's metadata and the descriptors it lends, past chmod and open modes */

/* A read lease on a read-only file: other processes' opens for writing then wait for it. */
static int lease_ro(void) {
  int fd = open(at("ro/file.txt"), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = err_or_ok(fcntl(fd, F_SETLEASE, F_RDLCK));
  if (err == EINVAL) err = UNSUPPORTED; /* a filesystem without leases */
  if (!err) fcntl(fd, F_SETLEASE, F_UNLCK);
  close(fd);
  return err;
}

/* linux/fs.h, which clashes with sys/mount.h in some C libraries. */
#define FS_IOC_GETFLAGS _IOR('f', 1, long)
#define FS_IOC_SETFLAGS _IOW('f', 2, long)
#define FS_NODUMP_FL 0x00000040

/* chattr through a read-only descriptor: the no-dump flag (harmless) toggled and restored;
 * +i or +a work the same way. On tmpfs (6.0+ has the flags). */
static int setflags_ro(void) {
  int fd = open(at("shm/secret.txt"), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int flags = 0;
  if (ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0) {
    close(fd);
    return UNSUPPORTED; /* this kernel's tmpfs has no file flags */
  }
  int changed = flags ^ FS_NODUMP_FL, now = flags;
  int err = err_or_ok(ioctl(fd, FS_IOC_SETFLAGS, &changed));
  if (!err && (ioctl(fd, FS_IOC_GETFLAGS, &now) != 0 || now != changed)) err = UNCLEAR;
  if (now != flags) ioctl(fd, FS_IOC_SETFLAGS, &flags);
  close(fd);
  return err;
}

/* A device opened read-only, then changed by ioctl: unlocking a new pseudo-terminal. */
static int device_ioctl_ro(void) {
  int fd = open("/dev/ptmx", O_RDONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return errno;
  int unlock = 0;
  int err = err_or_ok(ioctl(fd, TIOCSPTLCK, &unlock));
  close(fd);
  return err;
}

/* Access mode 3 (O_WRONLY|O_RDWR): neither read nor write, a descriptor for ioctls. */
static int open_mode3_secret(void) {
  return open_close(at("secret/secret.txt"), O_WRONLY | O_RDWR);
}

/* Replacing a file the rules keep from writing, by renaming another over it. */
static int replaced_data(int err) {
  char text[16] = {0};
  int fd = open(at("rw/data.txt"), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (read(fd, text, sizeof(text) - 1) < 0) text[0] = 0;
    close(fd);
  }
  return effect(err, strcmp(text, "replaced\n") == 0);
}

static int write_replacement(void) {
  int fd = open(at("rw/new.txt"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  int err = write(fd, "replaced\n", 9) == 9 ? 0 : errno;
  close(fd);
  return err;
}

static int rename_over_denied(void) {
  int err = write_replacement();
  if (err) return err;
  return replaced_data(err_or_ok(rename(at("rw/new.txt"), at("rw/data.txt"))));
}

static int exchange_denied(void) {
  int err = write_replacement();
  if (err) return err;
  err =
      err_or_ok(syscall(SYS_renameat2, AT_FDCWD, at("rw/new.txt"), AT_FDCWD, at("rw/data.txt"), 2));
  if (err == EINVAL) return UNSUPPORTED; /* a filesystem without RENAME_EXCHANGE */
  return replaced_data(err);
}

/* Shared anonymous memory made code: anonymous memory like a private mapping. */
static int shared_anon_exec(void) {
  unsigned char* map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) return errno;
  map[0] = 0xc3; /* ret (x86_64) */
  if (mprotect(map, 4096, PROT_READ | PROT_EXEC) != 0) return errno;
  ((void (*)(void))map)();
  return 0;
}

struct attack {
  const char* name;
  int (*run)(void);
};

static int i386_getpid(void) { return i386_syscall(0); }
static int i386_open(void) { return i386_syscall(1); }
static int socket_vsock(void) { return socket_family(AF_VSOCK, SOCK_STREAM); }
static int socket_alg(void) { return socket_family(AF_ALG, SOCK_SEQPACKET); }

static const struct attack attacks[] = {
    {"symlink-escape", symlink_escape},
    {"dotdot-escape", dotdot_escape},
    {"relative-after-chdir", relative_after_chdir},
    {"proc-root-alias", proc_root_alias},
    {"opath-reopen", opath_reopen},
    {"proc-fd-upgrade", proc_fd_upgrade},
    {"link-secret-in", link_secret_in},
    {"link-gains-write", link_gains_write},
    {"rename-secret-in", rename_secret_in},
    {"rename-gains-write", rename_gains_write},
    {"bind-mount-alias", bind_mount_alias},
    {"open-by-handle", open_by_handle},
    {"io-uring-openat", io_uring_openat},
    {"creat-in-ro", creat_in_ro},
    {"otrunc-ro", otrunc_ro},
    {"truncate-ro", truncate_ro},
    {"mkdir-in-ro", mkdir_in_ro},
    {"rmdir-in-ro", rmdir_in_ro},
    {"unlink-in-ro", unlink_in_ro},
    {"rename-in-ro", rename_in_ro},
    {"rename-out", rename_out},
    {"symlink-in-ro", symlink_in_ro},
    {"mkfifo-in-ro", mkfifo_in_ro},
    {"chmod-ro", chmod_ro},
    {"chown-ro", chown_ro},
    {"acl-ro", acl_ro},
    {"xattr-fd-ro", xattr_fd_ro},
    {"times-ro", times_ro},
    {"exec-no-x", exec_no_x},
    {"script-interpreter-no-x", script_interpreter_no_x},
    {"ldso-no-x", ldso_no_x},
    {"mmap-exec-no-x", mmap_exec_no_x},
    {"mprotect-exec-no-x", mprotect_exec_no_x},
    {"anon-exec-copy", anon_exec_copy},
    {"memfd-exec", memfd_exec},
    {"memfd-mmap-exec", memfd_mmap_exec},
    {"execveat-opath", execveat_opath},
    {"dlopen-no-x", dlopen_no_x},
    {"overwrite-binary", overwrite_binary},
    {"i386-getpid", i386_getpid},
    {"i386-open", i386_open},
    {"x32-getpid", x32_getpid},
    {"unshare-user", unshare_user},
    {"clone-newns", clone_newns},
    {"clone3-newuser", clone3_newuser},
    {"setns", setns_uts},
    {"pivot-root", pivot_root_attack},
    {"bpf-map-create", bpf_map_create},
    {"bpf-prog-enumerate", bpf_prog_enumerate},
    {"perf-event-open", perf_event},
    {"userfaultfd", userfaultfd_attack},
    {"add-key", add_key_attack},
    {"personality-read-implies-exec", personality_rie},
    {"socket-vsock", socket_vsock},
    {"socket-alg", socket_alg},
    {"tiocsti-upper-bits", tiocsti_upper_bits},
    {"ptrace-outside", ptrace_outside},
    {"kill-outside", kill_outside},
    {"kill-launcher", kill_launcher},
    {"proc-self-mem-write", proc_self_mem_write},
    {"proc-self-mem-write-granted", proc_self_mem_write},
    {"proc-victim-mem", proc_victim_mem},
    {"cgroup-escape", cgroup_escape},
    {"cgroup-escape-granted", cgroup_escape},
    {"unix-daemon-socket", unix_daemon_socket},
    {"abstract-unix-outside", abstract_unix_outside},
    {"connect-outside-rules", connect_outside_rules},
    {"connect-v4-mapped", connect_v4_mapped},
    {"udp-sendto-outside", udp_sendto_outside},
    {"tcp-fastopen-outside", tcp_fastopen_outside},
    {"mptcp-bypass", mptcp_bypass},
    {"listen-without-bind", listen_without_bind},
    {"socket-packet", socket_packet},
    {"renice-outside", renice_outside},
    {"affinity-outside", affinity_outside},
    {"ioprio-outside", ioprio_outside},
    {"prlimit-launcher", prlimit_launcher},
    {"sigio-outside", sigio_outside},
    {"sigio-owner-ex", sigio_owner_ex},
    {"lease-ro", lease_ro},
    {"setflags-ro", setflags_ro},
    {"device-ioctl-ro", device_ioctl_ro},
    {"open-mode3-secret", open_mode3_secret},
    {"rename-over-denied", rename_over_denied},
    {"exchange-denied", exchange_denied},
    {"shared-anon-exec", shared_anon_exec},
};

/* The witness victim: a process outside the confinement holding no capability (another
 * container's, a user's: the capability LSM already shields any process holding ones the
 * attacker lacks), with every signal blocked, so one sent to it stays pending. */
static _Noreturn void witness(void) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct none[2] = {{0}};
  if (syscall(SYS_capset, &header, none) != 0) _exit(3);
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, NULL);
  for (;;) pause();
}

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "--witness") == 0) witness();
  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) puts(attacks[i].name);
    return 0;
  }
  if (argc != 4) {
    fprintf(stderr, "usage: cvlsm_attack SCENARIO ROOT VICTIM_PID | --list\n");
    return 254;
  }
  root = argv[2];
  victim = (pid_t)atoi(argv[3]);
  for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
    if (strcmp(argv[1], attacks[i].name) != 0) continue;
    int verdict = attacks[i].run();
    if (verdict == 0)
      printf("%s: succeeded\n", argv[1]);
    else
      printf("%s: stopped (%d %s)\n", argv[1], verdict, verdict < 128 ? strerror(verdict) : "");
    fflush(stdout);
    return verdict > 255 ? UNCLEAR : verdict;
  }
  fprintf(stderr, "cvlsm_attack: unknown scenario %s\n", argv[1]);
  return 254;
}
