/* Biased-GCMC importer, piece by piece: statistical inefficiency and blocking error on an
 * AR(1) series with known answers, the MSER-5 equilibration rule, drift, window-file
 * readers (plain, real LAMMPS logs), the manifest, the fit on a regular solution whose
 * binodals, spinodals and mixing energy are known, G as the integral of mu, bad input,
 * and the real LAMMPS grand-canonical scan of tests/data/lammps/gcmc_lj_T1.5. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "upscale/gcmc.h"
#include "upscale/import_gcmc.h"

#define LAMMPS_DIR "tests/data/lammps"

static char root[64];

static const char *path_of(const char *name)
{
    static char buf[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof(buf[k]), "%s/%s", root, name);
    return buf[k];
}

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(path_of(name), "w");
    if (!f) {
        CHECK(0, "cannot write %s", path_of(name));
        return;
    }
    fputs(text, f);
    fclose(f);
}

/* A series file "step N" with values x[0..n-1]. */
static void write_series(const char *name, const double *x, int n)
{
    FILE *f = fopen(path_of(name), "w");
    if (!f) {
        CHECK(0, "cannot write %s", path_of(name));
        return;
    }
    fprintf(f, "# step N\n");
    for (int i = 0; i < n; i++)
        fprintf(f, "%d %.10g\n", i, x[i]);
    fclose(f);
}

static void remove_scratch(void)
{
    DIR *d = opendir(root);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlink(path_of(e->d_name));
    closedir(d);
    rmdir(root);
}

/* The call failed with an input error whose message contains both parts. */
static void check_input_error(upscale_err e, const char *part1, const char *part2, const char *what)
{
    const char *m = upscale_error_message();
    CHECK(e == UPSCALE_ERR_INPUT && strstr(m, part1) && strstr(m, part2),
          "%s: input error naming '%s' and '%s' (got %d: %s)", what, part1, part2, (int)e, m);
    upscale_error_clear();
}

/* AR(1): x_t = a x_{t-1} + sqrt(1 - a^2) e_t, unit variance, g = (1 + a)/(1 - a). */
static void ar1(gsl_rng *r, double a, double mean, double *x, int n)
{
    double v = gsl_ran_gaussian(r, 1.0);
    for (int i = 0; i < n; i++) {
        v = a * v + sqrt(1 - a * a) * gsl_ran_gaussian(r, 1.0);
        x[i] = mean + v;
    }
}

static void test_statistics(gsl_rng *r)
{
    const int n = 1 << 17;
    const double a = 0.9, g_exact = (1 + a) / (1 - a);
    double *x = malloc(n * sizeof(double));
    ar1(r, a, 0.0, x, n);
    double g, mean, se;
    int level, ok;
    CHECK_OK(upscale_gcmc_inefficiency(x, n, &g));
    CHECK_CLOSE(g, g_exact, 0.15, 0.0, "AR(1) a = 0.9: statistical inefficiency (1+a)/(1-a)");
    CHECK_OK(upscale_gcmc_block_error(x, n, 0.01, &mean, &se, &level, &ok));
    CHECK_CLOSE(se, sqrt(g_exact / n), 0.15, 0.0, "AR(1): blocking standard error sqrt(g/n)");
    CHECK(ok && level >= 3, "Jonsson's test finds a plateau (level %d, block size %d)", level,
          1 << level);
    CHECK(fabs(mean) < 4 * sqrt(g_exact / n), "AR(1) mean %g within 4 se of 0", mean);

    /* white noise: g = 1, se = 1/sqrt(n), level 0 */
    for (int i = 0; i < n; i++)
        x[i] = gsl_ran_gaussian(r, 1.0);
    CHECK_OK(upscale_gcmc_inefficiency(x, n, &g));
    CHECK_CLOSE(g, 1.0, 0.1, 0.0, "white noise: g = 1");
    CHECK_OK(upscale_gcmc_block_error(x, n, 0.01, &mean, &se, &level, &ok));
    CHECK_CLOSE(se, 1.0 / sqrt(n), 0.05, 0.0, "white noise: se = 1/sqrt(n)");

    /* MSER-5: an exponential transient of 20 sigma decaying over 300 samples */
    const int m = 20000;
    ar1(r, 0.5, 0.0, x, m);
    for (int i = 0; i < m; i++)
        x[i] += 20.0 * exp(-i / 300.0);
    int t0;
    double neff;
    CHECK_OK(upscale_gcmc_equilibration(x, m, &t0, &g, &neff));
    CHECK(t0 >= 600 && t0 <= 4000, "transient of 20 sigma, decay 300: MSER-5 discards %d", t0);
    upscale_gcmc_window_settings ws;
    upscale_gcmc_window_settings_default(&ws);
    upscale_gcmc_window_stats st;
    CHECK_OK(upscale_gcmc_window_analyze(&ws, "transient", x, m, &st));
    CHECK(fabs(st.N) < 4 * st.N_se && !st.drifting,
          "after the transient: <N> = %g +/- %g, drift z = %g", st.N, st.N_se, st.drift_z);

    /* a steady trend of 50 sigma: kept, cut at the latest allowed, flagged, described */
    for (int i = 0; i < m; i++)
        x[i] = 50.0 * i / m + gsl_ran_gaussian(r, 1.0);
    CHECK_OK(upscale_gcmc_window_analyze(&ws, "trend.dat", x, m, &st));
    char why[512];
    upscale_gcmc_window_describe(&ws, &st, why, sizeof(why));
    CHECK(st.t0 == m / 2 && (st.warn & UPSCALE_GCMC_WARN_LATE_CUT) &&
              (st.warn & UPSCALE_GCMC_WARN_FEW_NEFF) && strstr(why, "may not have equilibrated"),
          "trend of 50 sigma: cut %d of %d, warnings %u: %s", st.t0, m, st.warn, why);
    check_input_error(upscale_gcmc_window_analyze(&ws, "tiny.dat", x, 19, &st), "tiny.dat",
                      "cannot analyse fewer than 20", "19 samples");

    /* a trend of 0.3 sigma is kept (MSER discards little) but flagged as drift */
    for (int i = 0; i < m; i++)
        x[i] = 0.3 * i / m + gsl_ran_gaussian(r, 1.0);
    CHECK_OK(upscale_gcmc_window_analyze(&ws, "slow", x, m, &st));
    CHECK(st.t0 < m / 4 && st.drifting, "trend of 0.3 sigma: t0 = %d, drift z = %g > 3", st.t0,
          st.drift_z);

    /* short: used, with a warning */
    CHECK_OK(upscale_gcmc_window_analyze(&ws, "short.dat", x, 50, &st));
    CHECK(st.warn & UPSCALE_GCMC_WARN_FEW_SAMPLES, "50 samples: kept, flagged (warnings %u)",
          st.warn);
    free(x);
}

