/* Output: one HDF5 file per run, written through this thin layer so that every dataset
 * gets a `units` attribute and the file is created atomically.
 *
 * The file is written to a new "PATH.tmp.XXXXXX" (mkstemp: never through a link, never an
 * existing file) and renamed to PATH by upscale_output_close(); any failure removes the
 * temporary.  A run that fails on bad input never calls create, so nothing is left behind;
 * callers check the target first (upscale_file_check_output, upscale/file.h).  HDF5's error
 * printing is off (upscale_error_install_handlers); every HDF5 failure becomes an
 * UPSCALE_ERR_IO naming the object.  Groups in `path` arguments are created on demand
 * ("/timeseries/voltage" creates /timeseries).  Datasets are double, chunked and
 * deflate-compressed when larger than 4096 elements. */
#ifndef UPSCALE_OUTPUT_H
#define UPSCALE_OUTPUT_H

#include <stddef.h>

#include "upscale/error.h"
#include "upscale/params.h"

typedef struct upscale_output upscale_output;

upscale_err upscale_output_create(const char *path, upscale_output **o);
/* Rename the temporary to PATH.  Called once; afterwards *o is NULL. */
upscale_err upscale_output_close(upscale_output **o);
/* Close and delete the temporary file (used when a run must leave nothing behind). */
void upscale_output_discard(upscale_output **o);

/* Dataset of doubles with shape dims[0..rank-1] (row-major, C order), attribute units. */
upscale_err upscale_output_write(upscale_output *o, const char *path, const char *units, int rank,
                                 const size_t *dims, const double *data);
/* Convenience for rank 1. */
upscale_err upscale_output_write_vector(upscale_output *o, const char *path, const char *units,
                                        size_t n, const double *data);
/* Integer dataset (rank 1), units "1". */
upscale_err upscale_output_write_ints(upscale_output *o, const char *path, size_t n,
                                      const int *data);
/* Scalar string / double / integer attribute on an object (group or dataset) given by
 * path; "/" is the file root.  Groups are created on demand. */
upscale_err upscale_output_attr_string(upscale_output *o, const char *path, const char *name,
                                       const char *value);
upscale_err upscale_output_attr_double(upscale_output *o, const char *path, const char *name,
                                       double value, const char *units);
upscale_err upscale_output_attr_long(upscale_output *o, const char *path, const char *name,
                                     long value);
/* Integer attribute holding n values (a rank-1 array). */
upscale_err upscale_output_attr_longs(upscale_output *o, const char *path, const char *name,
                                      size_t n, const long *values);
/* Table of strings: a rank-1 dataset of variable-length strings (e.g. parameter keys). */
upscale_err upscale_output_write_strings(upscale_output *o, const char *path, size_t n,
                                         const char *const *strings);
/* Flush to disk (H5Fflush) so a crash later keeps what was written. */
upscale_err upscale_output_flush(upscale_output *o);

/* Units of attr_double go into the string attribute "NAME.units" (none if units is NULL). */

/* Open an existing file read-write in place (no temporary, no rename), e.g. to resume a
 * sweep.  close() and discard() both just close it: the file is kept. */
upscale_err upscale_output_open_append(const char *path, upscale_output **o);
/* Append one row of ncols doubles to the 2-D dataset path [rows x ncols], created on first
 * use (unlimited rows, chunked, not compressed so that flushes rewrite chunks in place).
 * Later rows must have the same ncols and units. */
upscale_err upscale_output_append_row(upscale_output *o, const char *path, const char *units,
                                      size_t ncols, const double *row);

/* GROUP/parameters (GROUP "" for the file root): every entry of p in its order, as the
 * datasets key, value (as written), si_value, si_unit and source (file:line).  Nothing is
 * written when p is NULL or empty. */
upscale_err upscale_output_write_parameters(upscale_output *o, const char *group,
                                            const upscale_params *p);

#endif
