/* Parameters: flattening of YAML, includes, overrides, typed getters, defaults and the
 * exact one-line messages.  The files are written to a mkdtemp() directory, which is
 * also the working directory during the test so that messages show relative paths. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "upscale/params.h"

#define MAX_PATHS 64

/* Files and directories created by the test, removed in reverse order at the end. */
typedef struct {
    char root[64];
    char *paths[MAX_PATHS];
    int n;
} scratch;

static void scratch_add(scratch *s, const char *rel)
{
    if (s->n < MAX_PATHS) s->paths[s->n++] = strdup(rel);
}

static void make_dir(scratch *s, const char *rel)
{
    if (mkdir(rel, 0700) == 0) scratch_add(s, rel);
}

static void write_file(scratch *s, const char *rel, const char *text)
{
    FILE *f = fopen(rel, "w");
    if (!f) {
        CHECK(0, "cannot write %s", rel);
        return;
    }
    fputs(text, f);
    fclose(f);
    scratch_add(s, rel);
}

static void scratch_remove(scratch *s)
{
    for (int i = s->n - 1; i >= 0; i--) {
        remove(s->paths[i]);
        free(s->paths[i]);
    }
    rmdir(s->root);
}

/* The call fails with an input error whose message is exactly `want`. */
static void check_message(upscale_err e, const char *want)
{
    const char *got = upscale_error_message();
    int same = e == UPSCALE_ERR_INPUT && strcmp(got, want) == 0;
    CHECK(same, "input error '%s'%s%s%s", got, same ? "" : ", want '", same ? "" : want,
          same ? "" : "'");
    upscale_error_clear();
}

/* The call fails with code `code` and a message containing `part`. */
static void check_fails(upscale_err e, upscale_err code, const char *part)
{
    CHECK(e == code && strstr(upscale_error_message(), part) != NULL,
          "error %d (want %d), message '%s' contains '%s'", (int)e, (int)code,
          upscale_error_message(), part);
    upscale_error_clear();
}

static int find_entry(const upscale_params *p, const char *key, upscale_params_entry *e)
{
    for (size_t i = 0; i < upscale_params_count(p); i++) {
        upscale_params_get_entry(p, i, e);
        if (strcmp(e->key, key) == 0) return 1;
    }
    return 0;
}

static const char *BASE = "negative:\n"             /* 1 */
                          "  thickness: 100 um\n"   /* 2 */
                          "  porosity: 0.3\n"       /* 3 */
                          "  particle:\n"           /* 4 */
                          "    radius: 10 um\n"     /* 5 */
                          "protocol:\n"             /* 6 */
                          "  - step: rest\n"        /* 7 */
                          "    time: 1 h\n"         /* 8 */
                          "  - step: cc\n"          /* 9 */
                          "    current: 24 A/m^2\n" /* 10 */
                          "  - step: cv\n"          /* 11 */
                          "temperature: 25 degC\n"  /* 12 */
                          "model: spm\n";           /* 13 */

static const char *CASE = "# a case\n"                     /* 1 */
                          "negative:\n"                    /* 2 */
                          "  thickness: 50 um\n"           /* 3 */
                          "include: ../params/base.yaml\n" /* 4 */
                          "protocol:\n"                    /* 5 */
                          "  - step: cc\n"                 /* 6 */
                          "    current: 12 A/m^2\n"        /* 7 */
                          "name: \"test case\"\n"          /* 8 */
                          "ocp_file: ../data/ocp.csv\n"    /* 9 */
                          "k: 2e-11 m^2.5 mol^-0.5 s^-1\n" /* 10 */
                          "values: [1, 2, 3]\n"            /* 11 */
                          "fraction: 30 %\n"               /* 12 */
                          "model:\n"                       /* 13 */
                          "  type: p2d\n";                 /* 14 */

