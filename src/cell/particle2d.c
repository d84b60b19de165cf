/* A single Cahn-Hilliard particle on an axisymmetric sphere (r, theta) in an ideal bath, on
 * PETSc (docs/model.md eq. 20-23).  The discrete equations of the particle (finite volumes on
 * the 1D model's radial faces times a uniform theta mesh, a rate law per polar cell) are the
 * cell's, src/cell/residual/particle_cahn_hilliard_2d.c; here they get the held potential or
 * mean flux and the uptake Q (dQ/dt = -sum A_k j_k), and PETSc's TS integrates them.
 *
 * Unknowns: a DMDA (nr x ntheta, dof c and mu) and a DMRedundant (j per theta cell, c_mean,
 * phi, Q), composed; every particle lives on PETSC_COMM_SELF, so the residual reads the
 * composite vector in its serial order (the cell's block, then phi and Q). */
#include "upscale/particle2d.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Before PETSc: its headers bring <complex.h>, whose macro I would rename the residual
 * helpers' current argument. */
#include "residual/ch2d.h"

#include <petscdmcomposite.h>
#include <petscdmda.h>
#include <petscdmredundant.h>
#include <petscts.h>

/* Time scale of the row scaling (s): composition rows in units of c_max per hour. */
#define TAU 3600.0

/* PETSc's error convention (a nonzero PetscErrorCode; PETSc has printed its traceback) turned
 * into an upscale error: a failing PETSc call is a bug or an exhausted resource. */
