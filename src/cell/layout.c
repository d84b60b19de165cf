/* Offsets, differential/algebraic flags and the sparsity pattern of the unknown vector. */
#include "upscale/layout.h"

#include <stdlib.h>
#include <string.h>

upscale_err upscale_layout_create(const int nx_region[3], const int nr[3], const int ch[3],
                                  const int sp[3], const int nt[3], int counter,
                                  upscale_layout **Lout)
{
    UPSCALE_CHECK(nx_region[UPSCALE_SEP] >= 0 && nx_region[UPSCALE_POS] >= 1 &&
                      nx_region[UPSCALE_NEG] >= 0,
                  UPSCALE_ERR_INTERNAL, "layout: bad node counts %d/%d/%d", nx_region[0],
                  nx_region[1], nx_region[2]);
    upscale_layout *L = calloc(1, sizeof(*L));
    UPSCALE_ALLOC_CHECK(L);
    L->nx = 0;
    for (int g = 0; g < 3; g++) {
        L->nx_region[g] = nx_region[g];
        L->x_begin[g] = L->nx;
        L->nx += nx_region[g];
        L->nr[g] = g == UPSCALE_SEP ? 0 : nr[g];
        L->ch[g] = g == UPSCALE_SEP ? 0 : ch[g];
        L->sp[g] = g == UPSCALE_SEP || ch[g] ? 0 : sp[g];
        L->nt[g] = g == UPSCALE_SEP || !ch[g] ? 0 : nt[g];
    }
    int nx = L->nx;
    L->region = malloc(sizeof(int) * nx);
    L->ce = malloc(sizeof(int) * nx);
    L->phie = malloc(sizeof(int) * nx);
    L->phis = malloc(sizeof(int) * nx);
    L->j = malloc(sizeof(int) * nx);
    L->cs = malloc(sizeof(int) * nx);
    L->mu = malloc(sizeof(int) * nx);
    L->ss = malloc(sizeof(int) * nx);
    L->z = malloc(sizeof(int) * nx);
    if (!L->region || !L->ce || !L->phie || !L->phis || !L->j || !L->cs || !L->mu || !L->ss ||
        !L->z) {
        upscale_layout_destroy(&L);
        UPSCALE_CHECK(0, UPSCALE_ERR_MEMORY, "out of memory");
    }
    int off = 0;
    for (int ix = 0; ix < nx; ix++) {
        int g = ix < L->x_begin[1] ? 0 : (ix < L->x_begin[2] ? 1 : 2);
        L->region[ix] = g;
        L->mu[ix] = L->ss[ix] = L->z[ix] = -1;
        if (g == UPSCALE_SEP) {
            L->cs[ix] = L->j[ix] = L->phis[ix] = -1;
        } else if (L->nt[g] > 0) {
            /* 2D particle: (c, mu) per cell, j per polar cell, c_mean (upscale_layout_c2d) */
            L->cs[ix] = off;
            off += upscale_layout_block2d(L, g);
            L->j[ix] = off++;
        } else {
            L->cs[ix] = off;
            off += L->nr[g];
            if (L->ch[g]) {
                L->mu[ix] = off;
                off += L->nr[g];
                if (L->ch[g] == 2) {
                    L->z[ix] = off;
                    off += L->nr[g];
                }
            } else {
                L->ss[ix] = L->sp[g] ? off - 1 : off++;
            }
            L->j[ix] = off++;
        }
        L->ce[ix] = off++;
        L->phie[ix] = off++;
        if (g != UPSCALE_SEP) L->phis[ix] = off++;
    }
    L->I = off++;
    L->V = off++;
    L->Q = off++;
    L->phie0 = counter ? off++ : -1;
    L->n = off;

    /* Differential: particle shells and surfaces, electrolyte concentration, charge passed. */
    L->id = calloc(L->n, sizeof(double));
    if (!L->id) {
        upscale_layout_destroy(&L);
        UPSCALE_CHECK(0, UPSCALE_ERR_MEMORY, "out of memory");
    }
    for (int ix = 0; ix < nx; ix++) {
        L->id[L->ce[ix]] = 1.0;
        int g = L->region[ix];
        if (L->nt[g] > 0) {
            for (int k = 0; k < L->nr[g] * L->nt[g]; k++)
                L->id[L->cs[ix] + 2 * k] = 1.0;
            continue;
        }
        for (int k = 0; k < L->nr[L->region[ix]]; k++)
            L->id[L->cs[ix] + k] = 1.0;
        if (L->ss[ix] >= 0) L->id[L->ss[ix]] = 1.0;
    }
    L->id[L->Q] = 1.0;
    *Lout = L;
    return UPSCALE_OK;
}

void upscale_layout_destroy(upscale_layout **L)
{
    if (!L || !*L) return;
    upscale_layout *l = *L;
    free(l->region);
    free(l->ce);
    free(l->phie);
    free(l->phis);
    free(l->j);
    free(l->cs);
    free(l->mu);
    free(l->ss);
    free(l->z);
    free(l->id);
    free(l->rowptr);
    free(l->colind);
    free(l);
    *L = NULL;
}

const char *const upscale_kind_names[UPSCALE_KIND_COUNT] = {"particle_composition",
                                                            "particle_potential",
                                                            "surface_concentration",
                                                            "reaction_flux",
                                                            "electrolyte_concentration",
                                                            "electrolyte_potential",
                                                            "solid_potential",
                                                            "particle_2d",
                                                            "cell"};

