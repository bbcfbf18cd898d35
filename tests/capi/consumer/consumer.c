/* Smallest runtime: a Minimal container runs /bin/true and is destroyed. Strict C11. */
#include <chef/containerv.h>
#include <stdio.h>

int main(void) {
  struct containerv_policy* policy = containerv_policy_new(CV_POLICY_MINIMAL);
  struct containerv_options* options = containerv_options_new();
  struct containerv_container* container = NULL;
  struct containerv_spawn_options spawn = {NULL, NULL, NULL, CV_SPAWN_WAIT};
  process_handle_t pid = 0;
  int code = -1;
  if (!policy || !options) return 2;
  containerv_options_set_policy(options, policy);
  containerv_policy_delete(policy);
  if (containerv_create("consumer", options, &container) != 0) {
    fprintf(stderr, "create: %s\n", cvlsm_last_error());
    return 3;
  }
  containerv_options_delete(options);
  if (containerv_spawn(container, "/bin/true", &spawn, &pid) != 0 ||
      containerv_wait(container, pid, &code) != 0) {
    fprintf(stderr, "spawn: %s\n", cvlsm_last_error());
    containerv_destroy(container);
    return 4;
  }
  if (containerv_destroy(container) != 0) return 5;
  printf("consumer: /bin/true exited with %d\n", code);
  return code;
}
