/* The results file of a sweep (upscale/sweep.h, layout in docs/sweeps.md).
 *
 * Created once with the definition; every later change (a new session, a batch of
 * finished points) is one commit: copy RESULTS to a new RESULTS.tmp.XXXXXX, open the copy
 * in place, append, close, fsync, rename over RESULTS.  One sweep at a time writes it
 * (the lock RESULTS.lock).  A sweep killed at any moment leaves either
 * the previous or the new file, never a half-written one, and readers (plots, a test
 * polling the file) always see a complete file. */
#include "upscale/sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upscale/file.h"
#include "upscale/h5read.h"
#include "upscale/output.h"
#include "upscale_version.h"

#define PATH_MAX_LEN 4096

/* The per-point tables below /results, one row per finished point. */
enum {
    COL_POINT,
    COL_STATUS,
    COL_CAPACITY,
    COL_ENERGY,
    COL_MEAN_VOLTAGE,
    COL_FINAL_VOLTAGE,
    COL_FINAL_TIME,
    COL_MAX_OVERPOTENTIAL,
    COL_THEORETICAL_CAPACITY,
    COL_INVENTORY_DRIFT,
    COL_WALL_TIME,
    COL_START_TIME,
    COL_END_TIME,
    COL_RANK,
    COL_SESSION,
    COL_STEPS,
    COL_NEWTON_ITERATIONS,
    COL_RESIDUAL_EVALUATIONS,
    COL_JACOBIAN_EVALUATIONS,
    COL_NEWTON_FAILURES,
    COL_ERROR_TEST_FAILURES,
    NCOLS
};

static const struct {
    const char *name, *units;
} cols[NCOLS] = {
    {"point", "1"},
    {"status", "1"},
    {"capacity", "Ah/m^2"},
    {"energy", "Wh/m^2"},
    {"mean_voltage", "V"},
    {"final_voltage", "V"},
    {"final_time", "s"},
    {"max_overpotential", "V"},
    {"theoretical_capacity", "Ah/m^2"},
    {"inventory_drift", "1"},
    {"wall_time", "s"},
    {"start_time", "s"},
    {"end_time", "s"},
    {"rank", "1"},
    {"session", "1"},
    {"steps", "1"},
    {"newton_iterations", "1"},
    {"residual_evaluations", "1"},
    {"jacobian_evaluations", "1"},
    {"newton_failures", "1"},
    {"error_test_failures", "1"},
};

static void row_values(const upscale_sweep_record *r, double *v)
{
    const upscale_run_result *x = &r->run;
    v[COL_POINT] = r->point;
    v[COL_STATUS] = r->status;
    v[COL_CAPACITY] = x->capacity;
    v[COL_ENERGY] = x->energy;
    v[COL_MEAN_VOLTAGE] = x->mean_voltage;
    v[COL_FINAL_VOLTAGE] = x->final_voltage;
    v[COL_FINAL_TIME] = x->final_time;
    v[COL_MAX_OVERPOTENTIAL] = x->max_overpotential;
    v[COL_THEORETICAL_CAPACITY] = x->theoretical_capacity;
    v[COL_INVENTORY_DRIFT] = x->inventory_drift;
    v[COL_WALL_TIME] = r->wall_time;
    v[COL_START_TIME] = r->start_time;
    v[COL_END_TIME] = r->end_time;
    v[COL_RANK] = r->rank;
    v[COL_SESSION] = r->session;
    v[COL_STEPS] = (double)x->stats.steps;
    v[COL_NEWTON_ITERATIONS] = (double)x->stats.newton_iters;
    v[COL_RESIDUAL_EVALUATIONS] = (double)x->stats.residual_evals;
    v[COL_JACOBIAN_EVALUATIONS] = (double)x->stats.jacobian_evals;
    v[COL_NEWTON_FAILURES] = (double)x->stats.newton_fails;
    v[COL_ERROR_TEST_FAILURES] = (double)x->stats.error_test_fails;
}

/* Units of a swept key's SI values ("1" for keys not read as quantities). */
static const char *key_units(const upscale_sweep *s, int k)
{
    const char *u = upscale_sweep_si_unit(s, k);
    return u[0] ? u : "1";
}

/* ---- atomic commits ----------------------------------------------------------------- */

