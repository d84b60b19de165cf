/* Arrhenius fit, prediction with propagated covariance, and the change-of-slope F-test
 * (equations and rules in include/upscale/arrhenius.h). */
#include "upscale/arrhenius.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>

void upscale_arrhenius_settings_default(upscale_arrhenius_settings *s)
{
    *s = (upscale_arrhenius_settings){.kB = 1.0, .level = 0.95, .alpha = 0.05, .min_segment = 2};
}

static upscale_err check_inputs(const double *T, const double *D, const double *D_err, int n,
                                const upscale_arrhenius_settings *s)
{
    UPSCALE_CHECK(T && D && s, UPSCALE_ERR_INTERNAL, "arrhenius: NULL argument");
    UPSCALE_CHECK(s->kB > 0 && isfinite(s->kB), UPSCALE_ERR_INPUT, "arrhenius: kB = %g is not > 0",
                  s->kB);
    UPSCALE_CHECK(s->level > 0 && s->level < 1, UPSCALE_ERR_INPUT,
                  "arrhenius: confidence level %g not in (0, 1)", s->level);
    UPSCALE_CHECK(s->alpha > 0 && s->alpha < 1, UPSCALE_ERR_INPUT,
                  "arrhenius: significance level %g not in (0, 1)", s->alpha);
    UPSCALE_CHECK(n >= 3, UPSCALE_ERR_INPUT,
                  "arrhenius: %d temperature(s); a fit with intervals needs at least 3", n);
    double xmin = INFINITY, xmax = -INFINITY;
    for (int i = 0; i < n; i++) {
        UPSCALE_CHECK(isfinite(T[i]) && T[i] > 0, UPSCALE_ERR_INPUT,
                      "arrhenius: temperature %d is %g; must be > 0", i + 1, T[i]);
        UPSCALE_CHECK(isfinite(D[i]) && D[i] > 0, UPSCALE_ERR_INPUT,
                      "arrhenius: D = %g at T = %g; ln D needs D > 0", D[i], T[i]);
        if (D_err)
            UPSCALE_CHECK(isfinite(D_err[i]) && D_err[i] > 0, UPSCALE_ERR_INPUT,
                          "arrhenius: standard error of D at T = %g is %g; must be > 0", T[i],
                          D_err[i]);
        xmin = fmin(xmin, 1 / T[i]);
        xmax = fmax(xmax, 1 / T[i]);
    }
    UPSCALE_CHECK(xmax - xmin > 1e-6 * xmax, UPSCALE_ERR_INPUT,
                  "arrhenius: temperatures %g..%g are too close together for a slope "
                  "(ill-conditioned fit)",
                  1 / xmax, 1 / xmin);
    return UPSCALE_OK;
}

/* Weighted line y = c0 + c1 x; cov is the covariance implied by the weights. */
static upscale_err wline(const double *x, const double *w, const double *y, int n, double *c0,
                         double *c1, double cov[3], double *chi2)
{
    int status =
        gsl_fit_wlinear(x, 1, w, 1, y, 1, (size_t)n, c0, c1, &cov[0], &cov[1], &cov[2], chi2);
    UPSCALE_CHECK(status == GSL_SUCCESS, UPSCALE_ERR_INPUT, "arrhenius: weighted fit failed: %s",
                  gsl_strerror(status));
    UPSCALE_CHECK(isfinite(*c0) && isfinite(*c1), UPSCALE_ERR_INPUT,
                  "arrhenius: ill-conditioned fit (non-finite coefficients)");
    return UPSCALE_OK;
}

/* x = 1/(kB T), y = ln D, w = (D/D_err)^2 or 1. */
static void transform(const double *T, const double *D, const double *D_err, int n, double kB,
                      double *x, double *y, double *w)
{
    for (int i = 0; i < n; i++) {
        x[i] = 1 / (kB * T[i]);
        y[i] = log(D[i]);
        w[i] = D_err ? (D[i] / D_err[i]) * (D[i] / D_err[i]) : 1.0;
    }
}

