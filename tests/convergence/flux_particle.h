/* One particle of the half cell tests/cases/half_cell_licoo2.yaml (one positive node, one
 * separator node) under a constant outward surface flux j, integrated by the full IDA
 * machinery with every other unknown frozen, and compared with an analytic series c(r, t):
 * shared by test_sphere_flux, test_cylinder_flux and test_slab_flux.  Besides the errors it
 * checks the specific area d eps_s / R and that the content changes by exactly
 * -R^(d-1) j t (per steradian, per radian and unit length, per unit area). */
#ifndef FLUX_PARTICLE_H
#define FLUX_PARTICLE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../src/cell/residual/residual.h"
#include "check.h"
#include "upscale/run.h"
#include "upscale/solver.h"

/* c(r, t) of the particle that starts uniform at c0 (radius or half-thickness R, D). */
typedef double (*flux_series)(double r, double t, double c0, double j, double R, double D);

typedef struct {
    const char *shape;    /* positive.particle_shape: sphere, cylinder or slab */
    int d;                /* its dimension: 3, 2, 1 */
    flux_series analytic; /* the shape's series */
    double ratio;         /* numerics.shell_ratio (finite volumes) */
    int spectral;         /* spectral nodes instead of shells */
    int ch;               /* the Cahn-Hilliard particle that is Fickian diffusion with the same D:
                           * ideal solution, darken mobility, negligible gradient term */
} flux_case;

/* Every unknown other than the particle's and its flux stays at its starting value; the flux
 * is prescribed. */
static const double *flux_frozen_y;
static double flux_j;

/* The particle's own unknowns: shell concentrations (and chemical potentials). */
static int flux_is_shell(const upscale_layout *L, int i)
{
    for (int ix = 0; ix < L->nx; ix++) {
        int n = L->cs[ix] >= 0 ? L->nr[L->region[ix]] : 0;
        if (n && i >= L->cs[ix] && i < L->cs[ix] + n) return 1;
        if (n && L->mu[ix] >= 0 && i >= L->mu[ix] && i < L->mu[ix] + n) return 1;
    }
    return 0;
}

static int flux_frozen_res(const upscale_model *m, double t, const double *y, const double *yp,
                           double *r)
{
    const upscale_layout *L = m->layout;
    for (int i = 0; i < L->n; i++)
        if (!flux_is_shell(L, i)) r[i] = L->id[i] ? yp[i] : y[i] - flux_frozen_y[i];
    for (int ix = 0; ix < L->nx; ix++)
        if (L->j[ix] >= 0) r[L->j[ix]] = y[L->j[ix]] - flux_j;
    return 0;
}

static void flux_frozen_jac(const upscale_model *m, double t, double cj, const double *y,
                            const double *yp, upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    for (int i = 0; i < L->n; i++)
        if (!flux_is_shell(L, i)) upscale_jac_add(J, i, i, L->id[i] ? cj : 1.0);
}

static const upscale_kernel flux_frozen = {"frozen", flux_frozen_res, flux_frozen_jac};

/* Run fc with n shells (or nodes) to t_end; return the volume-weighted RMS profile error and
 * the surface error, both relative to the total drop j R / D. */
