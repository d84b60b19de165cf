/* Rate-law registry. */
#include "upscale/kinetics.h"

#include <math.h>
#include <string.h>

/* Butler-Volmer with the Newman exchange current (Doyle, Fuller, Newman, J. Electrochem.
 * Soc. 140 (1993) 1526):
 *   i0 = F k c_e^aa (c_max - c_s)^aa c_s^ac,   j = i0/F [exp(aa f eta) - exp(-ac f eta)],
 * f = F/RT, c_e in mol/m^3 (not normalised), k in m^2.5 mol^-0.5 s^-1 for aa = ac = 1/2. */
static void newman_bv(double ce, double cs, double cmax, double eta, double k, double dk, double aa,
                      double ac, double f_rt, double faraday, upscale_rate *out)
{
    double room = cmax - cs;
    double g = pow(ce, aa) * pow(room, aa) * pow(cs, ac);
    double ea = exp(aa * f_rt * eta), ec = exp(-ac * f_rt * eta);
    double s = ea - ec;
    double i0f = k * g; /* i0 / F */
    (void)faraday;
    out->j = i0f * s;
    out->dj_deta = i0f * f_rt * (aa * ea + ac * ec);
    out->dj_dce = out->j * aa / ce;
    out->dj_dcs = (dk * g + i0f * (ac / cs - aa / room)) * s;
}

static const upscale_rate_law laws[] = {
    {"newman", "Doyle, Fuller, Newman, J. Electrochem. Soc. 140 (1993) 1526", newman_bv},
};

static const char *const names[] = {"newman", NULL};

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
