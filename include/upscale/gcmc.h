/* Thermodynamics from biased grand-canonical Monte Carlo (paper: Sec. II.F, III.E):
 * windows -> mu(N) -> fit -> G(N) -> common tangent (binodals), spinodals, mixing energy.
 *
 * Each window samples exp[-(E - mu_bias N + phi (N - N_t)^2)/kT] (eq. 9).  Its mean
 * particle number <N> gives one point of the chemical potential (eq. 17)
 *     mu(<N>) = mu_bias + P dV/dN - 2 phi (<N> - N_t).
 * Eq. 17 takes <N> as the maximum of the biased distribution: a window must be unimodal,
 * i.e. 2 phi larger than the steepest descent of mu(N) (finite-size loops included).
 * G, mixing energies and mu are in the manifest's energy unit, per supercell.
 *
 * Per window (series of N in the order sampled).  Every window that can be read and has at
 * least UPSCALE_GCMC_MIN_SERIES samples is used, weighted by its own standard error; what
 * would make it doubtful is a warning (the flags below, printed per window), and a refusal
 * only with `strict` (then every flagged window is named in one message).
 *   equilibration  MSER-5, the marginal standard error rule (White 1997; Franklin and
 *                  White 2008): batch means b_j of 5 samples, k batches; discard the first
 *                  d* batches, d* = argmin_d sum_{j>=d} (b_j - <b>_d)^2 / (k - d)^2 over
 *                  d <= k/2 (ties: the smallest d).  On a short stationary series the
 *                  unrestricted rule tends to cut at its own limit (the tail's variance
 *                  estimate is noisy), so the cut t0 = 5 d* stands only if the discarded
 *                  head differs from the rest (a Geweke-style test):
 *                      z = |<x>_head - <x>_rest| / sqrt(s^2 g (1/t0 + 1/(n - t0))) > cut_z,
 *                  s^2 and g of the rest; otherwise t0 = 0.  A cut that stands at d* = k/2
 *                  (or beyond max_discard) is flagged LATE_CUT: the window may not have
 *                  equilibrated.
 *   error of <N>   se = sqrt(s^2 g / n_p) over the n_p = n - t0 production samples, with the
 *                  statistical inefficiency g = 1 + 2 sum_t rho(t) estimated by Geyer's
 *                  initial monotone sequence (Statist. Sci. 7, 473 (1992)): rho(t) from the
 *                  FFT autocovariance (1/n normalised), pair sums rho(2m) + rho(2m+1) added
 *                  while positive and capped by the previous one, g >= 1.  Chosen over
 *                  blocking because it uses every lag (blocking of a 200-sample window has 7
 *                  levels, and its plateau test rarely passes) and over a cut-off at the
 *                  first negative rho (pymbar), whose noise at long lags biases g low on
 *                  short series; on AR(1) series its 95% intervals cover the mean at the
 *                  nominal rate (tests/thermo/test_gcmc.c) when taken with Student's t of
 *                  n_p / (2M + 1) degrees of freedom, M the last lag summed (the relative
 *                  variance of the estimate of s^2 g is 2 (2M + 1) / n_p: Sokal, Monte
 *                  Carlo methods in statistical mechanics, 1997).  n_eff = n_p / g; fewer than
 *                  min_neff is flagged FEW_NEFF (the window keeps its weight from se).
 *                  Blocking (Flyvbjerg and Petersen 1989) with Jonsson's automatic choice
 *                  of the block level (Phys. Rev. E 98, 043304 (2018)) is reported beside it
 *                  (N_se_block): pairs are averaged level by level (an odd last sample is
 *                  dropped) and the first level k with M_k = sum_{j>=k} n_j (gamma_j / s_j)^2
 *                  below the chi^2 quantile (1 - alpha, levels - k degrees of freedom) gives
 *                  se^2 = s_k / (n_k - 1), with s_j the variance (1/n_j) and gamma_j the
 *                  lag-1 autocovariance at level j.
 *   drift          the two halves of the production part, each with its own variance and
 *                  the production g; the window drifts (flag DRIFT) when |<N>_1 - <N>_2| >
 *                  drift_sigma sqrt(se_1^2 + se_2^2).  Drifting windows are kept in the
 *                  fit unless drop_drifting.
 *   few samples    fewer than min_samples is flagged FEW_SAMPLES.
 *   hysteresis     unbiased scan points (phi = 0) and biased windows may share a manifest
 *                  and a fit; two unbiased points at the same temperature and mu_bias whose
 *                  <N> differ by more than 3 sqrt(se_1^2 + se_2^2) are the two branches of a
 *                  hysteresis: reported (stats.hysteresis), both kept in the fit (eq. 17 puts
 *                  both at mu = mu_bias).
 *
 * Fit per temperature (x = N / N_sites for the lattice ideal term):
 *     mu(N) = ideal(N) + sum_{k=0}^{d} c_k P_k(t),   t = 2 (N - N_lo)/(N_hi - N_lo) - 1,
 *   ideal = kT ln(x / (1 - x))  (lattice gas: mu is log-like near the pure phases),
 *           kT ln(N)            (ideal gas, no sites), or 0;
 *   P_k are Legendre polynomials on the sampled range [N_lo, N_hi] of the window means.
 *   Weighted least squares with the effective variance of eq. 17 (an error se in <N> moves
 *   the point along mu = const - 2 phi N while the curve moves with mu'):
 *       sigma_i = (2 phi_i + max(mu'(N_i), 0)) se_i,
 *   mu' first from the ideal term alone (secant slopes of the data without one), then
 *   from the fit (three passes at the degree chosen in the first).  The degree d
 *   (min_degree..max_degree, at most the number of distinct window means - 2) is chosen
 *   by leave-one-window-out cross-validation with the one-standard-error rule: PRESS(d) =
 *   sum_i e_i, e_i = (r_i / (1 - c_i H_ii))^2 the squared weighted residual of window i
 *   predicted by the fit without it (H the hat matrix, c_i the copies of window i in a
 *   bootstrap sample); d is the lowest degree with PRESS(d) <= PRESS(d_min) + se, se =
 *   sqrt(n) sd(e_i) at the minimising degree d_min (Hastie, Tibshirani and Friedman,
 *   Elements of Statistical Learning, 7.10).  Alternative: criterion BIC,
 *   n ln(chi2 / n) + (d + 1) ln n.  The least-squares problems of all degrees share one
 *   weighted QR factorisation (modified Gram-Schmidt, twice); a Legendre column that keeps
 *   less than column_tol of its norm after orthogonalisation against the lower degrees is
 *   nearly dependent on them: that degree and all above are not tried, and if min_degree
 *   is such a degree the fit fails as ill-conditioned.
 * G(N) = G(N_lo) + integral_{N_lo}^{N} mu dN (eq. 18) is the analytic integral of the fit,
 *   with G(N_lo) = 0:  kT N_sites [x ln x + (1 - x) ln(1 - x)]  (lattice),
 *   kT (N ln N - N) (gas); integral of P_k is (P_{k+1} - P_{k-1}) / (2k + 1).
 * Binodals: the lower convex hull of G on a grid of `grid` points over [N_lo, N_hi]; each
 *   hull segment that bridges G (G above it by more than 1e-9 kT) is a miscibility gap,
 *   solved by upscale_phasefield_common_tangent_open (mu(N1) = mu(N2),
 *   G(N2) - G(N1) = mu(N1) (N2 - N1)) on the segment and a tenth of its length either side;
 *   a gap that reaches the end of the sampled range has that binodal at the end (flagged).
 * Spinodals: inside a gap, the zeros of dmu/dN bounding its unstable region (NaN where that
 *   region reaches the end of the sampled range).
 * Mixing energy (paper Sec. III.E: the penalty of the homogeneous solution relative to the
 *   phase-separated state): dG_mix(N) = G(N) - [G(N1) + mu_coex (N - N1)] inside a gap,
 *   0 outside, i.e. G minus its convex hull.  Reported: its maximum and where.
 * Uncertainties: bootstrap over windows (resample the windows of a temperature with
 *   replacement, refit with the degree chosen again, seeded GSL mt19937): for each number of
 *   the main gap (the widest gap of the full fit, matched in a replica by the largest
 *   overlap) half the central 68.27% interval of the replicas (the standard deviation of a
 *   normal distribution, not inflated by a replica whose fit oscillates into a hole left
 *   by the resampling).  Failed replicas (no overlapping gap, failed fit) are counted.
 *   The same spread of the replicas' mu at 101 points across the sampled range gives a
 *   pointwise band of mu(N).  A replica finds its hull on boot_grid points (4001); the
 *   binodals are polished by Newton, so only N_mix depends on that grid (to its spacing).
 *
 * Manifest (CSV):
 *   # energy_unit: eV          required: eV, meV, J, kJ/mol, kcal/mol, K (energy as a
 *                              temperature) or eps (reduced units: no Boltzmann constant)
 *   # sites: 4096              lattice sites per supercell (needed by the lattice term)
 *   # formula_units: 2048      optional formula units per supercell: x = N / formula_units
 *   # sites_per_formula_unit: 2     optional: sites = sites_per_formula_unit x formula_units
 *   # volume: 1.3e-25 m^3      optional supercell volume with a unit: mol/m^3
 *   # N_column: Atoms          column of N: a name from the thermo header of a LAMMPS
 *                              log or the last '#' line of a plain file, or a 1-based
 *                              index; default Atoms (log) or 2 (plain file)
 *   # ideal: lattice           lattice (default), gas or none
 *   window_file,temperature_K,N_target,phi,mu_bias[,P_dVdN]
 *   w000.dat,300,200,0.002,-1.5
 * Other '#' lines are comments.  The columns may come in any order; instead of
 * temperature_K a column kT gives k_B T in the energy unit (required for eps).  phi,
 * mu_bias, P_dVdN and kT are in the energy unit, N_target in particles per supercell.
 * Window paths are relative to the manifest's directory.
 *
 * Window files: a plain series ("step N [V] [E]" or any columns, whitespace separated,
 * '#' comments; every data row has the column count of the first; when N is not the first
 * column, the first is the step and must increase strictly), or a LAMMPS log
 * (recognised by the "LAMMPS (" banner, a thermo header line starting with "Step", or a
 * `thermo_style multi` record "---- Step N ----"), read by upscale_lammps_log_read (every
 * layout of lammps.h, multi records included): every run with the N column is read in
 * order, a row repeating the last step of the previous run is skipped; a run that ended in
 * ERROR is dropped and counted (a window warning, RUN_DROPPED); a run without "Loop time"
 * (truncated log) and a short last row of a plain file are errors. */
