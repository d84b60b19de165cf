/* Reading an upscale output file back in tests (HDF5 C API, serial). */
#ifndef UPSCALE_TESTS_H5READ_H
#define UPSCALE_TESTS_H5READ_H

#include <hdf5.h>
#include <stdlib.h>

/* The double dataset at path, flattened (malloc'd, *n elements), NULL on failure or, with
 * rank > 0, when the dataset has another rank. */
static double *h5_doubles(const char *file, const char *path, int rank, size_t *n)
{
    double *v = NULL;
    *n = 0;
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return NULL;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d >= 0) {
        hid_t sp = H5Dget_space(d);
        hssize_t np = H5Sget_simple_extent_npoints(sp);
        if (np >= 0 && (rank == 0 || H5Sget_simple_extent_ndims(sp) == rank)) {
            v = malloc(sizeof(double) * (np > 0 ? (size_t)np : 1));
            if (v && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0)
                *n = (size_t)np;
        }
        H5Sclose(sp);
        H5Dclose(d);
    }
    H5Fclose(f);
    return v;
}

/* The rank-1 double dataset at path (malloc'd, *n elements), NULL on failure. */
static inline double *h5_vector(const char *file, const char *path, size_t *n)
{
    return h5_doubles(file, path, 1, n);
}

/* Linear interpolation of y(x) at xq for increasing x; NAN outside. */
static inline double interp(const double *x, const double *y, size_t n, double xq)
{
    for (size_t i = 1; i < n; i++)
        if (x[i] >= xq && x[i - 1] <= xq && x[i] > x[i - 1])
            return y[i - 1] + (y[i] - y[i - 1]) * (xq - x[i - 1]) / (x[i] - x[i - 1]);
    return NAN;
}

#endif
