/* spin — a test firmware whose only task never blocks.
 *
 * app_main calls nothing at all (no HAL, no chip), so virtual time stays
 * frozen while it runs: only the board's wall-clock watchdog can stop it.
 * The counter is volatile so that the compiler cannot prove the loop empty
 * and drop it (an infinite loop without side effects may be removed in C11). */
#include "hal.h"

static volatile unsigned long spins;

int app_main(void)
{
    for (;;)
        spins++;
    return 0;
}
