/* The driver: protocol state machine, recording and output (upscale/run.h). */
#include "upscale/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "upscale/file.h"
#include "upscale/model.h"
#include "upscale/output.h"
#include "upscale/protocol.h"
#include "upscale/strbuf.h"
#include "upscale/timeseries.h"
#include "upscale/xdmf.h"
#include "upscale_version.h"

/* Field snapshots: full state vectors at chosen times. */
typedef struct {
    double *t, *y;
    int *step;
    size_t n, size, len;
} snapshots;

enum { ROOT_VOLTAGE, ROOT_CURRENT, ROOT_CAPACITY, ROOT_SATURATION, ROOT_DEPLETION, NROOTS };

/* Physical limits end a step, like a cut-off, with a note naming the limit, the place and
 * the time (not a failure): a particle surface this close (in stoichiometry) to empty or
 * full (the electrode cannot take or give more at this current), and an electrolyte
 * concentration below this fraction of the initial one somewhere (the salt is depleted;
 * the concentrated-solution terms go as ln c and the rates as c^alpha_a). */
#define SATURATION_MARGIN 1e-4
#define DEPLETION_FRACTION 1e-3

/* Rise time of the current when a step cannot start with a jump (see integrate()). */
#define RAMP_TAU 1.0

/* Limits against the protocol's length (protocol_time): time steps that numerics.max_step
 * allows at most, snapshots (and their memory) that output.snapshot_interval may ask for. */
#define MAX_STEPS 1e7
#define MAX_SNAPSHOTS 1e6
#define MAX_SNAPSHOT_BYTES 2e9

typedef struct {
    const upscale_model *m;
    const upscale_layout *L;
    const upscale_step *s;
    double q0;
    double saturation, depletion; /* thresholds of the limits in this step */
    int n, kind[NROOTS], dir[NROOTS];
} root_ctx;

static int roots(double t, const double *y, double *g, void *data)
{
    const root_ctx *c = data;
    for (int k = 0; k < c->n; k++) {
        switch (c->kind[k]) {
        case ROOT_VOLTAGE:
            g[k] = y[c->L->V] - c->s->voltage_cutoff;
            break;
        case ROOT_CURRENT:
            g[k] = fabs(y[c->L->I]) - c->s->current_cutoff;
            break;
        case ROOT_SATURATION:
            g[k] = upscale_model_surface_margin(c->m, y, NULL) - c->saturation;
            break;
        case ROOT_DEPLETION:
            g[k] = upscale_model_electrolyte_minimum(c->m, y, NULL) - c->depletion;
            break;
        default:
            g[k] = fabs(y[c->L->Q] - c->q0) - c->s->capacity_limit;
        }
    }
    return 0;
}

static upscale_err snap_push(snapshots *s, double t, const double *y, int step)
{
    if (s->n == s->size) {
        size_t size = s->size ? 2 * s->size : 16;
        double *a = realloc(s->t, size * sizeof(double));
        UPSCALE_ALLOC_CHECK(a);
        s->t = a;
        a = realloc(s->y, size * s->len * sizeof(double));
        UPSCALE_ALLOC_CHECK(a);
        s->y = a;
        int *b = realloc(s->step, size * sizeof(int));
        UPSCALE_ALLOC_CHECK(b);
        s->step = b;
        s->size = size;
    }
    s->t[s->n] = t;
    s->step[s->n] = step;
    memcpy(s->y + s->n * s->len, y, s->len * sizeof(double));
    s->n++;
    return UPSCALE_OK;
}

static void snap_free(snapshots *s)
{
    free(s->t);
    free(s->y);
    free(s->step);
}