#ifndef UPSCALE_GCMC_H
#define UPSCALE_GCMC_H

#include <stddef.h>
#include <stdint.h>

#include "upscale/error.h"
#include "upscale/rk_material.h"

/* ---- window files ---- */

/* N series of one window; *N is malloc'd (caller frees).  column NULL or "": default. */
upscale_err upscale_gcmc_series_read(const char *path, const char *column, double **N, int *n);
/* The same, with the number of LAMMPS runs dropped because they ended in ERROR and the log
 * line of the first such ERROR (0 if none). */
upscale_err upscale_gcmc_series_read_runs(const char *path, const char *column, double **N, int *n,
                                          int *dropped, int *dropped_line);

/* ---- one window ---- */

/* A series shorter than this cannot be analysed (input error). */
#define UPSCALE_GCMC_MIN_SERIES 20

/* Warnings of a window (bits of upscale_gcmc_window_stats.warn). */
enum {
    UPSCALE_GCMC_WARN_FEW_SAMPLES = 1,  /* n < min_samples */
    UPSCALE_GCMC_WARN_LATE_CUT = 2,     /* the equilibration cut is at the latest allowed */
    UPSCALE_GCMC_WARN_FEW_NEFF = 4,     /* n_eff < min_neff */
    UPSCALE_GCMC_WARN_DRIFT = 8,        /* drift_z > drift_sigma */
    UPSCALE_GCMC_WARN_RUN_DROPPED = 16, /* LAMMPS runs that ended in ERROR were dropped */
};

