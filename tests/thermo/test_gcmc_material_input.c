/* `upscale import gcmc -o` on bad input writes no material file: a missing or truncated
 * window, an unknown site density, a single temperature, an unwritable directory; an
 * existing material file survives a failed run untouched and no temporary file is left.
 * Also SHA-256 (the provenance checksum) on the test vectors of FIPS 180-4 / NIST CSRC
 * examples.  The windows are a few of the bundled ones (params/mnfepba_gcmc/), referenced
 * by absolute path from manifests written here. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "upscale/sha256.h"
#include "upscale/gcmc.h"
#include "upscale/import_gcmc.h"

static char dir[] = "/tmp/upscale_gcmc_input.XXXXXX";
static char data[PATH_MAX];

static const char *path_of(const char *name)
{
    static char buf[4][PATH_MAX + 64];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
    return buf[k];
}

static void test_sha256(void)
{
    static const struct {
        const char *msg, *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    char hex[65];
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        upscale_sha256 c;
        upscale_sha256_init(&c);
        upscale_sha256_update(&c, v[i].msg, strlen(v[i].msg));
        upscale_sha256_final(&c, hex);
        CHECK(!strcmp(hex, v[i].hex), "SHA-256 of \"%.10s...\" (%zu bytes): %s", v[i].msg,
              strlen(v[i].msg), hex);
    }
    /* one million 'a' fed in uneven pieces */
    upscale_sha256 c;
    upscale_sha256_init(&c);
    char a[997];
    memset(a, 'a', sizeof(a));
    size_t left = 1000000;
    while (left > 0) {
        size_t n = left < sizeof(a) ? left : sizeof(a);
        upscale_sha256_update(&c, a, n);
        left -= n;
    }
    upscale_sha256_final(&c, hex);
    CHECK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
          "SHA-256 of a million 'a' in pieces of 997: %s", hex);
    long long bytes = 0;
    FILE *f = fopen(path_of("abc"), "w");
    if (f) fputs("abc", f), fclose(f);
    CHECK(upscale_sha256_file(path_of("abc"), hex, &bytes) == UPSCALE_OK && bytes == 3 &&
              !strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
          "SHA-256 and size of a file");
    CHECK(upscale_sha256_file(path_of("missing"), hex, &bytes) == UPSCALE_ERR_IO,
          "a missing file is an I/O error");
    upscale_error_clear();
}

/* A manifest of the bundled windows at the given temperatures, every `step`-th target;
 * `header` replaces the settings lines; `bad` (if not NULL) replaces the first window. */
static void write_manifest(const char *name, const char *header, const int *temps, int ntemps,
                           int step, const char *bad)
{
    FILE *f = fopen(path_of(name), "w");
    if (!f) {
        CHECK(0, "cannot write %s", path_of(name));
        return;
    }
    fputs(header, f);
    fputs("window_file,temperature_K,N_target,phi,mu_bias\n", f);
    FILE *m = fopen("params/mnfepba_gcmc/manifest.csv", "r");
    char line[512];
    int row = 0, first = 1;
    while (m && fgets(line, sizeof(line), m)) {
        char file[256];
        int T, Nt;
        double phi, mu;
        if (sscanf(line, "T%*d/%255[^,],%d,%d,%lf,%lf", file, &T, &Nt, &phi, &mu) != 5) continue;
        int keep = 0;
        for (int k = 0; k < ntemps; k++)
            keep |= T == temps[k];
        if (!keep || row++ % step) continue;
        if (bad && first)
            fprintf(f, "%s,%d,%d,%g,%.2f\n", bad, T, Nt, phi, mu);
        else
            fprintf(f, "%s/T%d/%s,%d,%d,%g,%.2f\n", data, T, file, T, Nt, phi, mu);
        first = 0;
    }
    if (m) fclose(m);
    fclose(f);
}

static int run(const char *manifest, const char *out, const char *extra)
{
    char *argv[8] = {"gcmc", (char *)path_of(manifest), "-o", (char *)out, "--bootstrap", "20"};
    int argc = 6;
    if (extra) argv[argc++] = (char *)extra;
    fflush(stdout);
    int saved = dup(1);
    FILE *null = fopen("/dev/null", "w");
    if (null) dup2(fileno(null), 1);
    int status = upscale_import_gcmc_main(argc, argv);
    fflush(stdout);
    if (saved >= 0) dup2(saved, 1), close(saved);
    if (null) fclose(null);
    return status;
}

/* Files in the scratch directory whose name contains `part`. */
static int count_files(const char *part)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, part) != NULL;
    if (d) closedir(d);
    return n;
}

