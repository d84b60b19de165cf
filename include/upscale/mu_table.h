/* Intercalation host given as tables of its homogeneous chemical potential at several
 * temperatures (from GCMC windows, or a free energy evaluated off-line), interpolated
 * linearly in T.  Material file (e.g. params/mnfepba_mu_tables/mnfepba.yaml):
 *
 *     citation: "..."                    optional
 *     material: mnfepba                  optional
 *     sites_per_formula_unit: 2          n: x runs over [0, n]
 *     site_density: 4.0e27 m^-3          formula units per m^3: c_max = n site_density / N_A
 *     reference_energy: -3.34 eV         E0, eV per ion against the metal (as rk_material.h)
 *     ideal_sites: true                  optional, default false
 *     tables:                            one or more, in increasing temperature
 *       - {temperature: 300 K, file: mu_300K.csv}
 *       - {temperature: 500 K, file: mu_500K.csv}
 *
 * Keys under uncertainty., derived. and provenance. (records written by `upscale import
 * gcmc -o`, include/upscale/gcmc.h) are accepted and ignored.
 *
 * Each file is a CSV of upscale/table.h (path relative to the material file) with columns
 * x [1] (ions per formula unit) and f [eV], rows in strictly increasing x within [0, n]:
 *     f_i(x) = mu_h(x, T_i) - E0                       ideal_sites: false
 *     f_i(x) = mu_h(x, T_i) - E0 - kT_i ln(x/(n - x))  ideal_sites: true (the excess)
 * so that with ideal_sites the log singularities at x -> 0 and x -> n are exact, not
 * interpolated.  At temperature T, with f_i Steffen-interpolated in x:
 *     mu_h(x, T) = E0 + (1 - w) f_i(x) + w f_{i+1}(x) [+ kT ln(x/(n - x))]     eV per ion
 *     w = (T - T_i)/(T_{i+1} - T_i),  T_i <= T <= T_{i+1};   U(x, T) = -mu_h(x, T)/e.
 * Linear in T is exact for a free energy linear in T (ideal entropy plus an excess
 * L(x) = a + b T, the Redlich-Kister surrogate's form).  Outside [T_1, T_N] the two end
 * tables are extrapolated linearly; a single table is used as it is at any T.  Whether a
 * temperature outside the tables is allowed is the caller's decision (src/cell/particle.c:
 * `<region>.extrapolate_temperature`).
 *
 * Why a list for `tables` and not keys like `300 K: mu_300K.csv`: the params module
 * (upscale/params.h) reads values, not keys, as quantities; as values the temperatures get
 * unit conversion, range checks and FILE:LINE messages like every other quantity. */
#ifndef UPSCALE_MU_TABLE_H
#define UPSCALE_MU_TABLE_H

#include "upscale/error.h"

typedef struct upscale_mu_table upscale_mu_table;

/* Read a material file and its tables.  Every error is UPSCALE_ERR_INPUT with one line
 * "FILE:LINE: KEY: what was expected" about the material file (table problems as
 * "FILE:LINE: tables.I.file: TABLE:LINE: ..."): unknown keys, missing reference_energy or
 * site_density, temperatures not increasing, a table with a non-finite value, x not strictly
 * increasing or outside [0, n]. */
upscale_err upscale_mu_table_read(const char *path, upscale_mu_table **t);
void upscale_mu_table_destroy(upscale_mu_table **t);

/* mu_h(x, T) in eV per ion, *dmu_dx if not NULL; 0 < x < n with ideal_sites.
 * Allocation-free, no hidden state. */
double upscale_mu_table_mu(const upscale_mu_table *t, double x, double T, double *dmu_dx);
/* U(x, T) = -mu_h/e in V; *dU_dx if not NULL. */
double upscale_mu_table_ocv(const upscale_mu_table *t, double x, double T, double *dU_dx);

/* n, sites (ions at full occupation) per formula unit. */
double upscale_mu_table_sites(const upscale_mu_table *t);
/* c_max = n site_density / N_A, mol/m^3. */
double upscale_mu_table_cmax(const upscale_mu_table *t);
/* Lowest and highest tabulated temperature, K (equal for a single table). */
void upscale_mu_table_temperatures(const upscale_mu_table *t, double *T_min, double *T_max);

#endif
