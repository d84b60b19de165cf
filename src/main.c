/* upscale: command-line entry point.  Serial commands never start MPI or PETSc; the
 * sweep command (its own issue) and runs of cases with 2D particles run in separate
 * executables (upscale-sweep, upscale-particle2d). */
/* glibc's mallopt (malloc.h) and Linux's madvise (sys/mman.h): heap_on_huge_pages. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "upscale/function.h"
#include "upscale/import.h"
#include "upscale/import_gcmc.h"
#include "upscale/model.h"
#include "upscale/rates.h"
#include "upscale/run.h"
#include "upscale/strbuf.h"
#include "upscale/xdmf.h"
#include "upscale_version.h"

static const char usage[] =
    "usage: upscale run CASE [-o OUT.h5] [--force] [--set key=value]... [-q]\n"
    "       upscale bench CASE [--repeat N] [--set key=value]...\n"
    "       upscale rates CASE --crates 0.1,0.2,0.5,1,2 [-o OUT.h5] [--set key=value]... [-q]\n"
    "       [mpiexec -n P] upscale sweep SWEEP_FILE [-o RESULTS.h5] [-q]\n"
    "       upscale export-xdmf OUT.h5\n"
    "       upscale import msd FILE... [--temperatures T,...] [--units lj|metal|real|si]\n"
    "                  [--csv FILE] ...\n"
    "       upscale import excess TABLE.csv [--csv FILE]\n"
    "       upscale import gcmc MANIFEST.csv [--sites N] [--bootstrap 200] [--seed S]\n"
    "                  [-o MATERIAL.yaml --sites-per-fu 2 --site-density N_PER_M3]\n"
    "       upscale gcmc-lattice --L 64 --T 0.8 --out DIR [--seed S]\n"
    "       upscale formulas\n"
    "       upscale --help | --version\n"
    "\n"
    "  run      run a case file (cases/*.yaml) and write one HDF5 file (default: the case\n"
    "           name with .h5 in the current directory).  A progress line is shown on a\n"
    "           terminal.  --set overrides any parameter, e.g.\n"
    "           --set positive.particle_radius=2um --set protocol.0.c_rate=2\n"
    "  bench    run a case N times (default 10) in this process without writing output and\n"
    "           print the median wall time, steps, Newton iterations and the tolerance\n"
    "  rates    run a case at several C-rates (the first current step's rate; 1C from the\n"
    "           theoretical capacity) into one HDF5 file, one group per rate (/rate_1C/...)\n"
    "           and a /summary table, also printed (default file: CASE_rates.h5)\n"
    "  sweep    run every point of a sweep file (a grid and/or list over any keys,\n"
    "           docs/sweeps.md) on MPI ranks, appending each point's summary to one\n"
    "           results file; the same command again resumes.  Runs upscale-sweep\n"
    "  export-xdmf  write OUT.xdmf next to OUT.h5: the particle concentration c(x, r, t)\n"
    "           per electrode and the electrolyte fields c(x, t) for ParaView\n"
    "  import   bring atomistic results in: `msd` gives D (Einstein relation, eq. 1-2) per\n"
    "           file and the Arrhenius fit (eq. 3) with a change-of-slope test; `excess`\n"
    "           gives the interfacial and strain energy of two-phase supercells (eq. 4-5);\n"
    "           `upscale import msd --help` lists the options\n"
    "  formulas list the material formulas built into the registry\n"
    "\n"
    "exit status: 0 success, 2 bad input, 3 solver failure (partial results written),\n"
    "             4 I/O error (also an output path that cannot or must not be written),\n"
    "             130 / 143 interrupted by SIGINT / SIGTERM (partial results written)\n";

/* Each command's own usage (`upscale COMMAND --help`). */
static const char usage_run[] =
    "usage: upscale run CASE [-o OUT.h5] [--force] [--set key=value]... [-q]\n"
    "\n"
    "Run a case file (cases/*.yaml, docs/params.md) and write one HDF5 file.  A case with\n"
    "positive.particle_dimension: 2 runs in the program upscale-particle2d (PETSc).\n"
    "  -o OUT.h5         output file (default: the case name with .h5 in the current\n"
    "                    directory), checked before the solve\n"
    "  --force           replace a read-only output file\n"
    "  --set key=value   override any parameter of the case, e.g.\n"
    "                    --set positive.particle_radius=2um --set protocol.0.c_rate=2\n"
    "                    (repeatable; also --set=key=value)\n"
    "  -q                quiet: no progress line and no summary line\n"
    "  -h, --help        this text\n"
    "\n"
    "Ctrl-C (SIGINT) or SIGTERM stops at the next time step and writes what was computed,\n"
    "status \"interrupted: ...\".\n"
    "\n"
    "exit status: 0 success, 2 bad input (nothing written), 3 solver failure (partial\n"
    "             results written, marked incomplete), 4 I/O error (also an output path\n"
    "             that cannot or must not be written), 130 / 143 interrupted\n";
