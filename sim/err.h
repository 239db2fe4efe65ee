/* sim/err.h — errors are return codes with a message the caller can show.
 *
 * A function that can fail returns 0 on success or a negative SIM_E* code,
 * and, when given a non-NULL sim_err, writes a one-line message into it.
 * The message names what was wrong (and where, for input), never a pointer. */
#ifndef LINKRIG_SIM_ERR_H
#define LINKRIG_SIM_ERR_H

#include <stddef.h>

enum {
    SIM_OK = 0,
    SIM_EINVAL = -1,  /* bad argument or bad input */
    SIM_ENOMEM = -2,
    SIM_EIO = -3,     /* a file or socket operation failed */
    SIM_ESTATE = -4,  /* call not allowed in the current state */
    SIM_ELIMIT = -5,  /* a documented limit was exceeded */
};

typedef struct sim_err {
    int code;
    char msg[512];
} sim_err;

/* Records code and a printf-style message in e (if e is not NULL); returns code. */
int sim_err_set(sim_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

const char *sim_strerror(int code);

#endif