static void test_load(void)
{
    upscale_params *p = NULL;
    CHECK_OK(upscale_params_create(&p));
    CHECK_OK(upscale_params_load(p, "cases/a.yaml"));
    CHECK(strcmp(upscale_params_file(p), "cases/a.yaml") == 0, "top-level file is '%s'",
          upscale_params_file(p));

    /* nested maps flatten with '.'; the case overrides its include wherever include stands */
    double v;
    CHECK_OK(upscale_params_get_quantity(p, "negative.thickness", "m", "a length", 0, INFINITY,
                                         UPSCALE_RANGE_LO_OPEN, &v));
    CHECK_CLOSE(v, 50e-6, 1e-14, 0, "negative.thickness from the case (50 um)");
    CHECK_OK(upscale_params_get_quantity(p, "negative.particle.radius", "m", "a radius", 0,
                                         INFINITY, UPSCALE_RANGE_LO_OPEN, &v));
    CHECK_CLOSE(v, 10e-6, 1e-14, 0, "negative.particle.radius from the include (10 um)");
    CHECK_OK(upscale_params_get_quantity(p, "negative.porosity", "1", "a porosity", 0, 1,
                                         UPSCALE_RANGE_LO_OPEN | UPSCALE_RANGE_HI_OPEN, &v));
    CHECK_CLOSE(v, 0.3, 1e-15, 0, "negative.porosity from the include");
    CHECK_OK(upscale_params_get_quantity(p, "temperature", "K", "a temperature", 0, INFINITY,
                                         UPSCALE_RANGE_LO_OPEN, &v));
    CHECK_CLOSE(v, 298.15, 1e-14, 0, "temperature 25 degC in K");
    CHECK_OK(upscale_params_get_quantity(p, "k", "m^2.5 mol^-0.5 s^-1", "a rate constant", 0,
                                         INFINITY, 0, &v));
    CHECK_CLOSE(v, 2e-11, 1e-14, 0, "k with rational exponents");
    CHECK_OK(upscale_params_get_quantity(p, "fraction", "1", "a fraction", 0, 1, 0, &v));
    CHECK_CLOSE(v, 0.3, 1e-15, 0, "30 % as a dimensionless number");

    /* file and line of each entry */
    upscale_params_entry e;
    CHECK(find_entry(p, "negative.thickness", &e) && strcmp(e.file, "cases/a.yaml") == 0 &&
              e.line == 3 && strcmp(e.text, "50 um") == 0 && e.used && !e.is_default,
          "negative.thickness: cases/a.yaml:3 '50 um' used (got %s:%d '%s')", e.file, e.line,
          e.text);
    CHECK(find_entry(p, "negative.thickness", &e) && fabs(e.si_value - 50e-6) < 1e-20 &&
              strcmp(e.si_unit, "m") == 0,
          "negative.thickness: SI value %g '%s'", e.si_value, e.si_unit);
    CHECK(find_entry(p, "negative.porosity", &e) &&
              strcmp(e.file, "cases/../params/base.yaml") == 0 && e.line == 3,
          "negative.porosity: %s:%d (include path relative to the including file)", e.file, e.line);

    /* sequences give numbered keys; a sequence replaces the included one entirely */
    const char *s;
    CHECK_OK(upscale_params_get_string(p, "protocol.0.step", NULL, &s));
    CHECK(strcmp(s, "cc") == 0, "protocol.0.step = '%s'", s);
    CHECK(!upscale_params_has(p, "protocol.0.time"), "protocol.0.time of the include is gone");
    CHECK(!upscale_params_has(p, "protocol.1.step") && !upscale_params_has(p, "protocol.2.step"),
          "protocol.1 and protocol.2 of the include are gone");
    CHECK(upscale_params_has_prefix(p, "protocol.0") && upscale_params_has_prefix(p, "negative") &&
              !upscale_params_has_prefix(p, "protocol.1") && !upscale_params_has_prefix(p, "nega"),
          "has_prefix on dotted prefixes only");
    CHECK_OK(upscale_params_get_quantity(p, "protocol.0.current", "A/m^2", "a current density",
                                         -INFINITY, INFINITY, 0, &v));
    CHECK_CLOSE(v, 12.0, 1e-15, 0, "protocol.0.current");
    long n;
    for (int i = 0; i < 3; i++) {
        char key[32];
        snprintf(key, sizeof(key), "values.%d", i);
        CHECK_OK(upscale_params_get_int(p, key, 0, 10, &n));
        CHECK(n == i + 1, "%s = %ld", key, n);
    }
    /* a mapping replaces an included scalar */
    CHECK(!upscale_params_has(p, "model") && upscale_params_has(p, "model.type"),
          "model: {type: p2d} replaces 'model: spm'");
    CHECK_OK(upscale_params_get_string(p, "model.type", NULL, &s));

    /* quoted strings lose their quotes; choices */
    CHECK_OK(upscale_params_get_string(p, "name", NULL, &s));
    CHECK(strcmp(s, "test case") == 0, "name = '%s'", s);
    const char *const steps[] = {"rest", "cc", "cv", NULL};
    int index = -1;
    CHECK_OK(upscale_params_get_choice(p, "protocol.0.step", steps, NULL, &index));
    CHECK(index == 1, "choice index of 'cc' is %d", index);

    /* paths relative to the defining file */
    char path[256];
    CHECK_OK(upscale_params_get_path(p, "ocp_file", NULL, path, sizeof(path)));
    CHECK(strcmp(path, "cases/../data/ocp.csv") == 0, "ocp_file -> '%s'", path);
    CHECK_OK(upscale_params_set(p, "ocp_file=data/ocp.csv"));
    CHECK_OK(upscale_params_get_path(p, "ocp_file", NULL, path, sizeof(path)));
    CHECK(strcmp(path, "data/ocp.csv") == 0, "command-line ocp_file relative to the cwd: '%s'",
          path);
    CHECK_OK(upscale_params_set(p, "ocp_file=data/missing.csv"));
    check_fails(upscale_params_get_path(p, "ocp_file", NULL, path, sizeof(path)), UPSCALE_ERR_INPUT,
                "command line: ocp_file: cannot read 'data/missing.csv'");
    CHECK_OK(upscale_params_set(p, "ocp_file=data/ocp.csv"));
    CHECK_OK(upscale_params_get_path(p, "ocp_file", NULL, path, sizeof(path)));

    /* command-line overrides and additions */
    CHECK_OK(upscale_params_set(p, " negative.thickness = 80 um "));
    CHECK_OK(upscale_params_get_quantity(p, "negative.thickness", "m", "a length", 0, INFINITY,
                                         UPSCALE_RANGE_LO_OPEN, &v));
    CHECK_CLOSE(v, 80e-6, 1e-14, 0, "--set negative.thickness=80 um");
    CHECK(find_entry(p, "negative.thickness", &e) && strcmp(e.file, "command line") == 0 &&
              e.line == 0,
          "set entry reports 'command line', line 0 (got %s:%d)", e.file, e.line);
    check_fails(upscale_params_set(p, "novalue"), UPSCALE_ERR_INPUT, "expected key=value");
    check_fails(upscale_params_set(p, "=3"), UPSCALE_ERR_INPUT, "expected key=value");

    /* defaults are recorded as entries but do not count as input */
    size_t before = upscale_params_count(p);
    CHECK_OK(upscale_params_get_quantity_or(p, "negative.bruggeman", "1", "an exponent", 0,
                                            INFINITY, 0, 1.5, &v));
    CHECK(v == 1.5, "default quantity %g", v);
    CHECK_OK(upscale_params_get_quantity_or(p, "separator.thickness", "m", "a length", 0, INFINITY,
                                            UPSCALE_RANGE_LO_OPEN, 25e-6, &v));
    CHECK(v == 25e-6, "default length %g", v);
    CHECK_OK(upscale_params_get_int_or(p, "mesh.n", 1, 1000, 20, &n));
    CHECK(n == 20, "default int %ld", n);
    CHECK_OK(upscale_params_get_string(p, "title", "untitled", &s));
    CHECK(strcmp(s, "untitled") == 0, "default string '%s'", s);
    CHECK_OK(upscale_params_get_choice(p, "mode", steps, "cv", &index));
    CHECK(index == 2, "default choice index %d", index);
    CHECK(upscale_params_count(p) == before + 5, "5 default entries added (%zu -> %zu)", before,
          upscale_params_count(p));
    CHECK(find_entry(p, "separator.thickness", &e) && e.is_default && e.used &&
              strcmp(e.file, "default") == 0 && e.line == 0 && e.si_value == 25e-6 &&
              strcmp(e.si_unit, "m") == 0 && strcmp(e.text, "2.5e-05 m") == 0,
          "default entry: %s:%d '%s' = %g '%s'", e.file, e.line, e.text, e.si_value, e.si_unit);
    CHECK(!upscale_params_has(p, "separator.thickness"), "has() ignores defaults");
    CHECK_OK(upscale_params_get_quantity_or(p, "separator.thickness", "m", "a length", 0, INFINITY,
                                            UPSCALE_RANGE_LO_OPEN, 25e-6, &v));
    CHECK(upscale_params_count(p) == before + 5, "reading a default again adds nothing");
    CHECK_OK(upscale_params_get_int_or(p, "values.2", 0, 10, 7, &n));
    CHECK(n == 3, "_or getter reads an existing key (%ld)", n);
    check_fails(upscale_params_get_quantity_or(p, "x.y", "m", "a length", 0, 1, 0, 2.0, &v),
                UPSCALE_ERR_INTERNAL, "default");

    /* entries not read as quantities have NAN and "" */
    CHECK(find_entry(p, "name", &e) && isnan(e.si_value) && strcmp(e.si_unit, "") == 0,
          "string entry: si_value NAN, si_unit ''");

    /* upscale_params_error formats FILE:LINE: KEY: for existing keys */
    check_message(upscale_params_error(p, "negative.porosity", "must exceed %g", 0.5),
                  "cases/../params/base.yaml:3: negative.porosity: must exceed 0.5");
    check_message(upscale_params_error(p, "nothing.here", "is needed"),
                  "cases/a.yaml: nothing.here: is needed");

    /* everything was read: no unknown key; then a new command-line key is unknown */
    CHECK_OK(upscale_params_check_unused(p));
    CHECK_OK(upscale_params_set(p, "newkey=5"));
    CHECK(upscale_params_has(p, "newkey"), "set adds a key that did not exist");
    check_message(upscale_params_check_unused(p), "command line: newkey: unknown key");

    upscale_params_destroy(&p);
    CHECK(p == NULL, "destroy NULLs the handle");
    upscale_params_destroy(&p);
}

