/* The particles' blocks factored one by one, the electrode scale through its Schur complement
 * (include/upscale/schur.h).  KLU factors CSC matrices; the CSR rows of a block (or of S) read
 * as CSC columns are its transpose, so the solves are klu_tsolve.  Each block is ordered by
 * nested dissection of its (r, theta) grid (2.0-2.7x less time than AMD at 64 and 128 polar
 * cells, docs/numerics.md); S by AMD. */
#include "upscale/schur.h"

#include <klu.h>
#include <nvector/nvector_serial.h>
#include <stdlib.h>
#include <string.h>
#include <sunmatrix/sunmatrix_sparse.h>

typedef struct {
    int start, n;        /* the block's unknowns: start .. start + n - 1 */
    int ner, nec;        /* electrode rows reading the block, electrode columns it reads */
    int *erow, *ecol;    /* their indices in the full system */
    int *bp, *bi, *bsrc; /* A_PP in CSR (n + 1, nnz) and each entry's index in A */
    double *bx;          /* its values */
    int npe, *pe_row, *pe_col, *pe_src; /* A_PE: block row, ecol slot, index in A */
    int nep, *ep_row, *ep_col, *ep_src; /* A_EP: erow slot, block column, index in A */
    int *sdst;                          /* ner x nec: where each product lands in S's values */
    double *W;                          /* n x nec, column-major: A_PP^-1 A_PE */
    double *y;                          /* n: work */
    int *perm; /* fill-reducing ordering of the block (nested dissection) */
    klu_symbolic *sym;
    klu_numeric *num;
} block;

typedef struct {
    int n, nb, ne; /* unknowns, blocks, electrode unknowns */
    block *b;
    int *eidx, *efull; /* full -> electrode index (-1 in a block); electrode -> full */
    int *sp, *si, *ssrc, *sdst, nee; /* S in CSR over E; A's E-E entries (index, S slot) */
    double *sx, *xe;
    klu_symbolic *ssym;
    klu_numeric *snum;
    klu_common common;
    upscale_comm comm;
    int b0, b1;          /* this rank's blocks */
    int *cnt, *dsp;      /* gather counts and offsets per rank */
    double *send, *recv; /* gather buffers */
    long lastflag;
} schur;

static int serial_allgatherv(void *ctx, const double *send, int nsend, double *recv,
                             const int *counts, const int *displs)
{
    (void)ctx, (void)counts, (void)displs;
    if (send != recv) memmove(recv, send, sizeof(double) * nsend);
    return 0;
}

/* The first of nb blocks that rank q of size owns: contiguous ranges, as even as the
 * division allows. */
static int share(int nb, int q, int size)
{
    return (int)((long)nb * q / size);
}

static int first_block(const schur *s, int q)
{
    return share(s->nb, q, s->comm.size);
}

/* All ranks' per-block values: each block b contributes per(b) doubles, packed in block order
 * in s->send for this rank's blocks, s->recv for all (plus one status per rank first). */
static int gather(schur *s, int (*per)(const block *), int status, int *all_status)
{
    int tot = 0;
    for (int q = 0; q < s->comm.size; q++) {
        int c = 1;
        for (int b = first_block(s, q); b < first_block(s, q + 1); b++)
            c += per(&s->b[b]);
        s->cnt[q] = c;
        s->dsp[q] = tot;
        tot += c;
    }
    memmove(s->send + 1, s->send, sizeof(double) * (s->cnt[s->comm.rank] - 1));
    s->send[0] = status;
    if (s->comm.allgatherv(s->comm.ctx, s->send, s->cnt[s->comm.rank], s->recv, s->cnt, s->dsp))
        return -1;
    *all_status = 0;
    for (int q = 0; q < s->comm.size; q++)
        if (s->recv[s->dsp[q]] != 0) *all_status = 1;
    return 0;
}

static int per_products(const block *b)
{
    return b->ner * b->nec;
}
static int per_rows(const block *b)
{
    return b->ner;
}
static int per_block(const block *b)
{
    return b->n;
}

/* Walks the gathered values block by block: next(s, &w, per) is block w.k's, skipping the
 * per-rank status words (w starts as {0, -1, NULL}). */
typedef struct {
    int k, q;
    const double *p;
} walk;

static const double *next(const schur *s, walk *w, int (*per)(const block *))
{
    while (w->k >= first_block(s, w->q + 1)) {
        w->q++;
        w->p = s->recv + s->dsp[w->q] + 1;
    }
    const double *r = w->p;
    w->p += per(&s->b[w->k++]);
    return r;
}

