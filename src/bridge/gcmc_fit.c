/* Fit of mu(N) from biased-GCMC windows, its integral G(N) (eq. 18), the common tangent,
 * spinodals and mixing energy.  Model, weights, degree rule and hull: include/upscale/gcmc.h.
 *
 * The least-squares problems of all degrees share one weighted QR factorisation built
 * column by column (modified Gram-Schmidt, orthogonalised twice): the residual of every
 * degree follows from one pass, and a Legendre column that is nearly a combination of
 * the lower ones (it keeps less than column_tol of its norm) marks the end of the
 * well-conditioned degrees. */
#include "upscale/gcmc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "upscale/phasefield.h"

#define MAX_DEGREE 60
#define WEIGHT_PASSES 3

struct upscale_gcmc_fit {
    upscale_gcmc_fit_settings s;
    char name[128];
    double N_lo, N_hi;
    double ideal_lo; /* integral of the ideal term at N_lo (G's constant) */
    int degree;
    double c[MAX_DEGREE + 1];
    upscale_gcmc_fit_info info;
};

void upscale_gcmc_fit_settings_default(upscale_gcmc_fit_settings *s)
{
    *s = (upscale_gcmc_fit_settings){.ideal = UPSCALE_GCMC_IDEAL_LATTICE,
                                     .kT = 0.0,
                                     .sites = 0.0,
                                     .min_degree = 1,
                                     .max_degree = 40,
                                     .column_tol = 1e-8,
                                     .grid = 20001,
                                     .criterion = UPSCALE_GCMC_CRITERION_LOO};
}

void upscale_gcmc_fit_destroy(upscale_gcmc_fit **f)
{
    if (!f || !*f) return;
    free(*f);
    *f = NULL;
}

/* ---- the model ---- */

/* Ideal term, its derivative and its integral (the last without a constant). */
static double ideal(const upscale_gcmc_fit_settings *s, double N, double *d, double *integral)
{
    double v = 0, dv = 0, iv = 0;
    if (s->ideal == UPSCALE_GCMC_IDEAL_LATTICE) {
        /* kT ln(x/(1-x)),  kT / (N_s x (1-x)),  kT N_s [x ln x + (1-x) ln(1-x)] */
        double x = N / s->sites;
        v = s->kT * log(x / (1.0 - x));
        dv = s->kT / (s->sites * x * (1.0 - x));
        iv = s->kT * s->sites * (x * log(x) + (1.0 - x) * log1p(-x));
    } else if (s->ideal == UPSCALE_GCMC_IDEAL_GAS) {
        /* kT ln N,  kT / N,  kT (N ln N - N) */
        v = s->kT * log(N);
        dv = s->kT / N;
        iv = s->kT * (N * log(N) - N);
    }
    if (d) *d = dv;
    if (integral) *integral = iv;
    return v;
}

/* P_0..P_{deg+1}(t) and P'_0..P'_deg(t):
 * (k+1) P_{k+1} = (2k+1) t P_k - k P_{k-1},   P'_{k+1} = P'_{k-1} + (2k+1) P_k. */
static void legendre(double t, int deg, double *P, double *dP)
{
    P[0] = 1.0;
    P[1] = t;
    for (int k = 1; k <= deg; k++)
        P[k + 1] = ((2 * k + 1) * t * P[k] - k * P[k - 1]) / (k + 1);
    if (!dP) return;
    dP[0] = 0.0;
    if (deg >= 1) dP[1] = 1.0;
    for (int k = 1; k < deg; k++)
        dP[k + 1] = dP[k - 1] + (2 * k + 1) * P[k];
}

static double map_t(const upscale_gcmc_fit *f, double N)
{
    return 2.0 * (N - f->N_lo) / (f->N_hi - f->N_lo) - 1.0;
}

double upscale_gcmc_fit_mu(const upscale_gcmc_fit *f, double N, double *dmu_dN)
{
    double P[MAX_DEGREE + 2], dP[MAX_DEGREE + 1], di;
    legendre(map_t(f, N), f->degree, P, dmu_dN ? dP : NULL);
    double mu = ideal(&f->s, N, &di, NULL), dmu = 0;
    for (int k = 0; k <= f->degree; k++) {
        mu += f->c[k] * P[k];
        if (dmu_dN) dmu += f->c[k] * dP[k];
    }
    if (dmu_dN) *dmu_dN = di + dmu * 2.0 / (f->N_hi - f->N_lo);
    return mu;
}

