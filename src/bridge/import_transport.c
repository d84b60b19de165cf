/* `upscale import msd` and `upscale import excess` (usage in include/upscale/import.h).
 *
 * Where the time scale of a step-indexed MSD file comes from, in order: --timestep; the
 * log given with --log, or a log.lammps beside the file that names it as the output of a
 * fix.  In the log, the runs that wrote the file are the runs between the echoed `fix ...
 * file NAME` and its `unfix`: each must have completed (an aborted or truncated run is bad
 * input: the file holds its rows), and their echoed `timestep` and `units` apply.  A log
 * given as the MSD source: every run with the MSD column gives a series; a run that ended
 * in ERROR is dropped with a warning, a truncated one is bad input. */
#include "upscale/import.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upscale/arrhenius.h"
#include "upscale/excess.h"
#include "upscale/file.h"
#include "upscale/lammps.h"
#include "upscale/msd.h"
#include "upscale/units.h"

static const char msd_usage[] =
    "usage: upscale import msd FILE... [--temperatures T1,T2,...] [--timestep DT] [--log LOG]\n"
    "                      [--units lj|metal|real|si] [--dim D] [--column NAME]\n"
    "                      [--fit-start F] [--fit-end F] [--at T]... [--csv FILE]\n"
    "\n"
    "  D = slope(MSD vs t)/(2 d) per FILE: a fix ave/time file of compute msd, plain 'time MSD'\n"
    "  text, or a log.lammps (one D per run with an MSD column; a run that ended in ERROR is\n"
    "  dropped with a warning).  Block standard error; the regime test uses the exponent of\n"
    "  MSD - plateau (docs/bridge.md).\n"
    "  --temperatures T,...  one temperature per series (K, or T* in lj units): Arrhenius fit\n"
    "                   ln D = ln D0 - Ea/(kB T) with 95% intervals and a change-of-slope test\n"
    "  --timestep DT    time per step of step-indexed files (default: from --log or a\n"
    "                   log.lammps beside the file)\n"
    "  --log LOG        the log.lammps whose echoed timestep and units apply\n"
    "  --units STYLE    LAMMPS units style: lj, metal, real or si (default: from the log)\n"
    "  --dim D          dimensionality d of MSD = 2 d D t (default 3)\n"
    "  --column NAME    the MSD column (default: the one ending in [4] of compute msd)\n"
    "  --fit-start F    the fit window starts no earlier than F of the series (default 0.1)\n"
    "  --fit-end F      and ends at F (default 0.9)\n"
    "  --at T           D predicted at temperature T (repeatable)\n"
    "  --csv FILE       the points and the fit with its 95% band, for\n"
    "                   postproc/plot_arrhenius.py\n"
    "  --help, -h       this text\n";

static const char excess_usage[] =
    "usage: upscale import excess TABLE.csv [--csv FILE]\n"
    "\n"
    "  Interfacial energy and strain energy density from two-phase supercells:\n"
    "  dE/A = 2 gamma + (V/A) eps_strain (CSV with units in the header; docs/bridge.md).\n"
    "  --csv FILE       the points and the line with its 95% band, for\n"
    "                   postproc/plot_excess.py\n"
    "  --help, -h       this text\n";

typedef struct {
    const char **files;
    int nfiles;
    double *temps, *at;
    int ntemps, nat;
    double timestep, fit_start, fit_end;
    const char *log_path, *units, *column, *csv;
    int dim;
} msd_options;

/* One MSD series with its diffusivity and where its time scale came from. */
typedef struct {
    char name[512];
    char dt_from[600];
    char units_from[600];
    double dt;
    const upscale_lammps_units *units;
    upscale_msd_result fit;
} series;

typedef struct {
    series *s;
    int n, cap;
} series_list;

/* ---------------------------------------------------------------- options */

/* "0.8,1.0 1.2" style lists: comma-separated numbers; 0 if s is not such a list. */
static int parse_list(const char *s, double *v, int max, int *n)
{
    const char *p = s;
    int k = 0;
    while (*p) {
        char *end;
        double x = strtod(p, &end);
        if (end == p || !isfinite(x) || k == max) return 0;
        v[k++] = x;
        p = end;
        if (*p == ',')
            p++;
        else if (*p)
            return 0;
    }
    *n += k;
    return k > 0;
}

static int parse_number(const char *opt, const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    if (end == s || *end || !isfinite(*v)) {
        fprintf(stderr, "upscale import: %s expects a number, got '%s'\n", opt, s);
        return 1;
    }
    return 0;
}