/* Calibration: the 95% intervals of <N> of AR(1) windows (through the equilibration rule,
 * as a window is analysed) cover the true mean in 93-97% of 1000 replicas. */
static void test_coverage(void)
{
    static const struct {
        int n;
        double a;
    } cases[] = {{1000, 0.5}, {1000, 0.8}, {2000, 0.9}};
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2026);
    upscale_gcmc_window_settings ws;
    upscale_gcmc_window_settings_default(&ws);
    double x[2000];
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        const int R = 1000, n = cases[c].n;
        const double a = cases[c].a;
        int cover = 0, fail = 0;
        double gsum = 0;
        for (int k = 0; k < R; k++) {
            ar1(r, a, 0.0, x, n);
            upscale_gcmc_window_stats st;
            if (upscale_gcmc_window_analyze(&ws, "ar1", x, n, &st)) {
                upscale_error_clear();
                fail++;
                continue;
            }
            cover += fabs(st.N) <= st.N_ci95;
            gsum += st.g;
        }
        double rate = cover / (double)R;
        CHECK(fail == 0 && rate >= 0.93 && rate <= 0.97,
              "AR(1) a = %g, n = %d (g = %.3g, mean estimate %.3g): 95%% intervals cover the mean "
              "in %.1f%% of %d replicas (want 93-97%%)",
              a, n, (1 + a) / (1 - a), gsum / R, 100 * rate, R);
    }
    /* white noise in 201 samples: g is biased up a little (pairs of noise added while
     * positive), so the intervals are conservative */
    int cover = 0;
    for (int k = 0; k < 1000; k++) {
        ar1(r, 0.0, 0.0, x, 201);
        upscale_gcmc_window_stats st;
        if (!upscale_gcmc_window_analyze(&ws, "white", x, 201, &st))
            cover += fabs(st.N) <= st.N_ci95;
        upscale_error_clear();
    }
    CHECK(cover >= 930 && cover <= 985,
          "white noise, 201 samples: 95%% intervals cover in %.1f%% (conservative, 93-98.5%%)",
          cover / 10.0);
    /* stationary short windows (201 samples, g = 3): the cut is rare and small, never at the
     * rule's own limit more than 1% of the time (unrestricted MSER-5 cut at 150 of 201) */
    int cut = 0, late = 0;
    double t0sum = 0;
    for (int k = 0; k < 1000; k++) {
        ar1(r, 0.5, 0.0, x, 201);
        upscale_gcmc_window_stats st;
        if (upscale_gcmc_window_analyze(&ws, "ar1", x, 201, &st)) {
            upscale_error_clear();
            late += 1000;
            continue;
        }
        cut += st.t0 > 0;
        late += (st.warn & UPSCALE_GCMC_WARN_LATE_CUT) != 0;
        t0sum += st.t0;
    }
    CHECK(cut <= 50 && late <= 10 && t0sum / 1000 < 5,
          "stationary AR(1), 201 samples: %d of 1000 cut, %d at the limit, mean cut %.2f samples",
          cut, late, t0sum / 1000);
    /* a real transient in a short window: a step of 4 sigma over the first 40 samples, and
     * an exponential one (6 sigma, decay 15 samples): the cut lands after it */
    int after_step = 0, after_exp = 0, biased = 0;
    for (int k = 0; k < 1000; k++) {
        ar1(r, 0.5, 0.0, x, 201);
        for (int i = 0; i < 40; i++)
            x[i] += 4.0;
        upscale_gcmc_window_stats st;
        if (!upscale_gcmc_window_analyze(&ws, "step", x, 201, &st)) after_step += st.t0 >= 40;
        ar1(r, 0.5, 0.0, x, 201);
        for (int i = 0; i < 201; i++)
            x[i] += 6.0 * exp(-i / 15.0);
        if (!upscale_gcmc_window_analyze(&ws, "exp", x, 201, &st)) {
            /* after: the transient left at the cut is below 2 sigma (t > 15 ln 3 = 16.5) */
            after_exp += st.t0 >= 17;
            biased += fabs(st.N) > st.N_ci95 + 0.0;
        }
        upscale_error_clear();
    }
    CHECK(after_step >= 990, "step of 4 sigma over 40 of 201 samples: cut after it in %d of 1000",
          after_step);
    CHECK(after_exp >= 950 && biased <= 100,
          "exponential transient 6 sigma, decay 15: cut where it is below 2 sigma in %d of 1000; "
          "95%% interval misses the mean in %d",
          after_exp, biased);
    gsl_rng_free(r);
}

