/* The formula registry: closed-form material functions, each with its source.
 * Units: x in the registry's x_unit, y in y_unit (SI).  Each returns y and dy/dx. */
#include <math.h>
#include <string.h>

#include "upscale/function.h"

/* a tanh((s - b)/w) and its derivative a sech^2((s - b)/w) / w, accumulated.  Both from one
 * exponential e = exp(-2|z|): tanh|z| = (1 - e) / (1 + e), sech^2 z = 4 e / (1 + e)^2 (a third
 * of the cost of tanh and cosh; the OCPs are most of the residual's work).  Absolute error
 * ~1e-16 in tanh, relative ~1e-16 in sech^2. */
static void add_tanh(double s, double a, double b, double w, double *y, double *dy)
{
    double z = (s - b) / w;
    /* |z| > 19: e < 2^-54, tanh rounds to +-1 exactly; a sech^2 / w = 4 a e / w < 1.3e-16 a / w */
    if (fabs(z) > 19.0) {
        *y += z < 0 ? -a : a;
        return;
    }
    double e = exp(-2.0 * fabs(z)), q = 1.0 / (1.0 + e);
    double t = (1.0 - e) * q;
    *y += a * (z < 0 ? -t : t);
    *dy += a * 4.0 * e * q * q / w;
}

/* MCMB 2528 graphite OCP vs Li/Li+, s = stoichiometry.  DUALFOIL 5.1 (Doyle & Newman), as
 * used in M. Doyle, J. Newman et al., J. Electrochem. Soc. 143 (1996) 1890. */
static double graphite_ocp_dualfoil(double s, double *dy)
{
    double e = exp(-120.0 * s), y = 0.194 + 1.5 * e, d = -180.0 * e;
    add_tanh(s, 0.0351, 0.286, 0.083, &y, &d);
    add_tanh(s, -0.0045, 0.849, 0.119, &y, &d);
    add_tanh(s, -0.035, 0.9233, 0.05, &y, &d);
    add_tanh(s, -0.0147, 0.5, 0.034, &y, &d);
    add_tanh(s, -0.102, 0.194, 0.142, &y, &d);
    add_tanh(s, -0.022, 0.9, 0.0164, &y, &d);
    add_tanh(s, -0.011, 0.124, 0.0226, &y, &d);
    add_tanh(s, 0.0155, 0.105, 0.029, &y, &d);
    *dy = d;
    return y;
}

/* LiCoO2 OCP vs Li/Li+, s = stoichiometry.  DUALFOIL 5.1 (Doyle & Newman), J. Electrochem.
 * Soc. 143 (1996) 1890. */
static double licoo2_ocp_dualfoil(double s, double *dy)
{
    double y = 2.16216, d = 0.0;
    /* a tanh(b - c s) = -a tanh((s - b/c) / (1/c)) */
    add_tanh(s, -0.07645, 30.834 / 54.4806, 1.0 / 54.4806, &y, &d);
    add_tanh(s, -2.1581, 52.294 / 50.294, 1.0 / 50.294, &y, &d);
    add_tanh(s, 0.14169, 11.0923 / 19.8543, 1.0 / 19.8543, &y, &d);
    add_tanh(s, -0.2051, 1.4684 / 5.4888, 1.0 / 5.4888, &y, &d);
    add_tanh(s, -0.2531, 0.56478, 0.1316, &y, &d);
    add_tanh(s, -0.02167, 0.525, 0.006, &y, &d);
    *dy = d;
    return y;
}

/* LiPF6 in EC:DMC salt diffusivity D = 5.34e-10 exp(-0.65 c / 1000) m^2/s, c in mol/m^3.
 * Doyle et al., J. Electrochem. Soc. 143 (1996) 1890. */
static double lipf6_diffusivity_doyle1996(double c, double *dy)
{
    double y = 5.34e-10 * exp(-0.65e-3 * c);
    *dy = -0.65e-3 * y;
    return y;
}

/* LiPF6 in EC:DMC conductivity kappa = 0.0911 + 1.9101 u - 1.052 u^2 + 0.1554 u^3 S/m,
 * u = c / (1000 mol/m^3).  Doyle et al., J. Electrochem. Soc. 143 (1996) 1890. */
static double lipf6_conductivity_doyle1996(double c, double *dy)
{
    double u = 1e-3 * c;
    *dy = 1e-3 * (1.9101 - 2.0 * 1.052 * u + 3.0 * 0.1554 * u * u);
    return 0.0911 + 1.9101 * u - 1.052 * u * u + 0.1554 * u * u * u;
}

/* LiPF6 in PC:EC:DMC (10:27:63 by volume), K. Valoen and J.N. Reimers, J. Electrochem. Soc.
 * 152 (2005) A882; c_M = c / (1000 mol/m^3), T in K. */
static double valoen2005_diffusivity_t(double c, double T, double *dy)
{
    /* D = 1e-4 10^(-4.43 - 54 / (T - 229 - 5 c_M) - 0.22 c_M) m^2/s */
    double cm = 1e-3 * c, u = T - 229.0 - 5.0 * cm;
    double y = 1e-4 * pow(10.0, -4.43 - 54.0 / u - 0.22 * cm);
    *dy = y * log(10.0) * 1e-3 * (-54.0 * 5.0 / (u * u) - 0.22);
    return y;
}

