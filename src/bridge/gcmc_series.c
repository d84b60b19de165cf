/* Window files of the biased-GCMC importer: the particle-number series of one window from
 * a plain column file or from the runs of a LAMMPS log (formats: gcmc.h). */
#include "upscale/gcmc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "upscale/file.h"
#include "upscale/lammps.h"

#define MAX_TOKENS 256

/* Growing array of doubles. */
typedef struct {
    double *v;
    int n, cap;
} vec;

static upscale_err vec_push(vec *a, double x)
{
    if (a->n == a->cap) {
        int cap = a->cap ? 2 * a->cap : 1024;
        double *v = realloc(a->v, (size_t)cap * sizeof(*v));
        UPSCALE_ALLOC_CHECK(v);
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = x;
    return UPSCALE_OK;
}

/* Split line in place at whitespace; returns the token count (at most max). */
static int tokenize(char *line, char **tok, int max)
{
    int n = 0;
    char *p = line;
    while (*p) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p) break;
        if (n == max) return max + 1;
        tok[n++] = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if (*p) *p++ = '\0';
    }
    return n;
}

static int parse_number(const char *s, double *x)
{
    char *end;
    errno = 0;
    *x = strtod(s, &end);
    return end != s && *end == '\0' && errno != ERANGE;
}

static const char *skip_space(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return s;
}

/* 1-based index if column is a positive integer, else 0. */
static int column_index(const char *column)
{
    char *end;
    long k = strtol(column, &end, 10);
    return (*column && *end == '\0' && k > 0 && k < MAX_TOKENS) ? (int)k : 0;
}

/* Is this line a LAMMPS thermo header ("Step Temp ...")? */
static int is_thermo_header(const char *line)
{
    const char *p = skip_space(line);
    if (strncmp(p, "Step", 4) != 0 || !isspace((unsigned char)p[4])) return 0;
    p = skip_space(p + 4);
    return *p && !isdigit((unsigned char)*p) && *p != '-';
}

/* A thermo_style multi record: "---------------- Step N ----- CPU = ..." */
static int is_multi_record(const char *line)
{
    const char *p = skip_space(line);
    if (strncmp(p, "----", 4)) return 0;
    while (*p == '-')
        p++;
    p = skip_space(p);
    return !strncmp(p, "Step", 4);
}

static upscale_err check_value(const char *path, int line, double N)
{
    UPSCALE_CHECK(isfinite(N) && N >= 0, UPSCALE_ERR_INPUT,
                  "%s:%d: expected a particle number >= 0, got %g", path, line, N);
    return UPSCALE_OK;
}

static upscale_err read_plain(FILE *f, const char *path, const char *column, vec *out)
{
    char *line = NULL, *header = NULL;
    size_t cap = 0;
    char *tok[MAX_TOKENS + 1];
    int lineno = 0, ncol = 0, col = 0;
    double last = 0;
    upscale_err e = UPSCALE_OK;
    ssize_t len = 0;
    while (!e && (len = upscale_file_getline(&line, &cap, f)) >= 0) {
        lineno++;
        const char *p = skip_space(line);
        if (*p == '#') {
            free(header);
            header = strdup(p + 1);
            if (!header)
                e = upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__,
                                      "out of memory");
            continue;
        }
        if (!*p) continue;
        int n = tokenize(line, tok, MAX_TOKENS);
        double v[MAX_TOKENS];
        for (int k = 0; k < n && k < MAX_TOKENS && !e; k++)
            if (!parse_number(tok[k], &v[k]))
                e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                      "%s:%d: expected numbers, got '%s'", path, lineno, tok[k]);
        if (e) break;
        if (!ncol) {
            ncol = n;
            col = column && *column ? column_index(column) : 2;
            if (!col) {
                /* a name: look it up in the last comment line before the data */
                char *htok[MAX_TOKENS + 1];
                int nh = header ? tokenize(header, htok, MAX_TOKENS) : 0;
                for (int k = 0; k < nh && k < MAX_TOKENS; k++)
                    if (!strcmp(htok[k], column)) col = k + 1;
                if (!col) {
                    e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                          "%s:%d: no column '%s' in the last '#' line before the "
                                          "data",
                                          path, lineno, column);
                    break;
                }
            }
            if (col > ncol) {
                e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                      "%s:%d: N is column %d but the row has %d columns", path,
                                      lineno, col, ncol);
                break;
            }
        }
        if (n != ncol) {
            e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                  "%s:%d: expected %d columns as in the first row, got %d "
                                  "(truncated file?)",
                                  path, lineno, ncol, n);
            break;
        }
        /* with N in another column, the first is the step (or time): strictly increasing */
        if (col != 1 && out->n > 0 && !(v[0] > last)) {
            e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                  "%s:%d: step %g is not after the previous %g (unsorted or "
                                  "repeated rows)",
                                  path, lineno, v[0], last);
            break;
        }
        last = v[0];
        e = check_value(path, lineno, v[col - 1]);
        if (!e) e = vec_push(out, v[col - 1]);
    }
    free(line);
    free(header);
    if (!e && len == -2)
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s:%d: line longer than %d bytes", path, lineno + 1,
                              UPSCALE_FILE_MAX_LINE);
    UPSCALE_CALL(e);
    UPSCALE_CHECK(out->n > 0, UPSCALE_ERR_INPUT, "%s: no data rows", path);
    return UPSCALE_OK;
}

