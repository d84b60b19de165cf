/* HDF5 output: one file per run, written to a new PATH.tmp.XXXXXX and renamed on close.
 *
 * Every HDF5 call is checked; a failure becomes UPSCALE_ERR_IO "<what> in '<file>': <the
 * innermost message of HDF5's error stack>".  All strings (attributes and string tables)
 * are variable-length UTF-8.  An attribute cannot carry attributes, so the units of a
 * double attribute go into a sibling string attribute "NAME.units". */
#include "upscale/output.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upscale/file.h"

#define UNITS_ATTR "units"
#define COMPRESS_ABOVE 4096 /* elements: larger datasets are chunked and deflated */
#define CHUNK_MAX 32768     /* elements per chunk (256 KiB of doubles) */
#define APPEND_CHUNK 4096   /* elements per chunk of an appendable table */
#define DEFLATE_LEVEL 4
#define REASON_MAX 256

struct upscale_output {
    hid_t file;
    hid_t str_type; /* variable-length UTF-8 string */
    hid_t lcpl;     /* link creation: intermediate groups on demand */
    char *path;     /* the name the caller asked for */
    char *tmp;      /* PATH.tmp.XXXXXX, renamed on close; NULL when opened in place */
    hid_t obj;      /* the object the last attribute went to, kept open for the next one */
    char obj_path[256];
};

/* Innermost description on HDF5's error stack; any later HDF5 call clears the stack. */
static herr_t innermost(unsigned n, const H5E_error2_t *err, void *reason)
{
    if (n == 0 && err->desc) snprintf(reason, REASON_MAX, "%s", err->desc);
    return 0;
}

static void h5_reason(char *reason)
{
    reason[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, reason);
    if (!reason[0]) snprintf(reason, REASON_MAX, "HDF5 error");
}

/* Record UPSCALE_ERR_IO "<fmt...> in 'PATH': <HDF5 reason>". */
__attribute__((format(printf, 5, 6))) static upscale_err io_error(const upscale_output *o,
                                                                  const char *file, int line,
                                                                  const char *func, const char *fmt,
                                                                  ...)
{
    char reason[REASON_MAX], what[512];
    va_list ap;
    h5_reason(reason);
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return upscale_error_set(UPSCALE_ERR_IO, file, line, func, "%s in '%s': %s", what, o->path,
                             reason);
}

/* Inside functions that hold HDF5 identifiers: on failure record the error and jump to
 * the function's cleanup label (which needs `upscale_err e` and `o` in scope). */
#define H5TRY(expr, ...)                                                                           \
    do {                                                                                           \
        if ((expr) < 0) {                                                                          \
            e = io_error(o, __FILE__, __LINE__, __func__, __VA_ARGS__);                            \
            goto cleanup;                                                                          \
        }                                                                                          \
    } while (0)

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        if ((e = (expr)) != UPSCALE_OK) {                                                          \
            upscale_error_trace(e, __FILE__, __LINE__, __func__);                                  \
            goto cleanup;                                                                          \
        }                                                                                          \
    } while (0)

/* Close *id if open.  A close failure is reported only if nothing failed before. */
static void release(const upscale_output *o, upscale_err *e, hid_t *id, herr_t (*close_fn)(hid_t),
                    const char *what)
{
    if (*id < 0) return;
    if (close_fn(*id) < 0 && *e == UPSCALE_OK)
        *e = io_error(o, __FILE__, __LINE__, __func__, "cannot close %s", what);
    *id = H5I_INVALID_HID;
}

static upscale_err check_args(const upscale_output *o, const char *path)
{
    UPSCALE_CHECK(o != NULL, UPSCALE_ERR_INTERNAL, "output: NULL handle");
    UPSCALE_CHECK(path != NULL && path[0] != '\0', UPSCALE_ERR_INTERNAL,
                  "output '%s': empty object path", o->path);
    return UPSCALE_OK;
}

/* Teardown without checks: for failed setup and discard, where an error is already
 * reported or deliberately ignored. */
static void output_free(upscale_output *o)
{
    if (o->obj >= 0) H5Oclose(o->obj);
    if (o->file >= 0) H5Fclose(o->file);
    if (o->str_type >= 0) H5Tclose(o->str_type);
    if (o->lcpl >= 0) H5Pclose(o->lcpl);
    free(o->path);
    free(o->tmp);
    free(o);
}

