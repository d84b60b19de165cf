/* The layout of the unknown vector: the one place that knows every offset.
 *
 * Macro (x) nodes are numbered globally, negative | separator | positive (the negative
 * region is empty in a half cell).  Each electrode node stores, contiguously,
 *     c_s[0 .. nr-1]  [mu[0 .. nr-1] [z[0 .. nr-1]] | c_ss]  j  c_e  phi_e  phi_s
 * (mu, the chemical potential of each shell, only for Cahn-Hilliard particles; z, the logit
 * of each shell's site fraction, only for Cahn-Hilliard particles in the bounded formulation;
 * c_ss, the surface concentration, only for Fickian particles on finite volumes; a spectral
 * Fickian particle's last node is its surface, and ss points there) and each separator node
 * c_e  phi_e.  A node of a region with 2D (r, theta) Cahn-Hilliard particles (nt[g] > 0
 * polar cells) stores instead, from cs[ix],
 *     (c, mu) of each cell (shell i, polar cell k) at 2 (k nr + i)   j_0 .. j_nt-1   c_mean
 * (the surface flux of each polar cell and the particle's mean composition, the coherency
 * term's; upscale_layout_c2d and friends), then j (the mean flux), c_e, phi_e, phi_s; mu, z
 * and ss are -1 there.
 * After the nodes come the cell-level unknowns
 *     I (current density, A/m^2, > 0 on discharge)  V (terminal voltage)
 *     Q (charge passed, C/m^2, Q' = I)  [phi_e0: electrolyte potential at a metal
 *     counter electrode, half cell only].
 * Interleaving by node keeps each Jacobian row's columns close together.
 *
 * The layout also owns the differential/algebraic id vector and the Jacobian's sparsity
 * pattern (CSR).  The pattern is recorded once from the kernels' own Jacobian routines
 * run in record mode (upscale_jac_add stores positions, not values), so it cannot
 * disagree with what the kernels fill in. */
#ifndef UPSCALE_LAYOUT_H
#define UPSCALE_LAYOUT_H

#include <stddef.h>

#include "upscale/error.h"

enum { UPSCALE_NEG = 0, UPSCALE_SEP = 1, UPSCALE_POS = 2 };

typedef struct upscale_layout {
    int n;              /* number of unknowns */
    int nx;             /* macro nodes in all regions */
    int nx_region[3];   /* nodes per region */
    int x_begin[3];     /* first global node of each region */
    int nr[3];          /* particle shells per region (0 in the separator) */
    int *region;        /* region of each node */
    int *ce, *phie;     /* offsets per node */
    int *phis, *j, *cs; /* offsets per node, -1 in the separator; cs = shell 0 */
    int *mu;            /* chemical potential of shell 0, -1 unless Cahn-Hilliard */
    int *z;             /* logit of shell 0's site fraction, -1 unless bounded Cahn-Hilliard */
    int *ss;            /* surface concentration of a Fickian particle, -1 otherwise (a
                         * spectral particle's last node, cs + nr - 1) */
    int ch[3];          /* 1 if the region's particles are Cahn-Hilliard, 2 if bounded (z) */
    int sp[3];          /* 1 if the region's Fickian particles are spectral (nodes, no c_ss) */
    int nt[3];          /* polar cells of 2D particles, 0 for 1D (spherically symmetric) ones */
    int I, V, Q, phie0; /* cell-level unknowns; phie0 = -1 in a full cell */
    double *id;         /* 1 differential, 0 algebraic */
    /* CSR sparsity pattern of dF/dy + cj dF/dy'. */
    int nnz;
    int *rowptr, *colind;
} upscale_layout;

/* Lay out nx_region[3] nodes with nr[3] shells (nr[UPSCALE_SEP] ignored); ch[g] = 1 adds
 * a chemical potential per shell in region g, ch[g] = 0 a surface concentration per node
 * unless sp[g] = 1 (spectral nodes, the last one on the surface);
 * nt[g] > 0 (with ch[g] = 1) makes region g's particles 2D with nt[g] polar cells.
 * `counter` adds phi_e0 (a metal counter electrode); single-particle mode has no separator
 * node (nx_region[SEP] = 0). */
