/* A Redlich-Kister material from biased-GCMC windows: the global fit of mu over all
 * temperatures, its bootstrap, the derived numbers per temperature, and the material file
 * (`upscale import gcmc -o`).  Model, rules and file layout: include/upscale/gcmc.h. */
#include "upscale/gcmc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "upscale/constants.h"
#include "upscale/file.h"
#include "upscale/sha256.h"
#include "upscale/yaml_out.h"
#include "upscale_version.h"

#define KB_EV (UPSCALE_GAS / UPSCALE_FARADAY) /* k_B / e, eV/K, as rk_material.c */
#define MAX_COLS (2 * UPSCALE_RK_MAX_TERMS + 1)
#define COLUMN_TOL 1e-8
#define NGAPQ 7 /* numbers of a gap: x1, x2, s1, s2, mu_coex, mix_max, x_mix */

struct upscale_gcmc_rk {
    upscale_gcmc_rk_settings s;
    upscale_gcmc_rk_info info;
    upscale_rk_material mat, sd; /* fit; spreads in the same fields */
    double T_ref;                /* K: the b columns use T - T_ref (conditioning) */
    int ntemps;
    double *T;                         /* K, ascending (the result's temperatures) */
    upscale_gcmc_rk_gap *gap, *gap_sd; /* per temperature */
    int nrep;                          /* replicas with a fit */
    upscale_rk_material *rep;          /* their materials */
    double *work;                      /* nrep values for upscale_gcmc_rk_mu */
    int npoints;                       /* the fitted windows: */
    double *y, *Tk, *resp, *sigma;     /*   site fraction, K, response and sigma, eV */
};

void upscale_gcmc_rk_settings_default(upscale_gcmc_rk_settings *s)
{
    *s = (upscale_gcmc_rk_settings){.sites_per_fu = 0.0,
                                    .fu_density = 0.0,
                                    .terms = 0,
                                    .max_terms = UPSCALE_RK_MAX_TERMS,
                                    .bootstrap = 200,
                                    .seed = 1};
}

void upscale_gcmc_rk_destroy(upscale_gcmc_rk **rk)
{
    if (!rk || !*rk) return;
    upscale_gcmc_rk *p = *rk;
    free(p->T), free(p->gap), free(p->gap_sd), free(p->rep), free(p->work);
    free(p->y), free(p->Tk), free(p->resp), free(p->sigma);
    free(p);
    *rk = NULL;
}

/* phi_i(y) = d/dy [y (1-y) s^i] = -s^{i+1} + i (1 - s^2) s^{i-1} / 2, s = 2y - 1. */
static double rk_basis(int i, double y)
{
    double s = 2.0 * y - 1.0, p = 1.0; /* s^{i-1} */
    for (int k = 1; k < i; k++)
        p *= s;
    double si = i > 0 ? p * s : 1.0;
    return -si * s + (i > 0 ? 0.5 * i * (1.0 - s * s) * p : 0.0);
}

/* Column j of the design at a point: 1; phi_i; (T - T_ref) phi_i for j = 1 + 2i, 2 + 2i. */
static double column(int j, double y, double Tc)
{
    if (j == 0) return 1.0;
    double b = rk_basis((j - 1) / 2, y);
    return (j - 1) % 2 ? Tc * b : b;
}

/* Weighted least squares on the nested designs of 1..ncol columns by modified Gram-Schmidt
 * (twice), columns normalised first.  For each column count c (1-based) chi2[c-1] and the
 * leave-one-window-out PRESS press[c-1] with its standard error.  Returns the number of
 * well-conditioned columns; coef (if not NULL) gets the solution for `want` columns when
 * want <= that number. */
typedef struct {
    int n, ncol;
    double *A, *q, *r, *h, *v, R[MAX_COLS * MAX_COLS], z[MAX_COLS], norm[MAX_COLS];
    double chi2[MAX_COLS], press[MAX_COLS], press_se[MAX_COLS];
} ls_work;

static void ls_free(ls_work *w)
{
    free(w->A), free(w->q), free(w->r), free(w->h), free(w->v);
}

