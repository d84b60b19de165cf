/* Error handling: one error type, one macro to propagate, one to check.
 *
 * Every fallible function returns an upscale_err.  UPSCALE_CALL(expr) propagates a
 * failure and records file:line:function in a short traceback; UPSCALE_CHECK(cond,
 * code, fmt, ...) sets the message of a new error.  The first message set is the one
 * reported; the traceback says how it travelled.  Each dependency's own convention
 * (SUNDIALS flags, HDF5's error stack, GSL's abort-by-default handler) is translated
 * in exactly one place: upscale_error_sundials() here, the HDF5 and GSL hooks in
 * src/io/error.c. */
#ifndef UPSCALE_ERROR_H
#define UPSCALE_ERROR_H

#include <stdio.h>

typedef enum {
    UPSCALE_OK = 0,
    UPSCALE_ERR_INPUT = 2,       /* bad user input: exit status 2, nothing written */
    UPSCALE_ERR_SOLVER = 3,      /* the integrator gave up: partial results are kept */
    UPSCALE_ERR_IO = 4,          /* a file could not be read or written */
    UPSCALE_ERR_MEMORY = 5,      /* allocation failed */
    UPSCALE_ERR_INTERNAL = 6,    /* a bug: an invariant did not hold */
    UPSCALE_ERR_INTERRUPTED = 7, /* SIGINT or SIGTERM: partial results are kept */
} upscale_err;

/* Record a new error (clears any earlier message); returns code. */
upscale_err upscale_error_set(upscale_err code, const char *file, int line, const char *func,
                              const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Append one traceback frame to the current error; returns code. */
upscale_err upscale_error_trace(upscale_err code, const char *file, int line, const char *func);
/* The message of the current error ("" if none). */
const char *upscale_error_message(void);
upscale_err upscale_error_code(void);
/* Print "upscale: <message>" and, if verbose, the traceback. */
void upscale_error_print(FILE *out, int verbose);
void upscale_error_clear(void);

/* Translate a SUNDIALS return flag of function `what` (IDA or SUNLinSol/SUNMatrix). */
upscale_err upscale_error_sundials(int flag, const char *what, const char *file, int line,
                                   const char *func);
/* Install the GSL handler (records instead of abort()) and silence HDF5's printing.
 * Idempotent; called by every module that may touch GSL or HDF5. */
void upscale_error_install_handlers(void);

#define UPSCALE_CALL(expr)                                                                         \
    do {                                                                                           \
        upscale_err upscale_e_ = (expr);                                                           \
        if (upscale_e_ != UPSCALE_OK)                                                              \
            return upscale_error_trace(upscale_e_, __FILE__, __LINE__, __func__);                  \
    } while (0)

#define UPSCALE_CHECK(cond, code, ...)                                                             \
    do {                                                                                           \
        if (!(cond)) return upscale_error_set((code), __FILE__, __LINE__, __func__, __VA_ARGS__);  \
    } while (0)

/* Wrap a SUNDIALS call: negative flags become errors, others pass. */
#define UPSCALE_SUNCALL(expr, what)                                                                \
    do {                                                                                           \
        int upscale_f_ = (expr);                                                                   \
        if (upscale_f_ < 0)                                                                        \
            return upscale_error_sundials(upscale_f_, (what), __FILE__, __LINE__, __func__);       \
    } while (0)

#define UPSCALE_ALLOC_CHECK(ptr) UPSCALE_CHECK(!!(ptr), UPSCALE_ERR_MEMORY, "out of memory")

#endif