/* Nested dissection of a block's (r, theta) grid: the two halves of the longer side first,
 * each in turn, then the line between them; a surface cell's flux j_k goes with the cell, the
 * mean composition (coupled to every cell) last.  Cells (i, k) are the layout's pairs c, mu at
 * 2 (k nr + i). */
static void dissect(int i0, int i1, int k0, int k1, int nr, int *perm, int *m)
{
    int di = i1 - i0, dk = k1 - k0;
    if (di <= 0 || dk <= 0) return;
    if (di * dk <= 8) {
        for (int k = k0; k < k1; k++)
            for (int i = i0; i < i1; i++) {
                perm[(*m)++] = 2 * (k * nr + i);
                perm[(*m)++] = 2 * (k * nr + i) + 1;
            }
        return;
    }
    if (di >= dk) {
        int s = (i0 + i1) / 2;
        dissect(i0, s, k0, k1, nr, perm, m);
        dissect(s + 1, i1, k0, k1, nr, perm, m);
        for (int k = k0; k < k1; k++) {
            perm[(*m)++] = 2 * (k * nr + s);
            perm[(*m)++] = 2 * (k * nr + s) + 1;
        }
    } else {
        int s = (k0 + k1) / 2;
        dissect(i0, i1, k0, s, nr, perm, m);
        dissect(i0, i1, s + 1, k1, nr, perm, m);
        for (int i = i0; i < i1; i++) {
            perm[(*m)++] = 2 * (s * nr + i);
            perm[(*m)++] = 2 * (s * nr + i) + 1;
        }
    }
}

/* The block's ordering: the grid dissected, each j_k right after its surface cell. */
static int order_block(block *b, int nr, int nt)
{
    int *grid = malloc(sizeof(int) * 2 * nr * nt);
    b->perm = malloc(sizeof(int) * b->n);
    if (!grid || !b->perm) {
        free(grid);
        return 1;
    }
    int m = 0, q = 0;
    dissect(0, nr, 0, nt, nr, grid, &m);
    for (int e = 0; e < m; e += 2) {
        b->perm[q++] = grid[e];
        b->perm[q++] = grid[e + 1];
        int cell = grid[e] / 2, i = cell % nr, k = cell / nr;
        if (i == nr - 1) b->perm[q++] = 2 * nr * nt + k;
    }
    b->perm[q++] = 2 * nr * nt + nt;
    free(grid);
    return q != b->n;
}

/* Factor (or refactor with the previous pivots, falling back to a full factorisation when
 * the estimate of the reciprocal condition number falls below ~1e-11, as SUNDIALS' KLU
 * module does) the CSR matrix (p, i, x) of order n.  0 on success. */
static int factor(klu_symbolic **sym, klu_numeric **num, int n, int *p, int *i, double *x,
                  const int *perm, klu_common *c)
{
    if (!*sym && perm) {
        int btf = c->btf;
        c->btf = 0;
        *sym = klu_analyze_given(n, p, i, (int *)perm, (int *)perm, c);
        c->btf = btf;
    }
    if (!*sym) *sym = klu_analyze(n, p, i, c);
    if (!*sym) return 1;
    if (*num) {
        if (klu_refactor(p, i, x, *sym, *num, c) && klu_rcond(*sym, *num, c) && c->rcond > 1e-11)
            return 0;
        klu_free_numeric(num, c);
    }
    *num = klu_factor(p, i, x, *sym, c);
    return *num ? 0 : 1;
}

static SUNLinearSolver_Type get_type(SUNLinearSolver LS)
{
    return SUNLINEARSOLVER_DIRECT;
}

static SUNLinearSolver_ID get_id(SUNLinearSolver LS)
{
    return SUNLINEARSOLVER_CUSTOM;
}

static int initialize(SUNLinearSolver LS)
{
    return SUNLS_SUCCESS;
}