/* Copy from into the open descriptor out (the file to), which is closed here. */
static upscale_err copy_file(const char *from, int out, const char *to)
{
    int in = open(from, O_RDONLY);
    if (in < 0) {
        int err = errno;
        close(out);
        UPSCALE_CHECK(0, UPSCALE_ERR_IO, "cannot open '%s': %s", from, strerror(err));
    }
    char buf[65536];
    upscale_err e = UPSCALE_OK;
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n == 0) break;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                  "cannot read '%s': %s", from, strerror(errno));
            break;
        }
        for (ssize_t done = 0; done < n && !e;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0)
                e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                      "cannot write '%s': %s", to, strerror(errno));
            else
                done += w;
        }
        if (e) break;
    }
    close(in);
    if (close(out) != 0 && !e)
        e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__, "cannot write '%s': %s",
                              to, strerror(errno));
    return e;
}

/* Open a copy of path (a new path.tmp.XXXXXX) for changes. */
static upscale_err begin(const char *path, char *tmp, size_t size, upscale_output **o)
{
    int fd = upscale_file_temporary(path, tmp, size);
    UPSCALE_CHECK(fd >= 0, UPSCALE_ERR_IO, "cannot create the temporary file '%s' for '%s': %s",
                  tmp, path, strerror(errno));
    upscale_err e = copy_file(path, fd, tmp);
    if (!e) e = upscale_output_open_append(tmp, o);
    if (e) remove(tmp);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

/* Remove path.tmp and path.tmp.XXXXXX (left by a killed sweep; the caller holds the lock). */
static void remove_stale(const char *path)
{
    char dir[PATH_MAX_LEN], name[2 * PATH_MAX_LEN];
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (slash == path) snprintf(dir, sizeof(dir), "/");
    size_t n = strlen(base);
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        const char *s = e->d_name;
        if (strncmp(s, base, n) || strncmp(s + n, ".tmp", 4)) continue;
        if (s[n + 4] && (s[n + 4] != '.' || strlen(s + n + 5) != 6)) continue;
        snprintf(name, sizeof(name), "%s/%s", dir, s);
        unlink(name);
    }
    if (d) closedir(d);
}

upscale_err upscale_sweep_results_lock(const char *path, int *fd)
{
    char lock[PATH_MAX_LEN];
    UPSCALE_CHECK(snprintf(lock, sizeof(lock), "%s.lock", path) < (int)sizeof(lock), UPSCALE_ERR_IO,
                  "file name too long: '%s'", path);
    for (int attempt = 0; attempt < 100; attempt++) {
        int f = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        UPSCALE_CHECK(f >= 0, UPSCALE_ERR_IO, "cannot create the lock file '%s': %s", lock,
                      strerror(errno));
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(f, F_SETLK, &fl) != 0) {
            int err = errno;
            struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
            long pid = fcntl(f, F_GETLK, &q) == 0 && q.l_type != F_UNLCK ? (long)q.l_pid : 0;
            close(f);
            UPSCALE_CHECK(err != EACCES && err != EAGAIN, UPSCALE_ERR_IO,
                          "'%s' is being written by another sweep (process %ld holds '%s'); "
                          "wait for it to end or give another output with -o",
                          path, pid, lock);
            UPSCALE_CHECK(0, UPSCALE_ERR_IO, "cannot lock '%s': %s", lock, strerror(err));
        }
        /* A sweep that ended meanwhile removed the file we locked: lock the new one. */
        struct stat a, b;
        if (fstat(f, &a) == 0 && stat(lock, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino) {
            char pid[32];
            int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
            int written = ftruncate(f, 0) == 0 && write(f, pid, (size_t)len) == len;
            (void)written; /* the pid is only informative */
            remove_stale(path);
            *fd = f;
            return UPSCALE_OK;
        }
        close(f);
    }
    UPSCALE_CHECK(0, UPSCALE_ERR_IO, "cannot lock '%s': it keeps being replaced", lock);
}

void upscale_sweep_results_unlock(const char *path, int fd)
{
    char lock[PATH_MAX_LEN];
    if (fd < 0) return;
    if (snprintf(lock, sizeof(lock), "%s.lock", path) < (int)sizeof(lock)) unlink(lock);
    close(fd);
}

