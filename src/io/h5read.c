/* Reading HDF5 files back (upscale/h5read.h).
 *
 * Every HDF5 call is checked; a failure becomes UPSCALE_ERR_IO "<what> '<object>' in
 * '<file>': <innermost message of HDF5's error stack>", as in src/io/output.c. */
#include "upscale/h5read.h"

#include <errno.h>
#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REASON_MAX 256

struct upscale_h5read {
    hid_t file;
    char *path;
};

static herr_t innermost(unsigned n, const H5E_error2_t *err, void *reason)
{
    if (n == 0 && err->desc) snprintf(reason, REASON_MAX, "%s", err->desc);
    return 0;
}

__attribute__((format(printf, 5, 6))) static upscale_err io_error(const upscale_h5read *r,
                                                                  const char *file, int line,
                                                                  const char *func, const char *fmt,
                                                                  ...)
{
    char reason[REASON_MAX] = "", what[512];
    va_list ap;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, reason);
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return upscale_error_set(UPSCALE_ERR_IO, file, line, func, "%s in '%s': %s", what, r->path,
                             reason[0] ? reason : "HDF5 error");
}

#define H5TRY(expr, ...)                                                                           \
    do {                                                                                           \
        if ((expr) < 0) {                                                                          \
            e = io_error(r, __FILE__, __LINE__, __func__, __VA_ARGS__);                            \
            goto cleanup;                                                                          \
        }                                                                                          \
    } while (0)

upscale_err upscale_h5read_open(const char *path, upscale_h5read **out)
{
    UPSCALE_CHECK(out && path && path[0], UPSCALE_ERR_INTERNAL, "h5read: bad arguments");
    *out = NULL;
    /* HDF5 would wait forever on a FIFO: regular files only (a missing one is HDF5's say) */
    struct stat st;
    UPSCALE_CHECK(stat(path, &st) != 0 || S_ISREG(st.st_mode), UPSCALE_ERR_IO,
                  "cannot open '%s': not a regular file", path);
    upscale_error_install_handlers();
    upscale_h5read *r = calloc(1, sizeof(*r));
    UPSCALE_ALLOC_CHECK(r);
    r->path = strdup(path);
    if (!r->path) {
        free(r);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    errno = 0;
    r->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (r->file < 0) {
        char reason[REASON_MAX] = "";
        int err = errno;
        H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, reason);
        upscale_h5read_close(&r);
        return upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                 "cannot open '%s': %s", path,
                                 err ? strerror(err) : (reason[0] ? reason : "not an HDF5 file"));
    }
    *out = r;
    return UPSCALE_OK;
}

void upscale_h5read_close(upscale_h5read **rp)
{
    upscale_h5read *r = rp ? *rp : NULL;
    if (!r) return;
    if (r->file >= 0) H5Fclose(r->file);
    free(r->path);
    free(r);
    *rp = NULL;
}

int upscale_h5read_exists(upscale_h5read *r, const char *path)
{
    char buf[1024];
    size_t n = strlen(path);
    if (n >= sizeof(buf) || path[0] != '/') return 0;
    memcpy(buf, path, n + 1);
    /* H5Lexists fails on a missing parent: walk down component by component. */
    for (size_t i = 1; i <= n; i++) {
        if ((path[i] != '/' && path[i] != '\0') || path[i - 1] == '/') continue;
        buf[i] = '\0';
        htri_t ok = H5Lexists(r->file, buf, H5P_DEFAULT);
        buf[i] = path[i];
        if (ok <= 0) return 0;
    }
    return 1;
}

int upscale_h5read_is_group(upscale_h5read *r, const char *path)
{
    if (strcmp(path, "/") && !upscale_h5read_exists(r, path)) return 0;
    H5O_info_t info;
    if (H5Oget_info_by_name2(r->file, path, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return 0;
    return info.type == H5O_TYPE_GROUP;
}

static upscale_err open_dataset(upscale_h5read *r, const char *path, hid_t *d)
{
    UPSCALE_CHECK(upscale_h5read_exists(r, path), UPSCALE_ERR_IO, "'%s' has no dataset '%s'",
                  r->path, path);
    *d = H5Dopen2(r->file, path, H5P_DEFAULT);
    if (*d < 0) return io_error(r, __FILE__, __LINE__, __func__, "cannot open dataset '%s'", path);
    return UPSCALE_OK;
}

upscale_err upscale_h5read_shape(upscale_h5read *r, const char *path, int *rank, size_t *dims)
{
    upscale_err e = UPSCALE_OK;
    hid_t d = H5I_INVALID_HID, space = H5I_INVALID_HID;
    hsize_t h[H5S_MAX_RANK];
    UPSCALE_CALL(open_dataset(r, path, &d));
    H5TRY(space = H5Dget_space(d), "cannot get the shape of '%s'", path);
    H5TRY(*rank = H5Sget_simple_extent_ndims(space), "cannot get the shape of '%s'", path);
    if (*rank > UPSCALE_H5READ_RANK_MAX) {
        e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                              "'%s' in '%s' has rank %d, more than %d", path, r->path, *rank,
                              UPSCALE_H5READ_RANK_MAX);
        goto cleanup;
    }
    H5TRY(H5Sget_simple_extent_dims(space, h, NULL), "cannot get the shape of '%s'", path);
    for (int i = 0; i < *rank; i++)
        dims[i] = h[i];
cleanup:
    if (space >= 0) H5Sclose(space);
    H5Dclose(d);
    return e;
}

upscale_err upscale_h5read_doubles(upscale_h5read *r, const char *path, size_t n, double *data)
{
    upscale_err e = UPSCALE_OK;
    hid_t d = H5I_INVALID_HID, space = H5I_INVALID_HID;
    hssize_t count;
    UPSCALE_CALL(open_dataset(r, path, &d));
    H5TRY(space = H5Dget_space(d), "cannot get the shape of '%s'", path);
    H5TRY(count = H5Sget_simple_extent_npoints(space), "cannot get the size of '%s'", path);
    if ((size_t)count != n) {
        e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                              "'%s' in '%s' has %lld elements, expected %zu", path, r->path,
                              (long long)count, n);
        goto cleanup;
    }
    if (n)
        H5TRY(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
              "cannot read '%s' as numbers", path);
cleanup:
    if (space >= 0) H5Sclose(space);
    H5Dclose(d);
    return e;
}

