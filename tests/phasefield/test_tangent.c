/* Common tangent and spinodals against the regular solution's exact results, a
 * sub-regular solution's defining equations, and the error paths (no gap, gap at the edge
 * of the domain, tangent leaving the domain). */
#include "check.h"
#include "regular.h"
#include "upscale/error.h"
#include "upscale/phasefield.h"

/* Regular solution Omega = a RT: binodals, spinodals, mu_coex = E0 (symmetry). */
static void regular(double a, double tol_rel)
{
    subregular s = {.c_max = 20000.0,
                    .RT = 8.314462618 * 300.0,
                    .W0 = a * 8.314462618 * 300.0,
                    .W1 = 0.0,
                    .E0 = -3.3e5};
    upscale_thermo th = subregular_thermo(&s);
    upscale_phasefield_gap gap;
    CHECK_OK(upscale_phasefield_common_tangent(&th, &gap));
    CHECK(gap.found == 1, "Omega/RT = %g: gap found", a);
    double yb = regular_binodal(a), ys = 0.5 * (1.0 - sqrt(1.0 - 2.0 / a));
    char what[96];
    snprintf(what, sizeof(what), "Omega/RT = %g: binodal c1", a);
    CHECK_CLOSE(gap.c1, s.c_max * yb, tol_rel, 0.0, what);
    snprintf(what, sizeof(what), "Omega/RT = %g: binodal c2", a);
    CHECK_CLOSE(gap.c2, s.c_max * (1.0 - yb), tol_rel, 0.0, what);
    snprintf(what, sizeof(what), "Omega/RT = %g: mu_coex = E0", a);
    CHECK_CLOSE(gap.mu_coex, s.E0, 0.0, 1e-7 * s.RT, what);
    snprintf(what, sizeof(what), "Omega/RT = %g: spinodal s1", a);
    CHECK_CLOSE(gap.s1, s.c_max * ys, 1e-10, 0.0, what);
    snprintf(what, sizeof(what), "Omega/RT = %g: spinodal s2", a);
    CHECK_CLOSE(gap.s2, s.c_max * (1.0 - ys), 1e-10, 0.0, what);
    snprintf(what, sizeof(what), "Omega/RT = %g: p largest at c_max/2", a);
    CHECK_CLOSE(gap.c_pmax, 0.5 * s.c_max, 1e-10, 0.0, what);
    /* p_max = c_max [RT (2 (1/2) ln(1/2)) + Omega/4] - tangent value at y = 1/2. */
    double pm = subregular_g(0.5 * s.c_max, &s) - subregular_g(gap.c1, &s) -
                s.E0 * (0.5 * s.c_max - gap.c1);
    snprintf(what, sizeof(what), "Omega/RT = %g: p_max", a);
    CHECK_CLOSE(gap.p_max, pm, 1e-9, 0.0, what);

    int found;
    double s1, s2;
    CHECK_OK(upscale_phasefield_spinodals(&th, &found, &s1, &s2));
    CHECK(found && fabs(s1 - gap.s1) <= 1e-12 * s.c_max && fabs(s2 - gap.s2) <= 1e-12 * s.c_max,
          "spinodals() agrees with common_tangent(): %.12g %.12g", s1, s2);
}

/* g(b) - g(a) - mu(free) (b - a) in units of c_max RT: zero on a tangent held at one end. */
static double held_residual(const subregular *s, const upscale_phasefield_gap *gap, double c_free)
{
    double d, m = subregular_mu(c_free, (void *)s, &d);
    return (subregular_g(gap->c2, (void *)s) - subregular_g(gap->c1, (void *)s) -
            m * (gap->c2 - gap->c1)) /
           (s->c_max * s->RT);
}

/* upscale_phasefield_common_tangent_open (the GCMC importer's tangent of a fit known only on
 * the sampled range), on the regular solution with Omega/RT = 3 (binodals 0.0707, 0.9293). */
