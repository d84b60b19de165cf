/* Growable strings (include/upscale/strbuf.h). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "upscale/strbuf.h"

upscale_err upscale_strbuf_append(upscale_strbuf *b, const char *text)
{
    size_t n = strlen(text);
    UPSCALE_CHECK(n < SIZE_MAX / 2 - b->len, UPSCALE_ERR_MEMORY, "out of memory");
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *t = realloc(b->text, cap);
        UPSCALE_ALLOC_CHECK(t);
        b->text = t;
        b->cap = cap;
    }
    memcpy(b->text + b->len, text, n + 1);
    b->len += n;
    return UPSCALE_OK;
}

void upscale_strbuf_destroy(upscale_strbuf *b)
{
    free(b->text);
    memset(b, 0, sizeof(*b));
}

upscale_err upscale_strbuf_join_args(int argc, char *const *argv, char **out)
{
    upscale_strbuf b = {0};
    upscale_err e = upscale_strbuf_append(&b, "");
    for (int i = 0; i < argc && !e; i++) {
        e = upscale_strbuf_append(&b, argv[i]);
        if (!e) e = upscale_strbuf_append(&b, " ");
    }
    if (e) {
        upscale_strbuf_destroy(&b);
        *out = NULL;
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *out = b.text;
    return UPSCALE_OK;
}

void upscale_strbuf_note(char *buf, size_t size, const char *fmt, ...)
{
    size_t n = strlen(buf);
    if (n + 3 >= size) return;
    if (n) n += (size_t)snprintf(buf + n, size - n, "; ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, size - n, fmt, ap);
    va_end(ap);
}
