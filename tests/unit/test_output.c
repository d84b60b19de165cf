/* Output module: datasets of rank 1-3, attributes, strings and appended rows written,
 * then read back with the HDF5 API; atomic rename, discard, and quiet I/O errors. */
#include "upscale/output.h"

#include <dirent.h>
#include <fcntl.h>
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char dir[] = "/tmp/upscale_test_output.XXXXXX";

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Files in the test directory named "<base>.tmp.*" (the output's temporaries). */
static int temporaries(const char *base)
{
    char prefix[256];
    snprintf(prefix, sizeof(prefix), "%s.tmp.", base);
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d) closedir(d);
    return n;
}

static void join(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

/* Value of a string attribute (fixed or variable length) in buf; "" when unreadable. */
static const char *str_attr(hid_t loc, const char *obj, const char *name, char *buf, size_t size)
{
    hid_t attr = H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    hid_t type = H5Tcopy(H5T_C_S1);
    char *s = NULL;
    buf[0] = '\0';
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    if (attr >= 0 && H5Aread(attr, type, &s) >= 0 && s) {
        snprintf(buf, size, "%s", s);
        H5free_memory(s);
    }
    H5Tclose(type);
    if (attr >= 0) H5Aclose(attr);
    return buf;
}

/* The string attribute is variable-length UTF-8. */
static int attr_is_vlen_utf8(hid_t loc, const char *obj, const char *name)
{
    hid_t attr = H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0) return 0;
    hid_t type = H5Aget_type(attr);
    int ok = H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0 &&
             H5Tget_cset(type) == H5T_CSET_UTF8;
    H5Tclose(type);
    H5Aclose(attr);
    return ok;
}

static double double_attr(hid_t loc, const char *obj, const char *name)
{
    double v = NAN;
    hid_t attr = H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (attr >= 0) {
        H5Aread(attr, H5T_NATIVE_DOUBLE, &v);
        H5Aclose(attr);
    }
    return v;
}

/* Shape of a dataset; returns its rank (-1 if missing). */
static int shape(hid_t file, const char *path, hsize_t *dims)
{
    hid_t dset = H5Dopen2(file, path, H5P_DEFAULT);
    if (dset < 0) return -1;
    hid_t space = H5Dget_space(dset);
    int rank = H5Sget_simple_extent_dims(space, dims, NULL);
    H5Sclose(space);
    H5Dclose(dset);
    return rank;
}

static int read_doubles(hid_t file, const char *path, double *out)
{
    hid_t dset = H5Dopen2(file, path, H5P_DEFAULT);
    if (dset < 0) return -1;
    herr_t r = H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out);
    H5Dclose(dset);
    return r;
}

/* Run f with stderr sent to a file; returns how many bytes it printed there. */
static long stderr_bytes_during(upscale_err (*f)(const char *), const char *arg, upscale_err *e)
{
    char log[256];
    join(log, sizeof(log), "stderr.log");
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, STDERR_FILENO);
    close(fd);
    *e = f(arg);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    struct stat st;
    long n = stat(log, &st) == 0 ? (long)st.st_size : -1;
    remove(log);
    return n;
}

static upscale_err create_and_close(const char *path)
{
    upscale_output *o = NULL;
    UPSCALE_CALL(upscale_output_create(path, &o));
    return upscale_output_close(&o);
}

static upscale_err open_append_and_close(const char *path)
{
    upscale_output *o = NULL;
    UPSCALE_CALL(upscale_output_open_append(path, &o));
    return upscale_output_close(&o);
}

static char written_path[512];

/* An HDF5 failure inside the file: an attribute below a dataset. */
static upscale_err attr_below_dataset(const char *path)
{
    upscale_output *o = NULL;
    UPSCALE_CALL(upscale_output_open_append(path, &o));
    upscale_err e = upscale_output_attr_string(o, "/timeseries/time/x", "a", "b");
    upscale_output_discard(&o);
    return e;
}

