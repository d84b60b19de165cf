/* Parameter sweeps: one base case run at many points of a grid and/or a list over any
 * parameter keys, with one results file that grows point by point and can be resumed.
 *
 * Sweep file (YAML, read with the params module; docs/sweeps.md):
 *
 *   base: ../cases/validation/chayambuka2022_5A.yaml   # relative to the sweep file
 *   name: radius_thickness          # optional
 *   set:                            # optional: overrides of every point, like --set
 *     numerics.rtol: 5e-3
 *   grid:                           # every combination, the first key varying slowest
 *     positive.particle_radius: [0.5 um, 1 um]
 *     positive.thickness: [40 um, 68 um]
 *     protocol.0.c_rate: [0.1, 1]
 *   list:                           # points given one by one
 *     - {positive.particle_radius: 2 um, positive.thickness: 100 um}
 *   outputs: false                  # true: every point's full output file as well
 *
 * With both grid and list, every list entry is combined with every grid point (list entry
 * outermost), so `list` can name geometries and `grid` the C-rates.  A key may not be both
 * in the grid and in the list.  The values are text exactly as after --set KEY=.
 *
 * A point is the base case with the `set` overrides, then the point's own, applied like
 * `upscale run BASE --set ...` (the same numbers come out).  upscale_sweep_validate()
 * reads every point as upscale_run_check() does before anything runs; a mistake is one
 * line "SWEEP:LINE: KEY: what was expected (point N)".
 *
 * Results file (one rank writes it; upscale_sweep_results_*): created with the sweep's
 * definition, then one row per finished point appended to the /results tables, each
 * commit atomic (copy, append, flush, rename), so a killed sweep leaves the last good
 * file.  The canonical text of the definition (base as written, set, every point's
 * overrides) and its 64-bit FNV-1a hash are stored; a resumed sweep whose definition
 * differs is refused.  Layout in docs/sweeps.md. */
#ifndef UPSCALE_SWEEP_H
#define UPSCALE_SWEEP_H

#include <stddef.h>

#include "upscale/error.h"
#include "upscale/params.h"
#include "upscale/run.h"

typedef struct upscale_sweep upscale_sweep;

/* Read a sweep file and expand its points (no case is read yet).  Unknown top-level keys,
 * an empty range, a missing base: UPSCALE_ERR_INPUT with a one-line message. */
upscale_err upscale_sweep_load(const char *path, upscale_sweep **s);
void upscale_sweep_destroy(upscale_sweep **s);

int upscale_sweep_count(const upscale_sweep *s); /* points */
int upscale_sweep_nkeys(const upscale_sweep *s); /* swept keys, in order of appearance */
const char *upscale_sweep_key(const upscale_sweep *s, int k);
/* The text the point gives key k ("" where the point leaves it to the base case). */
const char *upscale_sweep_value(const upscale_sweep *s, int point, int k);
const char *upscale_sweep_file(const upscale_sweep *s);
const char *upscale_sweep_base(const upscale_sweep *s); /* the resolved base case path */
const char *upscale_sweep_name(const upscale_sweep *s); /* `name`, else the file's stem */
int upscale_sweep_outputs(const upscale_sweep *s);      /* 1 if every point writes a file */
/* Canonical definition (one line per override and per point) and its hash (16 hex). */
const char *upscale_sweep_definition(const upscale_sweep *s);
const char *upscale_sweep_hash(const upscale_sweep *s);

/* Run options of a point: case_path and overrides (the other fields zero).  The pointers
 * live as long as s. */
void upscale_sweep_point_options(const upscale_sweep *s, int point, upscale_run_options *opt);

/* Read and check every point as upscale_run would (params, model, protocol, unknown keys),
 * nothing solved.  Records the SI value and unit of every swept key at every point. */
upscale_err upscale_sweep_validate(upscale_sweep *s);
/* After validate: SI value of key k at a point (NAN if not read as a quantity) and unit. */
double upscale_sweep_si_value(const upscale_sweep *s, int point, int k);
const char *upscale_sweep_si_unit(const upscale_sweep *s, int k);
/* After validate: every parameter of point 0 as read (defaults included; NULL before). */
const upscale_params *upscale_sweep_parameters(const upscale_sweep *s);

/* One finished point, as appended to the results file (plain data: ranks send it as
 * bytes). */
typedef struct {
    int point;
    int status;        /* 0 complete, else the upscale_err of the run (3 solver failure) */
    int rank, session; /* who ran it, in which invocation (1, 2, ... on resumes) */
    char message[512]; /* "complete" or the error message */
    double start_time, end_time; /* s since the Unix epoch (wall clock) */
    double wall_time;            /* s, monotonic clock */
    upscale_run_result run;
} upscale_sweep_record;

/* Run one point; never fails (a failure is recorded in rec).  output_path: the point's full
 * output file, or NULL. */
void upscale_sweep_run_point(const upscale_sweep *s, int point, const char *output_path, int rank,
                             int session, upscale_sweep_record *rec);

/* Full output of a point: RESULTS without ".h5", "_points/", the point number with at least
 * four digits, ".h5" (out: at least 4096 bytes recommended). */
void upscale_sweep_point_path(const upscale_sweep *s, const char *results, int point, char *out,
                              size_t size);

/* One writer per results file: take the lock PATH.lock (an fcntl write lock, held until
 * upscale_sweep_results_unlock or the process ends, so a killed sweep never leaves it
 * held).  Another sweep holding it: UPSCALE_ERR_IO "'PATH' is being written by another
 * sweep (process N)".  With the lock held, the temporaries a killed sweep left behind
 * (PATH.tmp, PATH.tmp.XXXXXX) are removed.  *fd receives the lock's descriptor. */
upscale_err upscale_sweep_results_lock(const char *path, int *fd);
/* Remove PATH.lock and release the lock. */
void upscale_sweep_results_unlock(const char *path, int fd);

/* Create the results file (session 1), or open the existing one, check that it was made
 * by the same sweep (UPSCALE_ERR_INPUT naming the first difference otherwise) and start a
 * new session.  done[point] (count() ints) is set to 1 for every point already recorded
 * as complete, 2 for one recorded as failed, 0 for the others.
 * Call after upscale_sweep_validate(). */
upscale_err upscale_sweep_results_open(const upscale_sweep *s, const char *path,
                                       const char *command_line, int *done, int *session);
/* Append n records in one atomic commit. */
upscale_err upscale_sweep_results_append(const upscale_sweep *s, const char *path,
                                         const upscale_sweep_record *rec, int n);

#endif
