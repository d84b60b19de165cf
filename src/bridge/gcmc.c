/* Biased-GCMC importer: the manifest, the per-window statistics with eq. 17, the fit per
 * temperature and the bootstrap over windows.  Rules and formats: include/upscale/gcmc.h. */
#include "upscale/gcmc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "upscale/constants.h"
#include "upscale/file.h"
#include "upscale/units.h"

/* Boltzmann constant per energy unit (CODATA 2018, exact in SI). */
static const struct {
    const char *unit;
    double kB; /* unit / K */
} energy_units[] = {
    {"eV", 8.617333262e-5},
    {"meV", 8.617333262e-2},
    {"J", 1.380649e-23},
    {"kJ/mol", 8.314462618e-3},
    {"kcal/mol", 1.987204259e-3},
    {"K", 1.0},
    {"eps", 0.0},
};

void upscale_gcmc_settings_default(upscale_gcmc_settings *s)
{
    memset(s, 0, sizeof(*s));
    upscale_gcmc_window_settings_default(&s->window);
    upscale_gcmc_fit_settings_default(&s->fit);
    s->bootstrap = 200;
    s->boot_grid = 4001;
    s->seed = 1;
}

/* ---- manifest ---- */

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* Split at commas in place; fields trimmed.  Returns the count (at most max). */
static int split_csv(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *c = strchr(p, ',');
        if (c) *c = '\0';
        if (n < max) f[n] = trim(p);
        n++;
        if (!c) break;
        p = c + 1;
    }
    return n;
}

static int parse_double(const char *s, double *x)
{
    char *end;
    errno = 0;
    *x = strtod(s, &end);
    return *s && end != s && *end == '\0' && errno != ERANGE && isfinite(*x);
}

void upscale_gcmc_manifest_destroy(upscale_gcmc_manifest **m)
{
    if (!m || !*m) return;
    free((*m)->w);
    free(*m);
    *m = NULL;
}

enum { COL_FILE, COL_TK, COL_KT, COL_NT, COL_PHI, COL_MU, COL_PDV, NCOL };
static const char *column_names[NCOL] = {"window_file", "temperature_K", "kT",    "N_target",
                                         "phi",         "mu_bias",       "P_dVdN"};

/* A "# key: value" line: a setting if key is known, otherwise a comment. */
static upscale_err manifest_setting(upscale_gcmc_manifest *m, const char *path, int line,
                                    char *text, int *seen)
{
    static const char *keys[] = {"energy_unit",   "sites",  "sites_per_formula_unit",
                                 "formula_units", "volume", "N_column",
                                 "ideal"};
    char *colon = strchr(text, ':');
    if (!colon) return UPSCALE_OK;
    *colon = '\0';
    char *key = trim(text), *val = trim(colon + 1);
    int k = -1;
    for (int i = 0; i < (int)(sizeof(keys) / sizeof(keys[0])); i++)
        if (!strcmp(key, keys[i])) k = i;
    if (k < 0) return UPSCALE_OK; /* a comment */
    UPSCALE_CHECK(!(seen[0] & (1 << k)), UPSCALE_ERR_INPUT, "%s:%d: '%s' given twice", path, line,
                  key);
    seen[0] |= 1 << k;
    double x = 0;
    switch (k) {
    case 0: {
        int found = 0;
        for (size_t i = 0; i < sizeof(energy_units) / sizeof(energy_units[0]); i++)
            if (!strcmp(val, energy_units[i].unit)) {
                snprintf(m->energy_unit, sizeof(m->energy_unit), "%s", val);
                m->kB = energy_units[i].kB;
                found = 1;
            }
        UPSCALE_CHECK(found, UPSCALE_ERR_INPUT,
                      "%s:%d: energy_unit '%s' (expected eV, meV, J, kJ/mol, kcal/mol, K or eps)",
                      path, line, val);
        break;
    }
    case 1:
    case 2:
    case 3:
        UPSCALE_CHECK(parse_double(val, &x) && x > 0, UPSCALE_ERR_INPUT,
                      "%s:%d: %s must be a number > 0, got '%s'", path, line, key, val);
        if (k == 1) m->sites = x;
        if (k == 2) m->sites_per_fu = x;
        if (k == 3) m->formula_units = x;
        break;
    case 4: {
        char unit[64];
        upscale_units *u = NULL;
        UPSCALE_CHECK(upscale_units_split(val, &x, unit, sizeof(unit)) == 0 && x > 0,
                      UPSCALE_ERR_INPUT, "%s:%d: volume must be a number > 0 with a unit, got '%s'",
                      path, line, val);
        UPSCALE_CALL(upscale_units_create(NULL, &u));
        upscale_units_status st = upscale_units_convert(u, x, unit, "m^3", &m->volume_m3);
        upscale_units_destroy(&u);
        UPSCALE_CHECK(st == UPSCALE_UNITS_OK && m->volume_m3 > 0, UPSCALE_ERR_INPUT,
                      "%s:%d: volume unit '%s' is not a volume", path, line, unit);
        break;
    }
    case 5:
        UPSCALE_CHECK(*val && strlen(val) < sizeof(m->N_column), UPSCALE_ERR_INPUT,
                      "%s:%d: N_column needs a column name or index", path, line);
        snprintf(m->N_column, sizeof(m->N_column), "%s", val);
        break;
    default:
        if (!strcmp(val, "lattice"))
            m->ideal = UPSCALE_GCMC_IDEAL_LATTICE;
        else if (!strcmp(val, "gas"))
            m->ideal = UPSCALE_GCMC_IDEAL_GAS;
        else if (!strcmp(val, "none"))
            m->ideal = UPSCALE_GCMC_IDEAL_NONE;
        else
            UPSCALE_CHECK(0, UPSCALE_ERR_INPUT, "%s:%d: ideal '%s' (expected lattice, gas or none)",
                          path, line, val);
    }
    return UPSCALE_OK;
}