static void write_file(const char *path, const char *tmp)
{
    upscale_output *o = NULL;
    double t[5] = {0, 1, 2, 3, 4}, c[3][4], phi[2][3][4];
    static double big[100][100];
    size_t dc[2] = {3, 4}, dphi[3] = {2, 3, 4}, dbig[2] = {100, 100};
    int region[4] = {0, 0, 1, 2};
    const char *keys[3] = {"negative.thickness", "separator.porosity", "\xce\xb8.max"};

    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
            c[i][j] = 10 * i + j;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++)
                phi[i][j][k] = 100 * i + 10 * j + k + 0.5;
    for (int i = 0; i < 100; i++)
        for (int j = 0; j < 100; j++)
            big[i][j] = i - 0.01 * j;

    CHECK_OK(upscale_output_create(path, &o));
    if (!o) return;
    CHECK(temporaries("out.h5") == 1 && !exists(path) && !exists(tmp),
          "while open, only one PATH.tmp.XXXXXX exists");
    CHECK_OK(upscale_output_write_vector(o, "/timeseries/time", "s", 5, t));
    CHECK_OK(upscale_output_write(o, "/fields/c", "mol/m^3", 2, dc, &c[0][0]));
    CHECK_OK(upscale_output_write(o, "/fields/deep/er/phi", "V", 3, dphi, &phi[0][0][0]));
    CHECK_OK(upscale_output_write(o, "/fields/big", "A/m^2", 2, dbig, &big[0][0]));
    CHECK_OK(upscale_output_write_vector(o, "/fields/empty", "m", 0, NULL));
    CHECK_OK(upscale_output_write_ints(o, "/mesh/region", 4, region));
    CHECK_OK(upscale_output_write_strings(o, "/parameters/keys", 3, keys));
    CHECK_OK(upscale_output_attr_string(o, "/", "version", "v0.1-test"));
    CHECK_OK(upscale_output_attr_string(o, "/", "status", "incomplete: running"));
    CHECK_OK(upscale_output_attr_string(o, "/", "status", "complete"));
    CHECK_OK(upscale_output_attr_string(o, "/case", "name", "cc_1C"));
    CHECK_OK(upscale_output_attr_double(o, "/parameters", "negative.thickness", 1e-4, "m"));
    CHECK_OK(upscale_output_attr_long(o, "/solver_stats/ida", "steps", 123456789012L));
    CHECK_OK(upscale_output_attr_double(o, "/fields/c", "scale", 2.5, NULL));
    for (int r = 0; r < 3; r++) {
        double row[3] = {r, 2.0 * r, 3.0 * r};
        CHECK_OK(upscale_output_append_row(o, "/sweep/results", "1", 3, row));
    }
    CHECK_OK(upscale_output_flush(o));

    upscale_err e = upscale_output_write_vector(o, "/timeseries/time", "s", 5, t);
    char want[700];
    snprintf(want, sizeof(want), "dataset '/timeseries/time' already exists in '%s'", path);
    CHECK(e == UPSCALE_ERR_IO && !strcmp(upscale_error_message(), want),
          "writing an existing dataset fails: %s", upscale_error_message());
    e = upscale_output_write_vector(o, "/timeseries/time/x", "s", 5, t);
    snprintf(want, sizeof(want),
             "cannot use '/timeseries/time/x' in '%s': '/timeseries/time' is not a group", path);
    CHECK(e == UPSCALE_ERR_IO && !strcmp(upscale_error_message(), want),
          "writing below a dataset fails: %s", upscale_error_message());
    e = upscale_output_write_vector(o, "/timeseries/time", "s", 5, t);
    snprintf(want, sizeof(want), "dataset '/timeseries/time' already exists in '%s'", path);
    CHECK(e == UPSCALE_ERR_IO && !strcmp(upscale_error_message(), want),
          "and an existing dataset again: %s", upscale_error_message());
    double row4[4] = {0};
    e = upscale_output_append_row(o, "/sweep/results", "1", 4, row4);
    CHECK(e == UPSCALE_ERR_IO && strstr(upscale_error_message(), "/sweep/results"),
          "appending a row of another width fails: %s", upscale_error_message());
    e = upscale_output_append_row(o, "/sweep/results", "V", 3, row4);
    CHECK(e == UPSCALE_ERR_IO && strstr(upscale_error_message(), "units"),
          "appending with other units fails: %s", upscale_error_message());
    e = upscale_output_append_row(o, "/fields/c", "mol/m^3", 4, row4);
    CHECK(e == UPSCALE_ERR_IO, "appending to a fixed-size dataset fails: %s",
          upscale_error_message());
    upscale_error_clear();

    CHECK_OK(upscale_output_close(&o));
    CHECK(o == NULL, "close NULLs the handle");
    CHECK_OK(upscale_output_close(&o));
    CHECK(exists(path) && temporaries("out.h5") == 0,
          "after close, PATH exists and no temporary is left");
}