/* Is the file HDF5 opened the one behind descriptor fd (not a link planted meanwhile)? */
static int same_file(hid_t file, hid_t fapl, int fd)
{
    void *handle = NULL;
    struct stat a, b;
    if (H5Fget_vfd_handle(file, fapl, &handle) < 0 || !handle) return 0;
    return fstat(*(int *)handle, &a) == 0 && fstat(fd, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

/* Create a new PATH.tmp.XXXXXX (in_place 0) or open PATH read-write (in_place 1). */
static upscale_err output_open(const char *path, int in_place, upscale_output **out)
{
    upscale_err e = UPSCALE_OK;
    upscale_output *o;
    hid_t fapl = H5I_INVALID_HID;
    int fd = -1;

    UPSCALE_CHECK(out != NULL, UPSCALE_ERR_INTERNAL, "output: NULL handle pointer");
    *out = NULL;
    UPSCALE_CHECK(path != NULL && path[0] != '\0', UPSCALE_ERR_INTERNAL, "output: empty file name");
    upscale_error_install_handlers();

    o = calloc(1, sizeof(*o));
    UPSCALE_ALLOC_CHECK(o);
    o->file = o->str_type = o->lcpl = o->obj = H5I_INVALID_HID;
    o->path = strdup(path);
    if (o->path && !in_place) o->tmp = malloc(strlen(path) + sizeof(".tmp.XXXXXX"));
    if (!o->path || (!in_place && !o->tmp)) {
        e = upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__, "out of memory");
        goto cleanup;
    }

    H5TRY(o->lcpl = H5Pcreate(H5P_LINK_CREATE), "cannot create a link property list");
    H5TRY(H5Pset_create_intermediate_group(o->lcpl, 1), "cannot set intermediate groups");
    H5TRY(o->str_type = H5Tcopy(H5T_C_S1), "cannot create the string type");
    H5TRY(H5Tset_size(o->str_type, H5T_VARIABLE), "cannot create the string type");
    H5TRY(H5Tset_cset(o->str_type, H5T_CSET_UTF8), "cannot create the string type");
    /* Strong close: H5Fclose really closes the file before it is renamed. */
    H5TRY(fapl = H5Pcreate(H5P_FILE_ACCESS), "cannot create a file access property list");
    H5TRY(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG), "cannot set the file close degree");

    /* The temporary is made by mkstemp (O_EXCL: a new file, never through a link), then
     * HDF5 opens it by name; the two must be the same file. */
    if (!in_place) {
        fd = upscale_file_temporary(path, o->tmp, strlen(path) + sizeof(".tmp.XXXXXX"));
        if (fd < 0) {
            e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                  "cannot create the temporary file '%s' for '%s': %s", o->tmp,
                                  path, strerror(errno));
            free(o->tmp);
            o->tmp = NULL;
            goto cleanup;
        }
    }
    /* HDF5's own message for a failed open(2) is long; errno says it in a few words. */
    errno = 0;
    if (in_place)
        o->file = H5Fopen(path, H5F_ACC_RDWR, fapl);
    else
        o->file = H5Fcreate(o->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (o->file < 0) {
        char reason[REASON_MAX];
        h5_reason(reason);
        e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__, "cannot %s '%s': %s",
                              in_place ? "open" : "create", in_place ? path : o->tmp,
                              errno ? strerror(errno) : reason);
        goto cleanup;
    }
    if (!in_place && !same_file(o->file, fapl, fd))
        e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                              "cannot create '%s': the temporary file was replaced while it was "
                              "opened",
                              o->tmp);

cleanup:
    release(o, &e, &fapl, H5Pclose, "a file access property list");
    if (fd >= 0) close(fd);
    if (e != UPSCALE_OK) {
        if (o->file >= 0) H5Fclose(o->file);
        o->file = H5I_INVALID_HID;
        if (o->tmp) unlink(o->tmp);
        output_free(o);
        return e;
    }
    *out = o;
    return UPSCALE_OK;
}

upscale_err upscale_output_create(const char *path, upscale_output **o)
{
    UPSCALE_CALL(output_open(path, 0, o));
    return UPSCALE_OK;
}

upscale_err upscale_output_open_append(const char *path, upscale_output **o)
{
    UPSCALE_CALL(output_open(path, 1, o));
    return UPSCALE_OK;
}

