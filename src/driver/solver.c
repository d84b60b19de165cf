/* SUNDIALS IDA + KLU around the model.
 *
 * IDA integrates scaled unknowns u = y / s (s: the model's per-unknown scales, so every u
 * is of order one and a single tolerance fits all) and scaled equations w F (w: one factor
 * per row, 1 / max_j |dF_i/dy_j s_j| at a representative state, so every row of the
 * iteration matrix is of order one and KLU's cheap condition estimate does not force a
 * full refactorisation at every Jacobian update).  The model never sees the scaling. */
#include "upscale/solver.h"
#include "upscale/nvector.h"
#include "upscale/schur.h"

#include <ida/ida.h>
#include <nvector/nvector_serial.h>
#include <stdlib.h>
#include <string.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_klu.h>
#include <sunnonlinsol/sunnonlinsol_newton.h>
#include <sunmatrix/sunmatrix_sparse.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

struct upscale_solver {
    upscale_model *m;
    SUNContext ctx;
    void *ida;
    N_Vector y, yp, id, cons;
    N_Vector id_err; /* error-test mask (IDASetSuppressAlg): 0 = left out; NULL = id */
    SUNMatrix A;
    SUNLinearSolver LS;
    SUNNonlinearSolver NLS;          /* Newton solver with conv_test */
    SUNNonlinSolConvTestFn ida_test; /* IDA's convergence test and its data */
    void *ida_test_data;
    int max_norm; /* conv_test also asks for the max norm */
    int give_up;  /* conv_test gives hopeless iterations up (Fickian cells) */
    double del0;  /* conv_test: norm of the first correction */
    /* IDA's Newton solve, wrapped by solve_fresh (1D Cahn-Hilliard cells), and the
     * predicted state of the attempt under way there (conv_test bounds the updates) */
    int (*newton_solve)(SUNNonlinearSolver, N_Vector, N_Vector, N_Vector, sunrealtype,
                        sunbooleantype, void *);
    N_Vector y0;
    /* The residual at the first iterate of the last Newton attempt (the predictor), with its
     * t, u and u': a retry of the attempt in the same step evaluates it again (res_cb); only
     * with KLU and IDA's own solve (solve_fresh never retries), forgotten at every step and
     * restart.  pred_on: the arrays exist (last_u below too); pred_retry: kept for retries. */
    int pred_on, pred_retry, pred_valid, attempt_over; /* attempt_over: conv_test's verdict */
    double pred_t, *pred_u, *pred_up, *pred_r, *pred_kin;
    /* u of the last residual the model evaluated in full (last_ok), whose rate-law partials
     * the model keeps (m->kinetics) for a Jacobian at the same u; only with KLU, forgotten at
     * every step and restart. */
    double *last_u;
    int last_ok;
    N_Vector work;
    upscale_root_fn root_fn;
    void *root_ctx;
    int nroots;
    long ic_calls;
    double wall;
    upscale_solver_stats done; /* counters of integrations before the last restart */
    double *scale, *w;         /* unknown scales and equation weights */
    double *ws;                /* w_i s_j of each Jacobian entry (i, j) */
    double *y_phys, *yp_phys;  /* work: physical state for the model */
    double *state, *dstate;    /* physical state and derivative after the last step */
    char message[512];         /* IDA's last error message */
    int spread;                /* 2D particles spread over ranks (res_cb gathers) */
    /* Where the steps go: each unknown's kind, the error test's mask (NULL: every unknown),
     * a work vector and the counts by order and by the kind of the largest local error. */
    unsigned char *kind;
    const double *err_mask;
    N_Vector work2;
    long order[5], limiter[UPSCALE_KIND_COUNT], counted; /* counted: IDA's steps so far */
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* y = s u, y' = s u' into the work arrays. */
static void to_physical(const upscale_solver *s, const double *u, const double *up)
{
    int n = s->m->layout->n;
    for (int i = 0; i < n; i++)
        s->y_phys[i] = s->scale[i] * u[i];
    if (up)
        for (int i = 0; i < n; i++)
            s->yp_phys[i] = s->scale[i] * up[i];
}

static int res_cb(sunrealtype t, N_Vector u, N_Vector up, N_Vector r, void *data)
{
    upscale_solver *s = data;
    int n = s->m->layout->n, first = 0;
    double *rv = N_VGetArrayPointer(r);
    const double *uv = N_VGetArrayPointer(u), *upv = N_VGetArrayPointer(up);
    /* A Newton attempt's first iterate: the same state as the last one's (a retry with a fresh
     * Jacobian) reuses its residual, and its rate-law partials, the identical numbers. */
    size_t nk = s->m->nkinetics;
    if (s->pred_retry && s->attempt_over) {
        first = 1;
        s->attempt_over = 0;
        if (s->pred_valid && t == s->pred_t && !memcmp(uv, s->pred_u, sizeof(double) * n) &&
            !memcmp(upv, s->pred_up, sizeof(double) * n)) {
            memcpy(rv, s->pred_r, sizeof(double) * n);
            memcpy(s->m->kinetics, s->pred_kin, sizeof(double) * nk);
            memcpy(s->last_u, uv, sizeof(double) * n);
            s->last_ok = 1;
            return 0;
        }
    }
    to_physical(s, uv, upv);
    int status = upscale_model_residual(s->m, t, s->y_phys, s->yp_phys, rv);
    s->last_ok = s->pred_on && status == 0;
    if (s->last_ok) memcpy(s->last_u, uv, sizeof(double) * n);
    for (int i = 0; i < n; i++)
        rv[i] *= s->w[i];
    if (status) s->attempt_over = 1;
    if (first && status == 0) {
        s->pred_t = t;
        memcpy(s->pred_u, uv, sizeof(double) * n);
        memcpy(s->pred_up, upv, sizeof(double) * n);
        memcpy(s->pred_r, rv, sizeof(double) * n);
        memcpy(s->pred_kin, s->m->kinetics, sizeof(double) * nk);
        s->pred_valid = 1;
    }
    /* Particles spread over ranks: each evaluated its own; all ranks get all rows and agree
     * on the status. */
    if (s->spread) status = upscale_schur_gather(s->LS, rv, status != 0);
    return status;
}

static int jac_cb(sunrealtype t, sunrealtype cj, N_Vector y, N_Vector yp, N_Vector r, SUNMatrix J,
                  void *data, N_Vector t1, N_Vector t2, N_Vector t3)
{
    const upscale_solver *s = data;
    const upscale_model *m = s->m;
    const upscale_layout *L = m->layout;
    /* The pattern (set once, upscale_solver_create) and the values, cleared and filled by
     * upscale_model_jacobian. */
    double *val = SUNSparseMatrix_Data(J);
    to_physical(s, N_VGetArrayPointer(y), N_VGetArrayPointer(yp));
    s->m->kinetics_reuse =
        s->last_ok && !memcmp(N_VGetArrayPointer(y), s->last_u, sizeof(double) * L->n);
    int missing = upscale_model_jacobian(m, t, cj, s->y_phys, s->yp_phys, val);
    s->m->kinetics_reuse = 0;
    /* d(w F)/du = diag(w) (dF/dy + cj dF/dy') diag(s) */
    for (int k = 0; k < L->nnz; k++)
        val[k] *= s->ws[k];
    return missing ? -1 : 0;
}

/* IDA zeroes the matrix before every Jacobian evaluation; SUNDIALS' own zeroing (built
 * without optimisation) would also wipe the pattern, and jac_cb clears the values itself
 * (upscale_jac_assemble_begin): nothing to do here. */
static int zero_nothing(SUNMatrix A)
{
    (void)A;
    return 0;
}

static int root_cb(sunrealtype t, N_Vector y, N_Vector yp, sunrealtype *g, void *data)
{
    const upscale_solver *s = data;
    to_physical(s, N_VGetArrayPointer(y), NULL);
    return s->root_fn(t, s->y_phys, g, s->root_ctx);
}

/* IDA's own words about a failure are kept (not printed) for the error message. */
static void keep_message(int code, const char *module, const char *fn, char *msg, void *data)
{
    upscale_solver *s = data;
    (void)code, (void)module, (void)fn;
    snprintf(s->message, sizeof(s->message), "%s", msg);
}

/* Scales, work arrays, and the equation weights from the Jacobian at the rest state
 * carrying a 1C current. */
static upscale_err set_weights(upscale_solver *s)
{
    const upscale_model *m = s->m;
    const upscale_layout *L = m->layout;
    int n = L->n;
    s->scale = malloc(sizeof(double) * n);
    s->w = malloc(sizeof(double) * n);
    s->y_phys = malloc(sizeof(double) * n);
    s->yp_phys = malloc(sizeof(double) * n);
    s->state = malloc(sizeof(double) * n);
    s->dstate = calloc(n, sizeof(double));
    double *val = malloc(sizeof(double) * (L->nnz ? L->nnz : 1));
    if (!s->scale || !s->w || !s->y_phys || !s->yp_phys || !s->state || !s->dstate || !val) {
        free(val);
        UPSCALE_CHECK(0, UPSCALE_ERR_MEMORY, "out of memory");
    }
    memcpy(s->scale, m->scale, sizeof(double) * n);
    upscale_model_rest_state(m, s->state, s->dstate);
    upscale_model_guess_algebraic(m, m->scale[L->I], s->state);
    upscale_model_jacobian(m, 0.0, 1.0, s->state, s->dstate, val);
    for (int i = 0; i < n; i++) {
        double big = 0.0;
        for (int k = L->rowptr[i]; k < L->rowptr[i + 1]; k++)
            big = fmax(big, fabs(val[k] * s->scale[L->colind[k]]));
        s->w[i] = big > 0 && isfinite(big) ? 1.0 / big : 1.0;
    }
    free(val);
    s->ws = malloc(sizeof(double) * (L->nnz ? L->nnz : 1));
    UPSCALE_ALLOC_CHECK(s->ws);
    for (int i = 0; i < n; i++)
        for (int k = L->rowptr[i]; k < L->rowptr[i + 1]; k++)
            s->ws[k] = s->w[i] * s->scale[L->colind[k]];
    upscale_model_rest_state(m, s->state, s->dstate);
    return UPSCALE_OK;
}

upscale_solver_settings upscale_solver_settings_default(void)
{
    return (upscale_solver_settings){
        .rtol = 1e-4, .max_step = 0.0, .algebraic_error_test = UPSCALE_ERROR_TEST_ALL};
}

/* The Newton iteration's convergence test: IDA's own first (the weighted RMS norm of the
 * correction, with the rate estimate ss = rate / (1 - rate)).
 *
 * With newton_max_norm, it also asks that every weighted correction be at most 1: over
 * thousands of unknowns the RMS norm lets one component stay far from converged (sqrt(n)
 * times the tolerance).  Unknowns left out of the error test (id_err: the particles'
 * potentials) are left out of this test too: a shell at a bound, where mu = R T ln(1 - x),
 * takes large weighted corrections of mu for changes of c far below the tolerance.
 *
 * In cells without Cahn-Hilliard particles (give_up), an iteration that cannot pass IDA's
 * test within the iterations it has left, at the rate it shows (|del_m| = |del_0| rate^m;
 * passing needs ss |del_m| rate^k <= tol within the k = maxiters - 1 - m iterations left), is
 * given up at once instead of after all of them: the Newton solver then retries with a fresh
 * Jacobian, or IDA with a smaller step, as it would have after the last iteration.  Most of
 * these are iterations on a Jacobian from an earlier step while the reaction of a node moves
 * across a feature of the graphite OCP (docs/numerics.md). */
static int conv_verdict(SUNNonlinearSolver nls, N_Vector ycor, N_Vector del, realtype tol,
                        N_Vector ewt, upscale_solver *s)
{
    int r = s->ida_test(nls, ycor, del, tol, ewt, s->ida_test_data);
    if (s->max_norm) {
        if (r != SUN_NLS_SUCCESS) return r;
        N_VProd(del, ewt, s->work);
        if (s->id_err) N_VProd(s->work, s->id_err, s->work);
        return N_VMaxNorm(s->work) <= 1.0 ? SUN_NLS_SUCCESS : SUN_NLS_CONTINUE;
    }
    if (r != SUN_NLS_CONTINUE || !s->give_up) return r;
    int m, left = ((SUNNonlinearSolverContent_Newton)nls->content)->maxiters - 1;
    if (SUNNonlinSolGetCurIter(nls, &m) != SUN_NLS_SUCCESS) return r;
    double d = N_VWrmsNorm(del, ewt);
    if (m == 0) {
        s->del0 = d;
        return r;
    }
    double rate = pow(d / s->del0, 1.0 / m);
    left -= m;
    if (rate < 1.0 && rate / (1.0 - rate) * d * pow(rate, left) > tol) return SUN_NLS_CONV_RECVR;
    return r;
}

/* The test IDA calls; a verdict ends the attempt (the next residual is a new attempt's first
 * iterate, res_cb). */
static int conv_test(SUNNonlinearSolver nls, N_Vector ycor, N_Vector del, realtype tol,
                     N_Vector ewt, void *data)
{
    upscale_solver *s = data;
    double lnd = 0.0;
    if (s->y0)
        lnd = upscale_model_bound_newton_update(s->m, s->scale, N_VGetArrayPointer(s->y0),
                                                N_VGetArrayPointer(ycor), N_VGetArrayPointer(del),
                                                NULL);
    int r = conv_verdict(nls, ycor, del, tol, ewt, s);
    /* Converged also in ln of each composition's distance to its bound (at most a factor
     * e^0.2 in the last update): a near-empty surface shell accepted after an update of 5x its
     * content, below the tolerance on c, left its mu row 11 R T off and every later step
     * failed (docs/numerics.md, "Newton's updates kept off the site bounds"). */
    if (r == SUN_NLS_SUCCESS && lnd > 0.2) r = SUN_NLS_CONTINUE;
    if (r != SUN_NLS_CONTINUE) s->attempt_over = 1;
    return r;
}

/* IDA's Newton solve with a fresh Jacobian at every attempt.  In Cahn-Hilliard cells a
 * Jacobian from an earlier step failed 2866 times in 7079 steps (the 0.1C case on 10 cells:
 * the reaction fluxes and the potentials of shells at a bound move too fast), each failure
 * costing its iterations and a retry with a fresh Jacobian anyway; refreshing at once costs
 * a Jacobian per attempt and saves 16% of the user time of the 0.1C case (docs/numerics.md,
 * "A fresh Jacobian at every Newton attempt").  Each update of the compositions is kept off
 * the site bounds (upscale_model_bound_newton_update, in conv_test): y0 is IDA's predicted
 * state, the iterate being y0 + ycor. */
static int solve_fresh(SUNNonlinearSolver nls, N_Vector y0, N_Vector ycor, N_Vector w,
                       sunrealtype tol, sunbooleantype setup, void *mem)
{
    upscale_solver *s = ((SUNNonlinearSolverContent_Newton)nls->content)->ctest_data;
    (void)setup;
    s->y0 = y0;
    int r = s->newton_solve(nls, y0, ycor, w, tol, SUNTRUE, mem);
    s->y0 = NULL;
    return r;
}

upscale_err upscale_solver_create(upscale_model *m, const upscale_solver_settings *set,
                                  upscale_solver **out)
{
    double rtol = set->rtol, max_step = set->max_step;
    upscale_solver *s = calloc(1, sizeof(*s));
    UPSCALE_ALLOC_CHECK(s);
    const upscale_layout *L = m->layout;
    s->m = m;
    UPSCALE_SUNCALL(SUNContext_Create(NULL, &s->ctx), "SUNContext_Create");
    s->y = upscale_nvector_create(L->n, s->ctx);
    s->yp = upscale_nvector_create(L->n, s->ctx);
    s->id = upscale_nvector_create(L->n, s->ctx);
    UPSCALE_ALLOC_CHECK(s->y && s->yp && s->id);
    memcpy(N_VGetArrayPointer(s->id), L->id, sizeof(double) * L->n);
    UPSCALE_CALL(set_weights(s));
    N_VConst(1.0, s->y);
    N_VConst(0.0, s->yp);

    s->ida = IDACreate(s->ctx);
    UPSCALE_ALLOC_CHECK(s->ida);
    UPSCALE_SUNCALL(IDASetErrHandlerFn(s->ida, keep_message, s), "IDASetErrHandlerFn");
    UPSCALE_SUNCALL(IDAInit(s->ida, res_cb, 0.0, s->y, s->yp), "IDAInit");
    UPSCALE_SUNCALL(IDASStolerances(s->ida, rtol, rtol), "IDASStolerances");
    UPSCALE_SUNCALL(IDASetUserData(s->ida, s), "IDASetUserData");
    UPSCALE_SUNCALL(IDASetId(s->ida, s->id), "IDASetId");
    UPSCALE_SUNCALL(IDASetMaxNumSteps(s->ida, 1000000), "IDASetMaxNumSteps");
    /* Index-1 DAE: the algebraic unknowns follow the differential ones, whose error the
     * test controls; leaving them out of the test saves steps (docs/numerics.md). */
    if (set->algebraic_error_test != UPSCALE_ERROR_TEST_ALL)
        UPSCALE_SUNCALL(IDASetSuppressAlg(s->ida, SUNTRUE), "IDASetSuppressAlg");
    /* Leaving out only the particles' potentials (mu, and z of the bounded formulation): IDA
     * leaves out what its id marks 0, and reads id for nothing else than IDACalcIC, which
     * gets the true id back (upscale_solver_restart). */
    if (set->algebraic_error_test == UPSCALE_ERROR_TEST_NO_PARTICLE_POTENTIALS) {
        s->id_err = upscale_nvector_create(L->n, s->ctx);
        UPSCALE_ALLOC_CHECK(s->id_err);
        N_VConst(1.0, s->id_err);
        upscale_layout_mask_particle_potentials(L, N_VGetArrayPointer(s->id_err));
    }
    if (max_step > 0) UPSCALE_SUNCALL(IDASetMaxStep(s->ida, max_step), "IDASetMaxStep");
    s->A = SUNSparseMatrix(L->n, L->n, L->nnz, CSR_MAT, s->ctx);
    UPSCALE_ALLOC_CHECK(s->A);
    /* The layout's pattern, in SUNDIALS' index type; nothing changes it afterwards. */
    sunindextype *rowptr = SUNSparseMatrix_IndexPointers(s->A);
    sunindextype *colind = SUNSparseMatrix_IndexValues(s->A);
    for (int i = 0; i <= L->n; i++)
        rowptr[i] = L->rowptr[i];
    for (int k = 0; k < L->nnz; k++)
        colind[k] = L->colind[k];
    s->A->ops->zero = zero_nothing;
    /* 2D particles: each particle's block factored alone, the electrode through its Schur
     * complement (schur.c), the particles spread over set->comm's ranks; else KLU on the
     * whole matrix. */
    if (L->nt[UPSCALE_NEG] || L->nt[UPSCALE_POS])
        s->LS = upscale_schur_create(L, set->comm, s->ctx);
    else
        s->LS = SUNLinSol_KLU(s->y, s->A, s->ctx);
    UPSCALE_ALLOC_CHECK(s->LS);
    /* KLU without its row scaling (the equations are weighted already, set_weights) and
     * without its check of the matrix (scale < 0: the pattern is the layout's, fixed). */
    if (!L->nt[UPSCALE_NEG] && !L->nt[UPSCALE_POS]) SUNLinSol_KLUGetCommon(s->LS)->scale = -1;
    /* Cahn-Hilliard cells: KLU orders by AMD (4% fewer instructions per step than COLAMD on
     * the paper cell, docs/numerics.md "Cost per step"); Fickian cells keep COLAMD. */
    if (!L->nt[UPSCALE_NEG] && !L->nt[UPSCALE_POS] && (L->ch[UPSCALE_NEG] || L->ch[UPSCALE_POS]))
        UPSCALE_SUNCALL(SUNLinSol_KLUSetOrdering(s->LS, 0), "SUNLinSol_KLUSetOrdering");
    if ((L->nt[UPSCALE_NEG] || L->nt[UPSCALE_POS]) && set->comm && set->comm->size > 1) {
        s->spread = 1;
        upscale_schur_own_nodes(L, set->comm, &m->own_lo, &m->own_hi);
    }
    UPSCALE_SUNCALL(IDASetLinearSolver(s->ida, s->LS, s->A), "IDASetLinearSolver");
    UPSCALE_SUNCALL(IDASetJacFn(s->ida, jac_cb), "IDASetJacFn");
    s->max_norm = set->newton_max_norm;
    s->give_up = !s->max_norm && !L->ch[UPSCALE_NEG] && !L->ch[UPSCALE_POS];
    s->NLS = SUNNonlinSol_Newton(s->y, s->ctx);
    s->work = upscale_nvector_create(L->n, s->ctx);
    s->work2 = upscale_nvector_create(L->n, s->ctx);
    s->kind = malloc((size_t)L->n);
    UPSCALE_ALLOC_CHECK(s->NLS && s->work && s->work2 && s->kind);
    upscale_layout_kinds(L, s->kind);
    if (set->algebraic_error_test == UPSCALE_ERROR_TEST_DIFFERENTIAL)
        s->err_mask = N_VGetArrayPointer(s->id);
    else if (s->id_err)
        s->err_mask = N_VGetArrayPointer(s->id_err);
    UPSCALE_SUNCALL(IDASetNonlinearSolver(s->ida, s->NLS), "IDASetNonlinearSolver");
    SUNNonlinearSolverContent_Newton c = s->NLS->content;
    s->ida_test = c->CTest;
    s->ida_test_data = c->ctest_data;
    UPSCALE_SUNCALL(SUNNonlinSolSetConvTestFn(s->NLS, conv_test, s), "SUNNonlinSolSetConvTestFn");
    if ((L->ch[UPSCALE_NEG] || L->ch[UPSCALE_POS]) && !L->nt[UPSCALE_NEG] && !L->nt[UPSCALE_POS]) {
        s->newton_solve = s->NLS->ops->solve;
        s->NLS->ops->solve = solve_fresh;
    }
    if (!L->nt[UPSCALE_NEG] && !L->nt[UPSCALE_POS]) {
        s->pred_u = malloc(sizeof(double) * (4 * (size_t)L->n + m->nkinetics));
        UPSCALE_ALLOC_CHECK(s->pred_u);
        s->pred_up = s->pred_u + L->n;
        s->pred_r = s->pred_up + L->n;
        s->last_u = s->pred_r + L->n;
        s->pred_kin = s->last_u + L->n;
        s->pred_on = 1;
        s->pred_retry = !s->newton_solve;
    }
    *out = s;
    return UPSCALE_OK;
}

void upscale_solver_destroy(upscale_solver **sp)
{
    if (!sp || !*sp) return;
    upscale_solver *s = *sp;
    IDAFree(&s->ida);
    if (s->LS) SUNLinSolFree(s->LS);
    if (s->NLS) SUNNonlinSolFree(s->NLS);
    if (s->work) N_VDestroy(s->work);
    if (s->work2) N_VDestroy(s->work2);
    free(s->kind);
    if (s->id_err) N_VDestroy(s->id_err);
    if (s->A) SUNMatDestroy(s->A);
    N_VDestroy(s->y);
    N_VDestroy(s->yp);
    N_VDestroy(s->id);
    if (s->cons) N_VDestroy(s->cons);
    SUNContext_Free(&s->ctx);
    free(s->scale);
    free(s->w);
    free(s->ws);
    free(s->y_phys);
    free(s->yp_phys);
    free(s->state);
    free(s->dstate);
    free(s->pred_u);
    free(s);
    *sp = NULL;
}

static void save_state(upscale_solver *s)
{
    const double *u = N_VGetArrayPointer(s->y), *up = N_VGetArrayPointer(s->yp);
    for (int i = 0; i < s->m->layout->n; i++) {
        s->state[i] = s->scale[i] * u[i];
        s->dstate[i] = s->scale[i] * up[i];
    }
}

upscale_err upscale_solver_restart(upscale_solver *s, double t, const double *y)
{
    double t0 = now();
    /* IDAReInit resets IDA's counters: bank them first. */
    upscale_solver_stats st;
    upscale_solver_get_stats(s, &st);
    s->done = st;
    s->done.wall_seconds = 0;
    s->pred_valid = s->last_ok = 0;
    s->attempt_over = 1;
    double *u = N_VGetArrayPointer(s->y);
    for (int i = 0; i < s->m->layout->n; i++)
        u[i] = y[i] / s->scale[i];
    N_VConst(0.0, s->yp);
    UPSCALE_SUNCALL(IDAReInit(s->ida, t, s->y, s->yp), "IDAReInit");
    s->counted = 0;
    /* The first output point only gives IDACalcIC a time scale. */
    if (s->id_err) UPSCALE_SUNCALL(IDASetId(s->ida, s->id), "IDASetId");
    int flag = IDACalcIC(s->ida, IDA_YA_YDP_INIT, t + 1e-3);
    s->ic_calls++;
    if (s->id_err) UPSCALE_SUNCALL(IDASetId(s->ida, s->id_err), "IDASetId");
    if (flag < 0)
        return upscale_error_sundials(flag, "IDACalcIC (consistent initial state)", __FILE__,
                                      __LINE__, __func__);
    UPSCALE_SUNCALL(IDAGetConsistentIC(s->ida, s->y, s->yp), "IDAGetConsistentIC");
    /* A small first step: IDA's own estimate follows the distance to tout, which for an
     * open-ended step (no duration) is arbitrary.  The step then grows geometrically. */
    UPSCALE_SUNCALL(IDASetInitStep(s->ida, 1e-3), "IDASetInitStep");
    save_state(s);
    s->wall += now() - t0;
    return UPSCALE_OK;
}

upscale_err upscale_solver_set_roots(upscale_solver *s, int n, const int *dir, upscale_root_fn fn,
                                     void *ctx)
{
    s->root_fn = fn;
    s->root_ctx = ctx;
    s->nroots = n;
    UPSCALE_SUNCALL(IDARootInit(s->ida, n, n ? root_cb : NULL), "IDARootInit");
    if (n) {
        UPSCALE_SUNCALL(IDASetRootDirection(s->ida, (int *)dir), "IDASetRootDirection");
        UPSCALE_SUNCALL(IDASetNoInactiveRootWarn(s->ida), "IDASetNoInactiveRootWarn");
    }
    return UPSCALE_OK;
}

/* After an accepted step: its order, and the kind of the unknown whose weighted local error
 * estimate is the largest of those in the error test. */
static void count_step(upscale_solver *s)
{
    int q = 0, n = s->m->layout->n, worst = -1;
    long nst = 0;
    /* a second return (a root, the stop time) from a step already counted */
    if (IDAGetNumSteps(s->ida, &nst) != IDA_SUCCESS || nst == s->counted) return;
    s->counted = nst;
    if (IDAGetLastOrder(s->ida, &q) == IDA_SUCCESS && q >= 1 && q <= 5) s->order[q - 1]++;
    if (IDAGetEstLocalErrors(s->ida, s->work) != IDA_SUCCESS ||
        IDAGetErrWeights(s->ida, s->work2) != IDA_SUCCESS)
        return;
    const double *e = N_VGetArrayPointer(s->work), *w = N_VGetArrayPointer(s->work2);
    double big = -1.0;
    for (int i = 0; i < n; i++) {
        double v = fabs(e[i] * w[i]);
        if (v > big && (!s->err_mask || s->err_mask[i] != 0.0)) {
            big = v;
            worst = i;
        }
    }
    if (worst >= 0) s->limiter[s->kind[worst]]++;
}

upscale_err upscale_solver_step(upscale_solver *s, double tstop, double *t, int *event)
{
    double t0 = now();
    /* a new attempt, and the model may have changed since the last step (the protocol) */
    s->pred_valid = s->last_ok = 0;
    s->attempt_over = 1;
    UPSCALE_SUNCALL(IDASetStopTime(s->ida, tstop), "IDASetStopTime");
    int flag = IDASolve(s->ida, tstop, t, s->y, s->yp, IDA_ONE_STEP);
    s->wall += now() - t0;
    *event = flag == IDA_ROOT_RETURN ? 1 : (flag == IDA_TSTOP_RETURN ? 2 : 0);
    if (flag < 0) {
        char what[600];
        snprintf(what, sizeof(what), "IDASolve (%s)", s->message);
        return upscale_error_sundials(flag, what, __FILE__, __LINE__, __func__);
    }
    save_state(s);
    count_step(s);
    return UPSCALE_OK;
}

upscale_err upscale_solver_state_at(upscale_solver *s, double t, double *y)
{
    N_Vector v = N_VMake_Serial(s->m->layout->n, y, s->ctx);
    UPSCALE_ALLOC_CHECK(v);
    upscale_nvector_set_ops(v);
    int flag = IDAGetDky(s->ida, t, 0, v);
    N_VDestroy(v);
    if (flag < 0) return upscale_error_sundials(flag, "IDAGetDky", __FILE__, __LINE__, __func__);
    for (int i = 0; i < s->m->layout->n; i++)
        y[i] *= s->scale[i];
    return UPSCALE_OK;
}

const double *upscale_solver_state(const upscale_solver *s)
{
    return s->state;
}

upscale_err upscale_solver_roots_found(upscale_solver *s, int *found)
{
    UPSCALE_SUNCALL(IDAGetRootInfo(s->ida, found), "IDAGetRootInfo");
    return UPSCALE_OK;
}

void upscale_solver_get_stats(const upscale_solver *s, upscale_solver_stats *st)
{
    long v[6] = {0};
    IDAGetNumSteps(s->ida, &v[0]);
    IDAGetNumResEvals(s->ida, &v[1]);
    IDAGetNumJacEvals(s->ida, &v[2]);
    IDAGetNumNonlinSolvIters(s->ida, &v[3]);
    IDAGetNumNonlinSolvConvFails(s->ida, &v[4]);
    IDAGetNumErrTestFails(s->ida, &v[5]);
    *st = s->done;
    st->steps += v[0];
    st->residual_evals += v[1];
    st->jacobian_evals += v[2];
    st->newton_iters += v[3];
    st->newton_fails += v[4];
    st->error_test_fails += v[5];
    IDAGetLastStep(s->ida, &st->last_step);
    st->ic_calls = s->ic_calls;
    st->wall_seconds = s->wall;
    memcpy(st->order, s->order, sizeof(s->order));
    memcpy(st->limiter, s->limiter, sizeof(s->limiter));
}
