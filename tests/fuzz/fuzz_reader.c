/* libFuzzer harness for the input readers: each build of this file (FUZZ_TARGET 1..6) writes
 * the fuzzer's bytes to a file and hands it to one reader.  A reader must return OK or an
 * error for any bytes; crashes, sanitizer reports, leaks and hangs are findings.
 *   1 YAML case file (upscale_params_load, every entry read back)
 *   2 CSV table (upscale_table_read)
 *   3 LAMMPS log (upscale_lammps_log_read)
 *   4 fix ave/time file (upscale_lammps_avetime_read)
 *   5 GCMC manifest (upscale_gcmc_manifest_read)
 *   6 sweep file (upscale_sweep_load)
 * Built only with -Dfuzz=true and clang (tests/fuzz/run.sh). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "upscale/error.h"
#include "upscale/gcmc.h"
#include "upscale/lammps.h"
#include "upscale/params.h"
#include "upscale/sweep.h"
#include "upscale/table.h"
#include "upscale/units.h"

static const char *const names[] = {"",        "case.yaml",    "table.csv", "log.lammps",
                                    "msd.dat", "manifest.csv", "sweep.yaml"};

/* The file the bytes go to: one directory per process. */
static const char *input_path(void)
{
    static char path[256];
    if (!path[0]) {
        char dir[] = "/tmp/upscale_fuzz.XXXXXX";
        if (!mkdtemp(dir)) abort();
        snprintf(path, sizeof(path), "%s/%s", dir, names[FUZZ_TARGET]);
    }
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = input_path();
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
#if FUZZ_TARGET == 1
    upscale_params *p = NULL;
    if (upscale_params_create(&p) == UPSCALE_OK) {
        if (upscale_params_load(p, path) == UPSCALE_OK) {
            size_t n = upscale_params_count(p), total = 0;
            for (size_t i = 0; i < n; i++) {
                upscale_params_entry e;
                upscale_params_get_entry(p, i, &e);
                total += strlen(e.key) + strlen(e.text) + (size_t)e.line;
            }
            (void)total;
            upscale_params_check_unused(p);
        }
        upscale_params_destroy(&p);
    }
#elif FUZZ_TARGET == 2
    static upscale_units *u;
    if (!u && upscale_units_create(NULL, &u)) abort();
    upscale_table *t = NULL;
    if (upscale_table_read(u, path, "mol/m^3", "m^2/s", &t) == UPSCALE_OK) {
        double lo, hi, x;
        upscale_table_range(t, &lo, &hi);
        upscale_table_domain(t, &lo, &hi);
        upscale_table_monotone(t, &x);
        upscale_table_eval(t, 0.5 * (lo + hi), &x);
        upscale_table_eval(t, hi + 1, &x);
    }
    upscale_table_destroy(&t);
#elif FUZZ_TARGET == 3
    upscale_lammps_log *log = NULL;
    upscale_lammps_log_read(path, &log);
    upscale_lammps_log_destroy(&log);
#elif FUZZ_TARGET == 4
    upscale_lammps_table *t = NULL;
    if (upscale_lammps_avetime_read(path, &t) == UPSCALE_OK)
        upscale_lammps_table_column(t, "c_msd[4]");
    upscale_lammps_table_destroy(&t);
#elif FUZZ_TARGET == 5
    upscale_gcmc_manifest *m = NULL;
    upscale_gcmc_manifest_read(path, &m);
    upscale_gcmc_manifest_destroy(&m);
#elif FUZZ_TARGET == 6
    upscale_sweep *s = NULL;
    upscale_sweep_load(path, &s);
    upscale_sweep_destroy(&s);
#endif
    upscale_error_clear();
    return 0;
}
