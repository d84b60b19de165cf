/* Interface rate laws, registered by name.  A law gives the molar flux j (mol/m^2/s, > 0
 * for de-insertion) from the electrolyte concentration, the particle-surface concentration
 * and the overpotential, with its partial derivatives. */
#ifndef UPSCALE_KINETICS_H
#define UPSCALE_KINETICS_H

typedef struct {
    double j;                       /* mol/m^2/s */
    double dj_dce, dj_dcs, dj_deta; /* partial derivatives */
} upscale_rate;

typedef struct {
    const char *name;
    const char *citation;
    /* k: rate constant (already with Arrhenius factor) at cs; dk: dk/dcs. */
    void (*eval)(double ce, double cs, double cmax, double eta, double k, double dk, double alpha_a,
                 double alpha_c, double f_rt, double faraday, upscale_rate *out);
} upscale_rate_law;

const upscale_rate_law *upscale_rate_law_find(const char *name);
const char *const *upscale_rate_law_names(void);

#endif