static void test_series(void)
{
    double *N = NULL;
    int n = 0;
    /* real LAMMPS log: Atoms in runs 3-6, duplicate first rows, WARNING/PRINT lines, a
     * multi-style block, an early halt and an ERROR abort */
    CHECK_OK(upscale_gcmc_series_read(LAMMPS_DIR "/log_format_variants/log.lammps", NULL, &N, &n));
    const double want[] = {500, 500, 500, 500, 458, 398, 346, 309, 265, 236, 217, 210};
    int same = n == 12;
    for (int i = 0; same && i < n; i++)
        same = N[i] == want[i];
    CHECK(same,
          "log_format_variants: Atoms series of 12 rows 500 ... 210, the run ending in ERROR "
          "dropped (got %d rows)",
          n);
    free(N);
    int dropped = 0, dline = 0;
    CHECK_OK(upscale_gcmc_series_read_runs(LAMMPS_DIR "/log_format_variants/log.lammps", NULL, &N,
                                           &n, &dropped, &dline));
    CHECK(dropped == 1 && dline == 258, "one run dropped, ERROR at line %d", dline);
    free(N);

    /* our own small real log (tests/data/lammps_logs): Temp of two custom runs (31 rows each),
     * a thermo_style multi run (steps 300..500, 21 records) between them, and a last run that
     * ends in ERROR (dropped); the first row of each run repeats the previous run's last */
    CHECK_OK(upscale_gcmc_series_read_runs("tests/data/lammps_logs/log.lammps", "Temp", &N, &n,
                                           &dropped, &dline));
    CHECK(n == 31 + 20 + 30 && dropped == 1 && dline == 304 && N && N[0] == 1.5 &&
              fabs(N[31] - 0.7746) < 1e-12,
          "real log with a multi block: %d Temp values (want 81: 31 + 20 multi + 30), %d run "
          "dropped at line %d",
          n, dropped, dline);
    free(N);
    CHECK_OK(upscale_gcmc_series_read_runs("tests/data/lammps_logs/log.lammps", NULL, &N, &n,
                                           &dropped, &dline));
    CHECK(n == 62 && N && N[0] == 256, "real log: Atoms of the two custom runs (%d rows)", n);
    free(N);
    check_input_error(
        upscale_gcmc_series_read(LAMMPS_DIR "/log_format_variants/log.lammps", "v_N", &N, &n),
        "log.lammps", "v_N", "log without the column");

    /* fix ave/time file of the LJ scan: N by name */
    CHECK_OK(upscale_gcmc_series_read(LAMMPS_DIR "/gcmc_lj_T1.5/scan_up/N_series_mu-3.0.dat", "v_N",
                                      &N, &n));
    CHECK(n == 601 && N[0] == 163 && N[1] == 162, "N_series_mu-3.0.dat: 601 rows, 163, 162, ...");
    free(N);
    CHECK_OK(upscale_gcmc_series_read(LAMMPS_DIR "/gcmc_lj_T1.5/scan_up/N_series_mu-3.0.dat", NULL,
                                      &N, &n));
    CHECK(n == 601 && N[0] == 163, "default column 2 of a plain file");
    free(N);

    write_file("trunc.dat", "# step N V\n0 10 1.0\n1 11 1.0\n2 12\n");
    check_input_error(upscale_gcmc_series_read(path_of("trunc.dat"), NULL, &N, &n), "trunc.dat:4",
                      "truncated", "plain file with a short last row");
    write_file("unsorted.dat", "# step N\n0 10\n10 11\n5 12\n");
    check_input_error(upscale_gcmc_series_read(path_of("unsorted.dat"), NULL, &N, &n),
                      "unsorted.dat:4", "not after the previous 10", "plain file, unsorted steps");
    write_file("empty.dat", "# step N\n");
    check_input_error(upscale_gcmc_series_read(path_of("empty.dat"), NULL, &N, &n), "empty.dat",
                      "no data rows", "empty window file");
    write_file("text.dat", "0 10\n1 abc\n");
    check_input_error(upscale_gcmc_series_read(path_of("text.dat"), NULL, &N, &n), "text.dat:2",
                      "abc", "plain file with text");
    write_file("neg.dat", "0 10\n1 -3\n");
    check_input_error(upscale_gcmc_series_read(path_of("neg.dat"), NULL, &N, &n), "neg.dat:2", "-3",
                      "negative particle number");
    write_file("trunc.log",
               "LAMMPS (29 Sep 2021)\nStep Temp Atoms\n0 1.0 10\n100 1.0 11\n200 1.0\n");
    check_input_error(upscale_gcmc_series_read(path_of("trunc.log"), NULL, &N, &n), "trunc.log:5",
                      "truncated", "LAMMPS log with a short last row");
    check_input_error(upscale_gcmc_series_read(path_of("missing.dat"), NULL, &N, &n), "missing.dat",
                      "cannot open", "missing file");
}