static double valoen2005_conductivity_t(double c, double T, double *dy)
{
    /* kappa = 0.1 c_M P^2 S/m (c_M P^2 in mS/cm), P = -10.5 + 0.0740 T - 6.96e-5 T^2
     * + c_M (0.668 - 0.0178 T + 2.80e-5 T^2) + c_M^2 (0.494 - 8.86e-4 T) */
    double cm = 1e-3 * c;
    double a = -10.5 + 0.0740 * T - 6.96e-5 * T * T, b = 0.668 - 0.0178 * T + 2.80e-5 * T * T;
    double q = 0.494 - 8.86e-4 * T, P = a + b * cm + q * cm * cm;
    *dy = 0.1 * 1e-3 * (P * P + 2.0 * cm * P * (b + 2.0 * q * cm));
    return 0.1 * cm * P * P;
}

static double valoen2005_thermodynamic_factor_t(double c, double T, double *dy)
{
    /* (1 - t+)(1 + dln f/dln c) = 0.601 - 0.24 c_M^0.5 + 0.982 (1 - 0.0052 (T - 294)) c_M^1.5
     * with the paper's t+ = 0.38 */
    double cm = fmax(1e-3 * c, 1e-12), g = 0.982 * (1.0 - 0.0052 * (T - 294.0));
    *dy = 1e-3 * (-0.12 / sqrt(cm) + 1.5 * g * sqrt(cm)) / 0.62;
    return (0.601 - 0.24 * sqrt(cm) + g * cm * sqrt(cm)) / 0.62;
}

static double valoen2005_diffusivity(double c, double *dy)
{
    return valoen2005_diffusivity_t(c, 298.15, dy);
}

static double valoen2005_conductivity(double c, double *dy)
{
    return valoen2005_conductivity_t(c, 298.15, dy);
}

static double valoen2005_thermodynamic_factor(double c, double *dy)
{
    return valoen2005_thermodynamic_factor_t(c, 298.15, dy);
}

/* A symmetric regular solution for tests of phase-separating particles: homogeneous
 * potential U_h(s) = U0 - (RT/F) ln(s / (1 - s)) - (Omega/F) (1 - 2 s) with U0 = 3.4 V,
 * T = 298.15 K and Omega = 3 RT (miscibility gap 0.0707 < s < 0.9293, spinodals at
 * s = (1 +/- sqrt(1/3))/2).  Constructed, not measured: a test material. */
static double regular_solution_ocp(double s, double *dy)
{
    const double rt_f = 8.314462618 * 298.15 / 96485.33212, w = 3.0 * rt_f;
    *dy = -rt_f * (1.0 / s + 1.0 / (1.0 - s)) + 2.0 * w;
    return 3.4 - rt_f * log(s / (1.0 - s)) - w * (1.0 - 2.0 * s);
}

/* An ideal solution (the regular solution above with Omega = 0), for tests where a
 * Cahn-Hilliard particle with the darken mobility must reduce to Fickian diffusion with the
 * same D (M dmu_h/dc = D exactly).  Constructed, not measured: a test material. */
static double ideal_solution_ocp(double s, double *dy)
{
    const double rt_f = 8.314462618 * 298.15 / 96485.33212;
    *dy = -rt_f * (1.0 / s + 1.0 / (1.0 - s));
    return 3.4 - rt_f * log(s / (1.0 - s));
}

static const upscale_formula registry[] = {
    {"regular_solution_omega3_ocp", "1", "V",
     "test material: symmetric regular solution, Omega = 3 RT at 298.15 K, U0 = 3.4 V",
     regular_solution_ocp, NULL},
    {"ideal_solution_ocp", "1", "V", "test material: ideal solution at 298.15 K, U0 = 3.4 V",
     ideal_solution_ocp, NULL},
    {"graphite_ocp_dualfoil", "1", "V",
     "DUALFOIL 5.1 MCMB 2528 graphite; Doyle et al., J. Electrochem. Soc. 143 (1996) 1890",
     graphite_ocp_dualfoil, NULL},
    {"licoo2_ocp_dualfoil", "1", "V",
     "DUALFOIL 5.1 LiCoO2; Doyle et al., J. Electrochem. Soc. 143 (1996) 1890", licoo2_ocp_dualfoil,
     NULL},
    {"lipf6_ecdmc_diffusivity_doyle1996", "mol/m^3", "m^2/s",
     "Doyle et al., J. Electrochem. Soc. 143 (1996) 1890", lipf6_diffusivity_doyle1996, NULL},
    {"lipf6_ecdmc_conductivity_doyle1996", "mol/m^3", "S/m",
     "Doyle et al., J. Electrochem. Soc. 143 (1996) 1890", lipf6_conductivity_doyle1996, NULL},
    {"lipf6_pcecdmc_diffusivity_valoen2005", "mol/m^3", "m^2/s",
     "Valoen & Reimers, J. Electrochem. Soc. 152 (2005) A882 (at the cell temperature)",
     valoen2005_diffusivity, valoen2005_diffusivity_t},
    {"lipf6_pcecdmc_conductivity_valoen2005", "mol/m^3", "S/m",
     "Valoen & Reimers, J. Electrochem. Soc. 152 (2005) A882 (at the cell temperature)",
     valoen2005_conductivity, valoen2005_conductivity_t},
    {"lipf6_pcecdmc_thermodynamic_factor_valoen2005", "mol/m^3", "1",
     "Valoen & Reimers, J. Electrochem. Soc. 152 (2005) A882, with t+ = 0.38 (at the "
     "cell temperature)",
     valoen2005_thermodynamic_factor, valoen2005_thermodynamic_factor_t},
};

const upscale_formula *upscale_formula_find(const char *name)
{
    for (size_t i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
        if (strcmp(registry[i].name, name) == 0) return &registry[i];
    return NULL;
}

const upscale_formula *upscale_formula_list(size_t *n)
{
    *n = sizeof(registry) / sizeof(registry[0]);
    return registry;
}