static const char usage_bench[] =
    "usage: upscale bench CASE [--repeat N] [--set key=value]...\n"
    "\n"
    "Run a case N times in this process without writing output and print the median wall\n"
    "time, steps, Newton iterations, the tolerance and the cost of one residual and one\n"
    "Jacobian evaluation.\n"
    "  --repeat N        number of runs, an integer from 1 to 100000 (default 10)\n"
    "  --set key=value   override any parameter of the case (repeatable)\n"
    "  -h, --help        this text\n"
    "\n"
    "exit status: 0 success, 2 bad input, 3 solver failure, 4 I/O error\n";
static const char usage_rates[] =
    "usage: upscale rates CASE --crates 0.1,0.2,0.5,1,2 [-o OUT.h5] [--force] [--set k=v]... [-q]\n"
    "\n"
    "Run a case at several C-rates (the first current step's rate; 1C from the theoretical\n"
    "capacity) into one HDF5 file, one group per rate (/rate_1C/...) and a /summary table,\n"
    "also printed (docs/sweeps.md).\n"
    "  --crates LIST     comma-separated C-rates > 0 (at most 256)\n"
    "  -o OUT.h5         output file (default: CASE_rates.h5 in the current directory)\n"
    "  --force           replace a read-only output file\n"
    "  --set key=value   override any parameter of the case (repeatable)\n"
    "  -q                quiet: no progress and no table\n"
    "  -h, --help        this text\n"
    "\n"
    "exit status: 0 success, 2 bad input, 3 a rate's solver failed (kept in the file),\n"
    "             4 I/O error, 130 / 143 interrupted (the rates so far kept)\n";
static const char usage_export_xdmf[] =
    "usage: upscale export-xdmf OUT.h5\n"
    "\n"
    "Write OUT.xdmf next to OUT.h5 (a file of upscale run): the particle concentration\n"
    "c(x, r, t) per electrode and the electrolyte fields c(x, t) as time series for ParaView;\n"
    "with 2D particles (positive.particle_dimension: 2) their c on the (r, theta) cells (and mu\n"
    "for a single particle), in a cell one particle per positive node with its surface flux.\n"
    "  -h, --help        this text\n"
    "\n"
    "exit status: 0 success, 2 bad input, 4 I/O error\n";
static const char usage_formulas[] =
    "usage: upscale formulas\n"
    "\n"
    "List the material formulas built into the registry (use them as `formula NAME` in a\n"
    "case file): name, x unit, y unit and source.\n"
    "  -h, --help        this text\n";
static const char usage_import[] =
    "usage: upscale import msd FILE... [options]      D per file (Einstein relation, eq. 1-2)\n"
    "                                                  and the Arrhenius fit (eq. 3)\n"
    "       upscale import excess TABLE.csv [options] interfacial and strain energy of\n"
    "                                                  two-phase supercells (eq. 4-5)\n"
    "       upscale import gcmc MANIFEST.csv [options] mu(N) from biased GCMC windows and a\n"
    "                                                  material file\n"
    "\n"
    "Bring atomistic (LAMMPS) results into the continuum model.\n"
    "`upscale import SUBCOMMAND --help` lists a subcommand's options.\n"
    "  -h, --help        this text\n";

typedef struct {
    const char *cmd, *case_path, *out, *crates;
    const char **sets;
    int nsets, repeat, quiet, force;
} cli;

static int is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h");
}

/* Options of run, bench and rates: each command takes only its own (one space-separated
 * list per command).  Returns 0 to go on, 1 after printing the usage (exit 0), 2 after
 * printing one line about the mistake. */
