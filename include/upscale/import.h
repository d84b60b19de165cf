/* `upscale import`: bring atomistic results into the continuum model's units.
 *
 *   upscale import msd FILE... [--temperatures T1,T2,...] [--timestep DT] [--log LOG]
 *                  [--units lj|metal|real|si] [--dim D] [--column NAME]
 *                  [--fit-start F] [--fit-end F] [--at T] [--csv FILE]
 *   upscale import excess TABLE.csv [--csv FILE]
 *
 * msd: D per file (or per run with an MSD column when FILE is a log.lammps) with its
 * standard error and fit window; with several temperatures, the Arrhenius fit, the
 * change-of-slope test and, with --at, the extrapolated D.  excess: the interfacial energy
 * and strain energy density of eq. 5 with their standard errors.  Rules:
 * include/upscale/msd.h, arrhenius.h, excess.h.
 *
 * --csv FILE (written only when the import succeeds, through a temporary name) holds what
 * the plots draw, one row per item, '#' lines with the units and the fitted numbers:
 *   msd     kind,T,D,D_lo,D_hi,D_err,extrapolated,name: `point` per series (D_err its
 *           standard error; T empty without --temperatures), `fit` the single Arrhenius
 *           line on 61 temperatures uniform in 1/T over the data and the --at temperatures
 *           with its interval at 95% (D_lo..D_hi), `fit_high`/`fit_low` the two regimes of
 *           an accepted change of slope (over their own points), `at` each prediction as
 *           printed (name: which line gave it); read by postproc/plot_arrhenius.py;
 *   excess  kind,L_m,dE_per_A_J_m2,lo,hi,A_m2,V_m3,dE_J in SI: `point` per supercell
 *           (L = V/A), `fit` the line 2 gamma + L eps_strain on 101 lengths from 0 with its
 *           95% interval (Student t, the fit's covariance); read by postproc/plot_excess.py.
 */
#ifndef UPSCALE_IMPORT_H
#define UPSCALE_IMPORT_H

/* argv[0] is "import".  Returns the exit status: 0, 2 bad input (one line on stderr naming
 * the file and line), 4 I/O error. */
int upscale_import_transport_main(int argc, char **argv);

#endif
