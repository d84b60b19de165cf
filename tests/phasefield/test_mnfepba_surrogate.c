/* The MnFePBA surrogate (params/mnfepba_surrogate.yaml, fitted by
 * postproc/fit_mnfepba_surrogate.py) reproduces the features of Yang et al. it was fitted
 * to, through the C path (rk_material.h + phasefield.h): binodals at 300 and 400 K, the
 * mixing energy at x = 0.7 and 300 K, the average desodiation voltage; the gap shrinks with
 * T mostly from the Na-rich side.  Also checks G, mu, U against each other and prints the
 * phase-field numbers of the paper's P2D case (kappa and width for 500 mJ/m^2 at 400 K,
 * mobilities, coherency coefficient). */
#include <stdlib.h>

#include "check.h"
#include "upscale/model.h"
#include "upscale/params.h"
#include "upscale/particle.h"
#include "upscale/phasefield.h"
#include "upscale/rk_material.h"

static const double E_CHARGE = 1.602176634e-19; /* J/eV */

/* The material file through the simulator's own reader (upscale/particle.h). */
static upscale_err load(upscale_rk_material *m)
{
    return upscale_particle_read_rk_file("params/mnfepba_surrogate.yaml", m);
}

int main(void)
{
    upscale_rk_material m = {0};
    CHECK_OK(load(&m));
    CHECK(m.nterms == 4, "four Redlich-Kister terms read (%d)", m.nterms);
    CHECK_CLOSE(m.fu_density, 2048.0 / 5.12e-25, 1e-6, 0.0, "2048 f.u. per (80 A)^3");
    double cmax = upscale_rk_material_cmax(&m), c_fu = cmax / m.sites_per_fu;
    printf("c_max = %.2f mol/m^3\n", cmax);

    /* G, mu, U consistent: dG/dx = mu, dmu/dx by differences, U = -mu. */
    for (double x = 0.05; x < 2.0; x += 0.3) {
        double h = 1e-5, d, dU;
        double mu = upscale_rk_material_mu(&m, x, 350.0, &d);
        double dG =
            (upscale_rk_material_g(&m, x + h, 350.0) - upscale_rk_material_g(&m, x - h, 350.0)) /
            (2.0 * h);
        double dmu = (upscale_rk_material_mu(&m, x + h, 350.0, NULL) -
                      upscale_rk_material_mu(&m, x - h, 350.0, NULL)) /
                     (2.0 * h);
        char what[64];
        snprintf(what, sizeof(what), "x = %.2f: dG/dx = mu", x);
        CHECK_CLOSE(dG, mu, 0.0, 1e-8, what);
        snprintf(what, sizeof(what), "x = %.2f: dmu/dx vs differences", x);
        CHECK_CLOSE(d, dmu, 1e-6, 1e-8, what);
        CHECK(upscale_rk_material_ocv(&m, x, 350.0, &dU) == -mu && dU == -d, "x = %.2f: U = -mu",
              x);
    }
    /* The material fixed at one temperature gives the same numbers, bit for bit. */
    upscale_rk_material_fixed at;
    upscale_rk_material_at(&m, 400.0, &at);
    int same = 1;
    for (int i = 1; i < 2000; i++) {
        double x = i * m.sites_per_fu / 2000.0, d1, d2;
        double u1 = upscale_rk_material_ocv(&m, x, 400.0, &d1);
        double u2 = upscale_rk_material_ocv_at(&at, x, &d2);
        same = same && u1 == u2 && d1 == d2;
    }
    CHECK(same, "upscale_rk_material_ocv_at equals upscale_rk_material_ocv at 400 K (1999 x)");

    /* Binodals at 300 and 400 K (targets: ~0 and 1.95; 0.02 and 1.58). */
    upscale_rk_material_state st;
    upscale_thermo th;
    upscale_phasefield_gap gap[5];
    for (int i = 0; i < 5; i++) {
        double T = 300.0 + 100.0 * i;
        CHECK_OK(upscale_rk_material_thermo(&m, T, &st, &th));
        CHECK_OK(upscale_phasefield_common_tangent(&th, &gap[i]));
        CHECK(gap[i].found,
              "%.0f K: miscibility gap x = %.4f .. %.4f (spinodals %.4f, %.4f), "
              "U_coex = %.4f V",
              T, gap[i].c1 / c_fu, gap[i].c2 / c_fu, gap[i].s1 / c_fu, gap[i].s2 / c_fu,
              -gap[i].mu_coex / UPSCALE_FARADAY);
    }
    CHECK(gap[0].c1 / c_fu < 0.005, "300 K: Na-poor binodal x = %.5f rounds to 0",
          gap[0].c1 / c_fu);
    CHECK_CLOSE(gap[0].c2 / c_fu, 1.95, 0.0, 0.01, "300 K: Na-rich binodal x");
    CHECK_CLOSE(gap[1].c1 / c_fu, 0.02, 0.0, 0.002, "400 K: Na-poor binodal x");
    CHECK_CLOSE(gap[1].c2 / c_fu, 1.58, 0.0, 0.01, "400 K: Na-rich binodal x");
    for (int i = 1; i < 5; i++)
        CHECK(gap[i].c1 > gap[i - 1].c1 && gap[i].c2 < gap[i - 1].c2 &&
                  gap[i - 1].c2 - gap[i].c2 > gap[i].c1 - gap[i - 1].c1,
              "%d K: gap shrinks, more from the Na-rich side", 300 + 100 * i);

    /* Mixing energy (p of eq. 27) at x = 0.7, 300 K: 0.06 eV per f.u., and its peak lies on
     * the Na-poor half (gentler slope on the Na-rich side). */
    CHECK_OK(upscale_rk_material_thermo(&m, 300.0, &st, &th));
    double p07 = upscale_phasefield_p(&th, &gap[0], 0.7 * c_fu) / (E_CHARGE * m.fu_density);
    CHECK_CLOSE(p07, 0.06, 0.0, 0.002, "300 K: mixing energy at x = 0.7 (eV/f.u.)");
    CHECK(gap[0].c_pmax < 0.5 * (gap[0].c1 + gap[0].c2),
          "300 K: mixing energy peaks at x = %.3f, below mid-gap", gap[0].c_pmax / c_fu);

    /* Average desodiation voltage: (1/2) integral_0^2 U dx by the midpoint rule. */
    const int n = 2000000;
    double sum = 0.0;
    for (int k = 0; k < n; k++)
        sum += upscale_rk_material_ocv(&m, (k + 0.5) * m.sites_per_fu / n, 300.0, NULL);
    CHECK_CLOSE(sum / n, 3.34, 0.0, 0.005, "300 K: average voltage over 0 < x < 2 (V)");

    /* The paper's P2D case at 400 K. */
    CHECK_OK(upscale_rk_material_thermo(&m, 400.0, &st, &th));
    double kappa, width, kappa_md;
    CHECK_OK(upscale_phasefield_kappa(&gap[1], 0.5, &kappa));
    CHECK_OK(upscale_phasefield_width(&gap[1], kappa, &width));
    printf("400 K, gamma = 500 mJ/m^2: kappa = %.4e J m^5/mol^2, width = %.3f nm = R/%.0f "
           "(R = 1.85 um)\n",
           kappa, width * 1e9, 1.85e-6 / width);
    CHECK_OK(upscale_phasefield_kappa(&gap[1], 2.828e-3, &kappa_md));
    double width_md;
    CHECK_OK(upscale_phasefield_width(&gap[1], kappa_md, &width_md));
    printf("400 K, gamma = 2.828 mJ/m^2 (MD): kappa = %.4e J m^5/mol^2, width = %.4f nm\n",
           kappa_md, width_md * 1e9);
    /* Width grows like gamma at fixed g: the gamma that would give the paper's R/10. */
    double kappa_r10 = 2.0 * gap[1].p_max * pow(0.1 * 1.85e-6 / (gap[1].c2 - gap[1].c1), 2), g_r10;
    CHECK_OK(upscale_phasefield_gamma(&gap[1], kappa_r10, &g_r10));
    printf("400 K: width R/10 = 185 nm needs kappa = %.4e J m^5/mol^2, gamma = %.3f J/m^2\n",
           kappa_r10, g_r10);
    printf("400 K: p_max = %.4e J/m^3 = %.4f eV/f.u. at x = %.3f\n", gap[1].p_max,
           gap[1].p_max / (E_CHARGE * m.fu_density), gap[1].c_pmax / c_fu);

    enum { NPROF = 4001 };
    double *x = malloc(NPROF * sizeof(*x)), *c = malloc(NPROF * sizeof(*c)), g13;
    if (!x || !c) return 1;
    CHECK_OK(upscale_phasefield_profile(&th, &gap[1], kappa, NPROF, x, c, &g13));
    CHECK_CLOSE(g13, 0.5, 5e-3, 0.0, "400 K: eq. A13 on the relaxed profile = 500 mJ/m^2");
    free(x);
    free(c);

    upscale_phasefield_mobility mob;
    CHECK_OK(upscale_phasefield_mobility_per_phase(&th, &gap[1], 6.13e-14, 1.9e-18, &mob));
    printf("400 K, per_phase: M1 = %.4e, M2 = %.4e mol^2/(J m s)\n", mob.M1, mob.M2);
    double B;
    CHECK_OK(upscale_phasefield_coherency(37.655e6, 0.0, cmax, 0.5, &B));
    printf("coherency B = %.4f J m^3/mol^2 (B c_max/2 = %.4f eV per Na)\n", B,
           B * cmax / 2.0 / UPSCALE_FARADAY);
    return CHECK_DONE();
}