/* fsync before rename, so that PATH is never an empty file after a power loss. */
static int sync_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    if (fd < 0) return -1;
    int r = fsync(fd);
    if (close(fd) != 0) r = -1;
    return r;
}

upscale_err upscale_output_close(upscale_output **op)
{
    upscale_err e = UPSCALE_OK;
    upscale_output *o;

    UPSCALE_CHECK(op != NULL, UPSCALE_ERR_INTERNAL, "output: NULL handle pointer");
    o = *op;
    if (!o) return UPSCALE_OK;
    *op = NULL;

    release(o, &e, &o->obj, H5Oclose, o->obj_path);
    release(o, &e, &o->str_type, H5Tclose, "the string type");
    release(o, &e, &o->lcpl, H5Pclose, "a link property list");
    if (e == UPSCALE_OK) {
        herr_t r = H5Fclose(o->file);
        o->file = H5I_INVALID_HID;
        if (r < 0) {
            char reason[REASON_MAX];
            h5_reason(reason);
            e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                  "cannot close '%s': %s", o->tmp ? o->tmp : o->path, reason);
        }
    }
    if (e == UPSCALE_OK && o->tmp) {
        if (sync_file(o->tmp) != 0)
            e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                  "cannot sync '%s': %s", o->tmp, strerror(errno));
        else if (rename(o->tmp, o->path) != 0)
            e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                  "cannot rename '%s' to '%s': %s", o->tmp, o->path,
                                  strerror(errno));
    }
    if (e != UPSCALE_OK && o->tmp) {
        if (o->file >= 0) H5Fclose(o->file);
        o->file = H5I_INVALID_HID;
        unlink(o->tmp);
    }
    output_free(o);
    return e;
}

void upscale_output_discard(upscale_output **op)
{
    upscale_output *o = op ? *op : NULL;
    if (!o) return;
    *op = NULL;
    if (o->file >= 0) H5Fclose(o->file);
    o->file = H5I_INVALID_HID;
    if (o->tmp) remove(o->tmp);
    output_free(o);
}

upscale_err upscale_output_flush(upscale_output *o)
{
    upscale_err e = UPSCALE_OK;
    UPSCALE_CHECK(o != NULL, UPSCALE_ERR_INTERNAL, "output: NULL handle");
    H5TRY(H5Fflush(o->file, H5F_SCOPE_GLOBAL), "cannot flush");
cleanup:
    return e;
}

/* 1 if the existing object at path is a group, 0 if not, -1 if that cannot be told. */
static int is_group(const upscale_output *o, const char *path)
{
    hid_t id = H5Oopen(o->file, path, H5P_DEFAULT);
    if (id < 0) return -1;
    H5I_type_t type = H5Iget_type(id);
    if (H5Oclose(id) < 0 || type == H5I_BADID) return -1;
    return type == H5I_GROUP;
}

/* Does every component of path exist?  (H5Lexists fails on a missing parent.) */
static upscale_err link_exists(const upscale_output *o, const char *path, int *exists)
{
    upscale_err e = UPSCALE_OK;
    char *buf = strdup(path);
    size_t n = strlen(path), found = 0; /* length of the longest existing prefix */

    UPSCALE_ALLOC_CHECK(buf);
    *exists = 1;
    for (size_t i = 1; i <= n && *exists; i++) {
        if ((buf[i] != '/' && buf[i] != '\0') || buf[i - 1] == '/') continue;
        buf[i] = '\0';
        htri_t r = H5Lexists(o->file, buf, H5P_DEFAULT);
        buf[i] = path[i];
        if (r < 0) {
            e = io_error(o, __FILE__, __LINE__, __func__, "cannot look up '%s'", path);
            /* The usual cause: an existing parent is a dataset. */
            buf[found] = '\0';
            if (found > 0 && is_group(o, buf) == 0)
                e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                      "cannot use '%s' in '%s': '%s' is not a group", path, o->path,
                                      buf);
            break;
        }
        found = i;
        *exists = r > 0;
    }
    free(buf);
    return e;
}

/* Open the object at path, creating it (and its parents) as a group if missing. */
static upscale_err open_object(const upscale_output *o, const char *path, hid_t *id)
{
    upscale_err e = UPSCALE_OK;
    int exists;

    *id = H5I_INVALID_HID;
    UPSCALE_CALL(link_exists(o, path, &exists));
    if (exists)
        H5TRY(*id = H5Oopen(o->file, path, H5P_DEFAULT), "cannot open '%s'", path);
    else
        H5TRY(*id = H5Gcreate2(o->file, path, o->lcpl, H5P_DEFAULT, H5P_DEFAULT),
              "cannot create group '%s'", path);
cleanup:
    return e;
}