static void test_messages(void)
{
    upscale_params *p = NULL;
    CHECK_OK(upscale_params_create(&p));
    CHECK_OK(upscale_params_load(p, "cases/bad.yaml"));
    double v;
    long n;
    int index;
    const char *const choices[] = {"rest", "cc", NULL};

    check_message(upscale_params_get_quantity(p, "negative.thickness", "m", "a length", 0, INFINITY,
                                              UPSCALE_RANGE_LO_OPEN, &v),
                  "cases/bad.yaml:2: negative.thickness: expected a length (unit convertible to "
                  "m), got unit 'kg'");
    check_message(upscale_params_get_quantity(p, "negative.width", "m", "a length", 0, INFINITY,
                                              UPSCALE_RANGE_LO_OPEN, &v),
                  "cases/bad.yaml:3: negative.width: missing unit: expected a length (unit "
                  "convertible to m)");
    check_message(upscale_params_get_quantity(p, "negative.porosity", "1", "a porosity", 0, 1,
                                              UPSCALE_RANGE_LO_OPEN | UPSCALE_RANGE_HI_OPEN, &v),
                  "cases/bad.yaml:4: negative.porosity: expected a number in (0, 1), got 1.2");
    check_message(
        upscale_params_get_quantity(p, "negative.fraction", "1", "a fraction", 0, 1, 0, &v),
        "cases/bad.yaml:5: negative.fraction: expected a number in [0, 1], got -0.1");
    check_message(upscale_params_get_quantity(p, "x", "1", "a number", -INFINITY, INFINITY, 0, &v),
                  "cases/bad.yaml:6: x: expected a finite number, got 'nan'");
    check_message(upscale_params_get_quantity(p, "negative.length", "m", "a length", 0, INFINITY,
                                              UPSCALE_RANGE_LO_OPEN, &v),
                  "cases/bad.yaml: negative.length: missing key: expected a length (unit "
                  "convertible to m)");
    check_message(
        upscale_params_get_quantity(p, "big", "m", "a length", 0, 1e-3, UPSCALE_RANGE_LO_OPEN, &v),
        "cases/bad.yaml:7: big: expected a number in (0, 0.001] m, got 0.0012 m "
        "('1200 um')");
    check_message(upscale_params_get_quantity(p, "furlongs", "m", "a length", 0, INFINITY, 0, &v),
                  "cases/bad.yaml:8: furlongs: expected a length (unit convertible to m), got "
                  "unknown unit 'furlong'");
    check_message(upscale_params_get_quantity(p, "word", "m", "a length", 0, INFINITY, 0, &v),
                  "cases/bad.yaml:9: word: expected a length (unit convertible to m), got 'thick'");
    check_message(upscale_params_get_quantity(p, "porosity_m", "1", "a porosity", 0, 1, 0, &v),
                  "cases/bad.yaml:10: porosity_m: expected a porosity (dimensionless), got unit "
                  "'m'");
    check_message(upscale_params_get_quantity(p, "empty", "m", "a length", 0, INFINITY, 0, &v),
                  "cases/bad.yaml:11: empty: missing value: expected a length (unit convertible "
                  "to m)");
    check_message(upscale_params_get_int(p, "count", 1, 100, &n),
                  "cases/bad.yaml:12: count: expected an integer, got '2.5'");
    check_message(upscale_params_get_int(p, "many", 1, 100, &n),
                  "cases/bad.yaml:13: many: expected an integer in [1, 100], got 200");
    check_message(upscale_params_get_choice(p, "step", choices, NULL, &index),
                  "cases/bad.yaml:14: step: expected one of 'rest', 'cc', got 'ccv'");
    check_message(upscale_params_get_string(p, "absent", NULL, &(const char *){NULL}),
                  "cases/bad.yaml: absent: missing key: expected a string");
    CHECK_OK(upscale_params_set(p, "negative.thickness=3 s"));
    check_message(
        upscale_params_get_quantity(p, "negative.thickness", "m", "a length", 0, INFINITY, 0, &v),
        "command line: negative.thickness: expected a length (unit convertible to m), "
        "got unit 's'");
    char path[64];
    check_message(upscale_params_get_path(p, "file", NULL, path, sizeof(path)),
                  "cases/bad.yaml:15: file: cannot read 'cases/nothing.csv': No such file or "
                  "directory");
    upscale_params_destroy(&p);

    /* unknown keys: the first unread one in file order */
    CHECK_OK(upscale_params_create(&p));
    CHECK_OK(upscale_params_load(p, "cases/typo.yaml"));
    CHECK_OK(
        upscale_params_get_quantity(p, "negative.thickness", "m", "a length", 0, INFINITY, 0, &v));
    check_message(upscale_params_check_unused(p),
                  "cases/typo.yaml:3: negative.thicknes: unknown key");
    CHECK_OK(
        upscale_params_get_quantity(p, "negative.thicknes", "m", "a length", 0, INFINITY, 0, &v));
    check_message(upscale_params_check_unused(p),
                  "cases/typo.yaml:4: positive.radius: unknown key");
    upscale_params_destroy(&p);
}