/* Close the copy, make it durable, rename it over path; on error e (or a failure here)
 * the copy is removed and path is left as it was. */
static upscale_err commit(const char *path, const char *tmp, upscale_output **o, upscale_err e)
{
    if (e) {
        upscale_output_discard(o);
        remove(tmp);
        return e;
    }
    e = upscale_output_close(o);
    if (!e) {
        int fd = open(tmp, O_RDONLY);
        if (fd < 0 || fsync(fd) != 0)
            e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                  "cannot sync '%s': %s", tmp, strerror(errno));
        if (fd >= 0) close(fd);
    }
    if (!e && rename(tmp, path) != 0)
        e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                              "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
    if (e) remove(tmp);
    return e;
}

/* ---- creating ------------------------------------------------------------------------ */

/* /parameters: every parameter of point 0 as read, in the layout of a single run's file
 * (key, value as written, SI value and unit, source file:line); the swept keys vary from
 * point to point (/sweep/value). */
static upscale_err write_parameters(upscale_output *o, const upscale_params *p)
{
    UPSCALE_CALL(upscale_output_write_parameters(o, "", p));
    if (p && upscale_params_count(p))
        UPSCALE_CALL(upscale_output_attr_string(o, "/parameters", "meaning",
                                                "every parameter of point 0 as read; the swept "
                                                "keys differ from point to point (/sweep/value)"));
    return UPSCALE_OK;
}

static upscale_err write_definition(upscale_output *o, const upscale_sweep *s,
                                    const char *command_line)
{
    int n = upscale_sweep_count(s), nk = upscale_sweep_nkeys(s);
    const char *def = upscale_sweep_definition(s);
    UPSCALE_CALL(upscale_output_attr_string(o, "/", "version", UPSCALE_GIT_DESCRIBE));
    UPSCALE_CALL(upscale_output_attr_string(o, "/", "sweep_file", upscale_sweep_file(s)));
    UPSCALE_CALL(upscale_output_attr_string(o, "/", "base", upscale_sweep_base(s)));
    UPSCALE_CALL(upscale_output_attr_string(o, "/", "name", upscale_sweep_name(s)));
    UPSCALE_CALL(upscale_output_attr_string(o, "/", "command_line", command_line));
    UPSCALE_CALL(upscale_output_attr_string(o, "/", "sweep_hash", upscale_sweep_hash(s)));
    UPSCALE_CALL(upscale_output_attr_long(o, "/", "points", n));
    UPSCALE_CALL(upscale_output_attr_long(o, "/", "sessions", 1));
    UPSCALE_CALL(upscale_output_write_strings(o, "/sweep/definition", 1, &def));
    UPSCALE_CALL(upscale_output_attr_string(
        o, "/sweep/definition", "meaning",
        "canonical text of the sweep (base as written, set, every point's overrides); "
        "sweep_hash is its 64-bit FNV-1a hash"));
    const char **keys = malloc(sizeof(char *) * (nk ? nk : 1));
    const char **units = malloc(sizeof(char *) * (nk ? nk : 1));
    const char **text = malloc(sizeof(char *) * (n ? n : 1));
    double *si = malloc(sizeof(double) * (n ? n : 1));
    upscale_err e = keys && units && text && si ? UPSCALE_OK : UPSCALE_ERR_MEMORY;
    if (e) e = upscale_error_set(e, __FILE__, __LINE__, __func__, "out of memory");
    for (int k = 0; !e && k < nk; k++) {
        keys[k] = upscale_sweep_key(s, k);
        units[k] = key_units(s, k);
    }
    if (!e) e = upscale_output_write_strings(o, "/sweep/keys", (size_t)nk, keys);
    if (!e) e = upscale_output_write_strings(o, "/sweep/si_unit", (size_t)nk, units);
    for (int k = 0; !e && k < nk; k++) {
        char path[700];
        for (int i = 0; i < n; i++) {
            text[i] = upscale_sweep_value(s, i, k);
            si[i] = upscale_sweep_si_value(s, i, k);
        }
        snprintf(path, sizeof(path), "/sweep/text/%s", keys[k]);
        e = upscale_output_write_strings(o, path, (size_t)n, text);
        snprintf(path, sizeof(path), "/sweep/value/%s", keys[k]);
        if (!e) e = upscale_output_write_vector(o, path, units[k], (size_t)n, si);
    }
    free(keys);
    free(units);
    free(text);
    free(si);
    if (!e) e = write_parameters(o, upscale_sweep_parameters(s));
    return e;
}

