/* Private to the domain kernels: the kernel table and small shared evaluations. */
#ifndef UPSCALE_RESIDUAL_H
#define UPSCALE_RESIDUAL_H

#include <math.h>

#include "upscale/model.h"

extern const upscale_kernel upscale_kernel_electrolyte_salt;
extern const upscale_kernel upscale_kernel_electrolyte_charge;
extern const upscale_kernel upscale_kernel_solid_charge;
extern const upscale_kernel upscale_kernel_particle_fick;
extern const upscale_kernel upscale_kernel_particle_fick_spectral;
extern const upscale_kernel upscale_kernel_particle_cahn_hilliard;
extern const upscale_kernel upscale_kernel_particle_cahn_hilliard_2d;
extern const upscale_kernel upscale_kernel_interface_kinetics;
extern const upscale_kernel upscale_kernel_circuit_full;
extern const upscale_kernel upscale_kernel_circuit_half;
extern const upscale_kernel upscale_kernel_single_particle_bath;

/* The protocol's hold equation (docs/model.md eq. 10) and its Jacobian row (both columns
 * always in the pattern: what is held changes between steps). */
static inline double hold_target(const upscale_model *m, double t)
{
    if (!(m->ramp_tau > 0)) return m->setpoint;
    return m->setpoint + (m->ramp_from - m->setpoint) * exp(-(t - m->ramp_t0) / m->ramp_tau);
}

static inline double hold_residual(const upscale_model *m, double t, double I, double V)
{
    switch (m->hold) {
    case UPSCALE_HOLD_VOLTAGE:
        return V - hold_target(m, t);
    case UPSCALE_HOLD_POWER:
        return I * V - hold_target(m, t);
    default:
        return I - hold_target(m, t);
    }
}

static inline void hold_jacobian(const upscale_model *m, double I, double V, upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    double dI = m->hold == UPSCALE_HOLD_CURRENT ? 1.0 : (m->hold == UPSCALE_HOLD_POWER ? V : 0.0);
    double dV = m->hold == UPSCALE_HOLD_VOLTAGE ? 1.0 : (m->hold == UPSCALE_HOLD_POWER ? I : 0.0);
    upscale_jac_add(J, L->I, L->I, dI);
    upscale_jac_add(J, L->I, L->V, dV);
}

/* U_h(s) and dU_h/ds of a Cahn-Hilliard particle: el->ocp's numbers, for a Redlich-Kister
 * material straight from its coefficients at the cell temperature (particle.c's rk_ocp
 * without the calls in between). */
static inline double upscale_ch_ocp(const upscale_electrode *el, double s, double *du)
{
    if (!el->rk) return upscale_function_eval(el->ocp, s, du);
    double d, u = upscale_rk_material_ocv_at(&el->rk_at, s * el->rk->sites_per_fu, &d);
    *du = d * el->rk->sites_per_fu;
    return u;
}

/* U_h(s) of a Cahn-Hilliard particle, continued linearly beyond [EDGE, 1 - EDGE]: the
 * logarithmic barriers of a lattice model keep the solution inside, but Newton iterates and
 * tolerance-level excursions of an accepted step (the error test allows rtol x c_max) may step
 * a hair outside when the solution hugs a bound; they see a finite, monotone continuation
 * instead of NaN.  Excursions beyond OUTSIDE are rejected as a bad state (the residuals return
 * 1).  Used by the 1D kernel (particle_cahn_hilliard.c), the 2D particle (particle2d.c) and the
 * algebraic guess (model.c).
 * EDGE = 1e-6: the continuation's slope R T / (EDGE c_max) is the stiffness of mu in c of an
 * emptied (or filled) shell, as every shell is at the end of a charge, and it holds about
 * EDGE (1 + F dU / R T) of the capacity beyond the bound.  At 1e-7 Newton could not converge mu
 * there while the last core dissolved (11 of 20 charges of the paper cell with 100-600 shells
 * failed in the final rise, e.g. 400 shells at 35983 s); at 1e-6 all 20 and the 30-cell
 * 400-shell charges complete, in fewer steps; at 1e-5 the end of the last core crawls
 * (docs/numerics.md, "The final rise"). */
