/* Time integration: SUNDIALS IDA (variable-order BDF) with the KLU sparse direct solver and
 * the model's analytic Jacobian in CSR form.  Absolute tolerances are rtol times the
 * model's per-unknown scales, so one setting (numerics.rtol) fits every variable.
 * Stop conditions are IDA roots supplied by the driver (upscale/protocol.h). */
#ifndef UPSCALE_SOLVER_H
#define UPSCALE_SOLVER_H

#include "upscale/error.h"
#include "upscale/layout.h"
#include "upscale/model.h"

typedef struct upscale_solver upscale_solver;

/* Root functions: g[k] for k < n, evaluated on (t, y). */
typedef int (*upscale_root_fn)(double t, const double *y, double *g, void *ctx);

typedef struct {
    long steps, residual_evals, jacobian_evals, newton_iters, newton_fails, error_test_fails,
        ic_calls;
    double last_step, wall_seconds;
    /* Accepted steps by the BDF order taken (order[q - 1], q = 1..5) and by the kind of the
     * unknown with the largest weighted local error among those in the error test
     * (limiter[upscale_kind]): where the steps go. */
    long order[5], limiter[UPSCALE_KIND_COUNT];
} upscale_solver_stats;

/* What IDA's local error test includes (numerics.algebraic_error_test). */
enum {
    UPSCALE_ERROR_TEST_DIFFERENTIAL,          /* false: differential unknowns only */
    UPSCALE_ERROR_TEST_ALL,                   /* true: every unknown */
    UPSCALE_ERROR_TEST_NO_PARTICLE_POTENTIALS /* all but the particles' mu (and z) */
};

/* Processes sharing one run (MPI ranks of `mpiexec -n P upscale run`; the library never calls
 * MPI itself): rank, size and an all-gather in which every rank contributes counts[rank]
 * doubles from send and receives all contributions, in rank order, into recv (rank q's at
 * displs[q]).  Returns 0 on success. */
typedef struct {
    int rank, size;
    int (*allgatherv)(void *ctx, const double *send, int nsend, double *recv, const int *counts,
                      const int *displs);
    void *ctx;
} upscale_comm;

/* Settings (numerics.* in a case).  Defaults: upscale_solver_settings_default(). */
typedef struct {
    double rtol;              /* relative tolerance; absolute = rtol x the unknown's scale */
    double max_step;          /* s, 0 for no limit */
    int algebraic_error_test; /* UPSCALE_ERROR_TEST_* */
    int newton_max_norm;      /* Newton converged only when every weighted correction is <= 1 */
    const upscale_comm *comm; /* the ranks 2D particles are spread over; NULL: one process */
} upscale_solver_settings;

upscale_solver_settings upscale_solver_settings_default(void);
upscale_err upscale_solver_create(upscale_model *m, const upscale_solver_settings *set,
                                  upscale_solver **s);
void upscale_solver_destroy(upscale_solver **s);

/* Restart at (t, y): differential unknowns from y, algebraic unknowns re-solved
 * (IDACalcIC), y' consistent.  Used at t = 0 and at every protocol switch. */
upscale_err upscale_solver_restart(upscale_solver *s, double t, const double *y);
/* Set (n = 0 clears) the stop conditions; dir[k] = -1, 0, +1 as in IDASetRootDirection. */
upscale_err upscale_solver_set_roots(upscale_solver *s, int n, const int *dir, upscale_root_fn fn,
                                     void *ctx);
/* One internal step towards tstop (never past it).  *event = 1 if a root was found, 2 if
 * tstop was reached.  On return the state is at *t. */
upscale_err upscale_solver_step(upscale_solver *s, double tstop, double *t, int *event);
/* Interpolated state at t (within the last step). */
upscale_err upscale_solver_state_at(upscale_solver *s, double t, double *y);
/* Current state (read-only). */
const double *upscale_solver_state(const upscale_solver *s);
/* Which roots fired in the last step (array of n). */
upscale_err upscale_solver_roots_found(upscale_solver *s, int *found);
void upscale_solver_get_stats(const upscale_solver *s, upscale_solver_stats *st);

#endif
