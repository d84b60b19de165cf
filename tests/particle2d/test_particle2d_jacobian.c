/* The 2D particle's analytic Jacobian (dF/du + shift dF/du') against central finite differences
 * of its residual, on a state spanning the miscibility gap in r and theta, with non-zero fluxes,
 * coherency strain, surface wetting, a film resistance and a facet-dependent exchange current;
 * under a held potential and a held mean flux, for the rate laws yang2025 and bazant2013 with the
 * darken mobility and for yang2025 with the per-phase mobility (geometric face mean).
 * Passes when every entry agrees to 1e-6 relative (entries below 1e-12 of their row's largest
 * relative to that). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "p2d_case.h"
#include "upscale/particle2d.h"
#include "upscale/run.h"

/* max over entries of |J - J_fd| / (|J_fd| + 1e-12 max_row |J_fd|): every entry relative to
 * itself unless it is below 1e-12 of its row's largest; J_fd central differences with one
 * Richardson step (error O(h^4)), steps 1e-5 of the unknown's natural scale (or value). */
static double compare(const upscale_particle2d *p, const double *u0, const double *ud0,
                      double shift, const double *scale)
{
    int n = upscale_particle2d_size(p);
    double *u = malloc(n * sizeof(double)), *ud = malloc(n * sizeof(double));
    double *fp = malloc(n * sizeof(double)), *fm = malloc(n * sizeof(double));
    double *J = calloc((size_t)n * n, sizeof(double)), *fd = calloc((size_t)n * n, sizeof(double));
    memcpy(u, u0, n * sizeof(double));
    memcpy(ud, ud0, n * sizeof(double));
    CHECK_OK(upscale_particle2d_jacobian(p, 0.0, shift, u, ud, J));
    int bad = 0;
    for (int c = 0; c < n; c++) {
        double h0 = 1e-5 * fmax(fabs(u[c]), scale[c]);
        for (int pass = 0; pass < 2; pass++) {
            double *v = pass ? ud : u, keep = v[c], w = pass ? shift : 1.0;
            for (int level = 0; level < 2; level++) {
                double h = level ? 0.5 * h0 : h0, f = level ? 4.0 / 3.0 : -1.0 / 3.0;
                v[c] = keep + h;
                bad |= upscale_particle2d_residual(p, 0.0, u, ud, fp);
                v[c] = keep - h;
                bad |= upscale_particle2d_residual(p, 0.0, u, ud, fm);
                v[c] = keep;
                for (int r = 0; r < n; r++)
                    fd[(size_t)r * n + c] += f * w * (fp[r] - fm[r]) / (2 * h);
            }
        }
    }
    CHECK(!bad, "residual defined at every perturbed state");
    double worst = 0.0;
    for (int r = 0; r < n; r++) {
        double big = 0.0;
        for (int c = 0; c < n; c++)
            big = fmax(big, fabs(fd[(size_t)r * n + c]));
        for (int c = 0; c < n; c++) {
            double a = J[(size_t)r * n + c], d = fd[(size_t)r * n + c];
            double e = fabs(a - d) / (fabs(d) + 1e-12 * big + 1e-300);
            worst = fmax(worst, e);
        }
    }
    free(u);
    free(ud);
    free(fp);
    free(fm);
    free(J);
    free(fd);
    return worst;
}