#define UPSCALE_CH_EDGE 1e-6
#define UPSCALE_CH_OUTSIDE 1e-2
static inline double upscale_ch_homogeneous_potential(const upscale_electrode *el, double s,
                                                      double *du)
{
    double b =
        s < UPSCALE_CH_EDGE ? UPSCALE_CH_EDGE : (s > 1 - UPSCALE_CH_EDGE ? 1 - UPSCALE_CH_EDGE : s);
    double u = upscale_ch_ocp(el, b, du);
    return u + *du * (s - b);
}

/* The equilibrium potential a Cahn-Hilliard surface shows (docs/model.md eq. 16): the
 * variational chemical potential extrapolated from the outer shell (composition cn, potential
 * mu_n, at depth h = R - r_N) to r = R along the flux j, mu_R = mu_n - j h / M(cn), and
 * U = -mu_R / F, with its partials by mu_n, j and cn.  The 1D kernel (interface_kinetics.c) and
 * the 2D particle (particle2d.c). */
static inline double upscale_ch_surface_potential(const upscale_electrode *el, double cn,
                                                  double mu_n, double j, double h, double rt,
                                                  double F, double *dU_dmu, double *dU_dj,
                                                  double *dU_dc)
{
    double dm, M = el->mobility(el, cn, rt, &dm);
    *dU_dmu = -1.0 / F;
    *dU_dj = h / (M * F);
    *dU_dc = -j * h * dm / (M * M * F);
    return -(mu_n - j * h / M) / F;
}

/* Site fraction of a bounded Cahn-Hilliard shell, sigma(z) = 1 / (1 + e^-z), and its
 * derivative, both at z held in [-700, 36]: beyond, sigma rounds to 0 or 1 in double
 * precision and U_h would be infinite.  *excess = z minus the held value: functions of the
 * composition continue linearly in z beyond (f(sigma) + f' sigma' excess), which keeps
 * residual and Jacobian consistent for iterates that far out. */
static inline double upscale_particle_sigmoid(double z, double *ds, double *excess)
{
    double zc = z > 36.0 ? 36.0 : (z < -700.0 ? -700.0 : z);
    double e = exp(-fabs(zc)), s = zc >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    *ds = e / ((1.0 + e) * (1.0 + e));
    *excess = z - zc;
    return s;
}

/* Electrode parameters of node ix (NULL in the separator). */
static inline const upscale_electrode *node_electrode(const upscale_model *m, int ix)
{
    int g = m->layout->region[ix];
    return g == UPSCALE_SEP ? NULL : &m->cell.el[g];
}

/* The rate law's parameters at a surface concentration cs with equilibrium potential u
 * (the kinetics kernel and the initial guess of model.c). */
static inline upscale_rate_params rate_params(const upscale_model *m, const upscale_electrode *el,
                                              double cs, double u)
{
    double dk, k = el->arr_k * upscale_function_eval(el->k, cs, &dk);
    return (upscale_rate_params){.k = k,
                                 .dk_dcs = dk * el->arr_k,
                                 .cmax = el->cmax,
                                 .ce_ref = m->cell.elyte.c0,
                                 .alpha_a = el->alpha_a,
                                 .alpha_c = el->alpha_c,
                                 .f_rt = 1.0 / m->thermal,
                                 .faraday = m->cell.faraday,
                                 .u = u,
                                 .u_ref = el->u_ref};
}

/* Effective salt diffusivity eps^b D(c) at node ix and its c-derivative. */
static inline double elyte_deff(const upscale_model *m, int ix, double c, double *dd)
{
    const upscale_electrolyte *e = &m->cell.elyte;
    double d, v = upscale_function_eval(e->diffusivity, c, &d);
    double f = m->epsb[ix] * e->arr_d;
    *dd = f * d;
    return f * v;
}

/* Effective conductivity eps^b kappa(c) at node ix and its c-derivative. */
static inline double elyte_keff(const upscale_model *m, int ix, double c, double *dk)
{
    const upscale_electrolyte *e = &m->cell.elyte;
    double d, v = upscale_function_eval(e->conductivity, c, &d);
    double f = m->epsb[ix] * e->arr_kappa;
    *dk = f * d;
    return f * v;
}

