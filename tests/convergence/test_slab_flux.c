/* One slab particle (a plate of half-thickness L reacting on both faces) under a constant
 * surface flux against the analytic series solution (Crank, The Mathematics of Diffusion,
 * 2nd ed., sec. 4.3.2, the plane sheet with a constant surface flux; outward flux j, x from the
 * mid-plane):
 *   c(x,t) = c0 - (j L / D) [ D t / L^2 + (3 x^2 - L^2) / (6 L^2)
 *            - (2 / pi^2) sum_n (-1)^n / n^2 cos(n pi x / L) exp(-n^2 pi^2 D t / L^2) ].
 * Checks of the reference itself: the series gives the uniform initial state, and the mean
 * falls as j t / L (the content changes by -j per unit area).  The particle kernel runs
 * inside the full IDA machinery with every other unknown frozen; the errors in the surface
 * concentration and in the profile must fall at second order when the shells are halved (as
 * for the sphere and the rod), and geometrically with the node count for spectral plates
 * (numerics.particle_discretisation), whose content must balance the flux to round-off like
 * the shells'. */
#include <math.h>

#include "flux_particle.h"

#define NTERMS 400
#define PI_ 3.14159265358979323846

static double analytic(double r, double t, double c0, double j, double R, double D)
{
    double tau = D * t / R / R, x = r / R, s = 0.0;
    for (int n = 1; n <= NTERMS; n++)
        s += (n % 2 ? -1.0 : 1.0) / ((double)n * n) * cos(n * PI_ * x) *
             exp(-(double)n * n * PI_ * PI_ * tau);
    return c0 - (j * R / D) * (tau + (3.0 * x * x - 1.0) / 6.0 - 2.0 / (PI_ * PI_) * s);
}

int main(void)
{
    flux_particle_check_series(analytic, 1.0);
    flux_particle_suite((flux_case){.shape = "slab", .d = 1, .analytic = analytic}, 50.0);
    return CHECK_DONE();
}