static int parse_msd_options(int argc, char **argv, msd_options *o)
{
    memset(o, 0, sizeof(*o));
    o->dim = 3;
    o->fit_start = NAN;
    o->fit_end = NAN;
    o->files = calloc((size_t)argc, sizeof(*o->files));
    o->temps = calloc((size_t)argc * 64, sizeof(*o->temps));
    o->at = calloc((size_t)argc, sizeof(*o->at));
    if (!o->files || !o->temps || !o->at) return 1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        double v;
        if (!strcmp(a, "--temperatures") && more) {
            int got = 0;
            while (i + 1 < argc && parse_list(argv[i + 1], o->temps + o->ntemps,
                                              argc * 64 - o->ntemps, &o->ntemps)) {
                i++;
                got = 1;
            }
            if (!got) {
                fprintf(stderr, "upscale import: --temperatures expects numbers, got '%s'\n",
                        argv[i + 1]);
                return 1;
            }
        } else if (!strcmp(a, "--timestep") && more) {
            if (parse_number(a, argv[++i], &o->timestep)) return 1;
            if (!(o->timestep > 0)) {
                fprintf(stderr, "upscale import: --timestep must be > 0\n");
                return 1;
            }
        } else if (!strcmp(a, "--dim") && more) {
            if (parse_number(a, argv[++i], &v)) return 1;
            o->dim = (int)v;
            if (v != o->dim || o->dim < 1 || o->dim > 3) {
                fprintf(stderr, "upscale import: --dim must be 1, 2 or 3\n");
                return 1;
            }
        } else if (!strcmp(a, "--fit-start") && more) {
            if (parse_number(a, argv[++i], &o->fit_start)) return 1;
        } else if (!strcmp(a, "--fit-end") && more) {
            if (parse_number(a, argv[++i], &o->fit_end)) return 1;
        } else if (!strcmp(a, "--at") && more) {
            if (parse_number(a, argv[++i], &o->at[o->nat++])) return 1;
        } else if (!strcmp(a, "--log") && more) {
            o->log_path = argv[++i];
        } else if (!strcmp(a, "--units") && more) {
            o->units = argv[++i];
            if (!upscale_lammps_units_find(o->units)) {
                fprintf(stderr, "upscale import: unknown --units '%s' (lj, metal, real, si)\n",
                        o->units);
                return 1;
            }
        } else if (!strcmp(a, "--column") && more) {
            o->column = argv[++i];
        } else if (!strcmp(a, "--csv") && more) {
            o->csv = argv[++i];
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(msd_usage, stdout);
            return -1;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr,
                    "upscale import msd: unknown or incomplete option '%s' (see upscale "
                    "import msd --help)\n",
                    a);
            return 1;
        } else {
            o->files[o->nfiles++] = a;
        }
    }
    if (o->nfiles == 0) {
        fprintf(stderr, "upscale import msd: no MSD file given (see upscale import msd --help)\n");
        return 1;
    }
    return 0;
}

static void free_msd_options(msd_options *o)
{
    free(o->files);
    free(o->temps);
    free(o->at);
}

/* ---------------------------------------------------------------- msd */

static upscale_err list_add(series_list *l, series **s)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        series *p = realloc(l->s, (size_t)cap * sizeof(*p));
        UPSCALE_ALLOC_CHECK(p);
        l->s = p;
        l->cap = cap;
    }
    *s = &l->s[l->n++];
    memset(*s, 0, sizeof(**s));
    return UPSCALE_OK;
}

/* A LAMMPS log: named log.lammps, or starting with the "LAMMPS (version)" banner. */
static int is_log(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    if (!strcmp(b, "log.lammps")) return 1;
    FILE *f;
    if (upscale_file_open_input(path, UPSCALE_ERR_INPUT, &f)) {
        upscale_error_clear(); /* the reader says what is wrong with it */
        return 0;
    }
    char line[64] = "";
    int yes = fgets(line, sizeof(line), f) && !strncmp(line, "LAMMPS (", 8);
    fclose(f);
    return yes;
}

static void settings_from(const msd_options *o, upscale_msd_settings *s)
{
    upscale_msd_settings_default(s);
    s->dim = o->dim;
    if (isfinite(o->fit_start)) s->start_fraction = o->fit_start;
    if (isfinite(o->fit_end)) s->end_fraction = o->fit_end;
}

/* The units style: --units, checked against what the log says. */
static upscale_err resolve_units(const msd_options *o, const upscale_lammps_run *run,
                                 const char *log_path, series *s)
{
    const upscale_lammps_units *given = upscale_lammps_units_find(o->units);
    if (run) {
        UPSCALE_CHECK(!given || given == run->units, UPSCALE_ERR_INPUT,
                      "%s:%d: the log's units style is '%s', not '%s' as given", log_path,
                      run->units_line, run->units->name, given->name);
        s->units = run->units;
        if (run->units_line)
            snprintf(s->units_from, sizeof(s->units_from), "%s:%d", log_path, run->units_line);
        else
            snprintf(s->units_from, sizeof(s->units_from), "LAMMPS default, %s", log_path);
    } else if (given) {
        s->units = given;
        snprintf(s->units_from, sizeof(s->units_from), "given");
    } else {
        s->units = upscale_lammps_units_find("lj");
        snprintf(s->units_from, sizeof(s->units_from), "assumed; give --units");
    }
    return UPSCALE_OK;
}

