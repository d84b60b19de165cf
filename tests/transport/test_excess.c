/* Interfacial and strain energy (eq. 4-5): exact recovery of the paper's values
 * (gamma = 2.828 mJ/m^2, eps_strain = 37.655 MJ/m^3) from tables in eV and Angstrom written
 * in each supported layout, standard errors against the scatter of noisy repeats, and the
 * input errors (named with file and line). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "upscale/excess.h"

#define EV 1.602176634e-19
#define GAMMA 2.828e-3  /* J/m^2 */
#define STRAIN 37.655e6 /* J/m^3 */

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

/* Cells of N = 1..32 unit cells of 80 Angstrom along x, interface 80 x 80 Angstrom^2. */
static const int ncell[8] = {1, 2, 4, 8, 12, 16, 24, 32};

/* dE = 2 A gamma + V eps (eq. 5), in eV, for a cell of N unit cells with area A (m^2). */
static double excess_ev(int N, double A)
{
    double V = A * N * 80e-10;
    return (2 * A * GAMMA + V * STRAIN) / EV;
}

static void fit_and_check(const upscale_units *u, const char *path, const char *what)
{
    upscale_excess *x = NULL;
    upscale_excess_result r;
    CHECK_OK(upscale_excess_read(u, path, &x));
    if (!x) return;
    CHECK_OK(upscale_excess_fit(x, 0.95, &r));
    char d[128];
    snprintf(d, sizeof(d), "%s: gamma (J/m^2)", what);
    CHECK_CLOSE(r.gamma, GAMMA, 1e-6, 0, d);
    snprintf(d, sizeof(d), "%s: strain energy density (J/m^3)", what);
    CHECK_CLOSE(r.strain, STRAIN, 1e-9, 0, d);
    CHECK(r.n == 8 && r.dof == 6, "%s: 8 cells, 6 dof", what);
    upscale_excess_destroy(&x);
    CHECK(x == NULL, "destroy nulls the handle");
}

static void test_layouts(const upscale_units *u)
{
    const double A = 80e-10 * 80e-10, e_a = -512.25, e_b = -431.5; /* eV per unit cell */
    char text[4096];
    int k;

    /* per formula unit with counts (the paper's eq. 4: N/2 cells of each phase) */
    k = snprintf(text, sizeof(text),
                 "# two-phase cells\nL [Angstrom],A [Angstrom^2],E [eV],e_a [eV],count_a,e_b "
                 "[eV],count_b\n");
    for (int i = 0; i < 8; i++) {
        int N = ncell[i];
        double E = 0.5 * N * e_a + 0.5 * N * e_b + excess_ev(N, A);
        k += snprintf(text + k, sizeof(text) - (size_t)k, "%d,6400,%.17g,%.17g,%g,%.17g,%g\n",
                      80 * N, E, e_a, 0.5 * N, e_b, 0.5 * N);
    }
    fit_and_check(u, write_file("fu.csv", text), "per formula unit");

    /* pure-phase supercells of the same size, n_cells x cell_length, area in nm^2 */
    k = snprintf(text, sizeof(text),
                 "n_cells,cell_length [nm],A [nm^2],E [eV],E_pure_a [eV],E_pure_b [eV],note\n");
    for (int i = 0; i < 8; i++) {
        int N = ncell[i];
        double E = 0.5 * N * e_a + 0.5 * N * e_b + excess_ev(N, A);
        k += snprintf(text + k, sizeof(text) - (size_t)k, "%d, 8, 64, %.17g, %.17g, %.17g, x\n", N,
                      E, N * e_a, N * e_b);
    }
    fit_and_check(u, write_file("pure.csv", text), "pure supercells");

    /* areas that differ from cell to cell (NPT relaxation), V given, meV and J mixed */
    k = snprintf(text, sizeof(text), "A [m^2],V [m^3],E_excess [meV]\n");
    for (int i = 0; i < 8; i++) {
        int N = ncell[i];
        double Ai = A * (1 + 0.01 * (i % 3)), V = Ai * N * 80e-10;
        double dE = (2 * Ai * GAMMA + V * STRAIN) / EV;
        k += snprintf(text + k, sizeof(text) - (size_t)k, "%.17g,%.17g,%.17g\n", Ai, V, 1e3 * dE);
    }
    fit_and_check(u, write_file("npt.csv", text), "varying area, V and E_excess given");
}

