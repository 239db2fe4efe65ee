/* lwIP's NO_SYS port inside an image: sys_now() is the device's virtual
 * milliseconds, asserts and diagnostics go to the rig, and the rig runs
 * lwIP's timeouts from scheduler events placed exactly at lwIP's next
 * deadline (no periodic polling, so an idle device costs no events). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "image_glue.h"
#include "lwip/init.h"
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"

#if !NO_SYS
#error "linkrig's board runs lwIP with NO_SYS=1: set it in the firmware's lwipopts.h"
#endif
#if !LWIP_TIMERS || LWIP_TIMERS_CUSTOM
#error "linkrig's board drives lwIP's own timeout list: LWIP_TIMERS=1, LWIP_TIMERS_CUSTOM=0"
#endif

#define STR2(x) #x
#define STR(x) STR2(x)
const char lwip_port_version[] = STR(LWIP_VERSION_MAJOR) "." STR(LWIP_VERSION_MINOR) "." STR(LWIP_VERSION_REVISION);

u32_t sys_now(void)
{
    const linkrig_board_ops *o = image_glue_ops();
    /* lwIP compares times modulo 2^32 (TIME_LESS_THAN), so truncation is
     * what it expects after 49.7 days. */
    return o ? (u32_t)(o->now_ns(o->b) / 1000000) : 0;
}

bool lwip_port_next_deadline(int64_t now_ms, int64_t *due_ms)
{
    u32_t sleep = sys_timeouts_sleeptime();
    if (sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
        return false;
    *due_ms = now_ms + (int64_t)sleep;
    return true;
}

#if SYS_LIGHTWEIGHT_PROT
/* Nothing preempts lwIP on the board: tasks switch only where they block,
 * and callbacks run at those points, never inside lwIP. */
sys_prot_t sys_arch_protect(void)
{
    return 0;
}

void sys_arch_unprotect(sys_prot_t pval)
{
    (void)pval;
}
#endif

/* An SDK layer that must know when lwIP's timers ran defines this
 * (firmware_shim/sdk/pico_w: on a Pico those timers are a worker of the
 * async context, so a wait for work ends when they ran). Weak: NULL in
 * images without one. */
extern void lwip_port_timers_ran(void) __attribute__((weak));

void lwip_port_run_timers(void)
{
    sys_check_timeouts();
    if (lwip_port_timers_ran)
        lwip_port_timers_ran();
}

_Noreturn void lwip_port_assert(const char *msg, const char *file, int line)
{
    /* Report lwIP's own path (from its "src/" on) so the message does not
     * depend on where the source was unpacked. */
    const char *p = strstr(file, "/src/");
    const char *shown = p ? p + 1 : file;
    char full[640];
    snprintf(full, sizeof full, "lwIP assertion \"%s\" failed at %s:%d", msg, shown, line);
    hal_panic("%s", full);
}

void lwip_port_diag(const char *fmt, ...)
{
    const linkrig_board_ops *o = image_glue_ops();
    if (o == NULL)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    o->diag(o->b, msg);
}