upscale_err upscale_layout_create(const int nx_region[3], const int nr[3], const int ch[3],
                                  const int sp[3], const int nt[3], int counter,
                                  upscale_layout **L);
void upscale_layout_destroy(upscale_layout **L);

/* The 2D particle block of region g: its length, and offsets within it of c (mu = c + 1) of
 * shell i in polar cell k, of the flux j_k of polar cell k, and of c_mean. */
static inline int upscale_layout_block2d(const upscale_layout *L, int g)
{
    return 2 * L->nr[g] * L->nt[g] + L->nt[g] + 1;
}
static inline int upscale_layout_c2d(const upscale_layout *L, int g, int i, int k)
{
    return 2 * (k * L->nr[g] + i);
}
static inline int upscale_layout_j2d(const upscale_layout *L, int g, int k)
{
    return 2 * L->nr[g] * L->nt[g] + k;
}
static inline int upscale_layout_mean2d(const upscale_layout *L, int g)
{
    return 2 * L->nr[g] * L->nt[g] + L->nt[g];
}
/* What an unknown is, for the solver's statistics of which unknown limits the steps
 * (upscale_layout_kinds; names in upscale_kind_names, as written to the output). */
typedef enum {
    UPSCALE_KIND_COMPOSITION, /* a particle shell's (or spectral node's) concentration */
    UPSCALE_KIND_POTENTIAL,   /* a Cahn-Hilliard shell's chemical potential mu, or z */
    UPSCALE_KIND_SURFACE,     /* a Fickian particle's surface concentration */
    UPSCALE_KIND_FLUX,        /* a node's reaction flux j */
    UPSCALE_KIND_ELECTROLYTE, /* electrolyte concentration */
    UPSCALE_KIND_PHI_E,       /* electrolyte potential */
    UPSCALE_KIND_PHI_S,       /* solid potential */
    UPSCALE_KIND_PARTICLE_2D, /* any unknown of a 2D particle's block */
    UPSCALE_KIND_CELL,        /* current, voltage, charge, counter-electrode potential */
    UPSCALE_KIND_COUNT
} upscale_kind;
extern const char *const upscale_kind_names[UPSCALE_KIND_COUNT];
/* kind[i] (L->n entries) = the upscale_kind of unknown i. */
void upscale_layout_kinds(const upscale_layout *L, unsigned char *kind);
/* Set mask[i] = 0 at every particle potential (mu, z, and the c_mean of 2D particles): the
 * unknowns upscale_solver leaves out of the error test on request. */
void upscale_layout_mask_particle_potentials(const upscale_layout *L, double *mask);

/* Jacobian accumulator: in record mode add() collects (row, col) pairs; in assemble mode
 * it adds v to the stored entry (searching the row's few columns). */
typedef struct upscale_jac {
    int record;
    const int *rowptr, *colind;
    double *val;
    int *pairs; /* record mode: 2 ints per pair */
    size_t npairs, cap;
    int missing; /* assemble mode: entries not in the pattern (a bug if > 0) */
} upscale_jac;

void upscale_jac_record_add(upscale_jac *J, int row, int col);

static inline void upscale_jac_add(upscale_jac *J, int row, int col, double v)
{
    if (J->record) {
        upscale_jac_record_add(J, row, col);
        return;
    }
    for (int k = J->rowptr[row]; k < J->rowptr[row + 1]; k++)
        if (J->colind[k] == col) {
            J->val[k] += v;
            return;
        }
    J->missing++;
}

/* Begin recording; finish by turning the recorded pairs into L's CSR pattern. */
void upscale_jac_record_begin(upscale_jac *J);
upscale_err upscale_layout_set_pattern(upscale_layout *L, upscale_jac *J);
/* Assemble mode onto values val[nnz] (zeroed here). */
void upscale_jac_assemble_begin(upscale_jac *J, const upscale_layout *L, double *val);

#endif
