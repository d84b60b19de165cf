/* Einstein diffusivity: the reference numbers of tests/data/lammps/msd_lj_liquid/README.md
 * (D(T) and the Arrhenius fit), the default fit-window rule, the block standard error
 * calibrated on simulated random walks, and the error paths (unsorted or repeated times, too
 * few points, truncated files, aborted or unfinished runs). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "upscale/arrhenius.h"
#include "upscale/msd.h"

#define LJ_DIR "tests/data/lammps/msd_lj_liquid"
#define NT 5

static const char *tname[NT] = {"0.80", "1.00", "1.20", "1.50", "2.00"};
static const double T_nominal[NT] = {0.80, 1.00, 1.20, 1.50, 2.00};
static const double T_measured[NT] = {0.811, 1.015, 1.185, 1.538, 1.973};
/* README table: least-squares slope/6 of c_msd[4] for t >= 10 tau */
static const double D_ref[NT] = {0.03873, 0.05579, 0.07037, 0.09315, 0.11859};

static char root[64];

static const char *write_file(const char *name, const char *text)
{
    static char path[8][128];
    static int k;
    char *p = path[k++ % 8];
    snprintf(p, sizeof(path[0]), "%s/%s", root, name);
    FILE *f = fopen(p, "w");
    if (!f) return "";
    fputs(text, f);
    fclose(f);
    return p;
}

static void check_fails(upscale_err e, const char *part)
{
    const char *m = upscale_error_message();
    CHECK(e == UPSCALE_ERR_INPUT && strstr(m, part), "fails with '%s': %s", part, m);
    upscale_error_clear();
}

/* D for the five temperatures with the given window (t_start, t_end <= 0: default rule). */
static int lj_fits(const upscale_lammps_log *log, double t_start, double t_end,
                   upscale_msd_result *r)
{
    for (int i = 0; i < NT; i++) {
        char path[256];
        snprintf(path, sizeof(path), LJ_DIR "/msd_T%s.dat", tname[i]);
        int first, last, line;
        if (!upscale_lammps_log_find_output(log, path, &first, &last, &line)) {
            CHECK(0, "log names %s", path);
            return 0;
        }
        upscale_msd_source src = {.column = NULL,
                                  .timestep = upscale_lammps_log_run(log, first)->timestep};
        upscale_msd *m = NULL;
        upscale_err e = upscale_msd_read(path, &src, &m);
        if (e) {
            CHECK_OK(e);
            return 0;
        }
        upscale_msd_settings s;
        upscale_msd_settings_default(&s);
        s.t_start = t_start;
        s.t_end = t_end;
        e = upscale_msd_fit(m, &s, &r[i]);
        upscale_msd_destroy(&m);
        if (e) {
            CHECK_OK(e);
            return 0;
        }
    }
    return 1;
}

static void arrhenius_unweighted(const double *T, const upscale_msd_result *r,
                                 upscale_arrhenius_result *a)
{
    double D[NT];
    for (int i = 0; i < NT; i++)
        D[i] = r[i].D;
    upscale_arrhenius_settings s;
    upscale_arrhenius_settings_default(&s);
    CHECK_OK(upscale_arrhenius_fit(T, D, NULL, NT, &s, a));
}

