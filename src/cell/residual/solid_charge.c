/* Charge conservation in the solid matrix (docs/model.md eq. 4):
 *     d i_s/dx = -a F j,   i_s = -sigma_eff dphi_s/dx.
 * Negative electrode: phi_s = 0 at x = 0 (the ground) and no current into the separator.
 * Positive electrode: no current into the separator and i_s = I at the collector. */
#include "residual.h"

/* Visit the faces of one electrode: interior faces join nodes ix and ix+1. */
static int residual(const upscale_model *m, double t, const double *y, const double *yp, double *r)
{
    const upscale_layout *L = m->layout;
    const double F = m->cell.faraday;
    for (int g = UPSCALE_NEG; g <= UPSCALE_POS; g += 2) {
        int b = L->x_begin[g], n = L->nx_region[g];
        if (n == 0) continue;
        double s = m->cell.el[g].sigma_eff;
        for (int ix = b; ix < b + n; ix++)
            r[L->phis[ix]] = m->area[ix] * F * y[L->j[ix]];
        for (int ix = b; ix + 1 < b + n; ix++) {
            double i =
                -s * (y[L->phis[ix + 1]] - y[L->phis[ix]]) / (0.5 * (m->dx[ix] + m->dx[ix + 1]));
            r[L->phis[ix]] += i / m->dx[ix];
            r[L->phis[ix + 1]] -= i / m->dx[ix + 1];
        }
        if (g == UPSCALE_NEG) {
            double i0 = -s * y[L->phis[b]] / (0.5 * m->dx[b]);
            r[L->phis[b]] -= i0 / m->dx[b];
        } else {
            int e = b + n - 1;
            r[L->phis[e]] += y[L->I] / m->dx[e];
        }
    }
    return 0;
}

static void jacobian(const upscale_model *m, double t, double cj, const double *y, const double *yp,
                     upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    const double F = m->cell.faraday;
    for (int g = UPSCALE_NEG; g <= UPSCALE_POS; g += 2) {
        int b = L->x_begin[g], n = L->nx_region[g];
        if (n == 0) continue;
        double s = m->cell.el[g].sigma_eff;
        for (int ix = b; ix < b + n; ix++)
            upscale_jac_add(J, L->phis[ix], L->j[ix], m->area[ix] * F);
        for (int ix = b; ix + 1 < b + n; ix++) {
            double T = s / (0.5 * (m->dx[ix] + m->dx[ix + 1]));
            int pl = L->phis[ix], pr = L->phis[ix + 1];
            upscale_jac_add(J, pl, pl, T / m->dx[ix]);
            upscale_jac_add(J, pl, pr, -T / m->dx[ix]);
            upscale_jac_add(J, pr, pl, -T / m->dx[ix + 1]);
            upscale_jac_add(J, pr, pr, T / m->dx[ix + 1]);
        }
        if (g == UPSCALE_NEG)
            upscale_jac_add(J, L->phis[b], L->phis[b], s / (0.5 * m->dx[b]) / m->dx[b]);
        else
            upscale_jac_add(J, L->phis[b + n - 1], L->I, 1.0 / m->dx[b + n - 1]);
    }
}

const upscale_kernel upscale_kernel_solid_charge = {"solid_charge", residual, jacobian};
