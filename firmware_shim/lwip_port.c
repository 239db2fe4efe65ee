/* lwIP's NO_SYS port on the board: sys_now() is virtual milliseconds, and
 * timeouts run from scheduler events placed exactly at lwIP's next deadline
 * (no periodic polling, so an idle device costs no events). */
#include "firmware_shim/lwip_port.h"

#include "firmware_shim/board.h"
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"

#if !NO_SYS
#error "linkrig's board runs lwIP with NO_SYS=1: set it in the firmware's lwipopts.h"
#endif
#if !LWIP_TIMERS || LWIP_TIMERS_CUSTOM
#error "linkrig's board drives lwIP's own timeout list: LWIP_TIMERS=1, LWIP_TIMERS_CUSTOM=0"
#endif

u32_t sys_now(void)
{
    board *b = board_current();
    /* lwIP compares times modulo 2^32 (TIME_LESS_THAN), so truncation is
     * what it expects after 49.7 days. */
    return b ? (u32_t)(sim_now(board_sim(b)) / 1000000) : 0;
}

bool lwip_port_next_deadline(int64_t now_ms, int64_t *due_ms)
{
    u32_t sleep = sys_timeouts_sleeptime();
    if (sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
        return false;
    *due_ms = now_ms + (int64_t)sleep;
    return true;
}

void lwip_port_run_timers(void *unused)
{
    (void)unused;
    sys_check_timeouts();
}
