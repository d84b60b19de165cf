/* Tabulated functions y(x) read from CSV files whose header carries the units.
 *
 * Format: optional comment lines starting with '#'; one header line with two column
 * names each ending in a unit in brackets, e.g.
 *     Electrolyte concentration [mol.m-3],Electrolyte conductivity [S.m-1]
 * (a column without brackets is dimensionless); then rows "x,y" (comma, optional spaces).
 * Values are converted to the SI units the caller asks for.  Rows are sorted by x and
 * exact duplicate x dropped (digitised tables often come unsorted; the sort is stated in
 * docs/params.md); x values that repeat with different y are an error.
 *
 * Interpolation: Steffen's monotone cubic (GSL gsl_interp_steffen): continuous first
 * derivative, no overshoot, so Newton sees a smooth function.  Outside the table: linear
 * extrapolation with the end slope (as in the source models of our data).  Tables with
 * fewer than 3 rows interpolate linearly. */
#ifndef UPSCALE_TABLE_H
#define UPSCALE_TABLE_H

#include "upscale/error.h"
#include "upscale/units.h"

typedef struct upscale_table upscale_table;

/* Read `path`; convert column 1 to `x_unit`, column 2 to `y_unit`.  Errors (missing
 * file, malformed row, non-finite value, wrong unit, < 2 rows, conflicting duplicate)
 * are UPSCALE_ERR_INPUT with message "PATH:LINE: what was expected". */
upscale_err upscale_table_read(const upscale_units *u, const char *path, const char *x_unit,
                               const char *y_unit, upscale_table **t);
/* From arrays (already SI), same sorting rules. */
upscale_err upscale_table_create(const double *x, const double *y, int n, upscale_table **t);
void upscale_table_destroy(upscale_table **t);

/* y(x); if dydx is not NULL it receives the derivative.  Thread-compatible: no hidden
 * state is modified (the bracketing search is a bisection). Allocation-free. */
double upscale_table_eval(const upscale_table *t, double x, double *dydx);
int upscale_table_size(const upscale_table *t);
/* Smallest and largest tabulated y (the interpolant stays within them: Steffen is
 * monotone between nodes; extrapolation can leave them). */
void upscale_table_range(const upscale_table *t, double *ymin, double *ymax);
const char *upscale_table_path(const upscale_table *t);
/* Direction of the tabulated y over increasing x: 1 never decreasing, -1 never increasing
 * (a constant table is both: 1), 0 neither; then *x_turn is the tabulated x where y first
 * turns back. */
int upscale_table_monotone(const upscale_table *t, double *x_turn);
/* Smallest and largest tabulated x. */
void upscale_table_domain(const upscale_table *t, double *xmin, double *xmax);
/* 0 if the rows came in strictly increasing x; otherwise where the first row whose x does
 * not exceed the previous row's stands (file line, or 1-based index for arrays): the table
 * was sorted or an exact duplicate dropped.  For callers whose data must come ordered. */
int upscale_table_unordered_row(const upscale_table *t);

#endif
