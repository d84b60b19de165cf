/* Symmetry breaking by a facet-dependent exchange current k0 (1 + a cos 2 theta): the regular-
 * solution particle of tests/cases/single_particle_ch.yaml charged at C/2.  With a = 0 the surface
 * stays uniform (to round-off); with a = 0.5 the poles (theta = 0, pi; the faster facets) lose
 * sodium first, the surface composition becomes non-uniform, and for part of the charge the
 * sodium-poor and the sodium-rich phase touch the surface at once, which a 1D particle cannot
 * show; the charge stops at its 4.0 V cut-off (an event located by TS).  Sodium balance to
 * round-off.  A held potential relaxes the particle, anisotropic or not, to the uniform composition
 * whose equilibrium potential it is.  A solver failure (a 20C charge) keeps the last accepted
 * state.  Prints the observed order in theta (potential and polar surface composition at one time
 * on 8, 16, 32 theta cells). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "p2d_case.h"
#include "upscale/particle2d.h"
#include "upscale/run.h"

#define CASE "tests/cases/single_particle_ch.yaml"

typedef struct {
    double spread;     /* largest max_k s_k - min_k s_k of the surface cells */
    double both_time;  /* time (s) during which both phases touched the surface */
    double first_both; /* first time they did (s), or -1 */
    double drift;      /* (content - content_0 - uptake) / content_0 at the end */
    double t_end, v_end;
    double lo, hi; /* the spinodals, site fractions */
    int at_limit;  /* stopped at the 4.0 V cut-off */
    upscale_particle2d_stats st;
} outcome;

static int run(int nr, int nt, double a, double t_end, double dt, outcome *out, double *vq,
               double *sq, double tq)
{
    p2d_case pc;
    upscale_particle2d_options o = {.ntheta = nt, .anisotropy = a, .rtol = 1e-5};
    if (p2d_open(&pc, CASE, nr, NULL, 0, &o)) {
        printf("setup: %s\n", upscale_error_message());
        p2d_close(&pc);
        return 0;
    }
    upscale_model *m = pc.m;
    upscale_particle2d *p = pc.p;
    int ok;
    const upscale_electrode *el = &m->cell.el[UPSCALE_POS];
    /* C/2 of the particle's content: 1C empties c0 (V / A = R / 3) in an hour */
    double jbar = 0.5 * el->c0 * el->radius / (3.0 * 3600.0), content0;
    /* a surface cell is in one phase when outside the spinodal interval (mu_h' > 0 there) */
    double lo = el->gap.s1 / el->cmax, hi = el->gap.s2 / el->cmax;
    double *c = malloc(sizeof(double) * nr * nt);
    ok = upscale_particle2d_hold_flux(p, jbar) == UPSCALE_OK &&
         upscale_particle2d_set_limits(p, 0.0, 4.0) == UPSCALE_OK;
    content0 = upscale_particle2d_content(p);
    *out = (outcome){.first_both = -1, .lo = lo, .hi = hi};
    for (double t = dt; ok && t <= t_end + 1e-9; t += dt) {
        if (upscale_particle2d_advance(p, t) != UPSCALE_OK) {
            printf("a = %g, %d x %d: %s\n", a, nr, nt, upscale_error_message());
            ok = 0;
            break;
        }
        upscale_particle2d_fields(p, c, NULL, NULL, NULL, NULL);
        double smin = 1, smax = 0;
        for (int k = 0; k < nt; k++) {
            double s = c[k * nr + nr - 1] / el->cmax;
            smin = fmin(smin, s);
            smax = fmax(smax, s);
        }
        out->spread = fmax(out->spread, smax - smin);
        if (smin < lo && smax > hi) {
            out->both_time += dt;
            if (out->first_both < 0) out->first_both = t;
        }
        if (fabs(t - tq) < 1e-9 && vq) {
            *vq = upscale_particle2d_potential(p);
            *sq = c[nr - 1] / el->cmax;
        }
        out->t_end = upscale_particle2d_time(p);
        out->v_end = upscale_particle2d_potential(p);
        out->at_limit = upscale_particle2d_at_limit(p);
        if (out->at_limit) break;
    }
    out->drift =
        (upscale_particle2d_content(p) - content0 - upscale_particle2d_uptake(p)) / content0;
    out->st = upscale_particle2d_statistics(p);
    free(c);
    p2d_close(&pc);
    return ok;
}

