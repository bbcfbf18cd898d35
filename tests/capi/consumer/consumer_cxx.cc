// The C headers from C++: extern "C" linkage, no C-only constructs.
#include <chef/containerv.h>
#include <chef/containerv/policy.h>

#include <memory>

int main() {
  std::unique_ptr<containerv_policy, decltype(&containerv_policy_delete)> policy(
      containerv_policy_new(CV_POLICY_CUSTOM), &containerv_policy_delete);
  return policy && containerv_policy_add_syscall(policy.get(), "read") == 0 ? 0 : 1;
}
