/* Tabulated functions: CSV with units in the header, Steffen interpolation (GSL).
 *
 * The GSL interpolation object is built once; evaluation passes no accelerator, so GSL
 * brackets x by bisection and nothing in the table changes: eval is const, thread-safe
 * and allocation-free.  The end slopes used for extrapolation are the derivatives of
 * the interpolant at the two ends, computed once. */
#include "upscale/table.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_interp.h>

#include "upscale/file.h"

#define UNIT_MAX 128

struct upscale_table {
    int n;
    double *x, *y;
    gsl_interp *interp;
    double slope_lo, slope_hi; /* dy/dx at x[0] and x[n-1] */
    int unordered_row;         /* upscale_table_unordered_row */
    char *path;                /* NULL for tables built from arrays */
};

typedef struct {
    double x, y;
    int line; /* 1-based line in the file; 0 for arrays */
} row;

static int compare_rows(const void *a, const void *b)
{
    const row *r = a, *s = b;
    if (r->x != s->x) return r->x < s->x ? -1 : 1;
    return (r->line > s->line) - (r->line < s->line);
}

void upscale_table_destroy(upscale_table **t)
{
    if (!t || !*t) return;
    gsl_interp_free((*t)->interp);
    free((*t)->x);
    free((*t)->y);
    free((*t)->path);
    free(*t);
    *t = NULL;
}

/* Sort rows, drop exact duplicates, build the interpolant.  rows is reordered. */
static upscale_err build(row *rows, int n, const char *path, upscale_table **out)
{
    const char *name = path ? path : "table";
    int unordered = 0;
    for (int i = 1; i < n && !unordered; i++)
        if (!(rows[i].x > rows[i - 1].x)) unordered = rows[i].line > 0 ? rows[i].line : i + 1;
    qsort(rows, (size_t)n, sizeof(*rows), compare_rows);
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (m > 0 && rows[i].x == rows[m - 1].x) {
            if (rows[i].y == rows[m - 1].y) continue;
            if (rows[i].line > 0)
                return upscale_error_set(
                    UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                    "%s:%d: x = %g repeats line %d with a different y (%g, was %g)", name,
                    rows[i].line, rows[i].x, rows[m - 1].line, rows[i].y, rows[m - 1].y);
            return upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                     "%s: x = %g repeats with a different y (%g, was %g)", name,
                                     rows[i].x, rows[i].y, rows[m - 1].y);
        }
        rows[m++] = rows[i];
    }
    UPSCALE_CHECK(m >= 2, UPSCALE_ERR_INPUT, "%s: expected at least 2 rows with distinct x, got %d",
                  name, m);

    upscale_error_install_handlers();
    upscale_table *t = calloc(1, sizeof(*t));
    UPSCALE_ALLOC_CHECK(t);
    t->n = m;
    t->unordered_row = unordered;
    t->x = malloc((size_t)m * sizeof(*t->x));
    t->y = malloc((size_t)m * sizeof(*t->y));
    t->path = path ? strdup(path) : NULL;
    t->interp = gsl_interp_alloc(m >= 3 ? gsl_interp_steffen : gsl_interp_linear, (size_t)m);
    if (!t->x || !t->y || (path && !t->path) || !t->interp) {
        upscale_table_destroy(&t);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    for (int i = 0; i < m; i++) {
        t->x[i] = rows[i].x;
        t->y[i] = rows[i].y;
    }
    if (gsl_interp_init(t->interp, t->x, t->y, (size_t)m) != GSL_SUCCESS) {
        upscale_table_destroy(&t);
        return upscale_error_trace(UPSCALE_ERR_INTERNAL, __FILE__, __LINE__, __func__);
    }
    t->slope_lo = gsl_interp_eval_deriv(t->interp, t->x, t->y, t->x[0], NULL);
    t->slope_hi = gsl_interp_eval_deriv(t->interp, t->x, t->y, t->x[m - 1], NULL);
    *out = t;
    return UPSCALE_OK;
}

upscale_err upscale_table_create(const double *x, const double *y, int n, upscale_table **t)
{
    UPSCALE_CHECK(t && x && y, UPSCALE_ERR_INTERNAL, "upscale_table_create: NULL argument");
    *t = NULL;
    UPSCALE_CHECK(n >= 2, UPSCALE_ERR_INPUT, "table: expected at least 2 rows, got %d", n);
    row *rows = malloc((size_t)n * sizeof(*rows));
    UPSCALE_ALLOC_CHECK(rows);
    for (int i = 0; i < n; i++) {
        rows[i] = (row){x[i], y[i], 0};
        if (!isfinite(x[i]) || !isfinite(y[i])) {
            free(rows);
            return upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                     "table: expected finite numbers, got (%g, %g) at row %d", x[i],
                                     y[i], i);
        }
    }
    upscale_err err = build(rows, n, NULL, t);
    free(rows);
    UPSCALE_CALL(err);
    return UPSCALE_OK;
}