static int parse(int argc, char **argv, const char *options, const char *usage_cmd, cli *c)
{
    c->repeat = 10;
    c->sets = calloc((size_t)argc, sizeof(char *));
    if (!c->sets) {
        fprintf(stderr, "upscale: out of memory\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        char name[64];
        const char *eq = !strncmp(a, "--set=", 6) ? a + 5 : NULL;
        snprintf(name, sizeof(name), " %.*s ", eq ? 5 : 60, a);
        if (is_help(a)) {
            fputs(usage_cmd, stdout);
            return 1;
        }
        if (a[0] == '-' && a[1] && !strstr(options, name)) {
            fprintf(stderr, "upscale: %s: unknown option '%s' (upscale %s --help lists them)\n",
                    c->cmd, a, c->cmd);
            return 2;
        }
        if (eq) {
            c->sets[c->nsets++] = eq + 1;
            continue;
        }
        if (!strcmp(a, "-q")) {
            c->quiet = 1;
            continue;
        }
        if (!strcmp(a, "--force")) {
            c->force = 1;
            continue;
        }
        if (a[0] != '-' || !a[1]) {
            if (c->case_path) {
                fprintf(stderr, "upscale: %s: unexpected argument '%s' (one CASE file)\n", c->cmd,
                        a);
                return 2;
            }
            c->case_path = a;
            continue;
        }
        /* the options with a value */
        if (i + 1 >= argc) {
            fprintf(stderr, "upscale: %s: option %s needs a value\n", c->cmd, a);
            return 2;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "-o"))
            c->out = v;
        else if (!strcmp(a, "--set"))
            c->sets[c->nsets++] = v;
        else if (!strcmp(a, "--crates"))
            c->crates = v;
        else { /* --repeat */
            char *end;
            errno = 0;
            long n = strtol(v, &end, 10);
            if (end == v || *end || errno || n < 1 || n > 100000) {
                fprintf(stderr,
                        "upscale: %s: --repeat '%s': expected an integer from 1 to 100000\n",
                        c->cmd, v);
                return 2;
            }
            c->repeat = (int)n;
        }
    }
    if (!c->case_path) {
        fprintf(stderr, "upscale: %s needs a CASE file (upscale %s --help)\n", c->cmd, c->cmd);
        return 2;
    }
    return 0;
}

