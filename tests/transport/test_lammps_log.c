/* LAMMPS log reader: every layout of tests/data/lammps/log_format_variants (the six runs
 * its README lists), the multi-run msd_lj_liquid log, and synthetic variants (truncated log,
 * newer header padding and multi banner, fix ave/time in vector mode, error messages). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "upscale/lammps.h"

#define VARIANTS "tests/data/lammps/log_format_variants/log.lammps"
#define LJ_LOG "tests/data/lammps/msd_lj_liquid/log.lammps"

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

static int exists(const char *path)
{
    if (access(path, R_OK) == 0) return 1;
    CHECK(0, "test sample %s is missing (tests/data)", path);
    return 0;
}

static double at(const upscale_lammps_run *r, int row, const char *col)
{
    int j = upscale_lammps_table_column(&r->thermo, col);
    if (j < 0 || row >= r->thermo.nrows) return NAN;
    return r->thermo.data[(size_t)row * (size_t)r->thermo.ncols + (size_t)j];
}

static void check_steps(const upscale_lammps_run *r, int run, const double *want, int n)
{
    int ok = r->thermo.nrows == n;
    for (int i = 0; ok && i < n; i++)
        ok = at(r, i, "Step") == want[i];
    CHECK(ok, "run %d: %d rows with the expected steps (got %d rows, first %g, last %g)", run, n,
          r->thermo.nrows, at(r, 0, "Step"), at(r, r->thermo.nrows - 1, "Step"));
}

static void test_variants(void)
{
    if (!exists(VARIANTS)) return;
    upscale_lammps_log *log;
    CHECK_OK(upscale_lammps_log_read(VARIANTS, &log));
    if (!log) return;
    CHECK(upscale_lammps_log_nruns(log) == 6, "6 thermo blocks (got %d)",
          upscale_lammps_log_nruns(log));
    if (upscale_lammps_log_nruns(log) != 6) {
        upscale_lammps_log_destroy(&log);
        return;
    }
    const upscale_lammps_run *r[6];
    for (int i = 0; i < 6; i++)
        r[i] = upscale_lammps_log_run(log, i);
    for (int i = 0; i < 6; i++) {
        CHECK(r[i]->timestep == 0.005 && r[i]->timestep_line == 31 &&
                  r[i]->units->style == UPSCALE_LAMMPS_LJ && r[i]->units_line == 11,
              "run %d: timestep 0.005 (line 31), units lj (line 11)", i + 1);
    }

    /* run 1: default thermo_style one, PotEng called E_pair */
    static const char *one[] = {"Step", "Temp", "E_pair", "E_mol", "TotEng", "Press"};
    int ok = r[0]->thermo.ncols == 6;
    for (int j = 0; ok && j < 6; j++)
        ok = !strcmp(r[0]->thermo.names[j], one[j]);
    CHECK(ok, "run 1: columns Step Temp E_pair E_mol TotEng Press");
    check_steps(r[0], 1, (const double[]){0, 100, 200, 300}, 4);
    CHECK(r[0]->start_line == 48 && r[0]->end_line == 53, "run 1: header line 48, Loop time 53");
    CHECK_CLOSE(at(r[0], 3, "Press"), 0.41899719, 0, 0, "run 1: Press at step 300");
    CHECK(r[0]->status == UPSCALE_LAMMPS_RUN_COMPLETED && r[0]->steps_done == 300 &&
              r[0]->steps_requested == 300,
          "run 1 completed, 300 of 300 steps");

    /* run 2: thermo_style multi */
    CHECK(r[1]->multi && r[1]->start_line == 83, "run 2: multi layout from line 83");
    check_steps(r[1], 2, (const double[]){300, 400, 500}, 3);
    CHECK(r[1]->thermo.ncols == 13, "run 2: Step + 12 keys (got %d)", r[1]->thermo.ncols);
    CHECK_CLOSE(at(r[1], 1, "TotEng"), -4.5363, 0, 0, "run 2: TotEng at step 400");
    CHECK_CLOSE(at(r[1], 2, "Press"), 0.5696, 0, 0, "run 2: Press at step 500");
    CHECK_CLOSE(at(r[1], 0, "Temp"), 0.7998, 0, 0, "run 2: Temp at step 300");
    CHECK(r[1]->status == UPSCALE_LAMMPS_RUN_COMPLETED && r[1]->steps_done == 200,
          "run 2 completed, 200 steps");

    /* run 3: PRINT lines interleaved, totals (norm no) */
    check_steps(r[2], 3, (const double[]){500, 600, 700, 800}, 4);
    CHECK(r[2]->thermo.ncols == 9, "run 3: 9 columns");
    CHECK_CLOSE(at(r[2], 0, "TotEng"), -2267.935644, 0, 0, "run 3: total energy at step 500");
    CHECK_CLOSE(at(r[2], 3, "Time"), 4.0, 0, 0, "run 3: Time at step 800");
    CHECK(!r[2]->energies_per_atom && r[0]->energies_per_atom && r[3]->energies_per_atom,
          "energies are totals in run 3 (norm no), per atom in runs 1 and 4");

    /* run 4: WARNING inside the block, atoms lost */
    double s4[9];
    for (int i = 0; i < 9; i++)
        s4[i] = 800 + 50 * i;
    check_steps(r[3], 4, s4, 9);
    CHECK(at(r[3], 0, "Atoms") == 500 && at(r[3], 8, "Atoms") == 210, "run 4: Atoms 500 -> 210");
    CHECK(r[3]->status == UPSCALE_LAMMPS_RUN_COMPLETED, "run 4 completed");

    /* run 5: fix halt, early end */
    check_steps(r[4], 5, (const double[]){1200}, 1);
    CHECK_CLOSE(at(r[4], 0, "Temp"), 1.4745081, 0, 0, "run 5: Temp at step 1200 (setup)");
    CHECK(r[4]->status == UPSCALE_LAMMPS_RUN_COMPLETED && r[4]->steps_done == 10 &&
              r[4]->steps_requested == 5000,
          "run 5 completed early: 10 of 5000 steps (got %ld of %ld)", r[4]->steps_done,
          r[4]->steps_requested);

    /* run 6: ERROR, no Loop time */
    check_steps(r[5], 6, (const double[]){1210}, 1);
    CHECK(r[5]->status == UPSCALE_LAMMPS_RUN_ABORTED && r[5]->end_line == 258 &&
              strstr(r[5]->message, "Lost atoms"),
          "run 6 aborted at line 258 (%s)", r[5]->message);
    upscale_lammps_log_destroy(&log);
    CHECK(log == NULL, "destroy nulls the handle");
    upscale_lammps_log_destroy(&log);
}

