/* Cahn-Hilliard particles in split form (docs/model.md eq. 13-15):
 *     dc/dt = 1/r^2 d/dr( r^2 M(c) dmu/dr ),
 *     mu = mu_h(c) - kappa lap(c) + B (c - c_mean),      mu_h(c) = -F U_h(c / c_max),
 *     dmu/dr = dc/dr = 0 at r = 0;  -M dmu/dr = j and dc/dr = s_w at r = R.
 * Shells as for Fick (particle_fick.c): V_k dc_k/dt = A_k-1/2 N_k-1/2 - A_k+1/2 N_k+1/2 with
 * N = -M_face (mu_k+1 - mu_k)/(r_k+1 - r_k), M_face the closure's mean of the two shells' M
 * (arithmetic for darken, geometric for per_phase: src/cell/particle.c); the
 * outermost face carries j, so the content changes by exactly -4 pi R^2 j.  The Laplacian is
 * the same finite-volume divergence applied to c:
 *     lap_k = [A_k+1/2 (c_k+1 - c_k)/h_k+1/2 - A_k-1/2 (c_k - c_k-1)/h_k-1/2] / V_k,
 * with A_N+1/2 s_w at the surface.  mu is algebraic.
 *
 * Bounded formulation (numerics.phasefield_variable: logit): each shell also carries the
 * logit z of its site fraction, tied to the conserved content by c = c_max sigma(z)
 * (algebraic), and every nonlinear function of the composition (U_h, M) is read at
 * sigma(z), which lies in (0, 1) for any iterate; c stays the differential unknown, so the
 * content is conserved exactly as before.  No continuation of U_h is needed. */
#include "residual.h"

/* The composition shell k's mobility is read at: c_k, or (bounded) c_max sigma(z_k).  *col is
 * the unknown it depends on, *dc its derivative by that unknown (0 beyond sigma's held range,
 * where the residual holds it too). */
static double mobility_arg(const upscale_electrode *el, const double *y, int o, int zo, int k,
                           int *col, double *dc)
{
    if (zo < 0) {
        *col = o + k;
        *dc = 1.0;
        return y[o + k];
    }
    double ds, ex, s = upscale_particle_sigmoid(y[zo + k], &ds, &ex);
    *col = zo + k;
    *dc = ex != 0.0 ? 0.0 : el->cmax * ds;
    return el->cmax * s;
}

/* Shell k's mobility M and *dm = dM/dc with the column and factor of mobility_arg: from the
 * kept partials kp (when not NULL) or evaluated. */
static double shell_mobility(const upscale_electrode *el, const double *y, int o, int zo, int k,
                             double rt, const double *kp, int *col, double *dc, double *dm)
{
    double arg = mobility_arg(el, y, o, zo, k, col, dc);
    if (kp) {
        *dm = kp[3 * k + 2];
        return kp[3 * k + 1];
    }
    return el->mobility(el, arg, rt, dm);
}

/* Mean concentration of the particle (volume-weighted; vp is the particle's measure). */
static double mean_conc(const double *c, const double *vol, int nr, double vp)
{
    double s = 0.0;
    for (int k = 0; k < nr; k++)
        s += c[k] * vol[k];
    return s / vp;
}

/* The partials the residual keeps for the Jacobian at the same state (m->kinetics after the
 * rate law's 8 per node): per shell dU_h, M and dM (by the unknown mobility_arg names). */
static double *kept_partials(const upscale_model *m)
{
    return m->kinetics + 8 * (size_t)m->layout->nx;
}

static int residual(const upscale_model *m, double t, const double *y, const double *yp, double *r)
{
    const upscale_layout *L = m->layout;
    const double rt = UPSCALE_GAS * m->cell.temperature, F = m->cell.faraday;
    double *kp = kept_partials(m);
    for (int ix = 0; ix < L->nx; ix++) {
        if (L->mu[ix] < 0) continue;
        const upscale_electrode *el = node_electrode(m, ix);
        int g = L->region[ix], nr = L->nr[g], o = L->cs[ix], u = L->mu[ix];
        const double *rc = m->rc[g], *af = m->af[g], *vol = m->vol[g], *c = y + o;
        const int zo = L->z[ix];
        double cbar = mean_conc(c, vol, nr, m->vp[g]);
        for (int k = 0; k < nr; k++) {
            double du, uh, ds;
            r[o + k] = yp[o + k];
            if (zo >= 0) {
                /* c = c_max sigma(z); U_h read at sigma(z) */
                double ex, sk = upscale_particle_sigmoid(y[zo + k], &ds, &ex);
                r[zo + k] = c[k] / el->cmax - sk - ds * ex;
                uh = upscale_ch_ocp(el, sk, &du);
                uh += du * ds * ex;
            } else {
                double sk = c[k] / el->cmax;
                if (!(sk > -UPSCALE_CH_OUTSIDE && sk < 1 + UPSCALE_CH_OUTSIDE)) return 1;
                uh = upscale_ch_homogeneous_potential(el, sk, &du);
            }
            r[u + k] = y[u + k] + F * uh - el->coherency * (c[k] - cbar);
            kp[3 * k] = du;
        }
        int col;
        double dc, ml = el->mobility(el, mobility_arg(el, y, o, zo, 0, &col, &dc), rt, &kp[2]);
        kp[1] = ml;
        for (int k = 0; k + 1 < nr; k++) {
            double *kr = kp + 3 * (k + 1);
            double mr = el->mobility(el, mobility_arg(el, y, o, zo, k + 1, &col, &dc), rt, &kr[2]);
            kr[1] = mr;
            double h = rc[k + 1] - rc[k], A = af[k + 1];
            double dl, dr, N = -el->face_mobility(ml, mr, &dl, &dr) * (y[u + k + 1] - y[u + k]) / h;
            r[o + k] += A * N / vol[k];
            r[o + k + 1] -= A * N / vol[k + 1];
            /* kappa lap(c) enters mu = ... - kappa lap(c): r_mu += kappa lap. */
            double G = A * (c[k + 1] - c[k]) / h;
            r[u + k] += el->kappa * G / vol[k];
            r[u + k + 1] -= el->kappa * G / vol[k + 1];
            ml = mr;
        }
        r[o + nr - 1] += af[nr] * y[L->j[ix]] / vol[nr - 1];
        r[u + nr - 1] += el->kappa * af[nr] * el->wetting_slope / vol[nr - 1];
        kp += 3 * nr;
    }
    return 0;
}

