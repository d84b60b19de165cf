/* Reading HDF5 files back: what a resumed sweep needs from its results file and what
 * `upscale export-xdmf` needs from an output file (shapes, a few vectors, attributes).
 *
 * The counterpart of upscale/output.h, with the same conventions: HDF5's error printing is
 * off (upscale_error_install_handlers) and every HDF5 failure becomes an UPSCALE_ERR_IO
 * naming the file and the object.  Files are opened read-only; the handle is closed by
 * upscale_h5read_close(), which NULLs it.  Paths are absolute inside the file
 * ("/fields/time"). */
#ifndef UPSCALE_H5READ_H
#define UPSCALE_H5READ_H

#include <stddef.h>

#include "upscale/error.h"

#define UPSCALE_H5READ_RANK_MAX 8

typedef struct upscale_h5read upscale_h5read;

/* Open an existing HDF5 file read-only.  A missing or non-HDF5 file: UPSCALE_ERR_IO
 * "cannot open 'PATH': <reason>". */
upscale_err upscale_h5read_open(const char *path, upscale_h5read **r);
void upscale_h5read_close(upscale_h5read **r);

/* 1 if every component of path exists (a group, a dataset), 0 if not. */
int upscale_h5read_exists(upscale_h5read *r, const char *path);
/* 1 if the object at path is a group. */
int upscale_h5read_is_group(upscale_h5read *r, const char *path);

/* Shape of the dataset at path: *rank and dims[0..rank-1] (rank <= UPSCALE_H5READ_RANK_MAX). */
upscale_err upscale_h5read_shape(upscale_h5read *r, const char *path, int *rank, size_t *dims);
/* The whole numeric dataset at path converted to double; n must equal its number of
 * elements. */
upscale_err upscale_h5read_doubles(upscale_h5read *r, const char *path, size_t n, double *data);
/* A rank-1 dataset of strings (fixed or variable length): *n strings in one malloc'd
 * block (*strings, free() it once). */
upscale_err upscale_h5read_strings(upscale_h5read *r, const char *path, size_t *n, char ***strings);
/* String attribute `name` of the object at path, malloc'd. */
upscale_err upscale_h5read_attr_string(upscale_h5read *r, const char *path, const char *name,
                                       char **value);
/* Integer attribute `name` of the object at path. */
upscale_err upscale_h5read_attr_long(upscale_h5read *r, const char *path, const char *name,
                                     long *value);
/* Names of the groups directly below path, in name order: *n names in one malloc'd block
 * (*names, free() it once). */
upscale_err upscale_h5read_groups(upscale_h5read *r, const char *path, size_t *n, char ***names);

#endif
