/* Reaction at the particle surface (docs/model.md eq. 6-7):
 *     j = rate_law(c_e, c_ss, eta),   eta = phi_s - phi_e - U(c_ss / c_max) - F R_film j,
 * with the surface concentration extrapolated from the outer shell with the surface flux:
 *     c_ss = c_N - j (R - r_N) / D(c_N)          (second order; model.c). */
#include "residual.h"

/* Rate-law evaluation at node ix with all partials of r = j - law(...). */
typedef struct {
    double r, d_j, d_cn, d_ce, d_phis, d_phie;
} kin_eval;

static int evaluate(const upscale_model *m, const double *y, int ix, kin_eval *out)
{
    const upscale_layout *L = m->layout;
    const upscale_electrode *el = node_electrode(m, ix);
    double dcs_dcn, dcs_dj;
    double cs = upscale_model_surface_concentration(m, y, ix, &dcs_dcn, &dcs_dj);
    double ce = y[L->ce[ix]], j = y[L->j[ix]];
    if (!(cs > 0 && cs < el->cmax && ce > 0)) return 1;
    double du, U = upscale_function_eval(el->ocp, cs / el->cmax, &du);
    double dk, k = el->arr_k * upscale_function_eval(el->k, cs, &dk);
    dk *= el->arr_k;
    double F = m->cell.faraday;
    double eta = y[L->phis[ix]] - y[L->phie[ix]] - U - F * el->film_resistance * j;
    upscale_rate rl;
    el->rate_law->eval(ce, cs, el->cmax, eta, k, dk, el->alpha_a, el->alpha_c, 1.0 / m->thermal, F,
                       &rl);
    double deta_dcs = -du / el->cmax;
    out->r = j - rl.j;
    out->d_j =
        1.0 - (rl.dj_dcs * dcs_dj + rl.dj_deta * (deta_dcs * dcs_dj - F * el->film_resistance));
    out->d_cn = -(rl.dj_dcs + rl.dj_deta * deta_dcs) * dcs_dcn;
    out->d_ce = -rl.dj_dce;
    out->d_phis = -rl.dj_deta;
    out->d_phie = rl.dj_deta;
    return 0;
}

static int residual(const upscale_model *m, double t, const double *y, const double *yp, double *r)
{
    const upscale_layout *L = m->layout;
    kin_eval k;
    for (int ix = 0; ix < L->nx; ix++) {
        if (L->j[ix] < 0) continue;
        if (evaluate(m, y, ix, &k)) return 1;
        r[L->j[ix]] = k.r;
    }
    return 0;
}

static void jacobian(const upscale_model *m, double t, double cj, const double *y, const double *yp,
                     upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    kin_eval k = {0};
    for (int ix = 0; ix < L->nx; ix++) {
        if (L->j[ix] < 0) continue;
        int row = L->j[ix], g = L->region[ix];
        evaluate(m, y, ix, &k);
        upscale_jac_add(J, row, row, k.d_j);
        upscale_jac_add(J, row, L->cs[ix] + L->nr[g] - 1, k.d_cn);
        upscale_jac_add(J, row, L->ce[ix], k.d_ce);
        upscale_jac_add(J, row, L->phis[ix], k.d_phis);
        upscale_jac_add(J, row, L->phie[ix], k.d_phie);
    }
}

const upscale_kernel upscale_kernel_interface_kinetics = {"interface_kinetics", residual, jacobian};
