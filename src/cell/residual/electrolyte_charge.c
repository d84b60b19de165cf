/* Charge conservation in the electrolyte with the concentrated-solution Ohm's law
 * (docs/model.md eq. 2-3):
 *     d i_e/dx = a F j,   i_e = -kappa_eff ( dphi_e/dx - nu dln c/dx ),
 *     nu = (2 R T / F) (1 - t+) (1 + dln f/dln c).
 * Face current i = -T [ (phi_R - phi_L) - nu (ln c_R - ln c_L) ] with the harmonic
 * transmissibility T of kappa_eff.  Zero current at the collectors; at a metal counter
 * electrode (half cell) the boundary face joins node 0 to the face potential phi_e0, with
 * the face concentration extrapolated from the salt inflow. */
#include <math.h>

#include "residual.h"

static double nu(const upscale_model *m)
{
    const upscale_electrolyte *e = &m->cell.elyte;
    return 2.0 * m->thermal * (1 - e->t_plus) * e->tdf;
}

/* Half cell: the face concentration c_f = c_0 + (1 - t+) I dx_0 / (2 F D_eff(c_0)) and
 * the boundary current with its derivatives (w.r.t. phi_0, phi_e0, c_0, I). */
static double metal_face_current(const upscale_model *m, const double *y, double *d_phi0,
                                 double *d_phie0, double *d_c0, double *d_I)
{
    const upscale_layout *L = m->layout;
    const upscale_electrolyte *e = &m->cell.elyte;
    double c0 = y[L->ce[0]], I = y[L->I], h = 0.5 * m->dx[0], F = m->cell.faraday;
    double dk, k = elyte_keff(m, 0, c0, &dk), dd, D = elyte_deff(m, 0, c0, &dd);
    double a = (1 - e->t_plus) * h / F;
    double delta = a * I / D, cf = c0 + delta;
    double T = k / h, G = (y[L->phie[0]] - y[L->phie0]) - nu(m) * (log(c0) - log(cf));
    double dcf_dc0 = 1 - delta * dd / D, dcf_dI = a / D;
    *d_phi0 = -T;
    *d_phie0 = T;
    *d_c0 = -(dk / h) * G - T * (-nu(m) * (1 / c0 - dcf_dc0 / cf));
    *d_I = -T * nu(m) * dcf_dI / cf;
    return -T * G;
}

static int residual(const upscale_model *m, double t, const double *y, const double *yp, double *r)
{
    const upscale_layout *L = m->layout;
    const double F = m->cell.faraday, v = nu(m);
    double dk;
    for (int ix = 0; ix < L->nx; ix++) {
        r[L->phie[ix]] = 0.0;
        if (L->j[ix] >= 0) r[L->phie[ix]] = -m->area[ix] * F * y[L->j[ix]];
    }
    double kl = elyte_keff(m, 0, y[L->ce[0]], &dk);
    for (int ix = 0; ix + 1 < L->nx; ix++) {
        double kr = elyte_keff(m, ix + 1, y[L->ce[ix + 1]], &dk), dp, dq;
        double T = face_trans(0.5 * m->dx[ix], kl, 0.5 * m->dx[ix + 1], kr, &dp, &dq);
        double G =
            (y[L->phie[ix + 1]] - y[L->phie[ix]]) - v * (log(y[L->ce[ix + 1]]) - log(y[L->ce[ix]]));
        double i = -T * G;
        r[L->phie[ix]] += i / m->dx[ix];
        r[L->phie[ix + 1]] -= i / m->dx[ix + 1];
        kl = kr;
    }
    if (L->phie0 >= 0) {
        double a, b, c, d;
        r[L->phie[0]] -= metal_face_current(m, y, &a, &b, &c, &d) / m->dx[0];
    }
    return 0;
}

static void jacobian(const upscale_model *m, double t, double cj, const double *y, const double *yp,
                     upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    const double F = m->cell.faraday, v = nu(m);
    for (int ix = 0; ix < L->nx; ix++)
        if (L->j[ix] >= 0) upscale_jac_add(J, L->phie[ix], L->j[ix], -m->area[ix] * F);
    double dkl, kl = elyte_keff(m, 0, y[L->ce[0]], &dkl);
    for (int ix = 0; ix + 1 < L->nx; ix++) {
        double cl = y[L->ce[ix]], cr = y[L->ce[ix + 1]];
        double dkr, kr = elyte_keff(m, ix + 1, cr, &dkr), dp, dq;
        double T = face_trans(0.5 * m->dx[ix], kl, 0.5 * m->dx[ix + 1], kr, &dp, &dq);
        double G = (y[L->phie[ix + 1]] - y[L->phie[ix]]) - v * (log(cr) - log(cl));
        /* i = -T G */
        double di[4] = {T, -T, -dp * dkl * G - T * v / cl, -dq * dkr * G + T * v / cr};
        int col[4] = {L->phie[ix], L->phie[ix + 1], L->ce[ix], L->ce[ix + 1]};
        for (int k = 0; k < 4; k++) {
            upscale_jac_add(J, L->phie[ix], col[k], di[k] / m->dx[ix]);
            upscale_jac_add(J, L->phie[ix + 1], col[k], -di[k] / m->dx[ix + 1]);
        }
        kl = kr;
        dkl = dkr;
    }
    if (L->phie0 >= 0) {
        double d[4];
        metal_face_current(m, y, &d[0], &d[1], &d[2], &d[3]);
        int col[4] = {L->phie[0], L->phie0, L->ce[0], L->I};
        for (int k = 0; k < 4; k++)
            upscale_jac_add(J, L->phie[0], col[k], -d[k] / m->dx[0]);
    }
}

const upscale_kernel upscale_kernel_electrolyte_charge = {"electrolyte_charge", residual, jacobian};
