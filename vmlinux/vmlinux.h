/* Picks the committed vmlinux.h of the architecture the BPF object is built for. */
#if defined(__TARGET_ARCH_x86)
#include "x86/vmlinux.h"
#else
#error "no committed vmlinux.h for this architecture: see vmlinux/README.md"
#endif
