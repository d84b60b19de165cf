/* Fickian diffusion in particles (docs/model.md eq. 5) by spectral collocation in
 * xi = (r/R)^2 (docs/model.md eq. 5b, docs/numerics.md "Spectral particles"):
 *     dc/dt = r^(1-d) d/dr( r^(d-1) D(c) dc/dr ),  -D dc/dr = j at r = R,
 * c a polynomial of degree n - 1 in xi (smooth and even in r, so dc/dr = 0 at r = 0 holds
 * by construction), the nodes xi_i of Gauss-Radau for the weight xi^b (b = d/2 - 1), the
 * last on the surface.  Galerkin form with that quadrature (upscale_spectral, model.h):
 *     (R^d/2) w_i dc_i/dt = -sum_q 2 R^(d-2) w_q xi_q D(c_q) (dc/dxi)_q l_i'(xi_q)
 *                           - R^(d-1) j delta_i,n-1.
 * Summed over i the stiffness term is sum_q (...) (sum_i l_i'(xi_q)) = 0 (the derivative of
 * a constant), so the content sum_i (R^d/2) w_i c_i, exact for the polynomial, changes by
 * exactly -R^(d-1) j.  The surface concentration the kinetics see is the last node
 * (layout ss). */
#include "residual.h"

static int residual(const upscale_model *m, double t, const double *y, const double *yp, double *r)
{
    const upscale_layout *L = m->layout;
    double flux[SPECTRAL_MAX_NODES];
    for (int ix = 0; ix < L->nx; ix++) {
        int g = L->region[ix];
        if (!L->sp[g]) continue;
        const upscale_electrode *el = &m->cell.el[g];
        const upscale_spectral *s = m->spectral[g];
        int n = s->n, o = L->cs[ix], cst = upscale_function_is_constant(el->ds);
        const double *c = y + o;
        double D = 0.0;
        if (cst) D = el->arr_ds * upscale_function_eval(el->ds, c[0], NULL);
        /* flux_q = D(c_q) (dc/dxi)_q */
        for (int q = 0; q < n; q++) {
            if (!(c[q] > 0 && c[q] < el->cmax)) return 1;
            double dc = 0.0;
            for (int k = 0; k < n; k++)
                dc += s->dm[q * n + k] * c[k];
            if (!cst) D = el->arr_ds * upscale_function_eval(el->ds, c[q], NULL);
            flux[q] = D * dc;
        }
        for (int i = 0; i < n; i++) {
            double v = yp[o + i];
            for (int q = 0; q < n; q++)
                v += s->lift[i * n + q] * flux[q];
            r[o + i] = v;
        }
        r[o + n - 1] += m->af[g][n] * y[L->j[ix]] / m->vol[g][n - 1];
    }
    return 0;
}

static void jacobian(const upscale_model *m, double t, double cj, const double *y, const double *yp,
                     upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    double dv[SPECTRAL_MAX_NODES], dd[SPECTRAL_MAX_NODES], dc[SPECTRAL_MAX_NODES];
    for (int ix = 0; ix < L->nx; ix++) {
        int g = L->region[ix];
        if (!L->sp[g]) continue;
        const upscale_electrode *el = &m->cell.el[g];
        const upscale_spectral *s = m->spectral[g];
        int n = s->n, o = L->cs[ix];
        const double *c = y + o;
        /* D_q, dD/dc_q and (dc/dxi)_q */
        for (int q = 0; q < n; q++) {
            dv[q] = el->arr_ds * upscale_function_eval(el->ds, c[q], &dd[q]);
            dd[q] *= el->arr_ds;
            dc[q] = 0.0;
            for (int k = 0; k < n; k++)
                dc[q] += s->dm[q * n + k] * c[k];
        }
        /* d r_i / d c_k = cj delta_ik + sum_q lift_iq (D_q dm_qk + delta_qk D'_q (dc/dxi)_q) */
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++) {
                double v = i == k ? cj : 0.0;
                for (int q = 0; q < n; q++)
                    v += s->lift[i * n + q] * dv[q] * s->dm[q * n + k];
                v += s->lift[i * n + k] * dd[k] * dc[k];
                upscale_jac_add(J, o + i, o + k, v);
            }
        upscale_jac_add(J, o + n - 1, L->j[ix], m->af[g][n] / m->vol[g][n - 1]);
    }
}

const upscale_kernel upscale_kernel_particle_fick_spectral = {"particle_fick_spectral", residual,
                                                              jacobian};
