/* Self-diffusivity from a mean-square displacement time series (paper 002, eq. 1-2):
 *
 *     MSD(t) = 2 d D t  for t in the diffusive regime,  D = slope / (2 d).
 *
 * Sources: a LAMMPS fix ave/time file of `compute msd` (time = TimeStep x dt), a column of
 * a LAMMPS log thermo block (time = Step x dt), or plain two-column text (time, MSD).
 * Times and MSD are in the units of the LAMMPS style of the run (upscale_lammps_units):
 * D comes out in length^2/time of that style.  The time origin is step 0, or the first
 * row when its MSD is zero there (below 1e-12 of the largest: the compute was defined
 * there).  Only the start of the window depends on the origin; the slope does not.
 *
 * Fit window (defaults; every limit can be set):
 *   start  the later of (a) the first time where the local log-log slope
 *          alpha(t) = d ln MSD / d ln t, fitted over [t/2, 2t], comes within alpha_tol = 0.1
 *          of 1 (end of the ballistic and caging regime), or where the same exponent of
 *          MSD - MSD(t_1) does and stays so up to 4 t (t_1 the first positive time: it
 *          falls to 1 from above for any MSD; a plateau reached by t_1,
 *          as the vibrational cage of a solid, keeps the exponent of MSD below 1 long after
 *          the motion is diffusive), whichever comes first, and (b) start_fraction = 0.1 of
 *          the last time t_max;
 *   end    end_fraction = 0.9 of t_max: the tail of an MSD averaged over time origins has
 *          few origins and is the noisiest part.
 * D is the slope of an ordinary least-squares line MSD = a + b t over the window (the
 * intercept absorbs the ballistic offset).  Its standard error is the block estimate: the
 * window is cut into nblocks = 5 consecutive blocks of equal duration, D_k fitted in each,
 * and SE = sd(D_k) / sqrt(nblocks) (neighbouring MSD points are strongly correlated, so
 * the regression's own standard error is far too small).  With fewer than 3 points per
 * block the regression standard error is reported instead and error_method says so.
 * Regime test: the log-log slope alpha of the MSD over the window is reported, but an MSD
 * a + 2 d D t with a short-time plateau a > 0 (ballistic motion, or the vibrational cage of
 * a solid) has alpha < 1 although it is diffusive.  The test uses the exponent of the
 * diffusive part instead: MSD = a + c t^alpha_d has dMSD/dt = c alpha_d t^(alpha_d - 1),
 * so alpha_d - 1 is the least-squares slope of ln D_k of the blocks against ln of their
 * mid times (a drops out), with its regression standard error.  The window is not
 * diffusive (diffusive = 0: D is then only an upper bound) when a block slope is <= 0, or
 * |alpha_d - 1| > alpha_tol and > 2 se.  Without blocks (too few points) the test falls
 * back to |alpha - 1| > alpha_tol. */
#ifndef UPSCALE_MSD_H
#define UPSCALE_MSD_H

#include "upscale/error.h"
#include "upscale/lammps.h"

typedef struct upscale_msd upscale_msd;

/* Where the MSD column and the time scale come from. */
typedef struct {
    const char *column; /* MSD column; NULL: the only column ending in "[4]" (compute msd's
                           total), else the only value column of a two-column file */
    double timestep;    /* time per step for step-indexed data; <= 0: not known (a
                           step-indexed file is then an error; a log run uses its own) */
} upscale_msd_source;

/* Read a fix ave/time file or plain (time, MSD) text.  A file whose first column is named
 * "TimeStep" or "Step" is step-indexed.  Errors name the file and line: unreadable or
 * truncated rows, times not strictly increasing (unsorted or repeated), negative or
 * non-finite MSD, fewer than 3 rows, unknown or ambiguous column. */
upscale_err upscale_msd_read(const char *path, const upscale_msd_source *src, upscale_msd **m);
/* The MSD column of run `run` of a log; an aborted or truncated run is an input error
 * naming the log line where it ended. */
upscale_err upscale_msd_from_log(const upscale_lammps_log *log, int run,
                                 const upscale_msd_source *src, upscale_msd **m);
/* From arrays (time strictly increasing); name labels messages. */
upscale_err upscale_msd_create(const double *t, const double *msd, int n, const char *name,
                               upscale_msd **m);
void upscale_msd_destroy(upscale_msd **m);

int upscale_msd_size(const upscale_msd *m);
const double *upscale_msd_time(const upscale_msd *m);
const double *upscale_msd_values(const upscale_msd *m);
const char *upscale_msd_name(const upscale_msd *m);
/* The column used ("" for plain files). */
const char *upscale_msd_column(const upscale_msd *m);

typedef struct {
    int dim;               /* d in MSD = 2 d D t (default 3) */
    double start_fraction; /* window starts no earlier than this fraction of t_max (0.1) */
    double end_fraction;   /* window ends at this fraction of t_max (0.9) */
    double alpha_tol;      /* diffusive: |alpha - 1| <= alpha_tol (0.1) */
    int nblocks;           /* blocks of the standard error (5) */
    double t_start, t_end; /* explicit window (time units) when > 0; override the rules */
} upscale_msd_settings;

void upscale_msd_settings_default(upscale_msd_settings *s);

typedef enum {
    UPSCALE_MSD_ERROR_BLOCKS = 0, /* SE from the spread of block slopes */
    UPSCALE_MSD_ERROR_REGRESSION, /* too few points: OLS standard error (too small) */
} upscale_msd_error_method;

typedef struct {
    double D, D_err;       /* diffusivity and its standard error */
    double intercept;      /* a of MSD = a + b t */
    double t_start, t_end; /* the window used (first and last time inside) */
    int n;                 /* points in the window */
    double t_diffusive;    /* first time with |alpha - 1| <= alpha_tol; NAN if none */
    double alpha;          /* log-log slope of the MSD over the window */
    double alpha_diff;     /* exponent of the diffusive part (from the block slopes); -INFINITY
                              when a block slope is <= 0, NAN without blocks */
    double alpha_diff_err; /* its standard error */
    int diffusive;         /* the regime test above */
    upscale_msd_error_method error_method;
} upscale_msd_result;

/* Fit D.  Errors: settings out of range, a window with fewer than 3 points, all MSD in
 * the window equal (ill-conditioned). */
upscale_err upscale_msd_fit(const upscale_msd *m, const upscale_msd_settings *s,
                            upscale_msd_result *r);

#endif