/* Attribute `name` on the open object obj (at objpath), a scalar (n = 0) or an array of n
 * elements, replacing an existing one unless the object is new (fresh: nothing to look up). */
static upscale_err put_attr(const upscale_output *o, hid_t obj, const char *objpath,
                            const char *name, hid_t ftype, hid_t mtype, const void *buf, int fresh,
                            hsize_t n)
{
    upscale_err e = UPSCALE_OK;
    hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    htri_t exists = 0;

    if (!fresh)
        H5TRY(exists = H5Aexists(obj, name), "cannot look up attribute '%s' of '%s'", name,
              objpath);
    if (exists) H5TRY(H5Adelete(obj, name), "cannot replace attribute '%s' of '%s'", name, objpath);
    H5TRY(space = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR),
          "cannot create a dataspace for '%s'", objpath);
    H5TRY(attr = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT),
          "cannot create attribute '%s' of '%s'", name, objpath);
    H5TRY(H5Awrite(attr, mtype, buf), "cannot write attribute '%s' of '%s'", name, objpath);
cleanup:
    release(o, &e, &attr, H5Aclose, "an attribute");
    release(o, &e, &space, H5Sclose, "a dataspace");
    return e;
}

/* Attribute on the object at path (created as a group when missing).  The object stays open
 * for the next attribute (a run writes a dozen on "/" and on "/solver" in a row). */
static upscale_err put_attr_at(upscale_output *o, const char *path, const char *name, hid_t ftype,
                               hid_t mtype, const void *buf, hsize_t n)
{
    upscale_err e = UPSCALE_OK;

    UPSCALE_CALL(check_args(o, path));
    UPSCALE_CHECK(name != NULL && name[0] != '\0', UPSCALE_ERR_INTERNAL,
                  "output '%s': empty attribute name on '%s'", o->path, path);
    if (o->obj < 0 || strcmp(o->obj_path, path) != 0) {
        release(o, &e, &o->obj, H5Oclose, o->obj_path);
        UPSCALE_CALL(e);
        UPSCALE_CALL(open_object(o, path, &o->obj));
        snprintf(o->obj_path, sizeof(o->obj_path), "%s", path);
        if (strlen(path) >= sizeof(o->obj_path)) o->obj_path[0] = '\0';
    }
    TRY(put_attr(o, o->obj, path, name, ftype, mtype, buf, 0, n));
cleanup:
    if (e || !o->obj_path[0]) release(o, &e, &o->obj, H5Oclose, path);
    return e;
}

upscale_err upscale_output_attr_string(upscale_output *o, const char *path, const char *name,
                                       const char *value)
{
    UPSCALE_CHECK(o != NULL, UPSCALE_ERR_INTERNAL, "output: NULL handle");
    UPSCALE_CHECK(value != NULL, UPSCALE_ERR_INTERNAL, "output '%s': NULL string for '%s'", o->path,
                  name ? name : "?");
    UPSCALE_CALL(put_attr_at(o, path, name, o->str_type, o->str_type, &value, 0));
    return UPSCALE_OK;
}

upscale_err upscale_output_attr_double(upscale_output *o, const char *path, const char *name,
                                       double value, const char *units)
{
    UPSCALE_CALL(put_attr_at(o, path, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, 0));
    if (units) {
        size_t n = strlen(name) + sizeof(".units");
        char *uname = malloc(n);
        UPSCALE_ALLOC_CHECK(uname);
        snprintf(uname, n, "%s.units", name);
        upscale_err e = put_attr_at(o, path, uname, o->str_type, o->str_type, &units, 0);
        free(uname);
        UPSCALE_CALL(e);
    }
    return UPSCALE_OK;
}

upscale_err upscale_output_attr_long(upscale_output *o, const char *path, const char *name,
                                     long value)
{
    UPSCALE_CALL(put_attr_at(o, path, name, H5T_STD_I64LE, H5T_NATIVE_LONG, &value, 0));
    return UPSCALE_OK;
}