static void test_file_errors(void)
{
    static const struct {
        const char *file;
        upscale_err code;
        int exact; /* message is the whole message, else a part of it */
        const char *message;
    } cases[] = {
        {"cases/cycle1.yaml", UPSCALE_ERR_INPUT, 1,
         "cases/cycle2.yaml:1: include: include cycle: cases/cycle1.yaml -> cases/cycle2.yaml -> "
         "cases/cycle1.yaml"},
        {"cases/self.yaml", UPSCALE_ERR_INPUT, 1,
         "cases/self.yaml:2: include: include cycle: cases/self.yaml -> cases/self.yaml"},
        {"cases/noinclude.yaml", UPSCALE_ERR_INPUT, 1,
         "cases/noinclude.yaml:1: include: cannot open 'cases/missing.yaml': No such file or "
         "directory"},
        {"cases/alias.yaml", UPSCALE_ERR_INPUT, 1,
         "cases/alias.yaml:2: b: YAML aliases are not supported"},
        {"cases/malformed.yaml", UPSCALE_ERR_INPUT, 0, "cases/malformed.yaml:3: malformed YAML: "},
        {"cases/duplicate.yaml", UPSCALE_ERR_INPUT, 1,
         "cases/duplicate.yaml:3: a.b: duplicate key (first defined at line 2)"},
        {"cases/scalar.yaml", UPSCALE_ERR_INPUT, 1,
         "cases/scalar.yaml:1: expected a mapping of keys (key: value) at the top level"},
        {"cases/badinclude.yaml", UPSCALE_ERR_INPUT, 1,
         "cases/badinclude.yaml:2: include: expected a file name or a list of file names"},
        {"cases/none.yaml", UPSCALE_ERR_INPUT, 0, "cases/none.yaml: cannot open: No such file"},
        {"cases/twice.yaml", UPSCALE_ERR_INPUT, 1,
         "cases/twice.yaml:3: a: duplicate key (first defined at line 1)"},
        {"cases/twice2.yaml", UPSCALE_ERR_INPUT, 1,
         "cases/twice2.yaml:3: a: duplicate key (first defined at line 2)"},
        {"cases/twodocs.yaml", UPSCALE_ERR_INPUT, 1,
         "cases/twodocs.yaml:2: more than one YAML document in the file"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        upscale_params *p = NULL;
        CHECK_OK(upscale_params_create(&p));
        upscale_err e = upscale_params_load(p, cases[i].file);
        if (cases[i].exact)
            check_message(e, cases[i].message);
        else
            check_fails(e, cases[i].code, cases[i].message);
        upscale_params_destroy(&p);
    }

    /* include lists: later files override earlier ones; an empty file is fine */
    upscale_params *p = NULL;
    CHECK_OK(upscale_params_create(&p));
    CHECK_OK(upscale_params_load(p, "cases/list.yaml"));
    long n;
    CHECK_OK(upscale_params_get_int(p, "a", 0, 10, &n));
    CHECK(n == 2, "a from the second include (%ld)", n);
    CHECK_OK(upscale_params_get_int(p, "b", 0, 10, &n));
    CHECK(n == 1, "b from the first include (%ld)", n);
    CHECK_OK(upscale_params_get_int(p, "c", 0, 10, &n));
    CHECK(n == 3, "c from the including file (%ld)", n);
    CHECK_OK(upscale_params_load(p, "cases/empty.yaml"));
    CHECK_OK(upscale_params_check_unused(p));
    upscale_params_destroy(&p);
}

int main(void)
{
    char cwd[PATH_MAX];
    scratch s = {.root = "/tmp/upscale-test-params-XXXXXX"};
    if (!getcwd(cwd, sizeof(cwd)) || !mkdtemp(s.root) || chdir(s.root) != 0) {
        CHECK(0, "cannot create a scratch directory");
        return CHECK_DONE();
    }
    make_dir(&s, "cases");
    make_dir(&s, "params");
    make_dir(&s, "data");
    write_file(&s, "params/base.yaml", BASE);
    write_file(&s, "cases/a.yaml", CASE);
    write_file(&s, "data/ocp.csv", "x [1],U [V]\n0,1\n1,0\n");
    write_file(&s, "cases/bad.yaml",
               "negative:\n"           /* 1 */
               "  thickness: 7 kg\n"   /* 2 */
               "  width: 3\n"          /* 3 */
               "  porosity: 1.2\n"     /* 4 */
               "  fraction: -0.1\n"    /* 5 */
               "x: nan\n"              /* 6 */
               "big: 1200 um\n"        /* 7 */
               "furlongs: 3 furlong\n" /* 8 */
               "word: thick\n"         /* 9 */
               "porosity_m: 0.3 m\n"   /* 10 */
               "empty:\n"              /* 11 */
               "count: 2.5\n"          /* 12 */
               "many: 200\n"           /* 13 */
               "step: ccv\n"           /* 14 */
               "file: nothing.csv\n"); /* 15 */
    write_file(&s, "cases/typo.yaml",
               "negative:\n"
               "  thickness: 1 um\n"
               "  thicknes: 2 um\n"
               "positive.radius: 3 um\n");
    write_file(&s, "cases/cycle1.yaml", "include: cycle2.yaml\na: 1\n");
    write_file(&s, "cases/cycle2.yaml", "include: [cycle1.yaml]\n");
    write_file(&s, "cases/self.yaml", "a: 1\ninclude: self.yaml\n");
    write_file(&s, "cases/noinclude.yaml", "include: missing.yaml\n");
    write_file(&s, "cases/alias.yaml", "a: &x 1\nb: *x\n");
    write_file(&s, "cases/malformed.yaml", "a: 1\nb: [1, 2\nc: 3\n");
    write_file(&s, "cases/duplicate.yaml", "a:\n  b: 1\na.b: 2\n");
    write_file(&s, "cases/scalar.yaml", "just a string\n");
    write_file(&s, "cases/twice.yaml", "a: 1\nb: 2\na:\n  c: 3\n");
    write_file(&s, "cases/twice2.yaml", "a:\n  c: 3\na: 1\n");
    write_file(&s, "cases/twodocs.yaml", "a: 1\n---\nb: 2\n");
    write_file(&s, "cases/badinclude.yaml", "a: 1\ninclude: {file: x.yaml}\n");
    write_file(&s, "cases/one.yaml", "a: 1\nb: 1\n");
    write_file(&s, "cases/two.yaml", "a: 2\n");
    write_file(&s, "cases/list.yaml", "c: 3\ninclude:\n  - one.yaml\n  - two.yaml\n");
    write_file(&s, "cases/empty.yaml", "# nothing\n");

    test_load();
    test_messages();
    test_file_errors();

    if (chdir(s.root) == 0) scratch_remove(&s);
    if (chdir(cwd) != 0) CHECK(0, "cannot return to %s", cwd);
    return CHECK_DONE();
}