/* W_b and the products A_EP,b W_b of this rank's blocks; every rank assembles and factors S. */
static int setup(SUNLinearSolver LS, SUNMatrix A)
{
    schur *s = LS->content;
    const double *ax = SUNSparseMatrix_Data(A);
    int bad = 0;
    double *out = s->send;
    for (int k = s->b0; k < s->b1; k++) {
        block *b = &s->b[k];
        for (int e = 0; e < b->bp[b->n]; e++)
            b->bx[e] = ax[b->bsrc[e]];
        if (!bad) bad = factor(&b->sym, &b->num, b->n, b->bp, b->bi, b->bx, b->perm, &s->common);
        memset(b->W, 0, sizeof(double) * b->n * b->nec);
        for (int e = 0; e < b->npe; e++)
            b->W[b->pe_col[e] * b->n + b->pe_row[e]] = ax[b->pe_src[e]];
        if (!bad && b->nec && !klu_tsolve(b->sym, b->num, b->n, b->nec, b->W, &s->common)) bad = 1;
        double *prod = out;
        memset(prod, 0, sizeof(double) * b->ner * b->nec);
        for (int e = 0; e < b->nep; e++)
            for (int c = 0; c < b->nec; c++)
                prod[b->ep_row[e] * b->nec + c] += ax[b->ep_src[e]] * b->W[c * b->n + b->ep_col[e]];
        out += b->ner * b->nec;
    }
    int any;
    if (gather(s, per_products, bad, &any)) return SUNLS_PACKAGE_FAIL_UNREC;
    if (any) return s->lastflag = SUNLS_PACKAGE_FAIL_REC;
    memset(s->sx, 0, sizeof(double) * s->sp[s->ne]);
    for (int e = 0; e < s->nee; e++)
        s->sx[s->sdst[e]] += ax[s->ssrc[e]];
    walk w = {0, -1, NULL};
    for (int k = 0; k < s->nb; k++) {
        const block *b = &s->b[k];
        const double *prod = next(s, &w, per_products);
        for (int r = 0; r < b->ner * b->nec; r++)
            s->sx[b->sdst[r]] -= prod[r];
    }
    if (factor(&s->ssym, &s->snum, s->ne, s->sp, s->si, s->sx, NULL, &s->common))
        return s->lastflag = SUNLS_PACKAGE_FAIL_REC;
    return s->lastflag = SUNLS_SUCCESS;
}

/* Pack this rank's blocks of v, exchange, unpack everyone's (one process: nothing to do). */
static int exchange_blocks(schur *s, double *v, int status, int *any)
{
    if (s->comm.size == 1) {
        *any = status != 0;
        return 0;
    }
    double *out = s->send;
    for (int k = s->b0; k < s->b1; k++) {
        memcpy(out, v + s->b[k].start, sizeof(double) * s->b[k].n);
        out += s->b[k].n;
    }
    if (gather(s, per_block, status, any)) return -1;
    walk w = {0, -1, NULL};
    for (int k = 0; k < s->nb; k++)
        memcpy(v + s->b[k].start, next(s, &w, per_block), sizeof(double) * s->b[k].n);
    return 0;
}

static int solve(SUNLinearSolver LS, SUNMatrix A, N_Vector xv, N_Vector bv, realtype tol)
{
    schur *s = LS->content;
    const double *ax = SUNSparseMatrix_Data(A), *rhs = N_VGetArrayPointer(bv);
    double *x = N_VGetArrayPointer(xv);
    /* y_b = A_PP,b^-1 r_b and the rows A_EP,b y_b of this rank's blocks */
    int bad = 0;
    double *out = s->send;
    for (int k = s->b0; k < s->b1; k++) {
        block *b = &s->b[k];
        memcpy(b->y, rhs + b->start, sizeof(double) * b->n);
        if (!klu_tsolve(b->sym, b->num, b->n, 1, b->y, &s->common)) bad = 1;
        memset(out, 0, sizeof(double) * b->ner);
        for (int e = 0; e < b->nep; e++)
            out[b->ep_row[e]] += ax[b->ep_src[e]] * b->y[b->ep_col[e]];
        out += b->ner;
    }
    int any;
    if (gather(s, per_rows, bad, &any)) return SUNLS_PACKAGE_FAIL_UNREC;
    if (any) return s->lastflag = SUNLS_PACKAGE_FAIL_REC;
    /* S x_E = r_E - sum_b A_EP,b y_b */
    for (int e = 0; e < s->ne; e++)
        s->xe[e] = rhs[s->efull[e]];
    walk w = {0, -1, NULL};
    for (int k = 0; k < s->nb; k++) {
        const block *b = &s->b[k];
        const double *t = next(s, &w, per_rows);
        for (int r = 0; r < b->ner; r++)
            s->xe[s->eidx[b->erow[r]]] -= t[r];
    }
    if (!klu_tsolve(s->ssym, s->snum, s->ne, 1, s->xe, &s->common))
        return s->lastflag = SUNLS_PACKAGE_FAIL_REC;
    /* x_b = y_b - W_b x_E, then every rank gets every block */
    for (int k = s->b0; k < s->b1; k++) {
        const block *b = &s->b[k];
        double *xb = x + b->start;
        memcpy(xb, b->y, sizeof(double) * b->n);
        for (int c = 0; c < b->nec; c++) {
            const double xc = s->xe[s->eidx[b->ecol[c]]], *wc = b->W + c * b->n;
            for (int i = 0; i < b->n; i++)
                xb[i] -= wc[i] * xc;
        }
    }
    if (exchange_blocks(s, x, 0, &any)) return SUNLS_PACKAGE_FAIL_UNREC;
    for (int e = 0; e < s->ne; e++)
        x[s->efull[e]] = s->xe[e];
    return s->lastflag = SUNLS_SUCCESS;
}

