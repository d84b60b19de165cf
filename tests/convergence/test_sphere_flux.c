/* One particle under a constant surface flux against the analytic series solution for a
 * sphere (Crank, The Mathematics of Diffusion, 2nd ed., eq. 6.48, with the outward flux j):
 *   c(r,t) = c0 - (j R / D) [ 3 D t / R^2 + r^2/(2 R^2) - 3/10
 *            - (2 R / r) sum_n sin(a_n r/R) / (a_n^2 sin a_n) exp(-a_n^2 D t / R^2) ],
 * a_n the positive roots of tan a = a.  The particle kernel runs inside the full IDA
 * machinery with every other unknown frozen; the error in the surface concentration and
 * in the profile must fall at second order when the shells are halved, and faster than any
 * power of the node count for spectral particles (numerics.particle_discretisation). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../src/cell/residual/residual.h"
#include "check.h"
#include "upscale/run.h"
#include "upscale/solver.h"

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

/* Every unknown other than the particle's and its flux stays at its starting value;
 * the flux is prescribed. */
static const double *frozen_y;
static double flux;

static int is_shell(const upscale_layout *L, int i)
{
    for (int ix = 0; ix < L->nx; ix++)
        if (L->cs[ix] >= 0 && i >= L->cs[ix] && i < L->cs[ix] + L->nr[L->region[ix]]) return 1;
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

/* Run with n shells (spectral: n nodes; ratio unused) to t_end; return the max profile
 * error and the surface error. */
static void solve(int n, double ratio, int spectral, double t_end, double *err_profile,
                  double *err_surface)
{
    char shells[64], rat[64];
    snprintf(shells, sizeof(shells), "numerics.shells.positive=%d", n);
    snprintf(rat, sizeof(rat), "numerics.shell_ratio.positive=%g", ratio);
    if (spectral) snprintf(rat, sizeof(rat), "numerics.particle_discretisation.positive=spectral");
    const char *sets[] = {"numerics.cells.positive=1", "numerics.cells.separator=1", shells, rat};
    upscale_run_options opt = {
        .case_path = "tests/cases/half_cell_licoo2.yaml", .overrides = sets, .noverrides = 4};
    upscale_params *p;
    upscale_model *m;
    upscale_solver *s;
    CHECK_OK(upscale_run_load_params(&opt, &p));
    CHECK_OK(upscale_model_create(p, &m));
    const upscale_layout *L = m->layout;
    m->kernels[0] =
        spectral ? &upscale_kernel_particle_fick_spectral : &upscale_kernel_particle_fick;
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
    /* Profile error: volume-weighted RMS over shells, relative to the total drop jR/D. */
    double e2 = 0.0;
    for (int k = 0; k < n; k++) {
        double ca = analytic(m->rc[UPSCALE_POS][k], t_end, c0, flux, R, D);
        e2 += pow(ys[L->cs[ix] + k] - ca, 2) * m->vol[UPSCALE_POS][k] / (R * R * R / 3);
    }
    *err_profile = sqrt(e2) / (flux * R / D);
    double cs = upscale_model_surface_concentration(m, ys, ix, NULL, NULL);
    if (getenv("SPHERE_DEBUG"))
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
    compute_roots();
    /* The series reproduces the uniform initial state (a check of the reference itself). */
    double worst = 0.0;
    for (int i = 0; i <= 10; i++)
        worst = fmax(worst, fabs(analytic(0.1 * i, 0.0, 1.0, 1.0, 1.0, 1.0) - 1.0));
    CHECK(worst < 2e-3, "analytic series at t = 0 is uniform (max deviation %.2e)", worst);
    CHECK_CLOSE(analytic(0.5, 10.0, 0.0, 1.0, 1.0, 1.0) - analytic(0.5, 9.0, 0.0, 1.0, 1.0, 1.0),
                -3.0, 1e-10, 0, "long-time mean slope -3 j t / R");

    int ns[4] = {10, 20, 40, 80};
    double ep[4], es[4];
    for (int pass = 0; pass < 2; pass++) {
        double ratio = pass ? 0.25 : 1.0;
        for (int i = 0; i < 4; i++)
            solve(ns[i], ratio, 0, 50.0, &ep[i], &es[i]);
        for (int i = 1; i < 4; i++) {
            double op = log2(ep[i - 1] / ep[i]), os = log2(es[i - 1] / es[i]);
            printf("shell_ratio %.2f  n %3d  profile error %.3e (order %.2f)  surface error %.3e "
                   "(order %.2f)\n",
                   ratio, ns[i], ep[i], op, es[i], os);
        }
        double op = log2(ep[2] / ep[3]), os = log2(es[2] / es[3]);
        CHECK(op >= 1.8, "shell_ratio %.2f: profile error order %.2f >= 1.8 (40 -> 80 shells)",
              ratio, op);
        CHECK(os >= 1.8, "shell_ratio %.2f: surface error order %.2f >= 1.8 (40 -> 80 shells)",
              ratio, os);
        CHECK(es[3] < 1e-3, "shell_ratio %.2f: surface error at 80 shells %.2e < 1e-3 of jR/D",
              ratio, es[3]);
    }

    /* Spectral nodes: the error falls geometrically with the node count. */
    int nn[6] = {3, 4, 5, 6, 8, 10};
    double sp[6], ss[6];
    for (int i = 0; i < 6; i++) {
        solve(nn[i], 1.0, 1, 50.0, &sp[i], &ss[i]);
        printf("spectral  n %3d  profile error %.3e  surface error %.3e\n", nn[i], sp[i], ss[i]);
    }
    /* 3 -> 8 nodes: at least a factor 4 per node (finite volumes gain 4 per doubling); beyond
     * 8 the time integration's rtol 1e-11 sets the floor. */
    for (int i = 1; i < 5; i++) {
        double gain = pow(sp[i - 1] / sp[i], 1.0 / (nn[i] - nn[i - 1]));
        CHECK(gain >= 4.0, "spectral %d -> %d nodes: profile error falls %.1fx per node (>= 4)",
              nn[i - 1], nn[i], gain);
    }
    CHECK(sp[3] < ep[3] && ss[3] < es[3],
          "6 spectral nodes (profile %.2e, surface %.2e) beat 80 finite volumes (%.2e, %.2e)",
          sp[3], ss[3], ep[3], es[3]);
    CHECK(ss[4] < 1e-8, "8 spectral nodes: surface error %.2e < 1e-8 of jR/D", ss[4]);
    return CHECK_DONE();
}
