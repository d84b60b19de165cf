/* Reaction at the particle surface (docs/model.md eq. 6-7, 16, 19):
 *     j = rate_law(c_e, c_ss, eta, U),   eta = phi_s - phi_e - U - F R_film j,
 * where U is the equilibrium potential the particle surface shows: U(c_ss / c_max) for
 * Fickian particles, c_ss their surface unknown (particle_fick.c), and -mu_R / F for
 * Cahn-Hilliard particles, mu_R the variational chemical potential at the surface. */
#include <math.h>
#include <string.h>

#include "residual.h"

/* What the particle shows the electrolyte: surface concentration and equilibrium potential
 * with their partials w.r.t. the outer shell's c_N (and mu_N), the flux j and (Fick) the
 * surface unknown c_ss. */
typedef struct {
    double cs, dcs_dcn, dcs_dj, dcs_dss;
    double U, dU_dcn, dU_dmu, dU_dj, dU_dss;
} surface;

/* Fick: the surface unknown c_ss, U = U(c_ss / c_max). */
static void surface_fick(const upscale_model *m, const double *y, int ix, surface *s)
{
    const upscale_electrode *el = node_electrode(m, ix);
    double du;
    s->cs = y[m->layout->ss[ix]];
    s->dcs_dcn = s->dcs_dj = 0.0;
    s->dcs_dss = 1.0;
    s->U = upscale_function_eval(el->ocp, s->cs / el->cmax, &du);
    s->dU_dcn = s->dU_dj = s->dU_dmu = 0.0;
    s->dU_dss = du / el->cmax;
}

/* Cahn-Hilliard (docs/model.md eq. 16): the variational chemical potential at r = R,
 * mu_R = mu_N - j (R - r_N) / M(c_N), gradient and strain terms included, gives
 * U = -mu_R / F; c_ss = c_N + s_w (R - r_N). */
static void surface_ch(const upscale_model *m, const double *y, int ix, surface *s)
{
    const upscale_layout *L = m->layout;
    const upscale_electrode *el = node_electrode(m, ix);
    int g = L->region[ix], n = L->nr[g];
    double h = el->radius - m->rc[g][n - 1], F = m->cell.faraday;
    double cn = y[L->cs[ix] + n - 1], j = y[L->j[ix]];
    /* Bounded: the outer shell's composition is read at c_max sigma(z_N) (see
     * particle_cahn_hilliard.c), and the "c_N" partials below are by z_N. */
    double f = 1.0;
    if (L->z[ix] >= 0) {
        double ds, ex;
        cn = el->cmax * upscale_particle_sigmoid(y[L->z[ix] + n - 1], &ds, &ex);
        f = ex != 0.0 ? 0.0 : el->cmax * ds;
    }
    s->U = upscale_ch_surface_potential(el, cn, y[L->mu[ix] + n - 1], j, h,
                                        UPSCALE_GAS * m->cell.temperature, F, &s->dU_dmu, &s->dU_dj,
                                        &s->dU_dcn);
    s->dU_dcn *= f;
    s->dU_dss = 0.0;
    s->cs = cn + el->wetting_slope * h;
    s->dcs_dcn = f;
    s->dcs_dj = s->dcs_dss = 0.0;
}

/* Rate-law evaluation at node ix with all partials of r = j - law(...); the residual keeps
 * each node's in m->kinetics (8 doubles) for the Jacobian at the same state. */
typedef struct {
    double r, d_j, d_cn, d_mu, d_ss, d_ce, d_phis, d_phie;
} kin_eval;
_Static_assert(sizeof(kin_eval) == 8 * sizeof(double), "kin_eval is m->kinetics' 8 doubles");

static int evaluate(const upscale_model *m, const double *y, int ix, kin_eval *out)
{
    const upscale_layout *L = m->layout;
    const upscale_electrode *el = node_electrode(m, ix);
    surface sf;
    if (L->mu[ix] >= 0)
        surface_ch(m, y, ix, &sf);
    else
        surface_fick(m, y, ix, &sf);
    double ce = y[L->ce[ix]], j = y[L->j[ix]];
    /* Fick's surface must lie inside the particle's range; a Cahn-Hilliard
     * surface may sit a hair outside it (particle_cahn_hilliard.c); any law that cannot
     * take the state returns a non-finite rate, rejected below. */
    if (!(ce > 0) || (L->mu[ix] < 0 && !(sf.cs > 0 && sf.cs < el->cmax))) return 1;
    double F = m->cell.faraday;
    double eta = y[L->phis[ix]] - y[L->phie[ix]] - sf.U - F * el->film_resistance * j;
    upscale_rate_params rp = rate_params(m, el, sf.cs, sf.U);
    upscale_rate rl = {0};
    el->rate_law->eval(&rp, ce, sf.cs, eta, &rl);
    if (!isfinite(rl.j) || !isfinite(rl.dj_deta)) return 1;
    /* eta depends on c_N, mu_N and j through U (and j through the film); a law may also
     * depend on U directly (dj_du, at fixed eta). */
    double dj_dU = rl.dj_du - rl.dj_deta; /* total: d law / dU */
    out->r = j - rl.j;
    out->d_j =
        1.0 - (rl.dj_dcs * sf.dcs_dj + dj_dU * sf.dU_dj - rl.dj_deta * F * el->film_resistance);
    out->d_cn = -(rl.dj_dcs * sf.dcs_dcn + dj_dU * sf.dU_dcn);
    out->d_mu = -dj_dU * sf.dU_dmu;
    out->d_ss = -(rl.dj_dcs * sf.dcs_dss + dj_dU * sf.dU_dss);
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
        if (L->j[ix] < 0 || L->nt[L->region[ix]] > 0) continue; /* 2D: its own kernel */
        if (evaluate(m, y, ix, &k)) return 1;
        r[L->j[ix]] = k.r;
        if (m->kinetics) memcpy(m->kinetics + 8 * ix, &k, sizeof(k));
    }
    return 0;
}

static void jacobian(const upscale_model *m, double t, double cj, const double *y, const double *yp,
                     upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    kin_eval k = {0};
    for (int ix = 0; ix < L->nx; ix++) {
        if (L->j[ix] < 0 || L->nt[L->region[ix]] > 0) continue;
        int row = L->j[ix], g = L->region[ix];
        if (m->kinetics_reuse)
            memcpy(&k, m->kinetics + 8 * ix, sizeof(k));
        else
            evaluate(m, y, ix, &k);
        upscale_jac_add(J, row, row, k.d_j);
        if (L->ss[ix] >= 0)
            upscale_jac_add(J, row, L->ss[ix], k.d_ss);
        else
            upscale_jac_add(J, row, (L->z[ix] >= 0 ? L->z[ix] : L->cs[ix]) + L->nr[g] - 1, k.d_cn);
        upscale_jac_add(J, row, L->ce[ix], k.d_ce);
        upscale_jac_add(J, row, L->phis[ix], k.d_phis);
        upscale_jac_add(J, row, L->phie[ix], k.d_phie);
        if (L->mu[ix] >= 0) upscale_jac_add(J, row, L->mu[ix] + L->nr[g] - 1, k.d_mu);
    }
}

const upscale_kernel upscale_kernel_interface_kinetics = {"interface_kinetics", residual, jacobian};
