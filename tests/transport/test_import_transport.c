/* `upscale import msd|excess` through upscale_import_transport_main: the LJ samples of tests/data
 * (fix ave/time files with the timestep from the log beside them, and the log itself), the
 * excess table, and bad input: exit status 2 with one line on stderr naming the file and
 * line. */
#include <fcntl.h>
#include <sys/stat.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "upscale/import.h"

#define LJ_DIR "tests/data/lammps/msd_lj_liquid"
#define LOGS "tests/data/lammps_logs"

static char root[64];
static char out[65536], err[4096];

static const char *write_file(const char *name, const char *text)
{
    static char path[16][1024];
    static int k;
    char *p = path[k++ % 16];
    snprintf(p, sizeof(path[0]), "%s/%s", root, name);
    FILE *f = fopen(p, "w");
    if (!f) return "";
    fputs(text, f);
    fclose(f);
    return p;
}

static void slurp(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return;
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Run the command with stdout and stderr captured in out and err. */
static int run(int argc, const char **argv)
{
    char po[128], pe[128];
    snprintf(po, sizeof(po), "%s/stdout", root);
    snprintf(pe, sizeof(pe), "%s/stderr", root);
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    int fo = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int fe = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fo, 1);
    dup2(fe, 2);
    int status = upscale_import_transport_main(argc, (char **)argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(fo);
    close(fe);
    close(so);
    close(se);
    slurp(po, out, sizeof(out));
    slurp(pe, err, sizeof(err));
    return status;
}

#define RUN(...)                                                                                   \
    run((int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)),                       \
        (const char *[]){__VA_ARGS__})

/* Exit status 2, one line on stderr containing part. */
static void check_bad(int status, const char *part)
{
    size_t len = strlen(err);
    int one_line = len > 0 && err[len - 1] == '\n' && strchr(err, '\n') == err + len - 1;
    CHECK(status == 2 && one_line && strstr(err, part), "status %d, one line with '%s': %s", status,
          part, err);
}

static void test_lj(void)
{
    if (access(LJ_DIR "/log.lammps", R_OK) != 0) {
        CHECK(0, "test sample %s is missing (tests/data)", LJ_DIR);
        return;
    }
    int s = RUN("import", "msd", LJ_DIR "/msd_T0.80.dat", LJ_DIR "/msd_T1.00.dat",
                LJ_DIR "/msd_T1.20.dat", LJ_DIR "/msd_T1.50.dat", LJ_DIR "/msd_T2.00.dat",
                "--temperatures", "0.8,1.0,1.2", "1.5", "2.0", "--at", "0.9");
    printf("%s", out);
    CHECK(s == 0 && !err[0], "import msd of the 5 fix ave/time files: status 0 (%s)", err);
    CHECK(strstr(out, "msd_T0.80.dat: D = 0.03936 +- 0.0017 sigma^2/tau\n") != NULL,
          "D(0.80) printed with its block error");
    CHECK(strstr(out, "dt 0.005 tau (" LJ_DIR "/log.lammps:28)") != NULL,
          "timestep taken from the echoed input of the log beside the files");
    CHECK(strstr(out, "Ea = 1.46") && strstr(out, "eps (95% CI") && strstr(out, "not tested"),
          "Arrhenius fit and break-test status printed");
    CHECK(strstr(out, "D(T = 0.9 (reduced)) = ") != NULL, "prediction at T* = 0.9 printed");

    s = RUN("import", "msd", LJ_DIR "/log.lammps", "--temperatures", "0.8", "1", "1.2", "1.5", "2");
    printf("%s", out);
    CHECK(s == 0 && strstr(out, "(run 10): D = "), "import msd of the log: 5 production runs");

    s = RUN("import", "msd", LJ_DIR "/msd_T0.80.dat", "--units", "metal");
    check_bad(s, "log.lammps:8: the log's units style is 'lj', not 'metal'");
    s = RUN("import", "msd", LJ_DIR "/msd_T0.80.dat", LJ_DIR "/msd_T1.00.dat", "--temperatures",
            "0.8");
    check_bad(s, "1 temperature(s) given for 2 MSD series");
}

