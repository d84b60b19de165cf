/* Functions of one variable y(x) used by the physics (OCP, diffusivities, rate constants,
 * electrolyte transport).  A parameter value selects one of three kinds:
 *     "1.0e-13 m^2/s"          a constant with its unit
 *     "formula NAME"           a formula registered in src/materials/formulas.c (each cites its
 * source) "table PATH.csv"         a CSV table with units in the header (upscale/table.h): Steffen
 * monotone cubic, linear extrapolation Units are converted once when the function is created;
 * evaluation is in SI and allocation-free. */
#ifndef UPSCALE_FUNCTION_H
#define UPSCALE_FUNCTION_H

#include <stddef.h>

#include "upscale/error.h"
#include "upscale/params.h"
#include "upscale/table.h"

/* A registered formula: y = f(x), dy/dx in *dydx (never NULL when called). */
typedef double (*upscale_formula_fn)(double x, double *dydx);
/* A formula that also depends on the temperature T (K): y(x, T) and dy/dx. */
typedef double (*upscale_formula_fn_t)(double x, double T, double *dydx);

typedef struct {
    const char *name;          /* registry key, e.g. "licoo2_ocp_doyle1996" */
    const char *x_unit;        /* SI unit of the argument ("1" for stoichiometry) */
    const char *y_unit;        /* SI unit of the value */
    const char *citation;      /* where the expression comes from */
    upscale_formula_fn fn;     /* y(x) (at 298.15 K for a temperature-dependent formula) */
    upscale_formula_fn_t fn_t; /* y(x, T), or NULL if the formula does not depend on T */
} upscale_formula;

/* The registry (src/materials/formulas.c).  NULL if no formula has that name. */
const upscale_formula *upscale_formula_find(const char *name);
const upscale_formula *upscale_formula_list(size_t *n);

typedef struct upscale_function upscale_function;

/* Read key from p.  x_unit, y_unit: the SI units the caller evaluates in; `what` names
 * the quantity in messages; every value (constant, or table entry) must lie in the range
 * lo..hi, with bounds made exclusive by flags (UPSCALE_RANGE_* of params.h).  Formulas
 * are not range-checked (they are code, tested as such). */
upscale_err upscale_function_from_params(upscale_params *p, const char *key, const char *x_unit,
                                         const char *y_unit, const char *what, double lo, double hi,
                                         int flags, upscale_function **f);
/* A constant function (for tests and built-in defaults). */
upscale_err upscale_function_constant(double value, upscale_function **f);
/* A function given by code with a context the caller owns (it must outlive *f). */
typedef double (*upscale_function_callback_fn)(double x, const void *ctx, double *dydx);
upscale_err upscale_function_callback(upscale_function_callback_fn fn, const void *ctx,
                                      upscale_function **f);
void upscale_function_destroy(upscale_function **f);

/* The table of a `table FILE` function; NULL for the other kinds. */
const upscale_table *upscale_function_table(const upscale_function *f);

/* y(x) and, if dydx is not NULL, y'(x). */
double upscale_function_eval(const upscale_function *f, double x, double *dydx);
/* The temperature (K) at which a temperature-dependent formula is evaluated (298.15 K until
 * set; constants and tables do not depend on it). */
void upscale_function_set_temperature(upscale_function *f, double T);
/* 1 if f is a constant (its value never changes with x). */
int upscale_function_is_constant(const upscale_function *f);

#endif
