/* Picks the committed vmlinux.h of the architecture the BPF object is built for. */
#if defined(__TARGET_ARCH_x86)
#include "x86/vmlinux.h"
#elif defined(__TARGET_ARCH_arm64)
#include "arm64/vmlinux.h"
#else
#error "no committed vmlinux.h for this architecture: see vmlinux/README.md"
#endif
