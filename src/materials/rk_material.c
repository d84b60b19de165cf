/* Redlich-Kister intercalation free energy (see include/upscale/rk_material.h). */
#include "upscale/rk_material.h"

#include <math.h>

#include "upscale/constants.h"

/* L_i(T) = L_a[i] + L_b[i] T. */
static void rk_coefficients(const upscale_rk_material *m, double T, double *L)
{
    for (int i = 0; i < m->nterms; i++)
        L[i] = m->L_a[i] + m->L_b[i] * T;
}

/* P(s) = sum_i L_i s^i with s = 2y - 1, and P', P'' by Horner. */
static void rk_poly(int nterms, const double *L, double s, double *P, double *dP, double *d2P)
{
    double p = 0.0, dp = 0.0, d2p = 0.0;
    for (int i = nterms - 1; i >= 0; i--) {
        d2p = d2p * s + 2.0 * dp;
        dp = dp * s + p;
        p = p * s + L[i];
    }
    *P = p;
    *dP = dp;
    *d2P = d2p;
}

/* kT in eV: k_B/e = R/F. */
static double kT_eV(double T)
{
    return UPSCALE_GAS / UPSCALE_FARADAY * T;
}

upscale_err upscale_rk_material_check(const upscale_rk_material *m)
{
    UPSCALE_CHECK(m->nterms >= 1 && m->nterms <= UPSCALE_RK_MAX_TERMS, UPSCALE_ERR_INPUT,
                  "Redlich-Kister terms: %d, expected 1..%d", m->nterms, UPSCALE_RK_MAX_TERMS);
    for (int i = 0; i < m->nterms; i++)
        UPSCALE_CHECK(isfinite(m->L_a[i]) && isfinite(m->L_b[i]), UPSCALE_ERR_INPUT,
                      "Redlich-Kister coefficient L%d is not finite", i);
    UPSCALE_CHECK(isfinite(m->reference_energy), UPSCALE_ERR_INPUT,
                  "reference energy is not finite");
    UPSCALE_CHECK(m->sites_per_fu > 0.0 && isfinite(m->sites_per_fu), UPSCALE_ERR_INPUT,
                  "sites per formula unit %g must be > 0", m->sites_per_fu);
    UPSCALE_CHECK(m->fu_density > 0.0 && isfinite(m->fu_density), UPSCALE_ERR_INPUT,
                  "formula-unit density %g 1/m^3 must be > 0", m->fu_density);
    return UPSCALE_OK;
}

/* mu_h(x) with the coefficients L_i and kT at the temperature. */
static double rk_mu(const upscale_rk_material *m, const double *L, double kT, double x,
                    double *dmu_dx)
{
    double y = x / m->sites_per_fu, s = 2.0 * y - 1.0;
    double P, dP, d2P;
    rk_poly(m->nterms, L, s, &P, &dP, &d2P);
    /* h = (1 - s^2)/4 P:  dh/dy = -s P + (1 - s^2)/2 P',
     * d2h/dy2 = -2 P - 4 s P' + (1 - s^2) P''. */
    double dh = -s * P + 0.5 * (1.0 - s * s) * dP;
    if (dmu_dx) {
        double d2h = -2.0 * P - 4.0 * s * dP + (1.0 - s * s) * d2P;
        *dmu_dx = (kT / (y * (1.0 - y)) + d2h) / m->sites_per_fu;
    }
    /* mu_h = E0 + kT ln(y/(1-y)) + dh/dy (one logarithm of the ratio). */
    return m->reference_energy + kT * log(y / (1.0 - y)) + dh;
}

double upscale_rk_material_mu(const upscale_rk_material *m, double x, double T, double *dmu_dx)
{
    double L[UPSCALE_RK_MAX_TERMS];
    rk_coefficients(m, T, L);
    return rk_mu(m, L, kT_eV(T), x, dmu_dx);
}

void upscale_rk_material_at(const upscale_rk_material *m, double T, upscale_rk_material_fixed *f)
{
    f->material = m;
    f->T = T;
    f->kT = kT_eV(T);
    rk_coefficients(m, T, f->L);
}

double upscale_rk_material_ocv_at(const upscale_rk_material_fixed *f, double x, double *dU_dx)
{
    double d, mu = rk_mu(f->material, f->L, f->kT, x, &d);
    *dU_dx = -d;
    return -mu;
}

/* y ln y with 0 ln 0 = 0. */
static double xlogx(double y)
{
    return y > 0.0 ? y * log(y) : 0.0;
}

double upscale_rk_material_g(const upscale_rk_material *m, double x, double T)
{
    double y = x / m->sites_per_fu, s = 2.0 * y - 1.0;
    double L[UPSCALE_RK_MAX_TERMS], P, dP, d2P;
    rk_coefficients(m, T, L);
    rk_poly(m->nterms, L, s, &P, &dP, &d2P);
    /* G = x E0 + s_fu [kT (y ln y + (1-y) ln(1-y)) + y (1-y) P]. */
    double g_site = kT_eV(T) * (xlogx(y) + xlogx(1.0 - y)) + y * (1.0 - y) * P;
    return x * m->reference_energy + m->sites_per_fu * g_site;
}

double upscale_rk_material_ocv(const upscale_rk_material *m, double x, double T, double *dU_dx)
{
    double d;
    double mu = upscale_rk_material_mu(m, x, T, &d);
    if (dU_dx) *dU_dx = -d;
    return -mu;
}

double upscale_rk_material_cmax(const upscale_rk_material *m)
{
    return m->sites_per_fu * m->fu_density / UPSCALE_AVOGADRO;
}

/* SI callbacks: x = c N_A/n, mu = F mu_h, dmu/dc = F (dmu_h/dx) N_A/n, g = e n G. */
static double thermo_mu(double c, void *ctx, double *dmu_dc)
{
    const upscale_rk_material_state *st = ctx;
    const upscale_rk_material *m = st->material;
    double c_fu = m->fu_density / UPSCALE_AVOGADRO, d;
    double mu = upscale_rk_material_mu(m, c / c_fu, st->T, &d);
    *dmu_dc = UPSCALE_FARADAY * d / c_fu;
    return UPSCALE_FARADAY * mu;
}

static double thermo_g(double c, void *ctx)
{
    const upscale_rk_material_state *st = ctx;
    const upscale_rk_material *m = st->material;
    double c_fu = m->fu_density / UPSCALE_AVOGADRO;
    return UPSCALE_FARADAY * c_fu * upscale_rk_material_g(m, c / c_fu, st->T);
}

upscale_err upscale_rk_material_thermo(const upscale_rk_material *m, double T,
                                       upscale_rk_material_state *state, upscale_thermo *th)
{
    UPSCALE_CALL(upscale_rk_material_check(m));
    UPSCALE_CHECK(T > 0.0 && isfinite(T), UPSCALE_ERR_INPUT, "temperature %g K must be > 0", T);
    state->material = m;
    state->T = T;
    *th = (upscale_thermo){.mu = thermo_mu,
                           .g = thermo_g,
                           .ctx = state,
                           .c_lo = 0.0,
                           .c_hi = upscale_rk_material_cmax(m)};
    return UPSCALE_OK;
}
