/*
 * access_probe: performs one access from inside a confined process and reports the verdict
 * the kernel gave the caller, as its exit status (0 = allowed, otherwise the errno, e.g.
 * 13 EACCES, 1 EPERM) and one line on stdout. Tests run it under `cv-lsm run`.
 *
 *   access_probe open PATH r|w|rw [trunc|creat]
 *   access_probe exec PATH [ARG...]
 *   access_probe socket                 an AF_INET stream socket
 *   access_probe socket-thread          the same from a second thread
 *   access_probe socket-child           the same from a forked child (its status is the exit)
 *   access_probe seccomp-listeners      the number of seccomp listener fds it holds
 *   access_probe signal PID|self        kill(PID, 0): may the process signal PID at all
 *   access_probe confinement            0 when no capability is left and no_new_privs is set
 *   access_probe touch PATH             utimensat(PATH, now): set its times, as touch does
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int report(const char* what, int err) {
  if (err == 0)
    printf("%s: allowed\n", what);
  else
    printf("%s: %s (errno %d)\n", what, strerror(err), err);
  fflush(stdout);
  return err > 255 ? 255 : err;
}

static int probe_open(const char* path, const char* mode, const char* extra) {
  int flags = O_CLOEXEC;
  if (strcmp(mode, "r") == 0)
    flags |= O_RDONLY;
  else if (strcmp(mode, "w") == 0)
    flags |= O_WRONLY;
  else if (strcmp(mode, "rw") == 0)
    flags |= O_RDWR;
  else
    return fprintf(stderr, "access_probe: bad open mode %s\n", mode), 254;
  if (extra && strcmp(extra, "trunc") == 0) flags |= O_TRUNC;
  if (extra && strcmp(extra, "creat") == 0) flags |= O_CREAT;
  int fd = open(path, flags, 0644);
  int err = fd < 0 ? errno : 0;
  if (fd >= 0) close(fd);
  return report("open", err);
}

/* Reads /proc/self/status: every capability set empty and NoNewPrivs set. */
static int probe_confinement(void) {
  FILE* status = fopen("/proc/self/status", "r");
  if (!status) return report("read /proc/self/status", errno);
  char line[256];
  int confined = 1, seen = 0;
  while (fgets(line, sizeof(line), status)) {
    unsigned long long value;
    if (sscanf(line, "CapInh: %llx", &value) == 1 || sscanf(line, "CapPrm: %llx", &value) == 1 ||
        sscanf(line, "CapEff: %llx", &value) == 1 || sscanf(line, "CapBnd: %llx", &value) == 1 ||
        sscanf(line, "CapAmb: %llx", &value) == 1) {
      seen++;
      if (value != 0) confined = 0;
      fputs(line, stdout);
    } else if (sscanf(line, "NoNewPrivs: %llu", &value) == 1) {
      seen++;
      if (value != 1) confined = 0;
      fputs(line, stdout);
    }
  }
  fclose(status);
  return confined && seen == 6 ? 0 : 200;
}

static int socket_errno(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int err = fd < 0 ? errno : 0;
  if (fd >= 0) close(fd);
  return err;
}

static void* socket_thread(void* result) {
  *(int*)result = socket_errno();
  return NULL;
}

static int probe_socket_elsewhere(int in_thread) {
  int err = 0;
  if (in_thread) {
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, socket_thread, &err);
    if (rc != 0) return report("pthread_create", rc);
    pthread_join(thread, NULL);
    return report("socket in a thread", err);
  }
  pid_t pid = fork();
  if (pid < 0) return report("fork", errno);
  if (pid == 0) _exit(socket_errno());
  int status;
  if (waitpid(pid, &status, 0) != pid) return report("waitpid", errno);
  err = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
  return report("socket in a child", err);
}

/* Seccomp listeners show as "anon_inode:seccomp notify" in /proc/self/fd. */
static int probe_seccomp_listeners(void) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return report("open /proc/self/fd", errno);
  int count = 0;
  struct dirent* entry;
  while ((entry = readdir(dir)) != NULL) {
    char path[300], target[256];
    snprintf(path, sizeof(path), "/proc/self/fd/%s", entry->d_name);
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    if (n < 0) continue;
    target[n] = 0;
    if (strstr(target, "seccomp")) count++;
  }
  closedir(dir);
  printf("seccomp listeners: %d\n", count);
  return count;
}

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "socket") == 0) return report("socket", socket_errno());
  if (argc == 2 && strcmp(argv[1], "socket-thread") == 0) return probe_socket_elsewhere(1);
  if (argc == 2 && strcmp(argv[1], "socket-child") == 0) return probe_socket_elsewhere(0);
  if (argc == 2 && strcmp(argv[1], "seccomp-listeners") == 0) return probe_seccomp_listeners();
  if (argc == 2 && strcmp(argv[1], "confinement") == 0) return probe_confinement();
  if (argc == 3 && strcmp(argv[1], "signal") == 0) {
    /* Signal 0 goes through the same permission checks (and LSM hooks) as a real one. */
    pid_t pid = strcmp(argv[2], "self") == 0 ? getpid() : (pid_t)strtol(argv[2], NULL, 10);
    return report("signal", kill(pid, 0) == 0 ? 0 : errno);
  }
  if (argc == 3 && strcmp(argv[1], "touch") == 0)
    return report("touch", utimensat(AT_FDCWD, argv[2], NULL, 0) == 0 ? 0 : errno);
  if (argc >= 4 && strcmp(argv[1], "open") == 0)
    return probe_open(argv[2], argv[3], argc > 4 ? argv[4] : NULL);
  if (argc >= 3 && strcmp(argv[1], "exec") == 0) {
    execv(argv[2], &argv[2]);
    return report("exec", errno);
  }
  fprintf(stderr,
          "usage: access_probe open PATH r|w|rw [trunc|creat] | exec PATH [ARG...] | "
          "socket | socket-thread | socket-child | seccomp-listeners | signal PID|self | "
          "confinement | touch PATH\n");
  return 254;
}