typedef struct {
    int min_samples;    /* fewer samples: warning FEW_SAMPLES (default 100) */
    double max_discard; /* a cut beyond this fraction: warning LATE_CUT (0.5) */
    double min_neff;    /* fewer effective production samples: warning FEW_NEFF (20) */
    double block_alpha; /* significance of Jonsson's blocking test (0.01) */
    double drift_sigma; /* drift threshold in standard errors (3) */
    double cut_z;       /* an equilibration cut needs the head to differ by this many se (3) */
} upscale_gcmc_window_settings;

void upscale_gcmc_window_settings_default(upscale_gcmc_window_settings *s);

typedef struct {
    int n;             /* samples read */
    int t0;            /* samples discarded as equilibration */
    double g, neff;    /* statistical inefficiency of the production part, (n - t0)/g */
    double N, N_se;    /* production mean and its standard error sqrt(s^2 g / n_p) */
    double dof;        /* degrees of freedom of se: n_p / (2 M + 1), M the last lag of g */
    double N_ci95;     /* half-width of the 95% interval of <N>: t(0.975, dof) se */
    double head_z;     /* the equilibration test's z of the MSER-5 head (0 when d* = 0) */
    double N_se_block; /* blocking standard error (a cross-check) */
    int block_level;   /* chosen blocking level (block size 2^level) */
    int block_ok;      /* 0: Jonsson's test failed at every level (too few samples) */
    double drift_z;    /* |<N>_1 - <N>_2| / sqrt(se_1^2 + se_2^2) */
    int drifting;      /* drift_z > drift_sigma */
    double mu, mu_se;  /* eq. 17 and 2 phi se */
    unsigned warn;     /* UPSCALE_GCMC_WARN_* bits */
    int hysteresis;    /* unbiased (phi = 0): 1 + the manifest index of another unbiased
                          window at the same mu_bias and temperature whose <N> differs by
                          more than 3 combined se (the other branch of a hysteresis); 0 none */
    int dropped_runs;  /* LAMMPS runs of the window file dropped: they ended in ERROR */
    int dropped_line;  /* log line of the first such ERROR */
} upscale_gcmc_window_stats;

