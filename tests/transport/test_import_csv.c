/* `upscale import msd|excess --csv FILE` and the plots that read it
 * (postproc/plot_arrhenius.py, postproc/plot_excess.py): the CSV holds the points, the fitted
 * line with its 95% band (and the two regimes when a change of slope is accepted, and the
 * --at predictions); the line agrees with the printed fit; the plots draw a PNG from it and
 * refuse a broken file with exit status 2; a CSV that cannot be written is an I/O error
 * (exit 4) that leaves nothing behind.  Data: the LJ samples of tests/data, synthetic metal-units
 * MSD files with a known change of slope, and the bundled excess-energy table
 * (params/mnfepba_gcmc/excess_energy.csv, built to the paper's fitted gamma and strain). */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "upscale/import.h"

#define LJ_DIR "tests/data/lammps/msd_lj_liquid"
#define EXCESS "params/mnfepba_gcmc/excess_energy.csv"

static char root[64];

static const char *path_of(const char *name)
{
    static char path[16][256];
    static int k;
    char *p = path[k++ % 16];
    snprintf(p, sizeof(path[0]), "%s/%s", root, name);
    return p;
}

/* The command with its stdout and stderr sent to files in root. */
static int run(int argc, const char **argv)
{
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    int fo = open(path_of("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int fe = open(path_of("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fo, 1);
    dup2(fe, 2);
    int status = upscale_import_transport_main(argc, (char **)argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(fo), close(fe), close(so), close(se);
    return status;
}

#define RUN(...)                                                                                   \
    run((int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)),                       \
        (const char *[]){__VA_ARGS__})

typedef struct {
    char kind[16];
    double T, D, lo, hi;
} row;

/* Rows of a --csv file of import msd (kind,T,D,D_lo,D_hi,...); header lines skipped. */
static int read_rows(const char *path, row *r, int max)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof(line), f) && n < max) {
        if (line[0] == '#' || !strncmp(line, "kind,", 5)) continue;
        char *c1 = strchr(line, ',');
        if (!c1) continue;
        *c1 = '\0';
        snprintf(r[n].kind, sizeof(r[n].kind), "%.15s", line);
        char *p = c1 + 1, *end;
        double v[4];
        for (int k = 0; k < 4; k++) {
            v[k] = strtod(p, &end);
            if (end == p) v[k] = NAN;
            p = strchr(end, ',') ? strchr(end, ',') + 1 : end;
        }
        r[n].T = v[0], r[n].D = v[1], r[n].lo = v[2], r[n].hi = v[3];
        n++;
    }
    fclose(f);
    return n;
}

static int count(const row *r, int n, const char *kind)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        c += !strcmp(r[i].kind, kind);
    return c;
}

/* The plot script makes a non-empty PNG from csv; and exits 2 on a broken file. */
static void check_plot(const char *script, const char *csv)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        printf("SKIP: no /usr/bin/python3 for %s\n", script);
        return;
    }
    char cmd[1024];
    const char *png = path_of("plot.png");
    unlink(png);
    snprintf(cmd, sizeof(cmd), "MPLCONFIGDIR=%s /usr/bin/python3 %s %s -o %s > /dev/null", root,
             script, csv, png);
    struct stat st;
    CHECK(system(cmd) == 0 && stat(png, &st) == 0 && st.st_size > 10000, "%s draws %s", script,
          csv);
    const char *bad = path_of("broken.csv");
    FILE *f = fopen(bad, "w");
    if (f) fputs("kind,T\npoint,1\n", f), fclose(f);
    snprintf(cmd, sizeof(cmd), "MPLCONFIGDIR=%s /usr/bin/python3 %s %s -o %s 2> %s", root, script,
             bad, png, path_of("plot_err"));
    int s = system(cmd);
    CHECK(WIFEXITED(s) && WEXITSTATUS(s) == 2, "%s refuses a broken CSV with exit status 2",
          script);
}

static void test_lj(void)
{
    if (access(LJ_DIR "/log.lammps", R_OK) != 0) {
        CHECK(0, "test sample %s is missing (tests/data)", LJ_DIR);
        return;
    }
    const char *csv = path_of("arrhenius.csv");
    int s = RUN("import", "msd", LJ_DIR "/msd_T0.80.dat", LJ_DIR "/msd_T1.00.dat",
                LJ_DIR "/msd_T1.20.dat", LJ_DIR "/msd_T1.50.dat", LJ_DIR "/msd_T2.00.dat",
                "--temperatures", "0.8,1.0,1.2,1.5,2.0", "--at", "0.7", "--csv", csv);
    row r[256];
    int n = read_rows(csv, r, 256);
    CHECK(s == 0 && n > 0, "import msd --csv: status 0, %d rows", n);
    CHECK(count(r, n, "point") == 5 && count(r, n, "fit") > 20 && count(r, n, "at") == 1,
          "5 points, the line on a grid, one --at prediction");
    CHECK(n > 0 && !strcmp(r[0].kind, "point") && r[0].T == 0.8 && fabs(r[0].D - 0.03936) < 5e-5,
          "first point: T = 0.8, D = 0.03936 (as printed)");
    /* the line: ln D = ln D0 - Ea / T through the grid, with D inside its band */
    double Ea = NAN, lnD0 = NAN;
    int lines = 0, inside = 1;
    for (int i = 0; i < n; i++) {
        if (strcmp(r[i].kind, "fit")) continue;
        inside &= r[i].lo < r[i].D && r[i].D < r[i].hi;
        for (int j = i + 1; j < n && isnan(Ea); j++)
            if (!strcmp(r[j].kind, "fit") && fabs(r[j].T - r[i].T) > 0.3) {
                Ea = -(log(r[j].D) - log(r[i].D)) / (1 / r[j].T - 1 / r[i].T);
                lnD0 = log(r[i].D) + Ea / r[i].T;
            }
        lines++;
    }
    CHECK(fabs(Ea - 1.460) < 0.002 && fabs(exp(lnD0) - 0.2417) < 0.001 && inside,
          "the line has the printed Ea = 1.460 eps, D0 = 0.2417 (got %.4f, %.4f); D inside "
          "its band at all %d points",
          Ea, exp(lnD0), lines);
    check_plot("postproc/plot_arrhenius.py", csv);
}