static void test_lj_reference(void)
{
    if (access(LJ_DIR "/log.lammps", R_OK) != 0) {
        CHECK(0, "test sample %s is missing (tests/data)", LJ_DIR);
        return;
    }
    upscale_lammps_log *log;
    CHECK_OK(upscale_lammps_log_read(LJ_DIR "/log.lammps", &log));
    if (!log) return;
    upscale_msd_result r[NT];
    upscale_arrhenius_result a;

    /* the README's method: t >= 0.1 t_max = 10 tau, to the end */
    if (lj_fits(log, 10.0, 100.0, r)) {
        for (int i = 0; i < NT; i++) {
            char d[96];
            snprintf(d, sizeof(d), "T* = %s: D, README method (t >= 10 tau), vs table", tname[i]);
            CHECK_CLOSE(r[i].D, D_ref[i], 2e-4, 5e-6, d);
        }
        CHECK(r[0].n == 901, "window t >= 10 tau holds 901 points (got %d)", r[0].n);
        arrhenius_unweighted(T_nominal, r, &a);
        CHECK_CLOSE(a.Ea, 1.498, 0, 1e-3, "Arrhenius Ea (nominal T), README 1.498 eps");
        CHECK_CLOSE(a.D0, 0.2501, 0, 2e-4, "Arrhenius D0 (nominal T), README 0.2501 sigma^2/tau");
        CHECK_CLOSE(a.rms, 0.011, 0, 1.5e-3, "rms residual of ln D, README 0.011");
        arrhenius_unweighted(T_measured, r, &a);
        CHECK_CLOSE(a.Ea, 1.536, 0, 2e-3, "Arrhenius Ea (measured mean T), README 1.536 eps");
        CHECK_CLOSE(a.D0, 0.256, 0, 1e-3, "Arrhenius D0 (measured mean T), README 0.256");
    }
    if (lj_fits(log, 50.0, 100.0, r)) {
        arrhenius_unweighted(T_nominal, r, &a);
        CHECK_CLOSE(a.Ea, 1.572, 0, 1e-3, "Arrhenius Ea, window t >= 50 tau, README 1.572 eps");
        CHECK_CLOSE(a.D0, 0.259, 0, 1e-3, "Arrhenius D0, window t >= 50 tau, README 0.259");
    }

    /* the default rule: README tolerance 3 % for D, 0.1 eps for Ea */
    if (lj_fits(log, 0, 0, r)) {
        double D[NT], E[NT];
        for (int i = 0; i < NT; i++) {
            char d[96];
            snprintf(d, sizeof(d), "T* = %s: D, default window, within 3 %% of the table",
                     tname[i]);
            CHECK_CLOSE(r[i].D, D_ref[i], 0.03, 0, d);
            CHECK(r[i].diffusive && fabs(r[i].alpha - 1) < 0.1 && r[i].t_diffusive < 1.0 &&
                      r[i].t_start == 10.0 && fabs(r[i].t_end - 90.0) < 1e-9,
                  "T* = %s: window 10..90 tau, log-log slope %.3f, diffusive from t = %g tau",
                  tname[i], r[i].alpha, r[i].t_diffusive);
            CHECK(r[i].error_method == UPSCALE_MSD_ERROR_BLOCKS && r[i].D_err > 0.002 * r[i].D &&
                      r[i].D_err < 0.1 * r[i].D,
                  "T* = %s: block SE %.3g is 0.2-10 %% of D", tname[i], r[i].D_err);
            D[i] = r[i].D;
            E[i] = r[i].D_err;
        }
        upscale_arrhenius_settings s;
        upscale_arrhenius_settings_default(&s);
        CHECK_OK(upscale_arrhenius_fit(T_nominal, D, E, NT, &s, &a));
        CHECK_CLOSE(a.Ea, 1.50, 0, 0.1, "weighted Arrhenius Ea, default window, within 0.1 eps");
        CHECK_CLOSE(a.D0, 0.250, 0.1, 0, "weighted Arrhenius D0, default window, within 10 %");
        CHECK(a.Ea_lo < 1.498 && a.Ea_hi > 1.498, "95%% interval %.3f..%.3f holds 1.498", a.Ea_lo,
              a.Ea_hi);
    }

    /* the c_msd[4] thermo column of the log (every 1000 steps): any reasonable method, 10 % */
    int k = 0;
    for (int i = 0; i < upscale_lammps_log_nruns(log); i++) {
        const upscale_lammps_run *run = upscale_lammps_log_run(log, i);
        if (upscale_lammps_table_column(&run->thermo, "c_msd[4]") < 0) continue;
        upscale_msd_source src = {0};
        upscale_msd *m = NULL;
        upscale_msd_settings s;
        upscale_msd_settings_default(&s);
        upscale_msd_result x;
        CHECK_OK(upscale_msd_from_log(log, i, &src, &m));
        if (m && k < NT) {
            CHECK_OK(upscale_msd_fit(m, &s, &x));
            char d[96];
            snprintf(d, sizeof(d), "T* = %s: D from the log's thermo column, within 10 %%",
                     tname[k]);
            CHECK_CLOSE(x.D, D_ref[k], 0.1, 0, d);
        }
        k++;
        upscale_msd_destroy(&m);
    }
    CHECK(k == NT, "5 log runs carry c_msd[4]");
    upscale_lammps_log_destroy(&log);
}