int upscale_schur_gather(SUNLinearSolver LS, double *v, int status)
{
    int any;
    if (exchange_blocks(LS->content, v, status, &any)) return -1;
    return any;
}

void upscale_schur_own_nodes(const upscale_layout *L, const upscale_comm *comm, int *lo, int *hi)
{
    int nb = 0, size = comm ? comm->size : 1, rank = comm ? comm->rank : 0;
    for (int ix = 0; ix < L->nx; ix++)
        nb += L->nt[L->region[ix]] > 0;
    int b0 = share(nb, rank, size), b1 = share(nb, rank + 1, size);
    *lo = *hi = L->nx;
    for (int ix = 0, b = 0; ix < L->nx; ix++) {
        if (L->nt[L->region[ix]] == 0) continue;
        if (b == b0) *lo = ix;
        if (b == b1 - 1) *hi = ix + 1;
        b++;
    }
    if (b1 <= b0) *lo = *hi = L->nx;
}

static sunindextype last_flag(SUNLinearSolver LS)
{
    return ((schur *)LS->content)->lastflag;
}

static void free_block(block *b, klu_common *c)
{
    free(b->erow), free(b->ecol), free(b->bp), free(b->bi), free(b->bsrc), free(b->bx);
    free(b->pe_row), free(b->pe_col), free(b->pe_src);
    free(b->ep_row), free(b->ep_col), free(b->ep_src);
    free(b->sdst), free(b->W), free(b->y), free(b->perm);
    if (b->num) klu_free_numeric(&b->num, c);
    if (b->sym) klu_free_symbolic(&b->sym, c);
}

static int free_solver(SUNLinearSolver LS)
{
    if (!LS) return SUNLS_SUCCESS;
    schur *s = LS->content;
    if (s) {
        for (int k = 0; s->b && k < s->nb; k++)
            free_block(&s->b[k], &s->common);
        free(s->b), free(s->eidx), free(s->efull);
        free(s->sp), free(s->si), free(s->ssrc), free(s->sdst), free(s->sx), free(s->xe);
        if (s->snum) klu_free_numeric(&s->snum, &s->common);
        if (s->ssym) klu_free_symbolic(&s->ssym, &s->common);
        free(s->cnt), free(s->dsp), free(s->send), free(s->recv);
        free(s);
    }
    LS->content = NULL;
    SUNLinSolFreeEmpty(LS);
    return SUNLS_SUCCESS;
}

/* Index of v in the sorted list a[0 .. n), or -1. */
static int find(const int *a, int n, int v)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (a[mid] == v) return mid;
        if (a[mid] < v)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Sort and drop repeats; returns the new length. */
static int unique(int *a, int n)
{
    qsort(a, n, sizeof(int), cmp_int);
    int m = 0;
    for (int k = 0; k < n; k++)
        if (m == 0 || a[k] != a[m - 1]) a[m++] = a[k];
    return m;
}

/* The block's pieces of the pattern: A_PP (CSR), A_PE, and the electrode columns it reads.
 * 0 on success, 1 if the block reads another block or memory runs out. */
