/* Inside the Pico W layer (not for programs): what its source files share. */
#ifndef LINKRIG_PICO_RIG_INTERNAL_H
#define LINKRIG_PICO_RIG_INTERNAL_H

#include "pico/async_context.h"

/* Wakes a wait on cyw43_arch's async context: what the chip's interrupt
 * does on a Pico W. Safe from callbacks. */
void pico_rig_wake_arch(void);
/* Wakes a wait on ctx when it is a poll context of this layer. */
void pico_rig_async_wake(async_context_t *ctx);

#endif
