/* Salt balance in the electrolyte (docs/model.md eq. 1):
 *     eps dc/dt = d/dx( eps^b D(c) dc/dx ) + (1 - t+) a j
 * Cell-centred finite volumes; the face flux N = -T (c_R - c_L) uses the harmonic
 * transmissibility T = 1/(dx_L/2D_L + dx_R/2D_R), exact mass balance across region
 * boundaries.  No flux at the current collectors; at a metal counter electrode the
 * inflow is (1 - t+) I / F.
 *
 * A transference number that depends on c: the salt balance is
 *     eps dc/dt = -d/dx( -eps^b D dc/dx + t+(c) i_e / F ) + a j,
 * written with t0 = t+(c_0) as the model's constant-t+ form plus the face flux
 * (t+(c_f) - t0) i_f / F (i_f the face current of electrolyte_charge.c, c_f the face's mean
 * concentration), which vanishes for a constant t+; at a metal counter electrode the whole
 * cation inflow is I / F, of which (1 - t0) I / F in this form. */
#include "residual.h"

static int residual(const upscale_model *m, double t, const double *y, const double *yp, double *r)
{
    const upscale_layout *L = m->layout;
    const upscale_electrolyte *e = &m->cell.elyte;
    double dd;
    for (int ix = 0; ix < L->nx; ix++) {
        double c = y[L->ce[ix]];
        if (!(c > 0)) return 1;
        r[L->ce[ix]] = m->eps[ix] * yp[L->ce[ix]];
        if (L->j[ix] >= 0) r[L->ce[ix]] -= (1 - e->t_plus) * m->area[ix] * y[L->j[ix]];
    }
    int tvar = !upscale_function_is_constant(e->tplus);
    double dl = elyte_deff(m, 0, y[L->ce[0]], &dd);
    for (int ix = 0; ix + 1 < L->nx; ix++) {
        double cl = y[L->ce[ix]], cr = y[L->ce[ix + 1]];
        double dr = elyte_deff(m, ix + 1, cr, &dd), dp, dq;
        double T = face_trans(0.5 * m->dx[ix], dl, 0.5 * m->dx[ix + 1], dr, &dp, &dq);
        double N = -T * (cr - cl);
        if (tvar) {
            double d[4], t = upscale_function_eval(e->tplus, 0.5 * (cl + cr), NULL);
            N += (t - e->t_plus) * elyte_face_current(m, y, ix, d) / m->cell.faraday;
        }
        r[L->ce[ix]] += N / m->dx[ix];
        r[L->ce[ix + 1]] -= N / m->dx[ix + 1];
        dl = dr;
    }
    if (L->phie0 >= 0) r[L->ce[0]] -= (1 - e->t_plus) * y[L->I] / (m->cell.faraday * m->dx[0]);
    return 0;
}

static void jacobian(const upscale_model *m, double t, double cj, const double *y, const double *yp,
                     upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    const upscale_electrolyte *e = &m->cell.elyte;
    for (int ix = 0; ix < L->nx; ix++) {
        upscale_jac_add(J, L->ce[ix], L->ce[ix], cj * m->eps[ix]);
        if (L->j[ix] >= 0) upscale_jac_add(J, L->ce[ix], L->j[ix], -(1 - e->t_plus) * m->area[ix]);
    }
    int tvar = !upscale_function_is_constant(e->tplus);
    double ddl, dl = elyte_deff(m, 0, y[L->ce[0]], &ddl);
    for (int ix = 0; ix + 1 < L->nx; ix++) {
        int il = L->ce[ix], ir = L->ce[ix + 1];
        double cl = y[il], cr = y[ir], ddr, dr = elyte_deff(m, ix + 1, cr, &ddr), dp, dq;
        double T = face_trans(0.5 * m->dx[ix], dl, 0.5 * m->dx[ix + 1], dr, &dp, &dq);
        /* N = -T (cr - cl) */
        double dN_dcl = T - (cr - cl) * dp * ddl;
        double dN_dcr = -T - (cr - cl) * dq * ddr;
        upscale_jac_add(J, il, il, dN_dcl / m->dx[ix]);
        upscale_jac_add(J, il, ir, dN_dcr / m->dx[ix]);
        upscale_jac_add(J, ir, il, -dN_dcl / m->dx[ix + 1]);
        upscale_jac_add(J, ir, ir, -dN_dcr / m->dx[ix + 1]);
        if (tvar) {
            /* N_t = (t+(c_f) - t0) i_f / F */
            double d[4], dt, F = m->cell.faraday;
            double tf = upscale_function_eval(e->tplus, 0.5 * (cl + cr), &dt);
            double i = elyte_face_current(m, y, ix, d);
            double dN[4] = {(tf - e->t_plus) * d[0] / F, (tf - e->t_plus) * d[1] / F,
                            (tf - e->t_plus) * d[2] / F + 0.5 * dt * i / F,
                            (tf - e->t_plus) * d[3] / F + 0.5 * dt * i / F};
            int col[4] = {L->phie[ix], L->phie[ix + 1], il, ir};
            for (int k = 0; k < 4; k++) {
                upscale_jac_add(J, il, col[k], dN[k] / m->dx[ix]);
                upscale_jac_add(J, ir, col[k], -dN[k] / m->dx[ix + 1]);
            }
        }
        dl = dr;
        ddl = ddr;
    }
    if (L->phie0 >= 0)
        upscale_jac_add(J, L->ce[0], L->I, -(1 - e->t_plus) / (m->cell.faraday * m->dx[0]));
}

const upscale_kernel upscale_kernel_electrolyte_salt = {"electrolyte_salt", residual, jacobian};