static void check_file(const char *path, const char *tmp)
{
    char buf[256];
    hsize_t dims[H5S_MAX_RANK];
    double c[12], phi[24], t[5], sweep[12];
    static double big[100 * 100];

    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(file >= 0, "reopen %s with HDF5", path);
    if (file < 0) return;

    CHECK(shape(file, "/timeseries/time", dims) == 1 && dims[0] == 5, "time has shape [5]");
    CHECK(read_doubles(file, "/timeseries/time", t) >= 0 && t[4] == 4.0, "time values");
    CHECK(!strcmp(str_attr(file, "/timeseries/time", "units", buf, sizeof(buf)), "s"),
          "time units 's' (got '%s')", buf);
    CHECK(attr_is_vlen_utf8(file, "/timeseries/time", "units"), "units is a vlen UTF-8 string");

    CHECK(shape(file, "/fields/c", dims) == 2 && dims[0] == 3 && dims[1] == 4, "c is [3 x 4]");
    CHECK(read_doubles(file, "/fields/c", c) >= 0 && c[1 * 4 + 2] == 12.0 && c[11] == 23.0,
          "c is stored row-major");
    CHECK(!strcmp(str_attr(file, "/fields/c", "units", buf, sizeof(buf)), "mol/m^3"),
          "c units 'mol/m^3' (got '%s')", buf);
    CHECK_CLOSE(double_attr(file, "/fields/c", "scale"), 2.5, 0, 0, "double attribute on c");
    CHECK(H5Aexists_by_name(file, "/fields/c", "scale.units", H5P_DEFAULT) == 0,
          "no scale.units when units is NULL");

    CHECK(shape(file, "/fields/deep/er/phi", dims) == 3 && dims[0] == 2 && dims[1] == 3 &&
              dims[2] == 4,
          "phi is [2 x 3 x 4] in nested groups");
    CHECK(read_doubles(file, "/fields/deep/er/phi", phi) >= 0 && phi[1 * 12 + 2 * 4 + 3] == 123.5,
          "phi values");
    CHECK(!strcmp(str_attr(file, "/fields/deep/er/phi", "units", buf, sizeof(buf)), "V"),
          "phi units 'V' (got '%s')", buf);

    CHECK(shape(file, "/fields/big", dims) == 2 && dims[0] == 100 && dims[1] == 100,
          "big is [100 x 100]");
    CHECK(read_doubles(file, "/fields/big", big) >= 0 && big[99 * 100 + 50] == 99 - 0.5,
          "big values");
    hid_t dset = H5Dopen2(file, "/fields/big", H5P_DEFAULT);
    hid_t dcpl = H5Dget_create_plist(dset);
    unsigned flags, level = 0;
    size_t nelem = 1;
    CHECK(H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_nfilters(dcpl) == 1 &&
              H5Pget_filter2(dcpl, 0, &flags, &nelem, &level, 0, NULL, NULL) ==
                  H5Z_FILTER_DEFLATE &&
              level == 4,
          "a dataset of 10000 elements is chunked and deflated at level 4");
    H5Pclose(dcpl);
    H5Dclose(dset);
    dset = H5Dopen2(file, "/fields/c", H5P_DEFAULT);
    dcpl = H5Dget_create_plist(dset);
    CHECK(H5Pget_layout(dcpl) == H5D_CONTIGUOUS, "a small dataset is contiguous");
    H5Pclose(dcpl);
    H5Dclose(dset);

    CHECK(shape(file, "/fields/empty", dims) == 1 && dims[0] == 0, "empty vector is [0]");

    int region[4] = {-1, -1, -1, -1};
    dset = H5Dopen2(file, "/mesh/region", H5P_DEFAULT);
    CHECK(H5Dread(dset, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, region) >= 0 &&
              region[3] == 2 && region[2] == 1,
          "integer dataset values");
    H5Dclose(dset);
    CHECK(!strcmp(str_attr(file, "/mesh/region", "units", buf, sizeof(buf)), "1"),
          "integer units '1' (got '%s')", buf);

    /* Fixed-length UTF-8 strings, as wide as the longest plus its terminator. */
    dset = H5Dopen2(file, "/parameters/keys", H5P_DEFAULT);
    hid_t ftype = H5Dget_type(dset);
    size_t width = H5Tget_size(ftype);
    char keys[3][64] = {{0}};
    CHECK(width == strlen("negative.thickness") + 1 && H5Tget_cset(ftype) == H5T_CSET_UTF8 &&
              H5Dread(dset, ftype, H5S_ALL, H5S_ALL, H5P_DEFAULT, keys) >= 0,
          "string table is fixed-length UTF-8 of width %zu", width);
    char *flat = (char *)keys;
    CHECK(!strcmp(flat, "negative.thickness") && !strcmp(flat + 2 * width, "\xce\xb8.max"),
          "string table values (UTF-8 kept)");
    H5Tclose(ftype);
    H5Dclose(dset);

    CHECK(!strcmp(str_attr(file, "/", "version", buf, sizeof(buf)), "v0.1-test"),
          "root version attribute");
    CHECK(!strcmp(str_attr(file, "/", "status", buf, sizeof(buf)), "complete"),
          "status attribute replaced (got '%s')", buf);
    CHECK(!strcmp(str_attr(file, "/case", "name", buf, sizeof(buf)), "cc_1C"),
          "/case name attribute");
    CHECK_CLOSE(double_attr(file, "/parameters", "negative.thickness"), 1e-4, 0, 0,
                "double attribute");
    CHECK(!strcmp(str_attr(file, "/parameters", "negative.thickness.units", buf, sizeof(buf)), "m"),
          "units of a double attribute in NAME.units");
    long steps = 0;
    hid_t attr = H5Aopen_by_name(file, "/solver_stats/ida", "steps", H5P_DEFAULT, H5P_DEFAULT);
    CHECK(H5Aread(attr, H5T_NATIVE_LONG, &steps) >= 0 && steps == 123456789012L,
          "long attribute (got %ld)", steps);
    H5Aclose(attr);

    CHECK(shape(file, "/sweep/results", dims) == 2 && dims[0] == 3 && dims[1] == 3,
          "appended table is [3 x 3]");
    CHECK(read_doubles(file, "/sweep/results", sweep) >= 0 && sweep[2 * 3 + 1] == 4.0,
          "appended values");
    CHECK(!strcmp(str_attr(file, "/sweep/results", "units", buf, sizeof(buf)), "1"),
          "appended table units");
    H5Fclose(file);

    /* Resume: append in place. */
    upscale_output *o = NULL;
    double row[3] = {30, 31, 32};
    CHECK_OK(upscale_output_open_append(path, &o));
    CHECK_OK(upscale_output_append_row(o, "/sweep/results", "1", 3, row));
    CHECK(!exists(tmp), "open_append writes in place");
    CHECK_OK(upscale_output_close(&o));
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(shape(file, "/sweep/results", dims) == 2 && dims[0] == 4 &&
              read_doubles(file, "/sweep/results", sweep) >= 0 && sweep[3 * 3 + 2] == 32.0,
          "row appended after reopening");
    CHECK(shape(file, "/timeseries/time", dims) == 1, "earlier data kept after reopening");
    H5Fclose(file);
}

