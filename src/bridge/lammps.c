/* LAMMPS log and fix ave/time readers (see include/upscale/lammps.h for the layouts).
 *
 * The log is read once, line by line, by a small state machine:
 *   OUTSIDE  echoed commands (units, timestep, run, thermo_style, thermo_modify, fix, unfix)
 *            update the state; "Per MPI rank memory ..." (or a "Step ..." header) opens a run;
 *   SETUP    waiting for the header: the last line made only of words (not WARNING/ERROR)
 *            is the candidate header, and the first line of numbers with as many fields
 *            confirms it; a "---- Step N ----" line starts a thermo_style multi block;
 *   BLOCK    rows of numbers with the header's field count; everything else is skipped;
 *   MULTI    "---- Step N ----" opens a record, "Key = value" triples fill it.
 * "Loop time of" closes a run as completed, "ERROR" as aborted, end of file (or a new
 * run's memory line) as truncated. */
#include "upscale/lammps.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "upscale/file.h"

/* Boltzmann constants from the exact SI values (CODATA 2018; LAMMPS itself uses older ones);
 * default timesteps as in LAMMPS's update.cpp. */
static const upscale_lammps_units styles[] = {
    {UPSCALE_LAMMPS_LJ, "lj", "", "tau", "eps", "sigma^2/tau", "", 1.0, 0.005, 0},
    {UPSCALE_LAMMPS_METAL, "metal", "Angstrom", "ps", "eV", "Angstrom^2/ps", "K", 8.617333262e-5,
     0.001, 1},
    {UPSCALE_LAMMPS_REAL, "real", "Angstrom", "fs", "kcal/mol", "Angstrom^2/fs", "K", 0.0019872043,
     1.0, 1},
    {UPSCALE_LAMMPS_SI, "si", "m", "s", "J", "m^2/s", "K", 1.380649e-23, 1.0e-8, 1},
};

const upscale_lammps_units *upscale_lammps_units_find(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof(styles) / sizeof(styles[0]); i++)
        if (!strcmp(styles[i].name, name)) return &styles[i];
    return NULL;
}

/* ---------------------------------------------------------------- tokens and numbers */

/* One line split on whitespace; the buffers are reused from line to line. */
typedef struct {
    char *buf;
    size_t bufsize;
    char **tok;
    int n, cap;
} tokens;

static upscale_err tokens_split(tokens *t, const char *line)
{
    size_t len = strlen(line) + 1;
    if (len > t->bufsize) {
        char *b = realloc(t->buf, len);
        UPSCALE_ALLOC_CHECK(b);
        t->buf = b;
        t->bufsize = len;
    }
    memcpy(t->buf, line, len);
    t->n = 0;
    char *save = NULL;
    for (char *p = strtok_r(t->buf, " \t\r\n", &save); p; p = strtok_r(NULL, " \t\r\n", &save)) {
        if (t->n == t->cap) {
            int cap = t->cap ? 2 * t->cap : 32;
            char **k = realloc(t->tok, (size_t)cap * sizeof(*k));
            UPSCALE_ALLOC_CHECK(k);
            t->tok = k;
            t->cap = cap;
        }
        t->tok[t->n++] = p;
    }
    return UPSCALE_OK;
}

static void tokens_free(tokens *t)
{
    free(t->buf);
    free(t->tok);
}

/* The whole token is a decimal number (LAMMPS may print nan or inf in thermo output). */
static int is_number(const char *s, double *v)
{
    char *end;
    double x = strtod(s, &end);
    if (end == s || *end != '\0') return 0;
    if (v) *v = x;
    return 1;
}

static int all_numbers(const tokens *t)
{
    for (int i = 0; i < t->n; i++)
        if (!is_number(t->tok[i], NULL)) return 0;
    return t->n > 0;
}