static inline void flux_particle_solve(const flux_case *fc, int n, double t_end,
                                       double *err_profile, double *err_surface)
{
    char shells[64], rat[64], shape[64];
    snprintf(shells, sizeof(shells), "numerics.shells.positive=%d", n);
    snprintf(rat, sizeof(rat), "numerics.shell_ratio.positive=%g", fc->ratio);
    if (fc->spectral)
        snprintf(rat, sizeof(rat), "numerics.particle_discretisation.positive=spectral");
    snprintf(shape, sizeof(shape), "positive.particle_shape=%s", fc->shape);
    const char *sets[] = {"numerics.cells.positive=1",
                          "numerics.cells.separator=1",
                          shells,
                          rat,
                          shape,
                          "positive.particle_model=cahn_hilliard",
                          "positive.ocp=formula ideal_solution_ocp",
                          "positive.mobility=darken",
                          "positive.gradient_coefficient=1e-25 J m^5/mol^2"};
    upscale_run_options opt = {.case_path = "tests/cases/half_cell_licoo2.yaml",
                               .overrides = sets,
                               .noverrides = fc->ch ? 9 : 5};
    upscale_params *p;
    upscale_model *m;
    upscale_solver *s;
    CHECK_OK(upscale_run_load_params(&opt, &p));
    CHECK_OK(upscale_model_create(p, &m));
    const upscale_layout *L = m->layout;
    m->kernels[0] = fc->ch         ? &upscale_kernel_particle_cahn_hilliard
                    : fc->spectral ? &upscale_kernel_particle_fick_spectral
                                   : &upscale_kernel_particle_fick;
    m->kernels[1] = &flux_frozen;
    m->nkernels = 2;
    upscale_jac J;
    upscale_jac_record_begin(&J);
    double *y = calloc(L->n, sizeof(double)), *yp = calloc(L->n, sizeof(double));
    upscale_model_rest_state(m, y, yp);
    for (int k = 0; k < m->nkernels; k++)
        m->kernels[k]->jacobian(m, 0, 1, y, yp, &J);
    CHECK_OK(upscale_layout_set_pattern(m->layout, &J));
    flux_frozen_y = y;
    flux_j = 1e-5;
    upscale_solver_settings set = upscale_solver_settings_default();
    set.rtol = 1e-11;
    CHECK_OK(upscale_solver_create(m, &set, &s));
    CHECK_OK(upscale_solver_restart(s, 0.0, y));
    double t = 0.0;
    int event = 0;
    upscale_err e = UPSCALE_OK;
    while (!e && event != 2)
        e = upscale_solver_step(s, t_end, &t, &event);
    CHECK(e == UPSCALE_OK && t == t_end, "%s, %d shells: integrated to t = %g s %s", fc->shape, n,
          t, upscale_error_message());
    const double *ys = upscale_solver_state(s);
    int ix = L->x_begin[UPSCALE_POS];
    const upscale_electrode *el = &m->cell.el[UPSCALE_POS];
    double D = el->arr_ds * upscale_function_eval(el->ds, 0, NULL), R = el->radius;
    double c0 = el->c0, area = pow(R, fc->d - 1), measure = pow(R, fc->d) / fc->d;
    CHECK(fabs(el->area - fc->d * el->active / R) <= 1e-15 * fabs(el->area),
          "%s: specific area %d eps_s / R", fc->shape, fc->d);
    /* the content change against the flux through the surface, R^(d-1) j t */
    double content = 0.0;
    for (int k = 0; k < n; k++)
        content += (ys[L->cs[ix] + k] - c0) * m->vol[UPSCALE_POS][k];
    CHECK(fabs(content + area * flux_j * t_end) < 1e-9 * area * flux_j * t_end,
          "%s, %d shells: content change %.12g equals -R^(d-1) j t = %.12g", fc->shape, n, content,
          -area * flux_j * t_end);
    /* profile error: volume-weighted RMS over the shells */
    double e2 = 0.0;
    for (int k = 0; k < n; k++) {
        double ca = fc->analytic(m->rc[UPSCALE_POS][k], t_end, c0, flux_j, R, D);
        e2 += pow(ys[L->cs[ix] + k] - ca, 2) * m->vol[UPSCALE_POS][k] / measure;
    }
    *err_profile = sqrt(e2) / (flux_j * R / D);
    double cs;
    if (fc->ch) {
        /* mu_R = mu_N - j h / M(c_N) (interface_kinetics.c), and for the ideal solution
         * mu_h = -F 3.4 V + RT ln(s / (1 - s)). */
        double rt = UPSCALE_GAS * m->cell.temperature, dm, h = R - m->rc[UPSCALE_POS][n - 1];
        double cn = ys[L->cs[ix] + n - 1], mu_n = ys[L->mu[ix] + n - 1];
        double mu_r = mu_n - ys[L->j[ix]] * h / el->mobility(el, cn, rt, &dm);
        cs = el->cmax / (1.0 + exp(-(mu_r + 3.4 * m->cell.faraday) / rt));
    } else {
        cs = upscale_model_surface_concentration(m, ys, ix, NULL, NULL);
    }
    if (getenv("FLUX_DEBUG"))
        printf("%s n %d: c_surf %.6f analytic %.6f, c_centre %.6f analytic %.6f, j %g\n", fc->shape,
               n, cs, fc->analytic(R, t_end, c0, flux_j, R, D), ys[L->cs[ix]],
               fc->analytic(m->rc[UPSCALE_POS][0], t_end, c0, flux_j, R, D), ys[L->j[ix]]);
    *err_surface = fabs(cs - fc->analytic(R, t_end, c0, flux_j, R, D)) / (flux_j * R / D);
    upscale_solver_destroy(&s);
    upscale_model_destroy(&m);
    upscale_params_destroy(&p);
    free(y);
    free(yp);
}

/* Finite volumes at ns[0..3] shells (10, 20, 40, 80): prints the errors and their observed
 * orders and checks second order (>= 1.8 from 40 to 80 shells) and a surface error below
 * 1e-3 of j R / D at 80 shells; returns the errors at 80 shells. */