/* Metal units at 8 temperatures with a change of slope at 850 K (0.6 eV above, 0.3 eV
 * below): the CSV carries both regimes. */
static void test_break(void)
{
    enum { NT = 8, NP = 101 };
    const char *argv[2 * NT + 10];
    static char names[NT][256], temps[NT][16];
    const double kB = 8.617333262e-5, xb = 1 / (kB * 850);
    int k = 0;
    argv[k++] = "import";
    argv[k++] = "msd";
    for (int i = 0; i < NT; i++) {
        double T = 500 + 100 * i, x = 1 / (kB * T);
        double D = exp(-0.6 * fmin(x, xb) - 0.3 * fmax(x - xb, 0));
        snprintf(names[i], sizeof(names[i]), "%s", path_of("msd.txt"));
        snprintf(names[i] + strlen(names[i]) - 4, 16, "_%d.txt", (int)T);
        FILE *f = fopen(names[i], "w");
        if (!f) return;
        for (int j = 0; j < NP; j++) /* a small deterministic wiggle, 1% */
            fprintf(f, "%g %.10g\n", 0.5 * j, 6 * D * 0.5 * j * (1 + 0.01 * sin(1.7 * j + i)));
        fclose(f);
        argv[k++] = names[i];
        snprintf(temps[i], sizeof(temps[i]), "%g", T);
    }
    argv[k++] = "--units";
    argv[k++] = "metal";
    argv[k++] = "--temperatures";
    for (int i = 0; i < NT; i++)
        argv[k++] = temps[i];
    const char *csv = path_of("break.csv");
    argv[k++] = "--csv";
    argv[k++] = csv;
    int s = run(k, argv);
    row r[512];
    int n = read_rows(csv, r, 512);
    CHECK(s == 0 && count(r, n, "point") == 8 && count(r, n, "fit_high") > 20 &&
              count(r, n, "fit_low") > 20,
          "metal units with a change of slope: status %d, 8 points and both regimes in the CSV", s);
    check_plot("postproc/plot_arrhenius.py", csv);
}

static void test_excess(void)
{
    const char *csv = path_of("excess.csv");
    int s = RUN("import", "excess", EXCESS, "--csv", csv);
    FILE *f = fopen(csv, "r");
    char line[512];
    int points = 0, fits = 0;
    double y0 = NAN, gamma = NAN, strain = NAN;
    while (f && fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "# gamma = ", 10)) sscanf(line + 10, "%lf", &gamma);
        char *e = strstr(line, "eps_strain = ");
        if (e) sscanf(e + 13, "%lf", &strain);
        points += !strncmp(line, "point,", 6);
        if (!strncmp(line, "fit,", 4) && fits++ == 0) sscanf(line + 4, "%*[^,],%lf", &y0);
    }
    if (f) fclose(f);
    CHECK(s == 0 && points == 8 && fits > 50, "import excess --csv: 8 supercells and the line");
    CHECK(fabs(gamma - 2.828e-3) < 1e-6 && fabs(strain - 37.655e6) < 1e2 &&
              fabs(y0 - 2 * gamma) < 1e-9,
          "the bundled table gives the paper's gamma = %.6g J/m^2 and strain %.6g J/m^3; the "
          "line starts at 2 gamma",
          gamma, strain);
    check_plot("postproc/plot_excess.py", csv);

    /* bad: --csv without a file; a CSV that cannot be written */
    CHECK(RUN("import", "excess", EXCESS, "--csv") == 2, "import excess TABLE --csv: exit 2");
    const char *nowhere = path_of("no_dir/excess.csv");
    CHECK(RUN("import", "excess", EXCESS, "--csv", nowhere) == 4 && access(nowhere, F_OK) != 0,
          "--csv into a missing directory: exit 4, no file");
}

int main(void)
{
    snprintf(root, sizeof(root), "/tmp/upscale_csv_XXXXXX");
    if (!mkdtemp(root)) return 1;
    test_lj();
    test_break();
    test_excess();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    if (system(cmd) != 0) printf("could not remove %s\n", root);
    return CHECK_DONE();
}