static upscale_err fit_xy(const double *x, const double *y, const double *w, int n, int weighted,
                          const upscale_arrhenius_settings *s, upscale_arrhenius_result *r)
{
    double c0, c1, cov[3], chi2;
    UPSCALE_CALL(wline(x, w, y, n, &c0, &c1, cov, &chi2));
    memset(r, 0, sizeof(*r));
    r->n = n;
    r->dof = n - 2;
    r->weighted = weighted;
    r->kB = s->kB;
    r->level = s->level;
    r->chi2 = chi2;
    double red = chi2 / r->dof;
    r->scale = weighted ? fmax(1.0, red) : red;
    for (int k = 0; k < 3; k++)
        r->cov[k] = r->scale * cov[k];
    r->ln_D0 = c0;
    r->Ea = -c1;
    r->ln_D0_err = sqrt(r->cov[0]);
    r->Ea_err = sqrt(r->cov[2]);
    /* errors from the scatter: Student t; errors as given (weighted, scale 1): normal */
    double q = 0.5 + 0.5 * s->level;
    r->tq = weighted && red <= 1 ? gsl_cdf_ugaussian_Pinv(q) : gsl_cdf_tdist_Pinv(q, r->dof);
    r->D0 = exp(c0);
    r->D0_lo = exp(c0 - r->tq * r->ln_D0_err);
    r->D0_hi = exp(c0 + r->tq * r->ln_D0_err);
    r->Ea_lo = r->Ea - r->tq * r->Ea_err;
    r->Ea_hi = r->Ea + r->tq * r->Ea_err;
    double ss = 0;
    r->T_min = INFINITY;
    r->T_max = 0;
    for (int i = 0; i < n; i++) {
        double e = y[i] - (c0 + c1 * x[i]);
        ss += e * e;
        double T = 1 / (s->kB * x[i]);
        r->T_min = fmin(r->T_min, T);
        r->T_max = fmax(r->T_max, T);
    }
    r->rms = sqrt(ss / n);
    UPSCALE_CHECK(isfinite(r->Ea_err) && isfinite(r->tq), UPSCALE_ERR_INPUT,
                  "arrhenius: ill-conditioned fit (covariance not finite)");
    return UPSCALE_OK;
}

/* Scratch arrays x, y, w of n doubles each in one block. */
static upscale_err alloc3(int n, double **x, double **y, double **w)
{
    double *b = malloc(3 * (size_t)n * sizeof(*b));
    UPSCALE_ALLOC_CHECK(b);
    *x = b;
    *y = b + n;
    *w = b + 2 * n;
    return UPSCALE_OK;
}

