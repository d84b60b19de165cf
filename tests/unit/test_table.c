/* Tables: reading with units, sorting and duplicates, Steffen interpolation (exact on
 * linear data, derivative consistent with the values), linear extrapolation, errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "upscale/table.h"

#define MAX_FILES 32
#define PYBAMM_DIR "tests/data/pybamm_chayambuka2022"

/* Files written by the test, removed at the end. */
typedef struct {
    char root[64];
    char path[MAX_FILES][128];
    int n;
} scratch;

static const char *write_file(scratch *s, const char *name, const char *text)
{
    if (s->n == MAX_FILES) return "";
    char *path = s->path[s->n];
    char full[sizeof(s->path[0])];
    snprintf(full, sizeof(full), "%s/%s", s->root, name);
    memcpy(path, full, sizeof(full));
    FILE *f = fopen(path, "w");
    if (!f) {
        CHECK(0, "cannot write %s", path);
        return "";
    }
    fputs(text, f);
    fclose(f);
    s->n++;
    return path;
}

/* The call fails with an input error whose message starts with path and contains part. */
static void check_fails(upscale_err e, const char *path, const char *part)
{
    const char *m = upscale_error_message();
    CHECK(e == UPSCALE_ERR_INPUT && strncmp(m, path, strlen(path)) == 0 && strstr(m, part),
          "error %d, message '%s' starts with '%s' and contains '%s'", (int)e, m, path, part);
    upscale_error_clear();
}

static void test_pybamm_files(const upscale_units *u)
{
    static const struct {
        const char *name, *x_unit, *y_unit;
        int rows;
    } files[] = {
        {"D_e.csv", "mol/m^3", "m^2/s", 13}, {"D_n.csv", "mol/m^3", "m^2/s", 39},
        {"D_p.csv", "mol/m^3", "m^2/s", 34}, {"U_n.csv", "1", "V", 20},
        {"U_p.csv", "1", "V", 27},           {"k_n.csv", "mol/m^3", "m/s", 31},
        {"k_p.csv", "mol/m^3", "m/s", 23},   {"sigma_e.csv", "mol/m^3", "S/m", 5},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", PYBAMM_DIR, files[i].name);
        upscale_table *t = NULL;
        CHECK_OK(upscale_table_read(u, path, files[i].x_unit, files[i].y_unit, &t));
        if (!t) continue;
        CHECK(upscale_table_size(t) <= files[i].rows && upscale_table_size(t) >= 2,
              "%s: %d distinct rows of %d", files[i].name, upscale_table_size(t), files[i].rows);
        CHECK(strcmp(upscale_table_path(t), path) == 0, "%s: path kept", files[i].name);
        upscale_table_destroy(&t);
    }

    /* values of sigma_e.csv: 150,0.404 and 500,0.72 are rows 1 and 2 */
    upscale_table *t = NULL;
    CHECK_OK(upscale_table_read(u, PYBAMM_DIR "/sigma_e.csv", "mol/m^3", "S/m", &t));
    if (t) {
        CHECK_CLOSE(upscale_table_eval(t, 150.0, NULL), 0.404, 1e-15, 0, "sigma_e(150)");
        CHECK_CLOSE(upscale_table_eval(t, 500.0, NULL), 0.72, 1e-15, 0, "sigma_e(500)");
    }
    upscale_table_destroy(&t);
}