/* Equilibration, standard error, blocking, drift and warnings of the series N[0..n-1]; name
 * is used in messages.  Input error only below UPSCALE_GCMC_MIN_SERIES samples.  mu and
 * mu_se are left 0 (they need the window's bias: see upscale_gcmc_analyze). */
upscale_err upscale_gcmc_window_analyze(const upscale_gcmc_window_settings *s, const char *name,
                                        const double *N, int n, upscale_gcmc_window_stats *st);
/* The window's warnings in words ("" without any) into buf; returns the length. */
int upscale_gcmc_window_describe(const upscale_gcmc_window_settings *s,
                                 const upscale_gcmc_window_stats *st, char *buf, size_t size);

/* The pieces, for tests: the equilibration cut t0 with g and n_eff of x[t0..n-1] (cut_z 3);
 * the same with the threshold given, the head's z and whether the cut is at the limit; the
 * statistical inefficiency of a series; Jonsson's blocking estimate of the standard error
 * of the mean. */
upscale_err upscale_gcmc_equilibration(const double *x, int n, int *t0, double *g, double *neff);
upscale_err upscale_gcmc_equilibration_z(const double *x, int n, double cut_z, int *t0, double *g,
                                         double *neff, double *z, int *at_limit);
upscale_err upscale_gcmc_inefficiency(const double *x, int n, double *g);
upscale_err upscale_gcmc_block_error(const double *x, int n, double alpha, double *mean, double *se,
                                     int *level, int *ok);

