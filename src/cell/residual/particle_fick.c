/* Fickian diffusion in spherical particles (docs/model.md eq. 5):
 *     dc/dt = 1/r^2 d/dr( r^2 D(c) dc/dr ),  dc/dr = 0 at r = 0,  -D dc/dr = j at r = R.
 * Finite volumes on shells [r_k-1/2, r_k+1/2]: V_k dc_k/dt = A_k-1/2 N_k-1/2 - A_k+1/2 N_k+1/2
 * with V_k = (r_k+1/2^3 - r_k-1/2^3)/3, A = r^2 and the face flux
 * N = -D_face (c_k+1 - c_k)/(r_k+1 - r_k), D_face the mean of the two shells' D.  The
 * outermost face carries j, so the particle's content changes by exactly -4 pi R^2 j.
 *
 * Surface concentration c_ss (the unknown the kinetics see): the second-order
 * extrapolation c_N - j h / D(c_N), h = R - r_N, reached through a surface layer of
 * thickness theta h that holds no inventory (docs/numerics.md):
 *     theta h dc_ss/dt = D(c_N) (c_N - c_ss) / h - j,
 * i.e. c_ss relaxes to the extrapolation with time constant theta h^2 / D.  Imposed
 * algebraically, the extrapolation makes U(c_ss) respond instantly to j, and where
 * dU/dc > 0 (a non-monotone OCP) with fast kinetics the algebraic equations fold (no
 * solution near the last one, IDA_CONV_FAIL); with the layer the surface moves fast but
 * continuously, as the continuum surface does. */
#include "residual.h"

/* Surface layer thickness as a fraction of h: the lag theta h^2 / D dc_ss/dt stays far
 * below any tolerance (second order, like the extrapolation itself). */
#define SURFACE_LAYER 0.01

static int residual(const upscale_model *m, double t, const double *y, const double *yp, double *r)
{
    const upscale_layout *L = m->layout;
    for (int ix = 0; ix < L->nx; ix++) {
        const upscale_electrode *el = node_electrode(m, ix);
        if (!el || L->ss[ix] < 0 || L->sp[L->region[ix]]) continue;
        int g = L->region[ix], nr = L->nr[g], o = L->cs[ix];
        const double *rc = m->rc[g], *af = m->af[g], *vol = m->vol[g];
        /* A constant D is evaluated once per particle. */
        int cst = upscale_function_is_constant(el->ds);
        double dd, dl = el->arr_ds * upscale_function_eval(el->ds, y[o], &dd);
        for (int k = 0; k < nr; k++) {
            if (!(y[o + k] > 0 && y[o + k] < el->cmax)) return 1;
            r[o + k] = yp[o + k];
        }
        for (int k = 0; k + 1 < nr; k++) {
            double dr = cst ? dl : el->arr_ds * upscale_function_eval(el->ds, y[o + k + 1], &dd);
            double N = -0.5 * (dl + dr) * (y[o + k + 1] - y[o + k]) / (rc[k + 1] - rc[k]);
            double A = af[k + 1];
            r[o + k] += A * N / vol[k];
            r[o + k + 1] -= A * N / vol[k + 1];
            dl = dr;
        }
        r[o + nr - 1] += af[nr] * y[L->j[ix]] / vol[nr - 1];
        /* theta h c_ss' = D(c_N) (c_N - c_ss) / h - j, D(c_N) the last shell's (dl) */
        double h = el->radius - rc[nr - 1], cn = y[o + nr - 1], css = y[L->ss[ix]];
        if (!(css > 0 && css < el->cmax)) return 1;
        r[L->ss[ix]] = SURFACE_LAYER * h * yp[L->ss[ix]] - dl * (cn - css) / h + y[L->j[ix]];
    }
    return 0;
}

static void jacobian(const upscale_model *m, double t, double cj, const double *y, const double *yp,
                     upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    for (int ix = 0; ix < L->nx; ix++) {
        const upscale_electrode *el = node_electrode(m, ix);
        if (!el || L->ss[ix] < 0 || L->sp[L->region[ix]]) continue;
        int g = L->region[ix], nr = L->nr[g], o = L->cs[ix];
        const double *rc = m->rc[g], *af = m->af[g], *vol = m->vol[g];
        int cst = upscale_function_is_constant(el->ds);
        double ddl, dl = el->arr_ds * upscale_function_eval(el->ds, y[o], &ddl);
        ddl *= el->arr_ds;
        for (int k = 0; k < nr; k++)
            upscale_jac_add(J, o + k, o + k, cj);
        for (int k = 0; k + 1 < nr; k++) {
            double ddr = ddl, dr = dl;
            if (!cst) {
                dr = el->arr_ds * upscale_function_eval(el->ds, y[o + k + 1], &ddr);
                ddr *= el->arr_ds;
            }
            double h = rc[k + 1] - rc[k], diff = y[o + k + 1] - y[o + k];
            double A = af[k + 1];
            /* N = -(dl + dr)/2 (c_r - c_l)/h */
            double dN_l = (0.5 * (dl + dr) - 0.5 * ddl * diff) / h;
            double dN_r = (-0.5 * (dl + dr) - 0.5 * ddr * diff) / h;
            upscale_jac_add(J, o + k, o + k, A * dN_l / vol[k]);
            upscale_jac_add(J, o + k, o + k + 1, A * dN_r / vol[k]);
            upscale_jac_add(J, o + k + 1, o + k, -A * dN_l / vol[k + 1]);
            upscale_jac_add(J, o + k + 1, o + k + 1, -A * dN_r / vol[k + 1]);
            dl = dr;
            ddl = ddr;
        }
        upscale_jac_add(J, o + nr - 1, L->j[ix], af[nr] / vol[nr - 1]);
        /* dl, ddl: D and dD/dc of the last shell */
        double h = el->radius - rc[nr - 1], cn = y[o + nr - 1], css = y[L->ss[ix]];
        double Dn = dl, dDn = ddl;
        int s = L->ss[ix];
        upscale_jac_add(J, s, s, cj * SURFACE_LAYER * h + Dn / h);
        upscale_jac_add(J, s, o + nr - 1, -(Dn + dDn * (cn - css)) / h);
        upscale_jac_add(J, s, L->j[ix], 1.0);
    }
}

const upscale_kernel upscale_kernel_particle_fick = {"particle_fick", residual, jacobian};