double upscale_gcmc_fit_G(const upscale_gcmc_fit *f, double N)
{
    /* integral of P_k dt: Q_0 = t + 1, Q_k = (P_{k+1} - P_{k-1}) / (2k + 1), zero at t = -1 */
    double P[MAX_DEGREE + 2], i_N;
    double t = map_t(f, N);
    legendre(t, f->degree, P, NULL);
    double sum = f->c[0] * (t + 1.0);
    for (int k = 1; k <= f->degree; k++)
        sum += f->c[k] * (P[k + 1] - P[k - 1]) / (2 * k + 1);
    ideal(&f->s, N, NULL, &i_N);
    return i_N - f->ideal_lo + 0.5 * (f->N_hi - f->N_lo) * sum;
}

void upscale_gcmc_fit_get_info(const upscale_gcmc_fit *f, upscale_gcmc_fit_info *info)
{
    *info = f->info;
}

const double *upscale_gcmc_fit_coefficients(const upscale_gcmc_fit *f)
{
    return f->c;
}

/* ---- the fit ---- */

typedef struct {
    int n, pmax;      /* points, columns allocated */
    double *q;        /* n x pmax orthonormal columns, column-major */
    double *R;        /* pmax x pmax upper triangle, row-major */
    double *z;        /* Q^T b */
    double *chi2;     /* residual of degree d = column count - 1 */
    double *press;    /* leave-one-window-out residual of degree d */
    double *press_se; /* its standard error, sqrt(n) sd of the terms */
    double *h;        /* leverages H_ii of the current degree */
    double *r, *v;    /* residual and work vector */
    double *A;        /* n x pmax weighted Legendre columns */
} qr_work;

static void qr_free(qr_work *w)
{
    free(w->q), free(w->R), free(w->z), free(w->chi2), free(w->r), free(w->v), free(w->A);
    free(w->press), free(w->press_se), free(w->h);
}

