/* upscale-particle2d: `upscale run CASE` for a case with positive.particle_dimension: 2
 * (cell.type single_particle).  The upscale program execs it (src/main.c), so that only runs
 * with a 2D particle load PETSc and MPI.  Same command line as `upscale run`, same output
 * contract as the 1D runs (src/driver/run.c): /timeseries, /parameters, /solver, /summary,
 * status, and the 2D fields c(theta, r), mu(theta, r), j(theta) at snapshot times on their
 * (r, theta) mesh (docs/params.md, "2D particles").
 *
 * The protocol is the case's (upscale/protocol.h): constant current (discharge, charge, with
 * voltage_cutoff, capacity_limit, duration), rest and GITT; a constant-current step holds the
 * mean surface flux jbar = -I / (F a L) (eq. 18), its cut-off is a TS event on the particle's
 * potential. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "upscale/file.h"
#include "upscale/function.h"
#include "upscale/model.h"
#include "upscale/output.h"
#include "upscale/particle2d.h"
#include "upscale/protocol.h"
#include "upscale/run.h"
#include "upscale/strbuf.h"
#include "upscale/timeseries.h"
#include "upscale/xdmf.h"
#include "upscale_version.h"

/* Keys of the 1D integrator (IDA) that the 2D particle does not use. */
static const char *const keys_1d_only[] = {"numerics.max_step", "numerics.algebraic_error_test",
                                           "numerics.newton_norm"};

typedef struct {
    double *t, *c, *mu, *j;
    int *step;
    size_t n, size, len, nt;
} snapshots;

typedef struct {
    upscale_params *p;
    upscale_model *m;
    upscale_protocol proto;
    upscale_particle2d *part;
    upscale_particle2d_options o;
    upscale_timeseries ts;
    snapshots snap;
    double snap_interval, wall, content0;
    int fields;
    const char *case_name;
    char status[512], notes[2048];
    int complete, interrupted;
    /* the step being run, for the monitor: its number, current, start, capacity before it */
    int step;
    double I, t0, cap0;
    double cmean0, dcmean; /* mean composition at the step's start (mol/m^3), its rate (1/s) */
    upscale_err monitor_err;
    int progress;         /* a progress line on stderr (a terminal, not -q) */
    double last_progress; /* wall time of the last progress line */
} run2d;

static upscale_err snap_push(snapshots *s, const upscale_particle2d *part, int step)
{
    if (s->n == s->size) {
        size_t size = s->size ? 2 * s->size : 16;
        double **a[] = {&s->c, &s->mu};
        for (int k = 0; k < 2; k++) {
            double *q = realloc(*a[k], size * s->len * sizeof(double));
            UPSCALE_ALLOC_CHECK(q);
            *a[k] = q;
        }
        double *q = realloc(s->j, size * s->nt * sizeof(double));
        UPSCALE_ALLOC_CHECK(q);
        s->j = q;
        q = realloc(s->t, size * sizeof(double));
        UPSCALE_ALLOC_CHECK(q);
        s->t = q;
        int *b = realloc(s->step, size * sizeof(int));
        UPSCALE_ALLOC_CHECK(b);
        s->step = b;
        s->size = size;
    }
    upscale_particle2d_fields(part, s->c + s->n * s->len, s->mu + s->n * s->len,
                              s->j + s->n * s->nt, NULL, NULL);
    s->t[s->n] = upscale_particle2d_time(part);
    s->step[s->n] = step;
    s->n++;
    return UPSCALE_OK;
}

/* The open-circuit voltage at the particle's mean composition cmean, U_pos(<c> / c_max), as
 * the 1D runs' /timeseries/ocv. */
static double ocv(const run2d *r, double cmean)
{
    const upscale_electrode *el = &r->m->cell.el[UPSCALE_POS];
    return upscale_function_eval(el->ocp, cmean / el->cmax, NULL);
}

/* The particle's mean composition (mol/m^3): its content over the sphere's volume. */
static double mean_composition(const run2d *r)
{
    double R = r->m->cell.el[UPSCALE_POS].radius;
    return upscale_particle2d_content(r->part) / (4.0 / 3.0 * acos(-1.0) * R * R * R);
}

