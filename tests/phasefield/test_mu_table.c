/* The tabulated MnFePBA material (params/mnfepba_mu_tables/, written from the surrogate by
 * postproc/write_mnfepba_mu_tables.py: the Redlich-Kister excess at 300, 500, 700 K on 201
 * points, ideal_sites: true) against the analytic surrogate (params/mnfepba_surrogate.yaml),
 * both through the simulator's own readers (upscale/particle.h):
 *   - U(x) and dU/dx at 400 K, between the tables, and at 250 and 750 K, outside them (with
 *     extrapolate_temperature): the surrogate's free energy is linear in T, so interpolation
 *     in T is exact and the only error left is Steffen's in x, bounded below;
 *   - the callback's dU/ds against central differences of its own U;
 *   - the miscibility gap at 400 K by the common tangent of phasefield.h through
 *     upscale_particle_read_cahn_hilliard (el->gap, as the simulator computes it): the
 *     surrogate's binodals (0.020 / 1.58) within 1e-3 in x. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "upscale/function.h"
#include "upscale/model.h"
#include "upscale/mu_table.h"
#include "upscale/params.h"
#include "upscale/particle.h"
#include "upscale/rk_material.h"

#define TABLES "params/mnfepba_mu_tables/mnfepba.yaml"
#define SURROGATE "params/mnfepba_surrogate.yaml"

/* Error bounds of the tabulated material against the analytic one.  The tables hold the
 * excess f(x) (mu_h - E0 without the ideal term, which both add exactly) at spacing
 * h = 0.01, and interpolation in T is exact for the surrogate (L_i = a_i + b_i T), so the
 * only error is that of Steffen's cubic in x.  On each interval that is the Hermite cubic
 * with Steffen's node slopes, each off by at most
 *     e = h max|f''| + h^2 max|f'''| / 6:
 * the three-point parabola's slope is off by h^2 |f'''| / 6, and where Steffen clips it (at
 * and next to extrema of the data: slope 0, or twice the smaller secant) the true slope lies
 * within h max|f''| of the clipped one, the secants on either side being values of f' at
 * points less than 2h apart.  The Hermite basis carries slope errors into the values with
 * weight at most 4h/27 per node and into the derivative with weights summing to at most 1;
 * with exact slopes the cubic is off by h^4 |f''''| / 384 (value), h^3 |f''''| / 24 (slope):
 *     |U_table - U_rk|       <= (8/27) h e + h^4 max|f''''| / 384,
 *     |dU/dx_table - dU/dx|  <= e + h^3 max|f''''| / 24,
 * with the derivatives of f measured on the surrogate at the test's temperature.  A wrong
 * weighting in T (e.g. the nearest table) misses the value bound by more than 10 times. */
typedef struct {
    double u, du; /* bounds on the value (V) and slope (V per unit x) errors */
} error_bound;

static error_bound steffen_bound(const upscale_rk_material *m, double T)
{
    const double kT = UPSCALE_GAS / UPSCALE_FARADAY * T, h = 1e-2, dx = 1e-3;
    double d2 = 0.0, d3 = 0.0, d4 = 0.0;
    for (int k = 4; k <= 1996; k++) {
        double f[5];
        for (int j = 0; j < 5; j++) {
            double xj = (k + j - 2) * dx, y = xj / m->sites_per_fu;
            f[j] = upscale_rk_material_mu(m, xj, T, NULL) - m->reference_energy -
                   kT * (log(y) - log1p(-y));
        }
        d2 = fmax(d2, fabs(f[1] - 2 * f[2] + f[3]) / (dx * dx));
        d3 = fmax(d3, fabs(f[4] - 2 * f[3] + 2 * f[1] - f[0]) / (2 * dx * dx * dx));
        d4 = fmax(d4, fabs(f[4] - 4 * f[3] + 6 * f[2] - 4 * f[1] + f[0]) / (dx * dx * dx * dx));
    }
    double e = h * d2 + h * h * d3 / 6.0;
    error_bound b = {.u = 8.0 / 27.0 * h * e + pow(h, 4) * d4 / 384.0,
                     .du = e + pow(h, 3) * d4 / 24.0};
    printf("%.0f K: excess |f''| <= %.3g, |f'''| <= %.3g, |f''''| <= %.3g eV: bounds %.3g V "
           "on U, %.3g V on dU/dx\n",
           T, d2, d3, d4, b.u, b.du);
    return b;
}

