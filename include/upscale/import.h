/* `upscale import`: bring atomistic results into the continuum model's units.
 *
 *   upscale import msd FILE... [--temperatures T1,T2,...] [--timestep DT] [--log LOG]
 *                  [--units lj|metal|real|si] [--dim D] [--column NAME]
 *                  [--fit-start F] [--fit-end F] [--at T]
 *   upscale import excess TABLE.csv
 *
 * msd: D per file (or per run with an MSD column when FILE is a log.lammps) with its
 * standard error and fit window; with several temperatures, the Arrhenius fit, the
 * change-of-slope test and, with --at, the extrapolated D.  excess: the interfacial energy
 * and strain energy density of eq. 5 with their standard errors.  Rules:
 * include/upscale/msd.h, arrhenius.h, excess.h. */
#ifndef UPSCALE_IMPORT_H
#define UPSCALE_IMPORT_H

/* argv[0] is "import".  Returns the exit status: 0, 2 bad input (one line on stderr naming
 * the file and line), 4 I/O error. */
int upscale_import_transport_main(int argc, char **argv);

#endif
