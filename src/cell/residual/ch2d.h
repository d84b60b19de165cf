/* Private to src/cell: the 2D (r, theta) Cahn-Hilliard particle's mesh and its discrete
 * equations on plain arrays, shared by the cell's kernel (particle_cahn_hilliard_2d.c, one
 * particle per electrode node, integrated with the cell by IDA) and the single particle on
 * PETSc (particle2d.c).  docs/model.md eq. 20-22, 24. */
#ifndef UPSCALE_CH2D_H
#define UPSCALE_CH2D_H

#include "residual.h"

/* Particle of region g of model m (its radial mesh, m->rf[g] ...) with nt polar cells and the
 * exchange anisotropy a of k0 (1 + a cos 2 theta). */
upscale_err upscale_ch2d_create(const upscale_model *m, int g, int nt, double a,
                                upscale_ch2d **out);
void upscale_ch2d_destroy(upscale_ch2d **g);

/* Unknowns of one particle (the layout's 2D block, upscale_layout_c2d ...): (c, mu) of cell
 * (i, k) at 2 (k nr + i), then j_k at 2 nr nt + k, then c_mean. */
static inline int upscale_ch2d_size(const upscale_ch2d *g)
{
    return 2 * g->nr * g->nt + g->nt + 1;
}

/* Columns outside the block that the surface rows depend on: the potential difference the
 * surface sees (phi_s - phi_e in the cell, phi against the bath in a single particle) and the
 * electrolyte concentration. */
enum { UPSCALE_CH2D_PHI = -1, UPSCALE_CH2D_CE = -2 };

/* Where Jacobian entries go: add(ctx, row, col, v) with row in the block and col in the block
 * or one of the two columns above. */
typedef struct {
    void (*add)(void *ctx, int row, int col, double v);
    void *ctx;
} upscale_ch2d_sink;

/* Residual of the block's rows (unscaled, into f[0 .. size)) and/or their Jacobian
 * dF/du + shift dF/du' (into J), at the surface potential difference phi and electrolyte
 * concentration ce:
 *     c rows   dc/dt - div(M grad mu)                       (mol/m^3/s)
 *     mu rows  mu - mu_h(c) + kappa lap(c) - B (c - c_mean)  (J/mol)
 *     j rows   j_k - law(c_e, c_ss, eta_k)                  (mol/m^2/s)
 *     c_mean   c_mean - sum c V / V_total                   (mol/m^3)
 * *flux = sum_k A_k j_k (mol/s, > 0 for sodium leaving).  f, J may be NULL.  Returns 1 for a
 * state outside the material's range, a non-positive ce or a non-finite rate. */
int upscale_ch2d_assemble(const upscale_ch2d *g, const upscale_model *m,
                          const upscale_electrode *el, const double *u, const double *ud,
                          double shift, double phi, double ce, double *f,
                          const upscale_ch2d_sink *J, double *flux);

/* Content sum c V (mol) and mean composition of a block u. */
double upscale_ch2d_content(const upscale_ch2d *g, const double *u);

#endif
