/* One biased-GCMC window: equilibration (MSER-5), blocking error (Flyvbjerg-Petersen with
 * Jonsson's automatic level), drift between the halves of the production part.  The rules
 * are stated in include/upscale/gcmc.h. */
#include "upscale/gcmc.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fft_halfcomplex.h>
#include <gsl/gsl_fft_real.h>

#define MSER_BATCH 5        /* MSER-5 */
#define MSER_MIN_BATCHES 10 /* the truncation leaves at least 10 batches */
#define INEFF_MINTIME 3     /* C(t) <= 0 ends the sum only after this lag (as pymbar) */

void upscale_gcmc_window_settings_default(upscale_gcmc_window_settings *s)
{
    *s = (upscale_gcmc_window_settings){.min_samples = 100,
                                        .max_discard = 0.5,
                                        .min_neff = 20.0,
                                        .block_alpha = 0.01,
                                        .drift_sigma = 3.0};
}

/* g = 1 + 2 sum_{t>=1} (1 - t/n) C(t)/C(0) with C(t) = sum_i dx_i dx_{i+t} / (n - t), the
 * sum ending at the first C(t) <= 0 after INEFF_MINTIME; C by zero-padded FFT. */
static upscale_err inefficiency(const double *x, int n, double *work, int m, double *g)
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
    double c0 = work[0] / n;
    *g = 1.0;
    if (c0 <= 0) return UPSCALE_OK; /* constant series */
    double sum = 0;
    for (int t = 1; t < n - 1; t++) {
        double c = work[t] / (n - t) / c0;
        if (c <= 0 && t > INEFF_MINTIME) break;
        sum += 2.0 * c * (1.0 - (double)t / n);
    }
    *g = sum > 0 ? 1.0 + sum : 1.0;
    return UPSCALE_OK;
}

static int pow2_at_least(int n)
{
    int m = 1;
    while (m < n)
        m *= 2;
    return m;
}

upscale_err upscale_gcmc_inefficiency(const double *x, int n, double *g)
{
    UPSCALE_CHECK(n >= 2, UPSCALE_ERR_INPUT, "statistical inefficiency: need 2 samples, got %d", n);
    upscale_error_install_handlers();
    int m = pow2_at_least(2 * n);
    double *work = malloc((size_t)m * sizeof(*work));
    UPSCALE_ALLOC_CHECK(work);
    upscale_err e = inefficiency(x, n, work, m, g);
    free(work);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

upscale_err upscale_gcmc_equilibration(const double *x, int n, int *t0, double *g, double *neff)
{
    UPSCALE_CHECK(n >= 4 * MSER_BATCH, UPSCALE_ERR_INPUT, "equilibration: need %d samples, got %d",
                  4 * MSER_BATCH, n);
    /* MSER-5: batch means b_j of 5 samples; d* = argmin_d sum_{j>=d} (b_j - mean_d)^2 / (k - d)^2
     * over d <= k - MSER_MIN_BATCHES, computed from the tail sums */
    const int k = n / MSER_BATCH;
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
        if (m < MSER_MIN_BATCHES) continue;
        double ss = s2 - s1 * s1 / m; /* sum of squared deviations of the tail */
        double mser = (ss > 0 ? ss : 0.0) / ((double)m * m);
        if (mser <= best) {
            best = mser;
            dbest = d;
        }
    }
    free(b);
    *t0 = dbest * MSER_BATCH;
    UPSCALE_CALL(upscale_gcmc_inefficiency(x + *t0, n - *t0, g));
    *neff = (n - *t0) / *g;
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
    UPSCALE_CHECK(n >= s->min_samples && n >= 8, UPSCALE_ERR_INPUT,
                  "%s: %d samples, need at least %d", name, n,
                  s->min_samples > 8 ? s->min_samples : 8);
    UPSCALE_CALL(upscale_gcmc_equilibration(N, n, &st->t0, &st->g, &st->neff));
    UPSCALE_CHECK(st->t0 <= s->max_discard * n, UPSCALE_ERR_INPUT,
                  "%s: never equilibrates: the MSER-5 truncation point is sample %d of %d (more "
                  "than %g%% discarded)",
                  name, st->t0, n, 100 * s->max_discard);
    UPSCALE_CHECK(st->neff >= s->min_neff, UPSCALE_ERR_INPUT,
                  "%s: never equilibrates: %.1f effective samples after discarding %d of %d "
                  "(need %g)",
                  name, st->neff, st->t0, n, s->min_neff);
    const double *p = N + st->t0;
    int np = n - st->t0;
    UPSCALE_CALL(upscale_gcmc_block_error(p, np, s->block_alpha, &st->N, &st->N_se,
                                          &st->block_level, &st->block_ok));
    /* drift: first and second half of the production part */
    double m1, m2, se1, se2;
    int l1, l2, ok1, ok2;
    UPSCALE_CALL(upscale_gcmc_block_error(p, np / 2, s->block_alpha, &m1, &se1, &l1, &ok1));
    UPSCALE_CALL(
        upscale_gcmc_block_error(p + np / 2, np - np / 2, s->block_alpha, &m2, &se2, &l2, &ok2));
    double den = sqrt(se1 * se1 + se2 * se2);
    st->drift_z = den > 0 ? fabs(m1 - m2) / den : (m1 == m2 ? 0.0 : INFINITY);
    st->drifting = st->drift_z > s->drift_sigma;
    return UPSCALE_OK;
}