static void test_manifest(void)
{
    upscale_gcmc_manifest *m = NULL;
    write_file("m1.csv", "# a comment\n# energy_unit: eV\n# sites: 400\n"
                         "# sites_per_formula_unit: 2\n# formula_units: 200\n"
                         "# volume: 8000 Angstrom^3\n"
                         "mu_bias, window_file, temperature_K, phi, N_target, P_dVdN\n"
                         "-1.5, w0.dat, 300, 0.002, 100, 0.01\n"
                         "-1.4, /abs/w1.dat, 300, 0.002, 150, 0\n");
    CHECK_OK(upscale_gcmc_manifest_read(path_of("m1.csv"), &m));
    if (m) {
        CHECK(m->nwindows == 2 && !strcmp(m->w[0].path, path_of("w0.dat")) &&
                  !strcmp(m->w[1].path, "/abs/w1.dat"),
              "manifest: 2 windows, paths relative to the manifest ('%s')", m->w[0].path);
        CHECK_CLOSE(m->w[0].kT, 300 * 8.617333262e-5, 1e-12, 0, "kT from temperature_K in eV");
        CHECK(m->w[0].N_target == 100 && m->w[0].phi == 0.002 && m->w[0].mu_bias == -1.5 &&
                  m->w[0].P_dVdN == 0.01,
              "manifest row values in any column order");
        CHECK_CLOSE(upscale_gcmc_x_per_fu(m, 300), 1.5, 1e-14, 0, "x per formula unit = N / 200");
        CHECK_CLOSE(upscale_gcmc_concentration(m, 300), 300 / (6.02214076e23 * 8e-27), 1e-9, 0,
                    "c = N / (N_A V) with V = 8000 A^3");
    }
    upscale_gcmc_manifest_destroy(&m);
    CHECK(m == NULL, "destroy nulls the handle");
    upscale_gcmc_manifest_destroy(&m);

    static const struct {
        const char *text, *part, *what;
    } bad[] = {
        {"window_file,temperature_K,N_target,phi,mu_bias\nw.dat,300,1,0,0\n", "energy_unit",
         "missing energy unit"},
        {"# energy_unit: eV\nwindow_file,temperature_K,N_target,phi,mu\n",
         ":2: unknown column 'mu'", "unknown column"},
        {"# energy_unit: eV\nwindow_file,temperature_K,N_target,phi,mu_bias\nw.dat,300,1,0\n",
         ":3: expected 5 fields", "short row"},
        {"# energy_unit: eps\nwindow_file,temperature_K,N_target,phi,mu_bias\nw.dat,1,1,0,0\n",
         ":2: energy_unit eps has no Boltzmann", "temperature_K in reduced units"},
        {"# energy_unit: eV\nwindow_file,kT,N_target,phi,mu_bias\nw.dat,0.02,1,-1,0\n",
         ":3: phi must be >= 0", "negative phi"},
        {"# energy_unit: eV\nwindow_file,kT,N_target,phi,mu_bias\nw.dat,0.02,1,x,0\n",
         ":3: phi must be a finite number", "text in a number"},
        {"# energy_unit: Ry\nwindow_file,kT,N_target,phi,mu_bias\n", ":1: energy_unit 'Ry'",
         "unknown energy unit"},
        {"# energy_unit: eV\nwindow_file,kT,temperature_K,N_target,phi,mu_bias\n",
         ":2: give exactly one", "both temperature columns"},
        {"# energy_unit: eV\nwindow_file,kT,N_target,phi,mu_bias\n", ":2: no window rows",
         "no windows"},
        {"# energy_unit: eV\n# sites: 10\n# sites_per_formula_unit: 2\n# formula_units: 4\n"
         "window_file,kT,N_target,phi,mu_bias\nw.dat,1,1,0,0\n",
         "sites = 10 but", "inconsistent site counts"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_file("bad.csv", bad[i].text);
        check_input_error(upscale_gcmc_manifest_read(path_of("bad.csv"), &m), "bad.csv",
                          bad[i].part, bad[i].what);
        upscale_gcmc_manifest_destroy(&m);
    }
}

/* Regular solution: mu = kT ln(x/(1-x)) + W (1 - 2x); symmetric binodals at
 * kT ln(x/(1-x)) + W (1 - 2x) = 0, spinodals at x (1 - x) = kT / (2W), mu_coex = 0. */
static double rs_mu(double x, double kT, double W)
{
    return kT * log(x / (1 - x)) + W * (1 - 2 * x);
}

static double rs_g(double x, double kT, double W)
{
    return kT * (x * log(x) + (1 - x) * log(1 - x)) + W * x * (1 - x);
}

static void test_fit(gsl_rng *r)
{
    const double kT = 0.025, W = 2.5 * kT, Ns = 1000;
    double lo = 1e-6, hi = 0.3; /* binodal: the root of rs_mu below 1/2 */
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (rs_mu(mid, kT, W) < 0)
            lo = mid;
        else
            hi = mid;
    }
    const double xb = 0.5 * (lo + hi), xs = 0.5 * (1 - sqrt(1 - 2 * kT / W));
    const double mix = Ns * (rs_g(0.5, kT, W) - rs_g(xb, kT, W));

    enum { n = 41 };
    double N[n], se[n], mu[n], phi[n];
    for (int i = 0; i < n; i++) {
        double x = 0.02 + 0.96 * i / (n - 1.0);
        phi[i] = 0.001;
        se[i] = 0.005; /* sigma_mu = 2 phi se = 1e-5 eV = 4e-4 kT */
        N[i] = Ns * x;
        mu[i] = rs_mu(x, kT, W) + 2 * phi[i] * se[i] * gsl_ran_gaussian(r, 1.0);
    }
    upscale_gcmc_fit_settings fs;
    upscale_gcmc_fit_settings_default(&fs);
    fs.kT = kT;
    fs.sites = Ns;
    upscale_gcmc_fit *f = NULL;
    CHECK_OK(upscale_gcmc_fit_create(&fs, "regular solution", n, N, se, mu, phi, &f));
    if (!f) return;
    upscale_gcmc_fit_info info;
    upscale_gcmc_fit_get_info(f, &info);
    CHECK(info.degree >= 1 && info.degree <= 4,
          "regular solution (excess linear in x): degree %d chosen by cross-validation",
          info.degree);
    upscale_gcmc_gap g[UPSCALE_GCMC_MAX_GAPS];
    int ng = 0;
    CHECK_OK(upscale_gcmc_fit_gaps(f, UPSCALE_GCMC_MAX_GAPS, g, &ng));
    CHECK(ng == 1, "one miscibility gap (got %d)", ng);
    if (ng == 1) {
        CHECK_CLOSE(g[0].N1 / Ns, xb, 0, 2e-4, "regular solution: lower binodal");
        CHECK_CLOSE(g[0].N2 / Ns, 1 - xb, 0, 2e-4, "regular solution: upper binodal");
        CHECK_CLOSE(g[0].mu_coex, 0.0, 0, 2e-3 * kT, "regular solution: mu_coex = 0");
        CHECK_CLOSE(g[0].S1 / Ns, xs, 0, 1e-3, "regular solution: lower spinodal");
        CHECK_CLOSE(g[0].S2 / Ns, 1 - xs, 0, 1e-3, "regular solution: upper spinodal");
        CHECK_CLOSE(g[0].mix_max, mix, 0.01, 0, "regular solution: mixing energy at x = 1/2");
        CHECK_CLOSE(g[0].N_mix / Ns, 0.5, 0, 0.01, "mixing energy maximum at x = 1/2");
        CHECK(!g[0].N1_at_end && !g[0].N2_at_end, "binodals inside the sampled range");
        CHECK(upscale_gcmc_fit_mixing(f, &g[0], 0.5 * g[0].N1) == 0.0,
              "no mixing energy outside the gap");
    }
    /* G is the integral of mu (eq. 18): compare with Simpson's rule on the fit */
    const double a = info.N_lo, b = 0.7 * Ns;
    const int m = 2000;
    double s = upscale_gcmc_fit_mu(f, a, NULL) + upscale_gcmc_fit_mu(f, b, NULL);
    for (int i = 1; i < m; i++)
        s += (i % 2 ? 4 : 2) * upscale_gcmc_fit_mu(f, a + (b - a) * i / m, NULL);
    CHECK_CLOSE(upscale_gcmc_fit_G(f, b), s * (b - a) / (3 * m), 1e-9, 1e-9,
                "G(N) - G(N_lo) = integral of the fitted mu");
    double d, h = 1e-3;
    upscale_gcmc_fit_mu(f, 400, &d);
    CHECK_CLOSE(d,
                (upscale_gcmc_fit_mu(f, 400 + h, NULL) - upscale_gcmc_fit_mu(f, 400 - h, NULL)) /
                    (2 * h),
                1e-6, 0, "dmu/dN of the fit");
    upscale_gcmc_fit_destroy(&f);
    CHECK(f == NULL, "fit destroy nulls the handle");

    /* bad input */
    check_input_error(upscale_gcmc_fit_create(&fs, "T = 300 K", 3, N, se, mu, phi, &f), "T = 300 K",
                      "needs at least 4", "three windows");
    double Nd[5] = {100, 100, 200, 200, 200};
    check_input_error(upscale_gcmc_fit_create(&fs, "T = 300 K", 5, Nd, se, mu, phi, &f),
                      "T = 300 K", "2 distinct", "two distinct means");
    double Nout[4] = {100, 200, 300, 1000};
    check_input_error(upscale_gcmc_fit_create(&fs, "T = 300 K", 4, Nout, se, mu, phi, &f),
                      "<N> = 1000", "outside (0, 1000", "mean at the full lattice");
    double se0[4] = {0.3, 0.0, 0.3, 0.3}, phi0[4] = {0.001, 0.0, 0.001, 0.001};
    upscale_gcmc_fit_settings fn = fs;
    fn.ideal = UPSCALE_GCMC_IDEAL_NONE;
    double Nm[4] = {100, 200, 300, 400}, mum[4] = {1, 0.5, 0.2, 0.4};
    check_input_error(upscale_gcmc_fit_create(&fn, "T = 300 K", 4, Nm, se0, mum, phi0, &f),
                      "<N> = 200", "zero weight", "window without error");
    /* ten windows within 1e-9 of each other and one far away: a quadratic is degenerate */
    double Nc[11], sec[11], muc[11], phic[11];
    for (int i = 0; i < 11; i++) {
        Nc[i] = i < 10 ? 100 + 1e-10 * i : 500;
        sec[i] = 0.3, phic[i] = 0.001;
        muc[i] = rs_mu(Nc[i] / Ns, kT, W);
    }
    upscale_gcmc_fit_settings f2 = fs;
    f2.min_degree = 2;
    check_input_error(upscale_gcmc_fit_create(&f2, "T = 300 K", 11, Nc, sec, muc, phic, &f),
                      "T = 300 K", "ill-conditioned", "two clusters of windows, degree 2");
    fs.sites = 0;
    check_input_error(upscale_gcmc_fit_create(&fs, "T = 300 K", n, N, se, mu, phi, &f), "sites",
                      "--sites", "lattice term without sites");
}