static void open_ends(subregular *s)
{
    upscale_thermo th = subregular_thermo(s);
    upscale_phasefield_gap closed, gap;
    const int both = UPSCALE_PHASEFIELD_OPEN_LO | UPSCALE_PHASEFIELD_OPEN_HI;
    th.c_lo = 0.01 * s->c_max;
    th.c_hi = 0.95 * s->c_max;
    CHECK_OK(upscale_phasefield_common_tangent(&th, &closed));
    CHECK_OK(upscale_phasefield_common_tangent_open(&th, both, &gap));
    CHECK(gap.c1 == closed.c1 && gap.c2 == closed.c2 && gap.mu_coex == closed.mu_coex &&
              gap.sqrt_p_dc == closed.sqrt_p_dc && !gap.c1_at_end && !gap.c2_at_end,
          "open ends, tangent inside: the closed-ends result to the bit");

    th.c_hi = 0.85 * s->c_max;
    CHECK_OK(upscale_phasefield_common_tangent_open(&th, UPSCALE_PHASEFIELD_OPEN_HI, &gap));
    CHECK(gap.found && gap.c2 == th.c_hi && gap.c2_at_end && !gap.c1_at_end && gap.c1 < gap.s1 &&
              gap.s2 < gap.c2 && isnan(gap.sqrt_p_dc),
          "tangent beyond an open c_hi: c2 held at c_hi = %g, c1 = %g on the stable branch", gap.c2,
          gap.c1);
    CHECK_CLOSE(held_residual(s, &gap, gap.c1), 0.0, 0.0, 1e-11,
                "held at c_hi: g(c2) - g(c1) = mu(c1) (c2 - c1)");
    double d;
    CHECK_CLOSE(subregular_mu(gap.c1, s, &d), gap.mu_coex, 0.0, 1e-9 * s->RT,
                "held at c_hi: mu_coex = mu(c1)");
    CHECK(gap.c1 > s->c_max * regular_binodal(3.0),
          "held at c_hi: c1 = %g above the free binodal %g (a chord to a nearer point)", gap.c1,
          s->c_max * regular_binodal(3.0));

    th.c_hi = 0.6 * s->c_max;
    CHECK_OK(upscale_phasefield_common_tangent_open(&th, UPSCALE_PHASEFIELD_OPEN_HI, &gap));
    CHECK(gap.found && gap.c2 == th.c_hi && gap.c2_at_end && isnan(gap.s2) && gap.c1 < gap.s1,
          "dmu/dc < 0 up to an open c_hi: c2 held, spinodal 2 NaN");
    CHECK_CLOSE(held_residual(s, &gap, gap.c1), 0.0, 0.0, 1e-11,
                "unstable to c_hi: g(c2) - g(c1) = mu(c1) (c2 - c1)");

    th.c_lo = 0.1 * s->c_max;
    th.c_hi = 0.85 * s->c_max;
    CHECK_OK(upscale_phasefield_common_tangent_open(&th, both, &gap));
    double chord = (subregular_g(th.c_hi, s) - subregular_g(th.c_lo, s)) / (th.c_hi - th.c_lo);
    CHECK(gap.c1 == th.c_lo && gap.c2 == th.c_hi && gap.c1_at_end && gap.c2_at_end,
          "tangent beyond both open ends: both held");
    CHECK_CLOSE(gap.mu_coex, chord, 1e-14, 0.0, "both held: mu_coex is the chord's slope");

    th.c_lo = 0.01 * s->c_max;
    CHECK(upscale_phasefield_common_tangent_open(&th, UPSCALE_PHASEFIELD_OPEN_LO, &gap) ==
                  UPSCALE_ERR_INPUT &&
              gap.found == 0,
          "tangent beyond c_hi, only c_lo open: input error (%s)", upscale_error_message());
}