upscale_err upscale_run_load_params(const upscale_run_options *opt, upscale_params **pp)
{
    upscale_params *p;
    UPSCALE_CALL(upscale_params_create(&p));
    upscale_err e = upscale_params_load(p, opt->case_path);
    for (int i = 0; !e && i < opt->noverrides; i++)
        e = upscale_params_set(p, opt->overrides[i]);
    if (e) {
        upscale_params_destroy(&p);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *pp = p;
    return UPSCALE_OK;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Everything a run holds. */
typedef struct {
    upscale_params *p;
    upscale_model *m;
    upscale_solver *s;
    upscale_protocol proto;
    upscale_timeseries ts;
    snapshots snap;
    upscale_solver_settings solver;
    double snap_interval;
    int fields;
    const char *case_name;
    long particle_dimension; /* 2 for a single 2D particle (refused here), else 1 */
} run_ctx;

/* Length of the protocol in s, as far as it is known: the durations, and for a current
 * step without one the time its capacity limit or the whole 1C capacity takes. */
static double protocol_time(const upscale_protocol *pr)
{
    double total = 0.0;
    for (int k = 0; k < pr->n; k++) {
        const upscale_step *s = &pr->steps[k];
        double t = s->duration;
        if (s->kind == UPSCALE_STEP_CC && fabs(s->current) > 0) {
            double q = isnan(s->capacity_limit) ? pr->c_rate_capacity : s->capacity_limit;
            t = fmin(t, q / fabs(s->current));
        }
        if (isfinite(t)) total += t;
    }
    return total;
}

/* numerics.max_step and output.snapshot_interval against the protocol's length: a run
 * that would take more than MAX_STEPS steps or keep more snapshots than memory allows is
 * refused before it starts. */
static upscale_err check_limits(run_ctx *r)
{
    double T = protocol_time(&r->proto), h = r->solver.max_step, dt = r->snap_interval;
    if (h > 0 && T / h > MAX_STEPS)
        return upscale_params_error(r->p, "numerics.max_step",
                                    "%g s needs more than %.0e steps over the protocol's %.4g s; "
                                    "expected at least %.3g s",
                                    h, MAX_STEPS, T, T / MAX_STEPS);
    return upscale_run_check_snapshots(r->p, r->fields, dt, T,
                                       sizeof(double) * (double)r->m->layout->n);
}

upscale_err upscale_run_check_snapshots(upscale_params *p, int fields, double dt, double T,
                                        double bytes)
{
    double most = fmin(MAX_SNAPSHOTS, MAX_SNAPSHOT_BYTES / bytes);
    if (fields && dt > 0 && T / dt > most)
        return upscale_params_error(p, "output.snapshot_interval",
                                    "%g s gives %.3g snapshots (%.3g GB) over the protocol's "
                                    "%.4g s; expected at least %.3g s (at most %.3g snapshots)",
                                    dt, T / dt, T / dt * bytes / 1e9, T, T / most, most);
    return UPSCALE_OK;
}

upscale_err upscale_run_read_output_keys(upscale_params *p, double *snap_interval, int *fields,
                                         const char **case_name)
{
    static const char *const yesno[] = {"false", "true", NULL};
    UPSCALE_CALL(upscale_params_get_quantity_or(p, "output.snapshot_interval", "s", "a duration", 0,
                                                INFINITY, 0, 0.0, snap_interval));
    UPSCALE_CALL(upscale_params_get_choice(p, "output.fields", yesno, "true", fields));
    UPSCALE_CALL(upscale_params_get_string(p, "name", "", case_name));
    UPSCALE_CALL(upscale_params_get_string(p, "citation", "", &(const char *){NULL}));
    UPSCALE_CALL(upscale_params_get_string(p, "description", "", &(const char *){NULL}));
    return UPSCALE_OK;
}

/* A single particle in 2D (positive.particle_dimension: 2, cell.type single_particle) runs in
 * the program upscale-particle2d (PETSc), which `upscale run` execs; here (bench, rates,
 * sweeps, the library) it is bad input.  The cells' 2D particles run here (model.c). */
static upscale_err refuse_particle2d(upscale_params *p, const upscale_model *m, long *dim)
{
    *dim = m->ch2d[UPSCALE_POS] && m->cell.single_particle ? 2 : 1;
    if (*dim == 2)
        return upscale_params_error(p, "positive.particle_dimension",
                                    "a single 2D particle runs only through `upscale run` (the "
                                    "program upscale-particle2d); expected 1 here");
    return UPSCALE_OK;
}

static upscale_err read_case(run_ctx *r)
{
    upscale_params *p = r->p;
    UPSCALE_CALL(upscale_model_create(p, &r->m));
    UPSCALE_CALL(refuse_particle2d(p, r->m, &r->particle_dimension));
    UPSCALE_CALL(upscale_protocol_read(p, r->m, &r->proto));
    upscale_solver_settings *ss = &r->solver;
    *ss = upscale_solver_settings_default();
    UPSCALE_CALL(upscale_params_get_quantity_or(p, "numerics.rtol", "1", "a relative tolerance",
                                                1e-14, 0.1, 0, ss->rtol, &ss->rtol));
    UPSCALE_CALL(upscale_params_get_quantity_or(p, "numerics.max_step", "s", "a time step", 0,
                                                INFINITY, 0, ss->max_step, &ss->max_step));
    /* false, true, or all but the particles' potentials (enum order, upscale/solver.h);
     * Cahn-Hilliard cells leave their potentials out by default: mu follows c, and its
     * error set the step near empty shells (docs/numerics.md, "Error test"). */
    static const char *const err_tests[] = {"false", "true", "except_particle_potentials", NULL};
    int any_ch = r->m->layout->ch[UPSCALE_NEG] || r->m->layout->ch[UPSCALE_POS];
    if (any_ch) ss->algebraic_error_test = UPSCALE_ERROR_TEST_NO_PARTICLE_POTENTIALS;
    UPSCALE_CALL(upscale_params_get_choice(p, "numerics.algebraic_error_test", err_tests,
                                           err_tests[ss->algebraic_error_test],
                                           &ss->algebraic_error_test));
    /* Cahn-Hilliard cells converge Newton in the max norm by default: with thousands of
     * shells the RMS norm lets one shell stay unconverged (docs/numerics.md). */
    static const char *const norms[] = {"wrms", "max", NULL};
    UPSCALE_CALL(upscale_params_get_choice(p, "numerics.newton_norm", norms,
                                           any_ch ? "max" : "wrms", &ss->newton_max_norm));
    UPSCALE_CALL(upscale_run_read_output_keys(p, &r->snap_interval, &r->fields, &r->case_name));
    UPSCALE_CALL(upscale_params_check_unused(p));
    UPSCALE_CALL(upscale_model_check_resolution(p, r->m));
    UPSCALE_CALL(check_limits(r));
    return UPSCALE_OK;
}

/* Progress line on a terminal: simulated time, voltage, share of the protocol done. */
static void progress(const run_ctx *r, int k, double t, double tstep0, double V, double qstep,
                     double *last)
{
    double w = wall_now();
    if (w - *last < 0.1) return;
    *last = w;
    const upscale_step *s = &r->proto.steps[k];
    double f = 0.0;
    if (isfinite(s->duration)) f = (t - tstep0) / s->duration;
    f = fmax(f, qstep / r->proto.c_rate_capacity);
    fprintf(stderr, "\rt = %10.1f s   V = %.4f V   step %d/%d   %3.0f%% ", t, V, k + 1, r->proto.n,
            100.0 * fmin(1.0, (k + fmin(f, 1.0)) / r->proto.n));
}

/* A signal arrived: the run ends here, what it computed is kept. */
static void stop_interrupted(upscale_run_result *res, int k, double t)
{
    int sig = upscale_run_interrupted();
    res->complete = 0;
    res->interrupted = sig;
    snprintf(res->status, sizeof(res->status), "interrupted: signal %d (%s) at t = %g s in step %d",
             sig, upscale_run_signal_name(sig), t, k + 1);
}

/* Append one note ("; " between notes). */
#define note(res, ...) upscale_strbuf_note((res)->notes, sizeof((res)->notes), __VA_ARGS__)

/* The physical limit that ended step k at time t, with its place. */
static void note_limit(const run_ctx *r, upscale_run_result *res, int kind, int k, double t,
                       const double *y)
{
    static const char *const region[3] = {"negative electrode", "separator", "positive electrode"};
    const upscale_model *m = r->m;
    const upscale_layout *L = m->layout;
    int ix = -1;
    if (kind == ROOT_SATURATION) {
        double d = upscale_model_surface_margin(m, y, &ix);
        if (ix < 0) return;
        const upscale_electrode *el = &m->cell.el[L->region[ix]];
        double s = y[L->ss[ix]] / el->cmax;
        note(res,
             "step %d ended at t = %.6g s: particle saturation: the %s particle surface at "
             "x = %.4g um is %s (stoichiometry %.5f, within %.2g); the electrode cannot carry the "
             "current further",
             k + 1, t, L->region[ix] ? "positive" : "negative", 1e6 * m->x[ix],
             s > 0.5 ? "full" : "empty", s, d);
    } else {
        double f = upscale_model_electrolyte_minimum(m, y, &ix);
        note(res,
             "step %d ended at t = %.6g s: electrolyte depletion: c = %.3g mol/m^3 (%.2g of the "
             "initial) at x = %.4g um (%s)",
             k + 1, t, y[L->ce[ix]], f, 1e6 * m->x[ix], region[L->region[ix]]);
    }
}

/* Run the protocol; on solver failure set *failed and stop (partial results kept). */
static upscale_err integrate(run_ctx *r, const upscale_run_options *opt, upscale_run_result *res)
{
    const upscale_layout *L = r->m->layout;
    double *y = malloc(sizeof(double) * L->n), *ys = malloc(sizeof(double) * L->n);
    UPSCALE_ALLOC_CHECK(y && ys);
    double *yp = malloc(sizeof(double) * L->n);
    UPSCALE_ALLOC_CHECK(yp);
    upscale_model_rest_state(r->m, y, yp);
    free(yp);
    double t = 0.0, cap = 0.0, last = 0.0;
    int skipped = 0; /* steps skipped because their current is unreachable */
    double inv0 = upscale_model_inventory(r->m, y), solid0 = upscale_model_solid_content(r->m, y);
    /* Cahn-Hilliard shells outside [0, c_max]: the worst excursion, where and when. */
    double pf_worst = 0.0, pf_first = -1.0, pf_t = 0.0, pf_s = 0.5;
    int pf_node = -1;
    r->snap.len = L->n;
    int progress_on = opt->progress && isatty(STDERR_FILENO);
    UPSCALE_CALL(
        upscale_timeseries_push(&r->ts, 0.0, y[L->V], 0.0, 0.0, upscale_model_ocv(r->m, y), 0));
    if (r->fields) UPSCALE_CALL(snap_push(&r->snap, 0.0, y, 0));
    double next_snap = r->snap_interval > 0 ? r->snap_interval : INFINITY;
    int skip_group = -1;
    res->complete = 1;
    snprintf(res->status, sizeof(res->status), "complete");
    for (int k = 0; k < r->proto.n; k++) {
        const upscale_step *st = &r->proto.steps[k];
        if (st->group == skip_group) continue;
        if (upscale_run_interrupted()) {
            stop_interrupted(res, k, t);
            break;
        }
        /* Hold and setpoint for this step; starting guess for the algebraic unknowns. */
        double I_before = y[L->I];
        r->m->ramp_tau = 0.0;
        switch (st->kind) {
        case UPSCALE_STEP_CC:
            r->m->hold = UPSCALE_HOLD_CURRENT;
            r->m->setpoint = st->current;
            upscale_model_guess_algebraic(r->m, st->current, y);
            break;
        case UPSCALE_STEP_REST:
            r->m->hold = UPSCALE_HOLD_CURRENT;
            r->m->setpoint = 0.0;
            upscale_model_guess_algebraic(r->m, 0.0, y);
            break;
        case UPSCALE_STEP_CV:
            r->m->hold = UPSCALE_HOLD_VOLTAGE;
            r->m->setpoint = st->voltage;
            break;
        }
        upscale_err e = upscale_solver_restart(r->s, t, y);
        if (e && st->kind == UPSCALE_STEP_CC) {
            /* No consistent state at the full current (e.g. a particle that cannot deliver it):
             * start from the previous current and let the current rise to its setpoint with a
             * 1 s time constant, like an instrument's rise time; a voltage cut-off can then
             * end the step properly. */
            char first[400];
            snprintf(first, sizeof(first), "%s", upscale_error_message());
            r->m->ramp_from = I_before;
            r->m->ramp_t0 = t;
            r->m->ramp_tau = RAMP_TAU;
            upscale_model_guess_algebraic(r->m, I_before, y);
            e = upscale_solver_restart(r->s, t, y);
            if (!e)
                note(res, "step %d started with a %g s current ramp (%s)", k + 1, RAMP_TAU, first);
            else
                upscale_error_set(upscale_error_code(), __FILE__, __LINE__, __func__, "%s", first);
        }
        if (e) {
            res->complete = 0;
            snprintf(res->status, sizeof(res->status),
                     "incomplete: step %d could not start at t = %g s: %s", k + 1, t,
                     upscale_error_message());
            break;
        }
        memcpy(y, upscale_solver_state(r->s), sizeof(double) * L->n);
        double q0 = y[L->Q], t0 = t;
        /* Stop conditions as IDA roots. */
        root_ctx rc = {.m = r->m, .L = L, .s = st, .q0 = q0};
        int sign = st->kind == UPSCALE_STEP_CC ? (st->current > 0 ? -1 : 1) : 0;
        if (!isnan(st->voltage_cutoff) && st->kind == UPSCALE_STEP_CC) {
            rc.kind[rc.n] = ROOT_VOLTAGE;
            rc.dir[rc.n++] = sign;
            /* Already past the cut-off: the step has nothing to do (and leaves no row), and
             * the notes say so. */
            if (sign * (y[L->V] - st->voltage_cutoff) >= 0) {
                if (st->ends_group) skip_group = st->group;
                /* Within the cut-off at rest but past it at the step's current: the
                 * current is unreachable (a physical limit); past it at rest: the
                 * protocol's cut-off was passed before the step. */
                double ocv = upscale_model_ocv(r->m, y);
                int unreachable = sign * (ocv - st->voltage_cutoff) < 0;
                note(res,
                     "step %d skipped at t = %.6g s: %s: the voltage at its current, %.4f V, is "
                     "already past its cut-off %.4g V (open circuit %.4f V)",
                     k + 1, t, unreachable ? "current unreachable" : "cut-off passed at rest",
                     y[L->V], st->voltage_cutoff, ocv);
                skipped += unreachable;
                continue;
            }
        }
        UPSCALE_CALL(upscale_timeseries_push(&r->ts, t, y[L->V], y[L->I], cap,
                                             upscale_model_ocv(r->m, y), k + 1));
        if (!isnan(st->current_cutoff)) {
            rc.kind[rc.n] = ROOT_CURRENT;
            rc.dir[rc.n++] = -1;
        }
        if (!isnan(st->capacity_limit)) {
            rc.kind[rc.n] = ROOT_CAPACITY;
            rc.dir[rc.n++] = 1;
        }
        /* A step that starts at a limit (the previous one ended there) stops when it gets
         * twice as close: if it moves away from the limit it goes on. */
        rc.saturation = fmin(SATURATION_MARGIN, 0.5 * upscale_model_surface_margin(r->m, y, NULL));
        rc.depletion =
            fmin(DEPLETION_FRACTION, 0.5 * upscale_model_electrolyte_minimum(r->m, y, NULL));
        if (st->kind != UPSCALE_STEP_REST) {
            rc.kind[rc.n] = ROOT_SATURATION;
            rc.dir[rc.n++] = -1;
            if (!r->m->cell.single_particle) {
                rc.kind[rc.n] = ROOT_DEPLETION;
                rc.dir[rc.n++] = -1;
            }
        }
        UPSCALE_CALL(upscale_solver_set_roots(r->s, rc.n, rc.dir, roots, &rc));
        double tend = t + (isfinite(st->duration) ? st->duration : 1e12);
        int restarts = 0;
        char first_failure[400] = "";
        for (;;) {
            int event;
            double tprev = t;
            e = upscale_solver_step(r->s, tend, &t, &event);
            /* A failed step: restart the integrator from the last accepted state (fresh
             * history, algebraic unknowns re-solved with IDACalcIC's line search).  Gives
             * up after three restarts without an accepted step in between. */
            if (e && restarts == 0)
                snprintf(first_failure, sizeof(first_failure), "%s", upscale_error_message());
            if (e && restarts < 3) {
                restarts++;
                t = tprev;
                e = upscale_solver_restart(r->s, t, y);
                if (!e) e = upscale_solver_set_roots(r->s, rc.n, rc.dir, roots, &rc);
                if (!e) continue;
            }
            if (e) {
                res->complete = 0;
                snprintf(res->status, sizeof(res->status),
                         "incomplete: solver failed in step %d at t = %g s: %s (%d restarts)",
                         k + 1, tprev, first_failure, restarts);
                break;
            }
            restarts = 0;
            memcpy(y, upscale_solver_state(r->s), sizeof(double) * L->n);
            int pf_ix;
            double pf_x, pf = upscale_model_phasefield_margin(r->m, y, &pf_ix, &pf_x);
            if (pf < 0 && pf_first < 0) pf_first = t;
            if (pf < pf_worst) pf_worst = pf, pf_t = t, pf_node = pf_ix, pf_s = pf_x;
            double qstep = fabs(y[L->Q] - q0);
            UPSCALE_CALL(upscale_timeseries_push(&r->ts, t, y[L->V], y[L->I], cap + qstep / 3600.0,
                                                 upscale_model_ocv(r->m, y), k + 1));
            while (r->fields && next_snap <= t) {
                UPSCALE_CALL(upscale_solver_state_at(r->s, next_snap, ys));
                UPSCALE_CALL(snap_push(&r->snap, next_snap, ys, k + 1));
                next_snap += r->snap_interval;
            }
            if (progress_on) progress(r, k, t, t0, y[L->V], qstep, &last);
            if (upscale_run_interrupted()) {
                stop_interrupted(res, k, t);
                break;
            }
            if (event == 1) {
                int found[NROOTS] = {0};
                UPSCALE_CALL(upscale_solver_roots_found(r->s, found));
                if (found[0] && rc.kind[0] == ROOT_VOLTAGE && st->ends_group)
                    skip_group = st->group;
                for (int q = 0; q < rc.n; q++)
                    if (found[q] && (rc.kind[q] == ROOT_SATURATION || rc.kind[q] == ROOT_DEPLETION))
                        note_limit(r, res, rc.kind[q], k, t, y);
            }
            if (event) break;
        }
        cap += fabs(y[L->Q] - q0) / 3600.0;
        if (r->fields && (r->snap.n == 0 || r->snap.t[r->snap.n - 1] < t))
            UPSCALE_CALL(snap_push(&r->snap, t, y, k + 1));
        if (!res->complete) break;
    }
    if (progress_on) fprintf(stderr, "\n");
    if (pf_node >= 0)
        note(res,
             "Cahn-Hilliard particle concentrations left [0, c_max] from t = %.6g s on; worst: "
             "stoichiometry %.6g (%s by %.3g) at t = %.6g s in the particle at x = %.4g um; "
             "there the run follows the linear continuation of U_h, not its logarithmic "
             "barrier (docs/numerics.md)",
             pf_first, pf_s, pf_s < 0.5 ? "below 0" : "above 1", -pf_worst, pf_t,
             1e6 * r->m->x[pf_node]);
    /* A run that did nothing is not a success: either every step was already at a physical
     * limit (a result: the cell cannot carry that current within the cut-off) or nothing
     * ran at all. */
    if (res->complete && r->ts.n <= 1) {
        res->complete = 0;
        res->limited = skipped > 0;
        if (res->limited)
            snprintf(res->status, sizeof(res->status), "limit: no step could start (%.400s)",
                     res->notes);
        else
            snprintf(res->status, sizeof(res->status), "incomplete: no step ran (%.400s)",
                     res->notes[0] ? res->notes : "empty protocol");
    }
    /* Single particle: the bath supplies the sodium, so the balance is the particle's own:
     * content change against the integrated surface flux, -a L int j dt = Q / F. */
    if (r->m->cell.single_particle)
        res->inventory_drift =
            (upscale_model_solid_content(r->m, y) - solid0 - y[L->Q] / r->m->cell.faraday) / solid0;
    else
        res->inventory_drift = (upscale_model_inventory(r->m, y) - inv0) / inv0;
    free(y);
    free(ys);
    return UPSCALE_OK;
}

static void summarise(const run_ctx *r, upscale_run_result *res)
{
    const upscale_timeseries *s = &r->ts;
    double energy = 0.0;
    for (size_t i = 1; i < s->n; i++)
        energy += 0.5 * (s->I[i] * s->V[i] + s->I[i - 1] * s->V[i - 1]) * (s->t[i] - s->t[i - 1]);
    res->capacity = s->n ? s->cap[s->n - 1] : 0.0;
    res->energy = energy / 3600.0;
    res->mean_voltage = res->capacity > 0 ? fabs(res->energy) / res->capacity : NAN;
    res->final_time = s->n ? s->t[s->n - 1] : 0.0;
    res->final_voltage = s->n ? s->V[s->n - 1] : NAN;
    res->max_overpotential = 0.0;
    for (size_t i = 0; i < s->n; i++)
        res->max_overpotential = fmax(res->max_overpotential, fabs(s->V[i] - s->ocv[i]));
    res->theoretical_capacity = r->proto.c_rate_capacity / 3600.0;
    snprintf(res->warnings, sizeof(res->warnings), "%s", r->m->warnings);
    res->rtol = r->solver.rtol;
    upscale_solver_get_stats(r->s, &res->stats);
}

/* Where a run is written: the open file and the group its objects go below ("" for the
 * root of a single-run file, "/rate_1C" in a rates file). */
typedef struct {
    upscale_output *o;
    const char *group;
    char buf[512];
} writer;

/* path ("/timeseries/time", "/" for the run's own attributes) below the writer's group.
 * The result lives until the next call. */
static const char *at(writer *w, const char *path)
{
    if (!w->group[0]) return path;
    snprintf(w->buf, sizeof(w->buf), "%s%s", w->group, strcmp(path, "/") ? path : "");
    return w->buf;
}

/* 2D particles of region g (positive): c [snapshot][node][theta][r] and the surface flux
 * [snapshot][node][theta]. */
static upscale_err write_fields2d(writer *w, const run_ctx *r, int g)
{
    const upscale_layout *L = r->m->layout;
    const snapshots *sn = &r->snap;
    size_t ns = sn->n, n = L->nx_region[g], nr = L->nr[g], nt = L->nt[g];
    double *buf = malloc(sizeof(double) * ns * n * nt * (nr + 1));
    UPSCALE_ALLOC_CHECK(buf);
    for (size_t i = 0; i < ns; i++)
        for (size_t a = 0; a < n; a++) {
            const double *yc = sn->y + i * sn->len + L->cs[L->x_begin[g] + a];
            for (size_t t = 0; t < nt; t++)
                for (size_t k = 0; k < nr; k++)
                    buf[((i * n + a) * nt + t) * nr + k] =
                        yc[upscale_layout_c2d(L, g, (int)k, (int)t)];
        }
    size_t dims[4] = {ns, n, nt, nr};
    upscale_err e = upscale_output_write(w->o, at(w, "/fields/particle2d_concentration_positive"),
                                         "mol/m^3", 4, dims, buf);
    for (size_t i = 0; !e && i < ns; i++)
        for (size_t a = 0; a < n; a++) {
            const double *yc = sn->y + i * sn->len + L->cs[L->x_begin[g] + a];
            for (size_t t = 0; t < nt; t++)
                buf[(i * n + a) * nt + t] = yc[upscale_layout_j2d(L, g, (int)t)];
        }
    if (!e)
        e = upscale_output_write(w->o, at(w, "/fields/particle2d_surface_flux_positive"),
                                 "mol/m^2/s", 3, dims, buf);
    free(buf);
    return e;
}

/* Field k of snapshot i, for nodes of the regions in mask, shells expanded if shells. */
static upscale_err write_fields(writer *w, const run_ctx *r)
{
    upscale_output *o = w->o;
    const upscale_layout *L = r->m->layout;
    const snapshots *sn = &r->snap;
    size_t ns = sn->n, nx = L->nx;
    UPSCALE_CALL(upscale_output_write_vector(o, at(w, "/fields/time"), "s", ns, sn->t));
    UPSCALE_CALL(upscale_output_write_ints(o, at(w, "/fields/step"), ns, sn->step));
    double *buf = malloc(sizeof(double) * ns * (nx + 1) * (size_t)(L->nr[0] + L->nr[2] + 1));
    UPSCALE_ALLOC_CHECK(buf);
    static const struct {
        const char *path, *units;
    } f[] = {{"/fields/electrolyte_concentration", "mol/m^3"},
             {"/fields/electrolyte_potential", "V"},
             {"/fields/solid_potential", "V"},
             {"/fields/reaction_flux", "mol/m^2/s"}};
    upscale_err e = UPSCALE_OK;
    for (int q = 0; q < 4 && !e; q++) {
        for (size_t i = 0; i < ns; i++) {
            const double *y = sn->y + i * sn->len;
            for (size_t ix = 0; ix < nx; ix++) {
                int off = q == 0   ? L->ce[ix]
                          : q == 1 ? L->phie[ix]
                          : q == 2 ? L->phis[ix]
                                   : L->j[ix];
                buf[i * nx + ix] = off >= 0 ? y[off] : NAN;
            }
        }
        size_t dims[2] = {ns, nx};
        e = upscale_output_write(o, at(w, f[q].path), f[q].units, 2, dims, buf);
    }
    for (int g = 0; g < 3 && !e; g += 2) {
        int n = L->nx_region[g], nr = L->nr[g], b = L->x_begin[g];
        if (n == 0) continue;
        /* 2D particles: the concentration map holds each shell's mean over theta */
        const upscale_ch2d *p2 = r->m->ch2d[g];
        for (size_t i = 0; i < ns; i++)
            for (int a = 0; a < n; a++) {
                const double *yc = sn->y + i * sn->len + L->cs[b + a];
                double *dst = buf + (i * n + a) * nr;
                if (!p2) {
                    memcpy(dst, yc, sizeof(double) * nr);
                    continue;
                }
                for (int k = 0; k < nr; k++) {
                    dst[k] = 0.0;
                    for (int t = 0; t < L->nt[g]; t++)
                        dst[k] += yc[upscale_layout_c2d(L, g, k, t)] * p2->area[t] / p2->atot;
                }
            }
        size_t dims[3] = {ns, (size_t)n, (size_t)nr};
        e = upscale_output_write(o,
                                 at(w, g ? "/fields/particle_concentration_positive"
                                         : "/fields/particle_concentration_negative"),
                                 "mol/m^3", 3, dims, buf);
        if (!e && p2) e = write_fields2d(w, r, g);
    }
    free(buf);
    return e;
}

static upscale_err write_mesh(writer *w, const run_ctx *r)
{
    upscale_output *o = w->o;
    const upscale_model *m = r->m;
    const upscale_layout *L = m->layout;
    UPSCALE_CALL(upscale_output_write_vector(o, at(w, "/mesh/x"), "m", L->nx, m->x));
    UPSCALE_CALL(upscale_output_write_vector(o, at(w, "/mesh/dx"), "m", L->nx, m->dx));
    UPSCALE_CALL(upscale_output_write_ints(o, at(w, "/mesh/region"), L->nx, L->region));
    UPSCALE_CALL(upscale_output_attr_string(o, at(w, "/mesh/region"), "meaning",
                                            "0 negative, 1 separator, 2 positive"));
    if (L->nr[0]) {
        UPSCALE_CALL(
            upscale_output_write_vector(o, at(w, "/mesh/r_negative"), "m", L->nr[0], m->rc[0]));
        UPSCALE_CALL(upscale_output_write_vector(o, at(w, "/mesh/r_faces_negative"), "m",
                                                 L->nr[0] + 1, m->rf[0]));
    }
    UPSCALE_CALL(
        upscale_output_write_vector(o, at(w, "/mesh/r_positive"), "m", L->nr[2], m->rc[2]));
    UPSCALE_CALL(upscale_output_write_vector(o, at(w, "/mesh/r_faces_positive"), "m", L->nr[2] + 1,
                                             m->rf[2]));
    if (m->ch2d[UPSCALE_POS]) {
        UPSCALE_CALL(upscale_output_write_vector(o, at(w, "/mesh/theta_positive"), "rad", L->nt[2],
                                                 m->ch2d[UPSCALE_POS]->thc));
        UPSCALE_CALL(upscale_output_write_vector(o, at(w, "/mesh/theta_faces_positive"), "rad",
                                                 L->nt[2] + 1, m->ch2d[UPSCALE_POS]->thf));
        UPSCALE_CALL(upscale_xdmf_write_meridional_nodes(o, at(w, "/mesh/nodes_xz_positive"),
                                                         L->nr[2], m->rf[2], L->nt[2],
                                                         m->ch2d[UPSCALE_POS]->thf));
    }
    return UPSCALE_OK;
}

/* What the model derived from the inputs (phase-field parameters of Cahn-Hilliard
 * electrodes: eq. 24-28), under /derived/<region>. */
static upscale_err write_derived(writer *w, const run_ctx *r)
{
    static const char *const names[3] = {"negative", "separator", "positive"};
    upscale_err e = UPSCALE_OK;
    for (int g = 0; g < 3 && !e; g += 2) {
        const upscale_electrode *el = &r->m->cell.el[g];
        if (!r->m->layout->ch[g]) continue;
        char path[64];
        snprintf(path, sizeof(path), "/derived/%s", names[g]);
        const char *pa = at(w, path);
        struct {
            const char *name, *units;
            double v;
        } q[] = {{"max_concentration", "mol/m^3", el->cmax},
                 {"gradient_coefficient", "J m^5/mol^2", el->kappa},
                 {"interfacial_energy", "J/m^2", el->gamma},
                 {"interface_width", "m", el->width},
                 {"binodal_low", "mol/m^3", el->gap.found ? el->gap.c1 : NAN},
                 {"binodal_high", "mol/m^3", el->gap.found ? el->gap.c2 : NAN},
                 {"spinodal_low", "mol/m^3", el->gap.found ? el->gap.s1 : NAN},
                 {"spinodal_high", "mol/m^3", el->gap.found ? el->gap.s2 : NAN},
                 {"coexistence_potential", "V",
                  el->gap.found ? -el->gap.mu_coex / r->m->cell.faraday : NAN},
                 {"coherency_coefficient", "J m^3/mol^2", el->coherency}};
        for (size_t i = 0; i < sizeof(q) / sizeof(q[0]) && !e; i++)
            e = upscale_output_attr_double(w->o, pa, q[i].name, q[i].v, q[i].units);
        if (!e && el->mobility && el->mob.kind == UPSCALE_PHASEFIELD_MOBILITY_PER_PHASE &&
            el->gap.found) {
            e = upscale_output_attr_double(w->o, pa, "mobility_low_phase", el->mob.M1,
                                           "mol^2/(J m s)");
            if (!e)
                e = upscale_output_attr_double(w->o, pa, "mobility_high_phase", el->mob.M2,
                                               "mol^2/(J m s)");
            if (!e)
                e = upscale_output_attr_double(w->o, pa, "diffusivity_low_phase",
                                               el->phase_diffusivity[0], "m^2/s");
            if (!e)
                e = upscale_output_attr_double(w->o, pa, "diffusivity_high_phase",
                                               el->phase_diffusivity[1], "m^2/s");
        }
    }
    return e;
}

/* Everything of one run, below w->group. */
static upscale_err write_run(writer *w, const run_ctx *r, const upscale_run_options *opt,
                             const upscale_run_result *res)
{
    upscale_output *o = w->o;
    const upscale_timeseries *s = &r->ts;
    upscale_err e = UPSCALE_OK;
#define W(x)                                                                                       \
    if (!e) e = (x)
    W(upscale_timeseries_write(s, o, w->group,
                               "U_pos - U_neg at the mean stoichiometry of each electrode"));
    W(write_mesh(w, r));
    if (r->fields) W(write_fields(w, r));
    W(upscale_output_write_parameters(w->o, w->group, r->p));
    W(upscale_output_attr_string(o, at(w, "/"), "version", UPSCALE_GIT_DESCRIBE));
    W(upscale_output_attr_string(o, at(w, "/"), "status", res->status));
    W(upscale_output_attr_string(o, at(w, "/"), "case", opt->case_path));
    W(upscale_output_attr_string(o, at(w, "/"), "name", r->case_name));
    W(upscale_output_attr_string(o, at(w, "/"), "command_line",
                                 opt->command_line ? opt->command_line : ""));
    W(upscale_output_attr_double(o, at(w, "/"), "theoretical_capacity", res->theoretical_capacity,
                                 "Ah/m^2"));
    W(upscale_output_attr_string(o, at(w, "/"), "c_rate_basis",
                                 "1C = theoretical capacity of the initial state in the direction "
                                 "of the first current step, delivered in one hour"));
    const upscale_solver_stats *st = &res->stats;
    W(upscale_output_attr_string(o, at(w, "/solver"), "integrator",
                                 "SUNDIALS IDA (BDF) + KLU, analytic Jacobian"));
    W(upscale_output_attr_double(o, at(w, "/solver"), "rtol", r->solver.rtol, "1"));
    W(upscale_output_attr_long(o, at(w, "/solver"), "steps", st->steps));
    W(upscale_output_attr_long(o, at(w, "/solver"), "residual_evaluations", st->residual_evals));
    W(upscale_output_attr_long(o, at(w, "/solver"), "jacobian_evaluations", st->jacobian_evals));
    W(upscale_output_attr_long(o, at(w, "/solver"), "newton_iterations", st->newton_iters));
    W(upscale_output_attr_long(o, at(w, "/solver"), "newton_failures", st->newton_fails));
    W(upscale_output_attr_long(o, at(w, "/solver"), "error_test_failures", st->error_test_fails));
    W(upscale_output_attr_long(o, at(w, "/solver"), "consistent_ic_solves", st->ic_calls));
    /* where the steps go: accepted steps by BDF order (1-5) and by the kind of unknown with
     * the largest weighted local error (error_limiter_kinds names the entries) */
    W(upscale_output_attr_longs(o, at(w, "/solver"), "steps_by_order", 5, st->order));
    W(upscale_output_attr_longs(o, at(w, "/solver"), "steps_by_error_limiter", UPSCALE_KIND_COUNT,
                                st->limiter));
    char kinds[256] = "";
    for (int k = 0; k < UPSCALE_KIND_COUNT; k++)
        snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds), "%s%s", k ? " " : "",
                 upscale_kind_names[k]);
    W(upscale_output_attr_string(o, at(w, "/solver"), "error_limiter_kinds", kinds));
    W(upscale_output_attr_long(o, at(w, "/solver"), "unknowns", r->m->layout->n));
    W(upscale_output_attr_long(o, at(w, "/solver"), "jacobian_nonzeros", r->m->layout->nnz));
    W(upscale_output_attr_double(o, at(w, "/solver"), "wall_time", st->wall_seconds, "s"));
    W(upscale_output_attr_double(o, at(w, "/solver"),
                                 r->m->cell.single_particle ? "particle_balance_drift"
                                                            : "inventory_drift",
                                 res->inventory_drift, "1"));
    W(upscale_output_attr_double(o, at(w, "/summary"), "capacity", res->capacity, "Ah/m^2"));
    W(upscale_output_attr_double(o, at(w, "/summary"), "energy", res->energy, "Wh/m^2"));
    W(upscale_output_attr_double(o, at(w, "/summary"), "mean_voltage", res->mean_voltage, "V"));
    W(upscale_output_attr_string(o, at(w, "/"), "warnings", r->m->warnings));
    W(upscale_output_attr_string(o, at(w, "/"), "notes", res->notes));
    W(write_derived(w, r));
#undef W
    return e;
}

