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
#include <stdlib.h>
#include <string.h>

#include "../src/cell/residual/residual.h"
#include "check.h"
#include "upscale/run.h"
#include "upscale/solver.h"

#define NTERMS 400
#define PI_ 3.14159265358979323846

static int spectral; /* the spectral pass: nodes, not shells */

static double analytic(double r, double t, double c0, double j, double R, double D)
{
    double tau = D * t / R / R, x = r / R, s = 0.0;
    for (int n = 1; n <= NTERMS; n++)
        s += (n % 2 ? -1.0 : 1.0) / ((double)n * n) * cos(n * PI_ * x) *
             exp(-(double)n * n * PI_ * PI_ * tau);
    return c0 - (j * R / D) * (tau + (3.0 * x * x - 1.0) / 6.0 - 2.0 / (PI_ * PI_) * s);
}

/* Every unknown other than the particle's and its flux stays at its starting value;
 * the flux is prescribed. */
static const double *frozen_y;
static double flux;

/* The particle's own unknowns: shell concentrations (and chemical potentials). */
static int is_shell(const upscale_layout *L, int i)
{
    for (int ix = 0; ix < L->nx; ix++) {
        int n = L->cs[ix] >= 0 ? L->nr[L->region[ix]] : 0;
        if (n && i >= L->cs[ix] && i < L->cs[ix] + n) return 1;
        if (n && L->mu[ix] >= 0 && i >= L->mu[ix] && i < L->mu[ix] + n) return 1;
    }
    return 0;
}

static int frozen_res(const upscale_model *m, double t, const double *y, const double *yp,
                      double *r)
{
    const upscale_layout *L = m->layout;
    for (int i = 0; i < L->n; i++)
        if (!is_shell(L, i)) r[i] = L->id[i] ? yp[i] : y[i] - frozen_y[i];
    for (int ix = 0; ix < L->nx; ix++)
        if (L->j[ix] >= 0) r[L->j[ix]] = y[L->j[ix]] - flux;
    return 0;
}

static void frozen_jac(const upscale_model *m, double t, double cj, const double *y,
                       const double *yp, upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    for (int i = 0; i < L->n; i++)
        if (!is_shell(L, i)) upscale_jac_add(J, i, i, L->id[i] ? cj : 1.0);
}

static const upscale_kernel frozen = {"frozen", frozen_res, frozen_jac};

/* Run with n shells to t_end; return the max profile error and the surface error.  ch: the
 * same particle as a Cahn-Hilliard particle of an ideal solution with the darken mobility
 * (M dmu_h/dc = D exactly) and a negligible gradient term, which is Fickian diffusion with
 * the same D; its surface value comes from the extrapolated surface potential mu_R. */
static void solve(int n, double ratio, double t_end, int ch, double *err_profile,
                  double *err_surface)
{
    char shells[64], rat[64];
    snprintf(shells, sizeof(shells), "numerics.shells.positive=%d", n);
    snprintf(rat, sizeof(rat), "numerics.shell_ratio.positive=%g", ratio);
    if (spectral) snprintf(rat, sizeof(rat), "numerics.particle_discretisation.positive=spectral");
    const char *sets[] = {"numerics.cells.positive=1",
                          "numerics.cells.separator=1",
                          shells,
                          rat,
                          "positive.particle_shape=slab",
                          "positive.particle_model=cahn_hilliard",
                          "positive.ocp=formula ideal_solution_ocp",
                          "positive.mobility=darken",
                          "positive.gradient_coefficient=1e-25 J m^5/mol^2"};
    upscale_run_options opt = {.case_path = "tests/cases/half_cell_licoo2.yaml",
                               .overrides = sets,
                               .noverrides = ch ? 9 : 5};
    upscale_params *p;
    upscale_model *m;
    upscale_solver *s;
    CHECK_OK(upscale_run_load_params(&opt, &p));
    CHECK_OK(upscale_model_create(p, &m));
    const upscale_layout *L = m->layout;
    m->kernels[0] = ch         ? &upscale_kernel_particle_cahn_hilliard
                    : spectral ? &upscale_kernel_particle_fick_spectral
                               : &upscale_kernel_particle_fick;
    m->kernels[1] = &frozen;
    m->nkernels = 2;
    upscale_jac J;
    upscale_jac_record_begin(&J);
    double *y = calloc(L->n, sizeof(double)), *yp = calloc(L->n, sizeof(double));
    upscale_model_rest_state(m, y, yp);
    for (int k = 0; k < m->nkernels; k++)
        m->kernels[k]->jacobian(m, 0, 1, y, yp, &J);
    CHECK_OK(upscale_layout_set_pattern(m->layout, &J));
    frozen_y = y;
    flux = 1e-5;
    upscale_solver_settings set = upscale_solver_settings_default();
    set.rtol = 1e-11;
    CHECK_OK(upscale_solver_create(m, &set, &s));
    CHECK_OK(upscale_solver_restart(s, 0.0, y));
    double t = 0.0;
    int event = 0;
    upscale_err e = UPSCALE_OK;
    while (!e && event != 2)
        e = upscale_solver_step(s, t_end, &t, &event);
    CHECK(e == UPSCALE_OK && t == t_end, "%d shells: integrated to t = %g s %s", n, t,
          upscale_error_message());
    const double *ys = upscale_solver_state(s);
    int ix = L->x_begin[UPSCALE_POS];
    const upscale_electrode *el = &m->cell.el[UPSCALE_POS];
    double D = el->arr_ds * upscale_function_eval(el->ds, 0, NULL), R = el->radius;
    double c0 = el->c0;
    CHECK_CLOSE(el->area, el->active / R, 1e-15, 0, "slab: specific area eps_s / L");
    /* Content per unit area of the mid-plane against the flux through the face, j t. */
    double content = 0.0;
    for (int k = 0; k < n; k++)
        content += (ys[L->cs[ix] + k] - c0) * m->vol[UPSCALE_POS][k];
    CHECK(fabs(content + flux * t_end) < 1e-9 * flux * t_end,
          "%d shells: content change %.12g equals -j t = %.12g (per unit area)", n, content,
          -flux * t_end);
    /* Profile error: volume-weighted RMS over shells, relative to the total drop jR/D. */
    double e2 = 0.0;
    for (int k = 0; k < n; k++) {
        double ca = analytic(m->rc[UPSCALE_POS][k], t_end, c0, flux, R, D);
        e2 += pow(ys[L->cs[ix] + k] - ca, 2) * m->vol[UPSCALE_POS][k] / R;
    }
    *err_profile = sqrt(e2) / (flux * R / D);
    double cs;
    if (ch) {
        /* mu_R = mu_N - j h / M(c_N) (interface_kinetics.c), and for the ideal solution
         * mu_h = -F 3.4 V + RT ln(s / (1 - s)). */
        double rt = UPSCALE_GAS * m->cell.temperature, dm, h = R - m->rc[UPSCALE_POS][n - 1];
        double cn = ys[L->cs[ix] + n - 1], mu_n = ys[L->mu[ix] + n - 1];
        double mu_r = mu_n - ys[L->j[ix]] * h / el->mobility(el, cn, rt, &dm);
        cs = el->cmax / (1.0 + exp(-(mu_r + 3.4 * m->cell.faraday) / rt));
    } else {
        cs = upscale_model_surface_concentration(m, ys, ix, NULL, NULL);
    }
    if (getenv("SLAB_DEBUG"))
        printf("n %d: c_surf %.6f analytic %.6f, c_centre %.6f analytic %.6f, j %g\n", n, cs,
               analytic(R, t_end, c0, flux, R, D), ys[L->cs[ix]],
               analytic(m->rc[UPSCALE_POS][0], t_end, c0, flux, R, D), ys[L->j[ix]]);
    *err_surface = fabs(cs - analytic(R, t_end, c0, flux, R, D)) / (flux * R / D);
    upscale_solver_destroy(&s);
    upscale_model_destroy(&m);
    upscale_params_destroy(&p);
    free(y);
    free(yp);
}

