/* Reading an upscale output file back in tests (HDF5 C API, serial). */
#ifndef UPSCALE_TESTS_H5READ_H
#define UPSCALE_TESTS_H5READ_H

#include <hdf5.h>
#include <stdlib.h>

/* The rank-1 double dataset at path (malloc'd, *n elements), NULL on failure. */
static double *h5_vector(const char *file, const char *path, size_t *n)
{
    double *v = NULL;
    *n = 0;
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return NULL;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d >= 0) {
        hid_t sp = H5Dget_space(d);
        hsize_t dims[1] = {0};
        if (H5Sget_simple_extent_ndims(sp) == 1) {
            H5Sget_simple_extent_dims(sp, dims, NULL);
            v = malloc(sizeof(double) * (dims[0] ? dims[0] : 1));
            if (v && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0)
                *n = dims[0];
        }
        H5Sclose(sp);
        H5Dclose(d);
    }
    H5Fclose(f);
    return v;
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