/* The run has the MSD column: the one named, else a compute msd total c_...[4]. */
static int has_msd(const upscale_lammps_run *r, const char *column)
{
    for (int j = 0; j < r->thermo.ncols; j++) {
        const char *c = r->thermo.names[j];
        size_t len = strlen(c);
        if (column ? !strcmp(c, column)
                   : (!strncmp(c, "c_", 2) && len > 3 && !strcmp(c + len - 3, "[4]")))
            return 1;
    }
    return 0;
}

/* Every run of a log with an MSD column gives one series. */
static upscale_err import_log(const msd_options *o, const char *path,
                              const upscale_msd_settings *st, series_list *l)
{
    upscale_lammps_log *log;
    UPSCALE_CALL(upscale_lammps_log_read(path, &log));
    upscale_err e = UPSCALE_OK;
    int found = 0, n = upscale_lammps_log_nruns(log);
    upscale_msd_source src = {.column = o->column, .timestep = o->timestep};
    upscale_msd *m = NULL;
    /* a truncated run with the column is bad input; a run that ended in ERROR is dropped
     * with a warning, the others are used */
    int dropped = 0, usable = 0;
    for (int i = 0; !e && i < n; i++) {
        const upscale_lammps_run *r = upscale_lammps_log_run(log, i);
        if (has_msd(r, o->column) && r->status == UPSCALE_LAMMPS_RUN_TRUNCATED)
            e = upscale_msd_from_log(log, i, &src, &m);
        usable += has_msd(r, o->column) && r->status == UPSCALE_LAMMPS_RUN_COMPLETED;
    }
    for (int i = 0; !e && i < n; i++) {
        const upscale_lammps_run *r = upscale_lammps_log_run(log, i);
        if (!has_msd(r, o->column)) continue;
        if (r->status == UPSCALE_LAMMPS_RUN_ABORTED) {
            if (usable)
                fprintf(stderr, "upscale: warning: %s:%d: run %d ended in ERROR (%s): dropped\n",
                        path, r->end_line, i + 1, r->message);
            dropped++;
            continue;
        }
        found++;
        series *s = NULL;
        e = list_add(l, &s);
        if (!e) e = upscale_msd_from_log(log, i, &src, &m);
        if (!e) e = upscale_msd_fit(m, st, &s->fit);
        if (!e) e = resolve_units(o, r, path, s);
        if (!e) {
            snprintf(s->name, sizeof(s->name), "%s", upscale_msd_name(m));
            s->dt = o->timestep > 0 ? o->timestep : r->timestep;
            if (o->timestep > 0)
                snprintf(s->dt_from, sizeof(s->dt_from), "given");
            else if (r->timestep_line)
                snprintf(s->dt_from, sizeof(s->dt_from), "%s:%d", path, r->timestep_line);
            else
                snprintf(s->dt_from, sizeof(s->dt_from), "LAMMPS default");
        }
        upscale_msd_destroy(&m);
    }
    if (!e && !found && dropped)
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s: every run with an MSD column (%d) ended in ERROR", path,
                              dropped);
    if (!e && !found)
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s: no run has an MSD column (%s)", path,
                              o->column ? o->column
                                        : "c_...[4] of compute msd; name it with "
                                          "--column NAME");
    upscale_lammps_log_destroy(&log);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

/* The run that wrote `file` according to the log: every run from the fix to its unfix
 * must have completed and use one timestep.  *run is NULL if the log does not name the
 * file and `required` is 0. */