static upscale_err create(const upscale_sweep *s, const char *path, const char *command_line)
{
    upscale_output *o;
    UPSCALE_CALL(upscale_output_create(path, &o));
    upscale_err e = write_definition(o, s, command_line);
    if (e) {
        upscale_output_discard(&o);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    UPSCALE_CALL(upscale_output_close(&o));
    return UPSCALE_OK;
}

/* ---- resuming ------------------------------------------------------------------------ */

/* The first line where two definitions differ, quoted (at most ~100 characters each). */
static void first_difference(const char *a, const char *b, char *out, size_t size)
{
    while (*a || *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        if (la != lb || strncmp(a, b, la)) {
            snprintf(out, size, "'%.*s' here, '%.*s' there", (int)(la < 100 ? la : 100), a,
                     (int)(lb < 100 ? lb : 100), b);
            if (!la) snprintf(out, size, "'%.*s' only there", (int)(lb < 100 ? lb : 100), b);
            if (!lb) snprintf(out, size, "'%.*s' only here", (int)(la < 100 ? la : 100), a);
            return;
        }
        a += la + (ea ? 1 : 0);
        b += lb + (eb ? 1 : 0);
    }
    snprintf(out, size, "no line differs");
}

/* Read what the existing file says: check the definition, mark recorded points. */
static upscale_err read_existing(const upscale_sweep *s, const char *path, int *done,
                                 long *sessions)
{
    upscale_h5read *r;
    UPSCALE_CALL(upscale_h5read_open(path, &r));
    char *hash = NULL, **def = NULL;
    double *points = NULL, *status = NULL;
    size_t ndef = 0;
    upscale_err e = UPSCALE_OK;
    if (upscale_h5read_attr_string(r, "/", "sweep_hash", &hash)) {
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s: '%s' exists and is not the results file of a sweep; give "
                              "another output with -o",
                              upscale_sweep_file(s), path);
        goto cleanup;
    }
    if (strcmp(hash, upscale_sweep_hash(s))) {
        char diff[300] = "the definition could not be read";
        if (!upscale_h5read_strings(r, "/sweep/definition", &ndef, &def) && ndef == 1)
            first_difference(upscale_sweep_definition(s), def[0], diff, sizeof(diff));
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s: disagrees with the sweep in '%s' (definition hash %s, the file "
                              "has %s; first difference: %s); give another output with -o or "
                              "remove '%s' to start again",
                              upscale_sweep_file(s), path, upscale_sweep_hash(s), hash, diff, path);
        goto cleanup;
    }
    if ((e = upscale_h5read_attr_long(r, "/", "sessions", sessions))) goto cleanup;
    if (upscale_h5read_exists(r, "/results/point")) {
        int rank;
        size_t dims[UPSCALE_H5READ_RANK_MAX];
        if ((e = upscale_h5read_shape(r, "/results/point", &rank, dims))) goto cleanup;
        size_t rows = rank == 2 ? dims[0] : 0;
        points = malloc(sizeof(double) * (rows ? rows : 1));
        if (!points) {
            e = upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__,
                                  "out of memory");
            goto cleanup;
        }
        if (rows && (e = upscale_h5read_doubles(r, "/results/point", rows, points))) goto cleanup;
        status = malloc(sizeof(double) * (rows ? rows : 1));
        if (!status) {
            e = upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__,
                                  "out of memory");
            goto cleanup;
        }
        if (rows && (e = upscale_h5read_doubles(r, "/results/status", rows, status))) goto cleanup;
        for (size_t i = 0; i < rows; i++) {
            long p = (long)points[i];
            if (p < 0 || p >= upscale_sweep_count(s) || p != points[i]) {
                e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                      "'%s': /results/point row %zu holds %g, not a point of the "
                                      "sweep",
                                      path, i, points[i]);
                goto cleanup;
            }
            done[p] = status[i] == 0 ? 1 : 2;
        }
    }