static upscale_err qr_alloc(qr_work *w, int n, int pmax)
{
    *w = (qr_work){.n = n, .pmax = pmax};
    w->q = malloc((size_t)n * pmax * sizeof(double));
    w->A = malloc((size_t)n * pmax * sizeof(double));
    w->R = calloc((size_t)pmax * pmax, sizeof(double));
    w->z = malloc((size_t)pmax * sizeof(double));
    w->chi2 = malloc((size_t)pmax * sizeof(double));
    w->press = malloc((size_t)pmax * sizeof(double));
    w->press_se = malloc((size_t)pmax * sizeof(double));
    w->h = malloc((size_t)n * sizeof(double));
    w->r = malloc((size_t)n * sizeof(double));
    w->v = malloc((size_t)n * sizeof(double));
    if (!w->q || !w->A || !w->R || !w->z || !w->chi2 || !w->press || !w->press_se || !w->h ||
        !w->r || !w->v) {
        qr_free(w);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    return UPSCALE_OK;
}

/* Weighted columns A_ik = P_k(t_i) / sigma_i and b_i = y_i / sigma_i; factorise up to
 * column limit - 1 (limit <= pmax) or the first nearly dependent column.  Returns the
 * number of well-conditioned columns.  Column k depends only on columns 0..k, so a
 * smaller limit gives the same leading factorisation. */
static int qr_factor(qr_work *w, const double *t, const double *y, const double *sigma,
                     const double *mult, double column_tol, int limit)
{
    const int n = w->n;
    double P[MAX_DEGREE + 2];
    for (int i = 0; i < n; i++) {
        legendre(t[i], w->pmax - 1, P, NULL);
        for (int k = 0; k < w->pmax; k++)
            w->A[(size_t)k * n + i] = P[k] / sigma[i];
        w->r[i] = y[i] / sigma[i];
        w->h[i] = 0.0;
    }
    memset(w->R, 0, (size_t)w->pmax * w->pmax * sizeof(double));
    int k;
    for (k = 0; k < limit; k++) {
        double *v = w->v, norm0 = 0, norm = 0;
        for (int i = 0; i < n; i++) {
            v[i] = w->A[(size_t)k * n + i];
            norm0 += v[i] * v[i];
        }
        for (int pass = 0; pass < 2; pass++)
            for (int j = 0; j < k; j++) {
                const double *q = w->q + (size_t)j * n;
                double d = 0;
                for (int i = 0; i < n; i++)
                    d += q[i] * v[i];
                for (int i = 0; i < n; i++)
                    v[i] -= d * q[i];
                w->R[j * w->pmax + k] += d;
            }
        for (int i = 0; i < n; i++)
            norm += v[i] * v[i];
        norm = sqrt(norm);
        if (!(norm > column_tol * sqrt(norm0))) break;
        w->R[k * w->pmax + k] = norm;
        double *q = w->q + (size_t)k * n, z = 0, chi2 = 0;
        for (int i = 0; i < n; i++) {
            q[i] = v[i] / norm;
            z += q[i] * w->r[i];
        }
        w->z[k] = z;
        /* PRESS = sum_i (r_i / (1 - c_i H_ii))^2: the residual of window i predicted by
         * the fit without its c_i copies (identical rows of a bootstrap sample) */
        double press = 0, press2 = 0;
        for (int i = 0; i < n; i++) {
            w->r[i] -= z * q[i];
            w->h[i] += q[i] * q[i];
            chi2 += w->r[i] * w->r[i];
            double den = 1.0 - mult[i] * w->h[i];
            double e = den > 1e-10 ? (w->r[i] / den) * (w->r[i] / den) : INFINITY;
            press += e;
            press2 += e * e;
        }
        w->chi2[k] = chi2;
        w->press[k] = press;
        double var = n > 1 ? (press2 - press * press / n) * n / (n - 1.0) : 0.0;
        w->press_se[k] = sqrt(var > 0 ? var : 0.0);
    }
    return k;
}

/* Coefficients of degree d: R c = z by back substitution. */
static void qr_solve(const qr_work *w, int d, double *c)
{
    for (int k = d; k >= 0; k--) {
        double s = w->z[k];
        for (int j = k + 1; j <= d; j++)
            s -= w->R[k * w->pmax + j] * c[j];
        c[k] = s / w->R[k * w->pmax + k];
    }
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Secant slopes of mu over N (points sorted by N), for the first weights without an
 * ideal term. */
static upscale_err secant_slopes(int n, const double *N, const double *mu, double *slope)
{
    int *idx = malloc((size_t)n * sizeof(*idx));
    UPSCALE_ALLOC_CHECK(idx);
    for (int i = 0; i < n; i++)
        idx[i] = i;
    /* insertion sort by N: n is the number of windows */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && N[idx[j - 1]] > N[idx[j]]; j--) {
            int tmp = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = tmp;
        }
    for (int k = 0; k < n; k++) {
        int a = idx[k > 0 ? k - 1 : 0], b = idx[k < n - 1 ? k + 1 : n - 1];
        slope[idx[k]] = N[b] > N[a] ? (mu[b] - mu[a]) / (N[b] - N[a]) : 0.0;
    }
    free(idx);
    return UPSCALE_OK;
}

upscale_err upscale_gcmc_fit_create(const upscale_gcmc_fit_settings *s, const char *name, int n,
                                    const double *N, const double *N_se, const double *mu,
                                    const double *phi, upscale_gcmc_fit **out)
{
    *out = NULL;
    UPSCALE_CHECK(s->kT > 0 && isfinite(s->kT), UPSCALE_ERR_INPUT, "%s: kT must be > 0, got %g",
                  name, s->kT);
    UPSCALE_CHECK(s->ideal != UPSCALE_GCMC_IDEAL_LATTICE || s->sites > 0, UPSCALE_ERR_INPUT,
                  "%s: the lattice ideal term needs the number of sites per supercell "
                  "('# sites: N' in the manifest or --sites N)",
                  name);
    UPSCALE_CHECK(s->min_degree >= 0 && s->max_degree >= s->min_degree &&
                      s->max_degree <= MAX_DEGREE,
                  UPSCALE_ERR_INPUT, "%s: fit degrees must satisfy 0 <= %d <= %d <= %d", name,
                  s->min_degree, s->max_degree, MAX_DEGREE);
    UPSCALE_CHECK(s->grid >= 101, UPSCALE_ERR_INPUT, "%s: hull grid of %d points (need >= 101)",
                  name, s->grid);
    for (int i = 0; i < n; i++) {
        UPSCALE_CHECK(isfinite(N[i]) && isfinite(N_se[i]) && isfinite(mu[i]) && isfinite(phi[i]) &&
                          N_se[i] >= 0 && phi[i] >= 0,
                      UPSCALE_ERR_INPUT, "%s: point %d: non-finite or negative value", name, i);
        UPSCALE_CHECK(s->ideal != UPSCALE_GCMC_IDEAL_LATTICE || (N[i] > 0 && N[i] < s->sites),
                      UPSCALE_ERR_INPUT,
                      "%s: window mean <N> = %g is outside (0, %g sites): the lattice term "
                      "kT ln(x/(1-x)) needs 0 < x < 1",
                      name, N[i], s->sites);
        UPSCALE_CHECK(s->ideal != UPSCALE_GCMC_IDEAL_GAS || N[i] > 0, UPSCALE_ERR_INPUT,
                      "%s: window mean <N> = %g: the gas term kT ln N needs N > 0", name, N[i]);
    }
    /* distinct means: the degree leaves at least one degree of freedom */
    double *sorted = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    UPSCALE_ALLOC_CHECK(sorted);
    memcpy(sorted, N, (size_t)n * sizeof(double));
    qsort(sorted, (size_t)n, sizeof(double), compare_double);
    int distinct = n > 0;
    for (int i = 1; i < n; i++)
        distinct += sorted[i] != sorted[i - 1];
    double lo = n > 0 ? sorted[0] : 0, hi = n > 0 ? sorted[n - 1] : 0;
    free(sorted);
    UPSCALE_CHECK(distinct >= s->min_degree + 3, UPSCALE_ERR_INPUT,
                  "%s: %d distinct window means <N>; a fit of degree %d needs at least %d", name,
                  distinct, s->min_degree, s->min_degree + 3);

    upscale_gcmc_fit *f = calloc(1, sizeof(*f));
    UPSCALE_ALLOC_CHECK(f);
    f->s = *s;
    snprintf(f->name, sizeof(f->name), "%s", name);
    f->N_lo = lo;
    f->N_hi = hi;
    ideal(s, lo, NULL, &f->ideal_lo);
    int dmax = s->max_degree < distinct - 2 ? s->max_degree : distinct - 2;

    double *buf = malloc((size_t)n * 5 * sizeof(double));
    qr_work w = {0};
    upscale_err e = buf ? qr_alloc(&w, n, dmax + 1) : UPSCALE_ERR_MEMORY;
    if (e) {
        free(buf);
        free(f);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    double *t = buf, *y = buf + n, *sigma = buf + 2 * n, *slope = buf + 3 * n, *mult = buf + 4 * n;
    for (int i = 0; i < n; i++) {
        mult[i] = 0;
        for (int j = 0; j < n; j++)
            mult[i] += N[j] == N[i] && mu[j] == mu[i];
        t[i] = map_t(f, N[i]);
        y[i] = mu[i] - ideal(s, N[i], &slope[i], NULL);
    }
    if (s->ideal == UPSCALE_GCMC_IDEAL_NONE) e = secant_slopes(n, N, mu, slope);

    /* effective variance of eq. 17, three passes: slope from the ideal term, then the fit */
    int chosen = -1, ncols = 0, tried = 0;
    double best = INFINITY;
    for (int pass = 0; pass < WEIGHT_PASSES && !e; pass++) {
        for (int i = 0; i < n && !e; i++) {
            sigma[i] = (2.0 * phi[i] + (slope[i] > 0 ? slope[i] : 0.0)) * N_se[i];
            if (!(sigma[i] > 0 && isfinite(sigma[i])))
                e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                      "%s: window at <N> = %g has zero weight (se(N) = %g, phi = "
                                      "%g, fitted dmu/dN = %g): an unbiased window needs "
                                      "dmu/dN > 0 and every window needs se(N) > 0",
                                      name, N[i], N_se[i], phi[i], slope[i]);
        }
        if (e) break;
        /* the degree is chosen in every pass but the last (the second with the fitted slope in
         * the weights: an unbiased point's first weight, from the ideal slope alone, is far too
         * large where mu' is not ideal, e.g. a dense liquid); the last only refines the weights */
        const int select = pass < WEIGHT_PASSES - 1;
        ncols = qr_factor(&w, t, y, sigma, mult, s->column_tol, select ? w.pmax : chosen + 1);
        if (pass == 0) tried = ncols;
        if (ncols < s->min_degree + 1) {
            e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                  "%s: the fit of degree %d is ill-conditioned (%d distinct "
                                  "window means over N = %g..%g)",
                                  name, s->min_degree, distinct, lo, hi);
            break;
        }
        /* the degree: BIC = n ln(chi2 / n) + (d + 1) ln n, or the leave-one-window-out PRESS */
        if (select) {
            chosen = -1;
            best = INFINITY;
            for (int d = s->min_degree; d < ncols; d++) {
                if (!(w.chi2[d] > 0)) continue;
                double score = s->criterion == UPSCALE_GCMC_CRITERION_BIC
                                   ? n * log(w.chi2[d] / n) + (d + 1) * log((double)n)
                                   : w.press[d];
                if (score < best) {
                    best = score;
                    chosen = d;
                }
            }
            /* one-standard-error rule: the lowest degree within one se of the best PRESS */
            if (chosen >= 0 && s->criterion == UPSCALE_GCMC_CRITERION_LOO) {
                double limit = w.press[chosen] + w.press_se[chosen];
                for (int d = s->min_degree; d < chosen; d++)
                    if (w.chi2[d] > 0 && w.press[d] <= limit) {
                        chosen = d;
                        best = w.press[d];
                        break;
                    }
            }
            if (chosen < 0) {
                e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                      "%s: every fit of degree %d..%d interpolates the windows "
                                      "exactly: too few windows",
                                      name, s->min_degree, ncols - 1);
                break;
            }
        } else if (ncols <= chosen) {
            e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                  "%s: the fit of degree %d is ill-conditioned with the "
                                  "effective-variance weights",
                                  name, chosen);
            break;
        } else {
            best = s->criterion == UPSCALE_GCMC_CRITERION_BIC
                       ? n * log(w.chi2[chosen] / n) + (chosen + 1) * log((double)n)
                       : w.press[chosen];
        }
        f->degree = chosen;
        memset(f->c, 0, sizeof(f->c));
        qr_solve(&w, chosen, f->c);
        for (int i = 0; i < n; i++)
            upscale_gcmc_fit_mu(f, N[i], &slope[i]);
    }
    if (!e)
        f->info = (upscale_gcmc_fit_info){.degree = chosen,
                                          .npoints = n,
                                          .max_tried = tried - 1,
                                          .chi2 = w.chi2[chosen],
                                          .score = best,
                                          .N_lo = lo,
                                          .N_hi = hi};
    qr_free(&w);
    free(buf);
    if (e) {
        free(f);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *out = f;
    return UPSCALE_OK;
}