/* ---- fit of mu(N) ---- */

typedef enum {
    UPSCALE_GCMC_IDEAL_LATTICE = 0,
    UPSCALE_GCMC_IDEAL_GAS = 1,
    UPSCALE_GCMC_IDEAL_NONE = 2,
} upscale_gcmc_ideal;

typedef enum {
    UPSCALE_GCMC_CRITERION_LOO = 0, /* leave-one-window-out cross-validation (PRESS) */
    UPSCALE_GCMC_CRITERION_BIC = 1, /* n ln(chi2 / n) + (d + 1) ln n */
} upscale_gcmc_criterion;

typedef struct {
    upscale_gcmc_ideal ideal;
    upscale_gcmc_criterion criterion;
    double kT;         /* energy unit of mu */
    double sites;      /* N_sites per supercell (lattice term) */
    int min_degree;    /* 1 */
    int max_degree;    /* 40 */
    double column_tol; /* 1e-8: a column keeping less of its norm is dependent */
    int grid;          /* hull grid points (20001) */
} upscale_gcmc_fit_settings;

void upscale_gcmc_fit_settings_default(upscale_gcmc_fit_settings *s);

typedef struct upscale_gcmc_fit upscale_gcmc_fit;

/* Weighted fit of mu_i at N_i (standard error N_se_i, bias strength phi_i), n points.
 * Input errors: fewer than min_degree + 3 points, points outside (0, N_sites) for the
 * lattice term or <= 0 for the gas term, non-finite values, zero weight, min_degree
 * ill-conditioned.  name is used in messages (e.g. "T = 300 K"). */
upscale_err upscale_gcmc_fit_create(const upscale_gcmc_fit_settings *s, const char *name, int n,
                                    const double *N, const double *N_se, const double *mu,
                                    const double *phi, upscale_gcmc_fit **f);
void upscale_gcmc_fit_destroy(upscale_gcmc_fit **f);

typedef struct {
    int degree, npoints;
    int max_tried;     /* highest degree tried (limited by max_degree, n - 2, conditioning) */
    double chi2;       /* weighted sum of squared residuals at the chosen degree */
    double score;      /* PRESS or BIC of the chosen degree */
    double N_lo, N_hi; /* sampled range */
} upscale_gcmc_fit_info;

void upscale_gcmc_fit_get_info(const upscale_gcmc_fit *f, upscale_gcmc_fit_info *info);
/* mu(N) and, if dmu_dN is not NULL, its derivative. */
double upscale_gcmc_fit_mu(const upscale_gcmc_fit *f, double N, double *dmu_dN);
/* G(N) - G(N_lo), eq. 18. */
double upscale_gcmc_fit_G(const upscale_gcmc_fit *f, double N);
/* Coefficients c_0..c_degree (Legendre, on [N_lo, N_hi]). */
const double *upscale_gcmc_fit_coefficients(const upscale_gcmc_fit *f);

typedef struct {
    double N1, N2;            /* binodals: the common tangent's contact points */
    int N1_at_end, N2_at_end; /* contact at the end of the sampled range */
    double mu_coex;           /* slope of the common tangent */
    double S1, S2;            /* spinodals: dmu/dN = 0 */
    double mix_max, N_mix;    /* maximum of G - hull and where */
} upscale_gcmc_gap;

/* Miscibility gaps in increasing N (at most max_gaps; *ngaps may be 0). */
upscale_err upscale_gcmc_fit_gaps(const upscale_gcmc_fit *f, int max_gaps, upscale_gcmc_gap *gaps,
                                  int *ngaps);
/* dG_mix(N) for one gap: G - tangent inside [N1, N2], 0 outside. */
double upscale_gcmc_fit_mixing(const upscale_gcmc_fit *f, const upscale_gcmc_gap *g, double N);

