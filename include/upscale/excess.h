/* Interfacial and strain energy from two-phase supercells (paper 002, eq. 4-5).
 *
 * Each supercell of N unit cells holds both phases (half of it of each in the paper) with
 * two interfaces of area A under periodic boundary conditions.  Its excess energy over the
 * pure phases (eq. 4),
 *     dE = E - E_ref,   E_ref = N/2 E_a + N/2 E_b  (per unit cell energies),
 * is an interface term plus a strain term proportional to the volume (eq. 5):
 *     dE = 2 A gamma + V eps_strain.
 * Dividing by A gives a straight line in the cell length normal to the interface,
 *     dE / A = 2 gamma + (V / A) eps_strain,
 * fitted by ordinary least squares (gsl_fit_linear): gamma = intercept / 2 (note the 2: two
 * interfaces per cell), eps_strain = slope.  With A the same in every cell this is exactly
 * the paper's fit of dE against V.  Standard errors come from the residual scatter
 * (n - 2 degrees of freedom), intervals from the Student t quantile.
 *
 * Table: CSV, '#' comment lines, one header line of "name [unit]" fields (any unit
 * UDUNITS-2 converts to the SI unit of the column), then one row per supercell.  Columns:
 *   length      L [length]  or  n_cells and cell_length [length] (L = n_cells cell_length)
 *   area        A [area]    area of one interface
 *   volume      V [volume]  optional, default A L
 *   energy      E [energy]  two-phase supercell, and the reference as one of
 *                 E_pure_a, E_pure_b [energy]: pure-phase supercells of the same size,
 *                   E_ref = x_a E_pure_a + (1 - x_a) E_pure_b, x_a optional (default 1/2);
 *                 e_a, e_b [energy] per formula unit with counts count_a, count_b:
 *                   E_ref = count_a e_a + count_b e_b;
 *               or E_excess [energy] directly.
 * Other columns are ignored. */
#ifndef UPSCALE_EXCESS_H
#define UPSCALE_EXCESS_H

#include "upscale/error.h"
#include "upscale/units.h"

typedef struct upscale_excess upscale_excess;

/* Read a table; errors name the file and line (missing column, unit that does not convert,
 * malformed or non-finite value, A or V <= 0). */
upscale_err upscale_excess_read(const upscale_units *u, const char *path, upscale_excess **x);
/* From SI arrays: interface area A [m^2], volume V [m^3], excess energy dE [J]. */
upscale_err upscale_excess_create(const double *A, const double *V, const double *dE, int n,
                                  upscale_excess **x);
void upscale_excess_destroy(upscale_excess **x);

int upscale_excess_size(const upscale_excess *x);
const double *upscale_excess_area(const upscale_excess *x);   /* m^2 */
const double *upscale_excess_volume(const upscale_excess *x); /* m^3 */
const double *upscale_excess_energy(const upscale_excess *x); /* excess energy dE, J */

typedef struct {
    int n, dof;
    double gamma, gamma_err;   /* interfacial energy, J/m^2 */
    double strain, strain_err; /* strain energy density, J/m^3 */
    double cov;                /* covariance of (gamma, strain), J^2/m^5 */
    double level, tq;          /* confidence level and the Student t quantile */
    double gamma_lo, gamma_hi, strain_lo, strain_hi;
    double rms; /* rms residual of dE/A, J/m^2 */
} upscale_excess_result;

/* Fit eq. 5.  Errors: fewer than 3 cells, all cells with the same V/A (ill-conditioned). */
upscale_err upscale_excess_fit(const upscale_excess *x, double level, upscale_excess_result *r);

#endif