static upscale_err run_writing(const upscale_lammps_log *log, const char *file, int required,
                               const upscale_lammps_run **run)
{
    const char *lp = upscale_lammps_log_path(log);
    int first, last, line, n = upscale_lammps_log_nruns(log);
    *run = NULL;
    if (!upscale_lammps_log_find_output(log, file, &first, &last, &line)) {
        if (!required) return UPSCALE_OK;
        /* not named: usable only if every run has the same timestep and units */
        UPSCALE_CHECK(n > 0, UPSCALE_ERR_INPUT, "%s: no run in this log", lp);
        const upscale_lammps_run *r0 = upscale_lammps_log_run(log, 0);
        for (int i = 1; i < n; i++) {
            const upscale_lammps_run *r = upscale_lammps_log_run(log, i);
            UPSCALE_CHECK(r->timestep == r0->timestep && r->units == r0->units, UPSCALE_ERR_INPUT,
                          "%s:%d: the log does not name %s and its runs use different "
                          "timesteps; give --timestep",
                          lp, r->start_line, file);
        }
        *run = r0;
        return UPSCALE_OK;
    }
    if (first > last) {
        int eline;
        const char *err = upscale_lammps_log_error(log, &eline);
        if (err)
            return upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                     "%s:%d: LAMMPS stopped (%s) before any run wrote %s", lp,
                                     eline, err, file);
        return upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                 "%s:%d: no run follows the fix writing %s", lp, line, file);
    }
    for (int i = first; i <= last; i++) {
        const upscale_lammps_run *r = upscale_lammps_log_run(log, i);
        UPSCALE_CHECK(r->status != UPSCALE_LAMMPS_RUN_ABORTED, UPSCALE_ERR_INPUT,
                      "%s:%d: run %d, which wrote %s, aborted (%s); its data cannot be used", lp,
                      r->end_line, i + 1, file, r->message);
        UPSCALE_CHECK(r->status != UPSCALE_LAMMPS_RUN_TRUNCATED, UPSCALE_ERR_INPUT,
                      "%s:%d: run %d, which wrote %s, ends without 'Loop time' (truncated "
                      "log); its data cannot be used",
                      lp, r->end_line, i + 1, file);
        UPSCALE_CHECK(r->timestep == upscale_lammps_log_run(log, first)->timestep,
                      UPSCALE_ERR_INPUT, "%s:%d: the timestep changes while %s is written", lp,
                      r->start_line, file);
    }
    *run = upscale_lammps_log_run(log, first);
    return UPSCALE_OK;
}

static int file_exists(const char *path)
{
    return access(path, R_OK) == 0; /* not fopen: a FIFO would block */
}

