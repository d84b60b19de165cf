/* Single-particle mode (docs/model.md eq. 17): one representative particle in an ideal
 * bath, standing for the whole electrode.  The electrolyte stays at its initial
 * concentration and at zero potential, the solid has no ohmic loss, and the counter
 * electrode is a metal at its reference potential:
 *     c_e = c_e0,  phi_e = 0,  I = -F a L j,  V = phi_s,  dQ/dt = I,  hold(I, V).
 * The protocol's current is per unit electrode area, so C-rates mean what they mean for
 * the full electrode. */
#include "residual.h"

static int residual(const upscale_model *m, double t, const double *y, const double *yp, double *r)
{
    const upscale_layout *L = m->layout;
    const double F = m->cell.faraday;
    int ix = L->x_begin[UPSCALE_POS];
    for (int k = 0; k < L->nx; k++) {
        r[L->ce[k]] = yp[L->ce[k]];
        r[L->phie[k]] = y[L->phie[k]];
    }
    r[L->phis[ix]] = y[L->I] + F * m->area[ix] * m->dx[ix] * y[L->j[ix]];
    r[L->V] = y[L->V] - y[L->phis[ix]];
    r[L->Q] = yp[L->Q] - y[L->I];
    r[L->I] = hold_residual(m, t, y[L->I], y[L->V]);
    return 0;
}

static void jacobian(const upscale_model *m, double t, double cj, const double *y, const double *yp,
                     upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    const double F = m->cell.faraday;
    int ix = L->x_begin[UPSCALE_POS];
    for (int k = 0; k < L->nx; k++) {
        upscale_jac_add(J, L->ce[k], L->ce[k], cj);
        upscale_jac_add(J, L->phie[k], L->phie[k], 1.0);
    }
    upscale_jac_add(J, L->phis[ix], L->I, 1.0);
    upscale_jac_add(J, L->phis[ix], L->j[ix], F * m->area[ix] * m->dx[ix]);
    upscale_jac_add(J, L->V, L->V, 1.0);
    upscale_jac_add(J, L->V, L->phis[ix], -1.0);
    upscale_jac_add(J, L->Q, L->Q, cj);
    upscale_jac_add(J, L->Q, L->I, -1.0);
    hold_jacobian(m, y[L->I], y[L->V], J);
}

const upscale_kernel upscale_kernel_single_particle_bath = {"single_particle_bath", residual,
                                                            jacobian};