/* Standard errors against the scatter of noisy repeats. */
static void test_errors_calibrated(void)
{
    enum { N = 8, REP = 1000 };
    const double A = 64e-18, noise = 2e-18; /* J */
    double Aa[N], V[N], dE[N], g[REP], s[REP], gse = 0, sse = 0;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 99);
    int cover = 0;
    for (int rep = 0; rep < REP; rep++) {
        for (int i = 0; i < N; i++) {
            Aa[i] = A;
            V[i] = A * ncell[i] * 8e-9;
            dE[i] = 2 * A * GAMMA + V[i] * STRAIN + gsl_ran_gaussian(rng, noise);
        }
        upscale_excess *x = NULL;
        upscale_excess_result r = {0};
        upscale_err e = upscale_excess_create(Aa, V, dE, N, &x);
        if (!e) e = upscale_excess_fit(x, 0.95, &r);
        upscale_excess_destroy(&x);
        if (e) {
            CHECK_OK(e);
            break;
        }
        g[rep] = r.gamma;
        s[rep] = r.strain;
        gse += r.gamma_err * r.gamma_err / REP;
        sse += r.strain_err * r.strain_err / REP;
        cover += r.gamma_lo <= GAMMA && GAMMA <= r.gamma_hi;
    }
    gsl_rng_free(rng);
    double mg = 0, ms = 0, vg = 0, vs = 0;
    for (int i = 0; i < REP; i++) {
        mg += g[i] / REP;
        ms += s[i] / REP;
    }
    for (int i = 0; i < REP; i++) {
        vg += (g[i] - mg) * (g[i] - mg) / (REP - 1);
        vs += (s[i] - ms) * (s[i] - ms) / (REP - 1);
    }
    CHECK(fabs(gse / vg - 1) < 0.15, "mean SE^2 of gamma %.3g matches its scatter %.3g", gse, vg);
    CHECK(fabs(sse / vs - 1) < 0.15, "mean SE^2 of eps_strain %.3g matches its scatter %.3g", sse,
          vs);
    CHECK(fabs((double)cover / REP - 0.95) < 0.02, "95%% interval of gamma covers in %.3f",
          (double)cover / REP);
}

static void test_input_errors(const upscale_units *u)
{
    upscale_excess *x = NULL;
    upscale_excess_result r;
    const char *p = write_file("noA.csv", "L [nm],E_excess [eV]\n1,1\n2,2\n3,3\n");
    check_fails(upscale_excess_read(u, p, &x), "noA.csv:1: no column 'A");
    p = write_file("badunit.csv", "L [nm],A [nm^2],E_excess [kg]\n1,1,1\n");
    check_fails(upscale_excess_read(u, p, &x), "badunit.csv:1: column 'E_excess': unit 'kg'");
    p = write_file("noref.csv", "L [nm],A [nm^2],E [eV]\n1,1,1\n");
    check_fails(upscale_excess_read(u, p, &x), "noref.csv:1: no excess energy");
    p = write_file("text.csv", "L [nm],A [nm^2],E_excess [eV]\n1,1,1\n2,one,2\n");
    check_fails(upscale_excess_read(u, p, &x), "text.csv:3: column 'A': 'one'");
    p = write_file("short.csv", "L [nm],A [nm^2],E_excess [eV]\n1,1,1\n2,1\n");
    check_fails(upscale_excess_read(u, p, &x), "short.csv:3: 2 fields, the header has 3");
    p = write_file("area.csv", "L [nm],A [nm^2],E_excess [eV]\n1,0,1\n");
    check_fails(upscale_excess_read(u, p, &x), "area.csv:2: interface area");
    p = write_file("two.csv", "L [nm],A [nm^2],E_excess [eV]\n1,1,1\n2,1,2\n");
    CHECK_OK(upscale_excess_read(u, p, &x));
    if (x) {
        check_fails(upscale_excess_fit(x, 0.95, &r), "2 supercell(s)");
        upscale_excess_destroy(&x);
    }
    p = write_file("same.csv", "L [nm],A [nm^2],E_excess [eV]\n4,1,1\n4,1,1.1\n4,1,0.9\n");
    CHECK_OK(upscale_excess_read(u, p, &x));
    if (x) {
        check_fails(upscale_excess_fit(x, 0.95, &r), "ill-conditioned");
        upscale_excess_destroy(&x);
    }
    upscale_err e = upscale_excess_read(u, "no/such.csv", &x);
    CHECK(e == UPSCALE_ERR_IO && strstr(upscale_error_message(), "no/such.csv"),
          "missing table: I/O error naming the file");
    upscale_error_clear();
}

int main(void)
{
    snprintf(root, sizeof(root), "/tmp/upscale_excess_XXXXXX");
    if (!mkdtemp(root)) return 1;
    upscale_units *u = NULL;
    CHECK_OK(upscale_units_create(NULL, &u));
    if (u) {
        test_layouts(u);
        test_input_errors(u);
    }
    test_errors_calibrated();
    upscale_units_destroy(&u);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    if (system(cmd) != 0) printf("could not remove %s\n", root);
    return CHECK_DONE();
}
