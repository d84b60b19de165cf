/* Intercalation host with a Redlich-Kister free energy: x mobile ions per formula unit on
 * s sites per formula unit (site fraction y = x/s), ideal configurational entropy on the
 * sites and a sub-regular excess with temperature-dependent coefficients.  Per site, eV:
 *     g_site(y, T) = kT [y ln y + (1 - y) ln(1 - y)] + y (1 - y) sum_i L_i(T) (2y - 1)^i,
 *     L_i(T) = L_a[i] + L_b[i] T;
 * per formula unit, with the reference energy E0 (eV per ion, against the metal):
 *     G(x, T) = x E0 + s g_site(x/s, T)                                 eV per f.u.
 *     mu_h(x, T) = dG/dx = E0 + kT ln(y/(1 - y)) + d/dy[y (1 - y) sum_i L_i (2y - 1)^i]
 *                                                                       eV per ion
 *     U(x, T) = -mu_h(x, T)/e                                           V against the metal.
 * SI adapters (for upscale_thermo of phasefield.h), with n the formula units per m^3 and
 * N_A Avogadro's number: c = x n/N_A (mol/m^3), mu = F mu_h (J/mol), g = e n G (J/m^3).
 *
 * The MnFePBA coefficients (params/mnfepba_surrogate.yaml) are a surrogate fitted by
 * postproc/fit_mnfepba_surrogate.py to features published by Yang et al. (binodals, mixing
 * energy, average voltage); they are not computed from atoms.  Reading the file is the
 * caller's job: this module takes the coefficients as a plain struct. */
#ifndef UPSCALE_RK_MATERIAL_H
#define UPSCALE_RK_MATERIAL_H

#include "upscale/error.h"
#include "upscale/phasefield.h"

#define UPSCALE_RK_MAX_TERMS 8

typedef struct {
    int nterms;                       /* Redlich-Kister terms L_0 .. L_{nterms-1}, 1..8 */
    double L_a[UPSCALE_RK_MAX_TERMS]; /* eV per site */
    double L_b[UPSCALE_RK_MAX_TERMS]; /* eV per site per K */
    double reference_energy;          /* E0, eV per ion, against the metal */
    double sites_per_fu;              /* s: x runs over (0, s) */
    double fu_density;                /* formula units per m^3 */
    double T_min, T_max;              /* K, where the coefficients were fitted (0: not stated) */
} upscale_rk_material;

/* Validate (nterms, s > 0, density > 0, finite coefficients): UPSCALE_ERR_INPUT with a
 * message naming the field. */
upscale_err upscale_rk_material_check(const upscale_rk_material *m);

/* mu_h(x, T) in eV per ion; *dmu_dx (eV per ion per unit x) if not NULL.  0 < x < s. */
double upscale_rk_material_mu(const upscale_rk_material *m, double x, double T, double *dmu_dx);
/* G(x, T) in eV per formula unit, 0 <= x <= s (0 ln 0 = 0). */
double upscale_rk_material_g(const upscale_rk_material *m, double x, double T);
/* U(x, T) = -mu_h/e in V; *dU_dx if not NULL. */
double upscale_rk_material_ocv(const upscale_rk_material *m, double x, double T, double *dU_dx);
/* The material at one temperature, for many evaluations: L_i(T) and kT computed once by
 * upscale_rk_material_at (f keeps m, which must outlive it); upscale_rk_material_ocv_at(f, x)
 * gives upscale_rk_material_ocv(m, x, T) bit for bit, *dU_dx always. */
typedef struct {
    const upscale_rk_material *material;
    double T, kT;                   /* K; kT in eV */
    double L[UPSCALE_RK_MAX_TERMS]; /* L_i(T), eV per site */
} upscale_rk_material_fixed;
void upscale_rk_material_at(const upscale_rk_material *m, double T, upscale_rk_material_fixed *f);
double upscale_rk_material_ocv_at(const upscale_rk_material_fixed *f, double x, double *dU_dx);
/* c_max = s n / N_A, mol/m^3 (concentration at x = s). */
double upscale_rk_material_cmax(const upscale_rk_material *m);

/* The adapter's context: the material and the temperature.  Owned by the caller; must
 * outlive the upscale_thermo that points at it. */
typedef struct {
    const upscale_rk_material *material;
    double T; /* K */
} upscale_rk_material_state;

/* Fill *th with SI callbacks (c mol/m^3, mu J/mol, g J/m^3) on (0, c_max) for temperature
 * T, using *state (set here) as context. */
upscale_err upscale_rk_material_thermo(const upscale_rk_material *m, double T,
                                       upscale_rk_material_state *state, upscale_thermo *th);

#endif
