/* Runs inside a container with its own root filesystem (statically linked: the rootfs has
 * no libraries). Exit 0 when it sees the rootfs's marker and not the host's tree, and is not
 * PID 1 of its namespace but a low pid in it. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  if (access("/rootfs-marker", F_OK) != 0) return 10;
  if (access("/usr/bin", F_OK) == 0) return 11; /* the host's tree is visible */
  pid_t pid = getpid();
  if (pid <= 1 || pid > 100) return 12;
  return 0;
}