/* An electrode as particle.c reads it: `positive.ocp` = ocp, Cahn-Hilliard keys for the gap. */
static upscale_err read_electrode(const char *ocp, double T, int extrapolate, upscale_electrode *el)
{
    upscale_params *p;
    char set[512];
    memset(el, 0, sizeof(*el));
    el->cahn_hilliard = 1;
    UPSCALE_CALL(upscale_params_create(&p));
    snprintf(set, sizeof(set), "positive.ocp=%s", ocp);
    upscale_err e = upscale_params_set(p, set);
    if (!e) e = upscale_params_set(p, "positive.gradient_coefficient=1e-10 J m^5/mol^2");
    if (!e) e = upscale_params_set(p, "positive.diffusivity=1e-14 m^2/s");
    if (!e && extrapolate) e = upscale_params_set(p, "positive.extrapolate_temperature=true");
    if (!e) e = upscale_particle_read_potential(p, "positive", T, el);
    if (!e)
        e = upscale_particle_read_cahn_hilliard(p, "positive", T, UPSCALE_REFERENCE_TEMPERATURE,
                                                el);
    if (!e) e = upscale_params_check_unused(p);
    upscale_params_destroy(&p);
    return e;
}

static void electrode_free(upscale_electrode *el)
{
    upscale_function_destroy(&el->ocp);
    upscale_function_destroy(&el->ds);
    upscale_particle_free(el);
}

/* U(x) and dU/dx of the tabulated electrode against the analytic material at T, on 4000
 * points off the table's nodes over (0, n). */
static void compare_ocp(const upscale_electrode *tab, const upscale_rk_material *rk, double T)
{
    const double n = rk->sites_per_fu;
    error_bound b = steffen_bound(rk, T);
    double worst_u = 0.0, worst_du = 0.0, worst_fd = 0.0, xu = 0, xdu = 0, xfd = 0;
    for (int k = 0; k < 4000; k++) {
        double x = k * n / 4000.0 + 1.234e-4, s = x / n;
        double ds, u = upscale_function_eval(tab->ocp, s, &ds);
        double dua, ua = upscale_rk_material_ocv(rk, x, T, &dua);
        if (fabs(u - ua) > worst_u) worst_u = fabs(u - ua), xu = x;
        if (fabs(ds / n - dua) > worst_du) worst_du = fabs(ds / n - dua), xdu = x;
        /* the callback's own derivative against central differences of U */
        double h = 1e-6 * fmin(s, 1.0 - s);
        double fd = (upscale_function_eval(tab->ocp, s + h, NULL) -
                     upscale_function_eval(tab->ocp, s - h, NULL)) /
                    (2.0 * h);
        double rel = fabs(ds - fd) / fmax(fabs(fd), 1.0);
        if (rel > worst_fd) worst_fd = rel, xfd = x;
    }
    CHECK(worst_u <= b.u, "%.0f K: |U_table - U_rk| <= %.3g V (at x = %.4f), bound %.3g V", T,
          worst_u, xu, b.u);
    CHECK(worst_du <= b.du,
          "%.0f K: |dU/dx_table - dU/dx_rk| <= %.3g V (at x = %.4f), bound %.3g V", T, worst_du,
          xdu, b.du);
    CHECK(worst_fd <= 1e-6,
          "%.0f K: dU/ds of the callback vs central differences of U: relative %.3g (x = %.4f)", T,
          worst_fd, xfd);
}

