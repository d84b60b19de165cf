/* Sweep files (upscale/sweep.h): grid and list expansion, the canonical definition and its
 * hash, the options of a point, one-line messages for bad input (with the sweep file's
 * line), SI values after validation, the per-point file name, and a results file written,
 * reopened (points marked done) and refused for another sweep. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "upscale/sweep.h"

static char dir[] = "/tmp/upscale_sweep_def.XXXXXX";

/* Write text to DIR/name; returns the path (static buffer per call site is enough). */
static const char *write_file(const char *name, const char *text, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return path;
    fputs(text, f);
    fclose(f);
    return path;
}

static char base[2048];

/* A sweep file whose base is the Newman case (absolute path). */
static const char *sweep(const char *name, const char *body, char *path, size_t size)
{
    char text[8192];
    snprintf(text, sizeof(text), "base: %s\n%s", base, body);
    return write_file(name, text, path, size);
}

/* Loading fails with UPSCALE_ERR_INPUT and a message containing want. */
static void check_bad(const char *what, const char *body, const char *want)
{
    char path[4200];
    upscale_sweep *s = NULL;
    upscale_err e = upscale_sweep_load(sweep("bad.yaml", body, path, sizeof(path)), &s);
    if (!e) e = upscale_sweep_validate(s);
    const char *msg = upscale_error_message();
    CHECK(e == UPSCALE_ERR_INPUT && strstr(msg, want) && !strchr(msg, '\n'),
          "%s: one-line input error containing '%s' (got %d: %s)", what, want, (int)e, msg);
    upscale_sweep_destroy(&s);
    upscale_error_clear();
}