/* Reference table of tests/data/lammps/gcmc_lj_T1.5/README.md: mu, <N>. */
static const double lj_table[13][2] = {
    {-6.0, 6.887},   {-5.0, 15.003},  {-4.5, 22.850},  {-4.0, 38.847},  {-3.5, 75.960},
    {-3.0, 149.088}, {-2.5, 185.895}, {-2.0, 204.902}, {-1.5, 221.522}, {-1.0, 234.373},
    {-0.5, 245.196}, {0.0, 252.940},  {0.5, 259.719},
};

static void test_lj_scan(void)
{
    FILE *f = fopen(path_of("lj.csv"), "w");
    if (!f) return;
    fprintf(f, "# LJ fluid at T* = 1.5, unbiased GCMC (phi = 0): mu(<N>) = mu_bias\n"
               "# energy_unit: eps\n# ideal: gas\n# N_column: v_N\n"
               "window_file,kT,N_target,phi,mu_bias\n");
    char cwd[1024];
    if (!getcwd(cwd, sizeof(cwd))) cwd[0] = '\0';
    for (int i = 0; i < 13; i++)
        fprintf(f, "%s/%s/gcmc_lj_T1.5/scan_up/N_series_mu%.1f.dat,1.5,0,0,%.1f\n", cwd, LAMMPS_DIR,
                lj_table[i][0], lj_table[i][0]);
    fclose(f);
    upscale_gcmc_manifest *m = NULL;
    upscale_gcmc_result *r = NULL;
    upscale_gcmc_settings s;
    upscale_gcmc_settings_default(&s);
    CHECK_OK(upscale_gcmc_manifest_read(path_of("lj.csv"), &m));
    if (m) CHECK_OK(upscale_gcmc_analyze(m, &s, &r));
    if (!r) {
        upscale_gcmc_manifest_destroy(&m);
        return;
    }
    int agree = 1, exact = 1, monotonic = 1;
    for (int i = 0; i < 13; i++) {
        const upscale_gcmc_window_stats *st = &r->stats[i];
        double d = fabs(st->N - lj_table[i][1]);
        agree &= d <= 2 * st->N_se;
        if (st->t0 == 0) exact &= d <= 6e-4;
        if (i > 0) monotonic &= st->N > r->stats[i - 1].N;
        printf("  LJ mu = %5.1f: <N> = %8.3f +/- %.3f (README %8.3f), %d discarded\n",
               lj_table[i][0], st->N, st->N_se, lj_table[i][1], st->t0);
    }
    CHECK(agree, "LJ T* = 1.5: every <N> within 2 se of the README table");
    CHECK(exact, "LJ T* = 1.5: windows without discarded samples reproduce the table to 5e-4");
    CHECK(monotonic, "LJ T* = 1.5: N(mu) increases");
    CHECK(r->ntemps == 1 && r->t[0].ngaps == 0,
          "LJ T* = 1.5 (above T_c ~ 1.2): no miscibility gap (%d)", r->t[0].ngaps);
    upscale_gcmc_result_destroy(&r);
    upscale_gcmc_manifest_destroy(&m);
}