static void test_bad_msd(void)
{
    const char *p = write_file("cut.dat", "# TimeStep c_msd[1] c_msd[2] c_msd[3] c_msd[4]\n"
                                          "0 0 0 0 0\n20 1 1 1 3\n40 2 2 2 6\n60 3 3");
    check_bad(RUN("import", "msd", p, "--timestep", "0.005"), "cut.dat:5: 3 fields, expected 5");
    p = write_file("unsorted.txt", "0 0\n1 6\n3 18\n2 12\n4 24\n");
    check_bad(RUN("import", "msd", p), "unsorted.txt:4: time 2 is smaller than the previous 3");
    p = write_file("few.txt", "0 0\n1 6\n");
    check_bad(RUN("import", "msd", p), "few.txt: 2 MSD points; a fit needs at least 3");
    p = write_file("steps.dat", "# TimeStep c_msd[1] c_msd[2] c_msd[3] c_msd[4]\n0 0 0 0 0\n"
                                "20 1 1 1 3\n40 2 2 2 6\n60 3 3 3 9\n");
    check_bad(RUN("import", "msd", p), "timestep size is needed");

    /* a fix ave/time file written by a run that aborted, found through the log beside it */
    mkdir(strcat(strcpy(out, root), "/abort"), 0700);
    write_file("abort/log.lammps",
               "LAMMPS (29 Sep 2021)\nunits metal\ntimestep 0.002\n"
               "fix m all ave/time 10 1 10 c_msd[1] c_msd[2] c_msd[3] c_msd[4] file msd.dat\n"
               "run 100\nPer MPI rank memory allocation (min/avg/max) = 3 | 3 | 3 Mbytes\n"
               "Step Temp \n0 300\n50 301\nERROR: Lost atoms: original 10 current 9 "
               "(src/thermo.cpp:439)\nLast command: run 100\n");
    p = write_file("abort/msd.dat", "# TimeStep c_msd[1] c_msd[2] c_msd[3] c_msd[4]\n0 0 0 0 0\n"
                                    "10 1 1 1 3\n20 2 2 2 6\n30 3 3 3 9\n40 4 4 4 12\n");
    check_bad(RUN("import", "msd", p), "abort/log.lammps:10: run 1, which wrote");
    CHECK(strstr(err, "aborted (ERROR: Lost atoms") != NULL, "the ERROR line is quoted");
    /* our own small real log (tests/data/lammps_logs, LAMMPS 29 Sep 2021): two custom runs
     * with c_msd[4], a thermo_style multi run, a last run that ends in ERROR */
    int s = RUN("import", "msd", LOGS "/log.lammps");
    printf("%s%s", out, err);
    CHECK(s == 0 && strstr(out, "(run 1): D = ") && strstr(out, "(run 3): D = ") &&
              !strstr(out, "(run 4)") &&
              strstr(err, "warning: " LOGS "/log.lammps:304: run 4 ended in ERROR (ERROR: Lost "
                          "atoms: original 256 current 252"),
          "real log: runs 1 and 3 give D, run 4 (ERROR) dropped with a warning (status %d)", s);
    CHECK(strstr(out, "NOT DIFFUSIVE") != NULL,
          "real log: the LJ crystal (fcc, T* 0.75) is flagged not diffusive");
    write_file("allbad.log", "LAMMPS (29 Sep 2021)\nunits lj\nrun 100\n"
                             "Per MPI rank memory allocation (min/avg/max) = 3 | 3 | 3 Mbytes\n"
                             "Step Temp c_msd[4] \n0 1 0\n50 1 1.5\n"
                             "ERROR: Lost atoms: original 10 current 9 (src/thermo.cpp:439)\n");
    char allbad[256];
    snprintf(allbad, sizeof(allbad), "%s/allbad.log", root);
    check_bad(RUN("import", "msd", allbad), "every run with an MSD column (1) ended in ERROR");

    check_bad(RUN("import", "msd", "--bogus"), "unknown or incomplete option '--bogus'");
    check_bad(RUN("import", "msd", "-x"), "see upscale import msd --help");
    /* every subcommand's --help and -h: its own options on stdout, exit 0 */
    static const char *const help[][3] = {{"msd", "--help", "--column NAME"},
                                          {"msd", "-h", "--fit-start F"},
                                          {"excess", "--help", "TABLE.csv [--csv FILE]"},
                                          {"excess", "-h", "postproc/plot_excess.py"}};
    for (int i = 0; i < 4; i++) {
        int st = RUN("import", help[i][0], help[i][1]);
        CHECK(st == 0 && strstr(out, help[i][2]) && !err[0],
              "import %s %s: exit 0, its options on stdout ('%s')", help[i][0], help[i][1],
              help[i][2]);
    }
    check_bad(RUN("import", "msd", "x.dat", "--dim", "4"), "--dim must be 1, 2 or 3");
    check_bad(RUN("import", "nothing"), "unknown kind 'nothing'");
    CHECK(RUN("import", "msd", "no/such/file.dat") == 4 && strstr(err, "no/such/file.dat"),
          "missing file: status 4 naming it");
}

