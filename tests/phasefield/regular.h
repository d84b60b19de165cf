/* Test free energies in SI (c mol/m^3, mu J/mol, g J/m^3), shared by the phase-field tests.
 *
 * Sub-regular solution on a lattice of c_max sites per m^3 (mol/m^3), y = c/c_max:
 *     g(c) = c_max [RT (y ln y + (1-y) ln(1-y)) + y (1-y) (W0 + W1 (2y-1))] + E0 c,
 *     mu(c) = RT ln(y/(1-y)) + W0 (1-2y) + W1 (6y(1-y) - 1) + E0.
 * With W1 = 0 (regular solution, W0 = Omega) the binodals solve
 * ln(y/(1-y)) = Omega (2y-1)/(RT) and the spinodals y(1-y) = RT/(2 Omega).
 *
 * Quartic double well: g(c) = A (c - ca)^2 (c - cb)^2 + E0 c, binodals ca and cb exactly,
 * mu_coex = E0, gamma = sqrt(2 kappa A) (cb - ca)^3/6 (eq. 26 in closed form), planar
 * profile c(x) = ca + (cb - ca)/(1 + exp(-x (cb - ca) sqrt(2A/kappa))). */
#ifndef UPSCALE_TESTS_PHASEFIELD_REGULAR_H
#define UPSCALE_TESTS_PHASEFIELD_REGULAR_H

#include <math.h>

#include "upscale/phasefield.h"

typedef struct {
    double c_max, RT, W0, W1, E0;
} subregular;

static inline double subregular_mu(double c, void *ctx, double *dmu)
{
    const subregular *s = ctx;
    double y = c / s->c_max;
    *dmu = (s->RT / (y * (1.0 - y)) - 2.0 * s->W0 + s->W1 * 6.0 * (1.0 - 2.0 * y)) / s->c_max;
    return s->RT * (log(y) - log1p(-y)) + s->W0 * (1.0 - 2.0 * y) +
           s->W1 * (6.0 * y * (1.0 - y) - 1.0) + s->E0;
}

static inline double subregular_g(double c, void *ctx)
{
    const subregular *s = ctx;
    double y = c / s->c_max;
    return s->c_max * (s->RT * (y * log(y) + (1.0 - y) * log1p(-y)) +
                       y * (1.0 - y) * (s->W0 + s->W1 * (2.0 * y - 1.0))) +
           s->E0 * c;
}

static inline upscale_thermo subregular_thermo(subregular *s)
{
    return (upscale_thermo){subregular_mu, subregular_g, s, 0.0, s->c_max};
}

/* Regular-solution binodal y < 1/2: root of ln(y/(1-y)) - a (2y - 1), a = Omega/RT > 2,
 * by bisection between 1e-300 and the spinodal (where the function is positive). */
static inline double regular_binodal(double a)
{
    double lo = 1e-300, hi = 0.5 * (1.0 - sqrt(1.0 - 2.0 / a));
    for (int i = 0; i < 2000 && hi - lo > 1e-17 * hi; i++) {
        double m = lo < 1e-30 * hi ? sqrt(lo * hi) : 0.5 * (lo + hi);
        double f = log(m) - log1p(-m) - a * (2.0 * m - 1.0);
        if (f < 0.0)
            lo = m;
        else
            hi = m;
    }
    return 0.5 * (lo + hi);
}

typedef struct {
    double A, ca, cb, E0;
} double_well;

static inline double double_well_mu(double c, void *ctx, double *dmu)
{
    const double_well *w = ctx;
    double u = c - w->ca, v = c - w->cb;
    *dmu = 2.0 * w->A * (v * v + 4.0 * u * v + u * u);
    return 2.0 * w->A * u * v * (u + v) + w->E0;
}

static inline double double_well_g(double c, void *ctx)
{
    const double_well *w = ctx;
    double u = c - w->ca, v = c - w->cb;
    return w->A * u * u * v * v + w->E0 * c;
}

static inline upscale_thermo double_well_thermo(double_well *w)
{
    double d = w->cb - w->ca;
    return (upscale_thermo){double_well_mu, double_well_g, w, w->ca - d, w->cb + d};
}

#endif