static upscale_err import_file_with_log(const msd_options *o, const char *path,
                                        const upscale_msd_settings *st, upscale_lammps_log *log,
                                        series *s)
{
    const upscale_lammps_run *run = NULL;
    if (log) UPSCALE_CALL(run_writing(log, path, o->log_path != NULL, &run));
    const char *lp = log ? upscale_lammps_log_path(log) : "";
    UPSCALE_CALL(resolve_units(o, run, lp, s));
    upscale_msd_source src = {.column = o->column, .timestep = o->timestep};
    if (o->timestep > 0) {
        snprintf(s->dt_from, sizeof(s->dt_from), "given");
    } else if (run) {
        src.timestep = run->timestep;
        if (run->timestep_line)
            snprintf(s->dt_from, sizeof(s->dt_from), "%s:%d", lp, run->timestep_line);
        else
            snprintf(s->dt_from, sizeof(s->dt_from), "LAMMPS default, %s", lp);
    }
    s->dt = src.timestep;
    upscale_msd *m;
    UPSCALE_CALL(upscale_msd_read(path, &src, &m));
    upscale_err e = upscale_msd_fit(m, st, &s->fit);
    snprintf(s->name, sizeof(s->name), "%s", path);
    upscale_msd_destroy(&m);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

/* A fix ave/time or plain file; its log: --log, else a log.lammps beside it. */
static upscale_err import_file(const msd_options *o, const char *path,
                               const upscale_msd_settings *st, series_list *l)
{
    char sibling[4096];
    const char *slash = strrchr(path, '/');
    int dlen = slash ? (int)(slash - path) : 0;
    snprintf(sibling, sizeof(sibling), "%.*s%slog.lammps", dlen, path, slash ? "/" : "");
    const char *lp = o->log_path ? o->log_path : (file_exists(sibling) ? sibling : NULL);
    upscale_lammps_log *log = NULL;
    if (lp) UPSCALE_CALL(upscale_lammps_log_read(lp, &log));
    series *s = NULL;
    upscale_err e = list_add(l, &s);
    if (!e) e = import_file_with_log(o, path, st, log, s);
    upscale_lammps_log_destroy(&log);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

static void print_series(const series *s, const upscale_units *u)
{
    const upscale_lammps_units *un = s->units;
    const upscale_msd_result *f = &s->fit;
    printf("%s: D = %.4g +- %.2g %s", s->name, f->D, f->D_err, un->diffusivity);
    double si;
    if (u && un->si_convertible &&
        upscale_units_convert(u, f->D, un->diffusivity, "m^2/s", &si) == UPSCALE_UNITS_OK)
        printf(" (%.4g m^2/s)", si);
    printf("\n    fit t = %g..%g %s (%d points), log-log slope %.3f, exponent of the diffusive "
           "part %.3f +- %.2g%s; SE %s",
           f->t_start, f->t_end, un->time, f->n, f->alpha, f->alpha_diff, f->alpha_diff_err,
           f->diffusive ? "" : " NOT DIFFUSIVE",
           f->error_method == UPSCALE_MSD_ERROR_BLOCKS ? "from 5 blocks"
                                                       : "of the regression (too few points)");
    if (s->dt > 0) printf("; dt %g %s (%s)", s->dt, un->time, s->dt_from);
    printf("; units %s (%s)\n", un->name, s->units_from);
    if (!f->diffusive)
        printf("    warning: the window is not in the diffusive regime (the slope of the MSD "
               "changes over it: exponent of MSD - plateau off 1 by more than 0.1 and 2 se): D "
               "is an upper bound\n");
}

static void print_value_si(const upscale_units *u, const upscale_lammps_units *un, double D)
{
    double si;
    if (u && un->si_convertible &&
        upscale_units_convert(u, D, un->diffusivity, "m^2/s", &si) == UPSCALE_UNITS_OK)
        printf(" = %.4g m^2/s", si);
}

/* D at each --at temperature: from the single line, or, when two regimes were accepted,
 * from a fit of the regime on the same side of the break (if it has 3 points or more). */
static upscale_err predictions(const msd_options *o, const double *D, const double *E, int n,
                               const upscale_arrhenius_settings *st,
                               const upscale_arrhenius_result *one,
                               const upscale_arrhenius_break_result *b, const upscale_units *u,
                               const upscale_lammps_units *un)
{
    const char *tu = un->temperature[0] ? un->temperature : "(reduced)";
    double *sub = malloc(3 * (size_t)n * sizeof(*sub));
    UPSCALE_ALLOC_CHECK(sub);
    upscale_err e = UPSCALE_OK;
    for (int i = 0; !e && i < o->nat; i++) {
        double T = o->at[i], Dp, lo, hi;
        int extra, m = 0, high = T >= b->T_break;
        const upscale_arrhenius_result *r = one;
        upscale_arrhenius_result part;
        if (b->accepted) {
            for (int k = 0; k < n; k++)
                if ((o->temps[k] >= b->T_break) == high) {
                    sub[m] = o->temps[k];
                    sub[n + m] = D[k];
                    sub[2 * n + m] = E ? E[k] : 0;
                    m++;
                }
            if (m >= 3) {
                e = upscale_arrhenius_fit(sub, sub + n, E ? sub + 2 * n : NULL, m, st, &part);
                r = &part;
            }
        }
        if (!e) e = upscale_arrhenius_predict(r, T, &Dp, &lo, &hi, &extra);
        if (e) break;
        printf("    D(T = %g %s) = %.4g %s (95%% CI %.4g..%.4g)", T, tu, Dp, un->diffusivity, lo,
               hi);
        print_value_si(u, un, Dp);
        if (r == &part)
            printf(", from the %s-T regime (%d points, Ea = %.4g %s)", high ? "high" : "low", m,
                   part.Ea, un->energy);
        else if (b->accepted)
            printf(", from the single line (the %s-T regime has only %d points)",
                   high ? "high" : "low", m);
        printf("%s\n", extra ? ", extrapolated" : "");
    }
    free(sub);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

/* ---------------------------------------------------------------- csv */

/* Open FILE.tmp.XXXXXX beside path; the caller writes, then csv_close renames it. */
static upscale_err csv_open(const char *path, char *tmp, size_t size, FILE **f)
{
    UPSCALE_CALL(upscale_file_check_output(path, 0));
    UPSCALE_CHECK(snprintf(tmp, size, "%s.tmp.XXXXXX", path) < (int)size, UPSCALE_ERR_INPUT,
                  "%s: path too long", path);
    int fd = mkstemp(tmp);
    UPSCALE_CHECK(fd >= 0, UPSCALE_ERR_IO, "%s: cannot write beside it", path);
    fchmod(fd, 0644);
    *f = fdopen(fd, "w");
    if (!*f) {
        close(fd);
        unlink(tmp);
    }
    UPSCALE_CHECK(*f, UPSCALE_ERR_IO, "%s: cannot write", path);
    return UPSCALE_OK;
}

static upscale_err csv_close(FILE *f, const char *tmp, const char *path)
{
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (!bad) bad = rename(tmp, path) != 0;
    if (bad) unlink(tmp);
    UPSCALE_CHECK(!bad, UPSCALE_ERR_IO, "%s: write failed", path);
    return UPSCALE_OK;
}

/* One line of the fitted line on a grid: T, D and its band at r->level. */
static void csv_line(FILE *f, const char *kind, const upscale_arrhenius_result *r, double T_lo,
                     double T_hi)
{
    const int n = 60;
    for (int j = 0; j <= n; j++) {
        /* uniform in 1/T */
        double T = 1.0 / (1.0 / T_hi + (1.0 / T_lo - 1.0 / T_hi) * j / n), D, lo, hi;
        int extra;
        if (upscale_arrhenius_predict(r, T, &D, &lo, &hi, &extra) != UPSCALE_OK) {
            upscale_error_clear();
            continue;
        }
        fprintf(f, "%s,%.10g,%.10g,%.10g,%.10g,,%d,\n", kind, T, D, lo, hi, extra);
    }
}

/* Points, the single line with its band over the data and the --at temperatures, the two
 * regimes when a change of slope is accepted, and the --at predictions. */
static upscale_err write_msd_csv(const msd_options *o, const series_list *l, const double *W,
                                 const upscale_arrhenius_settings *st,
                                 const upscale_arrhenius_result *r,
                                 const upscale_arrhenius_break_result *b)
{
    const upscale_lammps_units *un = l->s[0].units;
    char tmp[4200];
    FILE *f;
    UPSCALE_CALL(csv_open(o->csv, tmp, sizeof(tmp), &f));
    fprintf(f, "# upscale import msd: diffusivities and the Arrhenius fit ln D = ln D0 - Ea/(kB T)"
               "\n");
    fprintf(f, "# units: %s; D in %s; T in %s; Ea in %s; band: %g%% interval of the line\n",
            un->name, un->diffusivity, un->temperature[0] ? un->temperature : "reduced units",
            un->energy, 100 * (r ? r->level : 0.95));
    if (r) {
        fprintf(f, "# Ea = %.6g +- %.3g %s; D0 = %.6g %s; kB = %.10g; weighted = %d\n", r->Ea,
                r->Ea_err, un->energy, r->D0, un->diffusivity, r->kB, r->weighted);
        if (b && b->tested)
            fprintf(f,
                    "# change of slope: %s (F = %.4g, p = %.3g), T_break = %.6g, Ea_high = "
                    "%.6g, Ea_low = %.6g\n",
                    b->accepted ? "accepted" : "not accepted", b->F, b->p, b->T_break, b->Ea_high,
                    b->Ea_low);
    }
    fprintf(f, "kind,T,D,D_lo,D_hi,D_err,extrapolated,name\n");
    for (int i = 0; i < l->n; i++) {
        const series *s = &l->s[i];
        fprintf(f, "point,");
        if (o->ntemps) fprintf(f, "%.10g", o->temps[i]); /* empty without --temperatures */
        fprintf(f, ",%.10g,,,%.10g,,", s->fit.D, s->fit.D_err);
        fputc('"', f);
        for (const char *c = s->name; *c; c++) {
            if (*c == '"') fputc('"', f); /* CSV doubles a quote */
            fputc(*c, f);
        }
        fputs("\"\n", f);
    }
    if (r) {
        double lo = r->T_min, hi = r->T_max;
        for (int i = 0; i < o->nat; i++)
            lo = fmin(lo, o->at[i]), hi = fmax(hi, o->at[i]);
        csv_line(f, "fit", r, lo, hi);
        /* the two regimes of an accepted change of slope, each fitted on its own when it has
         * 3 points or more; the --at predictions come from the regime on their side, as
         * printed (predictions()) */
        upscale_arrhenius_result part[2];
        int have[2] = {0, 0};
        if (b && b->accepted) {
            double *sub = malloc(3 * (size_t)l->n * sizeof(double));
            if (!sub) {
                fclose(f);
                unlink(tmp);
                UPSCALE_ALLOC_CHECK(NULL);
            }
            for (int side = 0; side < 2; side++) {
                int m = 0;
                for (int k = 0; k < l->n; k++)
                    if ((o->temps[k] >= b->T_break) == (side == 0)) {
                        sub[m] = o->temps[k];
                        sub[l->n + m] = l->s[k].fit.D;
                        sub[2 * l->n + m] = W ? W[k] : 0;
                        m++;
                    }
                have[side] =
                    m >= 3 && upscale_arrhenius_fit(sub, sub + l->n, W ? sub + 2 * l->n : NULL, m,
                                                    st, &part[side]) == UPSCALE_OK;
                upscale_error_clear();
                if (have[side])
                    csv_line(f, side == 0 ? "fit_high" : "fit_low", &part[side], part[side].T_min,
                             part[side].T_max);
            }
            free(sub);
        }
        for (int i = 0; i < o->nat; i++) {
            double D, dlo, dhi;
            int extra, side = b && b->accepted && o->at[i] < b->T_break;
            const upscale_arrhenius_result *use = have[side] ? &part[side] : r;
            if (upscale_arrhenius_predict(use, o->at[i], &D, &dlo, &dhi, &extra) == UPSCALE_OK)
                fprintf(f, "at,%.10g,%.10g,%.10g,%.10g,,%d,%s\n", o->at[i], D, dlo, dhi, extra,
                        use == r ? "single line"
                        : side   ? "low-T regime"
                                 : "high-T regime");
            upscale_error_clear();
        }
    }
    UPSCALE_CALL(csv_close(f, tmp, o->csv));
    return UPSCALE_OK;
}

static upscale_err arrhenius_report(const msd_options *o, const series_list *l,
                                    const upscale_units *u)
{
    int n = l->n;
    const upscale_lammps_units *un = l->s[0].units;
    if (n < 3) {
        printf("Arrhenius fit: not done (%d temperatures; at least 3 are needed)\n", n);
        if (o->csv) UPSCALE_CALL(write_msd_csv(o, l, NULL, NULL, NULL, NULL));
        return UPSCALE_OK;
    }
    double *D = malloc(2 * (size_t)n * sizeof(*D));
    UPSCALE_ALLOC_CHECK(D);
    double *E = D + n;
    int weighted = 1;
    for (int i = 0; i < n; i++) {
        D[i] = l->s[i].fit.D;
        E[i] = l->s[i].fit.D_err;
        weighted = weighted && E[i] > 0 && isfinite(E[i]);
    }
    upscale_arrhenius_settings st;
    upscale_arrhenius_settings_default(&st);
    st.kB = un->kB;
    upscale_arrhenius_result r;
    upscale_arrhenius_break_result b;
    const double *W = weighted ? E : NULL;
    upscale_err e = upscale_arrhenius_fit(o->temps, D, W, n, &st, &r);
    if (!e) e = upscale_arrhenius_break(o->temps, D, W, n, &st, &b);
    if (e) {
        free(D);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    const char *tu = un->temperature[0] ? un->temperature : "(reduced)";
    printf("Arrhenius ln D = ln D0 - Ea/(kB T), %s, %d temperatures %g..%g %s, kB = %g %s%s%s:\n",
           weighted ? "weighted least squares"
                    : "least squares with equal weights (some D have a zero error)",
           n, r.T_min, r.T_max, tu, un->kB, un->energy, un->temperature[0] ? "/" : "",
           un->temperature);
    printf("    Ea = %.4g +- %.2g %s (95%% CI %.4g..%.4g)\n", r.Ea, r.Ea_err, un->energy, r.Ea_lo,
           r.Ea_hi);
    printf("    D0 = %.4g %s (95%% CI %.4g..%.4g)", r.D0, un->diffusivity, r.D0_lo, r.D0_hi);
    print_value_si(u, un, r.D0);
    printf("\n    rms residual of ln D %.3g, chi2/dof %.3g (covariance scaled by %.3g)\n", r.rms,
           r.chi2 / r.dof, r.scale);
    if (!b.tested)
        printf("    change of slope: not tested (needs at least 6 temperatures)\n");
    else if (b.accepted)
        printf("    change of slope: two regimes (F = %.3g, p = %.2g < 0.05), break at T = %.4g "
               "%s; Ea = %.4g %s above (%d points), %.4g %s below (%d points)\n",
               b.F, b.p, b.T_break, tu, b.Ea_high, un->energy, b.n_high, b.Ea_low, un->energy,
               b.n_low);
    else
        printf("    change of slope: one regime (F = %.3g, p = %.2g >= 0.05; best break would "
               "be at T = %.4g %s)\n",
               b.F, b.p, b.T_break, tu);
    e = predictions(o, D, W, n, &st, &r, &b, u, un);
    if (!e && o->csv) e = write_msd_csv(o, l, W, &st, &r, &b);
    free(D);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

static upscale_err import_msd(const msd_options *o)
{
    upscale_msd_settings st;
    settings_from(o, &st);
    series_list l = {0};
    upscale_units *u = NULL;
    upscale_err e = UPSCALE_OK;
    for (int i = 0; !e && i < o->nfiles; i++)
        e = is_log(o->files[i]) ? import_log(o, o->files[i], &st, &l)
                                : import_file(o, o->files[i], &st, &l);
    for (int i = 1; !e && i < l.n; i++)
        if (l.s[i].units != l.s[0].units)
            e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                  "%s: units style %s differs from %s in %s", l.s[i].name,
                                  l.s[i].units->name, l.s[0].units->name, l.s[0].name);
    if (!e && l.s[0].units->si_convertible) e = upscale_units_create(NULL, &u);
    if (!e && o->ntemps > 0 && o->ntemps != l.n)
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "import msd: %d temperature(s) given for %d MSD series", o->ntemps,
                              l.n);
    if (!e) {
        for (int i = 0; i < l.n; i++) {
            if (o->ntemps) printf("[T = %g] ", o->temps[i]);
            print_series(&l.s[i], u);
        }
        if (o->ntemps > 0)
            e = arrhenius_report(o, &l, u);
        else if (o->csv)
            e = write_msd_csv(o, &l, NULL, NULL, NULL, NULL);
        if (!e && o->csv) printf("wrote %s\n", o->csv);
    }
    upscale_units_destroy(&u);
    free(l.s);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

/* ---------------------------------------------------------------- excess */

/* Points (L = V/A, dE/A) and the line 2 gamma + L eps with its band at r->level. */
static upscale_err write_excess_csv(const char *csv, const char *table, const upscale_excess *x,
                                    const upscale_excess_result *r)
{
    char tmp[4200];
    FILE *f;
    UPSCALE_CALL(csv_open(csv, tmp, sizeof(tmp), &f));
    int n = upscale_excess_size(x);
    const double *A = upscale_excess_area(x), *V = upscale_excess_volume(x),
                 *dE = upscale_excess_energy(x);
    fprintf(f, "# upscale import excess %s: dE/A = 2 gamma + (V/A) eps_strain (eq. 5), SI units\n",
            table);
    fprintf(f,
            "# gamma = %.10g +- %.4g J/m^2; eps_strain = %.10g +- %.4g J/m^3; cov = %.4g; "
            "band: %g%% interval of the line (Student t %.4g, %d dof)\n",
            r->gamma, r->gamma_err, r->strain, r->strain_err, r->cov, 100 * r->level, r->tq,
            r->dof);
    fprintf(f, "kind,L_m,dE_per_A_J_m2,lo,hi,A_m2,V_m3,dE_J\n");
    double lmax = 0;
    for (int i = 0; i < n; i++) {
        double L = V[i] / A[i];
        lmax = fmax(lmax, L);
        fprintf(f, "point,%.10g,%.10g,,,%.10g,%.10g,%.10g\n", L, dE[i] / A[i], A[i], V[i], dE[i]);
    }
    /* var(2 gamma + L eps) = 4 var gamma + 4 L cov + L^2 var eps */
    for (int j = 0; j <= 100; j++) {
        double L = 1.05 * lmax * j / 100.0, y = 2 * r->gamma + L * r->strain;
        double var = 4 * r->gamma_err * r->gamma_err + 4 * L * r->cov +
                     L * L * r->strain_err * r->strain_err;
        double h = r->tq * sqrt(var > 0 ? var : 0.0);
        fprintf(f, "fit,%.10g,%.10g,%.10g,%.10g,,,\n", L, y, y - h, y + h);
    }
    UPSCALE_CALL(csv_close(f, tmp, csv));
    return UPSCALE_OK;
}

static upscale_err import_excess(const char *path, const char *csv)
{
    upscale_units *u;
    UPSCALE_CALL(upscale_units_create(NULL, &u));
    upscale_excess *x = NULL;
    upscale_excess_result r;
    upscale_err e = upscale_excess_read(u, path, &x);
    if (!e) e = upscale_excess_fit(x, 0.95, &r);
    if (!e) {
        printf("%s: %d supercells, dE/A = 2 gamma + (V/A) eps_strain (eq. 5), least squares\n",
               path, r.n);
        printf("    interfacial energy gamma = %.4g +- %.2g mJ/m^2 (95%% CI %.4g..%.4g)\n",
               1e3 * r.gamma, 1e3 * r.gamma_err, 1e3 * r.gamma_lo, 1e3 * r.gamma_hi);
        printf("    strain energy density    = %.5g +- %.2g MJ/m^3 (95%% CI %.5g..%.5g)\n",
               1e-6 * r.strain, 1e-6 * r.strain_err, 1e-6 * r.strain_lo, 1e-6 * r.strain_hi);
        printf("    rms residual of dE/A %.3g mJ/m^2\n", 1e3 * r.rms);
        if (csv) e = write_excess_csv(csv, path, x, &r);
        if (!e && csv) printf("wrote %s\n", csv);
    }
    upscale_excess_destroy(&x);
    upscale_units_destroy(&u);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

/* ---------------------------------------------------------------- entry */

static int status_of(upscale_err e)
{
    if (e == UPSCALE_OK) return 0;
    upscale_error_print(stderr, getenv("UPSCALE_TRACE") != NULL);
    upscale_error_clear();
    return e == UPSCALE_ERR_INPUT ? 2 : 4;
}

int upscale_import_transport_main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *o = argc < 2 ? stderr : stdout;
        fputs(msd_usage, o);
        fputs("\n", o);
        fputs(excess_usage, o);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "excess")) {
        const char *table = NULL, *csv = NULL;
        for (int i = 2; i < argc; i++) {
            if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                fputs(excess_usage, stdout);
                return 0;
            } else if (!strcmp(argv[i], "--csv") && i + 1 < argc) {
                csv = argv[++i];
            } else if (argv[i][0] == '-' || table) {
                table = NULL;
                break;
            } else {
                table = argv[i];
            }
        }
        if (!table) {
            fprintf(stderr, "upscale import excess: expects one TABLE.csv [--csv FILE] (see "
                            "upscale import excess --help)\n");
            return 2;
        }
        return status_of(import_excess(table, csv));
    }
    if (!strcmp(argv[1], "msd")) {
        msd_options o;
        int bad = parse_msd_options(argc, argv, &o);
        int status = bad < 0 ? 0 : bad ? 2 : status_of(import_msd(&o));
        free_msd_options(&o);
        return status;
    }
    fprintf(stderr,
            "upscale import: unknown kind '%s' (msd, excess, gcmc; see upscale import msd "
            "--help)\n",
            argv[1]);
    return 2;
}
