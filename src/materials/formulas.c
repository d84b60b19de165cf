/* The formula registry: closed-form material functions, each with its source.
 * Units: x in the registry's x_unit, y in y_unit (SI).  Each returns y and dy/dx. */
#include <math.h>
#include <string.h>

#include "upscale/function.h"

static double sech2(double z)
{
    double c = cosh(z);
    return 1.0 / (c * c);
}

/* a tanh((s - b)/w) and its derivative, accumulated. */
static void add_tanh(double s, double a, double b, double w, double *y, double *dy)
{
    double z = (s - b) / w;
    *y += a * tanh(z);
    *dy += a * sech2(z) / w;
}

/* MCMB 2528 graphite OCP vs Li/Li+, s = stoichiometry.  DUALFOIL 5.1 (Doyle & Newman), as
 * used in M. Doyle, J. Newman et al., J. Electrochem. Soc. 143 (1996) 1890. */
static double graphite_ocp_dualfoil(double s, double *dy)
{
    double y = 0.194 + 1.5 * exp(-120.0 * s), d = -180.0 * exp(-120.0 * s);
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
     regular_solution_ocp},
    {"ideal_solution_ocp", "1", "V", "test material: ideal solution at 298.15 K, U0 = 3.4 V",
     ideal_solution_ocp},
    {"graphite_ocp_dualfoil", "1", "V",
     "DUALFOIL 5.1 MCMB 2528 graphite; Doyle et al., J. Electrochem. Soc. 143 (1996) 1890",
     graphite_ocp_dualfoil},
    {"licoo2_ocp_dualfoil", "1", "V",
     "DUALFOIL 5.1 LiCoO2; Doyle et al., J. Electrochem. Soc. 143 (1996) 1890",
     licoo2_ocp_dualfoil},
    {"lipf6_ecdmc_diffusivity_doyle1996", "mol/m^3", "m^2/s",
     "Doyle et al., J. Electrochem. Soc. 143 (1996) 1890", lipf6_diffusivity_doyle1996},
    {"lipf6_ecdmc_conductivity_doyle1996", "mol/m^3", "S/m",
     "Doyle et al., J. Electrochem. Soc. 143 (1996) 1890", lipf6_conductivity_doyle1996},
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
