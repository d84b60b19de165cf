/* Excess energy of two-phase supercells and the fit of eq. 5 (see include/upscale/excess.h). */
#include "upscale/excess.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>

#include "upscale/file.h"

struct upscale_excess {
    int n;
    double *A, *V, *dE;
    int *lines; /* 0 for arrays */
    char *path; /* "excess table" for arrays */
};

/* The columns the reader knows and their SI units. */
enum {
    L,
    N_CELLS,
    CELL_LENGTH,
    AREA,
    VOLUME,
    E,
    E_PURE_A,
    E_PURE_B,
    X_A,
    E_A,
    COUNT_A,
    E_B,
    COUNT_B,
    E_EXCESS,
    NCOLS
};
static const struct {
    const char *name, *si;
} columns[NCOLS] = {
    [L] = {"L", "m"},
    [N_CELLS] = {"n_cells", "1"},
    [CELL_LENGTH] = {"cell_length", "m"},
    [AREA] = {"A", "m^2"},
    [VOLUME] = {"V", "m^3"},
    [E] = {"E", "J"},
    [E_PURE_A] = {"E_pure_a", "J"},
    [E_PURE_B] = {"E_pure_b", "J"},
    [X_A] = {"x_a", "1"},
    [E_A] = {"e_a", "J"},
    [COUNT_A] = {"count_a", "1"},
    [E_B] = {"e_b", "J"},
    [COUNT_B] = {"count_b", "1"},
    [E_EXCESS] = {"E_excess", "J"},
};

void upscale_excess_destroy(upscale_excess **x)
{
    if (!x || !*x) return;
    free((*x)->A);
    free((*x)->V);
    free((*x)->dE);
    free((*x)->lines);
    free((*x)->path);
    free(*x);
    *x = NULL;
}

/* Room for cap rows. */
static upscale_err reserve(upscale_excess *x, int cap)
{
    double *a = realloc(x->A, (size_t)cap * sizeof(*a));
    if (a) x->A = a;
    double *v = realloc(x->V, (size_t)cap * sizeof(*v));
    if (v) x->V = v;
    double *d = realloc(x->dE, (size_t)cap * sizeof(*d));
    if (d) x->dE = d;
    int *l = realloc(x->lines, (size_t)cap * sizeof(*l));
    if (l) x->lines = l;
    UPSCALE_CHECK(a && v && d && l, UPSCALE_ERR_MEMORY, "out of memory");
    return UPSCALE_OK;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* Split a CSV line in place; returns the number of fields (at most max). */
static int split_csv(char *line, char **field, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        char *c = strchr(p, ',');
        if (c) *c = '\0';
        field[n++] = trim(p);
        if (!c) break;
        p = c + 1;
    }
    return n;
}

#define MAX_FIELDS 64

typedef struct {
    int which[MAX_FIELDS]; /* column id of each field, -1 if ignored */
    double factor[MAX_FIELDS], offset[MAX_FIELDS];
    int nfields, has[NCOLS];
} header;

/* "name [unit]" fields; the conversion of each unit to SI is resolved once, as
 * value_SI = factor value + offset. */
static upscale_err parse_header(const upscale_units *u, char *line, const char *path, int lineno,
                                header *h)
{
    char *field[MAX_FIELDS];
    h->nfields = split_csv(line, field, MAX_FIELDS);
    memset(h->has, 0, sizeof(h->has));
    for (int f = 0; f < h->nfields; f++) {
        char *name = field[f], unit[128] = "";
        char *br = strchr(name, '[');
        if (br) {
            char *close = strchr(br, ']');
            UPSCALE_CHECK(close, UPSCALE_ERR_INPUT, "%s:%d: column '%s': missing ']'", path, lineno,
                          name);
            *close = '\0';
            snprintf(unit, sizeof(unit), "%s", trim(br + 1));
            *br = '\0';
            name = trim(name);
        }
        h->which[f] = -1;
        for (int c = 0; c < NCOLS; c++)
            if (!strcmp(name, columns[c].name)) h->which[f] = c;
        int c = h->which[f];
        if (c < 0) continue;
        UPSCALE_CHECK(!h->has[c], UPSCALE_ERR_INPUT, "%s:%d: column '%s' appears twice", path,
                      lineno, name);
        h->has[c] = 1;
        const char *from = unit[0] ? unit : "1";
        double zero, one;
        upscale_units_status s0 = upscale_units_convert(u, 0.0, from, columns[c].si, &zero);
        upscale_units_status s1 = upscale_units_convert(u, 1.0, from, columns[c].si, &one);
        UPSCALE_CHECK(s0 == UPSCALE_UNITS_OK && s1 == UPSCALE_UNITS_OK, UPSCALE_ERR_INPUT,
                      "%s:%d: column '%s': unit '%s' %s %s", path, lineno, name, from,
                      s0 == UPSCALE_UNITS_UNPARSABLE ? "is not understood; expected a unit of"
                                                     : "does not convert to",
                      columns[c].si);
        h->factor[f] = one - zero;
        h->offset[f] = zero;
    }
    const int *has = h->has;
    UPSCALE_CHECK(has[AREA], UPSCALE_ERR_INPUT, "%s:%d: no column 'A [area]' (interface area)",
                  path, lineno);
    UPSCALE_CHECK(has[VOLUME] || has[L] || (has[N_CELLS] && has[CELL_LENGTH]), UPSCALE_ERR_INPUT,
                  "%s:%d: no cell length: give 'L', 'n_cells' and 'cell_length', or 'V'", path,
                  lineno);
    UPSCALE_CHECK(has[E_EXCESS] ||
                      (has[E] && ((has[E_PURE_A] && has[E_PURE_B]) ||
                                  (has[E_A] && has[COUNT_A] && has[E_B] && has[COUNT_B]))),
                  UPSCALE_ERR_INPUT,
                  "%s:%d: no excess energy: give 'E' with 'E_pure_a', 'E_pure_b' (same "
                  "supercell) or with 'e_a', 'count_a', 'e_b', 'count_b' (per formula unit), "
                  "or 'E_excess'",
                  path, lineno);
    return UPSCALE_OK;
}