/* Default output: basename of the case without extension, plus .h5. */
static void default_output(const char *case_path, char *out, size_t size)
{
    const char *b = strrchr(case_path, '/');
    b = b ? b + 1 : case_path;
    snprintf(out, size, "%s", b);
    char *dot = strrchr(out, '.');
    if (dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml"))) *dot = '\0';
    strncat(out, ".h5", size - strlen(out) - 1);
}

static int exit_code(upscale_err e)
{
    if (e == UPSCALE_ERR_INTERRUPTED) return 128 + upscale_run_interrupted();
    return e == UPSCALE_ERR_INPUT ? 2 : (e == UPSCALE_ERR_SOLVER ? 3 : (e ? 4 : 0));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Cost of one residual and one Jacobian evaluation at the 1C starting state. */
static int time_kernels(const upscale_run_options *opt)
{
    upscale_params *p = NULL;
    upscale_model *m = NULL;
    if (upscale_run_load_params(opt, &p) || upscale_model_create(p, &m)) {
        upscale_error_print(stderr, 0);
        upscale_params_destroy(&p);
        return 4;
    }
    const upscale_layout *L = m->layout;
    double *y = calloc(L->n, sizeof(double)), *yp = calloc(L->n, sizeof(double));
    double *r = calloc(L->n, sizeof(double)), *v = calloc(L->nnz, sizeof(double));
    upscale_model_rest_state(m, y, yp);
    upscale_model_guess_algebraic(m, m->scale[L->I], y);
    const int reps = 2000;
    double t0 = now();
    for (int i = 0; i < reps; i++)
        upscale_model_residual(m, 0.0, y, yp, r);
    double t1 = now();
    for (int i = 0; i < reps; i++)
        upscale_model_jacobian(m, 0.0, 1.0, y, yp, v);
    double t2 = now();
    printf("unknowns        %d (Jacobian non-zeros %d)\n", L->n, L->nnz);
    printf("residual        %.2f us per evaluation\n", 1e6 * (t1 - t0) / reps);
    printf("jacobian        %.2f us per evaluation\n", 1e6 * (t2 - t1) / reps);
    free(y), free(yp), free(r), free(v);
    upscale_model_destroy(&m);
    upscale_params_destroy(&p);
    return 0;
}

static int cmd_bench(const cli *c)
{
    upscale_run_options opt = {
        .case_path = c->case_path, .overrides = c->sets, .noverrides = c->nsets};
    int n = c->repeat;
    double *w = malloc(sizeof(double) * (size_t)n);
    if (!w) {
        fprintf(stderr, "upscale: out of memory (%d repeats)\n", n);
        return 4;
    }
    upscale_run_result res;
    for (int i = 0; i < n; i++) {
        double t0 = now();
        upscale_err e = upscale_run(&opt, &res);
        w[i] = now() - t0;
        if (e) {
            upscale_error_print(stderr, 0);
            free(w);
            return exit_code(e);
        }
    }
    qsort(w, n, sizeof(double), cmp_double);
    printf("case            %s\n", c->case_path);
    printf("repeats         %d\n", n);
    printf("median wall     %.3f ms (min %.3f, max %.3f)\n", 1e3 * w[n / 2], 1e3 * w[0],
           1e3 * w[n - 1]);
    printf("rtol            %g\n", res.rtol);
    printf("steps           %ld\n", res.stats.steps);
    printf("newton iters    %ld\n", res.stats.newton_iters);
    printf("residual evals  %ld\n", res.stats.residual_evals);
    printf("jacobian evals  %ld\n", res.stats.jacobian_evals);
    printf("newton fails    %ld\n", res.stats.newton_fails);
    printf("error test fails %ld\n", res.stats.error_test_fails);
    printf("steps by order  ");
    for (int q = 0; q < 5; q++)
        printf(" %d: %ld", q + 1, res.stats.order[q]);
    printf("\nlargest error   ");
    for (int k = 0; k < UPSCALE_KIND_COUNT; k++)
        if (res.stats.limiter[k]) printf(" %s %ld", upscale_kind_names[k], res.stats.limiter[k]);
    printf("\n");
    printf("capacity        %.6f Ah/m^2\n", res.capacity);
    printf("final voltage   %.6f V\n", res.final_voltage);
    printf("per step        %.1f us\n", 1e6 * w[n / 2] / (res.stats.steps ? res.stats.steps : 1));
    free(w);
    return time_kernels(&opt);
}

/* Run the program `name` found next to this one (installed, and in the build tree) in this
 * process, with the argument vector args (NULL-terminated; args[0] is replaced by its path):
 * `upscale sweep ...` becomes upscale-sweep (MPI), `upscale run` of a case with 2D particles
 * upscale-particle2d (PETSc). */
#ifdef UPSCALE_MPI
#include <mpi.h>

/* upscale-mpi: this file built with MPI for `mpiexec -n P upscale run` (the one place the
 * upscale_comm of the library meets MPI). */
static int allgatherv(void *ctx, const double *send, int n, double *recv, const int *counts,
                      const int *displs)
{
    (void)ctx;
    return MPI_Allgatherv(send, n, MPI_DOUBLE, recv, counts, displs, MPI_DOUBLE, MPI_COMM_WORLD) !=
           MPI_SUCCESS;
}

static int mpi_comm(upscale_comm *c)
{
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS) {
        fprintf(stderr, "upscale: MPI_Init failed\n");
        return 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &c->size);
    c->allgatherv = allgatherv;
    c->ctx = NULL;
    return 0;
}
#else
/* The ranks of the mpiexec that started this process (Open MPI, or a PMI launcher), 1 if
 * none: a serial start never initialises MPI. */
static int mpi_ranks(void)
{
    const char *v = getenv("OMPI_COMM_WORLD_SIZE");
    if (!v) v = getenv("PMI_SIZE");
    return v ? atoi(v) : 1;
}
#endif

static int exec_beside(const char *name, const char *cmd, char **args)
{
    char dir[4096], path[4200];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
    if (n <= 0) {
        fprintf(stderr, "upscale: cannot find this program (/proc/self/exe): %s\n",
                strerror(errno));
        return 4;
    }
    dir[n] = '\0';
    *strrchr(dir, '/') = '\0';
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (access(path, X_OK) == 0) {
        args[0] = path;
        execv(path, args);
        fprintf(stderr, "upscale: cannot run '%s': %s\n", path, strerror(errno));
        return 4;
    }
    fprintf(stderr, "upscale: %s needs the program %s next to upscale (in %s)\n", cmd, name, dir);
    return 4;
}

static int cmd_export_xdmf(int argc, char **argv)
{
    if (argc >= 3 && is_help(argv[2])) {
        fputs(usage_export_xdmf, stdout);
        return 0;
    }
    if (argc != 3 || argv[2][0] == '-') {
        fprintf(stderr, "upscale: export-xdmf: expected one argument, OUT.h5 (upscale "
                        "export-xdmf --help)\n");
        return 2;
    }
    upscale_err e = upscale_xdmf_write(argv[2], NULL);
    if (e) {
        upscale_error_print(stderr, getenv("UPSCALE_TRACE") != NULL);
        return exit_code(e);
    }
    size_t len = strlen(argv[2]);
    if (len > 3 && !strcmp(argv[2] + len - 3, ".h5")) len -= 3;
    printf("%.*s.xdmf: the fields of %s as time series (open it in ParaView)\n", (int)len, argv[2],
           argv[2]);
    return 0;
}

static int cmd_rates(const cli *c, int argc, char **argv)
{
    if (!c->crates) {
        fprintf(stderr, "upscale: rates needs --crates, e.g. --crates 0.1,0.2,0.5,1,2\n");
        return 2;
    }
    double rates[256];
    int n = 0;
    for (const char *p = c->crates; *p;) {
        char *end;
        double x = strtod(p, &end);
        if (end == p || (*end && *end != ',') || !(x > 0) || !isfinite(x) || n == 256) {
            fprintf(stderr,
                    "upscale: --crates %s: expected a comma-separated list of C-rates > 0 "
                    "(at most 256)\n",
                    c->crates);
            return 2;
        }
        rates[n++] = x;
        p = *end ? end + 1 : end;
    }
    if (n == 0) {
        fprintf(stderr, "upscale: --crates '': expected a comma-separated list of C-rates > 0, "
                        "e.g. --crates 0.1,0.2,0.5,1,2\n");
        return 2;
    }
    char out[4096], *cmdline = NULL;
    if (c->out) {
        snprintf(out, sizeof(out), "%s", c->out);
    } else {
        default_output(c->case_path, out, sizeof(out));
        snprintf(out + strlen(out) - 3, sizeof(out) - strlen(out) + 3, "_rates.h5");
    }
    if (upscale_strbuf_join_args(argc, argv, &cmdline)) {
        upscale_error_print(stderr, 0);
        return 4;
    }
    upscale_rates_options opt = {.case_path = c->case_path,
                                 .output_path = out,
                                 .overrides = c->sets,
                                 .noverrides = c->nsets,
                                 .c_rates = rates,
                                 .n = n,
                                 .command_line = cmdline,
                                 .progress = !c->quiet,
                                 .force = c->force};
    upscale_rates_point *pts = calloc(n, sizeof(*pts));
    if (!pts) {
        free(cmdline);
        fprintf(stderr, "upscale: out of memory\n");
        return 4;
    }
    double q1c = NAN;
    upscale_run_catch_signals();
    upscale_err e = upscale_rates_run(&opt, pts, &q1c);
    if (e && e != UPSCALE_ERR_SOLVER && e != UPSCALE_ERR_INTERRUPTED) {
        upscale_error_print(stderr, getenv("UPSCALE_TRACE") != NULL);
        free(pts);
        free(cmdline);
        return exit_code(e);
    }
    if (!c->quiet) {
        upscale_rates_print(stdout, &opt, pts, q1c);
        printf("written to %s\n", out);
    }
    if (e) upscale_error_print(stderr, 0);
    free(pts);
    free(cmdline);
    return exit_code(e);
}

static int cmd_formulas(int argc, char **argv)
{
    if (argc >= 3 && is_help(argv[2])) {
        fputs(usage_formulas, stdout);
        return 0;
    }
    if (argc > 2) {
        fprintf(stderr, "upscale: formulas: unexpected argument '%s' (it takes none)\n", argv[2]);
        return 2;
    }
    size_t n;
    const upscale_formula *f = upscale_formula_list(&n);
    for (size_t i = 0; i < n; i++)
        printf("%-40s [%s] -> [%s]  %s\n", f[i].name, f[i].x_unit, f[i].y_unit, f[i].citation);
    return 0;
}

/* `upscale import SUBCOMMAND ...`: the bridge's subcommands parse their own arguments. */
static int cmd_import(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "upscale: import needs a subcommand: msd, excess or gcmc (upscale import "
                        "--help)\n");
        return 2;
    }
    if (is_help(argv[2])) {
        fputs(usage_import, stdout);
        return 0;
    }
    if (!strcmp(argv[2], "msd") || !strcmp(argv[2], "excess"))
        return upscale_import_transport_main(argc - 1, argv + 1);
    if (!strcmp(argv[2], "gcmc")) return upscale_import_gcmc_main(argc - 2, argv + 2);
    fprintf(stderr, "upscale: import: unknown subcommand '%s' (expected msd, excess or gcmc)\n",
            argv[2]);
    return 2;
}