static void check_discard(void)
{
    char path[512], tmp[512];
    upscale_output *o = NULL;
    double x[2] = {1, 2};
    join(path, sizeof(path), "discarded.h5");
    join(tmp, sizeof(tmp), "discarded.h5.tmp");
    CHECK_OK(upscale_output_create(path, &o));
    CHECK_OK(upscale_output_write_vector(o, "/x", "m", 2, x));
    upscale_output_discard(&o);
    CHECK(o == NULL, "discard NULLs the handle");
    upscale_output_discard(&o);
    CHECK(!exists(path) && !exists(tmp) && temporaries("discarded.h5") == 0,
          "discard leaves nothing");

    /* Discarding an in-place handle keeps the file. */
    CHECK_OK(create_and_close(path));
    CHECK_OK(upscale_output_open_append(path, &o));
    upscale_output_discard(&o);
    CHECK(exists(path), "discard after open_append keeps the file");
    remove(path);
}

static void check_errors(void)
{
    char path[512];
    upscale_err e;
    long n;

    join(path, sizeof(path), "no/such/dir/out.h5");
    n = stderr_bytes_during(create_and_close, path, &e);
    CHECK(e == UPSCALE_ERR_IO, "create in a missing directory returns UPSCALE_ERR_IO (%d)", e);
    CHECK(strstr(upscale_error_message(), "cannot create the temporary file '") &&
              strstr(upscale_error_message(), path),
          "message names the temporary and the file: %s", upscale_error_message());
    CHECK(n == 0, "nothing printed on stderr (%ld bytes)", n);

    /* The rename fails (PATH became a directory): the error names both, no temporary. */
    join(path, sizeof(path), "d.h5");
    mkdir(path, 0777);
    e = create_and_close(path);
    CHECK(e == UPSCALE_ERR_IO && strstr(upscale_error_message(), "cannot rename '") &&
              strstr(upscale_error_message(), path),
          "close onto a directory fails: %s", upscale_error_message());
    CHECK(temporaries("d.h5") == 0, "a failed close removes the temporary");
    rmdir(path);

    join(path, sizeof(path), "missing.h5");
    n = stderr_bytes_during(open_append_and_close, path, &e);
    CHECK(e == UPSCALE_ERR_IO && strstr(upscale_error_message(), "cannot open '"),
          "open_append of a missing file fails: %s", upscale_error_message());
    CHECK(n == 0, "nothing printed on stderr (%ld bytes)", n);

    join(path, sizeof(path), "text.h5");
    FILE *f = fopen(path, "w");
    fputs("not HDF5\n", f);
    fclose(f);
    n = stderr_bytes_during(open_append_and_close, path, &e);
    CHECK(e == UPSCALE_ERR_IO && strstr(upscale_error_message(), "cannot open '"),
          "open_append of a text file fails: %s", upscale_error_message());
    CHECK(n == 0, "nothing printed on stderr (%ld bytes)", n);
    remove(path);

    n = stderr_bytes_during(attr_below_dataset, written_path, &e);
    CHECK(e == UPSCALE_ERR_IO && strstr(upscale_error_message(), "/timeseries/time/x") &&
              strstr(upscale_error_message(), written_path),
          "HDF5 failure names object and file: %s", upscale_error_message());
    CHECK(n == 0, "nothing printed on stderr (%ld bytes)", n);
    upscale_error_clear();
}