/* One row: SI values of the known columns, then A, V and dE (eq. 4). */
static upscale_err parse_row(char *line, const header *h, const char *path, int lineno, double *A,
                             double *V, double *dE)
{
    char *field[MAX_FIELDS];
    int nf = split_csv(line, field, MAX_FIELDS);
    UPSCALE_CHECK(nf == h->nfields, UPSCALE_ERR_INPUT, "%s:%d: %d fields, the header has %d", path,
                  lineno, nf, h->nfields);
    double v[NCOLS];
    for (int c = 0; c < NCOLS; c++)
        v[c] = NAN;
    for (int f = 0; f < nf; f++) {
        int c = h->which[f];
        if (c < 0) continue;
        char *end;
        double x = strtod(field[f], &end);
        UPSCALE_CHECK(end != field[f] && *end == '\0' && isfinite(x), UPSCALE_ERR_INPUT,
                      "%s:%d: column '%s': '%s' is not a finite number", path, lineno,
                      columns[c].name, field[f]);
        v[c] = h->factor[f] * x + h->offset[f];
    }
    *A = v[AREA];
    UPSCALE_CHECK(*A > 0, UPSCALE_ERR_INPUT, "%s:%d: interface area %g m^2 is not > 0", path,
                  lineno, *A);
    double len = h->has[L] ? v[L] : v[N_CELLS] * v[CELL_LENGTH];
    *V = h->has[VOLUME] ? v[VOLUME] : *A * len;
    UPSCALE_CHECK(*V > 0, UPSCALE_ERR_INPUT, "%s:%d: volume %g m^3 is not > 0", path, lineno, *V);
    if (h->has[E_EXCESS]) {
        *dE = v[E_EXCESS];
    } else if (h->has[E_PURE_A] && h->has[E_PURE_B]) {
        /* E_ref = x_a E_pure_a + (1 - x_a) E_pure_b */
        double xa = h->has[X_A] ? v[X_A] : 0.5;
        UPSCALE_CHECK(xa >= 0 && xa <= 1, UPSCALE_ERR_INPUT, "%s:%d: x_a = %g not in [0, 1]", path,
                      lineno, xa);
        *dE = v[E] - (xa * v[E_PURE_A] + (1 - xa) * v[E_PURE_B]);
    } else {
        /* E_ref = count_a e_a + count_b e_b */
        *dE = v[E] - (v[COUNT_A] * v[E_A] + v[COUNT_B] * v[E_B]);
    }
    return UPSCALE_OK;
}

static upscale_err read_table(const upscale_units *u, FILE *f, const char *path, upscale_excess *x)
{
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, have_header = 0, rows_cap = 0;
    header h;
    ssize_t len = 0;
    upscale_err e = UPSCALE_OK;
    while (!e && (len = upscale_file_getline(&line, &cap, f)) >= 0) {
        lineno++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#') continue;
        if (!have_header) {
            e = parse_header(u, s, path, lineno, &h);
            have_header = 1;
            continue;
        }
        if (x->n == rows_cap) {
            rows_cap = rows_cap ? 2 * rows_cap : 16;
            e = reserve(x, rows_cap);
            if (e) break;
        }
        e = parse_row(s, &h, path, lineno, &x->A[x->n], &x->V[x->n], &x->dE[x->n]);
        x->lines[x->n++] = lineno;
    }
    free(line);
    if (!e && len == -2)
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s:%d: line longer than %d bytes", path, lineno + 1,
                              UPSCALE_FILE_MAX_LINE);
    UPSCALE_CALL(e);
    UPSCALE_CHECK(have_header, UPSCALE_ERR_INPUT, "%s:%d: no header line", path, lineno);
    return UPSCALE_OK;
}