static inline void flux_particle_orders(const flux_case *fc, double t_end, double *ep80,
                                        double *es80)
{
    int ns[4] = {10, 20, 40, 80};
    double ep[4], es[4];
    const char *what = fc->ch ? "Cahn-Hilliard, " : "";
    for (int i = 0; i < 4; i++)
        flux_particle_solve(fc, ns[i], t_end, &ep[i], &es[i]);
    for (int i = 1; i < 4; i++)
        printf("%s%sshell_ratio %.2f  n %3d  profile error %.3e (order %.2f)  surface error %.3e "
               "(order %.2f)\n",
               fc->shape, fc->ch ? " (Cahn-Hilliard)  " : "  ", fc->ratio, ns[i], ep[i],
               log2(ep[i - 1] / ep[i]), es[i], log2(es[i - 1] / es[i]));
    double op = log2(ep[2] / ep[3]), os = log2(es[2] / es[3]);
    CHECK(op >= 1.8, "%s%s, shell_ratio %.2f: profile error order %.2f >= 1.8 (40 -> 80 shells)",
          what, fc->shape, fc->ratio, op);
    CHECK(os >= 1.8, "%s%s, shell_ratio %.2f: surface error order %.2f >= 1.8 (40 -> 80 shells)",
          what, fc->shape, fc->ratio, os);
    CHECK(es[3] < 1e-3, "%s%s, shell_ratio %.2f: surface error at 80 shells %.2e < 1e-3 of jR/D",
          what, fc->shape, fc->ratio, es[3]);
    *ep80 = ep[3];
    *es80 = es[3];
}

/* Spectral nodes nn[0..k-1]: prints the errors and checks that the profile error falls at
 * least `gain` times per added node over the first `upto` of them. */
static inline void flux_particle_spectral(const flux_case *fc, double t_end, const int *nn, int k,
                                          int upto, double gain, double *sp, double *ss)
{
    for (int i = 0; i < k; i++) {
        flux_particle_solve(fc, nn[i], t_end, &sp[i], &ss[i]);
        printf("%s  spectral  n %3d  profile error %.3e  surface error %.3e\n", fc->shape, nn[i],
               sp[i], ss[i]);
    }
    for (int i = 1; i < upto; i++) {
        double g = pow(sp[i - 1] / sp[i], 1.0 / (nn[i] - nn[i - 1]));
        CHECK(g >= gain, "spectral %s %d -> %d nodes: profile error falls %.1fx per node (>= %g)",
              fc->shape, nn[i - 1], nn[i], g, gain);
    }
}

/* Checks of a reference series itself: uniform at t = 0 (within 2e-3 of the truncated
 * series) and, at long times, the mean falling at -slope j t / R (R = D = j = 1). */
static inline void flux_particle_check_series(flux_series f, double slope)
{
    double worst = 0.0;
    for (int i = 0; i <= 10; i++)
        worst = fmax(worst, fabs(f(0.1 * i, 0.0, 1.0, 1.0, 1.0, 1.0) - 1.0));
    CHECK(worst < 2e-3, "analytic series at t = 0 is uniform (max deviation %.2e)", worst);
    double d = f(0.5, 10.0, 0.0, 1.0, 1.0, 1.0) - f(0.5, 9.0, 0.0, 1.0, 1.0, 1.0);
    CHECK(fabs(d + slope) < 1e-10, "long-time slope %.12g = -%g j t / R", d, slope);
}

/* A rod or a slab: second order for uniform and 4:1 refined shells and for the Cahn-Hilliard
 * particle that reduces to Fick; spectral nodes at least 3x per node from 3 to 8 (a
 * second-order method gains (n + 1)^2 / n^2, 1.8 to 1.3, per added shell there; beyond 8 the
 * time integration's rtol 1e-11 is the floor), the surface within 1e-6 of j R / D at 8. */
static inline void flux_particle_suite(flux_case fc, double t_end)
{
    double ep, es;
    fc.ratio = 1.0;
    flux_particle_orders(&fc, t_end, &ep, &es);
    fc.ratio = 0.25;
    flux_particle_orders(&fc, t_end, &ep, &es);
    fc.ratio = 1.0;
    fc.ch = 1;
    flux_particle_orders(&fc, t_end, &ep, &es);
    fc.ch = 0;
    fc.spectral = 1;
    int nn[5] = {3, 4, 5, 6, 8};
    double sp[5], ss[5];
    flux_particle_spectral(&fc, t_end, nn, 5, 5, 3.0, sp, ss);
    CHECK(ss[4] < 1e-6, "%s, 8 spectral nodes: surface error %.2e < 1e-6 of jR/D", fc.shape, ss[4]);
}

#endif