static upscale_err manifest_header(const char *path, int line, char *text, int *col, int *ncols)
{
    char *f[NCOL + 8];
    int n = split_csv(text, f, NCOL + 8);
    UPSCALE_CHECK(n <= NCOL, UPSCALE_ERR_INPUT, "%s:%d: %d columns, at most %d expected", path,
                  line, n, NCOL - 1);
    for (int k = 0; k < NCOL; k++)
        col[k] = -1;
    for (int i = 0; i < n; i++) {
        int k = -1;
        for (int j = 0; j < NCOL; j++)
            if (!strcmp(f[i], column_names[j])) k = j;
        UPSCALE_CHECK(k >= 0, UPSCALE_ERR_INPUT,
                      "%s:%d: unknown column '%s' (expected window_file, temperature_K or kT, "
                      "N_target, phi, mu_bias and optionally P_dVdN)",
                      path, line, f[i]);
        UPSCALE_CHECK(col[k] < 0, UPSCALE_ERR_INPUT, "%s:%d: column '%s' given twice", path, line,
                      f[i]);
        col[k] = i;
    }
    const int required[] = {COL_FILE, COL_NT, COL_PHI, COL_MU};
    for (int r = 0; r < 4; r++)
        UPSCALE_CHECK(col[required[r]] >= 0, UPSCALE_ERR_INPUT, "%s:%d: missing column '%s'", path,
                      line, column_names[required[r]]);
    UPSCALE_CHECK((col[COL_TK] >= 0) != (col[COL_KT] >= 0), UPSCALE_ERR_INPUT,
                  "%s:%d: give exactly one of the columns temperature_K and kT", path, line);
    *ncols = n;
    return UPSCALE_OK;
}