void upscale_layout_kinds(const upscale_layout *L, unsigned char *kind)
{
    memset(kind, UPSCALE_KIND_CELL, (size_t)L->n);
    for (int ix = 0; ix < L->nx; ix++) {
        int g = L->region[ix];
        kind[L->ce[ix]] = UPSCALE_KIND_ELECTROLYTE;
        kind[L->phie[ix]] = UPSCALE_KIND_PHI_E;
        if (g == UPSCALE_SEP) continue;
        kind[L->phis[ix]] = UPSCALE_KIND_PHI_S;
        kind[L->j[ix]] = UPSCALE_KIND_FLUX;
        if (L->nt[g] > 0) {
            memset(kind + L->cs[ix], UPSCALE_KIND_PARTICLE_2D,
                   (size_t)upscale_layout_block2d(L, g));
            continue;
        }
        memset(kind + L->cs[ix], UPSCALE_KIND_COMPOSITION, (size_t)L->nr[g]);
        if (L->mu[ix] >= 0) memset(kind + L->mu[ix], UPSCALE_KIND_POTENTIAL, (size_t)L->nr[g]);
        if (L->z[ix] >= 0) memset(kind + L->z[ix], UPSCALE_KIND_POTENTIAL, (size_t)L->nr[g]);
        if (L->ss[ix] >= 0) kind[L->ss[ix]] = UPSCALE_KIND_SURFACE;
    }
}

void upscale_layout_mask_particle_potentials(const upscale_layout *L, double *mask)
{
    for (int ix = 0; ix < L->nx; ix++) {
        int g = L->region[ix];
        if (L->nt[g] > 0) {
            for (int k = 0; k < L->nr[g] * L->nt[g]; k++)
                mask[L->cs[ix] + 2 * k + 1] = 0.0;
            mask[L->cs[ix] + upscale_layout_mean2d(L, g)] = 0.0;
            continue;
        }
        for (int k = 0; k < L->nr[g]; k++) {
            if (L->mu[ix] >= 0) mask[L->mu[ix] + k] = 0.0;
            if (L->z[ix] >= 0) mask[L->z[ix] + k] = 0.0;
        }
    }
}

void upscale_jac_record_begin(upscale_jac *J)
{
    memset(J, 0, sizeof(*J));
    J->record = 1;
}

void upscale_jac_record_add(upscale_jac *J, int row, int col)
{
    if (J->npairs == J->cap) {
        size_t cap = J->cap ? 2 * J->cap : 1024;
        int *p = realloc(J->pairs, 2 * cap * sizeof(int));
        if (!p) {
            J->missing++; /* reported by upscale_layout_set_pattern */
            return;
        }
        J->pairs = p;
        J->cap = cap;
    }
    J->pairs[2 * J->npairs] = row;
    J->pairs[2 * J->npairs + 1] = col;
    J->npairs++;
}

static int cmp_pair(const void *a, const void *b)
{
    const int *p = a, *q = b;
    if (p[0] != q[0]) return p[0] < q[0] ? -1 : 1;
    return (p[1] > q[1]) - (p[1] < q[1]);
}

upscale_err upscale_layout_set_pattern(upscale_layout *L, upscale_jac *J)
{
    UPSCALE_CHECK(J->missing == 0, UPSCALE_ERR_MEMORY, "out of memory recording the pattern");
    /* Every row needs its diagonal (IDA's id/constraint handling and KLU pivoting). */
    for (int i = 0; i < L->n; i++)
        upscale_jac_record_add(J, i, i);
    qsort(J->pairs, J->npairs, 2 * sizeof(int), cmp_pair);
    free(L->rowptr);
    free(L->colind);
    L->rowptr = calloc(L->n + 1, sizeof(int));
    L->colind = malloc(sizeof(int) * (J->npairs ? J->npairs : 1));
    UPSCALE_ALLOC_CHECK(L->rowptr && L->colind);
    int nnz = 0;
    for (size_t k = 0; k < J->npairs; k++) {
        int r = J->pairs[2 * k], c = J->pairs[2 * k + 1];
        UPSCALE_CHECK(r >= 0 && r < L->n && c >= 0 && c < L->n, UPSCALE_ERR_INTERNAL,
                      "Jacobian entry (%d, %d) outside %d unknowns", r, c, L->n);
        if (k > 0 && r == J->pairs[2 * k - 2] && c == J->pairs[2 * k - 1]) continue;
        L->colind[nnz++] = c;
        L->rowptr[r + 1] = nnz;
    }
    for (int i = 1; i <= L->n; i++)
        if (L->rowptr[i] < L->rowptr[i - 1]) L->rowptr[i] = L->rowptr[i - 1];
    L->nnz = nnz;
    free(J->pairs);
    memset(J, 0, sizeof(*J));
    return UPSCALE_OK;
}

void upscale_jac_assemble_begin(upscale_jac *J, const upscale_layout *L, double *val)
{
    memset(J, 0, sizeof(*J));
    J->rowptr = L->rowptr;
    J->colind = L->colind;
    J->val = val;
    memset(val, 0, sizeof(double) * (size_t)L->nnz);
}
