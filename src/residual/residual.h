/* Private to the domain kernels: the kernel table and small shared evaluations. */
#ifndef UPSCALE_RESIDUAL_H
#define UPSCALE_RESIDUAL_H

#include "upscale/model.h"

extern const upscale_kernel upscale_kernel_electrolyte_salt;
extern const upscale_kernel upscale_kernel_electrolyte_charge;
extern const upscale_kernel upscale_kernel_solid_charge;
extern const upscale_kernel upscale_kernel_particle_fick;
extern const upscale_kernel upscale_kernel_particle_cahn_hilliard;
extern const upscale_kernel upscale_kernel_interface_kinetics;
extern const upscale_kernel upscale_kernel_circuit_full;
extern const upscale_kernel upscale_kernel_circuit_half;
extern const upscale_kernel upscale_kernel_single_particle_bath;

/* Electrode parameters of node ix (NULL in the separator). */
static inline const upscale_electrode *node_electrode(const upscale_model *m, int ix)
{
    int g = m->layout->region[ix];
    return g == UPSCALE_SEP ? NULL : &m->cell.el[g];
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

/* Transmissibility 1/(a/p + b/q) of a face between two cells of half-widths a, b with
 * coefficients p, q, and its derivatives with respect to p and q. */
static inline double face_trans(double a, double p, double b, double q, double *dp, double *dq)
{
    double t = 1.0 / (a / p + b / q);
    *dp = t * t * a / (p * p);
    *dq = t * t * b / (q * q);
    return t;
}

#endif
