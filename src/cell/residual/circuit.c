/* The external circuit (docs/model.md eq. 8-10):
 *     V = phi_s(x = L) - phi_s(x = 0) - I (R_c,neg + R_c,pos)     terminal voltage
 *     dQ/dt = I                                                   charge passed
 *     I = I_set | V = V_set | I V = P_set                        what the protocol holds
 * phi_s at the positive collector is extrapolated from the last node with the known
 * collector current; phi_s = 0 at the negative collector (the ground).  In a half cell
 * the ground is the metal counter electrode, whose Butler-Volmer law fixes phi_e0:
 *     I = i0 (c_e,0 / c_e,ref)^a [exp(a f eta) - exp(-(1-a) f eta)],  eta = -phi_e0. */
#include <math.h>

#include "residual.h"

static double collector_drop(const upscale_model *m)
{
    const upscale_layout *L = m->layout;
    int e = L->x_begin[UPSCALE_POS] + L->nx_region[UPSCALE_POS] - 1;
    return 0.5 * m->dx[e] / m->cell.el[UPSCALE_POS].sigma_eff +
           m->cell.el[UPSCALE_NEG].contact_resistance + m->cell.el[UPSCALE_POS].contact_resistance;
}

static int residual_common(const upscale_model *m, double t, const double *y, const double *yp,
                           double *r)
{
    const upscale_layout *L = m->layout;
    int e = L->x_begin[UPSCALE_POS] + L->nx_region[UPSCALE_POS] - 1;
    double I = y[L->I], V = y[L->V];
    r[L->Q] = yp[L->Q] - I;
    r[L->V] = V - y[L->phis[e]] + I * collector_drop(m);
    r[L->I] = hold_residual(m, t, I, V);
    return 0;
}

static void jacobian_common(const upscale_model *m, const double *y, double cj, upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    int e = L->x_begin[UPSCALE_POS] + L->nx_region[UPSCALE_POS] - 1;
    upscale_jac_add(J, L->Q, L->Q, cj);
    upscale_jac_add(J, L->Q, L->I, -1.0);
    upscale_jac_add(J, L->V, L->V, 1.0);
    upscale_jac_add(J, L->V, L->phis[e], -1.0);
    upscale_jac_add(J, L->V, L->I, collector_drop(m));
    hold_jacobian(m, y[L->I], y[L->V], J);
}

static int residual_full(const upscale_model *m, double t, const double *y, const double *yp,
                         double *r)
{
    return residual_common(m, t, y, yp, r);
}

static void jacobian_full(const upscale_model *m, double t, double cj, const double *y,
                          const double *yp, upscale_jac *J)
{
    jacobian_common(m, y, cj, J);
}

/* Metal electrode current for eta = -phi_e0 and its partials. */
static double metal_current(const upscale_model *m, const double *y, double *d_phie0, double *d_c0)
{
    const upscale_layout *L = m->layout;
    double a = m->cell.counter_alpha, f = 1.0 / m->thermal;
    double c0 = y[L->ce[0]], cref = m->cell.elyte.c0;
    double i0 = m->cell.counter_i0 * pow(c0 / cref, a);
    double eta = -y[L->phie0];
    double ea = exp(a * f * eta), ec = exp(-(1 - a) * f * eta);
    *d_phie0 = -i0 * f * (a * ea + (1 - a) * ec);
    *d_c0 = i0 * (ea - ec) * a / c0;
    return i0 * (ea - ec);
}

static int residual_half(const upscale_model *m, double t, const double *y, const double *yp,
                         double *r)
{
    const upscale_layout *L = m->layout;
    double dp, dc;
    if (!(y[L->ce[0]] > 0)) return 1;
    r[L->phie0] = y[L->I] - metal_current(m, y, &dp, &dc);
    return residual_common(m, t, y, yp, r);
}

static void jacobian_half(const upscale_model *m, double t, double cj, const double *y,
                          const double *yp, upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    double dp, dc;
    metal_current(m, y, &dp, &dc);
    upscale_jac_add(J, L->phie0, L->I, 1.0);
    upscale_jac_add(J, L->phie0, L->phie0, -dp);
    upscale_jac_add(J, L->phie0, L->ce[0], -dc);
    jacobian_common(m, y, cj, J);
}

const upscale_kernel upscale_kernel_circuit_full = {"circuit_full", residual_full, jacobian_full};
const upscale_kernel upscale_kernel_circuit_half = {"circuit_half", residual_half, jacobian_half};