upscale_err upscale_output_attr_longs(upscale_output *o, const char *path, const char *name,
                                      size_t n, const long *values)
{
    UPSCALE_CHECK(o != NULL && n > 0 && values != NULL, UPSCALE_ERR_INTERNAL,
                  "output: no values for attribute '%s'", name ? name : "?");
    UPSCALE_CALL(put_attr_at(o, path, name, H5T_STD_I64LE, H5T_NATIVE_LONG, values, n));
    return UPSCALE_OK;
}

/* Halve the longest side until a chunk holds at most CHUNK_MAX elements. */
static void chunk_shape(int rank, const hsize_t *dims, hsize_t *chunk)
{
    hsize_t total = 1;
    for (int i = 0; i < rank; i++)
        total *= (chunk[i] = dims[i]);
    while (total > CHUNK_MAX) {
        int big = 0;
        for (int i = 1; i < rank; i++)
            if (chunk[i] > chunk[big]) big = i;
        total /= chunk[big];
        chunk[big] = (chunk[big] + 1) / 2;
        total *= chunk[big];
    }
}

/* Create dataset path (file type ftype, shape dims; chunked and deflated above
 * COMPRESS_ABOVE elements), write buf (memory type mtype) and its units attribute. */
static upscale_err write_dataset(const upscale_output *o, const char *path, const char *units,
                                 hid_t ftype, hid_t mtype, int rank, const hsize_t *dims,
                                 const void *buf)
{
    upscale_err e = UPSCALE_OK;
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, dset = H5I_INVALID_HID;
    hsize_t chunk[H5S_MAX_RANK], count = 1;
    int exists;

    for (int i = 0; i < rank; i++)
        count *= dims[i];
    UPSCALE_CHECK(buf != NULL || count == 0, UPSCALE_ERR_INTERNAL, "output '%s': no data for '%s'",
                  o->path, path);

    if (rank > 0)
        H5TRY(space = H5Screate_simple(rank, dims, NULL), "cannot create the dataspace of '%s'",
              path);
    else
        H5TRY(space = H5Screate(H5S_SCALAR), "cannot create the dataspace of '%s'", path);
    if (count > COMPRESS_ABOVE) {
        H5TRY(dcpl = H5Pcreate(H5P_DATASET_CREATE), "cannot create properties for '%s'", path);
        chunk_shape(rank, dims, chunk);
        H5TRY(H5Pset_chunk(dcpl, rank, chunk), "cannot chunk '%s'", path);
        H5TRY(H5Pset_deflate(dcpl, DEFLATE_LEVEL), "cannot compress '%s'", path);
    }
    /* An existing path is looked up only when the creation fails, to say why. */
    dset = H5Dcreate2(o->file, path, ftype, space, o->lcpl, dcpl >= 0 ? dcpl : H5P_DEFAULT,
                      H5P_DEFAULT);
    if (dset < 0) {
        /* HDF5's reason first: the look-up clears its error stack (and replaces the message
         * when a parent is not a group) */
        e = io_error(o, __FILE__, __LINE__, __func__, "cannot create dataset '%s'", path);
        upscale_err why = link_exists(o, path, &exists);
        if (why)
            e = why;
        else if (exists)
            e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                  "dataset '%s' already exists in '%s'", path, o->path);
        goto cleanup;
    }
    if (count > 0)
        H5TRY(H5Dwrite(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf),
              "cannot write dataset '%s'", path);
    TRY(put_attr(o, dset, path, UNITS_ATTR, o->str_type, o->str_type, &units, 1, 0));
cleanup:
    release(o, &e, &dset, H5Dclose, path);
    release(o, &e, &dcpl, H5Pclose, "a property list");
    release(o, &e, &space, H5Sclose, "a dataspace");
    return e;
}

upscale_err upscale_output_write(upscale_output *o, const char *path, const char *units, int rank,
                                 const size_t *dims, const double *data)
{
    hsize_t hdims[H5S_MAX_RANK];

    UPSCALE_CALL(check_args(o, path));
    UPSCALE_CHECK(units != NULL, UPSCALE_ERR_INTERNAL, "output '%s': no units for '%s'", o->path,
                  path);
    UPSCALE_CHECK(rank >= 0 && rank <= H5S_MAX_RANK && (rank == 0 || dims), UPSCALE_ERR_INTERNAL,
                  "output '%s': bad rank %d for '%s'", o->path, rank, path);
    for (int i = 0; i < rank; i++)
        hdims[i] = dims[i];
    UPSCALE_CALL(
        write_dataset(o, path, units, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank, hdims, data));
    return UPSCALE_OK;
}