/* run: one case, one output file. */
static int cmd_run(const cli *c, int argc, char **argv)
{
    char out[4096], *cmdline = NULL;
    if (c->out)
        snprintf(out, sizeof(out), "%s", c->out);
    else
        default_output(c->case_path, out, sizeof(out));
    if (upscale_strbuf_join_args(argc, argv, &cmdline)) {
        upscale_error_print(stderr, 0);
        return 4;
    }
    upscale_run_options opt = {.case_path = c->case_path,
                               .output_path = out,
                               .overrides = c->sets,
                               .noverrides = c->nsets,
                               .progress = !c->quiet,
                               .command_line = cmdline,
                               .force = c->force};
    upscale_run_result res;
    upscale_run_catch_signals();
#ifdef UPSCALE_MPI
    /* Every rank runs the same integration (the 2D particles' blocks spread over the ranks,
     * upscale/schur.h); rank 0 alone writes the file and speaks. */
    upscale_comm comm;
    if (mpi_comm(&comm)) return 4;
    opt.comm = &comm;
    if (comm.rank > 0) {
        opt.output_path = NULL;
        opt.progress = 0;
    }
    upscale_err e = upscale_run(&opt, &res);
    free(cmdline);
    if (e == UPSCALE_ERR_INPUT && res.particle_dimension == 2) {
        if (comm.rank == 0)
            fprintf(stderr, "upscale: a single 2D particle runs in one process (the program "
                            "upscale-particle2d); run it without mpiexec\n");
        return 2;
    }
    if (comm.rank > 0) return exit_code(e);
    if (comm.size > 1 && !res.particles_2d && (!e || e == UPSCALE_ERR_SOLVER))
        fprintf(stderr,
                "upscale: note: %d ranks, but only the 2D particles of a cell "
                "(positive.particle_dimension: 2) are spread over ranks; each rank ran this "
                "case whole\n",
                comm.size);
#else
    /* Under mpiexec with more than one rank: the MPI build of this program runs the case. */
    if (mpi_ranks() > 1) return exec_beside("upscale-mpi", "run", argv);
    upscale_err e = upscale_run(&opt, &res);
    free(cmdline);
#endif
    /* A 2D particle: the case was refused before anything was written; the PETSc program
     * runs it (the 1D runs never read the case twice nor load PETSc). */
    if (e == UPSCALE_ERR_INPUT && res.particle_dimension == 2)
        return exec_beside("upscale-particle2d", "run", argv);
    int partial = e == UPSCALE_ERR_SOLVER || e == UPSCALE_ERR_INTERRUPTED;
    if ((!e || partial) && res.warnings[0]) fprintf(stderr, "upscale: warning: %s\n", res.warnings);
    if ((!e || partial) && res.notes[0] && !c->quiet)
        fprintf(stderr, "upscale: note: %s\n", res.notes);
    if (e && !partial) {
        upscale_error_print(stderr, getenv("UPSCALE_TRACE") != NULL);
        return exit_code(e);
    }
    if (e) upscale_error_print(stderr, 0);
    if (!c->quiet)
        printf("%s: %s, capacity %.4f Ah/m^2, final voltage %.4f V, %ld steps\n", out, res.status,
               res.capacity, res.final_voltage, res.stats.steps);
    return exit_code(e);
}