int main(void)
{
    regular(2.05, 1e-9); /* near the critical point: narrow gap */
    regular(3.0, 1e-10);
    regular(8.0, 1e-9);  /* binodal ~3.4e-4: log singularity close by */
    regular(20.0, 1e-6); /* binodal ~2e-9 */
    /* Binodal ~9e-14: c_max - c2 = 1.9e-9 mol/m^3 is resolved only to ulp(c_max) = 3.6e-12,
     * so mu on the Na-rich branch is a staircase of steps ~1e-3 RT, which limits c1. */
    regular(30.0, 2e-3);

    /* Sub-regular: the defining equations hold at the solution. */
    subregular s = {
        .c_max = 13000.0, .RT = 8.314462618 * 400.0, .W0 = 14000.0, .W1 = 6000.0, .E0 = 2.0e4};
    upscale_thermo th = subregular_thermo(&s);
    upscale_phasefield_gap gap;
    CHECK_OK(upscale_phasefield_common_tangent(&th, &gap));
    double d1, d2;
    double mu1 = subregular_mu(gap.c1, &s, &d1), mu2 = subregular_mu(gap.c2, &s, &d2);
    CHECK(gap.found && gap.c1 < gap.s1 && gap.s1 < gap.c_pmax && gap.c_pmax < gap.s2 &&
              gap.s2 < gap.c2,
          "sub-regular: c1 %g < s1 %g < c_pmax %g < s2 %g < c2 %g", gap.c1, gap.s1, gap.c_pmax,
          gap.s2, gap.c2);
    CHECK_CLOSE(mu1, gap.mu_coex, 0.0, 1e-9 * s.RT, "sub-regular: mu(c1) = mu_coex");
    CHECK_CLOSE(mu2, gap.mu_coex, 0.0, 1e-9 * s.RT, "sub-regular: mu(c2) = mu_coex");
    double area =
        subregular_g(gap.c2, &s) - subregular_g(gap.c1, &s) - gap.mu_coex * (gap.c2 - gap.c1);
    CHECK_CLOSE(area / (s.c_max * s.RT), 0.0, 0.0, 1e-11,
                "sub-regular: g(c2) - g(c1) - mu (c2 - c1) = 0 (per c_max RT)");
    subregular_mu(gap.s1, &s, &d1);
    subregular_mu(gap.s2, &s, &d2);
    CHECK_CLOSE(d1 * s.c_max / s.RT, 0.0, 0.0, 1e-9, "sub-regular: dmu/dc(s1) = 0");
    CHECK_CLOSE(d2 * s.c_max / s.RT, 0.0, 0.0, 1e-9, "sub-regular: dmu/dc(s2) = 0");
    CHECK(fabs(gap.c1 + gap.c2 - s.c_max) > 100.0,
          "sub-regular: asymmetric gap (c1 + c2 - c_max = %g mol/m^3)", gap.c1 + gap.c2 - s.c_max);

    /* No gap: Omega/RT = 1.5 < 2. */
    s = (subregular){.c_max = 20000.0, .RT = 2494.0, .W0 = 1.5 * 2494.0, .W1 = 0.0, .E0 = 0.0};
    th = subregular_thermo(&s);
    CHECK_OK(upscale_phasefield_common_tangent(&th, &gap));
    CHECK(gap.found == 0 && isnan(gap.c1) && isnan(gap.mu_coex), "Omega/RT = 1.5: no gap");
    int found = -1;
    double s1, s2;
    CHECK_OK(upscale_phasefield_spinodals(&th, &found, &s1, &s2));
    CHECK(found == 0 && isnan(s1) && isnan(s2), "Omega/RT = 1.5: no spinodals");
    double kappa;
    CHECK(upscale_phasefield_kappa(&gap, 0.5, &kappa) == UPSCALE_ERR_INPUT,
          "kappa without a gap: input error (%s)", upscale_error_message());

    /* Omega/RT = 3: spinodals at y = 0.211, 0.789, binodals at 0.0707, 0.9293. */
    s.W0 = 3.0 * s.RT;
    th.c_hi = 0.6 * s.c_max;
    CHECK(upscale_phasefield_common_tangent(&th, &gap) == UPSCALE_ERR_INPUT && gap.found == 0,
          "dmu/dc < 0 up to c_hi: input error (%s)", upscale_error_message());
    th.c_hi = 0.85 * s.c_max;
    CHECK(upscale_phasefield_common_tangent(&th, &gap) == UPSCALE_ERR_INPUT && gap.found == 0,
          "tangent beyond c_hi: input error (%s)", upscale_error_message());
    th.c_hi = 0.95 * s.c_max;
    CHECK_OK(upscale_phasefield_common_tangent(&th, &gap));
    CHECK_CLOSE(gap.c2, s.c_max * (1.0 - regular_binodal(3.0)), 1e-10, 0.0,
                "tangent just inside a restricted domain");
    th.c_lo = 0.5 * s.c_max;
    th.c_hi = 0.4 * s.c_max;
    CHECK(upscale_phasefield_common_tangent(&th, &gap) == UPSCALE_ERR_INPUT,
          "empty domain: input error (%s)", upscale_error_message());
    open_ends(&s);
    return CHECK_DONE();
}
