/* SHA-256 (FIPS 180-4) of files and buffers, for the provenance of imported data: the
 * bridge's material writer records the checksum of every input it read.  A thin layer over
 * Nettle's sha256 (Debian nettle-dev), so the rest of the code sees one upscale module. */
#ifndef UPSCALE_SHA256_H
#define UPSCALE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#include "upscale/error.h"

typedef struct {
    struct sha256_ctx ctx;
    uint64_t bytes;
} upscale_sha256;

void upscale_sha256_init(upscale_sha256 *c);
void upscale_sha256_update(upscale_sha256 *c, const void *data, size_t n);
/* 64 lower-case hex digits and a NUL into hex[65]. */
void upscale_sha256_final(upscale_sha256 *c, char hex[65]);

/* Checksum and size of a file; UPSCALE_ERR_IO naming it when it cannot be read. */
upscale_err upscale_sha256_file(const char *path, char hex[65], long long *bytes);

#endif