static upscale_err manifest_row(upscale_gcmc_manifest *m, const char *dir, const char *path,
                                int line, char *text, const int *col, int ncols)
{
    char *f[NCOL + 8];
    int n = split_csv(text, f, NCOL + 8);
    UPSCALE_CHECK(n == ncols, UPSCALE_ERR_INPUT,
                  "%s:%d: expected %d fields as in the header, got %d", path, line, ncols, n);
    upscale_gcmc_window_spec w = {.line = line};
    const char *file = f[col[COL_FILE]];
    UPSCALE_CHECK(*file, UPSCALE_ERR_INPUT, "%s:%d: empty window_file", path, line);
    int len = file[0] == '/' ? snprintf(w.path, sizeof(w.path), "%s", file)
                             : snprintf(w.path, sizeof(w.path), "%s%s", dir, file);
    UPSCALE_CHECK(len < (int)sizeof(w.path), UPSCALE_ERR_INPUT, "%s:%d: path too long", path, line);
    double v[NCOL];
    for (int k = COL_TK; k < NCOL; k++) {
        v[k] = 0;
        if (col[k] < 0) continue;
        UPSCALE_CHECK(parse_double(f[col[k]], &v[k]), UPSCALE_ERR_INPUT,
                      "%s:%d: %s must be a finite number, got '%s'", path, line, column_names[k],
                      f[col[k]]);
    }
    if (col[COL_TK] >= 0) {
        UPSCALE_CHECK(v[COL_TK] > 0, UPSCALE_ERR_INPUT, "%s:%d: temperature_K must be > 0, got %g",
                      path, line, v[COL_TK]);
        w.kT = m->kB * v[COL_TK];
    } else {
        UPSCALE_CHECK(v[COL_KT] > 0, UPSCALE_ERR_INPUT, "%s:%d: kT must be > 0, got %g", path, line,
                      v[COL_KT]);
        w.kT = v[COL_KT];
    }
    UPSCALE_CHECK(v[COL_PHI] >= 0, UPSCALE_ERR_INPUT, "%s:%d: phi must be >= 0, got %g", path, line,
                  v[COL_PHI]);
    w.N_target = v[COL_NT];
    w.phi = v[COL_PHI];
    w.mu_bias = v[COL_MU];
    w.P_dVdN = v[COL_PDV];
    upscale_gcmc_window_spec *nw = realloc(m->w, (size_t)(m->nwindows + 1) * sizeof(*m->w));
    UPSCALE_ALLOC_CHECK(nw);
    m->w = nw;
    m->w[m->nwindows++] = w;
    return UPSCALE_OK;
}

static upscale_err manifest_parse(FILE *f, const char *path, upscale_gcmc_manifest *m)
{
    char dir[1024] = "";
    const char *slash = strrchr(path, '/');
    if (slash) {
        UPSCALE_CHECK(slash - path + 1 < (long)sizeof(dir), UPSCALE_ERR_INPUT, "%s: path too long",
                      path);
        memcpy(dir, path, (size_t)(slash - path + 1));
        dir[slash - path + 1] = '\0';
    }
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, seen = 0, have_header = 0, ncols = 0, header_line = 0;
    int col[NCOL];
    ssize_t len = 0;
    upscale_err e = UPSCALE_OK;
    while (!e && (len = upscale_file_getline(&line, &cap, f)) >= 0) {
        lineno++;
        char *p = trim(line);
        if (!*p) continue;
        if (*p == '#') {
            e = manifest_setting(m, path, lineno, p + 1, &seen);
            continue;
        }
        if (!have_header) {
            e = manifest_header(path, lineno, p, col, &ncols);
            have_header = 1;
            header_line = lineno;
            if (!e && !m->energy_unit[0])
                e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                      "%s: missing '# energy_unit: UNIT' line before the header "
                                      "(eV, meV, J, kJ/mol, kcal/mol, K or eps)",
                                      path);
            if (!e && col[COL_TK] >= 0 && m->kB == 0)
                e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                      "%s:%d: energy_unit eps has no Boltzmann constant: give a "
                                      "kT column instead of temperature_K",
                                      path, lineno);
            continue;
        }
        e = manifest_row(m, dir, path, lineno, p, col, ncols);
    }
    free(line);
    if (!e && len == -2)
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s:%d: line longer than %d bytes", path, lineno + 1,
                              UPSCALE_FILE_MAX_LINE);
    UPSCALE_CALL(e);
    UPSCALE_CHECK(have_header, UPSCALE_ERR_INPUT, "%s: no header line (window_file,...)", path);
    UPSCALE_CHECK(m->nwindows > 0, UPSCALE_ERR_INPUT, "%s:%d: no window rows after the header",
                  path, header_line);
    if (m->sites_per_fu > 0 && m->formula_units > 0) {
        double s = m->sites_per_fu * m->formula_units;
        UPSCALE_CHECK(m->sites == 0 || fabs(m->sites - s) <= 1e-9 * s, UPSCALE_ERR_INPUT,
                      "%s: sites = %g but sites_per_formula_unit x formula_units = %g", path,
                      m->sites, s);
        m->sites = s;
    }
    return UPSCALE_OK;
}