/* Manifest of lattice-gas-like windows drawn from AR(1) series around a regular solution;
 * `extra` is appended to the rows. */
static void write_windows(gsl_rng *r, const char *manifest, int nw, const char *extra)
{
    const double kT = 0.025, W = 2.5 * kT, Ns = 1000, phi = 0.002;
    FILE *f = fopen(path_of(manifest), "w");
    if (!f) return;
    fprintf(f, "# energy_unit: eV\n# sites: 1000\n# formula_units: 500\n# volume: 1e-25 m^3\n"
               "window_file,kT,N_target,phi,mu_bias\n");
    double x[4000];
    for (int i = 0; i < nw; i++) {
        double N = 20 + (Ns - 40) * i / (nw - 1.0), mu_b = 0.0;
        /* N_t such that mu_b - 2 phi (N - N_t) = mu(N) */
        double Nt = N + (rs_mu(N / Ns, kT, W) - mu_b) / (2 * phi);
        ar1(r, 0.5, N, x, 4000);
        char name[64];
        snprintf(name, sizeof(name), "w%03d.dat", i);
        write_series(name, x, 4000);
        fprintf(f, "%s,%.17g,%.17g,%g,%g\n", name, kT, Nt, phi, mu_b);
    }
    fputs(extra, f);
    fclose(f);
}