/* One row per accepted time step of the 2D particle (upscale_particle2d_set_monitor); a
 * signal (upscale_run_catch_signals) ends the advance after the step. */
static double wall_now(void);

static int monitor(void *ctx, double t, double phi)
{
    run2d *r = ctx;
    if (r->progress && wall_now() - r->last_progress >= 0.1) {
        r->last_progress = wall_now();
        fprintf(stderr, "\rt = %10.1f s   V = %.4f V   step %d/%d ", t, phi, r->step, r->proto.n);
    }
    if (!r->monitor_err && !(r->ts.n && t <= r->ts.t[r->ts.n - 1]))
        r->monitor_err = upscale_timeseries_push(
            &r->ts, t, phi, r->I, r->cap0 + fabs(r->I) * (t - r->t0) / 3600.0,
            ocv(r, r->cmean0 + r->dcmean * (t - r->t0)), r->step);
    return r->monitor_err || upscale_run_interrupted();
}

#define note(r, ...) upscale_strbuf_note((r)->notes, sizeof((r)->notes), __VA_ARGS__)

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Expected length of step s (s): its duration, or its charge at its current. */
static double step_length(const run2d *r, const upscale_step *s)
{
    double T = s->duration;
    if (s->kind == UPSCALE_STEP_CC && fabs(s->current) > 0) {
        double q = isnan(s->capacity_limit) ? r->proto.c_rate_capacity : s->capacity_limit;
        T = fmin(T, q / fabs(s->current));
    }
    return fmin(T, UPSCALE_PROTOCOL_MAX_DURATION);
}

/* The case: the 1D model (its electrode, radial mesh and rate law), the protocol, the 2D keys;
 * anything the 2D path does not support is bad input naming its key. */
static upscale_err read_case(run2d *r)
{
    upscale_params *p = r->p;
    /* upscale_model_create reads the 2D keys and refuses what no 2D particle supports (a
     * Fickian particle, another shape, the logit variable) */
    UPSCALE_CALL(upscale_model_create(p, &r->m));
    const upscale_ch2d *p2 = r->m->ch2d[UPSCALE_POS];
    UPSCALE_CHECK(p2 && r->m->cell.single_particle, UPSCALE_ERR_INTERNAL,
                  "upscale-particle2d runs single 2D particles only");
    UPSCALE_CALL(upscale_protocol_read(p, r->m, &r->proto));
    for (int k = 0; k < r->proto.n; k++) {
        if (r->proto.steps[k].kind != UPSCALE_STEP_CV) continue;
        char key[64];
        snprintf(key, sizeof(key), "protocol.%d.mode", r->proto.steps[k].group);
        return upscale_params_error(p, key,
                                    "cv steps are not supported with positive.particle_dimension: "
                                    "2 yet; expected discharge, charge, rest or gitt");
    }
    r->o.ntheta = p2->nt;
    r->o.anisotropy = p2->anisotropy;
    r->o.rtol = 1e-4;
    UPSCALE_CALL(upscale_params_get_quantity_or(p, "numerics.rtol", "1", "a relative tolerance",
                                                1e-14, 0.1, 0, r->o.rtol, &r->o.rtol));
    for (size_t k = 0; k < sizeof(keys_1d_only) / sizeof(keys_1d_only[0]); k++)
        if (upscale_params_has(p, keys_1d_only[k]))
            return upscale_params_error(p, keys_1d_only[k],
                                        "a setting of the 1D integrator, not used with "
                                        "positive.particle_dimension: 2; expected no such key");
    UPSCALE_CALL(upscale_run_read_output_keys(p, &r->snap_interval, &r->fields, &r->case_name));
    UPSCALE_CALL(upscale_params_check_unused(p));
    UPSCALE_CALL(upscale_model_check_resolution(p, r->m));
    double T = 0.0;
    for (int k = 0; k < r->proto.n; k++)
        T += step_length(r, &r->proto.steps[k]);
    return upscale_run_check_snapshots(p, r->fields, r->snap_interval, T,
                                       sizeof(double) * (2.0 * p2->nt * p2->nr + p2->nt));
}