cleanup:
    free(hash);
    free(def);
    free(points);
    free(status);
    upscale_h5read_close(&r);
    return e;
}

upscale_err upscale_sweep_results_open(const upscale_sweep *s, const char *path,
                                       const char *command_line, int *done, int *session)
{
    memset(done, 0, sizeof(int) * (size_t)upscale_sweep_count(s));
    if (access(path, F_OK) != 0) {
        UPSCALE_CALL(create(s, path, command_line));
        *session = 1;
        return UPSCALE_OK;
    }
    long sessions = 0;
    UPSCALE_CALL(read_existing(s, path, done, &sessions));
    *session = (int)sessions + 1;
    char tmp[PATH_MAX_LEN];
    upscale_output *o;
    UPSCALE_CALL(begin(path, tmp, sizeof(tmp), &o));
    upscale_err e = upscale_output_attr_long(o, "/", "sessions", *session);
    if (!e) e = upscale_output_attr_string(o, "/", "command_line", command_line);
    UPSCALE_CALL(commit(path, tmp, &o, e));
    return UPSCALE_OK;
}

/* ---- appending ----------------------------------------------------------------------- */

static upscale_err append_one(upscale_output *o, const upscale_sweep *s,
                              const upscale_sweep_record *r)
{
    double v[NCOLS];
    char path[700];
    row_values(r, v);
    for (int c = 0; c < NCOLS; c++) {
        snprintf(path, sizeof(path), "/results/%s", cols[c].name);
        UPSCALE_CALL(upscale_output_append_row(o, path, cols[c].units, 1, &v[c]));
    }
    for (int k = 0; k < upscale_sweep_nkeys(s); k++) {
        double x = upscale_sweep_si_value(s, r->point, k);
        snprintf(path, sizeof(path), "/results/input/%s", upscale_sweep_key(s, k));
        UPSCALE_CALL(upscale_output_append_row(o, path, key_units(s, k), 1, &x));
    }
    if (r->status || strcmp(r->message, "complete")) {
        const char *msg = r->message;
        int digits = 4;
        for (int n = upscale_sweep_count(s) - 1; n >= 10000; n /= 10)
            digits++;
        snprintf(path, sizeof(path), "/results/messages/%0*d", digits, r->point);
        UPSCALE_CALL(upscale_output_write_strings(o, path, 1, &msg));
    }
    return UPSCALE_OK;
}

static upscale_err describe(upscale_output *o)
{
    UPSCALE_CALL(upscale_output_attr_string(
        o, "/results", "meaning",
        "one row per finished point in the order they finished; /results/point is the point "
        "number (row of /sweep/text/*, /sweep/value/*), /results/input/KEY its SI inputs"));
    UPSCALE_CALL(upscale_output_attr_string(
        o, "/results/status", "meaning",
        "0 complete, or no step could start at a physical limit (message 'limit: ...'); 3 "
        "solver failure (results up to the failure); 2 bad input; 4 I/O error; 5 out of "
        "memory; the message of a failed or limited point is /results/messages/NNNN"));
    UPSCALE_CALL(upscale_output_attr_string(o, "/results/start_time", "meaning",
                                            "wall clock, seconds since the Unix epoch"));
    UPSCALE_CALL(upscale_output_attr_string(o, "/results/end_time", "meaning",
                                            "wall clock, seconds since the Unix epoch"));
    UPSCALE_CALL(upscale_output_attr_string(o, "/results/session", "meaning",
                                            "the invocation that ran the point: 1 the first, "
                                            "2 the first resume, ..."));
    return UPSCALE_OK;
}

upscale_err upscale_sweep_results_append(const upscale_sweep *s, const char *path,
                                         const upscale_sweep_record *rec, int n)
{
    if (n <= 0) return UPSCALE_OK;
    char tmp[PATH_MAX_LEN];
    upscale_output *o;
    UPSCALE_CALL(begin(path, tmp, sizeof(tmp), &o));
    upscale_err e = UPSCALE_OK;
    for (int i = 0; i < n && !e; i++)
        e = append_one(o, s, &rec[i]);
    if (!e) e = describe(o);
    UPSCALE_CALL(commit(path, tmp, &o, e));
    return UPSCALE_OK;
}
