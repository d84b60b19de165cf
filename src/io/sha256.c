/* SHA-256 of buffers and files through Nettle (include/upscale/sha256.h). */
#include "upscale/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void upscale_sha256_init(upscale_sha256 *c)
{
    sha256_init(&c->ctx);
    c->bytes = 0;
}

void upscale_sha256_update(upscale_sha256 *c, const void *data, size_t n)
{
    sha256_update(&c->ctx, n, data);
    c->bytes += n;
}

void upscale_sha256_final(upscale_sha256 *c, char hex[65])
{
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&c->ctx, sizeof(d), d);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned)d[i]);
}

upscale_err upscale_sha256_file(const char *path, char hex[65], long long *bytes)
{
    FILE *f = fopen(path, "rb");
    UPSCALE_CHECK(f, UPSCALE_ERR_IO, "%s: cannot open (%s)", path, strerror(errno));
    upscale_sha256 c;
    upscale_sha256_init(&c);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        upscale_sha256_update(&c, buf, n);
    int bad = ferror(f);
    fclose(f);
    UPSCALE_CHECK(!bad, UPSCALE_ERR_IO, "%s: read error", path);
    *bytes = (long long)c.bytes;
    upscale_sha256_final(&c, hex);
    return UPSCALE_OK;
}