int main(void)
{
    /* The base case by absolute path (sweep files live in a temporary directory). */
    char cwd[1024];
    const char *src = getenv("UPSCALE_SOURCE_DIR");
    if (!src) src = getcwd(cwd, sizeof(cwd)) ? cwd : ".";
    snprintf(base, sizeof(base), "%s/cases/validation/newman_licoo2_graphite_1C.yaml", src);
    if (!mkdtemp(dir)) {
        printf("FAIL: cannot create a temporary directory\n");
        return 1;
    }
    char path[4200], results[4096];

    /* Grid: first key slowest; list x grid: list outermost; set first in the options. */
    upscale_sweep *s = NULL;
    CHECK_OK(upscale_sweep_load(sweep("grid.yaml",
                                      "set: {numerics.rtol: 5e-3, output.fields: false}\n"
                                      "grid:\n"
                                      "  positive.thickness: [150 um, 183 um]\n"
                                      "  protocol.0.c_rate: [0.5, 1, 2]\n",
                                      path, sizeof(path)),
                                &s));
    if (!s) return CHECK_DONE();
    CHECK(upscale_sweep_count(s) == 6, "2 x 3 grid has 6 points (got %d)", upscale_sweep_count(s));
    CHECK(upscale_sweep_nkeys(s) == 2 && !strcmp(upscale_sweep_key(s, 0), "positive.thickness") &&
              !strcmp(upscale_sweep_key(s, 1), "protocol.0.c_rate"),
          "keys in file order");
    CHECK(!strcmp(upscale_sweep_value(s, 0, 0), "150 um") &&
              !strcmp(upscale_sweep_value(s, 1, 1), "1") &&
              !strcmp(upscale_sweep_value(s, 3, 0), "183 um") &&
              !strcmp(upscale_sweep_value(s, 5, 1), "2"),
          "first key varies slowest, last fastest");
    upscale_run_options opt;
    upscale_sweep_point_options(s, 4, &opt);
    CHECK(opt.noverrides == 4 && !strcmp(opt.overrides[0], "numerics.rtol=5e-3") &&
              !strcmp(opt.overrides[2], "positive.thickness=183 um") &&
              !strcmp(opt.overrides[3], "protocol.0.c_rate=1") && !strcmp(opt.case_path, base),
          "point 4: set overrides first, then the point's (%d: %s ...)", opt.noverrides,
          opt.noverrides ? opt.overrides[0] : "");
    CHECK(strstr(upscale_sweep_definition(s),
                 "point 5: positive.thickness=183 um; protocol.0.c_rate=2\n") != NULL,
          "canonical definition lists every point");
    CHECK(strlen(upscale_sweep_hash(s)) == 16, "hash has 16 hex digits (%s)",
          upscale_sweep_hash(s));
    CHECK(!strcmp(upscale_sweep_name(s), "grid"), "name defaults to the file's stem (%s)",
          upscale_sweep_name(s));
    CHECK_OK(upscale_sweep_validate(s));
    CHECK_CLOSE(upscale_sweep_si_value(s, 3, 0), 183e-6, 1e-12, 0, "SI thickness of point 3");
    CHECK(!strcmp(upscale_sweep_si_unit(s, 0), "m") && !strcmp(upscale_sweep_si_unit(s, 1), "1"),
          "SI units m and 1 (%s, %s)", upscale_sweep_si_unit(s, 0), upscale_sweep_si_unit(s, 1));
    upscale_sweep_point_path(s, "out/res.h5", 7, path, sizeof(path));
    CHECK(!strcmp(path, "out/res_points/0007.h5"), "point file name (%s)", path);

    /* The same text elsewhere gives the same hash; one value changed gives another. */
    char hash[17];
    snprintf(hash, sizeof(hash), "%s", upscale_sweep_hash(s));
    upscale_sweep *t = NULL;
    CHECK_OK(upscale_sweep_load(sweep("copy.yaml",
                                      "set: {numerics.rtol: 5e-3, output.fields: false}\n"
                                      "grid:\n"
                                      "  positive: {thickness: [150 um, 183 um]}\n"
                                      "  protocol.0.c_rate: [0.5, 1, 2]\n",
                                      path, sizeof(path)),
                                &t));
    CHECK(t && !strcmp(upscale_sweep_hash(t), hash), "nested keys give the same definition");
    upscale_sweep_destroy(&t);
    CHECK_OK(upscale_sweep_load(sweep("other.yaml",
                                      "set: {numerics.rtol: 5e-3, output.fields: false}\n"
                                      "grid:\n"
                                      "  positive.thickness: [150 um, 184 um]\n"
                                      "  protocol.0.c_rate: [0.5, 1, 2]\n",
                                      path, sizeof(path)),
                                &t));
    CHECK(t && strcmp(upscale_sweep_hash(t), hash), "another value gives another hash");

    /* Results file: created, rows appended, reopened with points marked done, refused for
     * the other sweep with a message naming the first difference. */
    snprintf(results, sizeof(results), "%s/res.h5", dir);
    int done[6], session = 0;
    CHECK_OK(upscale_sweep_results_open(s, results, "test", done, &session));
    CHECK(session == 1, "a new results file starts session 1 (got %d)", session);
    upscale_sweep_record rec[2] = {{.point = 4, .status = 0, .session = 1},
                                   {.point = 1, .status = 3, .session = 1}};
    snprintf(rec[0].message, sizeof(rec[0].message), "complete");
    snprintf(rec[1].message, sizeof(rec[1].message), "incomplete: test failure");
    rec[0].run.capacity = 12.5;
    CHECK_OK(upscale_sweep_results_append(s, results, rec, 2));
    CHECK_OK(upscale_sweep_results_open(s, results, "test", done, &session));
    CHECK(session == 2 && done[4] == 1 && done[1] == 2 && done[0] == 0 && done[5] == 0,
          "reopened: session 2, point 4 done, point 1 failed, the others to run");
    CHECK(access(results, F_OK) == 0, "results file in place after the commits");
    snprintf(path, sizeof(path), "%s.tmp", results);
    CHECK(access(path, F_OK) != 0, "no temporary file left");
    if (t) {
        CHECK_OK(upscale_sweep_validate(t));
        upscale_err e = upscale_sweep_results_open(t, results, "test", done, &session);
        const char *msg = upscale_error_message();
        CHECK(e == UPSCALE_ERR_INPUT && strstr(msg, "disagrees") && strstr(msg, "184 um") &&
                  !strchr(msg, '\n'),
              "another sweep is refused naming the difference: %s", msg);
        upscale_error_clear();
    }
    upscale_sweep_destroy(&t);
    upscale_sweep_destroy(&s);

    /* List x grid. */
    CHECK_OK(
        upscale_sweep_load(sweep("list.yaml",
                                 "list:\n"
                                 "  - {positive.thickness: 150 um, negative.thickness: 90 um}\n"
                                 "  - {positive.thickness: 183 um}\n"
                                 "grid: {protocol.0.c_rate: [0.5, 2]}\n",
                                 path, sizeof(path)),
                           &s));
    if (s) {
        CHECK(upscale_sweep_count(s) == 4 && upscale_sweep_nkeys(s) == 3,
              "2 list entries x 2 grid values = 4 points over 3 keys (got %d, %d)",
              upscale_sweep_count(s), upscale_sweep_nkeys(s));
        int kn = 0;
        while (kn < 3 && strcmp(upscale_sweep_key(s, kn), "negative.thickness"))
            kn++;
        CHECK(kn < 3 && !strcmp(upscale_sweep_value(s, 1, kn), "90 um") &&
                  !strcmp(upscale_sweep_value(s, 2, kn), ""),
              "a key a list entry does not set is left to the base case");
        CHECK_OK(upscale_sweep_validate(s));
        CHECK(kn < 3 && fabs(upscale_sweep_si_value(s, 2, kn) - 100e-6) < 1e-12,
              "its SI value is the base case's (%g m)",
              kn < 3 ? upscale_sweep_si_value(s, 2, kn) : NAN);
    }
    upscale_sweep_destroy(&s);

    /* Bad input: one line, the sweep file's line where there is one. */
    check_bad("empty range", "grid:\n  positive.thickness: []\n",
              "bad.yaml:3: grid.positive.thickness: empty range");
    check_bad("null range", "grid:\n  positive.thickness:\n", "empty range");
    check_bad("empty list", "list: []\n", "empty list");
    check_bad("unknown top-level key", "gird:\n  positive.thickness: [1 um]\n",
              "bad.yaml:3: gird: unknown key");
    check_bad("no grid or list", "set: {numerics.rtol: 1e-3}\n", "grid: and/or list:");
    check_bad("unknown parameter key", "grid:\n  positive.thicknes: [150 um]\n",
              "bad.yaml:3: positive.thicknes: unknown key (point 0)");
    check_bad("wrong unit", "grid:\n  positive.thickness: [150 um, 2 kg]\n",
              "bad.yaml:3: positive.thickness: expected a length");
    check_bad("key in set", "set:\n  numerics.rtoll: 1e-3\ngrid: {protocol.0.c_rate: [1]}\n",
              "bad.yaml:3: numerics.rtoll: unknown key");
    check_bad("key in grid and list",
              "grid: {positive.thickness: [150 um]}\nlist:\n  - {positive.thickness: 1 um}\n",
              "the key is in the grid too");
    check_bad("list entry not a mapping", "list: [3]\n", "expected a mapping");
    upscale_sweep *missing = NULL;
    upscale_err e = upscale_sweep_load(
        write_file("nobase.yaml", "grid: {protocol.0.c_rate: [1]}\n", path, sizeof(path)),
        &missing);
    CHECK(e == UPSCALE_ERR_INPUT && strstr(upscale_error_message(), "base: missing key"),
          "missing base: %s", upscale_error_message());
    upscale_sweep_destroy(&missing);

    char cmd[4300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) printf("note: could not remove %s\n", dir);
    return CHECK_DONE();
}