/* n strings (lengths from text) into one block: the pointer table, then the text. */
static char **pack(size_t n, char *const *text)
{
    size_t total = n * sizeof(char *) + 1;
    for (size_t i = 0; i < n; i++)
        total += strlen(text[i] ? text[i] : "") + 1;
    char **out = malloc(total);
    if (!out) return NULL;
    char *p = (char *)(out + n);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(text[i] ? text[i] : "");
        memcpy(p, text[i] ? text[i] : "", len + 1);
        out[i] = p;
        p += len + 1;
    }
    return out;
}

upscale_err upscale_h5read_strings(upscale_h5read *r, const char *path, size_t *n, char ***strings)
{
    upscale_err e = UPSCALE_OK;
    hid_t d = H5I_INVALID_HID, space = H5I_INVALID_HID, ftype = H5I_INVALID_HID;
    hid_t mtype = H5I_INVALID_HID;
    char *buf = NULL, **ptr = NULL;
    hssize_t count;
    htri_t var;
    *n = 0;
    *strings = NULL;
    UPSCALE_CALL(open_dataset(r, path, &d));
    H5TRY(space = H5Dget_space(d), "cannot get the shape of '%s'", path);
    H5TRY(count = H5Sget_simple_extent_npoints(space), "cannot get the size of '%s'", path);
    H5TRY(ftype = H5Dget_type(d), "cannot get the type of '%s'", path);
    if (H5Tget_class(ftype) != H5T_STRING) {
        e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                              "'%s' in '%s' is not a table of strings", path, r->path);
        goto cleanup;
    }
    H5TRY(var = H5Tis_variable_str(ftype), "cannot get the type of '%s'", path);
    ptr = calloc(count ? (size_t)count : 1, sizeof(char *));
    if (!ptr) {
        e = upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__, "out of memory");
        goto cleanup;
    }
    if (var) {
        H5TRY(mtype = H5Tcopy(H5T_C_S1), "cannot make a string type");
        H5TRY(H5Tset_cset(mtype, H5Tget_cset(ftype)), "cannot make a string type");
        H5TRY(H5Tset_size(mtype, H5T_VARIABLE), "cannot make a string type");
        if (count)
            H5TRY(H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptr), "cannot read '%s'", path);
        *strings = pack((size_t)count, ptr);
        if (count) H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, ptr);
    } else {
        size_t width = H5Tget_size(ftype);
        H5TRY(mtype = H5Tcopy(H5T_C_S1), "cannot make a string type");
        H5TRY(H5Tset_cset(mtype, H5Tget_cset(ftype)), "cannot make a string type");
        H5TRY(H5Tset_size(mtype, width + 1), "cannot make a string type");
        H5TRY(H5Tset_strpad(mtype, H5T_STR_NULLTERM), "cannot make a string type");
        buf = calloc(count ? (size_t)count : 1, width + 1);
        if (!buf) {
            e = upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__,
                                  "out of memory");
            goto cleanup;
        }
        if (count)
            H5TRY(H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "cannot read '%s'", path);
        for (hssize_t i = 0; i < count; i++)
            ptr[i] = buf + i * (width + 1);
        *strings = pack((size_t)count, ptr);
    }
    if (!*strings)
        e = upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__, "out of memory");
    else
        *n = (size_t)count;
cleanup:
    free(buf);
    free(ptr);
    if (mtype >= 0) H5Tclose(mtype);
    if (ftype >= 0) H5Tclose(ftype);
    if (space >= 0) H5Sclose(space);
    H5Dclose(d);
    return e;
}