int main(void)
{
    /* The series reproduces the uniform initial state (a check of the reference itself). */
    double worst = 0.0;
    for (int i = 0; i <= 10; i++)
        worst = fmax(worst, fabs(analytic(0.1 * i, 0.0, 1.0, 1.0, 1.0, 1.0) - 1.0));
    CHECK(worst < 2e-3, "analytic series at t = 0 is uniform (max deviation %.2e)", worst);
    CHECK_CLOSE(analytic(0.5, 10.0, 0.0, 1.0, 1.0, 1.0) - analytic(0.5, 9.0, 0.0, 1.0, 1.0, 1.0),
                -1.0, 1e-10, 0, "long-time slope -j t / L");

    for (int pass = 0; pass < 3; pass++) {
        double ratio = pass == 1 ? 0.25 : 1.0;
        int ch = pass == 2;
        if (ch) printf("Cahn-Hilliard slab (ideal solution, darken mobility):\n");
        int ns[4] = {10, 20, 40, 80};
        double ep[4], es[4];
        for (int i = 0; i < 4; i++)
            solve(ns[i], ratio, 50.0, ch, &ep[i], &es[i]);
        for (int i = 1; i < 4; i++) {
            double op = log2(ep[i - 1] / ep[i]), os = log2(es[i - 1] / es[i]);
            printf("shell_ratio %.2f  n %3d  profile error %.3e (order %.2f)  surface error %.3e "
                   "(order %.2f)\n",
                   ratio, ns[i], ep[i], op, es[i], os);
        }
        double op = log2(ep[2] / ep[3]), os = log2(es[2] / es[3]);
        CHECK(op >= 1.8, "%sshell_ratio %.2f: profile error order %.2f >= 1.8 (40 -> 80 shells)",
              ch ? "Cahn-Hilliard, " : "", ratio, op);
        CHECK(os >= 1.8, "%sshell_ratio %.2f: surface error order %.2f >= 1.8 (40 -> 80 shells)",
              ch ? "Cahn-Hilliard, " : "", ratio, os);
        CHECK(es[3] < 1e-3, "%sshell_ratio %.2f: surface error at 80 shells %.2e < 1e-3 of jR/D",
              ch ? "Cahn-Hilliard, " : "", ratio, es[3]);
    }
    /* Spectral slabs: at least a factor 3 per node from 3 to 8 nodes (a second-order method
     * gains (n + 1)^2 / n^2, 1.8 to 1.3, per added shell there); beyond 8 the time
     * integration's rtol 1e-11 is the floor. */
    spectral = 1;
    int nn[5] = {3, 4, 5, 6, 8};
    double sp[5], ss[5];
    for (int i = 0; i < 5; i++) {
        solve(nn[i], 1.0, 50.0, 0, &sp[i], &ss[i]);
        printf("spectral  n %3d  profile error %.3e  surface error %.3e\n", nn[i], sp[i], ss[i]);
    }
    for (int i = 1; i < 5; i++) {
        double gain = pow(sp[i - 1] / sp[i], 1.0 / (nn[i] - nn[i - 1]));
        CHECK(gain >= 3.0,
              "spectral slab %d -> %d nodes: profile error falls %.1fx per node (>= 3)", nn[i - 1],
              nn[i], gain);
    }
    CHECK(ss[4] < 1e-6, "8 spectral nodes: surface error %.2e < 1e-6 of jR/D", ss[4]);
    return CHECK_DONE();
}