upscale_err upscale_output_write_vector(upscale_output *o, const char *path, const char *units,
                                        size_t n, const double *data)
{
    UPSCALE_CALL(upscale_output_write(o, path, units, 1, &n, data));
    return UPSCALE_OK;
}

upscale_err upscale_output_write_ints(upscale_output *o, const char *path, size_t n,
                                      const int *data)
{
    hsize_t dims[1] = {n};
    UPSCALE_CALL(check_args(o, path));
    UPSCALE_CALL(write_dataset(o, path, "1", H5T_STD_I32LE, H5T_NATIVE_INT, 1, dims, data));
    return UPSCALE_OK;
}

/* String tables get units "1" too, so that every dataset has a units attribute. */
upscale_err upscale_output_write_strings(upscale_output *o, const char *path, size_t n,
                                         const char *const *strings)
{
    hsize_t dims[1] = {n};
    UPSCALE_CALL(check_args(o, path));
    UPSCALE_CHECK(strings != NULL || n == 0, UPSCALE_ERR_INTERNAL, "output '%s': no data for '%s'",
                  o->path, path);
    size_t width = 1;
    for (size_t i = 0; i < n; i++) {
        UPSCALE_CHECK(strings[i] != NULL, UPSCALE_ERR_INTERNAL,
                      "output '%s': string %zu of '%s' is NULL", o->path, i, path);
        size_t len = strlen(strings[i]) + 1;
        if (len > width) width = len;
    }
    /* Fixed-length UTF-8 strings: one contiguous block, much cheaper to write than
     * variable-length ones (HDF5 allocates per element for those). */
    char *buf = calloc(n ? n : 1, width);
    UPSCALE_ALLOC_CHECK(buf);
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * width, strings[i], strlen(strings[i]));
    hid_t type = H5Tcopy(H5T_C_S1);
    upscale_err e = UPSCALE_OK;
    if (type < 0 || H5Tset_size(type, width) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0 ||
        H5Tset_strpad(type, H5T_STR_NULLTERM) < 0)
        e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                              "output '%s': cannot make a string type for '%s'", o->path, path);
    if (!e) e = write_dataset(o, path, "1", type, type, 1, dims, buf);
    if (type >= 0) H5Tclose(type);
    free(buf);
    return e;
}

/* The units attribute of an existing dataset must equal units. */
static upscale_err check_units(const upscale_output *o, hid_t dset, const char *path,
                               const char *units)
{
    upscale_err e = UPSCALE_OK;
    hid_t attr = H5I_INVALID_HID;
    char *got = NULL;

    H5TRY(attr = H5Aopen(dset, UNITS_ATTR, H5P_DEFAULT), "cannot open the units of '%s'", path);
    H5TRY(H5Aread(attr, o->str_type, &got), "cannot read the units of '%s'", path);
    if (strcmp(got ? got : "", units) != 0)
        e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                              "dataset '%s' in '%s' has units '%s', not '%s'", path, o->path,
                              got ? got : "", units);
    if (got) H5TRY(H5free_memory(got), "cannot free the units of '%s'", path);
cleanup:
    release(o, &e, &attr, H5Aclose, "an attribute");
    return e;
}

/* Appendable tables are chunked but not compressed: a compressed chunk that grows is
 * rewritten elsewhere at every flush, an uncompressed one in place. */