upscale_err upscale_arrhenius_fit(const double *T, const double *D, const double *D_err, int n,
                                  const upscale_arrhenius_settings *s, upscale_arrhenius_result *r)
{
    UPSCALE_CALL(check_inputs(T, D, D_err, n, s));
    UPSCALE_CHECK(r, UPSCALE_ERR_INTERNAL, "upscale_arrhenius_fit: NULL result");
    upscale_error_install_handlers();
    double *x = NULL, *y = NULL, *w = NULL;
    UPSCALE_CALL(alloc3(n, &x, &y, &w));
    transform(T, D, D_err, n, s->kB, x, y, w);
    upscale_err e = fit_xy(x, y, w, n, D_err != NULL, s, r);
    free(x);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

upscale_err upscale_arrhenius_predict(const upscale_arrhenius_result *r, double T, double *D,
                                      double *lo, double *hi, int *extrapolated)
{
    UPSCALE_CHECK(r && D && lo && hi, UPSCALE_ERR_INTERNAL, "upscale_arrhenius_predict: NULL");
    UPSCALE_CHECK(isfinite(T) && T > 0, UPSCALE_ERR_INPUT,
                  "arrhenius: prediction temperature %g is not > 0", T);
    upscale_error_install_handlers();
    double x = 1 / (r->kB * T), y, yerr;
    /* var ln D(x) = var c0 + 2 x cov(c0, c1) + x^2 var c1 */
    int status =
        gsl_fit_linear_est(x, r->ln_D0, -r->Ea, r->cov[0], r->cov[1], r->cov[2], &y, &yerr);
    UPSCALE_CHECK(status == GSL_SUCCESS, UPSCALE_ERR_INTERNAL, "gsl_fit_linear_est: %s",
                  gsl_strerror(status));
    *D = exp(y);
    *lo = exp(y - r->tq * yerr);
    *hi = exp(y + r->tq * yerr);
    if (extrapolated) *extrapolated = T < r->T_min * (1 - 1e-12) || T > r->T_max * (1 + 1e-12);
    return UPSCALE_OK;
}

typedef struct {
    double x, y, w;
} point;

static int by_x(const void *a, const void *b)
{
    double p = ((const point *)a)->x, q = ((const point *)b)->x;
    return (p > q) - (p < q);
}

static upscale_err break_test(const double *T, const double *D, const double *D_err, int n,
                              const upscale_arrhenius_settings *s, point *pt, double *x, double *y,
                              double *w, upscale_arrhenius_break_result *b)
{
    double c0, c1, cov[3];
    transform(T, D, D_err, n, s->kB, x, y, w);
    UPSCALE_CALL(wline(x, w, y, n, &c0, &c1, cov, &b->chi2_one));

    /* sorted by x = 1/(kB T): high temperatures first */
    for (int i = 0; i < n; i++)
        pt[i] = (point){x[i], y[i], w[i]};
    qsort(pt, (size_t)n, sizeof(*pt), by_x);
    for (int i = 0; i < n; i++) {
        x[i] = pt[i].x;
        y[i] = pt[i].y;
        w[i] = pt[i].w;
    }

    int m = s->min_segment < 2 ? 2 : s->min_segment, best = -1;
    double best_chi2 = INFINITY, lines[4] = {0};
    for (int k = m; k <= n - m; k++) {
        /* split between distinct temperatures, each segment with a spread in x */
        if (!(x[k] > x[k - 1]) || !(x[k - 1] > x[0]) || !(x[n - 1] > x[k])) continue;
        double a0, a1, b0, b1, ca, cb;
        UPSCALE_CALL(wline(x, w, y, k, &a0, &a1, cov, &ca));
        UPSCALE_CALL(wline(x + k, w + k, y + k, n - k, &b0, &b1, cov, &cb));
        if (ca + cb < best_chi2) {
            best_chi2 = ca + cb;
            best = k;
            lines[0] = a0;
            lines[1] = a1;
            lines[2] = b0;
            lines[3] = b1;
        }
    }
    if (best < 0) return UPSCALE_OK;

    b->tested = 1;
    b->chi2_two = best_chi2;
    b->n_high = best;
    b->n_low = n - best;
    b->Ea_high = -lines[1];
    b->Ea_low = -lines[3];
    b->D0_high = exp(lines[0]);
    b->D0_low = exp(lines[2]);
    /* F = [(chi2_1 - chi2_2) / (5 - 2)] / [chi2_2 / (n - 5)] */
    if (best_chi2 <= 1e-300 * fmax(b->chi2_one, 1e-300)) {
        b->F = INFINITY;
        b->p = 0;
    } else {
        b->F = ((b->chi2_one - best_chi2) / 3.0) / (best_chi2 / (n - 5));
        b->p = b->F > 0 ? gsl_cdf_fdist_Q(b->F, 3.0, n - 5.0) : 1.0;
    }
    b->accepted = b->p < s->alpha;
    /* crossing of the two lines, if it lies in the gap between the regimes */
    double xa = x[best - 1], xb = x[best], xc = 0.5 * (xa + xb);
    if (lines[1] != lines[3]) {
        double xi = (lines[2] - lines[0]) / (lines[1] - lines[3]);
        if (xi >= xa && xi <= xb) xc = xi;
    }
    b->T_break = 1 / (s->kB * xc);
    return UPSCALE_OK;
}

upscale_err upscale_arrhenius_break(const double *T, const double *D, const double *D_err, int n,
                                    const upscale_arrhenius_settings *s,
                                    upscale_arrhenius_break_result *b)
{
    UPSCALE_CHECK(b, UPSCALE_ERR_INTERNAL, "upscale_arrhenius_break: NULL result");
    memset(b, 0, sizeof(*b));
    UPSCALE_CALL(check_inputs(T, D, D_err, n, s));
    if (n < 6) return UPSCALE_OK;
    upscale_error_install_handlers();
    double *x = NULL, *y = NULL, *w = NULL;
    UPSCALE_CALL(alloc3(n, &x, &y, &w));
    point *pt = malloc((size_t)n * sizeof(*pt));
    upscale_err e =
        pt ? break_test(T, D, D_err, n, s, pt, x, y, w, b)
           : upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__, "out of memory");
    free(pt);
    free(x);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}