static int no_numbers(const tokens *t)
{
    for (int i = 0; i < t->n; i++)
        if (is_number(t->tok[i], NULL)) return 0;
    return t->n > 0;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* ---------------------------------------------------------------- tables */

int upscale_lammps_table_column(const upscale_lammps_table *t, const char *name)
{
    for (int j = 0; j < t->ncols; j++)
        if (t->names[j] && !strcmp(t->names[j], name)) return j;
    return -1;
}

static void table_clear(upscale_lammps_table *t)
{
    for (int j = 0; j < t->ncols; j++)
        free(t->names[j]);
    free(t->names);
    free(t->data);
    free(t->lines);
    memset(t, 0, sizeof(*t));
}

void upscale_lammps_table_destroy(upscale_lammps_table **t)
{
    if (!t || !*t) return;
    table_clear(*t);
    free(*t);
    *t = NULL;
}

/* Append a column name (data must still be empty). */
static upscale_err table_add_name(upscale_lammps_table *t, const char *name)
{
    char **names = realloc(t->names, (size_t)(t->ncols + 1) * sizeof(*names));
    UPSCALE_ALLOC_CHECK(names);
    t->names = names;
    t->names[t->ncols] = strdup(name);
    UPSCALE_ALLOC_CHECK(t->names[t->ncols]);
    t->ncols++;
    return UPSCALE_OK;
}

/* Append one row of ncols values; *cap is the row capacity, grown geometrically. */
static upscale_err table_add_row(upscale_lammps_table *t, int *cap, const double *v, int line)
{
    if (t->nrows == *cap) {
        int c = *cap ? 2 * *cap : 64;
        double *d = realloc(t->data, (size_t)c * (size_t)t->ncols * sizeof(*d));
        UPSCALE_ALLOC_CHECK(d);
        t->data = d;
        int *l = realloc(t->lines, (size_t)c * sizeof(*l));
        UPSCALE_ALLOC_CHECK(l);
        t->lines = l;
        *cap = c;
    }
    memcpy(t->data + (size_t)t->nrows * (size_t)t->ncols, v, (size_t)t->ncols * sizeof(*v));
    t->lines[t->nrows++] = line;
    return UPSCALE_OK;
}

/* ---------------------------------------------------------------- fix ave/time */

static upscale_err avetime_parse(FILE *f, const char *path, upscale_lammps_table *t, tokens *tk,
                                 char **linebuf, size_t *linecap)
{
    char *names_line = NULL; /* last '#' line before the data */
    int vector_mode = 0, vector_rows = 0, vector_left = 0, cap = 0, lineno = 0;
    int values_per_row = 0; /* vector mode: values after the Row index */
    double *row = NULL;
    upscale_err e = UPSCALE_OK;
    ssize_t len;
#define FAIL(...)                                                                                  \
    do {                                                                                           \
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__, __VA_ARGS__);       \
        goto done;                                                                                 \
    } while (0)
#define TRY(expr)                                                                                  \
    do {                                                                                           \
        e = (expr);                                                                                \
        if (e) goto done;                                                                          \
    } while (0)

    while ((len = upscale_file_getline(linebuf, linecap, f)) >= 0) {
        lineno++;
        const char *line = *linebuf;
        while (*line == ' ' || *line == '\t')
            line++;
        if (*line == '#') {
            if (t->ncols > 0) continue; /* comment after the header is fixed */
            TRY(tokens_split(tk, line + 1));
            if (tk->n == 2 && !strcmp(tk->tok[0], "TimeStep") &&
                !strcmp(tk->tok[1], "Number-of-rows")) {
                vector_mode = 1;
                continue;
            }
            free(names_line);
            names_line = strdup(line + 1);
            if (!names_line) FAIL("out of memory");
            continue;
        }
        TRY(tokens_split(tk, line));
        if (tk->n == 0) continue;
        for (int i = 0; i < tk->n; i++)
            if (!is_number(tk->tok[i], NULL))
                FAIL("%s:%d: '%s' is not a number", path, lineno, tk->tok[i]);

        if (t->ncols == 0) { /* first data line: fix the columns */
            tokens names = {0};
            if (names_line) TRY(tokens_split(&names, names_line));
            if (vector_mode) {
                /* "# Row c_a c_b": columns TimeStep, c_a[1..R], c_b[1..R] */
                if (tk->n != 2 || names.n < 2 || strcmp(names.tok[0], "Row")) {
                    tokens_free(&names);
                    FAIL("%s:%d: vector-mode fix ave/time file: expected 'TimeStep "
                         "Number-of-rows' and a '# Row ...' header",
                         path, lineno);
                }
                vector_rows = (int)strtol(tk->tok[1], NULL, 10);
                values_per_row = names.n - 1;
                e = table_add_name(t, "TimeStep");
                for (int k = 1; !e && k < names.n; k++)
                    for (int r = 1; !e && r <= vector_rows; r++) {
                        char name[256];
                        snprintf(name, sizeof(name), "%s[%d]", names.tok[k], r);
                        e = table_add_name(t, name);
                    }
            } else {
                int named = names.n == tk->n;
                for (int j = 0; !e && j < tk->n; j++)
                    e = table_add_name(t, named ? names.tok[j] : "");
            }
            tokens_free(&names);
            if (e) goto done;
            if ((vector_mode && vector_rows < 1) || t->ncols < 2)
                FAIL("%s:%d: expected at least two columns", path, lineno);
            row = malloc((size_t)t->ncols * sizeof(*row));
            if (!row) FAIL("out of memory");
        }

        if (!vector_mode) {
            if (tk->n != t->ncols)
                FAIL("%s:%d: %d fields, expected %d (truncated file?)", path, lineno, tk->n,
                     t->ncols);
            for (int j = 0; j < tk->n; j++)
                is_number(tk->tok[j], &row[j]);
            TRY(table_add_row(t, &cap, row, lineno));
            continue;
        }
        if (vector_left == 0) { /* block line: "TimeStep Number-of-rows" */
            if (tk->n != 2 || strtol(tk->tok[1], NULL, 10) != vector_rows)
                FAIL("%s:%d: expected 'TimeStep %d' opening a block of rows", path, lineno,
                     vector_rows);
            is_number(tk->tok[0], &row[0]);
            vector_left = vector_rows;
            continue;
        }
        /* row line: "r v1 v2 ..." */
        if (tk->n != 1 + values_per_row)
            FAIL("%s:%d: %d fields, expected %d (truncated file?)", path, lineno, tk->n,
                 1 + values_per_row);
        int r = vector_rows - vector_left;
        for (int k = 0; k < values_per_row; k++)
            is_number(tk->tok[1 + k], &row[1 + k * vector_rows + r]);
        if (--vector_left == 0) TRY(table_add_row(t, &cap, row, lineno));
    }
    if (len == -2)
        FAIL("%s:%d: line longer than %d bytes", path, lineno + 1, UPSCALE_FILE_MAX_LINE);
    if (vector_left > 0)
        FAIL("%s:%d: the file ends inside a block (%d of %d rows missing): truncated", path, lineno,
             vector_left, vector_rows);
    if (t->nrows == 0) FAIL("%s:%d: no data rows", path, lineno);
done:
    free(row);
    free(names_line);
    return e;
#undef FAIL
#undef TRY
}