static upscale_err ls_alloc(ls_work *w, int n, int ncol)
{
    memset(w, 0, sizeof(*w));
    w->n = n;
    w->ncol = ncol;
    w->A = malloc((size_t)n * ncol * sizeof(double));
    w->q = malloc((size_t)n * ncol * sizeof(double));
    w->r = malloc((size_t)n * sizeof(double));
    w->h = malloc((size_t)n * sizeof(double));
    w->v = malloc((size_t)n * sizeof(double));
    if (!w->A || !w->q || !w->r || !w->h || !w->v) {
        ls_free(w);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    return UPSCALE_OK;
}

/* Points idx[0..n-1] of rk (idx NULL: all); mult[i] copies of point i (for PRESS). */
static int ls_solve(ls_work *w, const upscale_gcmc_rk *rk, const int *idx, const double *mult,
                    int ncol, int want, double *coef)
{
    const int n = w->n;
    for (int i = 0; i < n; i++) {
        int p = idx ? idx[i] : i;
        double Tc = rk->Tk[p] - rk->T_ref;
        for (int j = 0; j < ncol; j++)
            w->A[(size_t)j * n + i] = column(j, rk->y[p], Tc) / rk->sigma[p];
        w->r[i] = rk->resp[p] / rk->sigma[p];
        w->h[i] = 0.0;
    }
    memset(w->R, 0, sizeof(w->R));
    int k;
    for (k = 0; k < ncol; k++) {
        double *v = w->v, norm0 = 0, norm = 0;
        for (int i = 0; i < n; i++)
            norm0 += w->A[(size_t)k * n + i] * w->A[(size_t)k * n + i];
        norm0 = sqrt(norm0);
        if (!(norm0 > 0)) break;
        w->norm[k] = norm0;
        for (int i = 0; i < n; i++)
            v[i] = w->A[(size_t)k * n + i] / norm0;
        for (int pass = 0; pass < 2; pass++)
            for (int j = 0; j < k; j++) {
                const double *q = w->q + (size_t)j * n;
                double d = 0;
                for (int i = 0; i < n; i++)
                    d += q[i] * v[i];
                for (int i = 0; i < n; i++)
                    v[i] -= d * q[i];
                w->R[j * MAX_COLS + k] += d;
            }
        for (int i = 0; i < n; i++)
            norm += v[i] * v[i];
        norm = sqrt(norm);
        if (!(norm > COLUMN_TOL)) break;
        w->R[k * MAX_COLS + k] = norm;
        double *q = w->q + (size_t)k * n, z = 0, chi2 = 0, press = 0, press2 = 0;
        for (int i = 0; i < n; i++) {
            q[i] = v[i] / norm;
            z += q[i] * w->r[i];
        }
        w->z[k] = z;
        for (int i = 0; i < n; i++) {
            w->r[i] -= z * q[i];
            w->h[i] += q[i] * q[i];
            chi2 += w->r[i] * w->r[i];
            double den = 1.0 - (mult ? mult[i] : 1.0) * w->h[i];
            double e = den > 1e-10 ? (w->r[i] / den) * (w->r[i] / den) : INFINITY;
            press += e;
            press2 += e * e;
        }
        w->chi2[k] = chi2;
        w->press[k] = press;
        double var = n > 1 ? (press2 - press * press / n) * n / (n - 1.0) : 0.0;
        w->press_se[k] = sqrt(var > 0 ? var : 0.0);
    }
    if (coef && want <= k)
        for (int j = want - 1; j >= 0; j--) {
            double s = w->z[j];
            for (int l = j + 1; l < want; l++)
                s -= w->R[j * MAX_COLS + l] * coef[l];
            coef[j] = s / w->R[j * MAX_COLS + j];
        }
    /* undo the column normalisation */
    if (coef && want <= k)
        for (int j = 0; j < want; j++)
            coef[j] /= w->norm[j];
    return k;
}

/* Coefficients (E0, a'_0, b_0, a'_1, b_1, ...) -> material (a_i = a'_i - b_i T_ref). */
static void to_material(const upscale_gcmc_rk *rk, int terms, const double *c,
                        upscale_rk_material *m)
{
    *m = (upscale_rk_material){.nterms = terms,
                               .reference_energy = c[0],
                               .sites_per_fu = rk->s.sites_per_fu,
                               .fu_density = rk->s.fu_density};
    for (int i = 0; i < terms; i++) {
        m->L_b[i] = c[2 + 2 * i];
        m->L_a[i] = c[1 + 2 * i] - m->L_b[i] * rk->T_ref;
    }
}

/* The miscibility gap of a material at T by the phase-field module (the one implementation
 * of the common tangent), in x per formula unit and eV. */
static void material_gap(const upscale_rk_material *m, double T, upscale_gcmc_rk_gap *g)
{
    *g = (upscale_gcmc_rk_gap){0, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    upscale_rk_material_state st;
    upscale_thermo th;
    upscale_phasefield_gap pg;
    if (upscale_rk_material_thermo(m, T, &st, &th) != UPSCALE_OK ||
        upscale_phasefield_common_tangent(&th, &pg) != UPSCALE_OK) {
        upscale_error_clear();
        g->found = -1;
        return;
    }
    if (!pg.found) return;
    double c_fu = m->fu_density / UPSCALE_AVOGADRO,
           e_n = UPSCALE_FARADAY / UPSCALE_AVOGADRO * m->fu_density;
    *g = (upscale_gcmc_rk_gap){.found = 1,
                               .x1 = pg.c1 / c_fu,
                               .x2 = pg.c2 / c_fu,
                               .s1 = pg.s1 / c_fu,
                               .s2 = pg.s2 / c_fu,
                               .mu_coex = pg.mu_coex / UPSCALE_FARADAY,
                               .mix_max = pg.p_max / e_n,
                               .x_mix = pg.c_pmax / c_fu};
}

static void gap_values(const upscale_gcmc_rk_gap *g, double v[NGAPQ])
{
    v[0] = g->x1, v[1] = g->x2, v[2] = g->s1, v[3] = g->s2;
    v[4] = g->mu_coex, v[5] = g->mix_max, v[6] = g->x_mix;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Half the central 68.27% interval of the finite values of v[0..n-1] (reordered). */
static double spread(double *v, int n)
{
    int nb = 0;
    for (int b = 0; b < n; b++)
        if (isfinite(v[b])) v[nb++] = v[b];
    if (nb < 2) return NAN;
    qsort(v, (size_t)nb, sizeof(double), compare_double);
    double q[2], p[2] = {0.158655, 0.841345};
    for (int k = 0; k < 2; k++) {
        double pos = p[k] * (nb - 1);
        int i = (int)floor(pos);
        q[k] = i >= nb - 1 ? v[nb - 1] : v[i] + (pos - i) * (v[i + 1] - v[i]);
    }
    return 0.5 * (q[1] - q[0]);
}

/* The fitted windows of every temperature: site fraction, temperature, response
 * mu - kT ln(y/(1-y)) and the effective-variance sigma of the temperature's fit, in eV. */
static upscale_err collect(const upscale_gcmc_result *r, upscale_gcmc_rk *rk)
{
    const upscale_gcmc_manifest *m = r->manifest;
    const double ev = KB_EV / m->kB; /* eV per energy unit */
    int n = 0;
    for (int k = 0; k < r->ntemps; k++)
        n += r->t[k].nfit;
    rk->y = malloc((size_t)n * sizeof(double));
    rk->Tk = malloc((size_t)n * sizeof(double));
    rk->resp = malloc((size_t)n * sizeof(double));
    rk->sigma = malloc((size_t)n * sizeof(double));
    UPSCALE_ALLOC_CHECK(rk->y && rk->Tk && rk->resp && rk->sigma);
    int p = 0;
    double tsum = 0;
    for (int k = 0; k < r->ntemps; k++) {
        const upscale_gcmc_temperature *T = &r->t[k];
        for (int j = 0; j < T->nfit; j++) {
            int i = T->windows[j];
            const upscale_gcmc_window_stats *st = &r->stats[i];
            double d, y = st->N / r->sites, kT = ev * T->kT;
            upscale_gcmc_fit_mu(T->fit, st->N, &d);
            rk->y[p] = y;
            rk->Tk[p] = T->kT / m->kB;
            rk->resp[p] = ev * st->mu - kT * (log(y) - log1p(-y));
            rk->sigma[p] = ev * (2.0 * m->w[i].phi + (d > 0 ? d : 0.0)) * st->N_se;
            UPSCALE_CHECK(rk->sigma[p] > 0 && isfinite(rk->sigma[p]) && isfinite(rk->resp[p]),
                          UPSCALE_ERR_INPUT, "%s: window has zero weight or a non-finite mu",
                          m->w[i].path);
            tsum += rk->Tk[p];
            p++;
        }
    }
    rk->npoints = n;
    rk->T_ref = tsum / n;
    return UPSCALE_OK;
}

/* Number of terms: leave-one-window-out PRESS, one-standard-error rule (gcmc.h). */
static upscale_err choose_terms(upscale_gcmc_rk *rk, ls_work *w, int max_terms)
{
    int ncol = 2 * max_terms + 1;
    int good = ls_solve(w, rk, NULL, NULL, ncol, ncol, NULL);
    int tried = (good - 1) / 2;
    UPSCALE_CHECK(tried >= 1, UPSCALE_ERR_INPUT,
                  "the Redlich-Kister fit of one term is ill-conditioned (%d windows)", w->n);
    int best = -1;
    for (int t = 1; t <= tried; t++)
        if (best < 0 || w->press[2 * t] < w->press[2 * best]) best = t;
    if (rk->s.terms > 0) {
        UPSCALE_CHECK(rk->s.terms <= tried, UPSCALE_ERR_INPUT,
                      "%d Redlich-Kister terms requested; at most %d are well-conditioned with "
                      "%d windows",
                      rk->s.terms, tried, w->n);
        rk->info.terms = rk->s.terms;
    } else {
        double limit = w->press[2 * best] + w->press_se[2 * best];
        rk->info.terms = best;
        for (int t = 1; t < best; t++)
            if (w->press[2 * t] <= limit) {
                rk->info.terms = t;
                break;
            }
    }
    rk->info.max_tried = tried;
    return UPSCALE_OK;
}

/* Bootstrap over windows, stratified by temperature, the number of terms fixed: spreads of
 * the coefficients and of the derived numbers; the replicas' materials are kept for the
 * band of mu (upscale_gcmc_rk_mu). */
static upscale_err rk_bootstrap(upscale_gcmc_rk *rk, const upscale_gcmc_result *r)
{
    const int B = rk->s.bootstrap, n = rk->npoints, p = 2 * rk->info.terms + 1;
    const int nq = p + rk->ntemps * NGAPQ;
    if (B == 0) {
        rk->sd = (upscale_rk_material){.nterms = rk->info.terms, .reference_energy = NAN};
        for (int i = 0; i < UPSCALE_RK_MAX_TERMS; i++)
            rk->sd.L_a[i] = rk->sd.L_b[i] = NAN;
        for (int k = 0; k < rk->ntemps; k++)
            rk->gap_sd[k] = (upscale_gcmc_rk_gap){0, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
        return UPSCALE_OK;
    }
    int *idx = malloc((size_t)n * sizeof(int));
    double *val = malloc((size_t)nq * B * sizeof(double));
    rk->rep = malloc((size_t)B * sizeof(*rk->rep));
    rk->work = malloc((size_t)B * sizeof(double));
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    ls_work w = {0};
    upscale_err e =
        idx && val && rk->rep && rk->work && rng ? ls_alloc(&w, n, p) : UPSCALE_ERR_MEMORY;
    if (e) {
        free(idx), free(val);
        if (rng) gsl_rng_free(rng);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    gsl_rng_set(rng, (unsigned long)rk->s.seed);
    int nb = 0;
    for (int b = 0; b < B; b++) {
        /* each temperature's windows (contiguous in the arrays) with replacement */
        for (int k = 0, start = 0; k < r->ntemps; k++) {
            int nk = r->t[k].nfit;
            for (int i = 0; i < nk; i++)
                idx[start + i] = start + (int)gsl_rng_uniform_int(rng, (unsigned long)nk);
            start += nk;
        }
        double c[MAX_COLS];
        if (ls_solve(&w, rk, idx, NULL, p, p, c) < p) {
            rk->info.boot_failed++;
            continue;
        }
        upscale_rk_material *m = &rk->rep[nb];
        to_material(rk, rk->info.terms, c, m);
        for (int j = 0; j < p; j++)
            val[(size_t)j * B + nb] = c[j];
        for (int k = 0; k < rk->ntemps; k++) {
            upscale_gcmc_rk_gap g;
            double v[NGAPQ];
            material_gap(m, rk->T[k], &g);
            gap_values(&g, v);
            for (int q = 0; q < NGAPQ; q++)
                val[(size_t)(p + k * NGAPQ + q) * B + nb] = v[q];
        }
        nb++;
    }
    gsl_rng_free(rng);
    ls_free(&w);
    free(idx);
    rk->nrep = nb;
    rk->info.boot_ok = nb;
    /* coefficients: E0, then a_i = a'_i - b_i T_ref and b_i (a_i from the replicas' own) */
    for (int b = 0; b < nb; b++)
        for (int i = 0; i < rk->info.terms; i++)
            val[(size_t)(1 + 2 * i) * B + b] = rk->rep[b].L_a[i];
    double sd[MAX_COLS];
    for (int j = 0; j < p; j++)
        sd[j] = spread(val + (size_t)j * B, nb);
    rk->sd = (upscale_rk_material){.nterms = rk->info.terms, .reference_energy = sd[0]};
    for (int i = 0; i < rk->info.terms; i++) {
        rk->sd.L_a[i] = sd[1 + 2 * i];
        rk->sd.L_b[i] = sd[2 + 2 * i];
    }
    for (int k = 0; k < rk->ntemps; k++) {
        double v[NGAPQ];
        for (int q = 0; q < NGAPQ; q++)
            v[q] = spread(val + (size_t)(p + k * NGAPQ + q) * B, nb);
        rk->gap_sd[k] = (upscale_gcmc_rk_gap){.found = rk->gap[k].found,
                                              .x1 = v[0],
                                              .x2 = v[1],
                                              .s1 = v[2],
                                              .s2 = v[3],
                                              .mu_coex = v[4],
                                              .mix_max = v[5],
                                              .x_mix = v[6]};
    }
    free(val);
    return UPSCALE_OK;
}

upscale_err upscale_gcmc_rk_fit(const upscale_gcmc_result *r, const upscale_gcmc_rk_settings *s,
                                upscale_gcmc_rk **out)
{
    *out = NULL;
    const upscale_gcmc_manifest *m = r->manifest;
    UPSCALE_CHECK(m->kB > 0, UPSCALE_ERR_INPUT,
                  "%s: a material file needs energies with a Boltzmann constant (energy_unit "
                  "%s has none)",
                  m->path, m->energy_unit);
    UPSCALE_CHECK(m->ideal == UPSCALE_GCMC_IDEAL_LATTICE && r->sites > 0, UPSCALE_ERR_INPUT,
                  "%s: a Redlich-Kister material needs the lattice ideal term and the sites per "
                  "supercell",
                  m->path);
    UPSCALE_CHECK(r->ntemps >= 2, UPSCALE_ERR_INPUT,
                  "%s: L_i(T) = a_i + b_i T needs windows at 2 or more temperatures, got %d",
                  m->path, r->ntemps);
    UPSCALE_CHECK(s->max_terms >= 1 && s->max_terms <= UPSCALE_RK_MAX_TERMS && s->terms >= 0 &&
                      s->terms <= s->max_terms && s->bootstrap >= 0,
                  UPSCALE_ERR_INPUT,
                  "Redlich-Kister terms %d, at most %d (1..%d), bootstrap %d: out of range",
                  s->terms, s->max_terms, UPSCALE_RK_MAX_TERMS, s->bootstrap);
    upscale_gcmc_rk *rk = calloc(1, sizeof(*rk));
    UPSCALE_ALLOC_CHECK(rk);
    rk->s = *s;
    /* sites per formula unit and formula-unit density */
    if (!(rk->s.sites_per_fu > 0)) {
        if (m->sites_per_fu > 0)
            rk->s.sites_per_fu = m->sites_per_fu;
        else if (m->formula_units > 0)
            rk->s.sites_per_fu = r->sites / m->formula_units;
    }
    if (!(rk->s.fu_density > 0) && m->volume_m3 > 0) {
        double fu = m->formula_units > 0 ? m->formula_units : r->sites / rk->s.sites_per_fu;
        rk->s.fu_density = fu / m->volume_m3;
    }
    upscale_err e = UPSCALE_OK;
    if (!(rk->s.sites_per_fu > 0 && isfinite(rk->s.sites_per_fu)))
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s: sites per formula unit unknown: give --sites-per-fu or "
                              "'# formula_units:' in the manifest",
                              m->path);
    else if (!(rk->s.fu_density > 0 && isfinite(rk->s.fu_density)))
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s: formula units per m^3 unknown: give --site-density or "
                              "'# volume:' in the manifest",
                              m->path);
    if (!e) e = collect(r, rk);
    int ncol = 2 * s->max_terms + 1;
    if (!e && rk->npoints <= ncol + 1)
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s: %d windows for up to %d Redlich-Kister coefficients", m->path,
                              rk->npoints, ncol);
    ls_work w = {0};
    if (!e) e = ls_alloc(&w, rk->npoints, ncol);
    if (!e) e = choose_terms(rk, &w, s->max_terms);
    double c[MAX_COLS];
    if (!e) {
        int p = 2 * rk->info.terms + 1;
        ls_solve(&w, rk, NULL, NULL, p, p, c);
        to_material(rk, rk->info.terms, c, &rk->mat);
        rk->info.npoints = rk->npoints;
        rk->info.ntemps = r->ntemps;
        rk->info.chi2 = w.chi2[p - 1];
        rk->info.score = w.press[p - 1];
        rk->info.T_min = r->t[0].kT / m->kB;
        rk->info.T_max = r->t[r->ntemps - 1].kT / m->kB;
        e = upscale_rk_material_check(&rk->mat);
    }
    ls_free(&w);
    if (e) {
        upscale_gcmc_rk_destroy(&rk);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    /* derived numbers of the fit */
    rk->ntemps = r->ntemps;
    rk->T = malloc((size_t)r->ntemps * sizeof(double));
    rk->gap = calloc((size_t)r->ntemps, sizeof(*rk->gap));
    rk->gap_sd = calloc((size_t)r->ntemps, sizeof(*rk->gap_sd));
    if (!rk->T || !rk->gap || !rk->gap_sd) {
        upscale_gcmc_rk_destroy(&rk);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    for (int k = 0; k < r->ntemps; k++) {
        rk->T[k] = r->t[k].kT / m->kB;
        material_gap(&rk->mat, rk->T[k], &rk->gap[k]);
    }
    e = rk_bootstrap(rk, r);
    if (e) {
        upscale_gcmc_rk_destroy(&rk);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *out = rk;
    return UPSCALE_OK;
}

void upscale_gcmc_rk_get_info(const upscale_gcmc_rk *rk, upscale_gcmc_rk_info *info)
{
    *info = rk->info;
}

const upscale_rk_material *upscale_gcmc_rk_material(const upscale_gcmc_rk *rk)
{
    return &rk->mat;
}

const upscale_rk_material *upscale_gcmc_rk_material_sd(const upscale_gcmc_rk *rk)
{
    return &rk->sd;
}

void upscale_gcmc_rk_gap_at(const upscale_gcmc_rk *rk, int k, upscale_gcmc_rk_gap *value,
                            upscale_gcmc_rk_gap *sd)
{
    if (value) *value = rk->gap[k];
    if (sd) *sd = rk->gap_sd[k];
}

double upscale_gcmc_rk_mu(upscale_gcmc_rk *rk, double x, double T, double *sd)
{
    if (sd) {
        for (int b = 0; b < rk->nrep; b++)
            rk->work[b] = upscale_rk_material_mu(&rk->rep[b], x, T, NULL);
        *sd = spread(rk->work, rk->nrep);
    }
    return upscale_rk_material_mu(&rk->mat, x, T, NULL);
}

/* ---- the material file ---- */

/* The window path as written in the manifest (relative to its directory). */
static const char *manifest_relative(const upscale_gcmc_manifest *m, const char *path)
{
    const char *slash = strrchr(m->path, '/');
    size_t len = slash ? (size_t)(slash - m->path + 1) : 0;
    return len && !strncmp(path, m->path, len) ? path + len : path;
}

typedef struct {
    char sha[65];
    long long bytes;
} checksum;

static void write_gap_numbers(FILE *f, int ind, const upscale_gcmc_rk_gap *g,
                              const upscale_gcmc_rk_gap *sd, int at1, int at2)
{
    const char *names[NGAPQ] = {"binodal_x1", "binodal_x2", "spinodal_x1", "spinodal_x2",
                                "mu_coex",    "mixing_max", "mixing_x"};
    const char *units[NGAPQ] = {NULL, NULL, NULL, NULL, "eV", "eV", NULL};
    double v[NGAPQ], e[NGAPQ];
    gap_values(g, v);
    gap_values(sd, e);
    for (int q = 0; q < NGAPQ; q++) {
        char key[64];
        upscale_yaml_out_number(f, ind, names[q], v[q], units[q], 6);
        snprintf(key, sizeof(key), "%s_sd", names[q]);
        upscale_yaml_out_number(f, ind, key, e[q], units[q], 6);
        if (q == 0 && at1) fprintf(f, "%*sbinodal_x1_at_end: true\n", ind, "");
        if (q == 1 && at2) fprintf(f, "%*sbinodal_x2_at_end: true\n", ind, "");
    }
}

static upscale_err write_body(FILE *f, const upscale_gcmc_rk *rk, const upscale_gcmc_result *r,
                              const char *name, const char *command, const checksum *man,
                              const checksum *win)
{
    const upscale_gcmc_manifest *m = r->manifest;
    const upscale_rk_material *mt = &rk->mat, *sd = &rk->sd;
    const upscale_gcmc_rk_info *in = &rk->info;
    const double ev = KB_EV / m->kB, per_fu = r->sites / rk->s.sites_per_fu;
    int nused = 0;
    for (int k = 0; k < r->ntemps; k++)
        nused += r->t[k].nwindows;
    fprintf(f, "# Redlich-Kister material fitted to biased-GCMC windows by `upscale import gcmc`\n"
               "# (src/bridge/gcmc_material.c; rules in include/upscale/gcmc.h):\n"
               "#   mu_h(x, T) = E0 + kT ln(y/(1-y)) + d/dy[y (1-y) sum_i L_i(T) (2y-1)^i], "
               "y = x/s,\n"
               "#   L_i(T) = L_i_a + L_i_b T (eV per site), G = x E0 + s g_site(y) "
               "(include/upscale/rk_material.h),\n"
               "# fitted by weighted least squares to mu (eq. 17) of every window at every "
               "temperature.\n"
               "# The simulator reads the keys down to temperature_range; uncertainty.*, "
               "derived.* and\n"
               "# provenance.* are records for people (its reader accepts and ignores them).\n");
    fprintf(f, "citation: ");
    char cite[2048];
    snprintf(cite, sizeof(cite),
             "Fitted by upscale import gcmc (upscale %s) to the %d biased-GCMC windows of %s "
             "at %g..%g K; see provenance",
             UPSCALE_GIT_DESCRIBE, nused, m->path, in->T_min, in->T_max);
    upscale_yaml_out_quote(f, cite);
    fprintf(f, "\nmaterial: ");
    upscale_yaml_out_quote(f, name);
    fprintf(f, "\nsites_per_formula_unit: %.10g\n", mt->sites_per_fu);
    fprintf(f, "site_density: %.9e m^-3      # formula units per m^3\n", mt->fu_density);
    fprintf(f, "reference_energy: %.10e eV   # E0 per ion\n", mt->reference_energy);
    fprintf(f, "redlich_kister:\n");
    for (int i = 0; i < mt->nterms; i++) {
        fprintf(f, "  L%d_a: %.10e eV\n", i, mt->L_a[i]);
        fprintf(f, "  L%d_b: %.10e eV/K\n", i, mt->L_b[i]);
    }
    fprintf(f, "temperature_range: \"%g K .. %g K\"\n", in->T_min, in->T_max);

    fprintf(f, "uncertainty:   # bootstrap over windows: half the central 68.27%% interval of "
               "the replicas\n");
    fprintf(f, "  replicas: %d\n  failed_replicas: %d\n  seed: %llu\n", in->boot_ok,
            in->boot_failed, (unsigned long long)rk->s.seed);
    upscale_yaml_out_number(f, 2, "reference_energy", sd->reference_energy, "eV", 6);
    fprintf(f, "  redlich_kister:\n");
    for (int i = 0; i < mt->nterms; i++) {
        char ka[16], kb[16];
        snprintf(ka, sizeof(ka), "L%d_a", i);
        snprintf(kb, sizeof(kb), "L%d_b", i);
        upscale_yaml_out_number(f, 4, ka, sd->L_a[i], "eV", 6);
        upscale_yaml_out_number(f, 4, kb, sd->L_b[i], "eV/K", 6);
    }

    fprintf(f, "derived:\n  fit:\n");
    fprintf(f, "    terms: %d\n", in->terms);
    fprintf(f, "    terms_rule: \"%s\"\n",
            rk->s.terms > 0 ? "given (--rk-terms)"
                            : "leave-one-window-out PRESS, one-standard-error rule");
    fprintf(f, "    terms_tried: %d\n", in->max_tried);
    fprintf(f, "    windows: %d\n", in->npoints);
    fprintf(f, "    chi2: %.6g\n    dof: %d\n", in->chi2, in->npoints - (2 * in->terms + 1));
    fprintf(f, "    temperatures: [");
    for (int k = 0; k < r->ntemps; k++)
        fprintf(f, "%s%g K", k ? ", " : "", rk->T[k]);
    fprintf(f, "]\n");
    for (int k = 0; k < r->ntemps; k++) {
        const upscale_gcmc_temperature *T = &r->t[k];
        upscale_gcmc_fit_info fi;
        upscale_gcmc_fit_get_info(T->fit, &fi);
        fprintf(f, "  T%gK:\n", rk->T[k]);
        fprintf(f, "    windows: %d\n    windows_in_fit: %d\n", T->nwindows, T->nfit);
        fprintf(f, "    sampled_x: [%.6g, %.6g]\n", fi.N_lo / per_fu, fi.N_hi / per_fu);
        fprintf(f, "    gcmc:    # this temperature's windows alone: Legendre fit of mu(N), "
                   "G(N), convex hull\n");
        fprintf(f, "      legendre_degree: %d\n", fi.degree);
        if (T->main_gap < 0) {
            fprintf(f, "      gap: false\n");
        } else {
            const upscale_gcmc_gap *p = &T->gaps[T->main_gap], *e = &T->se;
            upscale_gcmc_rk_gap g = {1,
                                     p->N1 / per_fu,
                                     p->N2 / per_fu,
                                     p->S1 / per_fu,
                                     p->S2 / per_fu,
                                     ev * p->mu_coex,
                                     ev * p->mix_max / per_fu,
                                     p->N_mix / per_fu};
            upscale_gcmc_rk_gap ge = {1,
                                      e->N1 / per_fu,
                                      e->N2 / per_fu,
                                      e->S1 / per_fu,
                                      e->S2 / per_fu,
                                      ev * e->mu_coex,
                                      ev * e->mix_max / per_fu,
                                      e->N_mix / per_fu};
            write_gap_numbers(f, 6, &g, &ge, p->N1_at_end, p->N2_at_end);
        }
        fprintf(f, "    model:   # this file's Redlich-Kister model (common tangent of "
                   "phasefield.h)\n");
        if (rk->gap[k].found != 1)
            fprintf(f, "      gap: false\n");
        else
            write_gap_numbers(f, 6, &rk->gap[k], &rk->gap_sd[k], 0, 0);
    }

    fprintf(f, "provenance:\n  command: ");
    upscale_yaml_out_quote(f, command ? command : "");
    fprintf(f, "\n  upscale_version: ");
    upscale_yaml_out_quote(f, UPSCALE_GIT_DESCRIBE);
    fprintf(f, "\n  checksum: sha256\n  manifest: {file: ");
    upscale_yaml_out_quote(f, m->path);
    fprintf(f, ", bytes: %lld, sha256: %s}\n", man->bytes, man->sha);
    fprintf(f, "  windows:   # file relative to the manifest's directory\n");
    for (int i = 0, j = 0; i < m->nwindows; i++) {
        int k = 0, used = 0;
        while (k < r->ntemps && fabs(m->w[i].kT - r->t[k].kT) > 1e-9 * r->t[k].kT)
            k++;
        if (k == r->ntemps) continue;
        for (int l = 0; l < r->t[k].nfit; l++)
            used |= r->t[k].windows[l] == i;
        fprintf(f, "    - {file: ");
        upscale_yaml_out_quote(f, manifest_relative(m, m->w[i].path));
        fprintf(f, ", bytes: %lld, sha256: %s, in_fit: %s}\n", win[j].bytes, win[j].sha,
                used ? "true" : "false");
        j++;
    }
    UPSCALE_CHECK(!ferror(f), UPSCALE_ERR_IO, "write error");
    return UPSCALE_OK;
}

upscale_err upscale_gcmc_rk_write(const upscale_gcmc_rk *rk, const upscale_gcmc_result *r,
                                  const char *path, const char *name, const char *command)
{
    const upscale_gcmc_manifest *m = r->manifest;
    /* checksums of every input first: nothing is created if one cannot be read */
    checksum man, *win = malloc((size_t)(m->nwindows > 0 ? m->nwindows : 1) * sizeof(*win));
    UPSCALE_ALLOC_CHECK(win);
    upscale_err e = upscale_sha256_file(m->path, man.sha, &man.bytes);
    for (int i = 0, j = 0; !e && i < m->nwindows; i++) {
        int k = 0;
        while (k < r->ntemps && fabs(m->w[i].kT - r->t[k].kT) > 1e-9 * r->t[k].kT)
            k++;
        if (k == r->ntemps) continue;
        e = upscale_sha256_file(m->w[i].path, win[j].sha, &win[j].bytes);
        j++;
    }
    char tmp[4200];
    int fd = -1;
    if (!e) e = upscale_file_check_output(path, 0);
    if (!e && snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__, "%s: path too long",
                              path);
    if (!e) {
        fd = mkstemp(tmp);
        if (fd >= 0) fchmod(fd, 0644); /* mkstemp makes it 0600 */
        if (fd < 0)
            e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                  "%s: cannot create a file beside it (%s)", path, strerror(errno));
    }
    FILE *f = NULL;
    if (!e) {
        f = fdopen(fd, "w");
        if (!f) {
            close(fd);
            e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__, "%s: %s", tmp,
                                  strerror(errno));
        }
    }
    if (!e) e = write_body(f, rk, r, name, command, &man, win);
    if (f && fclose(f) != 0 && !e)
        e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__, "%s: write failed (%s)",
                              tmp, strerror(errno));
    if (!e && rename(tmp, path) != 0)
        e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                              "%s: cannot rename %s to it (%s)", path, tmp, strerror(errno));
    if (e && fd >= 0) unlink(tmp);
    free(win);
    return e ? upscale_error_trace(e, __FILE__, __LINE__, __func__) : UPSCALE_OK;
}
