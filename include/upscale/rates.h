/* Rate capability: one case run at several C-rates, written to one HDF5 file.
 *
 * The C-rate replaces the current (or c_rate) of the protocol's first current step (the
 * first `discharge`, `charge` or `gitt` entry): the run at rate c is the case with
 * `--set protocol.G.c_rate=c`, where 1C is the theoretical capacity of the initial state in
 * the direction of that step delivered in one hour (upscale_run_result.theoretical_capacity,
 * stored in the file).
 *
 * File: one group per rate, /rate_<c>C (c printed with %g: rate_0.1C, rate_2C), holding
 * exactly what a single `upscale run` file holds at its root (timeseries, fields, mesh,
 * parameters, solver, summary and the root attributes); /summary with one element per rate
 * in the order given: c_rate [1], current [A/m^2], capacity [Ah/m^2], energy [Wh/m^2] (to
 * the cut-off: the whole protocol), mean_voltage [V], max_overpotential [V] (largest
 * |V - OCV|), wall_time [s], complete [1], status and group (strings); root attributes
 * version, case, command_line, theoretical_capacity [Ah/m^2], c_rate_basis, first_step
 * (the protocol entry whose rate is set) and status ("complete", or "incomplete: ..."
 * naming the first rate that did not finish). */
#ifndef UPSCALE_RATES_H
#define UPSCALE_RATES_H

#include <stdio.h>

#include "upscale/error.h"
#include "upscale/run.h"

typedef struct {
    const char *case_path;
    const char *output_path; /* NULL: no file */
    const char *const *overrides;
    int noverrides;
    const double *c_rates; /* > 0, distinct */
    int n;
    const char *command_line;
    int progress; /* each run's progress line on a terminal (stderr) */
    int force;    /* replace a read-only output_path (upscale_file_check_output) */
} upscale_rates_options;

typedef struct {
    double c_rate;
    double current; /* A/m^2 */
    double wall_time;
    char group[64]; /* "/rate_0.1C" */
    upscale_err err;
    upscale_run_result run;
} upscale_rates_point;

/* Check every rate's case first (bad input: UPSCALE_ERR_INPUT, nothing written) and the
 * output path (UPSCALE_ERR_IO), then run them in order, each written as soon as it ends.  A
 * solver failure at one rate is recorded and the others still run; the return value is then
 * UPSCALE_ERR_SOLVER.  A signal (upscale_run_catch_signals) ends the rate that runs, the
 * others are not run ("not run: interrupted"); the file is written with status
 * "interrupted: ..." and the return value is UPSCALE_ERR_INTERRUPTED.  out
 * has opt->n elements; *theoretical_capacity is the 1C basis in Ah/m^2. */
upscale_err upscale_rates_run(const upscale_rates_options *opt, upscale_rates_point *out,
                              double *theoretical_capacity);

/* The summary table, one line per rate, with units (as `upscale rates` prints it). */
void upscale_rates_print(FILE *f, const upscale_rates_options *opt, const upscale_rates_point *pts,
                         double theoretical_capacity);

#endif