static void test_lj_log(void)
{
    if (!exists(LJ_LOG)) return;
    upscale_lammps_log *log;
    CHECK_OK(upscale_lammps_log_read(LJ_LOG, &log));
    if (!log) return;
    int n = upscale_lammps_log_nruns(log), prod = 0, ok = 1;
    CHECK(n == 10, "msd_lj_liquid: 10 runs (got %d)", n);
    for (int i = 0; i < n; i++) {
        const upscale_lammps_run *r = upscale_lammps_log_run(log, i);
        int has = upscale_lammps_table_column(&r->thermo, "c_msd[4]") >= 0;
        prod += has;
        ok = ok && r->status == UPSCALE_LAMMPS_RUN_COMPLETED && r->timestep == 0.005 &&
             r->thermo.nrows == (has ? 21 : 5) && at(r, 0, "Step") == (has || i == 0 ? 0 : 20000);
    }
    CHECK(prod == 5 && ok,
          "5 production runs with c_msd[4] (21 rows), 5 equilibration runs (5 rows), all "
          "complete, Step restarting at 0, dt 0.005");
    const upscale_lammps_run *r1 = upscale_lammps_log_run(log, 1);
    CHECK_CLOSE(at(r1, 20, "c_msd[4]"), 22.983198, 0, 0, "T 0.80: c_msd[4] at step 20000");
    int first, last, line;
    int found = upscale_lammps_log_find_output(log, "some/dir/msd_T1.20.dat", &first, &last, &line);
    CHECK(found && first == 5 && last == 5 && line == 326,
          "msd_T1.20.dat written by run 6 only, fix echoed at line 326 (got %d, %d..%d, %d)", found,
          first + 1, last + 1, line);
    CHECK(!upscale_lammps_log_find_output(log, "msd_T9.dat", &first, &last, &line),
          "a file the log never names is not found");
    upscale_lammps_log_destroy(&log);
}