static int build_block(block *b, const upscale_layout *L, const int *owner, int self)
{
    int s0 = b->start, n = b->n, nnz = L->rowptr[s0 + n] - L->rowptr[s0];
    b->bp = calloc(n + 1, sizeof(int));
    b->bi = malloc(sizeof(int) * nnz);
    b->bsrc = malloc(sizeof(int) * nnz);
    b->bx = malloc(sizeof(double) * nnz);
    b->pe_row = malloc(sizeof(int) * nnz);
    b->pe_col = malloc(sizeof(int) * nnz);
    b->pe_src = malloc(sizeof(int) * nnz);
    b->ecol = malloc(sizeof(int) * nnz);
    b->y = malloc(sizeof(double) * n);
    if (!b->bp || !b->bi || !b->bsrc || !b->bx || !b->pe_row || !b->pe_col || !b->pe_src ||
        !b->ecol || !b->y)
        return 1;
    int m = 0;
    b->npe = b->nec = 0;
    for (int r = 0; r < n; r++) {
        for (int k = L->rowptr[s0 + r]; k < L->rowptr[s0 + r + 1]; k++) {
            int c = L->colind[k];
            if (owner[c] == self) {
                b->bi[m] = c - s0;
                b->bsrc[m++] = k;
            } else if (owner[c] >= 0) {
                return 1;
            } else {
                b->pe_row[b->npe] = r;
                b->pe_col[b->npe] = c;
                b->pe_src[b->npe++] = k;
                b->ecol[b->nec++] = c;
            }
        }
        b->bp[r + 1] = m;
    }
    b->nec = unique(b->ecol, b->nec);
    for (int e = 0; e < b->npe; e++)
        b->pe_col[e] = find(b->ecol, b->nec, b->pe_col[e]);
    b->W = malloc(sizeof(double) * n * (b->nec ? b->nec : 1));
    return b->W == NULL;
}