/* The heap on a transparent huge page.  A fast run touches about 1.5 MB of fresh heap (HDF5's
 * start and file creation above all), and each first touch of a 4 KB page is a page fault of
 * 1-3 us: 300 of the 428 faults of the 1C run with spectral particles; with the huge page
 * 110 faults and about 0.5 ms less CPU of a 4-5 ms process (docs/numerics.md, "The heap on a
 * huge page").  Here malloc serves blocks up to 16 MB
 * from the heap and keeps up to 64 MB of free heap, a 2 MB-aligned stretch of the heap is marked
 * for a huge page (one fault, 2 MB cleared at once), and a block that is never touched fills the
 * heap up to that stretch so that the run's allocations start inside it.  Where the kernel has
 * no transparent huge pages (madvise fails) nothing but the malloc settings changes.  Only for
 * run, bench and rates (clearing the huge page costs `upscale --version` 0.2 ms); not in the
 * sanitizer build (its own allocator) nor in upscale-mpi (MPI's memory hooks). */
#if !defined(UPSCALE_MPI) && !defined(__SANITIZE_ADDRESS__)
static void *heap_filler;
static void heap_on_huge_pages(void)
{
    const size_t huge = (size_t)2 << 20;
    mallopt(M_MMAP_THRESHOLD, (int)(8 * huge));
    mallopt(M_TRIM_THRESHOLD, (int)(32 * huge));
    char *big = malloc(4 * huge + 64);
    if (!big) return;
    uintptr_t p = (uintptr_t)big, a = (p + huge - 1) & ~(uintptr_t)(huge - 1);
    if (a - p < 32) a += huge;
    int ok = madvise((void *)a, huge, MADV_HUGEPAGE) == 0;
    free(big);
    /* big went back to the top of the heap: a block of a - p - 8 bytes from there ends where
     * the next block's data starts at a (glibc's 16-byte chunk header); kept, never touched */
    if (ok) heap_filler = malloc(a - p - 8);
    if (heap_filler && (char *)heap_filler != big) {
        free(heap_filler);
        heap_filler = NULL;
    }
}
#else
static void heap_on_huge_pages(void) {}
#endif

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (argc == 2 && is_help(cmd)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc == 2 && !strcmp(cmd, "--version")) {
        printf("upscale %s\n", UPSCALE_GIT_DESCRIBE);
        return 0;
    }
    /* The sweep runs in its own (MPI) program; export-xdmf takes a file, not a case. */
    if (!strcmp(cmd, "sweep")) return exec_beside("upscale-sweep", "sweep", argv + 1);
    if (!strcmp(cmd, "export-xdmf")) return cmd_export_xdmf(argc, argv);
    if (!strcmp(cmd, "import")) return cmd_import(argc, argv);
    if (!strcmp(cmd, "gcmc-lattice")) return upscale_gcmc_lattice_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "formulas")) return cmd_formulas(argc, argv);
    static const struct {
        const char *name, *options, *usage;
    } cmds[] = {
        {"run", " -o --force --set -q ", usage_run},
        {"bench", " --repeat --set ", usage_bench},
        {"rates", " --crates -o --force --set -q ", usage_rates},
    };
    for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
        if (strcmp(cmd, cmds[k].name)) continue;
        /* a simulation follows: worth a huge page (not for --version and the like) */
        heap_on_huge_pages();
        cli c = {.cmd = cmd};
        int status = parse(argc, argv, cmds[k].options, cmds[k].usage, &c);
        if (!status)
            status = k == 0 ? cmd_run(&c, argc, argv)
                            : (k == 1 ? cmd_bench(&c) : cmd_rates(&c, argc, argv));
        else if (status == 1)
            status = 0;
        free(c.sets);
#ifdef UPSCALE_MPI
        int up = 0;
        MPI_Initialized(&up);
        if (up) MPI_Finalize();
#endif
        return status;
    }
    if (cmd[0] == '-')
        fprintf(stderr, "upscale: unknown option '%s' (upscale --help lists the commands)\n", cmd);
    else
        fprintf(stderr, "upscale: unknown command '%s' (upscale --help lists the commands)\n", cmd);
    return 2;
}