/* Newer LAMMPS pads the header and the multi banner differently; a log cut off mid-run. */
static void test_synthetic_logs(void)
{
    const char *text = "LAMMPS (2 Aug 2023)\n"
                       "units metal\n"
                       "timestep ${dt}\n"
                       "timestep 0.002\n"
                       "run 20\n"
                       "Per MPI rank memory allocation (min/avg/max) = 3.1 | 3.1 | 3.1 Mbytes\n"
                       "   Step          Temp          PotEng    \n"
                       "         0   300           -100.5        \n"
                       "WARNING: something (src/x.cpp:1)\n"
                       "        10   301           -100.4        \n"
                       "        20   299           -100.3        \n"
                       "Loop time of 0.1 on 1 procs for 20 steps with 10 atoms\n"
                       "thermo_style multi\n"
                       "run 10\n"
                       "Per MPI rank memory allocation (min/avg/max) = 3.1 | 3.1 | 3.1 Mbytes\n"
                       "------------ Step              20 ----- CPU =      0.0000000 (sec) "
                       "-------------\n"
                       "TotEng   =       -95.0000 KinEng   =         5.0000 Temp     =       "
                       "299.0000 \n"
                       "------------ Step              30 ----- CPU =      0.0100000 (sec) "
                       "-------------\n"
                       "TotEng   =       -95.1000 KinEng   =         5.1000 Temp     =       "
                       "300.0000 \n"
                       "Loop time of 0.1 on 1 procs for 10 steps with 10 atoms\n"
                       "thermo_style custom step temp\n"
                       "run 100\n"
                       "Per MPI rank memory allocation (min/avg/max) = 3.1 | 3.1 | 3.1 Mbytes\n"
                       "Step Temp \n"
                       "      30   300 \n"
                       "      40   301 \n"
                       "      5";
    const char *path = write_file("log.truncated", text);
    upscale_lammps_log *log;
    CHECK_OK(upscale_lammps_log_read(path, &log));
    if (!log) return;
    CHECK(upscale_lammps_log_nruns(log) == 3, "synthetic: 3 runs");
    const upscale_lammps_run *a = upscale_lammps_log_run(log, 0);
    const upscale_lammps_run *b = upscale_lammps_log_run(log, 1);
    const upscale_lammps_run *c = upscale_lammps_log_run(log, 2);
    if (upscale_lammps_log_nruns(log) == 3) {
        CHECK(a->units->style == UPSCALE_LAMMPS_METAL && a->timestep == 0.002 &&
                  a->timestep_line == 4,
              "metal units, substituted timestep 0.002 from line 4 (unsubstituted echo skipped)");
        check_steps(a, 1, (const double[]){0, 10, 20}, 3);
        CHECK(!strcmp(a->thermo.names[2], "PotEng"), "padded header read");
        check_steps(b, 2, (const double[]){20, 30}, 2);
        CHECK_CLOSE(at(b, 1, "KinEng"), 5.1, 0, 0, "newer multi banner read");
        check_steps(c, 3, (const double[]){30, 40}, 2);
        CHECK(c->status == UPSCALE_LAMMPS_RUN_TRUNCATED && c->end_line == 27,
              "log ending mid-row: last run truncated, partial row dropped (end line %d)",
              c->end_line);
        CHECK(!a->energies_per_atom, "metal units: energies are totals by default");
    }
    upscale_lammps_log_destroy(&log);

    /* no memory line (an excerpt, or an old LAMMPS): a "Step" header confirmed by a row;
     * a print output that looks like a header does not hide the next command */
    path = write_file("log.bare", "units real\nStep done\ntimestep 2.0\nrun 10\n"
                                  "Step Temp \n0 300\n10 310\n"
                                  "Loop time of 0.1 on 1 procs for 10 steps with 5 atoms\n");
    CHECK_OK(upscale_lammps_log_read(path, &log));
    if (log) {
        a = upscale_lammps_log_run(log, 0);
        CHECK(upscale_lammps_log_nruns(log) == 1 && a->start_line == 5 && a->timestep == 2.0 &&
                  a->thermo.nrows == 2 && a->status == UPSCALE_LAMMPS_RUN_COMPLETED &&
                  a->units->style == UPSCALE_LAMMPS_REAL,
              "log without memory lines: one run from line 5, timestep 2 fs kept");
        upscale_lammps_log_destroy(&log);
    }

    path = write_file("log.cgs", "units cgs\nrun 1\n");
    upscale_err e = upscale_lammps_log_read(path, &log);
    CHECK(e == UPSCALE_ERR_INPUT && strstr(upscale_error_message(), ":1: units style 'cgs'"),
          "unsupported units style named with file and line: %s", upscale_error_message());
    upscale_error_clear();
    e = upscale_lammps_log_read("no/such/log.lammps", &log);
    CHECK(e == UPSCALE_ERR_IO && strstr(upscale_error_message(), "no/such/log.lammps"),
          "missing log: I/O error naming the file");
    upscale_error_clear();
}