/* Biased windows and unbiased scan points in one manifest: two unbiased points at the
 * coexistence mu_bias = 0 of the regular solution, one on each branch (x_b and 1 - x_b),
 * are reported as a hysteresis and both used; the fit's binodals stay at x_b, 1 - x_b. */
static void test_windows_and_scans(gsl_rng *r)
{
    const double kT = 0.025, W = 2.5 * kT;
    double lo = 1e-6, hi = 0.4; /* binodal: mu(x_b) = mu(1/2) = 0 */
    for (int it = 0; it < 100; it++) {
        double mid = 0.5 * (lo + hi);
        if (rs_mu(mid, kT, W) > 0)
            hi = mid;
        else
            lo = mid;
    }
    const double xb = 0.5 * (lo + hi);
    double x[4000];
    ar1(r, 0.5, 1000 * xb, x, 4000);
    write_series("scan_a.dat", x, 4000);
    ar1(r, 0.5, 1000 * (1 - xb), x, 4000);
    write_series("scan_b.dat", x, 4000);
    write_windows(r, "mixed.csv", 30, "scan_a.dat,0.025,0,0,0\nscan_b.dat,0.025,0,0,0\n");
    upscale_gcmc_manifest *m = NULL;
    upscale_gcmc_result *res = NULL;
    upscale_gcmc_settings s;
    upscale_gcmc_settings_default(&s);
    s.bootstrap = 50;
    CHECK_OK(upscale_gcmc_manifest_read(path_of("mixed.csv"), &m));
    if (m) CHECK_OK(upscale_gcmc_analyze(m, &s, &res));
    if (res) {
        int a = m->nwindows - 2, b = m->nwindows - 1;
        CHECK(res->stats[a].hysteresis == b + 1 && res->stats[b].hysteresis == a + 1 &&
                  res->t[0].nfit == m->nwindows,
              "two unbiased points at mu = 0 on both branches: hysteresis reported (%d, %d), all "
              "%d windows in the fit",
              res->stats[a].hysteresis, res->stats[b].hysteresis, res->t[0].nfit);
        int g = res->t[0].main_gap;
        CHECK(g >= 0 && fabs(res->t[0].gaps[g].N1 / 1000 - xb) < 0.01 &&
                  fabs(res->t[0].gaps[g].N2 / 1000 - (1 - xb)) < 0.01,
              "windows and scans together: binodals %.4f, %.4f (exact %.4f, %.4f)",
              g >= 0 ? res->t[0].gaps[g].N1 / 1000 : NAN,
              g >= 0 ? res->t[0].gaps[g].N2 / 1000 : NAN, xb, 1 - xb);
        int none = 1;
        for (int i = 0; i < m->nwindows - 2; i++)
            none &= res->stats[i].hysteresis == 0;
        CHECK(none, "biased windows are never flagged as hysteresis");
    }
    upscale_gcmc_result_destroy(&res);
    upscale_gcmc_manifest_destroy(&m);
}

