/* arch/cc.h — lwIP's compiler/platform port for the rig's board.
 *
 * lwIP runs with NO_SYS=1 on the device's single cooperative context. Its
 * asserts stop the run with file:line instead of aborting the process; its
 * debug output goes to the trace; LWIP_RAND draws from the device's random
 * stream so runs stay deterministic. */
#ifndef LINKRIG_ARCH_CC_H
#define LINKRIG_ARCH_CC_H

#include <stdint.h>
#include <stdlib.h>

#include "hal.h"

#define LWIP_TIMEVAL_PRIVATE 0

/* SYS_LIGHTWEIGHT_PROT is on unless a firmware's lwipopts.h turns it off (as
 * on a Pico W, whose lwipopts keep the default): the board has one
 * cooperative context, so the protection lwip_port.c gives is empty. */
typedef uint32_t sys_prot_t;
#define LWIP_ERRNO_STDINCLUDE 1

/* Named per lwIP's port convention, so it keeps lwIP's spelling. */
_Noreturn void lwip_port_assert(const char *msg, const char *file, int line);
void lwip_port_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define LWIP_PLATFORM_ASSERT(x) lwip_port_assert((x), __FILE__, __LINE__)
#define LWIP_PLATFORM_DIAG(x) do { lwip_port_diag x; } while (0)
#ifndef LWIP_RAND
#define LWIP_RAND() ((u32_t)hal_random_u32())
#endif

#endif
