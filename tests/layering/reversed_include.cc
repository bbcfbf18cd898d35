// Compiled as a file of the policy layer, which sits below runtime/: this include runs the
// wrong way and must not compile (check-layering.sh).
#include "runtime/confined_process.h"