/* ---- reading ---------------------------------------------------------------------- */

/* Remove a trailing CR/LF and white space in place; return the first non-blank char. */
static char *trim(char *s)
{
    size_t len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        s[--len] = '\0';
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

/* The unit of a column name: the text inside its last [...]; "1" without brackets. */
static int column_unit(const char *name, char *unit, size_t size)
{
    const char *open = strrchr(name, '[');
    if (!open) {
        if (strchr(name, ']')) return -1;
        snprintf(unit, size, "1");
        return 0;
    }
    const char *close = strchr(open, ']');
    if (!close) return -1;
    size_t len = (size_t)(close - open - 1);
    if (len >= size) return -1;
    memcpy(unit, open + 1, len);
    unit[len] = '\0';
    return 0;
}

/* strtod, but only decimal numbers (and inf/nan, refused later as not finite): strtod also
 * reads hexadecimal, "0x10" = 16, which no table means. */
static double decimal(const char *s, char **end)
{
    const char *c = s;
    while (*c == ' ' || *c == '\t')
        c++;
    c += *c == '+' || *c == '-';
    if (c[0] == '0' && (c[1] == 'x' || c[1] == 'X')) {
        *end = (char *)s;
        return 0.0;
    }
    return strtod(s, end);
}

/* "x,y" with optional blanks; -1 unless exactly two decimal numbers. */
static int parse_row(const char *s, double *x, double *y)
{
    char *end;
    *x = decimal(s, &end);
    if (end == s) return -1;
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end != ',') return -1;
    s = end + 1;
    *y = decimal(s, &end);
    if (end == s) return -1;
    while (isspace((unsigned char)*end))
        end++;
    return *end ? -1 : 0;
}

/* Check that column `col` (1 or 2) in unit `from` converts to `to`. */
static upscale_err check_unit(const upscale_units *u, const char *path, int line, int col,
                              const char *from, const char *to)
{
    double v;
    upscale_units_status s = upscale_units_convert(u, 1.0, from, to, &v);
    UPSCALE_CHECK(s != UPSCALE_UNITS_UNPARSABLE, UPSCALE_ERR_INPUT,
                  "%s:%d: column %d: unknown unit '%s' (expected a unit convertible to %s)", path,
                  line, col, from, to);
    UPSCALE_CHECK(s == UPSCALE_UNITS_OK, UPSCALE_ERR_INPUT,
                  "%s:%d: column %d: expected a unit convertible to %s, got '%s'", path, line, col,
                  to, from);
    return UPSCALE_OK;
}

typedef struct {
    row *rows;
    int n, cap;
    char *line;
    size_t line_cap;
    FILE *fp;
} read_state;