/* The protocol: each step an advance to its end (and to every snapshot time on the way), one
 * row of the time series per accepted time step.  A solver failure ends the run, what was
 * computed is kept. */
static upscale_err integrate(run2d *r)
{
    const upscale_electrode *el = &r->m->cell.el[UPSCALE_POS];
    const double FaL = r->m->cell.faraday * el->area * el->thickness;
    upscale_particle2d *part = r->part;
    double t = 0.0, cap = 0.0, next_snap = r->snap_interval > 0 ? r->snap_interval : INFINITY;
    int skip_group = -1, skipped = 0;
    r->complete = 1;
    snprintf(r->status, sizeof(r->status), "complete");
    UPSCALE_CALL(upscale_timeseries_push(&r->ts, 0.0, upscale_particle2d_potential(part), 0.0, 0.0,
                                         ocv(r, mean_composition(r)), 0));
    if (r->fields) UPSCALE_CALL(snap_push(&r->snap, part, 0));
    upscale_particle2d_set_monitor(part, monitor, r);
    for (int k = 0; k < r->proto.n && r->complete; k++) {
        const upscale_step *st = &r->proto.steps[k];
        if (st->group == skip_group) continue;
        double I = st->kind == UPSCALE_STEP_CC ? st->current : 0.0;
        int sign = I > 0 ? -1 : 1; /* the direction the voltage moves in */
        double V = upscale_particle2d_potential(part);
        if (st->kind == UPSCALE_STEP_CC && !isnan(st->voltage_cutoff)) {
            if (sign * (V - st->voltage_cutoff) >= 0) {
                if (st->ends_group) skip_group = st->group;
                note(r,
                     "step %d skipped at t = %.6g s: the voltage %.4f V is already past its "
                     "cut-off %.4g V",
                     k + 1, t, V, st->voltage_cutoff);
                skipped++;
                continue;
            }
            UPSCALE_CALL(sign < 0 ? upscale_particle2d_set_limits(part, st->voltage_cutoff, 1e3)
                                  : upscale_particle2d_set_limits(part, -1e3, st->voltage_cutoff));
        } else {
            UPSCALE_CALL(upscale_particle2d_set_limits(part, -1e3, 1e3));
        }
        /* I = -F a L jbar (eq. 18); the potential at the new current comes with the first
         * time step, so the step's first row is that step's (not one at its start time) */
        UPSCALE_CALL(upscale_particle2d_hold_flux(part, -I / FaL));
        r->step = k + 1, r->I = I, r->t0 = t, r->cap0 = cap;
        /* d<c>/dt = -jbar A / V = -3 jbar / R (eq. 23: exact for a held mean flux) */
        r->cmean0 = mean_composition(r);
        r->dcmean = 3.0 * I / (FaL * el->radius);
        /* A current step with neither duration nor capacity limit ends, at the latest, when it
         * has passed the whole theoretical capacity (the 1D runs' particle saturation). */
        const double t0 = t, tend = t0 + step_length(r, st);
        while (t < tend) {
            double target = fmin(tend, next_snap);
            if (tend - target < 1e-9 * tend) target = tend;
            const double tprev = t;
            upscale_err e = upscale_particle2d_advance(part, target);
            t = upscale_particle2d_time(part);
            UPSCALE_CALL(r->monitor_err);
            if (e == UPSCALE_ERR_SOLVER) {
                r->complete = 0;
                snprintf(r->status, sizeof(r->status), "incomplete: solver failed in step %d: %s",
                         k + 1, upscale_error_message());
                break;
            } else if (e) {
                return upscale_error_trace(e, __FILE__, __LINE__, __func__);
            }
            if (!(t > tprev) && !upscale_particle2d_at_limit(part)) break;
            if (r->fields && t >= next_snap - 1e-9 * fmax(1.0, t)) {
                UPSCALE_CALL(snap_push(&r->snap, part, k + 1));
                next_snap += r->snap_interval;
            }
            if (upscale_particle2d_at_limit(part)) {
                if (st->ends_group) skip_group = st->group;
                break;
            }
            if (upscale_run_interrupted()) break;
        }
        cap += fabs(I) * (t - t0) / 3600.0;
        if (r->complete && st->kind == UPSCALE_STEP_CC && isinf(st->duration) &&
            isnan(st->capacity_limit) && !upscale_particle2d_at_limit(part) &&
            !upscale_run_interrupted())
            note(r,
                 "step %d ended at t = %.6g s: particle saturation: it passed the theoretical "
                 "capacity without reaching its cut-off",
                 k + 1, t);
        if (r->fields && r->snap.t[r->snap.n - 1] < t)
            UPSCALE_CALL(snap_push(&r->snap, part, k + 1));
        int sig = upscale_run_interrupted();
        if (sig) {
            r->complete = 0;
            r->interrupted = sig;
            snprintf(r->status, sizeof(r->status),
                     "interrupted: signal %d (%s) at t = %g s in step %d", sig,
                     upscale_run_signal_name(sig), t, k + 1);
        }
    }
    upscale_particle2d_set_monitor(part, NULL, NULL);
    if (r->complete && r->ts.n <= 1) {
        r->complete = 0;
        snprintf(r->status, sizeof(r->status), "incomplete: no step ran (%.400s)",
                 skipped ? r->notes : "empty protocol");
    }
    return UPSCALE_OK;
}

