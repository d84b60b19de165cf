/* Interface rate laws, registered by name.  A law gives the molar flux j (mol/m^2/s, > 0
 * for de-insertion) from the electrolyte concentration, the particle-surface concentration
 * and the overpotential (and, for laws whose exchange current depends on the activity of the
 * inserted species, the surface's equilibrium potential U), with its partial derivatives.
 * Each law states the unit of its rate parameter (the electrode's `rate_constant` key). */
#ifndef UPSCALE_KINETICS_H
#define UPSCALE_KINETICS_H

typedef struct {
    double j;                       /* mol/m^2/s */
    double dj_dce, dj_dcs, dj_deta; /* partial derivatives */
    double dj_du;                   /* partial w.r.t. U at fixed eta (0 for most laws) */
} upscale_rate;

/* What a law needs besides (c_e, c_ss, eta). */
typedef struct {
    double k, dk_dcs;        /* rate parameter at c_ss (Arrhenius factor included), d/dc_ss */
    double cmax;             /* particle saturation concentration, mol/m^3 */
    double ce_ref;           /* reference electrolyte concentration, mol/m^3 */
    double alpha_a, alpha_c; /* transfer coefficients */
    double f_rt;             /* F / R T, 1/V */
    double faraday;          /* C/mol */
    /* The equilibrium potential the surface shows (V): U(c_ss / c_max) for Fick, -mu_R / F
     * for Cahn-Hilliard (mu_R the variational chemical potential); and the electrode's
     * reference potential U(1/2), which defines the activity a_R = exp(-F (U - u_ref) / RT). */
    double u, u_ref;
} upscale_rate_params;

typedef struct {
    const char *name;
    const char *citation;
    const char *k_unit; /* SI unit of the rate parameter */
    void (*eval)(const upscale_rate_params *p, double ce, double cs, double eta, upscale_rate *out);
} upscale_rate_law;

const upscale_rate_law *upscale_rate_law_find(const char *name);
const char *const *upscale_rate_law_names(void);

#endif
