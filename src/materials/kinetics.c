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
    int half = aa == 0.5 && ac == 0.5;
    double g = half ? sqrt(ce * room * cs) : pow(ce, aa) * pow(room, aa) * pow(cs, ac);
    /* symmetric: exp(-f eta / 2) = 1 / exp(f eta / 2), one exponential */
    double ea = exp(aa * p->f_rt * eta), ec = half ? 1.0 / ea : exp(-ac * p->f_rt * eta);
    double s = ea - ec, i0f = p->k * g; /* i0 / F */
    out->j = i0f * s;
    out->dj_deta = i0f * p->f_rt * (aa * ea + ac * ec);
    out->dj_dce = out->j * aa / ce;
    out->dj_dcs = (p->dk_dcs * g + i0f * (ac / cs - aa / room)) * s;
    out->dj_du = 0.0;
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
    out->dj_du = 0.0;
    (void)cs;
}

/* Butler-Volmer on the variational chemical potential with the exchange current of Bazant's
 * lattice transition state (M. Z. Bazant, Acc. Chem. Res. 46 (2013) 1144, generalised
 * Butler-Volmer: i0 = k0 a_O^(1-a) a_R^a / gamma_TS with gamma_TS = 1 / (1 - c~) for a transition
 * state that excludes one site), as MPET implements it for Cahn-Hilliard particles (`rxnType: BV`,
 * mpet/electrode/reactions.py: ecd = k0 act_lyte^(1-alpha) act_R^alpha / gamma_ts,
 * act_R = exp(mu_R / kT) with mu_R the surface's variational potential without its standard
 * part; Smith and Bazant, J. Electrochem. Soc. 164 (2017) E3291).  In this project's signs (j > 0
 * de-insertion, a_c = MPET's alpha): a_R = exp(-f (U - U_ref)),   U = -mu_R / F,   U_ref = U(1/2),
 *   i0 = k0 (1 - c_s / c_max) (c_e / c_e0)^aa a_R^ac,   j = i0/F [exp(aa f eta) - exp(-ac f eta)],
 * k0 in A/m^2.  For an ideal solution a_R = s / (1 - s) and i0 = k0 s^ac (1 - s)^aa (c_e/c_e0)^aa,
 * the newman form. */
static void bazant_bv(const upscale_rate_params *p, double ce, double cs, double eta,
                      upscale_rate *out)
{
    double aa = p->alpha_a, ac = p->alpha_c, room = 1.0 - cs / p->cmax;
    if (!(room > 0)) {
        out->j = out->dj_deta = NAN;
        return;
    }
    double q = aa == 0.5 ? sqrt(ce / p->ce_ref) : pow(ce / p->ce_ref, aa);
    double ar = exp(-ac * p->f_rt * (p->u - p->u_ref)); /* a_R^ac */
    double ea = exp(aa * p->f_rt * eta), ec = exp(-ac * p->f_rt * eta), s = ea - ec;
    double g = room * q * ar / p->faraday; /* i0 / (F k0) */
    double i0f = p->k * g;
    out->j = i0f * s;
    out->dj_deta = i0f * p->f_rt * (aa * ea + ac * ec);
    out->dj_dce = aa * out->j / ce;
    out->dj_dcs = (p->dk_dcs * room - p->k / p->cmax) * q * ar / p->faraday * s;
    out->dj_du = -ac * p->f_rt * out->j;
}

static const upscale_rate_law laws[] = {
    {"newman", "Doyle, Fuller, Newman, J. Electrochem. Soc. 140 (1993) 1526", "m^2.5 mol^-0.5 s^-1",
     newman_bv},
    {"yang2025", "Yang, Woillez, Jacquet, Van Roekeghem (eq. 29): constant j0, sqrt(c_e/c_e0)",
     "A/m^2", yang_bv},
    {"bazant2013",
     "Bazant, Acc. Chem. Res. 46 (2013) 1144 (gamma_TS = 1/(1 - c)); MPET rxnType BV: "
     "i0 = k0 (1 - c/c_max) (c_e/c_e0)^aa exp(-ac F (U - U(1/2)) / RT)",
     "A/m^2", bazant_bv},
};

static const char *const names[] = {"newman", "yang2025", "bazant2013", NULL};

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