static void test_bad_input(void)
{
    static const char settings[] = "# energy_unit: eV\n# formula_units: 2048\n"
                                   "# sites_per_formula_unit: 2\n# volume: 5.12e-25 m^3\n"
                                   "# N_column: N\n";
    static const char no_volume[] = "# energy_unit: eV\n# formula_units: 2048\n"
                                    "# sites_per_formula_unit: 2\n# N_column: N\n";
    const int two[2] = {500, 600}, one[1] = {600};
    write_manifest("good.csv", settings, two, 2, 2, NULL);
    write_manifest("missing.csv", settings, two, 2, 2, "no_such_window.dat");
    FILE *t = fopen(path_of("truncated.dat"), "w");
    if (t) {
        fprintf(t, "# step N\n");
        for (int i = 0; i < 300; i++)
            fprintf(t, "%d %d\n", 8 * (i + 1), 2000 + (i % 5));
        fprintf(t, "2408\n"); /* the run died while writing its last row */
        fclose(t);
    }
    write_manifest("truncated.csv", settings, two, 2, 2, path_of("truncated.dat"));
    write_manifest("no_volume.csv", no_volume, two, 2, 2, NULL);
    write_manifest("one_T.csv", settings, one, 1, 1, NULL);

    char out[PATH_MAX + 64], fresh[PATH_MAX + 64];
    snprintf(out, sizeof(out), "%s", path_of("material.yaml"));
    snprintf(fresh, sizeof(fresh), "%s", path_of("fresh.yaml"));
    CHECK(run("good.csv", out, NULL) == 0 && access(out, R_OK) == 0,
          "good manifest (41 windows at 500 and 600 K): exit 0 and a material file");
    FILE *f = fopen(out, "r");
    char before[256] = "";
    if (f) {
        if (!fgets(before, sizeof(before), f)) before[0] = '\0';
        fclose(f);
    }
    static const struct {
        const char *manifest, *extra, *what;
        int status;
    } bad[] = {
        {"missing.csv", NULL, "a missing window file", 2},
        {"truncated.csv", NULL, "a window file with a short last row", 2},
        {"no_volume.csv", NULL, "no volume and no --site-density", 2},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int s1 = run(bad[i].manifest, fresh, bad[i].extra);
        int s2 = run(bad[i].manifest, out, bad[i].extra);
        upscale_error_clear();
        char now[256] = "";
        f = fopen(out, "r");
        if (f) {
            if (!fgets(now, sizeof(now), f)) now[0] = '\0';
            fclose(f);
        }
        CHECK(s1 == bad[i].status && s2 == bad[i].status && access(fresh, F_OK) != 0 && before[0] &&
                  !strcmp(before, now) && count_files(".tmp.") == 0,
              "%s: exit %d (got %d, %d), no material file written, the existing one "
              "untouched, no temporary file left",
              bad[i].what, bad[i].status, s1, s2);
    }
    /* one temperature: no Redlich-Kister fit in T, mu_table files instead */
    char onepath[PATH_MAX + 64], onetab[PATH_MAX + 64];
    snprintf(onepath, sizeof(onepath), "%s", path_of("one.yaml"));
    int s1 = run("one_T.csv", onepath, NULL);
    char text[4096] = "";
    f = fopen(onepath, "r");
    if (f) {
        size_t nr = fread(text, 1, sizeof(text) - 1, f);
        text[nr] = '\0';
        fclose(f);
    }
    const char *tab = strstr(text, "file: one_mu_");
    int ok = tab && sscanf(tab, "file: %200[^}]", onetab) == 1;
    char tpath[PATH_MAX + 300];
    snprintf(tpath, sizeof(tpath), "%s", ok ? path_of(onetab) : "");
    CHECK(s1 == 0 && strstr(text, "ideal_sites: true") && ok && access(tpath, R_OK) == 0 &&
              count_files(".tmp.") == 0,
          "one temperature: exit %d, a mu_table material with its table %s", s1,
          ok ? onetab : "(none)");
    /* after a good analysis: a directory that does not exist is an I/O error */
    CHECK(run("good.csv", path_of("no_dir/material.yaml"), NULL) == 4 && count_files(".tmp.") == 0,
          "-o into a missing directory: exit 4, nothing left behind");
    upscale_error_clear();
    char *argv[] = {"gcmc", (char *)path_of("good.csv"), "-o", (char *)out, "--bootstrap", "0"};
    CHECK(upscale_import_gcmc_main(6, argv) == 2, "-o with --bootstrap 0: exit 2");
    char *argv2[] = {"gcmc", (char *)path_of("good.csv"), "--site-density", "4e27"};
    CHECK(upscale_import_gcmc_main(4, argv2) == 2, "--site-density without -o: exit 2");
}

static void cleanup(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlink(path_of(e->d_name));
    if (d) closedir(d);
    rmdir(dir);
}

int main(void)
{
    char cwd[PATH_MAX - 32];
    if (!mkdtemp(dir) || !getcwd(cwd, sizeof(cwd))) {
        CHECK(0, "scratch directory and params/mnfepba_gcmc");
        return CHECK_DONE();
    }
    snprintf(data, sizeof(data), "%s/params/mnfepba_gcmc", cwd);
    test_sha256();
    test_bad_input();
    cleanup();
    return CHECK_DONE();
}