static void test_sorting(const upscale_units *u, scratch *s)
{
    /* unsorted rows, an exact duplicate, CRLF endings, comments, a BOM */
    const char *path = write_file(s, "unsorted.csv",
                                  "\xEF\xBB\xBF# digitised from a figure\r\n"
                                  "\r\n"
                                  "c [mol.m-3], U [V]\r\n"
                                  "3, 9\r\n"
                                  "1,1\r\n"
                                  "# a comment between rows\r\n"
                                  " 2 , 4 \r\n"
                                  "1,1\r\n"
                                  "4,16\r\n");
    upscale_table *t = NULL;
    CHECK_OK(upscale_table_read(u, path, "mol/m^3", "V", &t));
    if (t) {
        CHECK(upscale_table_size(t) == 4, "duplicate dropped: %d rows", upscale_table_size(t));
        CHECK(upscale_table_unordered_row(t) == 5, "first row out of order: line %d (want 5)",
              upscale_table_unordered_row(t));
        double x0, x1;
        upscale_table_domain(t, &x0, &x1);
        CHECK(x0 == 1.0 && x1 == 4.0, "domain after sorting: %g .. %g", x0, x1);
        for (int i = 1; i <= 4; i++)
            CHECK_CLOSE(upscale_table_eval(t, i, NULL), (double)(i * i), 1e-15, 0, "node value");
    }
    upscale_table_destroy(&t);
    CHECK(t == NULL, "destroy NULLs the handle");
    upscale_table_destroy(&t);

    /* the same x with another y is an error naming both lines */
    path = write_file(s, "conflict.csv", "x [1],y [1]\n1,1\n2,2\n1,3\n");
    check_fails(upscale_table_read(u, path, "1", "1", &t), path,
                ":4: x = 1 repeats line 2 with a different y (3, was 1)");
    CHECK(t == NULL, "no table on error");

    const double x[] = {2, 0, 1, 1}, y[] = {4, 0, 1, 2};
    check_fails(upscale_table_create(x, y, 4, &t), "table", "x = 1 repeats");
    CHECK_OK(upscale_table_create(x, y, 3, &t));
    if (t) CHECK_CLOSE(upscale_table_eval(t, 1.0, NULL), 1.0, 1e-15, 0, "array table, sorted");
    if (t)
        CHECK(upscale_table_unordered_row(t) == 2, "array out of order at row %d (want 2)",
              upscale_table_unordered_row(t));
    CHECK(t && strcmp(upscale_table_path(t), "") == 0, "array table has path ''");
    upscale_table_destroy(&t);
    /* ordered rows, and a duplicate x that is not an increase */
    path = write_file(s, "ordered.csv", "x [1],y [1]\n0,0\n1,1\n2,4\n");
    CHECK_OK(upscale_table_read(u, path, "1", "1", &t));
    if (t)
        CHECK(upscale_table_unordered_row(t) == 0, "ordered file: %d",
              upscale_table_unordered_row(t));
    upscale_table_destroy(&t);
    path = write_file(s, "repeat.csv", "x [1],y [1]\n0,0\n1,1\n1,1\n2,4\n");
    CHECK_OK(upscale_table_read(u, path, "1", "1", &t));
    if (t)
        CHECK(upscale_table_unordered_row(t) == 4, "exact repeat at line %d (want 4)",
              upscale_table_unordered_row(t));
    upscale_table_destroy(&t);
}

static void test_interpolation(scratch *s, const upscale_units *u)
{
    /* y = 2x + 1 on uneven nodes: Steffen reproduces lines exactly, inside and outside */
    const char *path =
        write_file(s, "linear.csv", "x [m],y [V]\n0,1\n0.5,2\n1.3,3.6\n2,5\n3.7,8.4\n5,11\n");
    upscale_table *t = NULL;
    CHECK_OK(upscale_table_read(u, path, "m", "V", &t));
    if (t) {
        double worst = 0, worst_d = 0;
        for (int i = -20; i <= 70; i++) {
            double x = 0.1 * i, d;
            double y = upscale_table_eval(t, x, &d);
            worst = fmax(worst, fabs(y - (2 * x + 1)));
            worst_d = fmax(worst_d, fabs(d - 2));
        }
        CHECK(worst < 1e-13 && worst_d < 1e-13,
              "linear data: max |y - (2x+1)| = %.3g, max |y' - 2| = %.3g on [-2, 7]", worst,
              worst_d);
    }
    upscale_table_destroy(&t);

    /* y = sin x: derivative against central differences, between and at nodes */
    double x[31], y[31];
    for (int i = 0; i < 31; i++) {
        x[i] = 0.1 * i;
        y[i] = sin(x[i]);
    }
    CHECK_OK(upscale_table_create(x, y, 31, &t));
    if (t) {
        double worst = 0;
        for (int i = 1; i < 300; i++) {
            double xi = 0.01 * i + 0.0037, h = 1e-6, d;
            upscale_table_eval(t, xi, &d);
            double fd =
                (upscale_table_eval(t, xi + h, NULL) - upscale_table_eval(t, xi - h, NULL)) /
                (2 * h);
            worst = fmax(worst, fabs(d - fd));
        }
        CHECK(worst < 1e-6, "sin: max |dy/dx - finite difference| = %.3g", worst);
        CHECK_CLOSE(upscale_table_eval(t, 1.2345, NULL), sin(1.2345), 0, 1e-4,
                    "sin(1.2345) interpolated");

        /* beyond the ends: a line with the end slope of the interpolant */
        double d0, d1, dl, dr;
        double y0 = upscale_table_eval(t, 0.0, &d0), y1 = upscale_table_eval(t, 3.0, &d1);
        double yl = upscale_table_eval(t, -0.5, &dl), yr = upscale_table_eval(t, 4.0, &dr);
        CHECK_CLOSE(yl, y0 - 0.5 * d0, 1e-14, 1e-15, "left extrapolation on the end tangent");
        CHECK_CLOSE(yr, y1 + 1.0 * d1, 1e-14, 1e-15, "right extrapolation on the end tangent");
        CHECK(dl == d0 && dr == d1, "derivative outside is the end slope (%g %g, %g %g)", dl, d0,
              dr, d1);
        double dn;
        CHECK(isnan(upscale_table_eval(t, NAN, &dn)) && isnan(dn), "NaN in, NaN out");
    }
    upscale_table_destroy(&t);

    /* two rows: linear */
    const double x2[] = {1, 2}, y2[] = {2, 3};
    CHECK_OK(upscale_table_create(x2, y2, 2, &t));
    if (t) {
        double d;
        CHECK_CLOSE(upscale_table_eval(t, 1.5, &d), 2.5, 1e-15, 0, "2 rows: midpoint");
        CHECK_CLOSE(d, 1.0, 1e-15, 0, "2 rows: slope");
        CHECK_CLOSE(upscale_table_eval(t, 4.0, NULL), 5.0, 1e-15, 0, "2 rows: extrapolation");
    }
    upscale_table_destroy(&t);
}