static void check_case(const char *label, const char *const *sets, int nsets)
{
    p2d_case pc;
    upscale_particle2d_options o = {.ntheta = 6, .anisotropy = 0.3, .rtol = 1e-4};
    CHECK_OK(p2d_open(&pc, "tests/cases/single_particle_ch.yaml", 0, sets, nsets, &o));
    upscale_model *m = pc.m;
    upscale_particle2d *p = pc.p;
    if (!p) {
        p2d_close(&pc);
        return;
    }
    const upscale_electrode *el = &m->cell.el[UPSCALE_POS];
    int nr = upscale_particle2d_nr(p), nt = upscale_particle2d_ntheta(p);
    int n = upscale_particle2d_size(p), nc = 2 * nr * nt;
    /* Across the gap: 0.05 < s < 0.95 over r and theta; binodals of this material ~0.07, 0.93. */
    double *c = malloc(nr * nt * sizeof(double)), *u = malloc(n * sizeof(double));
    double *ud = malloc(n * sizeof(double));
    double smin = 1, smax = 0;
    for (int k = 0; k < nt; k++)
        for (int i = 0; i < nr; i++) {
            double s = 0.5 + 0.45 * sin(0.5 * i + 0.9 * k + 0.3);
            c[k * nr + i] = el->cmax * s;
            smin = fmin(smin, s);
            smax = fmax(smax, s);
        }
    CHECK(el->gap.found && smin < el->gap.c1 / el->cmax && smax > el->gap.c2 / el->cmax,
          "%s: the state spans the miscibility gap (s %.3f..%.3f, binodals %.3f, %.3f)", label,
          smin, smax, el->gap.c1 / el->cmax, el->gap.c2 / el->cmax);
    CHECK_OK(upscale_particle2d_set_composition(p, c));
    upscale_particle2d_state(p, u);
    /* mu off equilibrium, fluxes of either sign, potential and mean composition perturbed */
    for (int r = 0; r < nc; r += 2)
        u[r + 1] += 300.0 * cos(0.7 * r);
    for (int k = 0; k < nt; k++)
        u[nc + k] = 2e-5 * sin(1.3 * k + 0.4);
    u[nc + nt] *= 1.01;
    u[nc + nt + 1] += 0.02;
    u[nc + nt + 2] = 1e-12;
    for (int r = 0; r < n; r++)
        ud[r] = r < nc && r % 2 == 0 ? 1e-3 * el->cmax * cos(0.37 * r) : 0.0;
    /* natural scales of the unknowns (finite-difference steps): c_max, R T, 1e-5 mol/m^2/s,
     * c_max, R T / F, 1e-12 mol */
    double *scale = malloc(n * sizeof(double));
    for (int r = 0; r < n; r++)
        scale[r] = r < nc ? (r % 2 ? 8.314 * 298.15 : el->cmax)
                          : (r < nc + nt
                                 ? 1e-5
                                 : (r == nc + nt ? el->cmax : (r == nc + nt + 1 ? 0.0257 : 1e-12)));
    for (int mode = 0; mode < 2; mode++) {
        if (mode)
            CHECK_OK(upscale_particle2d_hold_flux(p, -1e-5));
        else
            CHECK_OK(upscale_particle2d_hold_potential(p, u[nc + nt + 1]));
        double err = compare(p, u, ud, 37.0, scale);
        CHECK(err <= 1e-6, "%s, held %s: Jacobian vs finite differences, worst entry %.2e <= 1e-6",
              label, mode ? "mean flux" : "potential", err);
    }
    free(c);
    free(u);
    free(ud);
    free(scale);
    p2d_close(&pc);
}

int main(void)
{
    static const char *const common[] = {
        "numerics.shells.positive=12", "positive.coherency_coefficient=0.02 J m^3/mol^2",
        "positive.surface_wetting_slope=1e9 mol/m^4", "positive.film_resistance=1e-3 Ohm m^2"};
    check_case("yang2025, darken", common, 4);
    static const char *const bazant[] = {
        "numerics.shells.positive=12", "positive.coherency_coefficient=0.02 J m^3/mol^2",
        "positive.surface_wetting_slope=1e9 mol/m^4", "positive.film_resistance=1e-3 Ohm m^2",
        "positive.rate_law=bazant2013"};
    check_case("bazant2013, darken", bazant, 5);
    /* The per-phase closure (eq. 24) and its geometric face mean, a 1000-fold contrast. */
    static const char *const per_phase[] = {"numerics.shells.positive=12",
                                            "positive.coherency_coefficient=0.02 J m^3/mol^2",
                                            "positive.surface_wetting_slope=1e9 mol/m^4",
                                            "positive.film_resistance=1e-3 Ohm m^2",
                                            "positive.mobility=per_phase",
                                            "positive.phase_diffusivity_low=1e-14 m^2/s",
                                            "positive.phase_diffusivity_high=1e-17 m^2/s"};
    check_case("yang2025, per_phase", per_phase, 7);
    upscale_particle2d_finalize();
    return CHECK_DONE();
}