static upscale_err read_rows(const upscale_units *u, const char *path, const char *x_unit,
                             const char *y_unit, read_state *st)
{
    char xu[UNIT_MAX], yu[UNIT_MAX];
    int lineno = 0, header = 0;
    ssize_t len;
    while ((len = upscale_file_getline(&st->line, &st->line_cap, st->fp)) >= 0) {
        lineno++;
        char *s = st->line;
        if (lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3; /* UTF-8 BOM */
        s = trim(s);
        if (!*s || *s == '#') continue;

        double x, y;
        if (!header) {
            /* header: "name [unit],name [unit]", split at the first comma */
            UPSCALE_CHECK(parse_row(s, &x, &y) != 0, UPSCALE_ERR_INPUT,
                          "%s:%d: expected a header line 'x name [unit],y name [unit]' before "
                          "the data, got '%s'",
                          path, lineno, s);
            char *comma = strchr(s, ',');
            UPSCALE_CHECK(comma, UPSCALE_ERR_INPUT,
                          "%s:%d: expected a header line 'x name [unit],y name [unit]', got '%s'",
                          path, lineno, s);
            *comma = '\0';
            UPSCALE_CHECK(!column_unit(s, xu, sizeof(xu)) &&
                              !column_unit(comma + 1, yu, sizeof(yu)),
                          UPSCALE_ERR_INPUT,
                          "%s:%d: expected column names ending in a unit in brackets, got '%s,%s'",
                          path, lineno, s, comma + 1);
            UPSCALE_CALL(check_unit(u, path, lineno, 1, xu, x_unit));
            UPSCALE_CALL(check_unit(u, path, lineno, 2, yu, y_unit));
            header = 1;
            continue;
        }
        UPSCALE_CHECK(parse_row(s, &x, &y) == 0, UPSCALE_ERR_INPUT,
                      "%s:%d: expected a row 'x,y' of two numbers, got '%s'", path, lineno, s);
        UPSCALE_CHECK(isfinite(x) && isfinite(y), UPSCALE_ERR_INPUT,
                      "%s:%d: expected finite numbers, got '%s'", path, lineno, s);
        double xs, ys;
        int ok = upscale_units_convert(u, x, xu, x_unit, &xs) == UPSCALE_UNITS_OK &&
                 upscale_units_convert(u, y, yu, y_unit, &ys) == UPSCALE_UNITS_OK;
        UPSCALE_CHECK(ok && isfinite(xs) && isfinite(ys), UPSCALE_ERR_INPUT,
                      "%s:%d: expected finite numbers in %s and %s, got '%s'", path, lineno, x_unit,
                      y_unit, s);
        if (st->n == st->cap) {
            int cap = st->cap ? 2 * st->cap : 64;
            row *grown = realloc(st->rows, (size_t)cap * sizeof(*grown));
            UPSCALE_ALLOC_CHECK(grown);
            st->rows = grown;
            st->cap = cap;
        }
        st->rows[st->n++] = (row){xs, ys, lineno};
    }
    UPSCALE_CHECK(len != -2, UPSCALE_ERR_INPUT, "%s:%d: line longer than %d bytes", path,
                  lineno + 1, UPSCALE_FILE_MAX_LINE);
    UPSCALE_CHECK(!ferror(st->fp), UPSCALE_ERR_IO, "%s: read error: %s", path, strerror(errno));
    UPSCALE_CHECK(header, UPSCALE_ERR_INPUT,
                  "%s: expected a header line 'x name [unit],y name [unit]', got an empty file",
                  path);
    UPSCALE_CHECK(st->n >= 2, UPSCALE_ERR_INPUT, "%s:%d: expected at least 2 rows, got %d", path,
                  lineno, st->n);
    return UPSCALE_OK;
}

upscale_err upscale_table_read(const upscale_units *u, const char *path, const char *x_unit,
                               const char *y_unit, upscale_table **t)
{
    UPSCALE_CHECK(u && path && x_unit && y_unit && t, UPSCALE_ERR_INTERNAL,
                  "upscale_table_read: NULL argument");
    *t = NULL;
    read_state st = {0};
    UPSCALE_CALL(upscale_file_open_input(path, UPSCALE_ERR_INPUT, &st.fp));
    upscale_err err = read_rows(u, path, x_unit, y_unit, &st);
    fclose(st.fp);
    free(st.line);
    if (!err) err = build(st.rows, st.n, path, t);
    free(st.rows);
    UPSCALE_CALL(err);
    return UPSCALE_OK;
}

/* ---- evaluation ------------------------------------------------------------------- */

double upscale_table_eval(const upscale_table *t, double x, double *dydx)
{
    double y, d;
    int n = t->n;
    if (x < t->x[0]) {
        d = t->slope_lo;
        y = t->y[0] + d * (x - t->x[0]);
    } else if (x > t->x[n - 1]) {
        d = t->slope_hi;
        y = t->y[n - 1] + d * (x - t->x[n - 1]);
    } else if (!isnan(x)) {
        y = gsl_interp_eval(t->interp, t->x, t->y, x, NULL);
        d = dydx ? gsl_interp_eval_deriv(t->interp, t->x, t->y, x, NULL) : 0.0;
    } else {
        y = d = NAN; /* x is NaN */
    }
    if (dydx) *dydx = d;
    return y;
}

int upscale_table_size(const upscale_table *t)
{
    return t->n;
}

const char *upscale_table_path(const upscale_table *t)
{
    return t->path ? t->path : "";
}

void upscale_table_domain(const upscale_table *t, double *xmin, double *xmax)
{
    *xmin = t->x[0];
    *xmax = t->x[t->n - 1];
}

int upscale_table_unordered_row(const upscale_table *t)
{
    return t->unordered_row;
}

int upscale_table_monotone(const upscale_table *t, double *x_turn)
{
    int dir = 0; /* the direction of the first change */
    for (int i = 1; i < t->n; i++) {
        double d = t->y[i] - t->y[i - 1];
        int s = (d > 0) - (d < 0);
        if (!s) continue;
        if (!dir) dir = s;
        if (s != dir) {
            *x_turn = t->x[i - 1];
            return 0;
        }
    }
    return dir ? dir : 1;
}

void upscale_table_range(const upscale_table *t, double *ymin, double *ymax)
{
    *ymin = *ymax = t->y[0];
    for (int i = 1; i < t->n; i++) {
        if (t->y[i] < *ymin) *ymin = t->y[i];
        if (t->y[i] > *ymax) *ymax = t->y[i];
    }
}