/* Metal units, plain (time [ps], MSD [Angstrom^2]) files at 8 temperatures with a change of
 * slope at 850 K: Ea 0.6 eV above, 0.3 eV below; D in m^2/s; the kink is found. */
static void test_metal_break(void)
{
    enum { NT = 8, NP = 201 };
    /* import msd FILE... --units metal --temperatures T... --at 300, NULL */
    const char *argv[2 + NT + 3 + NT + 2 + 1];
    static char names[NT][64], temps[NT][16];
    const double kB = 8.617333262e-5, Tb = 850, xb = 1 / (kB * Tb);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 5);
    int k = 0;
    argv[k++] = "import";
    argv[k++] = "msd";
    for (int i = 0; i < NT; i++) {
        double T = 500 + 100 * i, x = 1 / (kB * T);
        /* ln D = ln D0 - Ea_hi min(x, xb) - Ea_lo max(x - xb, 0) */
        double D = 1.0 * exp(-0.6 * fmin(x, xb) - 0.3 * fmax(x - xb, 0));
        static char text[NP * 48];
        int n = 0;
        for (int j = 0; j < NP; j++) {
            double t = 0.5 * j;
            double msd = 6 * D * t * (1 + gsl_ran_gaussian(rng, 0.01));
            n += snprintf(text + n, sizeof(text) - (size_t)n, "%g %.10g\n", t, msd);
        }
        snprintf(names[i], sizeof(names[i]), "msd_%d.txt", (int)T);
        argv[k++] = write_file(names[i], text);
        snprintf(temps[i], sizeof(temps[i]), "%g", T);
    }
    gsl_rng_free(rng);
    argv[k++] = "--units";
    argv[k++] = "metal";
    argv[k++] = "--temperatures";
    for (int i = 0; i < NT; i++)
        argv[k++] = temps[i];
    argv[k++] = "--at";
    argv[k++] = "300";
    argv[k] = NULL;
    CHECK(k + 1 == (int)(sizeof(argv) / sizeof(argv[0])), "argv holds %d arguments", k);
    int s = run(k, argv);
    printf("%s", out);
    CHECK(s == 0 && strstr(out, "Angstrom^2/ps (") && strstr(out, " m^2/s)") &&
              strstr(out, "units metal (given)"),
          "metal units: D in Angstrom^2/ps and m^2/s (%s)", err);
    CHECK(strstr(out, "two regimes") && strstr(out, "break at T = 8") && strstr(out, " eV above"),
          "change of slope found near 850 K, energies in eV");
    CHECK(strstr(out, "D(T = 300 K) = ") && strstr(out, "extrapolated") &&
              strstr(out, "from the low-T regime (4 points"),
          "D(300 K) extrapolated from the low-T regime with its interval");
}

static void test_excess(void)
{
    const char *p =
        write_file("cells.csv", "# synthetic: gamma 5 mJ/m^2, eps 20 MJ/m^3\n"
                                "L [nm],A [nm^2],E_excess [eV]\n"
                                "5,100,68.656600\n10,100,131.071691\n20,100,255.901872\n"
                                "40,100,505.562235\n");
    int s = RUN("import", "excess", p);
    printf("%s", out);
    CHECK(s == 0 && strstr(out, "gamma = ") && strstr(out, "mJ/m^2") && strstr(out, "MJ/m^3"),
          "import excess: status 0, gamma and strain energy printed");
    CHECK(strstr(out, "gamma = 5 +-") && strstr(out, "= 20 +-"), "gamma 5 mJ/m^2, 20 MJ/m^3");
    p = write_file("bad.csv", "L [nm],A [nm^2],E_excess [eV]\n5,100,1\n10,100,x\n");
    check_bad(RUN("import", "excess", p), "bad.csv:3: column 'E_excess': 'x'");
    check_bad(RUN("import", "excess"), "expects one TABLE.csv");
}

int main(void)
{
    snprintf(root, sizeof(root), "/tmp/upscale_import_XXXXXX");
    if (!mkdtemp(root)) return 1;
    test_lj();
    test_bad_msd();
    test_metal_break();
    test_excess();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    if (system(cmd) != 0) printf("could not remove %s\n", root);
    return CHECK_DONE();
}