static upscale_err write_output(const run_ctx *r, const upscale_run_options *opt,
                                const upscale_run_result *res)
{
    writer w = {.o = opt->output, .group = opt->group ? opt->group : ""};
    if (w.o) {
        UPSCALE_CHECK(strlen(w.group) < sizeof(w.buf) / 2, UPSCALE_ERR_INTERNAL,
                      "output group name too long: '%s'", w.group);
        UPSCALE_CALL(write_run(&w, r, opt, res));
        return UPSCALE_OK;
    }
    UPSCALE_CALL(upscale_output_create(opt->output_path, &w.o));
    upscale_err e = write_run(&w, r, opt, res);
    if (e) {
        upscale_output_discard(&w.o);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    return upscale_output_close(&w.o);
}

upscale_err upscale_run_check(const upscale_run_options *opt, upscale_params **p,
                              double *theoretical_capacity)
{
    run_ctx r = {0};
    if (p) *p = NULL;
    upscale_err e = upscale_run_load_params(opt, &r.p);
    if (!e) e = read_case(&r);
    if (!e && theoretical_capacity) *theoretical_capacity = r.proto.c_rate_capacity / 3600.0;
    upscale_protocol_free(&r.proto);
    upscale_model_destroy(&r.m);
    if (!e && p)
        *p = r.p;
    else
        upscale_params_destroy(&r.p);
    return e ? upscale_error_trace(e, __FILE__, __LINE__, __func__) : UPSCALE_OK;
}

upscale_err upscale_run(const upscale_run_options *opt, upscale_run_result *res)
{
    run_ctx r = {0};
    memset(res, 0, sizeof(*res));
    upscale_err e = upscale_run_load_params(opt, &r.p);
    if (!e) e = read_case(&r);
    res->particle_dimension = (int)r.particle_dimension;
    res->particles_2d = r.m && r.m->ch2d[UPSCALE_POS] ? r.m->layout->nx_region[UPSCALE_POS] : 0;
    /* The output path is checked before the solve: a run never ends in "cannot write". */
    if (!e && opt->output_path && !opt->output)
        e = upscale_file_check_output(opt->output_path, opt->force);
    r.solver.comm = opt->comm;
    if (!e) e = upscale_solver_create(r.m, &r.solver, &r.s);
    if (!e) e = integrate(&r, opt, res);
    if (!e) {
        summarise(&r, res);
        if (opt->output_path || opt->output) e = write_output(&r, opt, res);
        if (!e && !res->complete && !res->limited)
            e = upscale_error_set(res->interrupted ? UPSCALE_ERR_INTERRUPTED : UPSCALE_ERR_SOLVER,
                                  __FILE__, __LINE__, __func__, "%s", res->status);
    }
    upscale_solver_destroy(&r.s);
    upscale_protocol_free(&r.proto);
    upscale_model_destroy(&r.m);
    upscale_params_destroy(&r.p);
    upscale_timeseries_free(&r.ts);
    snap_free(&r.snap);
    return e;
}
