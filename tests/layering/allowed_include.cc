// Compiled as a file of the policy layer: an include of a layer below it (common/) and of
// its own folder compiles, the control for reversed_include.cc.
#include "common/errors.h"
#include "policy/policy.h"