upscale_err upscale_gcmc_manifest_read(const char *path, upscale_gcmc_manifest **out)
{
    *out = NULL;
    UPSCALE_CHECK(strlen(path) < sizeof((*out)->path), UPSCALE_ERR_INPUT, "%s: path too long",
                  path);
    FILE *f;
    UPSCALE_CALL(upscale_file_open_input(path, UPSCALE_ERR_INPUT, &f));
    upscale_gcmc_manifest *m = calloc(1, sizeof(*m));
    if (!m) fclose(f);
    UPSCALE_ALLOC_CHECK(m);
    snprintf(m->path, sizeof(m->path), "%s", path);
    upscale_err e = manifest_parse(f, path, m);
    fclose(f);
    if (e) {
        upscale_gcmc_manifest_destroy(&m);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *out = m;
    return UPSCALE_OK;
}

double upscale_gcmc_x_per_fu(const upscale_gcmc_manifest *m, double N)
{
    return m->formula_units > 0 ? N / m->formula_units : NAN;
}

double upscale_gcmc_concentration(const upscale_gcmc_manifest *m, double N)
{
    return m->volume_m3 > 0 ? N / (UPSCALE_AVOGADRO * m->volume_m3) : NAN;
}

/* ---- analysis ---- */

void upscale_gcmc_result_destroy(upscale_gcmc_result **r)
{
    if (!r || !*r) return;
    for (int k = 0; k < (*r)->ntemps; k++) {
        free((*r)->t[k].windows);
        free((*r)->t[k].band_N);
        free((*r)->t[k].band_sd);
        upscale_gcmc_fit_destroy(&(*r)->t[k].fit);
    }
    free((*r)->t);
    free((*r)->stats);
    free(*r);
    *r = NULL;
}

static int same_kT(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fabs(a);
}

static void temperature_name(const upscale_gcmc_manifest *m, double kT, char *buf, size_t size)
{
    if (m->kB > 0)
        snprintf(buf, size, "%s: T = %g K", m->path, kT / m->kB);
    else
        snprintf(buf, size, "%s: kT = %g %s", m->path, kT, m->energy_unit);
}

/* Index of the gap of `gaps` overlapping [N1, N2] most; -1 if none overlaps. */
static int match_gap(const upscale_gcmc_gap *gaps, int n, const upscale_gcmc_gap *ref)
{
    int best = -1;
    double most = 0;
    for (int i = 0; i < n; i++) {
        double lo = gaps[i].N1 > ref->N1 ? gaps[i].N1 : ref->N1;
        double hi = gaps[i].N2 < ref->N2 ? gaps[i].N2 : ref->N2;
        if (hi - lo > most) {
            most = hi - lo;
            best = i;
        }
    }
    return best;
}

/* Fit of the windows idx[0..n-1] of a temperature. */
static upscale_err fit_windows(const upscale_gcmc_manifest *m, const upscale_gcmc_result *r,
                               const upscale_gcmc_fit_settings *fs, const char *name,
                               const int *idx, int n, double *buf, upscale_gcmc_fit **fit)
{
    double *N = buf, *se = buf + n, *mu = buf + 2 * n, *phi = buf + 3 * n;
    for (int i = 0; i < n; i++) {
        const upscale_gcmc_window_stats *st = &r->stats[idx[i]];
        N[i] = st->N;
        se[i] = st->N_se;
        mu[i] = st->mu;
        phi[i] = m->w[idx[i]].phi;
    }
    UPSCALE_CALL(upscale_gcmc_fit_create(fs, name, n, N, se, mu, phi, fit));
    return UPSCALE_OK;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile q of sorted v[0..n-1], linear interpolation between order statistics. */
static double quantile(const double *v, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)floor(pos);
    if (i >= n - 1) return v[n - 1];
    return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

/* Half the central 68.27% interval of v[0..n-1] (finite values only; v is reordered): the
 * standard deviation of a normal distribution, but not inflated by the odd replica whose
 * fit oscillates.  NAN with fewer than 2 finite values. */
static double spread(double *v, int n)
{
    int nb = 0;
    for (int b = 0; b < n; b++)
        if (isfinite(v[b])) v[nb++] = v[b];
    qsort(v, (size_t)nb, sizeof(double), compare_double);
    return nb >= 2 ? 0.5 * (quantile(v, nb, 0.841345) - quantile(v, nb, 0.158655)) : NAN;
}

/* Bootstrap over windows: the spread over the replicas of the main gap's numbers (when
 * there is a gap) and of mu(N) at BAND points across the sampled range.  Replicas locate
 * the hull on boot_grid points (the Newton polish makes the binodals independent of it). */
#define NQ 7
#define BAND 101
static upscale_err bootstrap(const upscale_gcmc_manifest *m, const upscale_gcmc_settings *s,
                             const upscale_gcmc_fit_settings *fs_full, const char *name,
                             upscale_gcmc_result *r, upscale_gcmc_temperature *T)
{
    const upscale_gcmc_gap *ref = T->main_gap >= 0 ? &T->gaps[T->main_gap] : NULL;
    const int n = T->nfit, B = s->bootstrap;
    upscale_gcmc_fit_settings fs = *fs_full;
    fs.grid = s->boot_grid;
    upscale_gcmc_fit_info fi;
    upscale_gcmc_fit_get_info(T->fit, &fi);
    int *idx = malloc((size_t)n * sizeof(*idx));
    double *buf = malloc((size_t)n * 4 * sizeof(double));
    double *val = malloc((size_t)NQ * B * sizeof(double));
    double *band = malloc((size_t)BAND * B * sizeof(double));
    T->band_N = malloc(BAND * sizeof(double));
    T->band_sd = malloc(BAND * sizeof(double));
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!idx || !buf || !val || !band || !T->band_N || !T->band_sd || !rng) {
        free(idx), free(buf), free(val), free(band);
        if (rng) gsl_rng_free(rng);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    T->nband = BAND;
    for (int j = 0; j < BAND; j++)
        T->band_N[j] = fi.N_lo + (fi.N_hi - fi.N_lo) * j / (BAND - 1.0);
    gsl_rng_set(rng, (unsigned long)s->seed);
    int nband = 0; /* replicas with a fit */
    for (int b = 0; b < B; b++) {
        for (int i = 0; i < n; i++)
            idx[i] = T->windows[gsl_rng_uniform_int(rng, (unsigned long)n)];
        upscale_gcmc_fit *fit = NULL;
        upscale_gcmc_gap gaps[UPSCALE_GCMC_MAX_GAPS];
        int ngaps = 0, k = -1;
        upscale_err e = fit_windows(m, r, &fs, name, idx, n, buf, &fit);
        if (!e)
            for (int j = 0; j < BAND; j++)
                band[(size_t)j * B + nband] = upscale_gcmc_fit_mu(fit, T->band_N[j], NULL);
        if (!e) nband++;
        if (!e && ref) e = upscale_gcmc_fit_gaps(fit, UPSCALE_GCMC_MAX_GAPS, gaps, &ngaps);
        if (!e && ref) k = match_gap(gaps, ngaps, ref);
        upscale_gcmc_fit_destroy(&fit);
        if (e || (ref && k < 0)) {
            upscale_error_clear();
            T->boot_failed++;
            continue;
        }
        T->boot_ok++;
        if (!ref) continue;
        const double v[NQ] = {gaps[k].N1, gaps[k].N2,      gaps[k].mu_coex, gaps[k].S1,
                              gaps[k].S2, gaps[k].mix_max, gaps[k].N_mix};
        for (int q = 0; q < NQ; q++)
            val[q * B + T->boot_ok - 1] = v[q];
    }
    gsl_rng_free(rng);
    free(idx), free(buf);
    for (int j = 0; j < BAND; j++)
        T->band_sd[j] = spread(band + (size_t)j * B, nband);
    free(band);
    double sd[NQ];
    for (int q = 0; q < NQ; q++)
        sd[q] = ref ? spread(val + q * B, T->boot_ok) : NAN;
    free(val);
    T->se = (upscale_gcmc_gap){.N1 = sd[0],
                               .N2 = sd[1],
                               .mu_coex = sd[2],
                               .S1 = sd[3],
                               .S2 = sd[4],
                               .mix_max = sd[5],
                               .N_mix = sd[6]};
    return UPSCALE_OK;
}

double upscale_gcmc_temperature_mu_sd(const upscale_gcmc_temperature *T, double N)
{
    if (T->nband < 2 || !(N >= T->band_N[0] && N <= T->band_N[T->nband - 1])) return NAN;
    double h = (T->band_N[T->nband - 1] - T->band_N[0]) / (T->nband - 1);
    int j = h > 0 ? (int)((N - T->band_N[0]) / h) : 0;
    if (j >= T->nband - 1) j = T->nband - 2;
    double w = h > 0 ? (N - T->band_N[j]) / h : 0.0;
    return (1.0 - w) * T->band_sd[j] + w * T->band_sd[j + 1];
}

/* With strict: every window with a warning, in one input error. */
static upscale_err strict_refusals(const upscale_gcmc_manifest *m, const upscale_gcmc_settings *s,
                                   const upscale_gcmc_result *r)
{
    char list[900] = "", why[400];
    int nbad = 0, nused = 0, len = 0;
    for (int k = 0; k < r->ntemps; k++)
        for (int j = 0; j < r->t[k].nwindows; j++) {
            int i = r->t[k].windows[j];
            nused++;
            if (!r->stats[i].warn) continue;
            nbad++;
            upscale_gcmc_window_describe(&s->window, &r->stats[i], why, sizeof(why));
            const char *b = strrchr(m->w[i].path, '/');
            if (len < (int)sizeof(list))
                len += snprintf(list + len, sizeof(list) - (size_t)len, "%s%s (line %d): %s",
                                nbad > 1 ? " | " : "", b ? b + 1 : m->w[i].path, m->w[i].line, why);
        }
    UPSCALE_CHECK(nbad == 0, UPSCALE_ERR_INPUT, "%s: --strict refuses %d of %d windows: %s%s",
                  m->path, nbad, nused, list, len >= (int)sizeof(list) ? " ..." : "");
    return UPSCALE_OK;
}

static upscale_err analyze_temperature(const upscale_gcmc_manifest *m,
                                       const upscale_gcmc_settings *s, upscale_gcmc_result *r,
                                       upscale_gcmc_temperature *T)
{
    char name[1200];
    temperature_name(m, T->kT, name, sizeof(name));
    upscale_gcmc_fit_settings fs = s->fit;
    fs.ideal = m->ideal;
    fs.kT = T->kT;
    fs.sites = r->sites;
    /* windows in the fit */
    int *use = malloc((size_t)T->nwindows * sizeof(*use));
    UPSCALE_ALLOC_CHECK(use);
    T->nfit = 0;
    for (int i = 0; i < T->nwindows; i++)
        if (!(s->drop_drifting && r->stats[T->windows[i]].drifting)) use[T->nfit++] = T->windows[i];
    memcpy(T->windows, use, (size_t)T->nfit * sizeof(*use));
    free(use);
    double *buf = malloc((size_t)(T->nfit > 0 ? T->nfit : 1) * 4 * sizeof(double));
    UPSCALE_ALLOC_CHECK(buf);
    upscale_err e = fit_windows(m, r, &fs, name, T->windows, T->nfit, buf, &T->fit);
    free(buf);
    UPSCALE_CALL(e);
    UPSCALE_CALL(upscale_gcmc_fit_gaps(T->fit, UPSCALE_GCMC_MAX_GAPS, T->gaps, &T->ngaps));
    T->main_gap = -1;
    for (int g = 0; g < T->ngaps; g++)
        if (T->main_gap < 0 ||
            T->gaps[g].N2 - T->gaps[g].N1 > T->gaps[T->main_gap].N2 - T->gaps[T->main_gap].N1)
            T->main_gap = g;
    if (s->bootstrap > 0) UPSCALE_CALL(bootstrap(m, s, &fs, name, r, T));
    return UPSCALE_OK;
}

upscale_err upscale_gcmc_analyze(const upscale_gcmc_manifest *m, const upscale_gcmc_settings *s,
                                 upscale_gcmc_result **out)
{
    *out = NULL;
    UPSCALE_CHECK(s->bootstrap >= 0, UPSCALE_ERR_INPUT, "bootstrap replicas must be >= 0, got %d",
                  s->bootstrap);
    UPSCALE_CHECK(s->bootstrap == 0 || s->boot_grid >= 101, UPSCALE_ERR_INPUT,
                  "bootstrap hull grid of %d points (need >= 101)", s->boot_grid);
    upscale_gcmc_result *r = calloc(1, sizeof(*r));
    UPSCALE_ALLOC_CHECK(r);
    r->manifest = m;
    r->sites = s->sites > 0 ? s->sites : m->sites;
    r->stats = calloc((size_t)m->nwindows, sizeof(*r->stats));
    r->t = calloc((size_t)m->nwindows, sizeof(*r->t));
    upscale_err e = (r->stats && r->t) ? UPSCALE_OK : UPSCALE_ERR_MEMORY;
    if (e) upscale_error_set(e, __FILE__, __LINE__, __func__, "out of memory");

    /* temperatures, ascending */
    for (int i = 0; i < m->nwindows && !e; i++) {
        if (s->kT_only > 0 && !same_kT(m->w[i].kT, s->kT_only)) continue;
        int k = 0;
        while (k < r->ntemps && !same_kT(r->t[k].kT, m->w[i].kT))
            k++;
        if (k == r->ntemps) {
            r->t[k] = (upscale_gcmc_temperature){.kT = m->w[i].kT, .main_gap = -1};
            r->t[k].windows = malloc((size_t)m->nwindows * sizeof(int));
            r->ntemps++;
            if (!r->t[k].windows)
                e = upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__,
                                      "out of memory");
        }
        if (!e) r->t[k].windows[r->t[k].nwindows++] = i;
    }
    if (!e && r->ntemps == 0) {
        char name[1200], list[256] = "";
        temperature_name(m, s->kT_only, name, sizeof(name));
        for (int i = 0, len = 0; i < m->nwindows && len < (int)sizeof(list) - 40; i++) {
            int seen = 0;
            for (int j = 0; j < i; j++)
                seen |= same_kT(m->w[j].kT, m->w[i].kT);
            if (seen) continue;
            double v = m->kB > 0 ? m->w[i].kT / m->kB : m->w[i].kT;
            len += snprintf(list + len, sizeof(list) - len, "%s%g", len ? ", " : "", v);
        }
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s: no window at this temperature (the manifest has %s %s)", name,
                              list, m->kB > 0 ? "K" : m->energy_unit);
    }
    for (int a = 1; a < r->ntemps && !e; a++)
        for (int b = a; b > 0 && r->t[b - 1].kT > r->t[b].kT; b--) {
            upscale_gcmc_temperature tmp = r->t[b];
            r->t[b] = r->t[b - 1];
            r->t[b - 1] = tmp;
        }

    /* windows: series, statistics, eq. 17 */
    for (int k = 0; k < r->ntemps && !e; k++)
        for (int j = 0; j < r->t[k].nwindows && !e; j++) {
            int i = r->t[k].windows[j];
            const upscale_gcmc_window_spec *w = &m->w[i];
            double *N = NULL;
            int n = 0;
            int dropped = 0, dline = 0;
            e = upscale_gcmc_series_read_runs(w->path, m->N_column, &N, &n, &dropped, &dline);
            char name[2 * sizeof(w->path) + 32];
            snprintf(name, sizeof(name), "%s (%s:%d)", w->path, m->path, w->line);
            if (!e) e = upscale_gcmc_window_analyze(&s->window, name, N, n, &r->stats[i]);
            if (!e && dropped) {
                r->stats[i].dropped_runs = dropped;
                r->stats[i].dropped_line = dline;
                r->stats[i].warn |= UPSCALE_GCMC_WARN_RUN_DROPPED;
            }
            free(N);
            if (e) break;
            upscale_gcmc_window_stats *st = &r->stats[i];
            /* eq. 17: mu(<N>) = mu_bias + P dV/dN - 2 phi (<N> - N_t) */
            st->mu = w->mu_bias + w->P_dVdN - 2.0 * w->phi * (st->N - w->N_target);
            st->mu_se = 2.0 * w->phi * st->N_se;
        }
    /* hysteresis: unbiased points at the same temperature and mu_bias on different branches */
    for (int k = 0; k < r->ntemps && !e; k++)
        for (int a = 0; a < r->t[k].nwindows; a++)
            for (int b = a + 1; b < r->t[k].nwindows; b++) {
                int i = r->t[k].windows[a], j = r->t[k].windows[b];
                const upscale_gcmc_window_stats *p = &r->stats[i], *q = &r->stats[j];
                if (m->w[i].phi != 0 || m->w[j].phi != 0 ||
                    fabs(m->w[i].mu_bias - m->w[j].mu_bias) >
                        1e-9 * fmax(1.0, fabs(m->w[i].mu_bias)))
                    continue;
                if (fabs(p->N - q->N) > 3.0 * sqrt(p->N_se * p->N_se + q->N_se * q->N_se)) {
                    if (!r->stats[i].hysteresis) r->stats[i].hysteresis = j + 1;
                    if (!r->stats[j].hysteresis) r->stats[j].hysteresis = i + 1;
                }
            }
    if (!e && s->strict) e = strict_refusals(m, s, r);
    for (int k = 0; k < r->ntemps && !e; k++)
        e = analyze_temperature(m, s, r, &r->t[k]);
    if (e) {
        upscale_gcmc_result_destroy(&r);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *out = r;
    return UPSCALE_OK;
}