/* ---- manifest and the whole analysis ---- */

typedef struct {
    char path[1024]; /* as resolved against the manifest's directory */
    int line;        /* line in the manifest */
    double kT;       /* energy unit */
    double N_target, phi, mu_bias, P_dVdN;
} upscale_gcmc_window_spec;

typedef struct {
    char path[1024];
    char energy_unit[32];
    double kB;           /* Boltzmann constant in energy_unit per K; 0 for eps */
    double sites;        /* per supercell; 0 if not given */
    double sites_per_fu; /* 0 if not given */
    double formula_units;
    double volume_m3; /* 0 if not given */
    char N_column[64];
    upscale_gcmc_ideal ideal;
    int nwindows;
    upscale_gcmc_window_spec *w;
} upscale_gcmc_manifest;

upscale_err upscale_gcmc_manifest_read(const char *path, upscale_gcmc_manifest **m);
void upscale_gcmc_manifest_destroy(upscale_gcmc_manifest **m);

typedef struct {
    upscale_gcmc_window_settings window;
    upscale_gcmc_fit_settings fit; /* ideal, kT and sites are taken from the manifest */
    double sites;                  /* > 0 overrides the manifest's sites */
    int bootstrap;                 /* replicas (200; 0: none) */
    int boot_grid;                 /* hull grid of a replica (4001; the full fit: fit.grid) */
    uint64_t seed;                 /* 1 */
    int drop_drifting;             /* 0 */
    int strict;                    /* 1: a window with a warning is an input error (0) */
    double kT_only;                /* > 0: analyse only this temperature (kT) */
} upscale_gcmc_settings;

void upscale_gcmc_settings_default(upscale_gcmc_settings *s);

#define UPSCALE_GCMC_MAX_GAPS 8

typedef struct {
    double kT;
    int nwindows, nfit; /* windows at this temperature, used in the fit */
    int *windows;       /* indices into the manifest */
    upscale_gcmc_fit *fit;
    int ngaps, main_gap; /* main_gap = -1 without a gap */
    upscale_gcmc_gap gaps[UPSCALE_GCMC_MAX_GAPS];
    upscale_gcmc_gap se; /* bootstrap standard deviations of the main gap's numbers */
    int boot_ok, boot_failed;
    int nband;                /* points of the bootstrap band of mu(N) (0: no bootstrap) */
    double *band_N, *band_sd; /* uniform over [N_lo, N_hi] of the fit; spread of mu there */
} upscale_gcmc_temperature;

typedef struct {
    const upscale_gcmc_manifest *manifest;
    double sites;                     /* used */
    upscale_gcmc_window_stats *stats; /* per manifest window */
    int ntemps;
    upscale_gcmc_temperature *t;
} upscale_gcmc_result;

/* Read every window, analyse, fit and bootstrap per temperature.  Input errors name the
 * manifest line or the window file. */
upscale_err upscale_gcmc_analyze(const upscale_gcmc_manifest *m, const upscale_gcmc_settings *s,
                                 upscale_gcmc_result **r);
void upscale_gcmc_result_destroy(upscale_gcmc_result **r);

/* Bootstrap spread of the fitted mu at N (linear between the band points, the spread
 * defined as for the gap's numbers); NAN outside the sampled range or without a bootstrap. */
double upscale_gcmc_temperature_mu_sd(const upscale_gcmc_temperature *T, double N);

/* Conversions of a particle count per supercell: x = N / formula_units per formula unit
 * (NAN without formula_units) and c = N / (N_A V) in mol/m^3 (NAN without volume). */
double upscale_gcmc_x_per_fu(const upscale_gcmc_manifest *m, double N);
double upscale_gcmc_concentration(const upscale_gcmc_manifest *m, double N);