int main(void)
{
    upscale_rk_material rk = {0};
    CHECK_OK(upscale_particle_read_rk_file(SURROGATE, &rk));

    /* The file itself. */
    upscale_mu_table *t = NULL;
    CHECK_OK(upscale_mu_table_read(TABLES, &t));
    if (!t) return CHECK_DONE();
    double T_min, T_max;
    upscale_mu_table_temperatures(t, &T_min, &T_max);
    CHECK(T_min == 300.0 && T_max == 700.0, "tables at %g .. %g K", T_min, T_max);
    CHECK_CLOSE(upscale_mu_table_cmax(t), upscale_rk_material_cmax(&rk), 1e-15, 0.0,
                "c_max from the site density, as the surrogate's");
    /* At a tabulated temperature and a node the table is the surrogate. */
    CHECK_CLOSE(upscale_mu_table_mu(t, 0.7, 500.0, NULL),
                upscale_rk_material_mu(&rk, 0.7, 500.0, NULL), 0.0, 1e-13,
                "500 K, node x = 0.7: mu_h (eV) equals the surrogate's");

    /* (a) U(x) and dU/dx through the simulator's reader at 400 K, and outside the tables. */
    upscale_electrode tab, ext;
    CHECK_OK(read_electrode("mu_table " TABLES, 400.0, 0, &tab));
    if (tab.ocp) compare_ocp(&tab, &rk, 400.0);
    CHECK_OK(read_electrode("mu_table " TABLES, 750.0, 1, &ext));
    if (ext.ocp) compare_ocp(&ext, &rk, 750.0);
    electrode_free(&ext);
    CHECK_OK(read_electrode("mu_table " TABLES, 250.0, 1, &ext));
    if (ext.ocp) compare_ocp(&ext, &rk, 250.0);
    electrode_free(&ext);
    /* The bound can fail: the 300 K table alone (nearest-table weighting) at 400 K. */
    double nearest = fabs(upscale_mu_table_mu(t, 1.0, 300.0, NULL) -
                          upscale_rk_material_mu(&rk, 1.0, 400.0, NULL));
    CHECK(nearest > 10.0 * steffen_bound(&rk, 400.0).u,
          "the 300 K table used at 400 K misses by %.3g V at x = 1: the bound discriminates",
          nearest);

    /* (b) The miscibility gap at 400 K as the simulator derives it (el->gap). */
    upscale_electrode ana;
    CHECK_OK(read_electrode("redlich_kister " SURROGATE, 400.0, 0, &ana));
    double c_fu = upscale_rk_material_cmax(&rk) / rk.sites_per_fu;
    CHECK(tab.gap.found && ana.gap.found, "400 K: both have a gap");
    if (tab.gap.found && ana.gap.found) {
        printf("400 K binodals: table x = %.6f .. %.6f, surrogate x = %.6f .. %.6f\n",
               tab.gap.c1 / c_fu, tab.gap.c2 / c_fu, ana.gap.c1 / c_fu, ana.gap.c2 / c_fu);
        CHECK_CLOSE(tab.gap.c1 / c_fu, ana.gap.c1 / c_fu, 0.0, 1e-3, "400 K: Na-poor binodal x");
        CHECK_CLOSE(tab.gap.c2 / c_fu, ana.gap.c2 / c_fu, 0.0, 1e-3, "400 K: Na-rich binodal x");
        CHECK_CLOSE(ana.gap.c1 / c_fu, 0.020, 0.0, 0.002, "400 K: surrogate's Na-poor binodal");
        CHECK_CLOSE(ana.gap.c2 / c_fu, 1.58, 0.0, 0.01, "400 K: surrogate's Na-rich binodal");
        CHECK_CLOSE(-tab.gap.mu_coex / UPSCALE_FARADAY, -ana.gap.mu_coex / UPSCALE_FARADAY, 0.0,
                    1e-5, "400 K: coexistence potential (V)");
    }
    electrode_free(&tab);
    electrode_free(&ana);

    /* 800 K is outside the tables: refused unless extrapolation is asked for. */
    CHECK(read_electrode("mu_table " TABLES, 800.0, 0, &ext) == UPSCALE_ERR_INPUT &&
              strstr(upscale_error_message(), "outside the material's range 300 K .. 700 K"),
          "800 K without extrapolate_temperature refused: %s", upscale_error_message());
    upscale_error_clear();
    electrode_free(&ext);

    upscale_mu_table_destroy(&t);
    CHECK(t == NULL, "destroy NULLs the handle");
    upscale_mu_table_destroy(&t);
    return CHECK_DONE();
}