static void jacobian(const upscale_model *m, double t, double cj, const double *y, const double *yp,
                     upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    const double rt = UPSCALE_GAS * m->cell.temperature, F = m->cell.faraday;
    /* At the state of the last residual (m->kinetics_reuse) its dU_h, M and dM, the identical
     * numbers; else evaluated here. */
    const double *kp = kept_partials(m);
    const int reuse = m->kinetics_reuse;
    for (int ix = 0; ix < L->nx; ix++) {
        if (L->mu[ix] < 0) continue;
        const upscale_electrode *el = node_electrode(m, ix);
        int g = L->region[ix], nr = L->nr[g], o = L->cs[ix], u = L->mu[ix];
        const double *rc = m->rc[g], *af = m->af[g], *vol = m->vol[g], *c = y + o;
        const int zo = L->z[ix];
        double w = 1.0 / m->vp[g];
        for (int k = 0; k < nr; k++) {
            double du;
            upscale_jac_add(J, o + k, o + k, cj);
            upscale_jac_add(J, u + k, u + k, 1.0);
            if (zo >= 0) {
                double ds, ex, sk = upscale_particle_sigmoid(y[zo + k], &ds, &ex);
                if (reuse)
                    du = kp[3 * k];
                else
                    upscale_ch_ocp(el, sk, &du);
                upscale_jac_add(J, zo + k, o + k, 1.0 / el->cmax);
                upscale_jac_add(J, zo + k, zo + k, -ds);
                upscale_jac_add(J, u + k, zo + k, F * du * ds);
                upscale_jac_add(J, u + k, o + k, -el->coherency);
            } else if (reuse) {
                du = kp[3 * k];
                upscale_jac_add(J, u + k, o + k, F * du / el->cmax - el->coherency);
            } else {
                upscale_ch_homogeneous_potential(el, c[k] / el->cmax, &du);
                upscale_jac_add(J, u + k, o + k, F * du / el->cmax - el->coherency);
            }
            /* d(c_mean)/dc_l = vol_l / V: a dense block when the coherency term is on. */
            if (el->coherency != 0.0)
                for (int l = 0; l < nr; l++)
                    upscale_jac_add(J, u + k, o + l, el->coherency * vol[l] * w);
        }
        int lcol, rcol;
        double lfac, rfac, dml,
            ml = shell_mobility(el, y, o, zo, 0, rt, reuse ? kp : NULL, &lcol, &lfac, &dml);
        for (int k = 0; k + 1 < nr; k++) {
            double dmr,
                mr = shell_mobility(el, y, o, zo, k + 1, rt, reuse ? kp : NULL, &rcol, &rfac, &dmr);
            double h = rc[k + 1] - rc[k], A = af[k + 1];
            double dmu = y[u + k + 1] - y[u + k];
            /* N = -M_face(ml, mr) dmu / h */
            double dl, dr, mf = el->face_mobility(ml, mr, &dl, &dr);
            double dN_ul = mf / h, dN_ur = -dN_ul;
            double dN_cl = -dl * dml * lfac * dmu / h, dN_cr = -dr * dmr * rfac * dmu / h;
            int cols[4] = {u + k, u + k + 1, lcol, rcol};
            double dN[4] = {dN_ul, dN_ur, dN_cl, dN_cr};
            for (int q = 0; q < 4; q++) {
                upscale_jac_add(J, o + k, cols[q], A * dN[q] / vol[k]);
                upscale_jac_add(J, o + k + 1, cols[q], -A * dN[q] / vol[k + 1]);
            }
            double dG = el->kappa * A / h;
            upscale_jac_add(J, u + k, o + k + 1, dG / vol[k]);
            upscale_jac_add(J, u + k, o + k, -dG / vol[k]);
            upscale_jac_add(J, u + k + 1, o + k + 1, -dG / vol[k + 1]);
            upscale_jac_add(J, u + k + 1, o + k, dG / vol[k + 1]);
            ml = mr;
            dml = dmr;
            lcol = rcol;
            lfac = rfac;
        }
        upscale_jac_add(J, o + nr - 1, L->j[ix], af[nr] / vol[nr - 1]);
        kp += 3 * nr;
    }
}

const upscale_kernel upscale_kernel_particle_cahn_hilliard = {"particle_cahn_hilliard", residual,
                                                              jacobian};
