/* Charge conservation in the electrolyte with the concentrated-solution Ohm's law
 * (docs/model.md eq. 2-3):
 *     d i_e/dx = a F j,   i_e = -kappa_eff ( dphi_e/dx - nu(c) dln c/dx ),
 *     nu(c) = (2 R T / F) (1 - t+(c)) (1 + dln f/dln c)(c).
 * Face current i = -T [ (phi_R - phi_L) - nu(c_f) (ln c_R - ln c_L) ] (elyte_face_current,
 * residual.h) with the harmonic transmissibility T of kappa_eff and nu at the face's mean
 * concentration (the midpoint rule for the integral of nu(c)/c dc).  Zero current at the
 * collectors; at a metal counter electrode (half cell) the boundary face joins node 0 to the
 * face potential phi_e0, with the face concentration extrapolated from the salt inflow. */
#include <math.h>

#include "residual.h"

/* Half cell: the face concentration c_f = c_0 + (1 - t+(c_0)) I dx_0 / (2 F D_eff(c_0)) and
 * the boundary current with its derivatives (w.r.t. phi_0, phi_e0, c_0, I). */
static double metal_face_current(const upscale_model *m, const double *y, double *d_phi0,
                                 double *d_phie0, double *d_c0, double *d_I)
{
    const upscale_layout *L = m->layout;
    const upscale_electrolyte *e = &m->cell.elyte;
    double c0 = y[L->ce[0]], I = y[L->I], h = 0.5 * m->dx[0], F = m->cell.faraday;
    double dk, k = elyte_keff(m, 0, c0, &dk), dd, D = elyte_deff(m, 0, c0, &dd);
    double dt, tb = upscale_function_eval(e->tplus, c0, &dt);
    double a = (1 - tb) * h / F;
    double delta = a * I / D, cf = c0 + delta;
    double dcf_dc0 = 1 - delta * dd / D - dt * h / F * I / D, dcf_dI = a / D;
    double dnu, v = elyte_nu(m, 0.5 * (c0 + cf), &dnu), dl = log(c0) - log(cf);
    double T = k / h, G = (y[L->phie[0]] - y[L->phie0]) - v * dl;
    /* G depends on c_0 and I through c_f, and through nu at the segment's mean concentration */
    double dG_dc0 = -0.5 * dnu * (1 + dcf_dc0) * dl - v * (1 / c0 - dcf_dc0 / cf);
    double dG_dI = -0.5 * dnu * dcf_dI * dl + v * dcf_dI / cf;
    *d_phi0 = -T;
    *d_phie0 = T;
    *d_c0 = -(dk / h) * G - T * dG_dc0;
    *d_I = -T * dG_dI;
    return -T * G;
}

static int residual(const upscale_model *m, double t, const double *y, const double *yp, double *r)
{
    const upscale_layout *L = m->layout;
    const double F = m->cell.faraday;
    double d[4];
    for (int ix = 0; ix < L->nx; ix++) {
        r[L->phie[ix]] = 0.0;
        if (L->j[ix] >= 0) r[L->phie[ix]] = -m->area[ix] * F * y[L->j[ix]];
    }
    double nub[2];
    const double *nu = elyte_nu_fixed(m, nub);
    elyte_node left = elyte_node_at(m, y, 0);
    for (int ix = 0; ix + 1 < L->nx; ix++) {
        elyte_node right = elyte_node_at(m, y, ix + 1);
        double i = elyte_face_current_at(m, y, ix, &left, &right, nu, d);
        r[L->phie[ix]] += i / m->dx[ix];
        r[L->phie[ix + 1]] -= i / m->dx[ix + 1];
        left = right;
    }
    if (L->phie0 >= 0) {
        double a, b, c, e;
        r[L->phie[0]] -= metal_face_current(m, y, &a, &b, &c, &e) / m->dx[0];
    }
    return 0;
}

static void jacobian(const upscale_model *m, double t, double cj, const double *y, const double *yp,
                     upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    const double F = m->cell.faraday;
    for (int ix = 0; ix < L->nx; ix++)
        if (L->j[ix] >= 0) upscale_jac_add(J, L->phie[ix], L->j[ix], -m->area[ix] * F);
    double nub[2];
    const double *nu = elyte_nu_fixed(m, nub);
    elyte_node left = elyte_node_at(m, y, 0);
    for (int ix = 0; ix + 1 < L->nx; ix++) {
        double di[4];
        elyte_node right = elyte_node_at(m, y, ix + 1);
        elyte_face_current_at(m, y, ix, &left, &right, nu, di);
        left = right;
        int col[4] = {L->phie[ix], L->phie[ix + 1], L->ce[ix], L->ce[ix + 1]};
        for (int k = 0; k < 4; k++) {
            upscale_jac_add(J, L->phie[ix], col[k], di[k] / m->dx[ix]);
            upscale_jac_add(J, L->phie[ix + 1], col[k], -di[k] / m->dx[ix + 1]);
        }
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