/* The runs of a LAMMPS log (src/bridge/lammps.c reads every layout, thermo_style multi
 * included) with the column, in order; aborted runs are dropped and counted. */
static upscale_err read_lammps(const char *path, const char *column, vec *out, int *dropped,
                               int *dropped_line)
{
    const char *name = column && *column ? column : "Atoms";
    int index = column_index(name);
    upscale_lammps_log *log = NULL;
    upscale_err e = upscale_lammps_log_read(path, &log);
    if (e == UPSCALE_ERR_IO) {
        upscale_error_clear();
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s: cannot read the LAMMPS log", path);
    }
    UPSCALE_CALL(e);
    int nruns = upscale_lammps_log_nruns(log), used = 0, have_last = 0;
    double last_step = 0;
    for (int r = 0; r < nruns && !e; r++) {
        const upscale_lammps_run *run = upscale_lammps_log_run(log, r);
        const upscale_lammps_table *t = &run->thermo;
        int col =
            index ? (index <= t->ncols ? index - 1 : -1) : upscale_lammps_table_column(t, name);
        if (col < 0) continue;
        used++;
        if (run->status == UPSCALE_LAMMPS_RUN_ABORTED) {
            if (!*dropped) *dropped_line = run->end_line;
            (*dropped)++;
            continue;
        }
        if (run->status == UPSCALE_LAMMPS_RUN_TRUNCATED) {
            e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                  "%s:%d: run %d ends without 'Loop time' (truncated file?)", path,
                                  run->end_line, r + 1);
            break;
        }
        int step = upscale_lammps_table_column(t, "Step");
        for (int i = 0; i < t->nrows && !e; i++) {
            const double *row = t->data + (size_t)i * t->ncols;
            /* the first row of a run repeats the last step of the previous run */
            if (step >= 0 && have_last && i == 0 && row[step] == last_step) continue;
            if (step >= 0) {
                have_last = 1;
                last_step = row[step];
            }
            e = check_value(path, t->lines[i], row[col]);
            if (!e) e = vec_push(out, row[col]);
        }
    }
    upscale_lammps_log_destroy(&log);
    UPSCALE_CALL(e);
    UPSCALE_CHECK(used > 0, UPSCALE_ERR_INPUT,
                  "%s: none of the %d runs has a thermo column '%s' (name it with the manifest's "
                  "'# N_column:' line)",
                  path, nruns, name);
    UPSCALE_CHECK(out->n > 0, UPSCALE_ERR_INPUT,
                  "%s: no thermo rows with column '%s' (%d run(s) with it ended in ERROR)", path,
                  name, *dropped);
    return UPSCALE_OK;
}

upscale_err upscale_gcmc_series_read(const char *path, const char *column, double **N, int *n)
{
    int dropped, line;
    UPSCALE_CALL(upscale_gcmc_series_read_runs(path, column, N, n, &dropped, &line));
    return UPSCALE_OK;
}

upscale_err upscale_gcmc_series_read_runs(const char *path, const char *column, double **N, int *n,
                                          int *dropped, int *dropped_line)
{
    *N = NULL;
    *n = 0;
    *dropped = 0;
    *dropped_line = 0;
    FILE *f;
    UPSCALE_CALL(upscale_file_open_input(path, UPSCALE_ERR_INPUT, &f));
    /* a LAMMPS log has a thermo header line; anything else is a plain series */
    char *line = NULL;
    size_t cap = 0;
    int lammps = 0;
    for (int k = 0; !lammps && upscale_file_getline(&line, &cap, f) >= 0; k++)
        lammps = is_thermo_header(line) || (k == 0 && !strncmp(line, "LAMMPS (", 8)) ||
                 is_multi_record(line);
    free(line);
    rewind(f);
    vec v = {0};
    upscale_err e = UPSCALE_OK;
    if (lammps) {
        fclose(f);
        e = read_lammps(path, column, &v, dropped, dropped_line);
    } else {
        e = read_plain(f, path, column, &v);
        fclose(f);
    }
    if (e) {
        free(v.v);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *N = v.v;
    *n = v.n;
    return UPSCALE_OK;
}