/* Diffusion-potential coefficient nu(c) = 2 (R T / F) (1 - t+(c)) (1 + dln f/dln c)(c)
 * (docs/model.md eq. 3) and its c-derivative. */
static inline double elyte_nu(const upscale_model *m, double c, double *dnu)
{
    const upscale_electrolyte *e = &m->cell.elyte;
    double dt, t = upscale_function_eval(e->tplus, c, &dt);
    double dg, g = upscale_function_eval(e->tdf, c, &dg);
    *dnu = 2.0 * m->thermal * (-dt * g + (1.0 - t) * dg);
    return 2.0 * m->thermal * (1.0 - t) * g;
}

/* Transmissibility 1/(a/p + b/q) of a face between two cells of half-widths a, b with
 * coefficients p, q, and its derivatives with respect to p and q. */
static inline double face_trans(double a, double p, double b, double q, double *dp, double *dq)
{
    double t = 1.0 / (a / p + b / q);
    *dp = t * t * a / (p * p);
    *dq = t * t * b / (q * q);
    return t;
}

/* One node's side of its electrolyte faces: c, ln c and eps^b kappa(c) with its
 * c-derivative, evaluated once per node for the faces on both sides. */
typedef struct {
    double c, lnc, k, dk;
} elyte_node;

static inline elyte_node elyte_node_at(const upscale_model *m, const double *y, int ix)
{
    elyte_node n;
    n.c = y[m->layout->ce[ix]];
    n.lnc = log(n.c);
    n.k = elyte_keff(m, ix, n.c, &n.dk);
    return n;
}

/* nu and dnu/dc once for all faces when t+ and the thermodynamic factor are constants
 * (into buf, returned); NULL when nu depends on c. */
static inline const double *elyte_nu_fixed(const upscale_model *m, double buf[2])
{
    const upscale_electrolyte *e = &m->cell.elyte;
    if (!upscale_function_is_constant(e->tplus) || !upscale_function_is_constant(e->tdf))
        return NULL;
    buf[0] = elyte_nu(m, e->c0, &buf[1]);
    return buf;
}

/* Electrolyte current through the face between nodes ix and ix + 1 (docs/numerics.md):
 *     i = -T [ (phi_R - phi_L) - nu(c_f) (ln c_R - ln c_L) ],   c_f = (c_L + c_R) / 2,
 * T the harmonic transmissibility of kappa_eff; l, r the two nodes (elyte_node_at), nu_fixed
 * from elyte_nu_fixed; d[0..3] = di/d(phi_L, phi_R, c_L, c_R). */
static inline double elyte_face_current_at(const upscale_model *m, const double *y, int ix,
                                           const elyte_node *l, const elyte_node *r,
                                           const double *nu_fixed, double d[4])
{
    const upscale_layout *L = m->layout;
    double dp, dq, dnu, v;
    double T = face_trans(0.5 * m->dx[ix], l->k, 0.5 * m->dx[ix + 1], r->k, &dp, &dq);
    if (nu_fixed) {
        v = nu_fixed[0];
        dnu = nu_fixed[1];
    } else {
        v = elyte_nu(m, 0.5 * (l->c + r->c), &dnu);
    }
    double dl = r->lnc - l->lnc;
    double G = (y[L->phie[ix + 1]] - y[L->phie[ix]]) - v * dl;
    d[0] = T;
    d[1] = -T;
    d[2] = -dp * l->dk * G - T * (-0.5 * dnu * dl + v / l->c);
    d[3] = -dq * r->dk * G - T * (-0.5 * dnu * dl - v / r->c);
    return -T * G;
}

/* The same for one face alone. */
static inline double elyte_face_current(const upscale_model *m, const double *y, int ix,
                                        double d[4])
{
    elyte_node l = elyte_node_at(m, y, ix), r = elyte_node_at(m, y, ix + 1);
    return elyte_face_current_at(m, y, ix, &l, &r, NULL, d);
}

#endif
