/* firmware_shim/fcontext.h - the C-callable context switch of Boost.Context
 * (libboost_context; boost/context/detail/fcontext.hpp declares the same
 * three functions extern "C", but that header is C++).
 *
 * A context is the stack pointer of a suspended fiber. jump_fcontext saves
 * the caller's registers on its own stack, switches to `to`, and hands the
 * resumed side a transfer: the caller's now-suspended context and `data`.
 * make_fcontext prepares a stack (sp is its top, size its length) so that
 * the first jump to it calls fn with that transfer; fn must never return.
 * No system call and no signal mask: a switch costs a few nanoseconds, where
 * glibc's swapcontext makes an rt_sigprocmask call every time. */
#ifndef LINKRIG_FCONTEXT_H
#define LINKRIG_FCONTEXT_H

#include <stddef.h>

typedef void *fcontext_t;

typedef struct fcontext_transfer {
    fcontext_t fctx;
    void *data;
} fcontext_transfer;

fcontext_transfer jump_fcontext(fcontext_t const to, void *data);
fcontext_t make_fcontext(void *sp, size_t size, void (*fn)(fcontext_transfer));

#endif
