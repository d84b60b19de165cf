/* Growable strings: a joined command line keeps every argument whole at any length (the
 * 8 KB fixed buffers it replaced overflowed), appends grow the buffer, destroy resets it. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "upscale/strbuf.h"

int main(void)
{
    /* 40 arguments of 1 KB and one of 100 KB: "a0 a1 ... " with one space after each */
    enum { N = 42 };
    char *argv[N];
    size_t want = 0;
    for (int i = 0; i < N; i++) {
        size_t len = i == N - 1 ? 100000 : (i == 0 ? 7 : 1000);
        argv[i] = malloc(len + 1);
        if (!argv[i]) return 1;
        memset(argv[i], 'a' + i % 26, len);
        argv[i][len] = '\0';
        want += len + 1;
    }
    char *line = NULL;
    CHECK_OK(upscale_strbuf_join_args(N, argv, &line));
    int whole = line && strlen(line) == want;
    size_t at = 0;
    for (int i = 0; whole && i < N; i++) {
        size_t len = strlen(argv[i]);
        whole = !strncmp(line + at, argv[i], len) && line[at + len] == ' ';
        at += len + 1;
    }
    CHECK(whole, "42 arguments (141 KB) joined whole, one space after each (%zu of %zu chars)",
          line ? strlen(line) : 0, want);
    free(line);
    for (int i = 0; i < N; i++)
        free(argv[i]);

    CHECK_OK(upscale_strbuf_join_args(0, NULL, &line));
    CHECK(line && !strcmp(line, ""), "no arguments: an empty string");
    free(line);

    upscale_strbuf b = {0};
    CHECK_OK(upscale_strbuf_append(&b, "abc"));
    for (int i = 0; i < 1000; i++)
        upscale_strbuf_append(&b, "0123456789");
    CHECK(b.len == 10003 && strlen(b.text) == 10003 && b.cap > b.len && !strncmp(b.text, "abc0", 4),
          "1001 appends: length %zu, capacity %zu", b.len, b.cap);
    upscale_strbuf_destroy(&b);
    CHECK(!b.text && b.len == 0 && b.cap == 0, "destroy resets the buffer");
    return CHECK_DONE();
}
