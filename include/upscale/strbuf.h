/* Growable strings: text of any length built by appending (the command line recorded in
 * output files, whatever the number and length of the arguments). */
#ifndef UPSCALE_STRBUF_H
#define UPSCALE_STRBUF_H

#include <stddef.h>

#include "upscale/error.h"

typedef struct {
    char *text; /* NUL-terminated; NULL until the first append */
    size_t len, cap;
} upscale_strbuf;

/* Append text (the buffer doubles as needed); UPSCALE_ERR_MEMORY if it cannot grow. */
upscale_err upscale_strbuf_append(upscale_strbuf *b, const char *text);
/* Free the text and reset the buffer to empty. */
void upscale_strbuf_destroy(upscale_strbuf *b);

/* Append one note to the fixed buffer buf of size bytes, "; " between notes; what does not fit
 * is cut (the runs' notes: limits, skipped steps). */
void upscale_strbuf_note(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* *out = argv[0] .. argv[argc-1], each followed by one space (malloc'd; the caller frees). */
upscale_err upscale_strbuf_join_args(int argc, char *const *argv, char **out);

#endif