/* A process that exits with an output still open (a bug, or exit() from deep inside) leaves
 * a complete HDF5 temporary, closed at exit, as HDF5's own exit handler did before upscale
 * kept it for that case only.  Run first, in a child that has not used HDF5 yet. */
static void check_exit_with_open_file(void)
{
    char path[512], found[600] = "";
    join(path, sizeof(path), "left.h5");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        upscale_output *o = NULL;
        double v[3] = {1.0, 2.0, 3.0};
        if (upscale_output_create(path, &o) || upscale_output_write_vector(o, "/x", "m", 3, v) ||
            upscale_output_attr_string(o, "/", "status", "running"))
            _exit(1);
        exit(0);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exits with the file open");
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (!strncmp(e->d_name, "left.h5.tmp.", strlen("left.h5.tmp.")))
            snprintf(found, sizeof(found), "%s/%s", dir, e->d_name);
    if (d) closedir(d);
    CHECK(found[0] && !exists(path), "the temporary is left, not renamed: '%s'", found);
    if (!found[0]) return;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t file = H5Fopen(found, H5F_ACC_RDONLY, H5P_DEFAULT);
    double v[3] = {0};
    hid_t dset = file >= 0 ? H5Dopen2(file, "/x", H5P_DEFAULT) : -1;
    CHECK(dset >= 0 && H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 &&
              v[2] == 3.0,
          "it was closed at exit: a valid HDF5 file with its dataset");
    if (dset >= 0) H5Dclose(dset);
    if (file >= 0) H5Fclose(file);
    remove(found);
}

int main(void)
{
    char tmp[512];
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    join(written_path, sizeof(written_path), "out.h5");
    join(tmp, sizeof(tmp), "out.h5.tmp");

    check_exit_with_open_file();
    write_file(written_path, tmp);
    check_file(written_path, tmp);
    check_discard();
    check_errors();

    remove(written_path);
    CHECK(rmdir(dir) == 0, "test directory left empty");
    return CHECK_DONE();
}