/* ---- phase separation ---- */

/* The fit as a free energy on [lo, hi] for the phase-field module's common tangent: mu(N)
 * and G(N) (eq. 18) in the fit's energy unit. */
static double fit_mu(double N, void *ctx, double *dmu)
{
    return upscale_gcmc_fit_mu(ctx, N, dmu);
}

static double fit_G(double N, void *ctx)
{
    return upscale_gcmc_fit_G(ctx, N);
}

upscale_err upscale_gcmc_fit_gaps(const upscale_gcmc_fit *f, int max_gaps, upscale_gcmc_gap *gaps,
                                  int *ngaps)
{
    *ngaps = 0;
    const int m = f->s.grid;
    const double h = (f->N_hi - f->N_lo) / (m - 1);
    double *x = malloc((size_t)m * sizeof(double)), *G = malloc((size_t)m * sizeof(double));
    int *hull = malloc((size_t)m * sizeof(int));
    if (!x || !G || !hull) {
        free(x), free(G), free(hull);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    for (int j = 0; j < m; j++) {
        x[j] = j == m - 1 ? f->N_hi : f->N_lo + j * h;
        G[j] = upscale_gcmc_fit_G(f, x[j]);
    }
    /* lower convex hull, monotone chain */
    int nh = 0;
    for (int j = 0; j < m; j++) {
        while (nh >= 2) {
            int p = hull[nh - 2], q = hull[nh - 1];
            double cross = (x[q] - x[p]) * (G[j] - G[p]) - (G[q] - G[p]) * (x[j] - x[p]);
            if (cross > 0) break;
            nh--;
        }
        hull[nh++] = j;
    }
    upscale_err e = UPSCALE_OK;
    for (int k = 0; k + 1 < nh && !e; k++) {
        int p = hull[k], q = hull[k + 1];
        if (q - p < 2) continue;
        double slope = (G[q] - G[p]) / (x[q] - x[p]), depth = 0;
        for (int j = p + 1; j < q; j++) {
            double d = G[j] - (G[p] + slope * (x[j] - x[p]));
            depth = d > depth ? d : depth;
        }
        if (depth <= 1e-9 * f->s.kT) continue;
        if (*ngaps == max_gaps) {
            e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                  "%s: more than %d miscibility gaps in G(N): the fit of degree "
                                  "%d oscillates",
                                  f->name, max_gaps, f->degree);
            break;
        }
        /* The tangent of this hull segment, searched a tenth of its length either side; the
         * sampled range's own ends may hold a contact point. */
        int margin = (q - p) / 10 > 3 ? (q - p) / 10 : 3;
        int lo = p > margin ? p - margin : 0, hi = q + margin < m - 1 ? q + margin : m - 1;
        upscale_thermo th = {fit_mu, fit_G, (void *)f, x[lo], x[hi]};
        upscale_phasefield_gap pg;
        int flags = UPSCALE_PHASEFIELD_FIT | UPSCALE_PHASEFIELD_TANGENT_ONLY |
                    (lo == 0 ? UPSCALE_PHASEFIELD_OPEN_LO : 0) |
                    (hi == m - 1 ? UPSCALE_PHASEFIELD_OPEN_HI : 0);
        upscale_err te = upscale_phasefield_common_tangent_open(&th, flags, &pg);
        if (te || !pg.found) {
            upscale_error_clear();
            e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                  "%s: the common tangent between N = %g and %g did not converge",
                                  f->name, x[p], x[q]);
            break;
        }
        upscale_gcmc_gap g = {.N1 = pg.c1,
                              .N2 = pg.c2,
                              .N1_at_end = pg.c1_at_end,
                              .N2_at_end = pg.c2_at_end,
                              .mu_coex = pg.mu_coex,
                              .S1 = pg.s1,
                              .S2 = pg.s2};
        /* mixing energy: G minus the tangent line */
        g.mix_max = 0;
        g.N_mix = 0.5 * (g.N1 + g.N2);
        double G1 = upscale_gcmc_fit_G(f, g.N1);
        for (int j = p + 1; j < q; j++) {
            double d = x[j] > g.N1 && x[j] < g.N2 ? G[j] - (G1 + g.mu_coex * (x[j] - g.N1)) : 0;
            if (d > g.mix_max) {
                g.mix_max = d;
                g.N_mix = x[j];
            }
        }
        gaps[(*ngaps)++] = g;
    }
    free(x), free(G), free(hull);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

double upscale_gcmc_fit_mixing(const upscale_gcmc_fit *f, const upscale_gcmc_gap *g, double N)
{
    if (N <= g->N1 || N >= g->N2) return 0.0;
    /* dG_mix = G(N) - [G(N1) + mu_coex (N - N1)] */
    return upscale_gcmc_fit_G(f, N) - (upscale_gcmc_fit_G(f, g->N1) + g->mu_coex * (N - g->N1));
}