#define PETSC_TRY(expr)                                                                            \
    do {                                                                                           \
        PetscErrorCode pe_ = (expr);                                                               \
        UPSCALE_CHECK(pe_ == 0, UPSCALE_ERR_INTERNAL, "PETSc error %d in %s", (int)pe_, #expr);    \
    } while (0)

static int petsc_started_here;

struct upscale_particle2d {
    const upscale_model *m;
    const upscale_electrode *el;
    int nr, nt, n;
    upscale_ch2d *g; /* the mesh and the discrete equations (residual/ch2d.h) */
    double jscale;
    double *sc;             /* row scales */
    double *xs;             /* unknown scales (Newton's step test) */
    int hold_flux, restart; /* what the phi row holds; history to be restarted */
    double phi_lo, phi_hi;  /* potential limits of an advance (events) */
    int at_limit;           /* the last advance stopped at one */
    double setpoint, content0;
    long njac;
    upscale_particle2d_monitor_fn monitor; /* called after each accepted step, or NULL */
    void *monitor_ctx;
    int stop; /* the monitor asked to end the advance */
    DM da, red, pack;
    Vec u;
    Mat J;
    TS ts;
};

/* Positions in the unknown vector (the composite's serial order). */
static inline int ic(const upscale_particle2d *p, int i, int k)
{
    return 2 * (k * p->nr + i);
}
static inline int ij(const upscale_particle2d *p, int k)
{
    return 2 * p->nr * p->nt + k;
}
static inline int iphi(const upscale_particle2d *p)
{
    return 2 * p->nr * p->nt + p->nt + 1;
}

/* Where Jacobian entries go: a PETSc matrix or a dense array; rows scaled as the residual. */
typedef struct {
    Mat A;
    double *dense;
    int n;
    const double *sc;
    PetscErrorCode err;
} sink;

static void add(sink *s, int row, int col, double v)
{
    if (!s) return;
    v *= s->sc[row];
    if (s->dense)
        s->dense[(size_t)row * s->n + col] += v;
    else if (!s->err)
        s->err = MatSetValue(s->A, row, col, v, ADD_VALUES);
}

/* The block's Jacobian entries into the sink: phi's column is the potential's, the bath's c_e is
 * fixed. */
typedef struct {
    sink *s;
    int phi;
} block_sink;

static void block_add(void *ctx, int row, int col, double v)
{
    block_sink *b = ctx;
    if (col == UPSCALE_CH2D_CE) return;
    add(b->s, row, col == UPSCALE_CH2D_PHI ? b->phi : col, v);
}

/* Residual (scaled into f) and/or Jacobian dF/du + shift dF/du' (scaled as the residual): the
 * particle's block (upscale_ch2d_assemble, in the bath's c_e), then
 *     phi:  the held potential or mean flux;   Q' = -sum A_k j_k (the uptake).
 * Returns 1 for a state outside the material's range or a non-finite rate. */
static int assemble(const upscale_particle2d *p, const double *u, const double *ud, double shift,
                    double *f, sink *J)
{
    const upscale_ch2d *g = p->g;
    const int phi = iphi(p), iq = phi + 1;
    block_sink b = {J, phi};
    upscale_ch2d_sink s = {block_add, &b};
    double flux;
    if (upscale_ch2d_assemble(g, p->m, p->el, u, ud, shift, u[phi], p->m->cell.elyte.c0, f,
                              J ? &s : NULL, &flux))
        return 1;
    for (int k = 0; k < p->nt; k++) {
        /* both columns always present: what phi's row holds changes between steps */
        add(J, phi, ij(p, k), p->hold_flux ? g->area[k] / g->atot : 0.0);
        add(J, iq, ij(p, k), g->area[k]);
    }
    add(J, phi, phi, p->hold_flux ? 0.0 : 1.0);
    add(J, iq, iq, shift);
    if (f) {
        f[phi] = p->hold_flux ? flux / g->atot - p->setpoint : u[phi] - p->setpoint;
        f[iq] = ud[iq] + flux;
        for (int r = 0; r < p->n; r++)
            f[r] *= p->sc[r];
    }
    return 0;
}

int upscale_particle2d_residual(const upscale_particle2d *p, double t, const double *u,
                                const double *udot, double *f)
{
    return assemble(p, u, udot, 0.0, f, NULL);
}

upscale_err upscale_particle2d_jacobian(const upscale_particle2d *p, double t, double shift,
                                        const double *u, const double *udot, double *dense)
{
    memset(dense, 0, sizeof(double) * (size_t)p->n * p->n);
    sink s = {.dense = dense, .n = p->n, .sc = p->sc};
    UPSCALE_CHECK(assemble(p, u, udot, shift, NULL, &s) == 0, UPSCALE_ERR_SOLVER,
                  "2D particle: Jacobian at a state outside the material's range");
    return UPSCALE_OK;
}

static PetscErrorCode ifunction(TS ts, PetscReal t, Vec U, Vec Ud, Vec Fv, void *ctx)
{
    upscale_particle2d *p = ctx;
    const PetscScalar *u, *ud;
    PetscScalar *f;
    PetscFunctionBeginUser;
    PetscCall(VecGetArrayRead(U, &u));
    PetscCall(VecGetArrayRead(Ud, &ud));
    PetscCall(VecGetArray(Fv, &f));
    int bad = assemble(p, u, ud, 0.0, f, NULL);
    PetscCall(VecRestoreArray(Fv, &f));
    PetscCall(VecRestoreArrayRead(Ud, &ud));
    PetscCall(VecRestoreArrayRead(U, &u));
    if (bad) {
        SNES snes;
        PetscCall(TSGetSNES(ts, &snes));
        PetscCall(SNESSetFunctionDomainError(snes));
    }
    PetscFunctionReturn(0);
}

static PetscErrorCode ijacobian(TS ts, PetscReal t, Vec U, Vec Ud, PetscReal shift, Mat A, Mat P,
                                void *ctx)
{
    upscale_particle2d *p = ctx;
    const PetscScalar *u, *ud;
    PetscFunctionBeginUser;
    PetscCall(MatZeroEntries(P));
    PetscCall(VecGetArrayRead(U, &u));
    PetscCall(VecGetArrayRead(Ud, &ud));
    sink s = {.A = P, .sc = p->sc};
    assemble(p, u, ud, shift, NULL, &s);
    PetscCall(s.err);
    PetscCall(VecRestoreArrayRead(Ud, &ud));
    PetscCall(VecRestoreArrayRead(U, &u));
    PetscCall(MatAssemblyBegin(P, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(P, MAT_FINAL_ASSEMBLY));
    p->njac++;
    PetscFunctionReturn(0);
}

/* Newton has converged when the scaled residual is below SNES_ATOL or, since a residual with
 * c' = shift (c - c_old) cannot go below round-off times the shift, when the last update is below
 * 1e-9 of every unknown's natural scale (c_max, R T, the 1C flux, R T / F). */
#define SNES_ATOL 1e-9
static PetscErrorCode converged(SNES snes, PetscInt it, PetscReal xnorm, PetscReal snorm,
                                PetscReal fnorm, SNESConvergedReason *reason, void *ctx)
{
    const upscale_particle2d *p = ctx;
    PetscInt maxit, maxf;
    PetscReal atol, rtol, stol;
    PetscFunctionBeginUser;
    *reason = SNES_CONVERGED_ITERATING;
    PetscCall(SNESGetTolerances(snes, &atol, &rtol, &stol, &maxit, &maxf));
    if (PetscIsInfOrNanReal(fnorm)) {
        *reason = SNES_DIVERGED_FNORM_NAN;
        PetscFunctionReturn(0);
    }
    if (fnorm < SNES_ATOL) {
        *reason = SNES_CONVERGED_FNORM_ABS;
        PetscFunctionReturn(0);
    }
    if (it > 0) {
        Vec dx;
        const PetscScalar *d;
        double worst = 0.0;
        PetscCall(SNESGetSolutionUpdate(snes, &dx));
        PetscCall(VecGetArrayRead(dx, &d));
        for (int r = 0; r < p->n; r++)
            worst = fmax(worst, fabs(d[r]) / p->xs[r]);
        PetscCall(VecRestoreArrayRead(dx, &d));
        if (worst < 1e-9) {
            *reason = SNES_CONVERGED_SNORM_RELATIVE;
            PetscFunctionReturn(0);
        }
    }
    if (it >= maxit) *reason = SNES_DIVERGED_MAX_IT;
    PetscFunctionReturn(0);
}

/* Row scales (composition rows per c_max per hour, mu per R T, fluxes per the flux that empties
 * the particle in an hour) and unknown scales. */
static upscale_err scales(upscale_particle2d *p)
{
    const upscale_ch2d *g = p->g;
    int nr = p->nr, nt = p->nt;
    p->sc = calloc(p->n, sizeof(double));
    p->xs = calloc(p->n, sizeof(double));
    UPSCALE_ALLOC_CHECK(p->sc && p->xs);
    const double cm = p->el->cmax, rt = UPSCALE_GAS * p->m->cell.temperature;
    p->jscale = cm * g->R / (3.0 * TAU);
    for (int r = 0; r < 2 * nr * nt; r += 2) {
        p->sc[r] = TAU / cm;
        p->sc[r + 1] = 1.0 / rt;
        p->xs[r] = cm;
        p->xs[r + 1] = rt;
    }
    for (int k = 0; k < nt; k++) {
        p->sc[ij(p, k)] = 1.0 / p->jscale;
        p->xs[ij(p, k)] = p->jscale;
    }
    p->sc[iphi(p) - 1] = 1.0 / cm;
    p->sc[iphi(p) + 1] = 1.0 / (p->jscale * g->atot);
    p->xs[iphi(p) - 1] = cm;
    p->xs[iphi(p)] = p->m->thermal;
    p->xs[iphi(p) + 1] = cm * g->vtot;
    return UPSCALE_OK;
}

static void phi_scale(upscale_particle2d *p)
{
    p->sc[iphi(p)] = p->hold_flux ? 1.0 / p->jscale : 1.0 / p->m->thermal;
}

/* The matrix: AIJ, preallocated row by row (5-point stencil in c and mu, the surface and the
 * global rows). */
static upscale_err create_matrix(upscale_particle2d *p)
{
    PetscInt *nnz = calloc(p->n, sizeof(PetscInt));
    UPSCALE_ALLOC_CHECK(nnz);
    for (int r = 0; r < 2 * p->nr * p->nt; r += 2) {
        nnz[r] = 11;
        nnz[r + 1] = 7;
    }
    for (int k = 0; k < p->nt; k++)
        nnz[ij(p, k)] = 4;
    nnz[iphi(p)] = p->nt + 1;
    nnz[iphi(p) - 1] = p->nr * p->nt + 1;
    nnz[iphi(p) + 1] = p->nt + 1;
    PetscErrorCode e = MatCreateSeqAIJ(PETSC_COMM_SELF, p->n, p->n, 0, nnz, &p->J);
    free(nnz);
    PETSC_TRY(e);
    PETSC_TRY(MatSetOption(p->J, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE));
    return UPSCALE_OK;
}

/* Events: phi - phi_hi rising through 0, phi - phi_lo falling through 0; either ends the
 * advance (located by TS to within 1e-9 V). */
static PetscErrorCode limits(TS ts, PetscReal t, Vec U, PetscScalar *g, void *ctx)
{
    const upscale_particle2d *p = ctx;
    const PetscScalar *u;
    PetscFunctionBeginUser;
    PetscCall(VecGetArrayRead(U, &u));
    g[0] = u[iphi(p)] - p->phi_hi;
    g[1] = u[iphi(p)] - p->phi_lo;
    PetscCall(VecRestoreArrayRead(U, &u));
    PetscFunctionReturn(0);
}

/* The first message of a PETSc error, on one line (PetscPushErrorHandler). */
static char options_message[256];
static PetscErrorCode keep_message(MPI_Comm comm, int line, const char *fun, const char *file,
                                   PetscErrorCode n, PetscErrorType type, const char *mess,
                                   void *ctx)
{
    if (type == PETSC_ERROR_INITIAL && mess && !options_message[0]) {
        snprintf(options_message, sizeof(options_message), "%s", mess);
        for (char *q = options_message; *q; q++)
            if (*q == '\n') *q = ' ';
    }
    return n;
}

/* After each accepted step (and at the start of each advance): the caller's monitor. */
static PetscErrorCode monitor(TS ts, PetscInt step, PetscReal t, Vec U, void *ctx)
{
    upscale_particle2d *p = ctx;
    const PetscScalar *u;
    PetscFunctionBeginUser;
    if (p->monitor) {
        PetscCall(VecGetArrayRead(U, &u));
        double phi = u[iphi(p)];
        PetscCall(VecRestoreArrayRead(U, &u));
        if (p->monitor(p->monitor_ctx, t, phi)) p->stop = 1;
    }
    PetscFunctionReturn(0);
}

/* A monitor asked to stop: the advance ends after this step (TS resets its reason at the start
 * of each step, so a monitor, called before the step, cannot end it itself).  A step that matched
 * the advance's end only to within rounding (t + (t_end - t) < t_end) ends the advance at t_end:
 * else TS takes one more step of an ulp and the next advance starts from that step size (measured:
 * 34 steps growing from 1e-12 s, after which the sodium balance drifted by 1e-9 in
 * test_particle2d_1d; with this, 1.5e-14 and 285 instead of 381 steps). */
static PetscErrorCode post_step(TS ts)
{
    upscale_particle2d *p;
    PetscReal t, t_end;
    PetscFunctionBeginUser;
    PetscCall(TSGetApplicationContext(ts, &p));
    if (p->stop) PetscCall(TSSetConvergedReason(ts, TS_CONVERGED_USER));
    PetscCall(TSGetTime(ts, &t));
    PetscCall(TSGetMaxTime(ts, &t_end));
    if (t < t_end && t_end - t <= 1e-12 * fmax(1.0, fabs(t_end))) {
        PetscReal t_prev;
        PetscCall(TSGetPrevTime(ts, &t_prev));
        PetscCall(TSSetTime(ts, t_end));
        PetscCall(TSSetTimeStep(ts, t - t_prev));
        if (!p->stop) PetscCall(TSSetConvergedReason(ts, TS_CONVERGED_TIME));
    }
    PetscFunctionReturn(0);
}

static upscale_err create_solver(upscale_particle2d *p, double rtol)
{
    PETSC_TRY(DMDACreate2d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR,
                           p->nr, p->nt, 1, 1, 2, 1, NULL, NULL, &p->da));
    PETSC_TRY(DMSetUp(p->da));
    PETSC_TRY(DMDASetFieldName(p->da, 0, "c"));
    PETSC_TRY(DMDASetFieldName(p->da, 1, "mu"));
    PETSC_TRY(DMRedundantCreate(PETSC_COMM_SELF, 0, p->nt + 3, &p->red));
    PETSC_TRY(DMCompositeCreate(PETSC_COMM_SELF, &p->pack));
    PETSC_TRY(DMCompositeAddDM(p->pack, p->da));
    PETSC_TRY(DMCompositeAddDM(p->pack, p->red));
    PETSC_TRY(DMSetUp(p->pack));
    PETSC_TRY(DMCreateGlobalVector(p->pack, &p->u));
    PetscInt n;
    PETSC_TRY(VecGetSize(p->u, &n));
    UPSCALE_CHECK(n == p->n, UPSCALE_ERR_INTERNAL, "2D particle: composite of %d unknowns, not %d",
                  (int)n, p->n);
    UPSCALE_CALL(create_matrix(p));

    PETSC_TRY(TSCreate(PETSC_COMM_SELF, &p->ts));
    PETSC_TRY(TSSetDM(p->ts, p->pack));
    PETSC_TRY(TSSetProblemType(p->ts, TS_NONLINEAR));
    PETSC_TRY(TSSetEquationType(p->ts, TS_EQ_DAE_IMPLICIT_INDEX1));
    PETSC_TRY(TSSetType(p->ts, TSBDF));
    /* order 3: fewer steps for a smaller error than orders 1 and 2 (bench_particle2d) */
    PETSC_TRY(TSBDFSetOrder(p->ts, 3));
    PETSC_TRY(TSSetIFunction(p->ts, NULL, ifunction, p));
    PETSC_TRY(TSSetIJacobian(p->ts, p->J, p->J, ijacobian, p));
    PETSC_TRY(TSSetMaxSteps(p->ts, 100000000));
    /* failed Newton solves (each cuts the step 4x) and error-test rejections; past these counts
     * (per advance) the solve fails rather than shrinking the step without end */
    PETSC_TRY(TSSetMaxSNESFailures(p->ts, 50));
    PETSC_TRY(TSSetMaxStepRejections(p->ts, 200));
    PETSC_TRY(TSSetErrorIfStepFails(p->ts, PETSC_FALSE));
    PETSC_TRY(TSSetExactFinalTime(p->ts, TS_EXACTFINALTIME_MATCHSTEP));
    PETSC_TRY(TSSetTimeStep(p->ts, 1e-3));
    /* Error test on the composition only (rtol x c_max); the algebraic unknowns and the
     * uptake are left out (an absolute tolerance they never reach). */
    Vec atol;
    PETSC_TRY(VecDuplicate(p->u, &atol));
    PetscScalar *a;
    PETSC_TRY(VecGetArray(atol, &a));
    for (int r = 0; r < p->n; r++)
        a[r] = 1e100;
    for (int r = 0; r < 2 * p->nr * p->nt; r += 2)
        a[r] = rtol * p->el->cmax;
    PETSC_TRY(VecRestoreArray(atol, &a));
    PETSC_TRY(TSSetTolerances(p->ts, 0.0, atol, 0.0, NULL));
    PETSC_TRY(VecDestroy(&atol));
    TSAdapt adapt;
    PETSC_TRY(TSGetAdapt(p->ts, &adapt));
    PETSC_TRY(TSAdaptSetStepLimits(adapt, 1e-12, 1e6));
    SNES snes;
    KSP ksp;
    PC pc;
    PETSC_TRY(TSGetSNES(p->ts, &snes));
    PETSC_TRY(SNESSetTolerances(snes, SNES_ATOL, 0.0, 0.0, 20, -1));
    PETSC_TRY(SNESSetConvergenceTest(snes, converged, p, NULL));
    /* full Newton steps (as IDA): a line search would fail on the round-off floor before the
     * step test above could see convergence */
    SNESLineSearch ls;
    PETSC_TRY(SNESGetLineSearch(snes, &ls));
    PETSC_TRY(SNESLineSearchSetType(ls, SNESLINESEARCHBASIC));
    PETSC_TRY(SNESGetKSP(snes, &ksp));
    PETSC_TRY(KSPSetType(ksp, KSPPREONLY));
    PETSC_TRY(KSPGetPC(ksp, &pc));
    PETSC_TRY(PCSetType(pc, PCLU));
    /* approximate minimum degree: 8x less factorisation time than PETSc's default nested
     * dissection on this stencil with its global rows, and less than KLU (bench_particle2d) */
    PETSC_TRY(PCFactorSetMatOrderingType(pc, MATORDERINGAMD));
    /* PETSc's LU does not pivot, and the held-flux row has no diagonal entry (phi enters only
     * the j rows): rows are swapped after the ordering until no pivot is zero */
    PETSC_TRY(PCFactorReorderForNonzeroDiagonal(pc, 1e-12));
    PetscInt dir[2] = {1, -1};
    PetscBool term[2] = {PETSC_TRUE, PETSC_TRUE};
    PETSC_TRY(TSSetEventHandler(p->ts, 2, dir, term, limits, NULL, p));
    PETSC_TRY(TSSetEventTolerances(p->ts, 1e-9, NULL));
    PETSC_TRY(TSMonitorSet(p->ts, monitor, p, NULL));
    PETSC_TRY(TSSetApplicationContext(p->ts, p));
    PETSC_TRY(TSSetPostStep(p->ts, post_step));
    /* PETSc options (-particle2d_ts_type, ...) may override these choices; one it rejects is
     * bad input, reported in one line (PETSc's message) instead of PETSc's traceback. */
    PETSC_TRY(TSSetOptionsPrefix(p->ts, "particle2d_"));
    options_message[0] = '\0';
    PETSC_TRY(PetscPushErrorHandler(keep_message, NULL));
    PetscErrorCode pe = TSSetFromOptions(p->ts);
    PETSC_TRY(PetscPopErrorHandler());
    UPSCALE_CHECK(pe == 0, UPSCALE_ERR_INPUT,
                  "2D particle: PETSc options (PETSC_OPTIONS, prefix particle2d_): %s; expected "
                  "options PETSc accepts",
                  options_message[0] ? options_message : "rejected");
    return UPSCALE_OK;
}

upscale_err upscale_particle2d_create(const upscale_model *m, const upscale_particle2d_options *o,
                                      upscale_particle2d **out)
{
    *out = NULL;
    const upscale_electrode *el = &m->cell.el[UPSCALE_POS];
    UPSCALE_CHECK(m->cell.single_particle && el->cahn_hilliard &&
                      el->shape == UPSCALE_SHAPE_SPHERE &&
                      m->layout->z[m->layout->x_begin[UPSCALE_POS]] < 0,
                  UPSCALE_ERR_INPUT,
                  "2D particle: needs cell.type single_particle with a spherical Cahn-Hilliard "
                  "positive particle (numerics.phasefield_variable: concentration)");
    UPSCALE_CHECK(o->ntheta >= 1 && o->ntheta <= 100000, UPSCALE_ERR_INPUT,
                  "2D particle: ntheta %d, expected 1 to 100000", o->ntheta);
    UPSCALE_CHECK(fabs(o->anisotropy) < 1.0, UPSCALE_ERR_INPUT,
                  "2D particle: anisotropy %g, expected |a| < 1", o->anisotropy);
    UPSCALE_CHECK(o->rtol > 0 && o->rtol < 1, UPSCALE_ERR_INPUT,
                  "2D particle: rtol %g, expected in (0, 1)", o->rtol);
    PetscBool up;
    PETSC_TRY(PetscInitialized(&up));
    if (!up) {
        PETSC_TRY(PetscInitializeNoArguments());
        petsc_started_here = 1;
    }
    upscale_particle2d *p = calloc(1, sizeof(*p));
    UPSCALE_ALLOC_CHECK(p);
    *out = p;
    p->m = m;
    p->el = el;
    p->nr = m->layout->nr[UPSCALE_POS];
    p->nt = o->ntheta;
    p->n = 2 * p->nr * p->nt + p->nt + 3;
    p->hold_flux = 1;
    p->setpoint = 0.0;
    p->phi_lo = -1e300;
    p->phi_hi = 1e300;
    UPSCALE_CALL(upscale_ch2d_create(m, UPSCALE_POS, p->nt, o->anisotropy, &p->g));
    UPSCALE_CALL(scales(p));
    phi_scale(p);
    UPSCALE_CALL(create_solver(p, o->rtol));
    UPSCALE_CALL(upscale_particle2d_set_composition(p, NULL));
    return UPSCALE_OK;
}

void upscale_particle2d_destroy(upscale_particle2d **pp)
{
    upscale_particle2d *p = *pp;
    if (!p) return;
    TSDestroy(&p->ts);
    MatDestroy(&p->J);
    VecDestroy(&p->u);
    DMDestroy(&p->pack);
    DMDestroy(&p->red);
    DMDestroy(&p->da);
    upscale_ch2d_destroy(&p->g);
    free(p->sc);
    free(p->xs);
    free(p);
    *pp = NULL;
}

void upscale_particle2d_finalize(void)
{
    if (petsc_started_here) PetscFinalize();
    petsc_started_here = 0;
}

upscale_err upscale_particle2d_set_composition(upscale_particle2d *p, const double *c)
{
    int nr = p->nr, nt = p->nt, phi = iphi(p);
    double *u = calloc(p->n, sizeof(double)), *f = calloc(p->n, sizeof(double)),
           *zero = calloc(p->n, sizeof(double));
    if (!u || !f || !zero) {
        free(u);
        free(f);
        free(zero);
        UPSCALE_ALLOC_CHECK(0);
    }
    double mean = 0.0, du;
    for (int k = 0; k < nt; k++)
        for (int i = 0; i < nr; i++) {
            u[ic(p, i, k)] = c ? c[k * nr + i] : p->el->c0;
            mean += u[ic(p, i, k)] * p->g->vol[i] * p->g->w[k];
        }
    u[phi - 1] = mean / p->g->vtot;
    /* a starting potential near equilibrium (the rate law is evaluated below) */
    double s0 = u[ic(p, nr - 1, 0)] / p->el->cmax;
    if (s0 > -UPSCALE_CH_OUTSIDE && s0 < 1 + UPSCALE_CH_OUTSIDE)
        u[phi] = upscale_ch_homogeneous_potential(p->el, s0, &du);
    /* mu consistent with c: the mu row's residual with mu = 0 is -mu / (R T). */
    int bad = assemble(p, u, zero, 0.0, f, NULL);
    for (int k = 0; !bad && k < nt; k++)
        for (int i = 0; i < nr; i++)
            u[ic(p, i, k) + 1] = -f[ic(p, i, k) + 1] / p->sc[ic(p, i, k) + 1];
    /* the potential the surface shows on average, no flux */
    u[phi] = 0.0;
    for (int k = 0; k < nt; k++)
        u[phi] -= u[ic(p, nr - 1, k) + 1] * p->g->area[k] / p->g->atot;
    u[phi] /= p->m->cell.faraday;
    p->content0 = mean;
    p->hold_flux = 1;
    p->setpoint = 0.0;
    phi_scale(p);
    PetscScalar *v;
    PetscErrorCode e = VecGetArray(p->u, &v);
    if (!e) {
        memcpy(v, u, p->n * sizeof(double));
        e = VecRestoreArray(p->u, &v);
    }
    free(u);
    free(f);
    free(zero);
    UPSCALE_CHECK(!bad, UPSCALE_ERR_INPUT,
                  "2D particle: composition outside the material's range [0, c_max]");
    PETSC_TRY(e);
    PETSC_TRY(TSSetTime(p->ts, 0.0));
    p->restart = 1;
    return UPSCALE_OK;
}

static upscale_err hold(upscale_particle2d *p, int flux, double value)
{
    PetscScalar *v;
    p->hold_flux = flux;
    p->setpoint = value;
    phi_scale(p);
    PETSC_TRY(VecGetArray(p->u, &v));
    if (flux)
        for (int k = 0; k < p->nt; k++)
            v[ij(p, k)] = value;
    else
        v[iphi(p)] = value;
    PETSC_TRY(VecRestoreArray(p->u, &v));
    p->restart = 1;
    return UPSCALE_OK;
}

upscale_err upscale_particle2d_hold_potential(upscale_particle2d *p, double phi)
{
    UPSCALE_CHECK(isfinite(phi), UPSCALE_ERR_INPUT, "2D particle: potential %g", phi);
    return hold(p, 0, phi);
}

upscale_err upscale_particle2d_hold_flux(upscale_particle2d *p, double jbar)
{
    UPSCALE_CHECK(isfinite(jbar), UPSCALE_ERR_INPUT, "2D particle: flux %g", jbar);
    return hold(p, 1, jbar);
}

upscale_err upscale_particle2d_set_limits(upscale_particle2d *p, double phi_lo, double phi_hi)
{
    UPSCALE_CHECK(isfinite(phi_lo) && isfinite(phi_hi) && phi_lo < phi_hi, UPSCALE_ERR_INPUT,
                  "2D particle: potential limits %g, %g V, expected lo < hi", phi_lo, phi_hi);
    p->phi_lo = phi_lo;
    p->phi_hi = phi_hi;
    return UPSCALE_OK;
}

void upscale_particle2d_set_monitor(upscale_particle2d *p, upscale_particle2d_monitor_fn fn,
                                    void *ctx)
{
    p->monitor = fn;
    p->monitor_ctx = ctx;
}

int upscale_particle2d_at_limit(const upscale_particle2d *p)
{
    return p->at_limit;
}

upscale_err upscale_particle2d_advance(upscale_particle2d *p, double t_end)
{
    PetscReal t;
    PETSC_TRY(TSGetTime(p->ts, &t));
    p->at_limit = 0;
    p->stop = 0;
    if (!(t_end > t)) return UPSCALE_OK;
    if (p->restart) {
        PETSC_TRY(TSSetTimeStep(p->ts, 1e-3));
        PETSC_TRY(TSRestartStep(p->ts));
        p->restart = 0;
    }
    PETSC_TRY(TSSetMaxTime(p->ts, t_end));
    PETSC_TRY(TSSolve(p->ts, p->u));
    TSConvergedReason reason;
    PETSC_TRY(TSGetConvergedReason(p->ts, &reason));
    PETSC_TRY(TSGetTime(p->ts, &t));
    p->at_limit = reason == TS_CONVERGED_EVENT;
    UPSCALE_CHECK(reason >= 0, UPSCALE_ERR_SOLVER,
                  "2D particle: the time integrator gave up at t = %g s (%s)", (double)t,
                  TSConvergedReasons[reason]);
    return UPSCALE_OK;
}

int upscale_particle2d_nr(const upscale_particle2d *p)
{
    return p->nr;
}

int upscale_particle2d_ntheta(const upscale_particle2d *p)
{
    return p->nt;
}

int upscale_particle2d_size(const upscale_particle2d *p)
{
    return p->n;
}

double upscale_particle2d_time(const upscale_particle2d *p)
{
    PetscReal t = 0.0;
    TSGetTime(p->ts, &t);
    return t;
}

/* One entry of the state (serial composite order). */
static double entry(const upscale_particle2d *p, int r)
{
    const PetscScalar *v;
    if (VecGetArrayRead(p->u, &v)) return NAN;
    double x = v[r];
    VecRestoreArrayRead(p->u, &v);
    return x;
}

double upscale_particle2d_potential(const upscale_particle2d *p)
{
    return entry(p, iphi(p));
}

double upscale_particle2d_uptake(const upscale_particle2d *p)
{
    return entry(p, iphi(p) + 1);
}

void upscale_particle2d_state(const upscale_particle2d *p, double *u)
{
    const PetscScalar *v;
    if (VecGetArrayRead(p->u, &v)) return;
    memcpy(u, v, p->n * sizeof(double));
    VecRestoreArrayRead(p->u, &v);
}

double upscale_particle2d_mean_flux(const upscale_particle2d *p)
{
    double s = 0.0;
    for (int k = 0; k < p->nt; k++)
        s += entry(p, ij(p, k)) * p->g->area[k];
    return s / p->g->atot;
}

double upscale_particle2d_content(const upscale_particle2d *p)
{
    const PetscScalar *v;
    if (VecGetArrayRead(p->u, &v)) return NAN;
    double s = upscale_ch2d_content(p->g, v);
    VecRestoreArrayRead(p->u, &v);
    return s;
}

void upscale_particle2d_fields(const upscale_particle2d *p, double *c, double *mu, double *j,
                               double *rc, double *theta)
{
    const PetscScalar *v;
    if (VecGetArrayRead(p->u, &v)) return;
    for (int k = 0; k < p->nt; k++) {
        for (int i = 0; i < p->nr; i++) {
            if (c) c[k * p->nr + i] = v[ic(p, i, k)];
            if (mu) mu[k * p->nr + i] = v[ic(p, i, k) + 1];
        }
        if (j) j[k] = v[ij(p, k)];
        if (theta) theta[k] = p->g->thc[k];
    }
    if (rc) memcpy(rc, p->g->rc, p->nr * sizeof(double));
    VecRestoreArrayRead(p->u, &v);
}

upscale_particle2d_stats upscale_particle2d_statistics(const upscale_particle2d *p)
{
    upscale_particle2d_stats s = {0};
    PetscInt steps = 0, rej = 0, its = 0;
    TSGetStepNumber(p->ts, &steps);
    TSGetStepRejections(p->ts, &rej);
    TSGetSNESIterations(p->ts, &its);
    s.steps = steps;
    s.rejected = rej;
    s.newton = its;
    s.jacobians = p->njac;
    return s;
}
