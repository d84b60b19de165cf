/* Lattice gas on a periodic L x L square lattice under a harmonic bias on the particle
 * number: a Monte Carlo sampler whose phase diagram is known exactly, used to validate
 * the biased-GCMC reconstruction of gcmc.h on real simulation output.
 *
 * Energy of an occupation n_i in {0, 1} (N = sum_i n_i, <ij> nearest-neighbour pairs):
 *     H_bias = -eps sum_<ij> n_i n_j - mu N + phi (N - N_t)^2
 * which is eq. 9 of the paper (Sec. II.F) for a lattice.  With n_i = (1 + s_i)/2 and
 * z = 4 bonds per site,
 *     -eps n_i n_j = -(eps/4)(1 + s_i + s_j + s_i s_j),   -mu n_i = -(mu/2)(1 + s_i),
 * so the unbiased model is the Ising model with J = eps/4 and field h = eps + mu/2:
 *     coexistence (h = 0) at mu_coex = -2 eps for every T < T_c (hole-particle symmetry),
 *     k T_c = 2 J / ln(1 + sqrt 2) = eps / (2 ln(1 + sqrt 2)) ~= 0.567296 eps (Onsager 1944),
 *     rho_gas, rho_liquid = (1 -/+ m*)/2,  m* = [1 - sinh(2 J / kT)^-4]^(1/8) (Yang 1952),
 * with 2 J / kT = eps / (2 kT).
 *
 * Moves: single-site Metropolis flips n_i -> 1 - n_i at a uniformly chosen site, i.e. an
 * insertion or a deletion, accepted with min(1, exp(-dH_bias / kT)).  The proposal is
 * symmetric, so detailed balance holds for exp(-H_bias / kT): the biased grand-canonical
 * ensemble of eq. 9.  One sweep is L^2 attempted flips.  PRNG: xoshiro256** (Blackman and
 * Vigna 2018) seeded through splitmix64; its state lives in the sampler object. */
#ifndef UPSCALE_LATTICE_H
#define UPSCALE_LATTICE_H

#include <stdint.h>

#include "upscale/error.h"

typedef struct upscale_lattice upscale_lattice;

/* One biased window.  Energies in any unit, all the same one (the scan uses eps = 1). */
typedef struct {
    int L;           /* lattice side, 4 <= L <= 4096 */
    double eps;      /* pair attraction between occupied neighbours, > 0 */
    double kT;       /* > 0 */
    double mu;       /* imposed chemical potential mu_bias */
    double phi;      /* bias strength, >= 0 */
    double N_target; /* bias centre N_t (any real number, also outside [0, L^2]) */
    uint64_t seed;
} upscale_lattice_settings;

/* L = 64, eps = 1, kT = 0.8 T_c, mu = -2, phi = 0, N_target = 0, seed = 1. */
void upscale_lattice_settings_default(upscale_lattice_settings *s);

/* Empty lattice. */
upscale_err upscale_lattice_create(const upscale_lattice_settings *s, upscale_lattice **lat);
void upscale_lattice_destroy(upscale_lattice **lat);

/* Occupy the first N sites in row-major order (a slab of full rows plus a partial row),
 * empty the others.  0 <= N <= L^2. */
upscale_err upscale_lattice_fill_slab(upscale_lattice *lat, int N);
/* nsweeps x L^2 attempted flips; returns the number accepted. */
int64_t upscale_lattice_sweep(upscale_lattice *lat, int64_t nsweeps);
int upscale_lattice_count(const upscale_lattice *lat);
/* -eps sum_<ij> n_i n_j (neither -mu N nor the bias). */
double upscale_lattice_energy(const upscale_lattice *lat);

/* Exact results quoted above.  coexistence returns UPSCALE_ERR_INPUT for kT >= k T_c. */
double upscale_lattice_critical_kT(double eps);
upscale_err upscale_lattice_coexistence(double eps, double kT, double *rho_gas, double *rho_liquid,
                                        double *mu_coex);

/* A scan of biased windows: nwindows bias centres N_t evenly spaced from nt_min to nt_max,
 * all at the same mu and phi.  Each window starts from a slab of clamp(N_t, 0, L^2)
 * particles, runs `sweeps` sweeps and records N and the energy every `sample_every`
 * sweeps; window k is seeded with splitmix64(seed + k).  Files written in out_dir:
 * window_KKK.dat ("# step N E" then rows, step in sweeps) and manifest.csv in the format
 * read by upscale_gcmc_manifest_read (energy_unit eps, kT column, sites L^2). */
typedef struct {
    int L;
    double eps, kT, mu, phi;
    double nt_min, nt_max;
    int nwindows;
    int64_t sweeps, sample_every;
    uint64_t seed;
} upscale_lattice_scan_settings;

/* L = 64, eps = 1, kT = 0.8 T_c, mu = -2, phi = 0.002, N_t from -250 to L^2 + 250,
 * 217 windows, 2000 sweeps sampled every sweep, seed 1. */
void upscale_lattice_scan_settings_default(upscale_lattice_scan_settings *s);

typedef struct {
    int64_t moves;  /* attempted flips, all windows */
    double seconds; /* wall time of the sampling (files included) */
} upscale_lattice_scan_stats;

upscale_err upscale_lattice_scan(const upscale_lattice_scan_settings *s, const char *out_dir,
                                 upscale_lattice_scan_stats *stats);

#endif
