/* Interfacial energy (eq. 26), its inverse, the width (eq. 28) and the relaxed planar
 * profile with eq. A13: against the quartic double well's closed forms, and for a regular
 * solution the two routes (eq. 26 by quadrature, eq. A13 on the ODE profile) against each
 * other, with the profile checked to satisfy kappa c'' = mu(c) - mu_coex (eq. A4). */
#include <stdlib.h>

#include "check.h"
#include "regular.h"
#include "upscale/phasefield.h"

enum { NPROF = 4001 };

/* max |kappa c'' - (mu(c) - mu_coex)| on interior points / max |mu(c) - mu_coex|. */
static double a4_residual(const upscale_thermo *th, const upscale_phasefield_gap *gap, double kappa,
                          const double *x, const double *c, size_t n)
{
    double h = x[1] - x[0], worst = 0.0, scale = 0.0, d;
    for (size_t k = 1; k + 1 < n; k++) {
        double force = th->mu(c[k], th->ctx, &d) - gap->mu_coex;
        double lap = (c[k + 1] - 2.0 * c[k] + c[k - 1]) / (h * h);
        worst = fmax(worst, fabs(kappa * lap - force));
        scale = fmax(scale, fabs(force));
    }
    return worst / scale;
}

int main(void)
{
    double *x = malloc(NPROF * sizeof(*x)), *c = malloc(NPROF * sizeof(*c));
    if (!x || !c) return 1;

    /* Double well: p_max = A dc^4/16 = 4e7 J/m^3, interface width 10 nm. */
    double_well w = {.ca = 1000.0, .cb = 9000.0, .E0 = -3.2e5};
    double dc = w.cb - w.ca;
    w.A = 16.0 * 4e7 / (dc * dc * dc * dc);
    upscale_thermo th = double_well_thermo(&w);
    upscale_phasefield_gap gap;
    CHECK_OK(upscale_phasefield_common_tangent(&th, &gap));
    CHECK_CLOSE(gap.c1, w.ca, 1e-10, 0.0, "double well: binodal c1");
    CHECK_CLOSE(gap.c2, w.cb, 1e-10, 0.0, "double well: binodal c2");
    CHECK_CLOSE(gap.mu_coex, w.E0, 0.0, 1e-9 * fabs(w.E0), "double well: mu_coex");
    CHECK_CLOSE(gap.s1, 0.5 * (w.ca + w.cb) - dc / (2.0 * sqrt(3.0)), 1e-10, 0.0,
                "double well: spinodal s1 = c_m - dc/(2 sqrt 3)");
    CHECK_CLOSE(gap.p_max, w.A * dc * dc * dc * dc / 16.0, 1e-9, 0.0,
                "double well: p_max = A dc^4/16");
    CHECK_CLOSE(upscale_phasefield_p(&th, &gap, 3000.0), w.A * 2000.0 * 2000.0 * 6000.0 * 6000.0,
                1e-9, 0.0, "double well: p(c) = g - tangent");

    double width_want = 10e-9;
    double kappa = width_want * width_want * dc * dc * w.A / 8.0; /* l = sqrt(8 kappa/A)/dc */
    double gamma, kappa_back, width;
    CHECK_OK(upscale_phasefield_gamma(&gap, kappa, &gamma));
    CHECK_CLOSE(gamma, sqrt(2.0 * kappa * w.A) * dc * dc * dc / 6.0, 1e-9, 0.0,
                "double well: gamma = sqrt(2 kappa A) dc^3/6 (eq. 26 closed form)");
    CHECK_OK(upscale_phasefield_kappa(&gap, gamma, &kappa_back));
    CHECK_CLOSE(kappa_back, kappa, 1e-13, 0.0, "double well: kappa(gamma(kappa))");
    CHECK_OK(upscale_phasefield_width(&gap, kappa, &width));
    CHECK_CLOSE(width, width_want, 1e-9, 0.0, "double well: width sqrt(8 kappa/A)/dc");

    double g13;
    CHECK_OK(upscale_phasefield_profile(&th, &gap, kappa, NPROF, x, c, &g13));
    double rate = dc * sqrt(2.0 * w.A / kappa), err = 0.0;
    for (size_t k = 0; k < NPROF; k++)
        err = fmax(err, fabs(c[k] - (w.ca + dc / (1.0 + exp(-rate * x[k])))));
    CHECK(err <= 1e-8 * dc, "double well: profile = logistic, max error %.3g of dc", err / dc);
    CHECK(c[0] - w.ca < 2e-6 * dc && w.cb - c[NPROF - 1] < 2e-6 * dc,
          "double well: profile spans the gap to 1e-6 (%.3g, %.3g)", (c[0] - w.ca) / dc,
          (w.cb - c[NPROF - 1]) / dc);
    CHECK_CLOSE(g13, gamma, 1e-4, 0.0, "double well: eq. A13 on the profile = eq. 26");
    double res = a4_residual(&th, &gap, kappa, x, c, NPROF);
    CHECK(res < 1e-3, "double well: kappa c'' = mu - mu_coex on the profile (rel. %.3g)", res);

    /* Regular solution, Omega/RT = 3.5 and an asymmetric sub-regular one. */
    subregular sr[] = {{.c_max = 20000.0, .RT = 2494.34, .W0 = 3.5 * 2494.34, .E0 = -3.3e5},
                       {.c_max = 13284.0, .RT = 3325.8, .W0 = 14000.0, .W1 = 6000.0, .E0 = 2e4}};
    for (size_t i = 0; i < sizeof(sr) / sizeof(sr[0]); i++) {
        th = subregular_thermo(&sr[i]);
        CHECK_OK(upscale_phasefield_common_tangent(&th, &gap));
        CHECK_OK(upscale_phasefield_kappa(&gap, 0.5, &kappa));
        CHECK_OK(upscale_phasefield_profile(&th, &gap, kappa, NPROF, x, c, &g13));
        char what[96];
        snprintf(what, sizeof(what), "solution %zu: eq. A13 on the relaxed profile = eq. 26", i);
        CHECK_CLOSE(g13, 0.5, 5e-3, 0.0, what);
        CHECK_CLOSE(g13, 0.5, 1e-4, 0.0, "  (and within 1e-4)");
        res = a4_residual(&th, &gap, kappa, x, c, NPROF);
        CHECK(res < 1e-3, "solution %zu: profile satisfies eq. A4 (rel. residual %.3g)", i, res);
        CHECK_OK(upscale_phasefield_width(&gap, kappa, &width));
        double steepest = 0.0;
        for (size_t k = 1; k < NPROF; k++)
            steepest = fmax(steepest, (c[k] - c[k - 1]) / (x[k] - x[k - 1]));
        CHECK_CLOSE(width, (gap.c2 - gap.c1) / steepest, 1e-3, 0.0,
                    "  width = (c2 - c1)/max dc/dx of the profile");
    }

    /* Argument checks. */
    CHECK(upscale_phasefield_gamma(&gap, -1.0, &gamma) == UPSCALE_ERR_INPUT,
          "negative kappa rejected");
    CHECK(upscale_phasefield_kappa(&gap, 0.0, &kappa) == UPSCALE_ERR_INPUT, "zero gamma rejected");
    CHECK(upscale_phasefield_profile(&th, &gap, 1.0, 8, x, c, &g13) == UPSCALE_ERR_INPUT,
          "profile with 8 points rejected");
    free(x);
    free(c);
    return CHECK_DONE();
}
