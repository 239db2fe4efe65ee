#include "sim/err.h"

#include <stdarg.h>
#include <stdio.h>

int sim_err_set(sim_err *e, int code, const char *fmt, ...)
{
    if (e != NULL) {
        va_list ap;
        va_start(ap, fmt);
        e->code = code;
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *sim_strerror(int code)
{
    switch (code) {
    case SIM_OK: return "ok";
    case SIM_EINVAL: return "invalid argument";
    case SIM_ENOMEM: return "out of memory";
    case SIM_EIO: return "I/O error";
    case SIM_ESTATE: return "not allowed in this state";
    case SIM_ELIMIT: return "limit exceeded";
    default: return "unknown error";
    }
}