SUNLinearSolver upscale_schur_create(const upscale_layout *L, const upscale_comm *comm,
                                     SUNContext ctx)
{
    SUNLinearSolver LS = SUNLinSolNewEmpty(ctx);
    schur *s = LS ? calloc(1, sizeof(*s)) : NULL;
    if (!s) {
        SUNLinSolFreeEmpty(LS);
        return NULL;
    }
    LS->content = s;
    LS->ops->gettype = get_type;
    LS->ops->getid = get_id;
    LS->ops->initialize = initialize;
    LS->ops->setup = setup;
    LS->ops->solve = solve;
    LS->ops->lastflag = last_flag;
    LS->ops->free = free_solver;
    s->comm = comm ? *comm : (upscale_comm){0, 1, serial_allgatherv, NULL};
    klu_defaults(&s->common);
    s->common.ordering = 0; /* AMD */
    int n = s->n = L->n;
    for (int ix = 0; ix < L->nx; ix++)
        s->nb += L->nt[L->region[ix]] > 0;
    s->b = calloc(s->nb ? s->nb : 1, sizeof(block));
    int *owner = malloc(sizeof(int) * n);
    s->eidx = malloc(sizeof(int) * n);
    s->efull = malloc(sizeof(int) * n);
    s->cnt = malloc(sizeof(int) * s->comm.size);
    s->dsp = malloc(sizeof(int) * s->comm.size);
    int ok = s->b && owner && s->eidx && s->efull && s->cnt && s->dsp;
    for (int i = 0; ok && i < n; i++)
        owner[i] = -1;
    for (int ix = 0, k = 0; ok && ix < L->nx; ix++) {
        int g = L->region[ix];
        if (L->nt[g] == 0) continue;
        s->b[k].start = L->cs[ix];
        s->b[k].n = upscale_layout_block2d(L, g);
        if (order_block(&s->b[k], L->nr[g], L->nt[g])) ok = 0;
        for (int i = 0; i < s->b[k].n; i++)
            owner[s->b[k].start + i] = k;
        k++;
    }
    for (int i = 0; ok && i < n; i++) {
        s->eidx[i] = owner[i] < 0 ? s->ne : -1;
        if (owner[i] < 0) s->efull[s->ne++] = i;
    }
    for (int k = 0; ok && k < s->nb; k++)
        ok = !build_block(&s->b[k], L, owner, k);
    /* A_EP: the electrode rows reading each block, and the pattern of S: A_EE plus, for each
     * block, its rows x its columns. */
    int *pairs = NULL, np = 0, cap = 0;
    for (int e = 0; ok && e < s->ne; e++) {
        int r = s->efull[e];
        for (int k = L->rowptr[r]; ok && k < L->rowptr[r + 1]; k++) {
            int c = L->colind[k], o = owner[c];
            if (o < 0) continue;
            block *b = &s->b[o];
            if (!b->ep_row) {
                b->ep_row = malloc(sizeof(int) * (L->nnz + 1));
                b->ep_col = malloc(sizeof(int) * (L->nnz + 1));
                b->ep_src = malloc(sizeof(int) * (L->nnz + 1));
                b->erow = malloc(sizeof(int) * (s->ne + 1));
                if (!b->ep_row || !b->ep_col || !b->ep_src || !b->erow) ok = 0;
                if (!ok) break;
            }
            if (b->ner == 0 || b->erow[b->ner - 1] != r) b->erow[b->ner++] = r;
            b->ep_row[b->nep] = b->ner - 1;
            b->ep_col[b->nep] = c - b->start;
            b->ep_src[b->nep++] = k;
        }
    }
    for (int pass = 0; ok && pass < 2; pass++) {
        np = 0;
        for (int e = 0; e < s->ne; e++) {
            int r = s->efull[e];
            for (int k = L->rowptr[r]; k < L->rowptr[r + 1]; k++)
                if (owner[L->colind[k]] < 0) {
                    if (pass) pairs[2 * np] = e, pairs[2 * np + 1] = s->eidx[L->colind[k]];
                    np++;
                }
        }
        for (int k = 0; k < s->nb; k++)
            for (int r = 0; r < s->b[k].ner; r++)
                for (int c = 0; c < s->b[k].nec; c++) {
                    if (pass)
                        pairs[2 * np] = s->eidx[s->b[k].erow[r]],
                                  pairs[2 * np + 1] = s->eidx[s->b[k].ecol[c]];
                    np++;
                }
        if (!pass) {
            cap = np;
            pairs = malloc(sizeof(int) * 2 * (cap ? cap : 1));
            ok = pairs != NULL;
        }
    }
    /* CSR of S: count per row, sort each row's columns, drop repeats */
    if (ok) {
        s->sp = calloc(s->ne + 1, sizeof(int));
        s->si = malloc(sizeof(int) * (np ? np : 1));
        ok = s->sp && s->si;
    }
    if (ok) {
        for (int k = 0; k < np; k++)
            s->sp[pairs[2 * k] + 1]++;
        for (int e = 0; e < s->ne; e++)
            s->sp[e + 1] += s->sp[e];
        int *fill = calloc((size_t)s->ne + 1, sizeof(int));
        ok = fill != NULL;
        for (int k = 0; ok && k < np; k++)
            s->si[s->sp[pairs[2 * k]] + fill[pairs[2 * k]]++] = pairs[2 * k + 1];
        int m = 0;
        for (int e = 0; ok && e < s->ne; e++) {
            int len = unique(s->si + s->sp[e], s->sp[e + 1] - s->sp[e]);
            memmove(s->si + m, s->si + s->sp[e], sizeof(int) * len);
            s->sp[e] = m;
            m += len;
        }
        if (ok) s->sp[s->ne] = m;
        free(fill);
    }
    free(pairs);
    /* where A's E-E entries and each block's products land in S */
    if (ok) {
        s->ssrc = malloc(sizeof(int) * (L->nnz + 1));
        s->sdst = malloc(sizeof(int) * (L->nnz + 1));
        s->sx = malloc(sizeof(double) * (s->sp[s->ne] + 1));
        s->xe = malloc(sizeof(double) * (s->ne + 1));
        ok = s->ssrc && s->sdst && s->sx && s->xe;
    }
    for (int e = 0; ok && e < s->ne; e++) {
        int r = s->efull[e];
        for (int k = L->rowptr[r]; k < L->rowptr[r + 1]; k++)
            if (owner[L->colind[k]] < 0) {
                s->ssrc[s->nee] = k;
                s->sdst[s->nee++] = s->sp[e] + find(s->si + s->sp[e], s->sp[e + 1] - s->sp[e],
                                                    s->eidx[L->colind[k]]);
            }
    }
    size_t most = 1;
    for (int k = 0; ok && k < s->nb; k++) {
        block *b = &s->b[k];
        b->sdst = malloc(sizeof(int) * (b->ner * b->nec + 1));
        ok = b->sdst != NULL;
        for (int r = 0; ok && r < b->ner; r++) {
            int e = s->eidx[b->erow[r]];
            for (int c = 0; c < b->nec; c++)
                b->sdst[r * b->nec + c] =
                    s->sp[e] + find(s->si + s->sp[e], s->sp[e + 1] - s->sp[e], s->eidx[b->ecol[c]]);
        }
        most += (size_t)b->n + b->ner * b->nec + b->ner + 1;
    }
    free(owner);
    s->b0 = first_block(s, s->comm.rank);
    s->b1 = first_block(s, s->comm.rank + 1);
    if (ok) {
        s->send = malloc(sizeof(double) * (most + s->comm.size));
        s->recv = malloc(sizeof(double) * (most + s->comm.size));
        ok = s->send && s->recv;
    }
    if (!ok) {
        free_solver(LS);
        return NULL;
    }
    return LS;
}
