/* The Schur-complement solver of cells with 2D particles (src/driver/schur.c) against the
 * matrix it solves: for the Jacobian of the MnFePBA | hard carbon cell with 2D particles at a
 * state across the miscibility gap (4 positive nodes, 6 shells x 4 polar cells, a = -0.4), and
 * right-hand sides of mixed sign and scale, the solution's componentwise backward error
 * max_i |A x - b|_i / (|A| |x| + |b|)_i is small (<= 1e-9 on this matrix in physical units,
 * whose rows differ by many orders of magnitude) and no larger than that of KLU on the whole
 * matrix, at two values of the Newton shift cj (the second a refactorisation with the first's
 * pivots). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_klu.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include "check.h"
#include "upscale/model.h"
#include "upscale/run.h"
#include "upscale/schur.h"

static double backward_error(const upscale_layout *L, const double *val, const double *x,
                             const double *b)
{
    double worst = 0.0;
    for (int i = 0; i < L->n; i++) {
        double r = -b[i], s = fabs(b[i]);
        for (int k = L->rowptr[i]; k < L->rowptr[i + 1]; k++) {
            r += val[k] * x[L->colind[k]];
            s += fabs(val[k] * x[L->colind[k]]);
        }
        worst = fmax(worst, fabs(r) / (s + 1e-300));
    }
    return worst;
}

int main(void)
{
    static const char *const sets[] = {
        "numerics.cells.negative=3",       "numerics.cells.separator=2",
        "numerics.cells.positive=4",       "numerics.shells.negative=4",
        "numerics.shells.positive=6",      "positive.particle_dimension=2",
        "numerics.polar_cells.positive=4", "positive.exchange_anisotropy=-0.4"};
    upscale_run_options opt = {
        .case_path = "cases/pba_hc_charge_0.1C.yaml", .overrides = sets, .noverrides = 8};
    upscale_params *p;
    upscale_model *m;
    CHECK_OK(upscale_run_load_params(&opt, &p));
    CHECK_OK(upscale_model_create(p, &m));
    if (!m) return CHECK_DONE();
    const upscale_layout *L = m->layout;
    int n = L->n;
    double *y = calloc(n, sizeof(double)), *yp = calloc(n, sizeof(double));
    upscale_model_rest_state(m, y, yp);
    upscale_model_guess_algebraic(m, 0.5 * m->scale[L->I], y);
    /* across the gap in every 2D particle; potentials and fluxes off equilibrium */
    for (int ix = 0; ix < L->nx; ix++) {
        int g = L->region[ix];
        if (L->nt[g] == 0) continue;
        double *blk = y + L->cs[ix], cm = m->cell.el[g].cmax;
        for (int t = 0; t < L->nt[g]; t++) {
            for (int k = 0; k < L->nr[g]; k++) {
                double *c = blk + upscale_layout_c2d(L, g, k, t);
                c[0] = cm * (0.5 + 0.45 * sin(0.4 * k + 0.9 * t + ix));
                c[1] += 300.0 * cos(0.7 * k + 0.2 * t + ix);
            }
            blk[upscale_layout_j2d(L, g, t)] = y[L->j[ix]] * (1.0 + 0.4 * sin(1.3 * t + ix));
        }
    }
    SUNContext ctx;
    CHECK(SUNContext_Create(NULL, &ctx) == 0, "SUNDIALS context");
    SUNMatrix A = SUNSparseMatrix(n, n, L->nnz, CSR_MAT, ctx);
    N_Vector x = N_VNew_Serial(n, ctx), b = N_VNew_Serial(n, ctx);
    SUNLinearSolver LS = upscale_schur_create(L, NULL, ctx);
    CHECK(LS != NULL, "the Schur solver builds on the layout's pattern (%d unknowns)", n);
    if (!LS) return CHECK_DONE();
    for (int i = 0; i <= n; i++)
        SUNSparseMatrix_IndexPointers(A)[i] = L->rowptr[i];
    for (int k = 0; k < L->nnz; k++)
        SUNSparseMatrix_IndexValues(A)[k] = L->colind[k];
    double *val = SUNSparseMatrix_Data(A), *bv = N_VGetArrayPointer(b);
    double cjs[2] = {1e-2, 3e3};
    for (int q = 0; q < 2; q++) {
        CHECK(upscale_model_jacobian(m, 0.0, cjs[q], y, yp, val) == 0, "Jacobian in the pattern");
        CHECK(SUNLinSolSetup(LS, A) == 0, "setup at cj = %g", cjs[q]);
        for (int i = 0; i < n; i++)
            bv[i] = m->scale[i] * sin(1.7 * i + q) * (i % 7 == 0 ? 1e3 : 1.0);
        CHECK(SUNLinSolSolve(LS, A, x, b, 0.0) == 0, "solve at cj = %g", cjs[q]);
        double e = backward_error(L, val, N_VGetArrayPointer(x), bv);
        /* the reference: KLU on the whole matrix */
        SUNLinearSolver K = SUNLinSol_KLU(x, A, ctx);
        SUNLinSolInitialize(K);
        SUNLinSolSetup(K, A);
        SUNLinSolSolve(K, A, x, b, 0.0);
        double ek = backward_error(L, val, N_VGetArrayPointer(x), bv);
        SUNLinSolFree(K);
        CHECK(e <= 1e-9 && e <= ek,
              "cj = %g: componentwise backward error %.2e (KLU on the whole matrix: %.2e; %d "
              "unknowns, %d nonzeros)",
              cjs[q], e, ek, n, L->nnz);
    }
    SUNLinSolFree(LS);
    N_VDestroy(x);
    N_VDestroy(b);
    SUNMatDestroy(A);
    SUNContext_Free(&ctx);
    free(y);
    free(yp);
    upscale_model_destroy(&m);
    upscale_params_destroy(&p);
    return CHECK_DONE();
}