upscale_err upscale_excess_read(const upscale_units *u, const char *path, upscale_excess **out)
{
    UPSCALE_CHECK(u && path && out, UPSCALE_ERR_INTERNAL, "upscale_excess_read: NULL argument");
    *out = NULL;
    FILE *f;
    UPSCALE_CALL(upscale_file_open_input(path, UPSCALE_ERR_IO, &f));
    upscale_excess *x = calloc(1, sizeof(*x));
    if (x) x->path = strdup(path);
    upscale_err e = x && x->path ? read_table(u, f, path, x)
                                 : upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__,
                                                     __func__, "out of memory");
    fclose(f);
    if (e) {
        upscale_excess_destroy(&x);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *out = x;
    return UPSCALE_OK;
}

upscale_err upscale_excess_create(const double *A, const double *V, const double *dE, int n,
                                  upscale_excess **out)
{
    UPSCALE_CHECK(out && A && V && dE && n >= 0, UPSCALE_ERR_INTERNAL,
                  "upscale_excess_create: NULL argument");
    *out = NULL;
    upscale_excess *x = calloc(1, sizeof(*x));
    UPSCALE_ALLOC_CHECK(x);
    x->path = strdup("excess table");
    upscale_err e = x->path ? reserve(x, n > 0 ? n : 1)
                            : upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__,
                                                "out of memory");
    for (int i = 0; !e && i < n; i++) {
        if (!(A[i] > 0 && V[i] > 0 && isfinite(A[i]) && isfinite(V[i]) && isfinite(dE[i])))
            e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                  "excess table: row %d: A, V must be finite and > 0, dE finite",
                                  i + 1);
        x->A[i] = A[i];
        x->V[i] = V[i];
        x->dE[i] = dE[i];
        x->lines[i] = 0;
    }
    x->n = n;
    if (e) {
        upscale_excess_destroy(&x);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *out = x;
    return UPSCALE_OK;
}

int upscale_excess_size(const upscale_excess *x)
{
    return x->n;
}

const double *upscale_excess_area(const upscale_excess *x)
{
    return x->A;
}

const double *upscale_excess_volume(const upscale_excess *x)
{
    return x->V;
}

const double *upscale_excess_energy(const upscale_excess *x)
{
    return x->dE;
}

upscale_err upscale_excess_fit(const upscale_excess *x, double level, upscale_excess_result *r)
{
    UPSCALE_CHECK(x && r, UPSCALE_ERR_INTERNAL, "upscale_excess_fit: NULL argument");
    UPSCALE_CHECK(level > 0 && level < 1, UPSCALE_ERR_INPUT,
                  "%s: confidence level %g not in (0, 1)", x->path, level);
    UPSCALE_CHECK(x->n >= 3, UPSCALE_ERR_INPUT,
                  "%s: %d supercell(s); the fit of eq. 5 needs at least 3 (2 parameters and "
                  "an error)",
                  x->path, x->n);
    upscale_error_install_handlers();
    int n = x->n;
    double *xy = malloc(2 * (size_t)n * sizeof(*xy));
    UPSCALE_ALLOC_CHECK(xy);
    double *len = xy, *y = xy + n, lmin = INFINITY, lmax = 0;
    /* dE/A = 2 gamma + (V/A) eps_strain */
    for (int i = 0; i < n; i++) {
        len[i] = x->V[i] / x->A[i];
        y[i] = x->dE[i] / x->A[i];
        lmin = fmin(lmin, len[i]);
        lmax = fmax(lmax, len[i]);
    }
    if (!(lmax - lmin > 1e-6 * lmax)) {
        free(xy);
        return upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                 "%s: all cells have the same length V/A = %g m: interface and "
                                 "strain terms cannot be separated (ill-conditioned fit)",
                                 x->path, lmax);
    }
    double c0, c1, c00, c01, c11, ss;
    int status = gsl_fit_linear(len, 1, y, 1, (size_t)n, &c0, &c1, &c00, &c01, &c11, &ss);
    free(xy);
    UPSCALE_CHECK(status == GSL_SUCCESS, UPSCALE_ERR_INTERNAL, "gsl_fit_linear: %s",
                  gsl_strerror(status));
    memset(r, 0, sizeof(*r));
    r->n = n;
    r->dof = n - 2;
    r->gamma = 0.5 * c0;
    r->gamma_err = 0.5 * sqrt(c00);
    r->strain = c1;
    r->strain_err = sqrt(c11);
    r->cov = 0.5 * c01;
    r->rms = sqrt(ss / n);
    r->level = level;
    r->tq = gsl_cdf_tdist_Pinv(0.5 + 0.5 * level, r->dof);
    r->gamma_lo = r->gamma - r->tq * r->gamma_err;
    r->gamma_hi = r->gamma + r->tq * r->gamma_err;
    r->strain_lo = r->strain - r->tq * r->strain_err;
    r->strain_hi = r->strain + r->tq * r->strain_err;
    return UPSCALE_OK;
}