upscale_err upscale_lammps_avetime_read(const char *path, upscale_lammps_table **out)
{
    UPSCALE_CHECK(path && out, UPSCALE_ERR_INTERNAL, "upscale_lammps_avetime_read: NULL argument");
    *out = NULL;
    FILE *f;
    UPSCALE_CALL(upscale_file_open_input(path, UPSCALE_ERR_IO, &f));
    upscale_lammps_table *t = calloc(1, sizeof(*t));
    if (!t) {
        fclose(f);
        UPSCALE_ALLOC_CHECK(t);
    }
    tokens tk = {0};
    char *line = NULL;
    size_t cap = 0;
    upscale_err e = avetime_parse(f, path, t, &tk, &line, &cap);
    free(line);
    tokens_free(&tk);
    fclose(f);
    if (e) {
        upscale_lammps_table_destroy(&t);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *out = t;
    return UPSCALE_OK;
}

/* ---------------------------------------------------------------- log */

typedef struct {
    char *name, *fix_id; /* base name of the file, id of the fix writing it */
    int line, first_run, last_run, open;
} output_rec;

struct upscale_lammps_log {
    char *path;
    upscale_lammps_run *runs;
    int nruns, runs_cap;
    output_rec *outputs;
    int nout, out_cap;
    char *error; /* an ERROR line outside any run (NULL if none) */
    int error_line;
};

typedef enum { OUTSIDE, SETUP, BLOCK, MULTI } parse_state;

/* Reader state: echoed settings and the run being read. */
typedef struct {
    upscale_lammps_log *log;
    parse_state state;
    const upscale_lammps_units *units;
    int units_line, timestep_line, norm;
    double timestep; /* NAN until echoed */
    long requested;
    upscale_lammps_run *run; /* the open run */
    int row_cap;
    char **cand; /* candidate header (SETUP, or a "Step ..." line OUTSIDE) */
    int ncand, cand_line;
    double *rec; /* MULTI: values of the record being read, rec_line its Step line */
    int rec_cap, rec_line, rec_open, keys_fixed;
} reader;

static void cand_clear(reader *r)
{
    for (int i = 0; i < r->ncand; i++)
        free(r->cand[i]);
    free(r->cand);
    r->cand = NULL;
    r->ncand = 0;
}

static upscale_err cand_set(reader *r, const tokens *t)
{
    cand_clear(r);
    r->cand = calloc((size_t)t->n, sizeof(*r->cand));
    UPSCALE_ALLOC_CHECK(r->cand);
    r->ncand = t->n;
    for (int i = 0; i < t->n; i++) {
        r->cand[i] = strdup(t->tok[i]);
        UPSCALE_ALLOC_CHECK(r->cand[i]);
    }
    return UPSCALE_OK;
}

static upscale_err run_open(reader *r, int line)
{
    upscale_lammps_log *log = r->log;
    if (log->nruns == log->runs_cap) {
        int cap = log->runs_cap ? 2 * log->runs_cap : 8;
        upscale_lammps_run *runs = realloc(log->runs, (size_t)cap * sizeof(*runs));
        UPSCALE_ALLOC_CHECK(runs);
        log->runs = runs;
        log->runs_cap = cap;
    }
    upscale_lammps_run *run = &log->runs[log->nruns++];
    memset(run, 0, sizeof(*run));
    run->status = UPSCALE_LAMMPS_RUN_TRUNCATED;
    run->start_line = line;
    run->end_line = line;
    run->steps_requested = r->requested;
    run->steps_done = -1;
    run->units = r->units;
    run->units_line = r->units_line;
    run->timestep = isnan(r->timestep) ? r->units->default_timestep : r->timestep;
    run->timestep_line = r->timestep_line;
    run->energies_per_atom = r->norm;
    run->message = strdup("");
    UPSCALE_ALLOC_CHECK(run->message);
    r->run = run;
    r->row_cap = 0;
    r->rec_open = 0;
    r->keys_fixed = 0;
    r->requested = -1;
    return UPSCALE_OK;
}

/* The candidate header becomes the open run's columns. */
static upscale_err block_begin(reader *r)
{
    upscale_lammps_table *th = &r->run->thermo;
    for (int j = 0; j < r->ncand; j++)
        UPSCALE_CALL(table_add_name(th, r->cand[j]));
    cand_clear(r);
    r->state = BLOCK;
    return UPSCALE_OK;
}

/* MULTI: the record being read becomes a row. */
static upscale_err multi_flush(reader *r)
{
    if (!r->rec_open) return UPSCALE_OK;
    r->rec_open = 0;
    r->keys_fixed = 1;
    return table_add_row(&r->run->thermo, &r->row_cap, r->rec, r->rec_line);
}

static upscale_err run_close(reader *r, upscale_lammps_run_status status, int line)
{
    if (!r->run) return UPSCALE_OK;
    if (r->state == MULTI) UPSCALE_CALL(multi_flush(r));
    r->run->status = status;
    r->run->end_line = line;
    r->run = NULL;
    r->state = OUTSIDE;
    cand_clear(r);
    return UPSCALE_OK;
}

/* MULTI: make room for ncols values in the record buffer. */
static upscale_err rec_reserve(reader *r, int n)
{
    if (n <= r->rec_cap) return UPSCALE_OK;
    int cap = n > 2 * r->rec_cap ? n : 2 * r->rec_cap;
    double *v = realloc(r->rec, (size_t)cap * sizeof(*v));
    UPSCALE_ALLOC_CHECK(v);
    r->rec = v;
    r->rec_cap = cap;
    return UPSCALE_OK;
}

/* "---------------- Step      300 ----- CPU =      0.0000 (sec) ----------------" */
static int multi_step_line(const tokens *t, double *step)
{
    return t->n >= 3 && starts(t->tok[0], "--") && !strcmp(t->tok[1], "Step") &&
           is_number(t->tok[2], step);
}

static upscale_err multi_begin_record(reader *r, double step, int line)
{
    upscale_lammps_table *th = &r->run->thermo;
    UPSCALE_CALL(multi_flush(r));
    if (th->ncols == 0) UPSCALE_CALL(table_add_name(th, "Step"));
    UPSCALE_CALL(rec_reserve(r, th->ncols));
    for (int j = 0; j < th->ncols; j++)
        r->rec[j] = NAN;
    r->rec[0] = step;
    r->rec_line = line;
    r->rec_open = 1;
    return UPSCALE_OK;
}

/* "TotEng   =        -4.5373 KinEng   =         1.1972 Temp     =         0.7998" */
static upscale_err multi_values(reader *r, const tokens *t)
{
    upscale_lammps_table *th = &r->run->thermo;
    for (int i = 0; i + 2 < t->n; i += 3) {
        double v;
        if (strcmp(t->tok[i + 1], "=") || !is_number(t->tok[i + 2], &v)) return UPSCALE_OK;
        int j = upscale_lammps_table_column(th, t->tok[i]);
        if (j < 0) {
            if (r->keys_fixed) continue; /* a key the first record did not have */
            UPSCALE_CALL(table_add_name(th, t->tok[i]));
            UPSCALE_CALL(rec_reserve(r, th->ncols));
            j = th->ncols - 1;
        }
        r->rec[j] = v;
    }
    return UPSCALE_OK;
}

static upscale_err output_add(reader *r, const char *file, const char *fix_id, int line)
{
    upscale_lammps_log *log = r->log;
    if (strchr(file, '$')) return UPSCALE_OK; /* unsubstituted echo; the next line has it */
    for (int i = 0; i < log->nout; i++)       /* a fix redefined with the same id stops writing */
        if (log->outputs[i].open && !strcmp(log->outputs[i].fix_id, fix_id)) {
            log->outputs[i].open = 0;
            log->outputs[i].last_run = log->nruns - 1;
        }
    if (log->nout == log->out_cap) {
        int cap = log->out_cap ? 2 * log->out_cap : 8;
        output_rec *o = realloc(log->outputs, (size_t)cap * sizeof(*o));
        UPSCALE_ALLOC_CHECK(o);
        log->outputs = o;
        log->out_cap = cap;
    }
    output_rec *o = &log->outputs[log->nout];
    o->name = strdup(base_name(file));
    o->fix_id = strdup(fix_id);
    UPSCALE_ALLOC_CHECK(o->name && o->fix_id);
    o->line = line;
    o->first_run = log->nruns;
    o->last_run = -1;
    o->open = 1;
    log->nout++;
    return UPSCALE_OK;
}

/* An echoed input command (OUTSIDE state). */
static upscale_err log_command(reader *r, const tokens *t, const char *path, int line)
{
    const char *cmd = t->tok[0];
    double v;
    if (!strcmp(cmd, "units") && t->n >= 2) {
        const upscale_lammps_units *u = upscale_lammps_units_find(t->tok[1]);
        UPSCALE_CHECK(u, UPSCALE_ERR_INPUT,
                      "%s:%d: units style '%s' is not supported (lj, metal, real, si)", path, line,
                      t->tok[1]);
        r->units = u;
        r->units_line = line;
        r->norm = u->style == UPSCALE_LAMMPS_LJ;
    } else if (!strcmp(cmd, "timestep") && t->n >= 2 && is_number(t->tok[1], &v)) {
        UPSCALE_CHECK(v > 0 && isfinite(v), UPSCALE_ERR_INPUT, "%s:%d: timestep %g is not > 0",
                      path, line, v);
        r->timestep = v;
        r->timestep_line = line;
    } else if (!strcmp(cmd, "run") && t->n >= 2 && is_number(t->tok[1], &v)) {
        r->requested = (long)v;
    } else if (!strcmp(cmd, "minimize")) {
        r->requested = -1;
    } else if (!strcmp(cmd, "thermo_style")) {
        r->norm = r->units->style == UPSCALE_LAMMPS_LJ; /* thermo_modify settings are reset */
    } else if (!strcmp(cmd, "thermo_modify")) {
        for (int i = 1; i + 1 < t->n; i++)
            if (!strcmp(t->tok[i], "norm")) r->norm = !strcmp(t->tok[i + 1], "yes");
    } else if (!strcmp(cmd, "fix") && t->n >= 2) {
        for (int i = 2; i + 1 < t->n; i++)
            if (!strcmp(t->tok[i], "file"))
                UPSCALE_CALL(output_add(r, t->tok[i + 1], t->tok[1], line));
    } else if (!strcmp(cmd, "unfix") && t->n >= 2) {
        upscale_lammps_log *log = r->log;
        for (int i = 0; i < log->nout; i++)
            if (log->outputs[i].open && !strcmp(log->outputs[i].fix_id, t->tok[1])) {
                log->outputs[i].open = 0;
                log->outputs[i].last_run = log->nruns - 1;
            }
    }
    return UPSCALE_OK;
}

static int memory_line(const char *line)
{
    return starts(line, "Per MPI rank memory") || starts(line, "Memory usage per processor");
}

/* A header candidate: words only, and not a message. */
static int header_like(const tokens *t)
{
    return no_numbers(t) && !starts(t->tok[0], "WARNING") && !starts(t->tok[0], "ERROR") &&
           !starts(t->tok[0], "--") && t->tok[0][strlen(t->tok[0]) - 1] != ':';
}

static upscale_err log_line(reader *r, const char *raw, const tokens *t, const char *path, int line)
{
    double step;
    if (r->state != OUTSIDE) {
        if (starts(raw, "Loop time of")) {
            const char *p = strstr(raw, " for ");
            if (p) r->run->steps_done = strtol(p + 5, NULL, 10);
            return run_close(r, UPSCALE_LAMMPS_RUN_COMPLETED, line);
        }
        if (starts(raw, "ERROR")) {
            free(r->run->message);
            r->run->message = strdup(raw);
            UPSCALE_ALLOC_CHECK(r->run->message);
            return run_close(r, UPSCALE_LAMMPS_RUN_ABORTED, line);
        }
        if (memory_line(raw)) { /* a new run although the last never ended */
            UPSCALE_CALL(run_close(r, UPSCALE_LAMMPS_RUN_TRUNCATED, line - 1));
            UPSCALE_CALL(run_open(r, line));
            r->state = SETUP;
            return UPSCALE_OK;
        }
    }
    if (t->n == 0) return UPSCALE_OK;
    if (r->state == OUTSIDE && starts(raw, "ERROR") && !r->log->error) {
        r->log->error = strdup(raw);
        UPSCALE_ALLOC_CHECK(r->log->error);
        r->log->error_line = line;
        return UPSCALE_OK;
    }

    switch (r->state) {
    case OUTSIDE:
        if (r->ncand > 0 && t->n == r->ncand && all_numbers(t)) {
            /* a "Step ..." header without a memory line, confirmed by a row */
            UPSCALE_CALL(run_open(r, r->cand_line));
            UPSCALE_CALL(block_begin(r));
            return log_line(r, raw, t, path, line);
        }
        cand_clear(r);
        if (memory_line(raw)) {
            UPSCALE_CALL(run_open(r, line));
            r->state = SETUP;
        } else if (!strcmp(t->tok[0], "Step") && header_like(t)) {
            UPSCALE_CALL(cand_set(r, t));
            r->cand_line = line;
        } else if (multi_step_line(t, &step)) {
            UPSCALE_CALL(run_open(r, line));
            UPSCALE_CALL(multi_begin_record(r, step, line));
            r->state = MULTI;
        } else {
            UPSCALE_CALL(log_command(r, t, path, line));
        }
        break;
    case SETUP:
        if (multi_step_line(t, &step)) {
            r->run->multi = 1;
            r->run->start_line = line;
            UPSCALE_CALL(multi_begin_record(r, step, line));
            r->state = MULTI;
        } else if (header_like(t)) {
            UPSCALE_CALL(cand_set(r, t));
            r->run->start_line = line;
        } else if (r->ncand > 0 && t->n == r->ncand && all_numbers(t)) {
            UPSCALE_CALL(block_begin(r));
            return log_line(r, raw, t, path, line);
        }
        break;
    case BLOCK: {
        upscale_lammps_table *th = &r->run->thermo;
        if (t->n != th->ncols || !all_numbers(t)) break; /* WARNING, PRINT, fix halt, ... */
        UPSCALE_CALL(rec_reserve(r, th->ncols));
        for (int j = 0; j < t->n; j++)
            is_number(t->tok[j], &r->rec[j]);
        UPSCALE_CALL(table_add_row(th, &r->row_cap, r->rec, line));
        r->run->end_line = line;
        break;
    }
    case MULTI:
        if (multi_step_line(t, &step))
            UPSCALE_CALL(multi_begin_record(r, step, line));
        else if (r->rec_open)
            UPSCALE_CALL(multi_values(r, t));
        r->run->end_line = line;
        break;
    }
    return UPSCALE_OK;
}

void upscale_lammps_log_destroy(upscale_lammps_log **log)
{
    if (!log || !*log) return;
    upscale_lammps_log *g = *log;
    for (int i = 0; i < g->nruns; i++) {
        table_clear(&g->runs[i].thermo);
        free(g->runs[i].message);
    }
    for (int i = 0; i < g->nout; i++) {
        free(g->outputs[i].name);
        free(g->outputs[i].fix_id);
    }
    free(g->runs);
    free(g->outputs);
    free(g->error);
    free(g->path);
    free(g);
    *log = NULL;
}

upscale_err upscale_lammps_log_read(const char *path, upscale_lammps_log **out)
{
    UPSCALE_CHECK(path && out, UPSCALE_ERR_INTERNAL, "upscale_lammps_log_read: NULL argument");
    *out = NULL;
    FILE *f;
    UPSCALE_CALL(upscale_file_open_input(path, UPSCALE_ERR_IO, &f));
    upscale_lammps_log *log = calloc(1, sizeof(*log));
    if (log) log->path = strdup(path);
    if (!log || !log->path) {
        fclose(f);
        free(log);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    reader r = {.log = log,
                .state = OUTSIDE,
                .units = upscale_lammps_units_find("lj"),
                .norm = 1,
                .timestep = NAN,
                .requested = -1};
    tokens tk = {0};
    char *buf = NULL;
    size_t cap = 0;
    int lineno = 0;
    ssize_t len = 0;
    upscale_err e = UPSCALE_OK;
    while (!e && (len = upscale_file_getline(&buf, &cap, f)) >= 0) {
        lineno++;
        size_t n = strlen(buf);
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        e = tokens_split(&tk, buf);
        if (!e) e = log_line(&r, buf, &tk, path, lineno);
    }
    if (!e && len == -2)
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s:%d: line longer than %d bytes", path, lineno + 1,
                              UPSCALE_FILE_MAX_LINE);
    if (!e && r.run) e = run_close(&r, UPSCALE_LAMMPS_RUN_TRUNCATED, lineno);
    for (int i = 0; i < log->nout; i++)
        if (log->outputs[i].open) log->outputs[i].last_run = log->nruns - 1;
    free(buf);
    tokens_free(&tk);
    cand_clear(&r);
    free(r.rec);
    fclose(f);
    if (e) {
        upscale_lammps_log_destroy(&log);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *out = log;
    return UPSCALE_OK;
}

const char *upscale_lammps_log_path(const upscale_lammps_log *log)
{
    return log->path;
}

int upscale_lammps_log_nruns(const upscale_lammps_log *log)
{
    return log->nruns;
}

const upscale_lammps_run *upscale_lammps_log_run(const upscale_lammps_log *log, int i)
{
    return i >= 0 && i < log->nruns ? &log->runs[i] : NULL;
}

const char *upscale_lammps_log_error(const upscale_lammps_log *log, int *line)
{
    if (line) *line = log->error_line;
    return log->error;
}

int upscale_lammps_log_find_output(const upscale_lammps_log *log, const char *name, int *first,
                                   int *last, int *line)
{
    const char *b = base_name(name);
    for (int i = log->nout - 1; i >= 0; i--) /* the last definition wins */
        if (!strcmp(log->outputs[i].name, b)) {
            *first = log->outputs[i].first_run;
            *last = log->outputs[i].last_run;
            *line = log->outputs[i].line;
            return 1;
        }
    return 0;
}
