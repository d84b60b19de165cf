/* Rate-law registry. */
#include "upscale/kinetics.h"

#include <math.h>
#include <string.h>

/* Butler-Volmer with the Newman exchange current (Doyle, Fuller, Newman, J. Electrochem.
 * Soc. 140 (1993) 1526):
 *   i0 = F k c_e^aa (c_max - c_s)^aa c_s^ac,   j = i0/F [exp(aa f eta) - exp(-ac f eta)],
 * f = F/RT, c_e in mol/m^3 (not normalised), k in m^2.5 mol^-0.5 s^-1 for aa = ac = 1/2. */
static void newman_bv(const upscale_rate_params *p, double ce, double cs, double eta,
                      upscale_rate *out)
{
    double aa = p->alpha_a, ac = p->alpha_c, room = p->cmax - cs;
    double g =
        aa == 0.5 && ac == 0.5 ? sqrt(ce * room * cs) : pow(ce, aa) * pow(room, aa) * pow(cs, ac);
    double ea = exp(aa * p->f_rt * eta), ec = exp(-ac * p->f_rt * eta);
    double s = ea - ec, i0f = p->k * g; /* i0 / F */
    out->j = i0f * s;
    out->dj_deta = i0f * p->f_rt * (aa * ea + ac * ec);
    out->dj_dce = out->j * aa / ce;
    out->dj_dcs = (p->dk_dcs * g + i0f * (ac / cs - aa / room)) * s;
}

/* The rate law of Yang et al. (paper eq. 29), symmetric, with a constant exchange current
 * density j0 (A/m^2) scaled by the square root of the electrolyte concentration:
 *   i = j0 sqrt(c_e / c_e,ref) [exp(f eta / 2) - exp(-f eta / 2)],   j = i / F. */
static void yang_bv(const upscale_rate_params *p, double ce, double cs, double eta,
                    upscale_rate *out)
{
    double q = sqrt(ce / p->ce_ref), ea = exp(0.5 * p->f_rt * eta), ec = 1.0 / ea;
    double a = p->k / p->faraday * q;
    out->j = a * (ea - ec);
    out->dj_deta = a * 0.5 * p->f_rt * (ea + ec);
    out->dj_dce = 0.5 * out->j / ce;
    out->dj_dcs = p->dk_dcs / p->faraday * q * (ea - ec);
    (void)cs;
}

static const upscale_rate_law laws[] = {
    {"newman", "Doyle, Fuller, Newman, J. Electrochem. Soc. 140 (1993) 1526", "m^2.5 mol^-0.5 s^-1",
     newman_bv},
    {"yang2025", "Yang, Woillez, Jacquet, Van Roekeghem (eq. 29): constant j0, sqrt(c_e/c_e0)",
     "A/m^2", yang_bv},
};

static const char *const names[] = {"newman", "yang2025", NULL};

const upscale_rate_law *upscale_rate_law_find(const char *name)
{
    for (size_t i = 0; i < sizeof(laws) / sizeof(laws[0]); i++)
        if (strcmp(laws[i].name, name) == 0) return &laws[i];
    return NULL;
}

const char *const *upscale_rate_law_names(void)
{
    return names;
}
