/* The driver: read a case, build the model, run the protocol as a state machine, record
 * the time series and field snapshots, and write the output file.
 *
 * Case keys besides the physics (docs/params.md): protocol.* (upscale/protocol.h),
 * numerics.* (mesh, rtol, max_step, algebraic_error_test), output.snapshot_interval,
 * output.fields. */
#ifndef UPSCALE_RUN_H
#define UPSCALE_RUN_H

#include <stdio.h>

#include "upscale/error.h"
#include "upscale/output.h"
#include "upscale/params.h"
#include "upscale/solver.h"

typedef struct {
    const char *case_path;
    const char *output_path;      /* NULL: do not write a file */
    const char *const *overrides; /* "key=value" strings */
    int noverrides;
    int progress;             /* print a progress line on stderr */
    const char *command_line; /* recorded in the output */
    /* Several runs in one file (upscale rates): with `output` set, the run is written into
     * that open file instead of output_path, every dataset and attribute below `group`
     * ("/rate_1C": /rate_1C/timeseries/voltage, ...; NULL or "" is the root). */
    upscale_output *output;
    const char *group;
    int force; /* replace a read-only output_path (upscale_file_check_output) */
    /* The ranks of `mpiexec -n P upscale run` (the program upscale-mpi): 2D particles are
     * spread over them (upscale/schur.h); NULL: one process. */
    const upscale_comm *comm;
} upscale_run_options;

typedef struct {
    int complete;        /* 1 if the protocol ran to its end */
    int interrupted;     /* the signal that stopped it (upscale_run_catch_signals), or 0 */
    int limited;         /* no step could start: each was already at a physical limit (the
                          * current unreachable within its cut-off), status "limit: ..." */
    char status[512];    /* "complete", "limit: <notes>", "incomplete: <reason>" or
                          * "interrupted: <signal>" */
    double capacity;     /* Ah/m^2 passed, counted from the start */
    double energy;       /* Wh/m^2 delivered (discharge positive) */
    double mean_voltage; /* V, energy / capacity */
    double final_time, final_voltage;
    double theoretical_capacity; /* Ah/m^2, the C-rate basis */
    char warnings[512];          /* e.g. an under-resolved interface; "" if none */
    char notes[2048];            /* how steps ended when not by their own stop condition */
    /* Relative drift of the sodium balance: of the inventory (solid + electrolyte), or in
     * single-particle mode of the particle's own balance (content change minus the
     * integrated surface flux, over the initial content; output /solver/particle_balance_drift) */
    double inventory_drift;
    double max_overpotential; /* V, largest |V - OCV| over the recorded rows */
    upscale_solver_stats stats;
    double rtol;
    /* 2: the case is a single 2D particle (positive.particle_dimension: 2 in cell.type
     * single_particle), which upscale_run refuses (UPSCALE_ERR_INPUT, nothing written) and
     * `upscale run` hands to the program upscale-particle2d; else 1 (0 if not read).  Cells
     * with 2D particles run in upscale_run itself. */
    int particle_dimension;
    int particles_2d; /* 2D particles of the cell (one per positive node), 0 if none */
} upscale_run_result;

/* Run a case.  Errors in input: UPSCALE_ERR_INPUT before any file is created; an output
 * path that cannot be written: UPSCALE_ERR_IO, also before the solve.  A solver failure:
 * the partial results are written (status "incomplete: ...") and UPSCALE_ERR_SOLVER is
 * returned; an interruption (see below): status "interrupted: ...", UPSCALE_ERR_INTERRUPTED. */
upscale_err upscale_run(const upscale_run_options *opt, upscale_run_result *res);

/* Ctrl-C and kill: after upscale_run_catch_signals(), SIGINT and SIGTERM only set a flag
 * (the handler does nothing else; a second signal ends the process at once).  A run checks
 * the flag between time steps and stops, writing what it computed so far.
 * upscale_run_interrupted() is the signal caught, 0 if none. */
void upscale_run_catch_signals(void);
int upscale_run_interrupted(void);
/* "SIGINT", "SIGTERM" or "a signal". */
const char *upscale_run_signal_name(int sig);

/* Read and check a case without solving it: every key, unit and range, the model and the
 * protocol are built exactly as upscale_run() builds them (UPSCALE_ERR_INPUT with its
 * one-line message on a mistake).  If p is not NULL it receives the parameters as read
 * (SI values filled in, defaults recorded; the caller destroys them); if
 * theoretical_capacity is not NULL it receives the C-rate basis in Ah/m^2. */
upscale_err upscale_run_check(const upscale_run_options *opt, upscale_params **p,
                              double *theoretical_capacity);

/* Load the case file and the command-line overrides into a new params object. */
upscale_err upscale_run_load_params(const upscale_run_options *opt, upscale_params **p);

/* The output keys every run reads: output.snapshot_interval (s, 0: none), output.fields, name
 * (and citation, description, accepted). */
upscale_err upscale_run_read_output_keys(upscale_params *p, double *snap_interval, int *fields,
                                         const char **case_name);
/* output.snapshot_interval dt against the protocol's length T (s) and the bytes of one
 * snapshot: at most 1e6 snapshots and 2 GB of them, else bad input naming the key. */
upscale_err upscale_run_check_snapshots(upscale_params *p, int fields, double dt, double T,
                                        double bytes);

#endif