static void test_cli(gsl_rng *r)
{
    write_windows(r, "good.csv", 30, "");
    char *argv[16];
    int argc = 0;
    argv[argc++] = "gcmc";
    argv[argc++] = (char *)path_of("good.csv");
    argv[argc++] = "--bootstrap";
    argv[argc++] = "50";
    argv[argc++] = "--out";
    argv[argc++] = (char *)path_of("good");
    CHECK(upscale_import_gcmc_main(argc, argv) == 0, "import gcmc on 30 synthetic windows: 0");
    CHECK(access(path_of("good_windows.csv"), R_OK) == 0 &&
              access(path_of("good_fit.csv"), R_OK) == 0 &&
              access(path_of("good_gaps.csv"), R_OK) == 0,
          "--out writes _windows.csv, _fit.csv, _gaps.csv");
    /* the plot script draws them (Debian's python3 with matplotlib) */
    if (access("/usr/bin/python3", X_OK) == 0) {
        char cmd[1024];
        snprintf(cmd, sizeof(cmd),
                 "MPLCONFIGDIR=%s /usr/bin/python3 postproc/plot_gcmc.py %s > /dev/null", root,
                 path_of("good"));
        int st = system(cmd);
        CHECK(st == 0 && access(path_of("good_gcmc.png"), R_OK) == 0,
              "postproc/plot_gcmc.py draws PREFIX_gcmc.png (status %d)", st);
        snprintf(cmd, sizeof(cmd),
                 "MPLCONFIGDIR=%s /usr/bin/python3 postproc/plot_gcmc.py %s 2> /dev/null", root,
                 path_of("nothing"));
        st = system(cmd);
        CHECK(st != 0, "postproc/plot_gcmc.py refuses a missing prefix (status %d)", st);
    }

    /* bad input: exit status 2, the error names the file and line or the window */
    double x[400];
    ar1(r, 0.5, 100, x, 400);
    for (int i = 0; i < 400; i++)
        x[i] += 0.5 * i;
    write_series("trend.dat", x, 400);
    write_file("short.dat", "# step N\n0 10\n1 11\n2\n");
    write_windows(r, "never.csv", 10, "trend.dat,0.025,100,0.002,0\n");
    write_windows(r, "trunc.csv", 10, "short.dat,0.025,100,0.002,0\n");
    write_windows(r, "few.csv", 3, "");
    static const struct {
        const char *manifest, *option, *value, *part1, *part2;
    } bad[] = {
        {"never.csv", "--strict", NULL, "trend.dat (line 16)", "--strict refuses 1 of 11"},
        {"trunc.csv", NULL, NULL, "short.dat:4", "truncated"},
        {"few.csv", NULL, NULL, "few.csv: T = 290.1", "needs at least"},
        {"good.csv", "--temperature", "300", "T = 300 K", "no window at this temperature"},
        {"nothere.csv", NULL, NULL, "nothere.csv", "cannot open"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        argc = 0;
        argv[argc++] = "gcmc";
        argv[argc++] = (char *)path_of(bad[i].manifest);
        if (bad[i].option) argv[argc++] = (char *)bad[i].option;
        if (bad[i].value) argv[argc++] = (char *)bad[i].value;
        int status = upscale_import_gcmc_main(argc, argv);
        const char *m = upscale_error_message();
        CHECK(status == 2 && strstr(m, bad[i].part1) && strstr(m, bad[i].part2),
              "import gcmc %s: exit 2 naming '%s' and '%s' (got %d: %s)", bad[i].manifest,
              bad[i].part1, bad[i].part2, status, m);
        upscale_error_clear();
    }
    /* without --strict the drifting, unequilibrated window is used, with its warning */
    char *lax[] = {"gcmc", (char *)path_of("never.csv"), "--bootstrap", "0"};
    CHECK(upscale_import_gcmc_main(4, lax) == 0, "import gcmc never.csv (no --strict): exit 0");
    char *opt[] = {"gcmc", (char *)path_of("good.csv"), "--bootstrap", "many"};
    CHECK(upscale_import_gcmc_main(4, opt) == 2, "import gcmc --bootstrap many: exit 2");
    char *help[] = {"gcmc", "--help"}, *h[] = {"gcmc-lattice", "-h"};
    CHECK(upscale_import_gcmc_main(2, help) == 0, "import gcmc --help: exit 0");
    CHECK(upscale_gcmc_lattice_main(2, h) == 0, "gcmc-lattice -h: exit 0");
    char *lat[] = {"gcmc-lattice", "--L", "64"};
    CHECK(upscale_gcmc_lattice_main(3, lat) == 2, "gcmc-lattice without --out: exit 2");
}

/* A LAMMPS log as a window file, read through the manifest's N_column. */
static void test_lammps_window(gsl_rng *r)
{
    FILE *f = fopen(path_of("win.log"), "w");
    if (!f) return;
    double x[600];
    ar1(r, 0.3, 400, x, 600);
    fprintf(f, "LAMMPS (29 Sep 2021 - Update 2)\nStep PotEng v_nNa Press\n");
    for (int i = 0; i < 300; i++)
        fprintf(f, "%8d %12.6f %6d %10.4f\n", 10 * i, -1.0, (int)lround(x[i]), 0.1);
    fprintf(f, "WARNING: something (src/x.cpp:1)\nLoop time of 1.0 on 1 procs for 3000 steps\n"
               "Step PotEng v_nNa Press\n");
    for (int i = 299; i < 600; i++)
        fprintf(f, "%8d %12.6f %6d %10.4f\n", 10 * i, -1.0, (int)lround(x[i]), 0.1);
    fprintf(f, "Loop time of 1.0 on 1 procs for 3000 steps\n");
    fclose(f);
    double *N = NULL;
    int n = 0;
    CHECK_OK(upscale_gcmc_series_read(path_of("win.log"), "v_nNa", &N, &n));
    CHECK(n == 600 && N && N[299] == lround(x[299]) && N[300] == lround(x[300]),
          "LAMMPS log window: 600 rows, the repeated step dropped (got %d)", n);
    free(N);
    CHECK_OK(upscale_gcmc_series_read(path_of("win.log"), "3", &N, &n));
    CHECK(n == 600, "column by index 3");
    free(N);
}

int main(void)
{
    snprintf(root, sizeof(root), "/tmp/upscale_gcmc_XXXXXX");
    if (!mkdtemp(root)) {
        printf("FAIL: cannot create a scratch directory\n");
        return 1;
    }
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 12345);
    test_statistics(r);
    test_coverage();
    test_series();
    test_manifest();
    test_fit(r);
    test_lj_scan();
    test_lammps_window(r);
    test_windows_and_scans(r);
    test_cli(r);
    gsl_rng_free(r);
    remove_scratch();
    return CHECK_DONE();
}
