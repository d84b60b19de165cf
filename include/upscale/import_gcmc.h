/* Command-line entry points of the biased-GCMC bridge (wired into src/main.c by the lead).
 *
 * Both take argc/argv as main() does, with argv[0] the command name and the options
 * after it, and return the exit status: 0 success, 2 bad input (one line on stderr
 * naming the file and line or the window), 4 I/O or other failure.
 *
 *   upscale import gcmc MANIFEST.csv [--sites N] [--bootstrap 200] [--seed 1]
 *                       [--temperature T] [--max-degree 40] [--criterion loo|bic]
 *                       [--drop-drifting] [--out PREFIX]
 *                       [-o MATERIAL.yaml [--sites-per-fu S] [--site-density N_PER_M3]
 *                        [--name NAME] [--rk-terms N]]
 *       reads the manifest (format: gcmc.h), prints per temperature the windows (samples,
 *       discarded, g, <N> +/- se, drift, mu by eq. 17), the fit degree, each miscibility
 *       gap (binodals, mu_coex, spinodals, mixing-energy maximum, with bootstrap standard
 *       deviations) and the conversions to x per formula unit and mol/m^3 when the
 *       manifest gives formula_units and volume.  --temperature selects one temperature
 *       (K, or kT for energy_unit eps); --criterion chooses the degree rule (gcmc.h);
 *       --drop-drifting leaves drifting windows out of the fit.  --out PREFIX writes
 *       PREFIX_windows.csv, PREFIX_fit.csv (with mu_sd, the bootstrap band of mu) and
 *       PREFIX_gaps.csv (read by postproc/plot_gcmc.py).  A summary table ends the output:
 *       per temperature the windows' binodals, mixing-energy maximum and where, and with
 *       -o the model's binodals and mixing-energy maximum.
 *       -o MATERIAL.yaml fits the Redlich-Kister material of rk_material.h to the windows
 *       of all temperatures and writes the material file the simulator reads, with every
 *       coefficient's bootstrap spread, the numbers derived per temperature, and the
 *       checksums of the inputs (model, rules and keys: gcmc.h).  --sites-per-fu and
 *       --site-density (formula units per m^3) default to the manifest's
 *       sites_per_formula_unit (or sites / formula_units) and formula_units / volume;
 *       --name is the material's name (default: the file name without its extension);
 *       --rk-terms fixes the number of terms (default: cross-validation).  Needs windows
 *       at 2 or more temperatures, an energy unit with a Boltzmann constant and
 *       --bootstrap >= 20.  On any error the file is not written (an existing one is left
 *       as it was).  The last line gives the wall time.
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