static void test_units_and_errors(const upscale_units *u, scratch *s)
{
    /* kmol/m^3 and cm^2/s converted to mol/m^3 and m^2/s; a column without unit */
    const char *path = write_file(s, "kmol.csv",
                                  "Concentration [kmol/m^3],Diffusivity [cm^2/s]\n"
                                  "0.5,1e-6\n1,2e-6\n2,4e-6\n");
    upscale_table *t = NULL;
    CHECK_OK(upscale_table_read(u, path, "mol/m^3", "m^2/s", &t));
    if (t) {
        CHECK_CLOSE(upscale_table_eval(t, 1000.0, NULL), 2e-10, 1e-14, 0, "D(1000 mol/m^3)");
        CHECK_CLOSE(upscale_table_eval(t, 750.0, NULL), 1.5e-10, 1e-14, 0, "D(750 mol/m^3)");
    }
    upscale_table_destroy(&t);
    path = write_file(s, "celsius.csv", "Stoichiometry, T [degC]\n0,25\n1,35\n");
    CHECK_OK(upscale_table_read(u, path, "1", "K", &t));
    if (t) CHECK_CLOSE(upscale_table_eval(t, 0.5, NULL), 303.15, 1e-14, 0, "affine y column");
    upscale_table_destroy(&t);
    path = write_file(s, "nested.csv", "c [x] [mol/L],y [1]\n1,1\n2,2\n");
    CHECK_OK(upscale_table_read(u, path, "mol/m^3", "1", &t));
    if (t) CHECK_CLOSE(upscale_table_eval(t, 1500.0, NULL), 1.5, 1e-14, 0, "unit in last []");
    upscale_table_destroy(&t);

    path = write_file(s, "kmol.csv", "Concentration [kmol/m^3],Diffusivity [cm^2/s]\n1,2\n3,4\n");
    check_fails(upscale_table_read(u, path, "m", "m^2/s", &t), path,
                ":1: column 1: expected a unit convertible to m, got 'kmol/m^3'");
    check_fails(upscale_table_read(u, path, "mol/m^3", "V", &t), path,
                ":1: column 2: expected a unit convertible to V, got 'cm^2/s'");
    path = write_file(s, "furlong.csv", "x [furlong],y [1]\n1,2\n3,4\n");
    check_fails(upscale_table_read(u, path, "m", "1", &t), path, ":1: column 1: unknown unit");
    path = write_file(s, "noheader.csv", "# no header\n1,2\n3,4\n");
    check_fails(upscale_table_read(u, path, "1", "1", &t), path, ":2: expected a header line");
    path = write_file(s, "row.csv", "x [1],y [1]\n1,2\n3,abc\n");
    check_fails(upscale_table_read(u, path, "1", "1", &t), path,
                ":3: expected a row 'x,y' of two numbers, got '3,abc'");
    path = write_file(s, "three.csv", "x [1],y [1]\n1,2\n3,4,5\n");
    check_fails(upscale_table_read(u, path, "1", "1", &t), path, ":3: expected a row");
    path = write_file(s, "nan.csv", "x [1],y [1]\n1,2\n3,nan\n");
    check_fails(upscale_table_read(u, path, "1", "1", &t), path, ":3: expected finite numbers");
    path = write_file(s, "short.csv", "x [1],y [1]\n1,2\n");
    check_fails(upscale_table_read(u, path, "1", "1", &t), path, "expected at least 2 rows, got 1");
    path = write_file(s, "samex.csv", "x [1],y [1]\n1,2\n1,2\n");
    check_fails(upscale_table_read(u, path, "1", "1", &t), path,
                "expected at least 2 rows with distinct x, got 1");
    path = write_file(s, "empty.csv", "");
    check_fails(upscale_table_read(u, path, "1", "1", &t), path, "expected a header line");
    check_fails(upscale_table_read(u, "/nonexistent/table.csv", "1", "1", &t),
                "/nonexistent/table.csv", "cannot open");
    CHECK(t == NULL, "no table after errors");
}

int main(void)
{
    scratch s = {.root = "/tmp/upscale-test-table-XXXXXX"};
    if (!mkdtemp(s.root)) {
        CHECK(0, "cannot create a scratch directory");
        return CHECK_DONE();
    }
    upscale_units *u = NULL;
    CHECK_OK(upscale_units_create(NULL, &u));
    if (u) {
        test_pybamm_files(u);
        test_sorting(u, &s);
        test_interpolation(&s, u);
        test_units_and_errors(u, &s);
    }
    upscale_units_destroy(&u);
    for (int i = 0; i < s.n; i++)
        remove(s.path[i]);
    rmdir(s.root);
    return CHECK_DONE();
}