upscale_err upscale_output_append_row(upscale_output *o, const char *path, const char *units,
                                      size_t ncols, const double *row)
{
    upscale_err e = UPSCALE_OK;
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, dset = H5I_INVALID_HID;
    hid_t mspace = H5I_INVALID_HID;
    hsize_t dims[2], maxdims[2], start[2], count[2] = {1, ncols};
    int exists, rank;

    UPSCALE_CALL(check_args(o, path));
    UPSCALE_CHECK(units != NULL && ncols > 0 && row != NULL, UPSCALE_ERR_INTERNAL,
                  "output '%s': bad row for '%s'", o->path, path);
    UPSCALE_CALL(link_exists(o, path, &exists));

    if (!exists) {
        hsize_t init[2] = {0, ncols}, max[2] = {H5S_UNLIMITED, ncols};
        hsize_t chunk[2] = {ncols < APPEND_CHUNK ? APPEND_CHUNK / ncols : 1, ncols};
        H5TRY(space = H5Screate_simple(2, init, max), "cannot create the dataspace of '%s'", path);
        H5TRY(dcpl = H5Pcreate(H5P_DATASET_CREATE), "cannot create properties for '%s'", path);
        H5TRY(H5Pset_chunk(dcpl, 2, chunk), "cannot chunk '%s'", path);
        H5TRY(dset = H5Dcreate2(o->file, path, H5T_IEEE_F64LE, space, o->lcpl, dcpl, H5P_DEFAULT),
              "cannot create dataset '%s'", path);
        TRY(put_attr(o, dset, path, UNITS_ATTR, o->str_type, o->str_type, &units, 1, 0));
        release(o, &e, &space, H5Sclose, "a dataspace");
    } else {
        H5TRY(dset = H5Dopen2(o->file, path, H5P_DEFAULT), "cannot open dataset '%s'", path);
        TRY(check_units(o, dset, path, units));
    }

    H5TRY(space = H5Dget_space(dset), "cannot get the dataspace of '%s'", path);
    H5TRY(rank = H5Sget_simple_extent_ndims(space), "cannot get the shape of '%s'", path);
    if (rank == 2)
        H5TRY(H5Sget_simple_extent_dims(space, dims, maxdims), "cannot get the shape of '%s'",
              path);
    if (rank != 2 || dims[1] != ncols || maxdims[0] != H5S_UNLIMITED) {
        e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                              "dataset '%s' in '%s' is not an appendable table of %zu columns",
                              path, o->path, ncols);
        goto cleanup;
    }
    release(o, &e, &space, H5Sclose, "a dataspace");
    if (e != UPSCALE_OK) goto cleanup;

    start[0] = dims[0]++;
    start[1] = 0;
    H5TRY(H5Dset_extent(dset, dims), "cannot extend dataset '%s'", path);
    H5TRY(space = H5Dget_space(dset), "cannot get the dataspace of '%s'", path);
    H5TRY(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL),
          "cannot select row %llu of '%s'", (unsigned long long)start[0], path);
    H5TRY(mspace = H5Screate_simple(1, &count[1], NULL), "cannot create a dataspace for '%s'",
          path);
    H5TRY(H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, space, H5P_DEFAULT, row),
          "cannot append to dataset '%s'", path);
cleanup:
    release(o, &e, &mspace, H5Sclose, "a dataspace");
    release(o, &e, &dset, H5Dclose, path);
    release(o, &e, &dcpl, H5Pclose, "a property list");
    release(o, &e, &space, H5Sclose, "a dataspace");
    return e;
}

upscale_err upscale_output_write_parameters(upscale_output *o, const char *group,
                                            const upscale_params *p)
{
    size_t n = p ? upscale_params_count(p) : 0;
    if (!n) return UPSCALE_OK;
    enum { SRC = 300 };
    const char **key = malloc(n * sizeof(*key)), **text = malloc(n * sizeof(*text)),
               **unit = malloc(n * sizeof(*unit)), **src = malloc(n * sizeof(*src));
    double *si = malloc(n * sizeof(*si));
    char *srcbuf = malloc(n * SRC);
    upscale_err e = key && text && unit && src && si && srcbuf ? UPSCALE_OK : UPSCALE_ERR_MEMORY;
    if (e) e = upscale_error_set(e, __FILE__, __LINE__, __func__, "out of memory");
    for (size_t i = 0; !e && i < n; i++) {
        upscale_params_entry en;
        upscale_params_get_entry(p, i, &en);
        key[i] = en.key;
        text[i] = en.text;
        unit[i] = en.si_unit;
        si[i] = en.si_value;
        snprintf(srcbuf + SRC * i, SRC, "%s:%d", en.file, en.line);
        src[i] = srcbuf + SRC * i;
    }
    static const char *const name[] = {"key", "value", "si_value", "si_unit", "source"};
    const char *const *col[] = {key, text, NULL, unit, src};
    char path[512];
    for (int k = 0; !e && k < 5; k++) {
        snprintf(path, sizeof(path), "%s/parameters/%s", group, name[k]);
        e = col[k] ? upscale_output_write_strings(o, path, n, col[k])
                   : upscale_output_write_vector(o, path, "see /parameters/si_unit", n, si);
    }
    free(key);
    free(text);
    free(unit);
    free(src);
    free(si);
    free(srcbuf);
    return e;
}
