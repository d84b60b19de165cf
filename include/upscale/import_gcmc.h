/* Command-line entry points of the biased-GCMC bridge (wired into src/main.c by the lead).
 *
 * Both take argc/argv as main() does, with argv[0] the command name and the options
 * after it, and return the exit status: 0 success, 2 bad input (one line on stderr
 * naming the file and line or the window), 4 I/O or other failure.
 *
 *   upscale import gcmc MANIFEST.csv [--sites N] [--bootstrap 200] [--seed 1]
 *                       [--temperature T] [--max-degree 40] [--criterion loo|bic]
 *                       [--drop-drifting] [--out PREFIX]
 *       reads the manifest (format: gcmc.h), prints per temperature the windows (samples,
 *       discarded, g, <N> +/- se, drift, mu by eq. 17), the fit degree, each miscibility
 *       gap (binodals, mu_coex, spinodals, mixing-energy maximum, with bootstrap standard
 *       deviations) and the conversions to x per formula unit and mol/m^3 when the
 *       manifest gives formula_units and volume.  --temperature selects one temperature
 *       (K, or kT for energy_unit eps); --criterion chooses the degree rule (gcmc.h);
 *       --drop-drifting leaves drifting windows out of the fit.  --out PREFIX writes
 * PREFIX_windows.csv, PREFIX_fit.csv and PREFIX_gaps.csv (read by postproc/plot_gcmc.py).
 *
 *   upscale gcmc-lattice --out DIR [--L 64] [--T 0.8] [--seed 1] [--sweeps 2000]
 *                       [--windows 217] [--phi 0.002] [--mu -2] [--nt-min -250]
 *                       [--nt-max L^2+250] [--sample-every 1]
 *       samples the biased 2D lattice gas (lattice.h) at T/T_c = --T (eps = 1), writes
 *       window files and manifest.csv into DIR, prints the exact coexistence values and
 *       the moves per second. */
#ifndef UPSCALE_IMPORT_GCMC_H
#define UPSCALE_IMPORT_GCMC_H

int upscale_import_gcmc_main(int argc, char **argv);
int upscale_gcmc_lattice_main(int argc, char **argv);

#endif