/* Langevin particle: MSD = 2 d D [t - tau (1 - exp(-t/tau))], ballistic then diffusive. */
static void test_langevin(void)
{
    enum { N = 2001 };
    static double t[N], y[N];
    const double D = 0.5, tau = 1.0;
    for (int i = 0; i < N; i++) {
        t[i] = 0.1 * i;
        y[i] = 6 * D * (t[i] - tau * (1 - exp(-t[i] / tau)));
    }
    upscale_msd *m;
    CHECK_OK(upscale_msd_create(t, y, N, "langevin", &m));
    if (!m) return;
    upscale_msd_settings s;
    upscale_msd_settings_default(&s);
    upscale_msd_result r;
    CHECK_OK(upscale_msd_fit(m, &s, &r));
    CHECK_CLOSE(r.D, D, 1e-6, 0, "Langevin MSD: D");
    CHECK_CLOSE(r.intercept, -6 * D * tau, 1e-4, 0, "Langevin MSD: intercept -2 d D tau");
    CHECK(r.t_diffusive > 2 && r.t_diffusive < 20,
          "Langevin MSD: diffusive regime found at t = %g (|alpha - 1| <= 0.1)", r.t_diffusive);
    s.dim = 2;
    CHECK_OK(upscale_msd_fit(m, &s, &r));
    CHECK_CLOSE(r.D, 1.5 * D, 1e-6, 0, "same MSD read as 2-d: D = slope/4");
    upscale_msd_destroy(&m);
    CHECK(m == NULL, "destroy nulls the handle");

    /* sub-diffusive MSD ~ t^0.5: no diffusive regime, flagged */
    for (int i = 0; i < N; i++)
        y[i] = sqrt(t[i]);
    CHECK_OK(upscale_msd_create(t, y, N, "caged", &m));
    if (!m) return;
    s.dim = 3;
    CHECK_OK(upscale_msd_fit(m, &s, &r));
    CHECK(!r.diffusive && isnan(r.t_diffusive) && fabs(r.alpha - 0.5) < 0.01 &&
              fabs(r.alpha_diff - 0.5) < 0.1,
          "MSD ~ t^0.5: not diffusive (alpha %.3f, exponent of the diffusive part %.3f +- %.2g)",
          r.alpha, r.alpha_diff, r.alpha_diff_err);
    upscale_msd_destroy(&m);
}

/* A guest hopping in a host lattice, single time origin: each of NP particles vibrates in
 * its cage (independent Gaussian displacement of variance s2 per component at each sample)
 * on top of a random walk with D, so MSD = 6 s2 + 6 D t: diffusive with a plateau, whose
 * log-log slope over the window is well below 1.  And the same cage without hops (D = 0)
 * plus a slow creep MSD ~ t^0.3: sub-diffusive. */
static void test_plateau(void)
{
    enum { NP = 512, NS = 1000 };
    const double D = 1e-3, s2 = 0.25, dt = 1.0;
    static double walk[NP][3], t[NS + 1], y[NS + 1], y2[NS + 1];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 4242);
    memset(walk, 0, sizeof(walk));
    for (int k = 0; k <= NS; k++) {
        double sum = 0, sum2 = 0;
        for (int p = 0; p < NP; p++)
            for (int c = 0; c < 3; c++) {
                if (k > 0) walk[p][c] += gsl_ran_gaussian(rng, sqrt(2 * D * dt));
                double v = k > 0 ? gsl_ran_gaussian(rng, sqrt(s2)) : 0.0;
                double creep = 0.2 * pow(k * dt, 0.3) / sqrt(3.0);
                sum += (walk[p][c] + v) * (walk[p][c] + v);
                sum2 += (v + (c == 0 ? sqrt(3.0) * creep : 0.0)) *
                        (v + (c == 0 ? sqrt(3.0) * creep : 0.0));
            }
        t[k] = k * dt;
        y[k] = sum / NP;
        y2[k] = sum2 / NP;
    }
    gsl_rng_free(rng);
    upscale_msd *m = NULL;
    upscale_msd_settings s;
    upscale_msd_settings_default(&s);
    upscale_msd_result r;
    CHECK_OK(upscale_msd_create(t, y, NS + 1, "cage + hops", &m));
    if (m) CHECK_OK(upscale_msd_fit(m, &s, &r));
    if (m)
        CHECK(r.diffusive && r.alpha < 0.8 && fabs(r.D - D) < 3 * r.D_err + 0.1 * D,
              "MSD = 6 s2 + 6 D t (cage plateau %.2g, 6 D t_max = %.2g), window %g..%g: diffusive "
              "(log-log slope "
              "%.3f, exponent of MSD - plateau %.3f +- %.2g), D = %.4g +- %.2g (true %g)",
              6 * s2, 6 * D * t[NS], r.t_start, r.t_end, r.alpha, r.alpha_diff, r.alpha_diff_err,
              r.D, r.D_err, D);
    upscale_msd_destroy(&m);
    CHECK_OK(upscale_msd_create(t, y2, NS + 1, "cage + creep", &m));
    if (m) CHECK_OK(upscale_msd_fit(m, &s, &r));
    if (m)
        CHECK(!r.diffusive && r.alpha_diff < 0.8,
              "cage + creep ~ t^0.3: not diffusive (exponent of MSD - plateau %.3f +- %.2g)",
              r.alpha_diff, r.alpha_diff_err);
    upscale_msd_destroy(&m);
}

