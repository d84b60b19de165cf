/* SUNDIALS IDA + KLU around the model. */
#include "upscale/solver.h"

#include <ida/ida.h>
#include <nvector/nvector_serial.h>
#include <stdlib.h>
#include <string.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_klu.h>
#include <sunmatrix/sunmatrix_sparse.h>
#include <time.h>

struct upscale_solver {
    upscale_model *m;
    SUNContext ctx;
    void *ida;
    N_Vector y, yp, id, atol, cons;
    SUNMatrix A;
    SUNLinearSolver LS;
    upscale_root_fn root_fn;
    void *root_ctx;
    int nroots;
    long ic_calls;
    double wall;
    upscale_solver_stats done; /* counters of integrations before the last restart */
    sunindextype *rowptr, *colind; /* the layout's pattern in SUNDIALS' index type */
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int res_cb(sunrealtype t, N_Vector y, N_Vector yp, N_Vector r, void *data)
{
    const upscale_solver *s = data;
    return upscale_model_residual(s->m, t, N_VGetArrayPointer(y), N_VGetArrayPointer(yp),
                                  N_VGetArrayPointer(r));
}

static int jac_cb(sunrealtype t, sunrealtype cj, N_Vector y, N_Vector yp, N_Vector r, SUNMatrix J,
                  void *data, N_Vector t1, N_Vector t2, N_Vector t3)
{
    const upscale_solver *s = data;
    const upscale_model *m = s->m;
    const upscale_layout *L = m->layout;
    /* Restore the pattern (SUNMatZero would wipe it) and fill the values. */
    memcpy(SUNSparseMatrix_IndexPointers(J), s->rowptr, sizeof(sunindextype) * (L->n + 1));
    memcpy(SUNSparseMatrix_IndexValues(J), s->colind, sizeof(sunindextype) * L->nnz);
    int missing = upscale_model_jacobian(m, t, cj, N_VGetArrayPointer(y), N_VGetArrayPointer(yp),
                                         SUNSparseMatrix_Data(J));
    return missing ? -1 : 0;
}

static int root_cb(sunrealtype t, N_Vector y, N_Vector yp, sunrealtype *g, void *data)
{
    const upscale_solver *s = data;
    return s->root_fn(t, N_VGetArrayPointer(y), g, s->root_ctx);
}

static void silent_handler(int code, const char *module, const char *fn, char *msg, void *data)
{
    (void)code, (void)module, (void)fn, (void)msg, (void)data;
}

upscale_err upscale_solver_create(upscale_model *m, double rtol, double max_step,
                                  upscale_solver **out)
{
    upscale_solver *s = calloc(1, sizeof(*s));
    UPSCALE_ALLOC_CHECK(s);
    const upscale_layout *L = m->layout;
    s->m = m;
    UPSCALE_SUNCALL(SUNContext_Create(NULL, &s->ctx), "SUNContext_Create");
    s->y = N_VNew_Serial(L->n, s->ctx);
    s->yp = N_VNew_Serial(L->n, s->ctx);
    s->id = N_VNew_Serial(L->n, s->ctx);
    s->atol = N_VNew_Serial(L->n, s->ctx);
    UPSCALE_ALLOC_CHECK(s->y && s->yp && s->id && s->atol);
    memcpy(N_VGetArrayPointer(s->id), L->id, sizeof(double) * L->n);
    double *a = N_VGetArrayPointer(s->atol);
    for (int i = 0; i < L->n; i++) a[i] = rtol * m->scale[i];
    upscale_model_rest_state(m, N_VGetArrayPointer(s->y), N_VGetArrayPointer(s->yp));

    s->ida = IDACreate(s->ctx);
    UPSCALE_ALLOC_CHECK(s->ida);
    UPSCALE_SUNCALL(IDASetErrHandlerFn(s->ida, silent_handler, NULL), "IDASetErrHandlerFn");
    UPSCALE_SUNCALL(IDAInit(s->ida, res_cb, 0.0, s->y, s->yp), "IDAInit");
    UPSCALE_SUNCALL(IDASVtolerances(s->ida, rtol, s->atol), "IDASVtolerances");
    UPSCALE_SUNCALL(IDASetUserData(s->ida, s), "IDASetUserData");
    UPSCALE_SUNCALL(IDASetId(s->ida, s->id), "IDASetId");
    UPSCALE_SUNCALL(IDASetMaxNumSteps(s->ida, 1000000), "IDASetMaxNumSteps");
    if (max_step > 0) UPSCALE_SUNCALL(IDASetMaxStep(s->ida, max_step), "IDASetMaxStep");
    s->rowptr = malloc(sizeof(sunindextype) * (L->n + 1));
    s->colind = malloc(sizeof(sunindextype) * L->nnz);
    UPSCALE_ALLOC_CHECK(s->rowptr && s->colind);
    for (int i = 0; i <= L->n; i++) s->rowptr[i] = L->rowptr[i];
    for (int k = 0; k < L->nnz; k++) s->colind[k] = L->colind[k];
    s->A = SUNSparseMatrix(L->n, L->n, L->nnz, CSR_MAT, s->ctx);
    UPSCALE_ALLOC_CHECK(s->A);
    s->LS = SUNLinSol_KLU(s->y, s->A, s->ctx);
    UPSCALE_ALLOC_CHECK(s->LS);
    UPSCALE_SUNCALL(IDASetLinearSolver(s->ida, s->LS, s->A), "IDASetLinearSolver");
    UPSCALE_SUNCALL(IDASetJacFn(s->ida, jac_cb), "IDASetJacFn");
    *out = s;
    return UPSCALE_OK;
}

void upscale_solver_destroy(upscale_solver **sp)
{
    if (!sp || !*sp) return;
    upscale_solver *s = *sp;
    IDAFree(&s->ida);
    if (s->LS) SUNLinSolFree(s->LS);
    if (s->A) SUNMatDestroy(s->A);
    N_VDestroy(s->y);
    N_VDestroy(s->yp);
    N_VDestroy(s->id);
    N_VDestroy(s->atol);
    if (s->cons) N_VDestroy(s->cons);
    SUNContext_Free(&s->ctx);
    free(s->rowptr);
    free(s->colind);
    free(s);
    *sp = NULL;
}

upscale_err upscale_solver_restart(upscale_solver *s, double t, const double *y)
{
    double t0 = now();
    /* IDAReInit resets IDA's counters: bank them first. */
    upscale_solver_stats st;
    upscale_solver_get_stats(s, &st);
    s->done = st;
    s->done.wall_seconds = 0;
    memcpy(N_VGetArrayPointer(s->y), y, sizeof(double) * s->m->layout->n);
    N_VConst(0.0, s->yp);
    UPSCALE_SUNCALL(IDAReInit(s->ida, t, s->y, s->yp), "IDAReInit");
    /* The first output point only gives IDACalcIC a time scale. */
    int flag = IDACalcIC(s->ida, IDA_YA_YDP_INIT, t + 1e-3);
    s->ic_calls++;
    if (flag < 0) return upscale_error_sundials(flag, "IDACalcIC (consistent initial state)",
                                                __FILE__, __LINE__, __func__);
    UPSCALE_SUNCALL(IDAGetConsistentIC(s->ida, s->y, s->yp), "IDAGetConsistentIC");
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

upscale_err upscale_solver_step(upscale_solver *s, double tstop, double *t, int *event)
{
    double t0 = now();
    UPSCALE_SUNCALL(IDASetStopTime(s->ida, tstop), "IDASetStopTime");
    int flag = IDASolve(s->ida, tstop, t, s->y, s->yp, IDA_ONE_STEP);
    s->wall += now() - t0;
    *event = flag == IDA_ROOT_RETURN ? 1 : (flag == IDA_TSTOP_RETURN ? 2 : 0);
    if (flag < 0)
        return upscale_error_sundials(flag, "IDASolve", __FILE__, __LINE__, __func__);
    return UPSCALE_OK;
}

upscale_err upscale_solver_state_at(upscale_solver *s, double t, double *y)
{
    N_Vector v = N_VMake_Serial(s->m->layout->n, y, s->ctx);
    UPSCALE_ALLOC_CHECK(v);
    int flag = IDAGetDky(s->ida, t, 0, v);
    N_VDestroy(v);
    if (flag < 0) return upscale_error_sundials(flag, "IDAGetDky", __FILE__, __LINE__, __func__);
    return UPSCALE_OK;
}

const double *upscale_solver_state(const upscale_solver *s)
{
    return N_VGetArrayPointer(s->y);
}

const double *upscale_solver_derivative(const upscale_solver *s)
{
    return N_VGetArrayPointer(s->yp);
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
}
