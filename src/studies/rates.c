/* Rate capability (upscale/rates.h): the case at several C-rates, one group per rate. */
#include "upscale/rates.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "upscale/file.h"
#include "upscale/output.h"
#include "upscale/params.h"
#include "upscale_version.h"

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* The protocol entry whose rate is set: the first discharge, charge or gitt. */
static upscale_err first_current_step(const upscale_rates_options *opt, int *g)
{
    upscale_run_options ro = {
        .case_path = opt->case_path, .overrides = opt->overrides, .noverrides = opt->noverrides};
    upscale_params *p;
    UPSCALE_CALL(upscale_run_load_params(&ro, &p));
    upscale_err e = UPSCALE_OK;
    *g = -1;
    for (int i = 0; !e; i++) {
        char k[64];
        const char *mode;
        snprintf(k, sizeof(k), "protocol.%d.mode", i);
        if (!upscale_params_has(p, k)) break;
        e = upscale_params_get_string(p, k, NULL, &mode);
        if (!e &&
            (!strcmp(mode, "discharge") || !strcmp(mode, "charge") || !strcmp(mode, "gitt"))) {
            *g = i;
            break;
        }
    }
    if (!e && *g < 0)
        e = upscale_params_error(
            p, "protocol", "no current step (discharge, charge or gitt) to set the C-rate of");
    upscale_params_destroy(&p);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

/* The overrides of one rate: the caller's, then protocol.G.c_rate=c (later wins). */
typedef struct {
    const char **sets;
    char rate[64];
} rate_overrides;

static upscale_err make_options(const upscale_rates_options *opt, int g, double c,
                                rate_overrides *ro, upscale_run_options *run)
{
    ro->sets = malloc(sizeof(char *) * (opt->noverrides + 1));
    UPSCALE_ALLOC_CHECK(ro->sets);
    for (int i = 0; i < opt->noverrides; i++)
        ro->sets[i] = opt->overrides[i];
    snprintf(ro->rate, sizeof(ro->rate), "protocol.%d.c_rate=%.17g", g, c);
    ro->sets[opt->noverrides] = ro->rate;
    *run = (upscale_run_options){.case_path = opt->case_path,
                                 .overrides = ro->sets,
                                 .noverrides = opt->noverrides + 1,
                                 .command_line = opt->command_line};
    return UPSCALE_OK;
}

static upscale_err write_summary(upscale_output *o, const upscale_rates_options *opt,
                                 const upscale_rates_point *pts, double q1c, int g)
{
    int n = opt->n;
    double *v = malloc(sizeof(double) * n);
    int *ok = malloc(sizeof(int) * n);
    const char **status = malloc(sizeof(char *) * n), **group = malloc(sizeof(char *) * n);
    upscale_err e = v && ok && status && group ? UPSCALE_OK : UPSCALE_ERR_MEMORY;
    if (e) e = upscale_error_set(e, __FILE__, __LINE__, __func__, "out of memory");
    static const struct {
        const char *name, *units;
    } cols[] = {{"c_rate", "1"},      {"current", "A/m^2"},  {"capacity", "Ah/m^2"},
                {"energy", "Wh/m^2"}, {"mean_voltage", "V"}, {"max_overpotential", "V"},
                {"wall_time", "s"}};
    for (size_t c = 0; !e && c < sizeof(cols) / sizeof(cols[0]); c++) {
        for (int i = 0; i < n; i++) {
            const upscale_rates_point *p = &pts[i];
            double x[] = {p->c_rate,     p->current,          p->run.capacity,
                          p->run.energy, p->run.mean_voltage, p->run.max_overpotential,
                          p->wall_time};
            v[i] = x[c];
        }
        char path[64];
        snprintf(path, sizeof(path), "/summary/%s", cols[c].name);
        e = upscale_output_write_vector(o, path, cols[c].units, (size_t)n, v);
    }
    for (int i = 0; !e && i < n; i++) {
        ok[i] = pts[i].run.complete;
        status[i] = pts[i].run.status;
        group[i] = pts[i].group;
    }
    if (!e) e = upscale_output_write_ints(o, "/summary/complete", (size_t)n, ok);
    if (!e) e = upscale_output_write_strings(o, "/summary/status", (size_t)n, status);
    if (!e) e = upscale_output_write_strings(o, "/summary/group", (size_t)n, group);
    if (!e)
        e = upscale_output_attr_string(o, "/summary/capacity", "meaning",
                                       "charge passed over the whole protocol (to the cut-off)");
    if (!e)
        e = upscale_output_attr_string(o, "/summary/max_overpotential", "meaning",
                                       "largest |V - OCV| over the run, OCV as in "
                                       "/rate_*/timeseries/ocv");
    free(v);
    free(ok);
    free(status);
    free(group);
    UPSCALE_CALL(e);
    const char *state = "complete";
    char first_fail[700];
    int first = -1; /* the interrupted rate, or else the first incomplete one */
    for (int i = 0; i < n && first < 0; i++)
        if (pts[i].run.interrupted) first = i;
    for (int i = 0; i < n && first < 0; i++)
        if (!pts[i].run.complete) first = i;
    if (first >= 0) {
        snprintf(first_fail, sizeof(first_fail), "%s: %gC: %s",
                 pts[first].run.interrupted ? "interrupted" : "incomplete", pts[first].c_rate,
                 pts[first].run.status);
        state = first_fail;
    }
    char step[64];
    snprintf(step, sizeof(step), "protocol.%d", g);
    UPSCALE_CALL(upscale_output_attr_string(o, "/", "version", UPSCALE_GIT_DESCRIBE));
    UPSCALE_CALL(upscale_output_attr_string(o, "/", "status", state));
    UPSCALE_CALL(upscale_output_attr_string(o, "/", "case", opt->case_path));
    UPSCALE_CALL(upscale_output_attr_string(o, "/", "command_line",
                                            opt->command_line ? opt->command_line : ""));
    UPSCALE_CALL(upscale_output_attr_double(o, "/", "theoretical_capacity", q1c, "Ah/m^2"));
    UPSCALE_CALL(upscale_output_attr_string(
        o, "/", "c_rate_basis",
        "1C = theoretical capacity of the initial state in the direction of the first current "
        "step, delivered in one hour"));
    UPSCALE_CALL(upscale_output_attr_string(o, "/", "first_step", step));
    return UPSCALE_OK;
}

upscale_err upscale_rates_run(const upscale_rates_options *opt, upscale_rates_point *out,
                              double *q1c)
{
    UPSCALE_CHECK(opt && out && opt->n > 0 && opt->c_rates, UPSCALE_ERR_INTERNAL,
                  "rates: bad arguments");
    for (int i = 0; i < opt->n; i++) {
        UPSCALE_CHECK(isfinite(opt->c_rates[i]) && opt->c_rates[i] > 0, UPSCALE_ERR_INPUT,
                      "--crates: %g: expected a C-rate > 0", opt->c_rates[i]);
        for (int j = 0; j < i; j++)
            UPSCALE_CHECK(opt->c_rates[i] != opt->c_rates[j], UPSCALE_ERR_INPUT,
                          "--crates: %g given twice", opt->c_rates[i]);
    }
    int g;
    UPSCALE_CALL(first_current_step(opt, &g));
    /* Every rate's case is read before anything runs: bad input leaves nothing behind. */
    for (int i = 0; i < opt->n; i++) {
        rate_overrides ro;
        upscale_run_options run;
        upscale_rates_point *p = &out[i];
        memset(p, 0, sizeof(*p));
        p->c_rate = opt->c_rates[i];
        snprintf(p->group, sizeof(p->group), "/rate_%gC", p->c_rate);
        UPSCALE_CALL(make_options(opt, g, p->c_rate, &ro, &run));
        upscale_err e = upscale_run_check(&run, NULL, q1c);
        free(ro.sets);
        UPSCALE_CALL(e);
        p->current = p->c_rate * *q1c;
    }
    upscale_output *o = NULL;
    if (opt->output_path) UPSCALE_CALL(upscale_file_check_output(opt->output_path, opt->force));
    if (opt->output_path) UPSCALE_CALL(upscale_output_create(opt->output_path, &o));
    upscale_err e = UPSCALE_OK;
    int failed = 0, interrupted = 0;
    for (int i = 0; i < opt->n && !e; i++) {
        if (interrupted) {
            snprintf(out[i].run.status, sizeof(out[i].run.status), "not run: interrupted");
            out[i].run.capacity = out[i].run.energy = out[i].run.mean_voltage = NAN;
            out[i].run.max_overpotential = NAN;
            out[i].wall_time = 0.0;
            continue;
        }
        rate_overrides ro;
        upscale_run_options run;
        upscale_rates_point *p = &out[i];
        e = make_options(opt, g, p->c_rate, &ro, &run);
        if (e) break;
        run.output = o;
        run.group = p->group;
        run.progress = opt->progress;
        double t0 = wall_now();
        p->err = upscale_run(&run, &p->run);
        p->wall_time = wall_now() - t0;
        free(ro.sets);
        if (p->err == UPSCALE_ERR_SOLVER)
            failed = 1;
        else if (p->err == UPSCALE_ERR_INTERRUPTED)
            interrupted = 1;
        else
            e = p->err;
        if (!e && o) e = upscale_output_flush(o);
    }
    if (!e && o) e = write_summary(o, opt, out, *q1c, g);
    if (e) {
        upscale_output_discard(&o);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    if (o) UPSCALE_CALL(upscale_output_close(&o));
    UPSCALE_CHECK(!interrupted, UPSCALE_ERR_INTERRUPTED, "interrupted by %s%s%s",
                  upscale_run_signal_name(upscale_run_interrupted()),
                  opt->output_path ? "; the rates so far are in " : "",
                  opt->output_path ? opt->output_path : "");
    UPSCALE_CHECK(!failed, UPSCALE_ERR_SOLVER, "not every rate reached its cut-off");
    return UPSCALE_OK;
}

void upscale_rates_print(FILE *f, const upscale_rates_options *opt, const upscale_rates_point *pts,
                         double q1c)
{
    fprintf(f, "case        %s\n", opt->case_path);
    fprintf(f, "1C          %.6g A/m^2 (theoretical capacity %.6g Ah/m^2 in one hour)\n", q1c, q1c);
    fprintf(f, "%8s %10s %10s %10s %8s %11s %8s  %s\n", "C-rate", "current", "capacity", "energy",
            "mean V", "max|V-OCV|", "wall", "status");
    fprintf(f, "%8s %10s %10s %10s %8s %11s %8s\n", "[1]", "[A/m^2]", "[Ah/m^2]", "[Wh/m^2]", "[V]",
            "[V]", "[s]");
    for (int i = 0; i < opt->n; i++) {
        const upscale_rates_point *p = &pts[i];
        fprintf(f, "%8g %10.4g %10.5g %10.5g %8.4f %11.4f %8.3f  %s\n", p->c_rate, p->current,
                p->run.capacity, p->run.energy, p->run.mean_voltage, p->run.max_overpotential,
                p->wall_time, p->run.status);
    }
}