/* Single-origin MSD of simulated Brownian particles: the block SE matches the spread of D
 * over independent repeats within a factor of 1.6. */
static void test_block_error(void)
{
    enum { NP = 50, NS = 400, REP = 60 };
    const double D = 1.0, dt = 0.01;
    static double x[NP][3], t[NS + 1], y[NS + 1], Ds[REP], SEs[REP];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 12345);
    for (int rep = 0; rep < REP; rep++) {
        memset(x, 0, sizeof(x));
        for (int k = 0; k <= NS; k++) {
            double sum = 0;
            for (int p = 0; p < NP; p++)
                for (int c = 0; c < 3; c++) {
                    if (k > 0) x[p][c] += gsl_ran_gaussian(rng, sqrt(2 * D * dt));
                    sum += x[p][c] * x[p][c];
                }
            t[k] = k * dt;
            y[k] = sum / NP;
        }
        upscale_msd *m = NULL;
        upscale_msd_settings s;
        upscale_msd_settings_default(&s);
        upscale_msd_result r = {0};
        upscale_err e = upscale_msd_create(t, y, NS + 1, "brownian", &m);
        if (!e) e = upscale_msd_fit(m, &s, &r);
        upscale_msd_destroy(&m);
        if (e) {
            CHECK_OK(e);
            break;
        }
        Ds[rep] = r.D;
        SEs[rep] = r.D_err;
    }
    gsl_rng_free(rng);
    double mean = 0, var = 0, se = 0;
    for (int i = 0; i < REP; i++)
        mean += Ds[i] / REP;
    for (int i = 0; i < REP; i++) {
        var += (Ds[i] - mean) * (Ds[i] - mean) / (REP - 1);
        se += SEs[i] / REP;
    }
    double sd = sqrt(var);
    CHECK_CLOSE(mean, D, 0, 3 * sd / sqrt(REP), "Brownian walkers: mean D over repeats");
    CHECK(se > sd / 1.6 && se < 1.6 * sd,
          "block SE (mean %.4f) matches the spread of D over repeats (%.4f) within x1.6", se, sd);
}