static upscale_err open_attr(upscale_h5read *r, const char *path, const char *name, hid_t *a)
{
    htri_t ok = (strcmp(path, "/") == 0 || upscale_h5read_exists(r, path))
                    ? H5Aexists_by_name(r->file, path, name, H5P_DEFAULT)
                    : 0;
    UPSCALE_CHECK(ok > 0, UPSCALE_ERR_IO, "'%s' has no attribute '%s' on '%s'", r->path, name,
                  path);
    *a = H5Aopen_by_name(r->file, path, name, H5P_DEFAULT, H5P_DEFAULT);
    if (*a < 0)
        return io_error(r, __FILE__, __LINE__, __func__, "cannot open attribute '%s' of '%s'", name,
                        path);
    return UPSCALE_OK;
}

upscale_err upscale_h5read_attr_string(upscale_h5read *r, const char *path, const char *name,
                                       char **value)
{
    upscale_err e = UPSCALE_OK;
    hid_t a = H5I_INVALID_HID, ftype = H5I_INVALID_HID, mtype = H5I_INVALID_HID;
    htri_t var;
    char *text = NULL;
    *value = NULL;
    UPSCALE_CALL(open_attr(r, path, name, &a));
    H5TRY(ftype = H5Aget_type(a), "cannot get the type of attribute '%s' of '%s'", name, path);
    if (H5Tget_class(ftype) != H5T_STRING) {
        e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                              "attribute '%s' of '%s' in '%s' is not a string", name, path,
                              r->path);
        goto cleanup;
    }
    H5TRY(var = H5Tis_variable_str(ftype), "cannot get the type of attribute '%s'", name);
    H5TRY(mtype = H5Tcopy(H5T_C_S1), "cannot make a string type");
    H5TRY(H5Tset_cset(mtype, H5Tget_cset(ftype)), "cannot make a string type");
    if (var) {
        H5TRY(H5Tset_size(mtype, H5T_VARIABLE), "cannot make a string type");
        H5TRY(H5Aread(a, mtype, &text), "cannot read attribute '%s' of '%s'", name, path);
        *value = strdup(text ? text : "");
        H5free_memory(text);
    } else {
        size_t width = H5Tget_size(ftype);
        H5TRY(H5Tset_size(mtype, width + 1), "cannot make a string type");
        H5TRY(H5Tset_strpad(mtype, H5T_STR_NULLTERM), "cannot make a string type");
        *value = calloc(1, width + 1);
        if (*value)
            H5TRY(H5Aread(a, mtype, *value), "cannot read attribute '%s' of '%s'", name, path);
    }
    if (!*value)
        e = upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__, "out of memory");
cleanup:
    if (e) {
        free(*value);
        *value = NULL;
    }
    if (mtype >= 0) H5Tclose(mtype);
    if (ftype >= 0) H5Tclose(ftype);
    H5Aclose(a);
    return e;
}

upscale_err upscale_h5read_attr_long(upscale_h5read *r, const char *path, const char *name,
                                     long *value)
{
    upscale_err e = UPSCALE_OK;
    hid_t a = H5I_INVALID_HID;
    UPSCALE_CALL(open_attr(r, path, name, &a));
    H5TRY(H5Aread(a, H5T_NATIVE_LONG, value), "cannot read attribute '%s' of '%s' as an integer",
          name, path);
cleanup:
    H5Aclose(a);
    return e;
}

typedef struct {
    char **names;
    size_t n, cap;
    int failed;
} group_list;

static herr_t collect_group(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    group_list *l = data;
    H5O_info_t oi;
    if (info->type != H5L_TYPE_HARD) return 0;
    if (H5Oget_info_by_name2(g, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
    if (oi.type != H5O_TYPE_GROUP) return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **grown = realloc(l->names, cap * sizeof(char *));
        if (!grown) return l->failed = 1, -1;
        l->names = grown;
        l->cap = cap;
    }
    if (!(l->names[l->n] = strdup(name))) return l->failed = 1, -1;
    l->n++;
    return 0;
}

upscale_err upscale_h5read_groups(upscale_h5read *r, const char *path, size_t *n, char ***names)
{
    upscale_err e = UPSCALE_OK;
    group_list l = {0};
    hid_t g = H5I_INVALID_HID;
    *n = 0;
    *names = NULL;
    UPSCALE_CHECK(upscale_h5read_is_group(r, path), UPSCALE_ERR_IO, "'%s' has no group '%s'",
                  r->path, path);
    H5TRY(g = H5Gopen2(r->file, path, H5P_DEFAULT), "cannot open group '%s'", path);
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, collect_group, &l) < 0) {
        if (l.failed)
            e = upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__,
                                  "out of memory");
        else
            e = io_error(r, __FILE__, __LINE__, __func__, "cannot list group '%s'", path);
        goto cleanup;
    }
    *names = pack(l.n, l.names);
    if (!*names)
        e = upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__, "out of memory");
    else
        *n = l.n;
cleanup:
    for (size_t i = 0; i < l.n; i++)
        free(l.names[i]);
    free(l.names);
    if (g >= 0) H5Gclose(g);
    return e;
}
