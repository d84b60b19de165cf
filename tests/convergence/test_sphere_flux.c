/* One particle under a constant surface flux against the analytic series solution for a
 * sphere (Crank, The Mathematics of Diffusion, 2nd ed., eq. 6.48, with the outward flux j):
 *   c(r,t) = c0 - (j R / D) [ 3 D t / R^2 + r^2/(2 R^2) - 3/10
 *            - (2 R / r) sum_n sin(a_n r/R) / (a_n^2 sin a_n) exp(-a_n^2 D t / R^2) ],
 * a_n the positive roots of tan a = a.  The particle kernel runs inside the full IDA
 * machinery with every other unknown frozen; the error in the surface concentration and
 * in the profile must fall at second order when the shells are halved, and faster than any
 * power of the node count for spectral particles (numerics.particle_discretisation). */
#include <math.h>

#include "flux_particle.h"

#define NTERMS 400
#define PI_ 3.14159265358979323846

static double roots_tan[NTERMS];

/* a_n in (n pi, n pi + pi/2), found by bisection on sin a - a cos a. */
static void compute_roots(void)
{
    for (int n = 1; n <= NTERMS; n++) {
        double lo = n * PI_ + 1e-12, hi = n * PI_ + PI_ / 2 - 1e-12;
        for (int it = 0; it < 200; it++) {
            double mid = 0.5 * (lo + hi);
            double f = sin(mid) - mid * cos(mid), flo = sin(lo) - lo * cos(lo);
            if ((f > 0) == (flo > 0))
                lo = mid;
            else
                hi = mid;
        }
        roots_tan[n - 1] = 0.5 * (lo + hi);
    }
}

static double analytic(double r, double t, double c0, double j, double R, double D)
{
    double tau = D * t / R / R, x = r / R, s = 0.0;
    for (int n = 0; n < NTERMS; n++) {
        double a = roots_tan[n];
        double sx = x > 1e-12 ? sin(a * x) / x : a; /* limit r -> 0 */
        s += sx / (a * a * sin(a)) * exp(-a * a * tau);
    }
    return c0 - (j * R / D) * (3 * tau + 0.5 * x * x - 0.3 - 2 * s);
}

int main(void)
{
    compute_roots();
    flux_particle_check_series(analytic, 3.0);

    flux_case fc = {.shape = "sphere", .d = 3, .analytic = analytic, .ratio = 1.0};
    double ep, es;
    flux_particle_orders(&fc, 50.0, &ep, &es);
    fc.ratio = 0.25;
    flux_particle_orders(&fc, 50.0, &ep, &es);

    /* Spectral nodes: the error falls geometrically with the node count; 3 -> 8 nodes at
     * least a factor 4 per node (finite volumes gain 4 per doubling); beyond 8 the time
     * integration's rtol 1e-11 sets the floor. */
    fc.ratio = 1.0;
    fc.spectral = 1;
    int nn[6] = {3, 4, 5, 6, 8, 10};
    double sp[6], ss[6];
    flux_particle_spectral(&fc, 50.0, nn, 6, 5, 4.0, sp, ss);
    CHECK(sp[3] < ep && ss[3] < es,
          "6 spectral nodes (profile %.2e, surface %.2e) beat 80 finite volumes refined 4:1 "
          "(%.2e, %.2e)",
          sp[3], ss[3], ep, es);
    CHECK(ss[4] < 1e-8, "8 spectral nodes: surface error %.2e < 1e-8 of jR/D", ss[4]);
    return CHECK_DONE();
}