static void test_avetime(void)
{
    const char *path = write_file("vector.dat", "# Time-averaged data for fix m\n"
                                                "# TimeStep Number-of-rows\n"
                                                "# Row c_msd\n"
                                                "0 4\n1 0\n2 0\n3 0\n4 0\n"
                                                "20 4\n1 0.1\n2 0.2\n3 0.3\n4 0.6\n");
    upscale_lammps_table *t;
    CHECK_OK(upscale_lammps_avetime_read(path, &t));
    if (t) {
        int j = upscale_lammps_table_column(t, "c_msd[4]");
        CHECK(t->nrows == 2 && t->ncols == 5 && j == 4 && t->data[5 + j] == 0.6 &&
                  t->data[5] == 20 && t->lines[1] == 13,
              "vector mode flattened to TimeStep c_msd[1..4]");
        upscale_lammps_table_destroy(&t);
    }
    path = write_file("cut.dat", "# TimeStep c_msd[1] c_msd[2] c_msd[3] c_msd[4]\n"
                                 "0 0 0 0 0\n20 0.1 0.1 0.1 0.3\n40 0.2 0.2\n");
    upscale_err e = upscale_lammps_avetime_read(path, &t);
    CHECK(e == UPSCALE_ERR_INPUT && strstr(upscale_error_message(), "cut.dat:4: 3 fields"),
          "truncated row named with file and line: %s", upscale_error_message());
    upscale_error_clear();
    path = write_file("cutvec.dat", "# TimeStep Number-of-rows\n# Row c_msd\n0 4\n1 0\n2 0\n");
    e = upscale_lammps_avetime_read(path, &t);
    CHECK(e == UPSCALE_ERR_INPUT && strstr(upscale_error_message(), "cutvec.dat:5:"),
          "vector file ending inside a block: %s", upscale_error_message());
    upscale_error_clear();
    path = write_file("text.dat", "0 0\n1 x\n");
    e = upscale_lammps_avetime_read(path, &t);
    CHECK(e == UPSCALE_ERR_INPUT && strstr(upscale_error_message(), "text.dat:2: 'x'"),
          "non-numeric token: %s", upscale_error_message());
    upscale_error_clear();
}

int main(void)
{
    snprintf(root, sizeof(root), "/tmp/upscale_lammps_XXXXXX");
    if (!mkdtemp(root)) return 1;
    test_variants();
    test_lj_log();
    test_synthetic_logs();
    test_avetime();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    if (system(cmd) != 0) printf("could not remove %s\n", root);
    return CHECK_DONE();
}
