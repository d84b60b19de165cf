/* Arrhenius fits of diffusivities (paper 002, eq. 3):
 *
 *     ln D = ln D0 - Ea / (kB T),
 *
 * a straight line in x = 1/(kB T) fitted by weighted least squares (gsl_fit_wlinear) with
 * weights 1/var(ln D) = (D / D_err)^2 when standard errors of D are given, equal weights
 * otherwise.  Units: Ea is in the energy unit of kB (eps with kB = 1 in LJ units, eV with
 * kB = 8.617e-5 eV/K in metal units), D0 in the unit of D.
 *
 * Errors: with equal weights the covariance is scaled by the residual variance
 * chi2/(n-2) (ordinary least squares); with given errors it is scaled by
 * max(1, chi2/(n-2)), so scatter larger than the stated errors widens the intervals and
 * smaller scatter never narrows them.  Intervals at `level` (default 0.95) use the Student t
 * quantile with n - 2 degrees of freedom when the errors come from the scatter, the normal
 * quantile when the given errors are used as they are (weighted, chi2/(n-2) <= 1).  A
 * prediction at another temperature propagates
 * the full covariance: var ln D(x) = var c0 + 2 x cov(c0, c1) + x^2 var c1 (the interval of
 * the fitted line, gsl_fit_linear_est).
 *
 * Change of slope (paper 003: Arrhenius behaviour changing across the glass transition):
 * two independent lines, high-T and low-T, split between consecutive distinct temperatures
 * with at least min_segment points each; the split with the smallest total chi2 is kept.
 * The two-regime model counts 5 parameters (two lines and the break), the single line 2:
 *     F = [(chi2_1 - chi2_2) / 3] / [chi2_2 / (n - 5)],  p = Q_F(F; 3, n - 5),
 * and two regimes are accepted when p < alpha (default 0.05).  Counting the break as a
 * parameter keeps the test from finding breaks in noise; it needs n >= 6 temperatures.  The
 * break temperature is where the two lines cross if that lies between the two regimes, else
 * the middle (in 1/T) of the gap between them. */
#ifndef UPSCALE_ARRHENIUS_H
#define UPSCALE_ARRHENIUS_H

#include "upscale/error.h"

typedef struct {
    double kB;       /* Boltzmann constant in energy per temperature unit (default 1: LJ) */
    double level;    /* confidence level of the intervals (0.95) */
    double alpha;    /* significance level of the break test (0.05) */
    int min_segment; /* points per regime in the break test (2) */
} upscale_arrhenius_settings;

void upscale_arrhenius_settings_default(upscale_arrhenius_settings *s);

typedef struct {
    int n, dof, weighted;
    double kB, level;
    double ln_D0, Ea;         /* ln D = ln_D0 - Ea x */
    double cov[3];            /* scaled covariance of (ln D0, -Ea): var c0, cov c0 c1, var c1 */
    double ln_D0_err, Ea_err; /* standard errors */
    double D0, D0_lo, D0_hi;  /* D0 with its interval */
    double Ea_lo, Ea_hi;
    double chi2;         /* weighted residual sum of squares */
    double scale;        /* factor applied to the covariance of the weights */
    double rms;          /* root-mean-square residual of ln D */
    double tq;           /* quantile used for the intervals (Student t or normal) */
    double T_min, T_max; /* range of the data */
} upscale_arrhenius_result;

/* Fit n >= 3 points (T > 0, D > 0; D_err NULL or all > 0).  Errors: fewer than 3 points, a
 * non-positive or non-finite value, temperatures too close together (ill-conditioned). */
upscale_err upscale_arrhenius_fit(const double *T, const double *D, const double *D_err, int n,
                                  const upscale_arrhenius_settings *s, upscale_arrhenius_result *r);

/* D at temperature T with its interval at r->level; *extrapolated is set when T lies
 * outside the fitted range (may be NULL). */
upscale_err upscale_arrhenius_predict(const upscale_arrhenius_result *r, double T, double *D,
                                      double *lo, double *hi, int *extrapolated);

typedef struct {
    int tested;   /* 0 when n < 6 or no admissible split: nothing below is set */
    int accepted; /* two regimes significantly better than one */
    double F, p;  /* F statistic and its p-value */
    double chi2_one, chi2_two;
    double T_break;
    int n_high, n_low;      /* points in the high-T and low-T regimes */
    double Ea_high, Ea_low; /* activation energies of the two regimes */
    double D0_high, D0_low;
} upscale_arrhenius_break_result;

/* Test for a change of slope (same inputs as upscale_arrhenius_fit). */
upscale_err upscale_arrhenius_break(const double *T, const double *D, const double *D_err, int n,
                                    const upscale_arrhenius_settings *s,
                                    upscale_arrhenius_break_result *b);

#endif