static upscale_err write_output(const run2d *r, const char *path, const char *case_path,
                                const char *command_line)
{
    upscale_output *o;
    const upscale_timeseries *s = &r->ts;
    const snapshots *sn = &r->snap;
    const upscale_model *m = r->m;
    int nr = upscale_particle2d_nr(r->part), nt = upscale_particle2d_ntheta(r->part);
    double *theta = malloc(sizeof(double) * nt), *thf = malloc(sizeof(double) * (nt + 1));
    if (!theta || !thf) {
        free(theta);
        free(thf);
        UPSCALE_ALLOC_CHECK(0);
    }
    upscale_particle2d_fields(r->part, NULL, NULL, NULL, NULL, theta);
    for (int k = 0; k <= nt; k++)
        thf[k] = acos(-1.0) * k / nt; /* uniform in theta on [0, pi] */
    double energy = 0.0;
    for (size_t i = 1; i < s->n; i++)
        energy += 0.5 * (s->I[i] * s->V[i] + s->I[i - 1] * s->V[i - 1]) * (s->t[i] - s->t[i - 1]);
    energy /= 3600.0;
    double capacity = s->cap[s->n - 1];
    /* the particle's own sodium balance: content change against the integrated surface flux */
    double drift =
        (upscale_particle2d_content(r->part) - r->content0 - upscale_particle2d_uptake(r->part)) /
        r->content0;
    upscale_particle2d_stats st = upscale_particle2d_statistics(r->part);
    upscale_err e = upscale_output_create(path, &o);
    if (e) {
        free(theta);
        free(thf);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
#define W(x)                                                                                       \
    if (!e) e = (x)
    W(upscale_timeseries_write(s, o, "", "U_pos at the particle's mean stoichiometry"));
    W(upscale_output_write_vector(o, "/mesh/r_positive", "m", nr, m->rc[2]));
    W(upscale_output_write_vector(o, "/mesh/r_faces_positive", "m", nr + 1, m->rf[2]));
    W(upscale_output_write_vector(o, "/mesh/theta_positive", "rad", nt, theta));
    W(upscale_output_write_vector(o, "/mesh/theta_faces_positive", "rad", nt + 1, thf));
    W(upscale_output_attr_string(o, "/mesh/theta_positive", "meaning",
                                 "polar angle of the axisymmetric particle, 0 and pi on its axis"));
    W(upscale_xdmf_write_meridional_nodes(o, "/mesh/nodes_xz_positive", nr, m->rf[2], nt, thf));
    if (r->fields) {
        size_t d3[3] = {sn->n, (size_t)nt, (size_t)nr}, d2[2] = {sn->n, (size_t)nt};
        W(upscale_output_write_vector(o, "/fields/time", "s", sn->n, sn->t));
        W(upscale_output_write_ints(o, "/fields/step", sn->n, sn->step));
        W(upscale_output_write(o, "/fields/particle_concentration_positive", "mol/m^3", 3, d3,
                               sn->c));
        W(upscale_output_attr_string(o, "/fields/particle_concentration_positive", "layout",
                                     "[snapshot, theta cell, r cell]"));
        W(upscale_output_write(o, "/fields/particle_chemical_potential_positive", "J/mol", 3, d3,
                               sn->mu));
        W(upscale_output_attr_string(o, "/fields/particle_chemical_potential_positive", "layout",
                                     "[snapshot, theta cell, r cell]"));
        W(upscale_output_write(o, "/fields/surface_flux_positive", "mol/m^2/s", 2, d2, sn->j));
        W(upscale_output_attr_string(o, "/fields/surface_flux_positive", "sign",
                                     "positive for sodium leaving the particle"));
    }
    W(upscale_output_write_parameters(o, "", r->p));
    W(upscale_output_attr_string(o, "/", "version", UPSCALE_GIT_DESCRIBE));
    W(upscale_output_attr_string(o, "/", "status", r->status));
    W(upscale_output_attr_string(o, "/", "case", case_path));
    W(upscale_output_attr_string(o, "/", "name", r->case_name));
    W(upscale_output_attr_string(o, "/", "command_line", command_line));
    W(upscale_output_attr_long(o, "/", "particle_dimension", 2));
    W(upscale_output_attr_double(o, "/", "theoretical_capacity", r->proto.c_rate_capacity / 3600.0,
                                 "Ah/m^2"));
    W(upscale_output_attr_string(o, "/", "c_rate_basis",
                                 "1C = theoretical capacity of the initial state in the direction "
                                 "of the first current step, delivered in one hour"));
    W(upscale_output_attr_string(o, "/solver", "integrator",
                                 "PETSc TS BDF3 (2D particle) + LU, analytic Jacobian"));
    W(upscale_output_attr_double(o, "/solver", "rtol", r->o.rtol, "1"));
    W(upscale_output_attr_long(o, "/solver", "steps", st.steps));
    W(upscale_output_attr_long(o, "/solver", "rejected_steps", st.rejected));
    W(upscale_output_attr_long(o, "/solver", "newton_iterations", st.newton));
    W(upscale_output_attr_long(o, "/solver", "jacobian_evaluations", st.jacobians));
    W(upscale_output_attr_long(o, "/solver", "unknowns", upscale_particle2d_size(r->part)));
    W(upscale_output_attr_long(o, "/solver", "polar_cells", nt));
    W(upscale_output_attr_long(o, "/solver", "shells", nr));
    W(upscale_output_attr_double(o, "/solver", "wall_time", r->wall, "s"));
    W(upscale_output_attr_double(o, "/solver", "particle_balance_drift", drift, "1"));
    W(upscale_output_attr_double(o, "/summary", "capacity", capacity, "Ah/m^2"));
    W(upscale_output_attr_double(o, "/summary", "energy", energy, "Wh/m^2"));
    W(upscale_output_attr_double(o, "/summary", "mean_voltage",
                                 capacity > 0 ? fabs(energy) / capacity : NAN, "V"));
    W(upscale_output_attr_string(o, "/", "warnings", m->warnings));
    W(upscale_output_attr_string(o, "/", "notes", r->notes));
#undef W
    free(theta);
    free(thf);
    if (e) {
        upscale_output_discard(&o);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    return upscale_output_close(&o);
}

static const char usage[] =
    "usage: upscale-particle2d run CASE [-o OUT.h5] [--force] [--set key=value]... [-q]\n"
    "\n"
    "`upscale run` for a case with positive.particle_dimension: 2 (upscale run execs this\n"
    "program; the options are those of `upscale run --help`).\n";

int main(int argc, char **argv)
{
    const char *case_path = NULL, *out = NULL;
    const char **sets = calloc((size_t)argc + 1, sizeof(char *));
    int nsets = 0, quiet = 0, force = 0;
    if (!sets) return 4;
    if (argc < 2 || strcmp(argv[1], "run")) {
        fputs(usage, stderr);
        free(sets);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            free(sets);
            return 0;
        } else if (!strcmp(a, "-q")) {
            quiet = 1;
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (!strncmp(a, "--set=", 6)) {
            sets[nsets++] = a + 6;
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--set")) && i + 1 < argc) {
            if (a[1] == 'o')
                out = argv[++i];
            else
                sets[nsets++] = argv[++i];
        } else if (a[0] != '-' && !case_path) {
            case_path = a;
        } else {
            fprintf(stderr, "upscale: run: unexpected argument '%s' (upscale run --help)\n", a);
            free(sets);
            return 2;
        }
    }
    if (!case_path) {
        fprintf(stderr, "upscale: run needs a CASE file (upscale run --help)\n");
        free(sets);
        return 2;
    }
    char path[4096], *cmdline = NULL;
    if (out) {
        snprintf(path, sizeof(path), "%s", out);
    } else {
        const char *b = strrchr(case_path, '/');
        snprintf(path, sizeof(path), "%s", b ? b + 1 : case_path);
        char *dot = strrchr(path, '.');
        if (dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml"))) *dot = '\0';
        strncat(path, ".h5", sizeof(path) - strlen(path) - 1);
    }
    run2d r = {0};
    upscale_run_options opt = {.case_path = case_path, .overrides = sets, .noverrides = nsets};
    upscale_err e = upscale_strbuf_join_args(argc, argv, &cmdline);
    if (!e) e = upscale_run_load_params(&opt, &r.p);
    if (!e) e = read_case(&r);
    if (!e) e = upscale_file_check_output(path, force);
    if (!e) e = upscale_particle2d_create(r.m, &r.o, &r.part);
    if (!e) {
        r.snap.len = (size_t)upscale_particle2d_nr(r.part) * upscale_particle2d_ntheta(r.part);
        r.snap.nt = (size_t)upscale_particle2d_ntheta(r.part);
        r.content0 = upscale_particle2d_content(r.part);
        upscale_run_catch_signals();
        double w0 = wall_now();
        r.progress = !quiet && isatty(STDERR_FILENO);
        e = integrate(&r);
        r.wall = wall_now() - w0;
        if (r.progress) fprintf(stderr, "\n");
    }
    if (!e) e = write_output(&r, path, case_path, cmdline);
    int status = 0;
    if (e) {
        upscale_error_print(stderr, getenv("UPSCALE_TRACE") != NULL);
        status = e == UPSCALE_ERR_INPUT ? 2 : (e == UPSCALE_ERR_SOLVER ? 3 : 4);
    } else {
        if (r.notes[0] && !quiet) fprintf(stderr, "upscale: note: %s\n", r.notes);
        if (!r.complete) fprintf(stderr, "upscale: %s\n", r.status);
        if (!quiet) {
            upscale_particle2d_stats st = upscale_particle2d_statistics(r.part);
            printf("%s: %s, capacity %.4f Ah/m^2, final voltage %.4f V, %ld steps (2D particle, "
                   "%d x %d cells)\n",
                   path, r.status, r.ts.cap[r.ts.n - 1], r.ts.V[r.ts.n - 1], st.steps,
                   upscale_particle2d_nr(r.part), upscale_particle2d_ntheta(r.part));
        }
        status = r.interrupted ? 128 + r.interrupted : (r.complete ? 0 : 3);
    }
    upscale_particle2d_destroy(&r.part);
    upscale_protocol_free(&r.proto);
    upscale_model_destroy(&r.m);
    upscale_params_destroy(&r.p);
    upscale_timeseries_free(&r.ts);
    free(r.snap.t), free(r.snap.c), free(r.snap.mu), free(r.snap.j), free(r.snap.step);
    free(cmdline);
    free(sets);
    upscale_particle2d_finalize();
    return status;
}
