/* One biased-GCMC window: equilibration (MSER-5 on the first half, kept only when the
 * discarded head differs significantly from the rest), the standard error of the mean from
 * Geyer's initial monotone sequence estimate of the statistical inefficiency, blocking
 * (Flyvbjerg-Petersen with Jonsson's automatic level) as a cross-check, drift between the
 * halves of the production part.  The rules are stated in include/upscale/gcmc.h. */
#include "upscale/gcmc.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fft_halfcomplex.h>
#include <gsl/gsl_fft_real.h>

#define MSER_BATCH 5 /* MSER-5 */

void upscale_gcmc_window_settings_default(upscale_gcmc_window_settings *s)
{
    *s = (upscale_gcmc_window_settings){.min_samples = 100,
                                        .max_discard = 0.5,
                                        .min_neff = 20.0,
                                        .block_alpha = 0.01,
                                        .drift_sigma = 3.0,
                                        .cut_z = 3.0};
}

/* g = 1 + 2 sum_{t>=1} rho(t) by Geyer's initial monotone sequence (Statist. Sci. 7, 473
 * (1992)): rho(t) = C(t)/C(0), C(t) = sum_i dx_i dx_{i+t} / n (by zero-padded FFT); pair sums
 * Gamma_m = rho(2m) + rho(2m+1) are added while positive, each capped by the one before,
 * and g = 2 sum_m Gamma_m - 1, at least 1. */
static upscale_err inefficiency(const double *x, int n, double *work, int m, double *g, int *lags)
{
    double mean = 0;
    for (int i = 0; i < n; i++)
        mean += x[i];
    mean /= n;
    for (int i = 0; i < m; i++)
        work[i] = i < n ? x[i] - mean : 0.0;
    int st = gsl_fft_real_radix2_transform(work, 1, (size_t)m);
    UPSCALE_CHECK(st == GSL_SUCCESS, UPSCALE_ERR_INTERNAL, "FFT failed: %s", gsl_strerror(st));
    /* |X_k|^2 in half-complex order: re in [k], im in [m - k] */
    work[0] *= work[0];
    work[m / 2] *= work[m / 2];
    for (int k = 1; k < m / 2; k++) {
        work[k] = work[k] * work[k] + work[m - k] * work[m - k];
        work[m - k] = 0.0;
    }
    st = gsl_fft_halfcomplex_radix2_inverse(work, 1, (size_t)m);
    UPSCALE_CHECK(st == GSL_SUCCESS, UPSCALE_ERR_INTERNAL, "FFT failed: %s", gsl_strerror(st));
    double c0 = work[0];
    *g = 1.0;
    *lags = 0;
    if (c0 <= 0) return UPSCALE_OK; /* constant series */
    double sum = 0, prev = INFINITY;
    for (int k = 0; 2 * k + 1 < n; k++) {
        double gam = (work[2 * k] + work[2 * k + 1]) / c0;
        if (gam <= 0) break;
        if (gam > prev) gam = prev;
        sum += gam;
        prev = gam;
        *lags = 2 * k + 1;
    }
    *g = 2.0 * sum - 1.0 > 1.0 ? 2.0 * sum - 1.0 : 1.0;
    return UPSCALE_OK;
}

static int pow2_at_least(int n)
{
    int m = 1;
    while (m < n)
        m *= 2;
    return m;
}