/* ---- a Redlich-Kister material file from the windows (upscale import gcmc -o) ----
 *
 * Model: the material of include/upscale/rk_material.h, with y = N / N_sites = x / s and
 * T = kT / k_B,
 *     mu(N, T) = E0 + kT ln(y/(1-y)) + sum_{i<n} (a_i + b_i T) phi_i(y),
 *     phi_i(y) = d/dy [y (1-y) (2y-1)^i],
 * linear in E0, a_i, b_i.  Fitted by weighted least squares to mu of every window in the
 * per-temperature fits above (eq. 17, all temperatures at once), each with the
 * effective-variance sigma of its temperature's fit (mu' from the Legendre fit), energies
 * converted to eV (the manifest's energy unit must have a Boltzmann constant).  The b
 * columns use T - mean(T) (conditioning; the file gets a_i and b_i).
 * Number of terms n (1..max_terms, at most 8): leave-one-window-out PRESS over all windows
 * with the one-standard-error rule, as for the Legendre degree; or given.
 * Uncertainties: bootstrap over windows, stratified by temperature (each temperature's
 * fitted windows resampled with replacement), n fixed, seeded mt19937; spread = half the
 * central 68.27% interval of the replicas, for every coefficient and for the numbers
 * derived from the model at each temperature (binodals, spinodals, mu_coex, the largest
 * mixing energy p of eq. 27 per formula unit and where), which come from
 * upscale_phasefield_common_tangent on the model (the simulator's own path).
 * Sites per formula unit s: given, else the manifest's sites_per_formula_unit, else
 * sites / formula_units.  Formula units per m^3 (the file's site_density): given, else
 * formula_units / volume of the manifest.
 *
 * Material file (read by upscale_particle_read_rk_file): citation, material,
 * sites_per_formula_unit, site_density, reference_energy, redlich_kister.L<i>_a/_b,
 * temperature_range; then records the reader ignores:
 *   uncertainty.*   replicas, seed, the spread of reference_energy and of every L<i>_a/_b;
 *   derived.fit.*   terms and the rule, windows, chi2, dof, temperatures;
 *   derived.T<T>K.* windows, sampled x range, and for the windows alone (gcmc: binodals,
 *                   spinodals, mu_coex, mixing_max per formula unit, mixing_x, each with
 *                   _sd, binodal_x*_at_end when the contact is at the end of the sampled
 *                   range) and for this model (model: the same numbers);
 *   provenance.*    command, upscale version, and for the manifest and every window read:
 *                   file, bytes, SHA-256 (FIPS 180-4), in_fit.
 * The file is written to a temporary name beside PATH and renamed at the end: on any error
 * PATH is left as it was. */
typedef struct {
    double sites_per_fu; /* s; 0: from the manifest */
    double fu_density;   /* formula units per m^3; 0: from the manifest */
    int terms;           /* 0: chosen by cross-validation */
    int max_terms;       /* UPSCALE_RK_MAX_TERMS */
    int bootstrap;       /* replicas (200; 0: no uncertainties) */
    uint64_t seed;       /* 1 */
} upscale_gcmc_rk_settings;

void upscale_gcmc_rk_settings_default(upscale_gcmc_rk_settings *s);

typedef struct upscale_gcmc_rk upscale_gcmc_rk;

typedef struct {
    int terms, max_tried;     /* chosen and highest well-conditioned number of terms */
    int npoints, ntemps;      /* windows and temperatures in the fit */
    double chi2, score;       /* weighted residual sum of squares, PRESS */
    double T_min, T_max;      /* K */
    int boot_ok, boot_failed; /* replicas */
} upscale_gcmc_rk_info;

/* A miscibility gap of the model, x per formula unit, mu_coex in eV per ion, mix_max in eV
 * per formula unit; found 1 (a gap), 0 (none: the rest NAN), -1 (the tangent failed). */
typedef struct {
    int found;
    double x1, x2, s1, s2, mu_coex, mix_max, x_mix;
} upscale_gcmc_rk_gap;

/* Fit and bootstrap from an analysis (rk keeps no pointer into r). */
upscale_err upscale_gcmc_rk_fit(const upscale_gcmc_result *r, const upscale_gcmc_rk_settings *s,
                                upscale_gcmc_rk **rk);
