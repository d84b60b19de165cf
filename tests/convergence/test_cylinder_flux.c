/* One cylindrical particle (a rod reacting on its side) under a constant surface flux
 * against the analytic series solution (Crank, The Mathematics of Diffusion, 2nd ed., ch. 5,
 * the cylinder with a constant surface flux; outward flux j):
 *   c(r,t) = c0 - (j R / D) [ 2 D t / R^2 + r^2/(2 R^2) - 1/4
 *            - 2 sum_n J0(b_n r/R) / (b_n^2 J0(b_n)) exp(-b_n^2 D t / R^2) ],
 * b_n the positive roots of J1(b) = 0.  Checks of the reference itself: the series gives the
 * uniform initial state, and the mean falls as 2 j t / R (the content changes by -2 pi R j
 * per unit length).  The particle kernel runs inside the full IDA machinery with every
 * other unknown frozen; the errors in the surface concentration and in the profile must
 * fall at second order when the shells are halved, and geometrically with the node count for
 * spectral rods (numerics.particle_discretisation), whose content must balance the flux to
 * round-off like the shells'. */
#include <gsl/gsl_sf_bessel.h>
#include <math.h>

#include "flux_particle.h"

#define NTERMS 400
#define PI_ 3.14159265358979323846

static double roots_j1[NTERMS];

/* b_n: the n-th positive zero of J1 (GSL). */
static void compute_roots(void)
{
    for (int n = 1; n <= NTERMS; n++)
        roots_j1[n - 1] = gsl_sf_bessel_zero_J1(n);
}

static double analytic(double r, double t, double c0, double j, double R, double D)
{
    double tau = D * t / R / R, x = r / R, s = 0.0;
    for (int n = 0; n < NTERMS; n++) {
        double b = roots_j1[n];
        s += gsl_sf_bessel_J0(b * x) / (b * b * gsl_sf_bessel_J0(b)) * exp(-b * b * tau);
    }
    return c0 - (j * R / D) * (2 * tau + 0.5 * x * x - 0.25 - 2 * s);
}

int main(void)
{
    compute_roots();
    flux_particle_check_series(analytic, 2.0);
    flux_particle_suite((flux_case){.shape = "cylinder", .d = 2, .analytic = analytic}, 50.0);
    return CHECK_DONE();
}