int main(void)
{
    outcome iso = {0}, an = {0};
    int ok = run(30, 8, 0.0, 7200.0, 60.0, &iso, NULL, NULL, 0);
    CHECK(ok, "a = 0: charge runs (to %.0f s, %.4f V)", iso.t_end, iso.v_end);
    CHECK(iso.spread < 1e-9, "a = 0: the surface stays uniform (spread %.2e c_max)", iso.spread);
    ok = run(30, 16, 0.5, 7200.0, 60.0, &an, NULL, NULL, 0);
    printf("a = 0.5, 30 x 16: to %.0f s (%.4f V); surface spread up to %.3f c_max; both phases at "
           "the surface from %.0f s for %.0f s; %ld steps, %ld rejected, %ld Newton\n",
           an.t_end, an.v_end, an.spread, an.first_both, an.both_time, an.st.steps, an.st.rejected,
           an.st.newton);
    CHECK(ok && an.at_limit && fabs(an.v_end - 4.0) < 1e-6 && an.t_end < 7200.0,
          "a = 0.5: the charge stops at the 4.0 V cut-off (%.9f V at %.1f s)", an.v_end, an.t_end);
    CHECK(an.spread > 0.5, "a = 0.5: the surface composition is non-uniform (spread %.3f c_max)",
          an.spread);
    CHECK(an.both_time > 0,
          "a = 0.5: both phases touch the surface at once (a surface cell below the spinodal "
          "%.3f and one above %.3f, for %.0f s)",
          an.lo, an.hi, an.both_time);
    CHECK(fabs(an.drift) < 1e-12 && fabs(iso.drift) < 1e-12,
          "sodium balance: drift %.2e (a = 0.5), %.2e (a = 0)", an.drift, iso.drift);
    /* A held potential: whatever a, the particle relaxes to the uniform composition whose
     * equilibrium potential is held, U_h(s*) = phi (s* = 0.97, single phase), and the flux to 0. */
    {
        p2d_case pc;
        upscale_particle2d_options o = {.ntheta = 8, .anisotropy = 0.5, .rtol = 1e-5};
        CHECK_OK(p2d_open(&pc, CASE, 30, NULL, 0, &o));
        upscale_particle2d *p = pc.p;
        if (p) {
            const upscale_electrode *el = &pc.m->cell.el[UPSCALE_POS];
            int nr = upscale_particle2d_nr(p), nt = upscale_particle2d_ntheta(p);
            double du, phi = upscale_function_eval(el->ocp, 0.97, &du), c0;
            c0 = upscale_particle2d_content(p);
            CHECK_OK(upscale_particle2d_hold_potential(p, phi));
            CHECK_OK(upscale_particle2d_advance(p, 30000.0));
            double *c = malloc(sizeof(double) * nr * nt), dev = 0.0;
            upscale_particle2d_fields(p, c, NULL, NULL, NULL, NULL);
            for (int q = 0; q < nr * nt; q++)
                dev = fmax(dev, fabs(c[q] / el->cmax - 0.97));
            double jb = upscale_particle2d_mean_flux(p);
            double drift = (upscale_particle2d_content(p) - c0 - upscale_particle2d_uptake(p)) / c0;
            CHECK(dev < 1e-4 && fabs(jb) < 1e-10 && fabs(drift) < 1e-12,
                  "held potential U_h(0.97) = %.4f V, a = 0.5: uniform at 0.97 (largest deviation "
                  "%.2e), mean flux %.2e mol/m^2/s, balance %.2e",
                  phi, dev, jb, drift);
            free(c);
        }
        p2d_close(&pc);
    }
    /* A solver failure keeps the last accepted state: a 20C charge empties the poles within
     * seconds, after which no step succeeds; the state left is consistent (time short of the
     * target, every composition in range, the balance at round-off). */
    {
        p2d_case pc;
        upscale_particle2d_options o = {.ntheta = 4, .anisotropy = 0.5, .rtol = 1e-5};
        CHECK_OK(p2d_open(&pc, CASE, 20, NULL, 0, &o));
        upscale_particle2d *p = pc.p;
        if (p) {
            const upscale_electrode *el = &pc.m->cell.el[UPSCALE_POS];
            int nr = upscale_particle2d_nr(p), nt = upscale_particle2d_ntheta(p);
            double c0 = upscale_particle2d_content(p);
            CHECK_OK(upscale_particle2d_hold_flux(p, 20.0 * el->c0 * el->radius / (3.0 * 3600.0)));
            upscale_err e = upscale_particle2d_advance(p, 3600.0);
            double t = upscale_particle2d_time(p), *c = malloc(sizeof(double) * nr * nt), lo = 1;
            upscale_particle2d_fields(p, c, NULL, NULL, NULL, NULL);
            for (int q = 0; q < nr * nt; q++)
                lo = fmin(lo, c[q] / el->cmax);
            double drift = (upscale_particle2d_content(p) - c0 - upscale_particle2d_uptake(p)) / c0;
            printf("20C: %s\n", e ? upscale_error_message() : "no failure");
            CHECK(e == UPSCALE_ERR_SOLVER && t > 0 && t < 3600.0 && lo > -1e-2 &&
                      fabs(drift) < 1e-12,
                  "20C charge: solver failure (%d) at t = %.3g s with the last accepted state "
                  "(lowest composition %.2e, balance %.2e)",
                  (int)e, t, lo, drift);
            free(c);
        }
        p2d_close(&pc);
    }
    /* Observed order in theta at t = 600 s (before the first nucleation). */
    double vq[3], sq[3];
    outcome tmp;
    ok = 1;
    for (int l = 0; l < 3; l++)
        ok &= run(30, 8 << l, 0.5, 600.0, 60.0, &tmp, &vq[l], &sq[l], 600.0);
    CHECK(ok, "a = 0.5 on 8, 16 and 32 theta cells to 600 s");
    if (ok) {
        double d1 = vq[0] - vq[1], d2 = vq[1] - vq[2], e1 = sq[0] - sq[1], e2 = sq[1] - sq[2];
        printf("order in theta at t = 600 s (8, 16, 32 cells): potential differences %.4f, %.4f "
               "mV, order %.2f; polar surface composition differences %.2e, %.2e c_max, order "
               "%.2f\n",
               1e3 * d1, 1e3 * d2, log2(fabs(d1 / d2)), e1, e2, log2(fabs(e1 / e2)));
    }
    upscale_particle2d_finalize();
    return CHECK_DONE();
}
