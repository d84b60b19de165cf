/* The direct linear solver of cells with 2D particles: the particles' blocks are factored one
 * by one (KLU each, distributed over the ranks of a communicator) and the electrode-scale
 * unknowns solved through their Schur complement (KLU), so the step stays one implicit,
 * monolithic Newton iteration however the particles are spread over ranks.
 *
 * With A = [A_EE A_EP; A_PE A_PP], A_PP block diagonal (one block per particle, layout
 * upscale_layout_block2d), the blocks coupled to the electrode only through a few columns
 * (phi_s, phi_e, c_e of their node) and rows (the node's mean flux j):
 *     setup:  W_b = A_PP,b^-1 A_PE,b        S = A_EE - sum_b A_EP,b W_b
 *     solve:  y_b = A_PP,b^-1 r_b,  S x_E = r_E - sum_b A_EP,b y_b,  x_b = y_b - W_b x_E
 * Every rank keeps the whole vector and runs the same IDA (docs/numerics.md, "2D particles in
 * the cell"); a rank factors and solves only its own particles and the ranks exchange the
 * products (comm->allgatherv), so all ranks hold bit-identical iterates. */
#ifndef UPSCALE_SCHUR_H
#define UPSCALE_SCHUR_H

#include <sundials/sundials_linearsolver.h>

#include "upscale/layout.h"
#include "upscale/solver.h"

/* A linear solver for IDA on the CSR matrix of layout L (the pattern of L->rowptr/colind).
 * comm NULL: one process.  NULL on failure (memory, or a block coupled to another block). */
SUNLinearSolver upscale_schur_create(const upscale_layout *L, const upscale_comm *comm,
                                     SUNContext ctx);

/* The nodes whose particles rank comm->rank owns, [*lo, *hi) (comm NULL: all). */
void upscale_schur_own_nodes(const upscale_layout *L, const upscale_comm *comm, int *lo, int *hi);
/* Every rank's blocks of v (the rows of its own particles) to every rank, and the ranks'
 * statuses combined: 0 if all were 0, else 1; -1 if the exchange failed. */
int upscale_schur_gather(SUNLinearSolver LS, double *v, int status);

#endif