/* g of x[0..n-1] and the last lag M in its sum. */
static upscale_err inefficiency_lags(const double *x, int n, double *g, int *lags)
{
    UPSCALE_CHECK(n >= 2, UPSCALE_ERR_INPUT, "statistical inefficiency: need 2 samples, got %d", n);
    upscale_error_install_handlers();
    int m = pow2_at_least(2 * n);
    double *work = malloc((size_t)m * sizeof(*work));
    UPSCALE_ALLOC_CHECK(work);
    upscale_err e = inefficiency(x, n, work, m, g, lags);
    free(work);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

upscale_err upscale_gcmc_inefficiency(const double *x, int n, double *g)
{
    int lags;
    UPSCALE_CALL(inefficiency_lags(x, n, g, &lags));
    return UPSCALE_OK;
}

/* Mean and unbiased variance of x[0..n-1]. */
static void mean_var(const double *x, int n, double *mean, double *var)
{
    double m = 0, v = 0;
    for (int i = 0; i < n; i++)
        m += x[i];
    m /= n;
    for (int i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m);
    *mean = m;
    *var = n > 1 ? v / (n - 1) : 0.0;
}

upscale_err upscale_gcmc_equilibration_z(const double *x, int n, double cut_z, int *t0, double *g,
                                         double *neff, double *z, int *at_limit)
{
    UPSCALE_CHECK(n >= 4 * MSER_BATCH, UPSCALE_ERR_INPUT, "equilibration: need %d samples, got %d",
                  4 * MSER_BATCH, n);
    /* MSER-5: batch means b_j of 5 samples; d* = argmin_d sum_{j>=d} (b_j - mean_d)^2 / (k - d)^2
     * over d <= k/2 (the first half), computed from the tail sums */
    const int k = n / MSER_BATCH, dmax = k / 2;
    double *b = malloc((size_t)k * sizeof(*b));
    UPSCALE_ALLOC_CHECK(b);
    for (int j = 0; j < k; j++) {
        double s = 0;
        for (int i = 0; i < MSER_BATCH; i++)
            s += x[j * MSER_BATCH + i];
        b[j] = s / MSER_BATCH;
    }
    double s1 = 0, s2 = 0, best = INFINITY;
    int dbest = 0;
    for (int d = k - 1; d >= 0; d--) {
        s1 += b[d];
        s2 += b[d] * b[d];
        int m = k - d;
        if (d > dmax) continue;
        double ss = s2 - s1 * s1 / m; /* sum of squared deviations of the tail */
        double mser = (ss > 0 ? ss : 0.0) / ((double)m * m);
        if (mser <= best) {
            best = mser;
            dbest = d;
        }
    }
    free(b);
    /* the cut stands only if the head differs from the rest (Geweke-like):
     * z = |<x>_head - <x>_tail| / sqrt(s^2 g (1/t + 1/(n - t))) > cut_z, s^2 and g of the tail */
    int t = dbest * MSER_BATCH;
    *z = 0;
    if (t > 0) {
        double mh, vh, mt, vt;
        mean_var(x, t, &mh, &vh);
        mean_var(x + t, n - t, &mt, &vt);
        UPSCALE_CALL(upscale_gcmc_inefficiency(x + t, n - t, g));
        double den = sqrt(vt * *g * (1.0 / t + 1.0 / (n - t)));
        *z = den > 0 ? fabs(mh - mt) / den : (mh == mt ? 0.0 : INFINITY);
        if (!(*z > cut_z)) t = 0;
    }
    *t0 = t;
    *at_limit = t > 0 && dbest == dmax;
    UPSCALE_CALL(upscale_gcmc_inefficiency(x + *t0, n - *t0, g));
    *neff = (n - *t0) / *g;
    return UPSCALE_OK;
}

upscale_err upscale_gcmc_equilibration(const double *x, int n, int *t0, double *g, double *neff)
{
    double z;
    int lim;
    UPSCALE_CALL(upscale_gcmc_equilibration_z(x, n, 3.0, t0, g, neff, &z, &lim));
    return UPSCALE_OK;
}

upscale_err upscale_gcmc_block_error(const double *x, int n, double alpha, double *mean, double *se,
                                     int *level, int *ok)
{
    UPSCALE_CHECK(n >= 4, UPSCALE_ERR_INPUT, "blocking: need 4 samples, got %d", n);
    UPSCALE_CHECK(alpha > 0 && alpha < 1, UPSCALE_ERR_INPUT,
                  "blocking: significance must be in (0, 1), got %g", alpha);
    upscale_error_install_handlers();
    double *b = malloc((size_t)n * sizeof(*b));
    UPSCALE_ALLOC_CHECK(b);
    double s[64], gam[64], sum = 0;
    int nl[64], d = 0;
    for (int i = 0; i < n; i++) {
        b[i] = x[i];
        sum += x[i];
    }
    *mean = sum / n;
    /* level j: n_j block means; s_j variance (1/n_j), gamma_j lag-1 autocovariance (1/n_j) */
    for (int len = n; len >= 2 && d < 64; len /= 2) {
        double mu = 0, v = 0, c = 0;
        for (int i = 0; i < len; i++)
            mu += b[i];
        mu /= len;
        for (int i = 0; i < len; i++)
            v += (b[i] - mu) * (b[i] - mu);
        for (int i = 0; i + 1 < len; i++)
            c += (b[i] - mu) * (b[i + 1] - mu);
        nl[d] = len;
        s[d] = v / len;
        gam[d] = c / len;
        d++;
        for (int i = 0; i < len / 2; i++)
            b[i] = 0.5 * (b[2 * i] + b[2 * i + 1]);
    }
    free(b);
    /* M_k = sum_{j>=k} n_j (gamma_j / s_j)^2; first k with M_k < chi2_{1-alpha}(d - k) */
    double M[64];
    M[d - 1] = 0;
    for (int j = d - 1; j >= 0; j--) {
        double r = s[j] > 0 ? gam[j] / s[j] : 0.0;
        M[j] = nl[j] * r * r + (j + 1 < d ? M[j + 1] : 0.0);
    }
    int k = 0;
    *ok = 0;
    for (k = 0; k < d; k++)
        if (M[k] < gsl_cdf_chisq_Pinv(1.0 - alpha, (double)(d - k))) {
            *ok = 1;
            break;
        }
    if (k == d) k = d - 1;
    /* se^2 = s_k / n_k would be biased low by n_k/(n_k - 1): use the unbiased variance */
    *se = nl[k] > 1 ? sqrt(s[k] / (nl[k] - 1)) : 0.0;
    *level = k;
    return UPSCALE_OK;
}

upscale_err upscale_gcmc_window_analyze(const upscale_gcmc_window_settings *s, const char *name,
                                        const double *N, int n, upscale_gcmc_window_stats *st)
{
    *st = (upscale_gcmc_window_stats){.n = n};
    UPSCALE_CHECK(n >= UPSCALE_GCMC_MIN_SERIES, UPSCALE_ERR_INPUT,
                  "%s: %d samples, cannot analyse fewer than %d", name, n, UPSCALE_GCMC_MIN_SERIES);
    int at_limit = 0;
    UPSCALE_CALL(upscale_gcmc_equilibration_z(N, n, s->cut_z, &st->t0, &st->g, &st->neff,
                                              &st->head_z, &at_limit));
    const double *p = N + st->t0;
    int np = n - st->t0;
    /* se(<N>) = sqrt(s^2 g / n) over the production part */
    double var;
    int lags;
    mean_var(p, np, &st->N, &var);
    UPSCALE_CALL(inefficiency_lags(p, np, &st->g, &lags));
    st->N_se = sqrt(var * st->g / np);
    /* the estimate of s^2 g has relative variance 2 (2M + 1) / n_p (Sokal 1997, with M the
     * last lag summed): Student's t with n_p / (2M + 1) degrees of freedom */
    st->dof = (double)np / (2 * lags + 1);
    if (st->dof < 1) st->dof = 1;
    st->N_ci95 = gsl_cdf_tdist_Pinv(0.975, st->dof) * st->N_se;
    double bmean;
    UPSCALE_CALL(upscale_gcmc_block_error(p, np, s->block_alpha, &bmean, &st->N_se_block,
                                          &st->block_level, &st->block_ok));
    /* drift: first and second half of the production part, each with the production g */
    double m1, m2, v1, v2;
    mean_var(p, np / 2, &m1, &v1);
    mean_var(p + np / 2, np - np / 2, &m2, &v2);
    double den = sqrt(st->g * (v1 / (np / 2) + v2 / (np - np / 2)));
    st->drift_z = den > 0 ? fabs(m1 - m2) / den : (m1 == m2 ? 0.0 : INFINITY);
    st->drifting = st->drift_z > s->drift_sigma;
    if (n < s->min_samples) st->warn |= UPSCALE_GCMC_WARN_FEW_SAMPLES;
    if (at_limit || st->t0 > s->max_discard * n) st->warn |= UPSCALE_GCMC_WARN_LATE_CUT;
    if (st->neff < s->min_neff) st->warn |= UPSCALE_GCMC_WARN_FEW_NEFF;
    if (st->drifting) st->warn |= UPSCALE_GCMC_WARN_DRIFT;
    return UPSCALE_OK;
}

int upscale_gcmc_window_describe(const upscale_gcmc_window_settings *s,
                                 const upscale_gcmc_window_stats *st, char *buf, size_t size)
{
    int len = 0;
    buf[0] = '\0';
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (len < (int)size)                                                                       \
            len += snprintf(buf + len, size - (size_t)len, "%s", len ? "; " : "");                 \
        if (len < (int)size) len += snprintf(buf + len, size - (size_t)len, __VA_ARGS__);          \
    } while (0)
    if (st->warn & UPSCALE_GCMC_WARN_FEW_SAMPLES)
        ADD("%d samples (fewer than %d)", st->n, s->min_samples);
    if (st->warn & UPSCALE_GCMC_WARN_LATE_CUT)
        ADD("equilibration cut at sample %d of %d, the latest allowed: may not have equilibrated",
            st->t0, st->n);
    if (st->warn & UPSCALE_GCMC_WARN_FEW_NEFF)
        ADD("%.1f effective samples (fewer than %g)", st->neff, s->min_neff);
    if (st->warn & UPSCALE_GCMC_WARN_RUN_DROPPED)
        ADD("%d LAMMPS run(s) ended in ERROR and were dropped (the first at log line %d)",
            st->dropped_runs, st->dropped_line);
    if (st->warn & UPSCALE_GCMC_WARN_DRIFT)
        ADD("drift: the halves differ by %.1f se (more than %g)", st->drift_z, s->drift_sigma);
#undef ADD
    return len;
}