static void test_errors(void)
{
    upscale_msd_source src = {.column = NULL, .timestep = 0.5};
    upscale_msd *m = NULL;
    upscale_msd_settings s;
    upscale_msd_settings_default(&s);
    upscale_msd_result r;

    const char *p = write_file("plain.txt", "0 0\n1 6\n2 12\n3 18\n4 24\n5 30\n");
    CHECK_OK(upscale_msd_read(p, &(upscale_msd_source){0}, &m));
    if (m) {
        s.nblocks = 2;
        CHECK_OK(upscale_msd_fit(m, &s, &r));
        CHECK_CLOSE(r.D, 1.0, 1e-12, 0, "plain (time, MSD) file: D = 6/6");
        CHECK(r.error_method == UPSCALE_MSD_ERROR_REGRESSION,
              "too few points per block: regression error reported as such");
        s.t_start = 4.5;
        check_fails(upscale_msd_fit(m, &s, &r), "holds 0 points; a fit needs at least 3");
        upscale_msd_settings_default(&s);
        s.end_fraction = 0.05;
        check_fails(upscale_msd_fit(m, &s, &r), "fractions");
        upscale_msd_settings_default(&s);
        upscale_msd_destroy(&m);
    }
    p = write_file("unsorted.txt", "0 0\n1 6\n3 18\n2 12\n4 24\n");
    check_fails(upscale_msd_read(p, &src, &m), "unsorted.txt:4: time 2 is smaller");
    p = write_file("repeat.txt", "0 0\n1 6\n1 6\n2 12\n");
    check_fails(upscale_msd_read(p, &src, &m), "repeat.txt:3: time 1 repeats");
    p = write_file("short.txt", "0 0\n1 6\n");
    check_fails(upscale_msd_read(p, &src, &m), "short.txt: 2 MSD points");
    p = write_file("trunc.dat", "# Time-averaged data for fix m\n"
                                "# TimeStep c_msd[1] c_msd[2] c_msd[3] c_msd[4]\n"
                                "0 0 0 0 0\n20 1 1 1 3\n40 2 2 2 6\n60 3 3");
    check_fails(upscale_msd_read(p, &src, &m), "trunc.dat:6: 3 fields, expected 5");
    p = write_file("steps.dat", "# TimeStep c_msd[1] c_msd[2] c_msd[3] c_msd[4]\n"
                                "0 0 0 0 0\n20 1 1 1 3\n40 2 2 2 6\n60 3 3 3 9\n");
    check_fails(upscale_msd_read(p, &(upscale_msd_source){0}, &m), "timestep size is needed");
    CHECK_OK(upscale_msd_read(p, &src, &m));
    if (m) {
        CHECK(upscale_msd_time(m)[3] == 30 && upscale_msd_values(m)[3] == 9 &&
                  !strcmp(upscale_msd_column(m), "c_msd[4]"),
              "fix ave/time: t = step x dt, column c_msd[4] chosen");
        upscale_msd_destroy(&m);
    }
    p = write_file("two.dat", "# TimeStep c_a c_b\n0 0 0\n20 1 1\n40 2 2\n");
    check_fails(upscale_msd_read(p, &src, &m), "cannot tell which column");
    check_fails(upscale_msd_read(p, &(upscale_msd_source){.column = "c_x", .timestep = 1}, &m),
                "no column named 'c_x'");
    p = write_file("neg.txt", "0 0\n1 6\n2 -1\n3 18\n");
    check_fails(upscale_msd_read(p, &src, &m), "neg.txt:3: negative MSD");

    /* a log whose MSD run did not finish, or aborted */
    p = write_file("log.cut", "units lj\ntimestep 0.005\nrun 100\n"
                              "Per MPI rank memory allocation (min/avg/max) = 3 | 3 | 3 Mbytes\n"
                              "Step Temp c_msd[4] \n0 1 0\n50 1 1.5\n100 1 3\n");
    upscale_lammps_log *log = NULL;
    CHECK_OK(upscale_lammps_log_read(p, &log));
    if (log) {
        check_fails(upscale_msd_from_log(log, 0, &(upscale_msd_source){0}, &m),
                    "log.cut:8: run 1 ends without 'Loop time'");
        upscale_lammps_log_destroy(&log);
    }
    const char *variants = "tests/data/lammps/log_format_variants/log.lammps";
    CHECK_OK(upscale_lammps_log_read(variants, &log));
    if (log) {
        check_fails(upscale_msd_from_log(log, 5, &(upscale_msd_source){.column = "Temp"}, &m),
                    "log.lammps:258: run 6 aborted (ERROR: Lost atoms");
        upscale_lammps_log_destroy(&log);
    }
}

int main(void)
{
    snprintf(root, sizeof(root), "/tmp/upscale_msd_XXXXXX");
    if (!mkdtemp(root)) return 1;
    test_lj_reference();
    test_langevin();
    test_block_error();
    test_plateau();
    test_errors();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    if (system(cmd) != 0) printf("could not remove %s\n", root);
    return CHECK_DONE();
}
