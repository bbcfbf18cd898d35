/*
 * The containerv policy design's usage example, completed into a program: a Build policy
 * with a workspace and /tmp, a container allowed to manage files and processes, and make
 * run inside it.
 *
 *   container-policy-example [WORKSPACE]     (default /workspace; needs root)
 *
 * A workspace without a Makefile gets a trivial one, so the example runs anywhere.
 * Build against an installed cv-lsm:
 *   cc container-policy-example.c $(pkg-config --cflags --libs cvlsm)
 */
#include <chef/containerv.h>
#include <chef/containerv/policy.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int fail(const char* what) {
  fprintf(stderr, "%s: %s (%s)\n", what, strerror(errno), cvlsm_last_error());
  return 1;
}

/* The workspace, created with a Makefile that builds one file when it has none. */
static int prepare_workspace(const char* workspace) {
  char makefile[4096];
  struct stat st;
  if (mkdir(workspace, 0755) != 0 && errno != EEXIST) return -1;
  snprintf(makefile, sizeof(makefile), "%s/Makefile", workspace);
  if (stat(makefile, &st) == 0) return 0;
  FILE* out = fopen(makefile, "w");
  if (!out) return -1;
  fprintf(out, "hello.txt:\n\techo 'built inside a cv-lsm container' > $@\n");
  return fclose(out);
}

int main(int argc, char** argv) {
  const char* workspace = argc > 1 ? argv[1] : "/workspace";
  struct containerv_policy* policy;
  struct containerv_options* options;
  struct containerv_container* container;
  process_handle_t pid;
  int exit_code = -1;
  char arguments[4200];

  if (prepare_workspace(workspace) != 0) return fail("prepare the workspace");

  /* Create a build policy. */
  policy = containerv_policy_new(CV_POLICY_BUILD);
  if (!policy) return fail("containerv_policy_new");

  /* Add custom paths for the build workspace. */
  const char* const paths[] = {workspace, "/tmp", NULL};
  if (containerv_policy_add_paths(policy, paths, CV_FS_ALL) != 0) {
    containerv_policy_delete(policy);
    return fail("containerv_policy_add_paths");
  }

  /* Create the container options with the policy. */
  options = containerv_options_new();
  if (!options) {
    containerv_policy_delete(policy);
    return fail("containerv_options_new");
  }
  containerv_options_set_caps(options, CV_CAP_FILESYSTEM | CV_CAP_PROCESS_CONTROL);
  containerv_options_set_policy(options, policy);
  /* The options hold their own reference: the policy handle is no longer needed. */
  containerv_policy_delete(policy);

  /* Create the container. */
  if (containerv_create("build-001", options, &container) != 0) {
    containerv_options_delete(options);
    return fail("containerv_create");
  }
  containerv_options_delete(options);

  /* Run the build; processes start in the container's root directory. */
  snprintf(arguments, sizeof(arguments), "-C '%s'", workspace);
  struct containerv_spawn_options spawn_options = {
      .arguments = arguments,
      .environment = NULL,
      .as_user = NULL,
      .flags = CV_SPAWN_WAIT,
  };
  if (containerv_spawn(container, "/usr/bin/make", &spawn_options, &pid) != 0) {
    int err = errno;
    containerv_destroy(container);
    errno = err;
    return fail("containerv_spawn");
  }
  if (containerv_wait(container, pid, &exit_code) != 0) {
    int err = errno;
    containerv_destroy(container);
    errno = err;
    return fail("containerv_wait");
  }
  printf("make in container %s exited with %d\n", containerv_id(container), exit_code);

  /* Cleanup: whatever is left in the container is killed. */
  if (containerv_destroy(container) != 0) return fail("containerv_destroy");
  return exit_code == 0 ? 0 : 1;
}