void upscale_gcmc_rk_destroy(upscale_gcmc_rk **rk);
void upscale_gcmc_rk_get_info(const upscale_gcmc_rk *rk, upscale_gcmc_rk_info *info);
/* The fitted material, and the spreads of its numbers in the same fields (NAN without a
 * bootstrap). */
const upscale_rk_material *upscale_gcmc_rk_material(const upscale_gcmc_rk *rk);
const upscale_rk_material *upscale_gcmc_rk_material_sd(const upscale_gcmc_rk *rk);
/* The model's gap at the k-th temperature of the analysis (ascending) and its spreads. */
void upscale_gcmc_rk_gap_at(const upscale_gcmc_rk *rk, int k, upscale_gcmc_rk_gap *value,
                            upscale_gcmc_rk_gap *sd);
/* mu_h of the model at (x, T), eV per ion, and (sd not NULL) the replicas' spread there
 * (uses a work array inside rk: not for concurrent calls on one rk). */
double upscale_gcmc_rk_mu(upscale_gcmc_rk *rk, double x, double T, double *sd);
/* Write the material file (layout above).  name: the `material` key; command: the command
 * line for the provenance (may be NULL). */
upscale_err upscale_gcmc_rk_write(const upscale_gcmc_rk *rk, const upscale_gcmc_result *r,
                                  const char *path, const char *name, const char *command);

/* ---- tables of mu(x, T) from the windows (upscale import gcmc -o, mu_table) ----
 *
 * When a Redlich-Kister fit in T is not possible (windows at one temperature, an energy
 * unit without a Boltzmann constant such as eps, an ideal term other than the lattice) or
 * is not wanted, the material file is the tabulated one of include/upscale/mu_table.h:
 * per temperature of the analysis, mu(N) of that temperature's own fit (eq. 17, ideal term
 * plus Legendre series) on `points` points across its sampled range, with x = N /
 * formula_units (formula_units = sites / n when the manifest has none), in eV per
 * particle; reference_energy 0; ideal_sites true for the lattice ideal term (the table
 * holds mu - kT ln(x/(n - x)), the simulator adds the ideal term back exactly), false
 * otherwise (the table holds mu).  Temperatures in K from kT: kT [unit] x energy_eV /
 * k_B [eV/K].  The material file PATH names the tables STEM_mu_<T>K.csv; beside each,
 * STEM_mu_<T>K_sd.csv holds the bootstrap spread of mu (record uncertainty.tables).
 * Records (ignored by the reader): uncertainty.*, derived.* (energy unit and its value
 * in eV, per temperature kT, windows, degree, sampled x range, the main gap's binodals,
 * spinodals, mu_coex and largest mixing energy per formula unit with spreads),
 * provenance.* (command, version, SHA-256 of the manifest and every window).  Every file
 * is written under a temporary name and renamed at the end (the material file last).
 * Input errors: no energy scale in eV (eps without energy_eV), no sites, no sites per
 * formula unit or density, a sampled range outside [0, sites]. */
typedef struct {
    double sites_per_fu; /* n; 0: manifest's sites_per_formula_unit, else sites / formula_units */
    double fu_density;   /* formula units per m^3; 0: formula_units / volume of the manifest */
    double energy_eV;    /* value of the manifest's energy unit in eV; 0: from its k_B */
    int points;          /* rows per table (201) */
} upscale_gcmc_mu_table_settings;

void upscale_gcmc_mu_table_settings_default(upscale_gcmc_mu_table_settings *s);

/* Write the material file PATH and its tables (layout above).  name: the `material` key;
 * reason: why tables (a comment; may be NULL); command: for the provenance (may be NULL). */
upscale_err upscale_gcmc_mu_table_write(const upscale_gcmc_result *r,
                                        const upscale_gcmc_mu_table_settings *s, const char *path,
                                        const char *name, const char *reason, const char *command);

#endif
