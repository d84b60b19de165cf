/* Reading the protocol entries and expanding them into elementary steps. */
#include "upscale/protocol.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static upscale_err push(upscale_protocol *pr, const upscale_step *s)
{
    upscale_step *n = realloc(pr->steps, sizeof(*n) * (pr->n + 1));
    UPSCALE_ALLOC_CHECK(n);
    pr->steps = n;
    pr->steps[pr->n++] = *s;
    return UPSCALE_OK;
}

/* Current magnitude from `current` or `c_rate` (exactly one). */
static upscale_err read_current(upscale_params *p, const char *base, const upscale_protocol *pr,
                                double *I)
{
    char kc[160], kr[160];
    snprintf(kc, sizeof(kc), "%s.current", base);
    snprintf(kr, sizeof(kr), "%s.c_rate", base);
    int hc = upscale_params_has(p, kc), hr = upscale_params_has(p, kr);
    if (hc && hr) {
        /* The later definition (e.g. --set over the case file) replaces the other. */
        int age = upscale_params_compare_age(p, kr, kc);
        if (age == 0) return upscale_params_error(p, kr, "give either current or c_rate, not both");
        upscale_params_mark_used(p, age > 0 ? kc : kr);
        hr = age > 0;
    }
    /* at most 100C: beyond it no cell keeps a voltage (a typo or a unit slip) */
    const double max_rate = 100, i1c = pr->c_rate_capacity / 3600.0;
    if (hr) {
        double c;
        UPSCALE_CALL(upscale_params_get_quantity(p, kr, "1", "a C-rate", 0, max_rate,
                                                 UPSCALE_RANGE_LO_OPEN, &c));
        *I = c * i1c;
        return UPSCALE_OK;
    }
    UPSCALE_CALL(upscale_params_get_quantity(p, kc, "A/m^2", "a current density (magnitude)", 0,
                                             INFINITY, UPSCALE_RANGE_LO_OPEN, I));
    if (*I > max_rate * i1c)
        return upscale_params_error(p, kc,
                                    "expected a current density in (0, %.4g] A/m^2 (100C; 1C is "
                                    "%.4g A/m^2 for this cell), got %.4g A/m^2",
                                    max_rate * i1c, i1c, *I);
    return UPSCALE_OK;
}

static upscale_err read_opt(upscale_params *p, const char *base, const char *name, const char *unit,
                            const char *what, double def, double *v)
{
    char k[160];
    snprintf(k, sizeof(k), "%s.%s", base, name);
    if (!upscale_params_has(p, k)) {
        *v = def;
        return UPSCALE_OK;
    }
    double hi = strcmp(unit, "s") ? INFINITY : UPSCALE_PROTOCOL_MAX_DURATION;
    return upscale_params_get_quantity(p, k, unit, what, 0, hi, UPSCALE_RANGE_LO_OPEN, v);
}

/* capacity_limit: a charge per area, or a fraction (e.g. "40 %") of the 1C capacity. */
static upscale_err read_capacity(upscale_params *p, const char *base, const upscale_protocol *pr,
                                 double *q)
{
    char k[160], unit[64];
    const char *text;
    double v, f;
    snprintf(k, sizeof(k), "%s.capacity_limit", base);
    *q = NAN;
    if (!upscale_params_has(p, k)) return UPSCALE_OK;
    UPSCALE_CALL(upscale_params_get_string(p, k, NULL, &text));
    if (upscale_units_split(text, &v, unit, sizeof(unit)) == 0 && unit[0] &&
        upscale_units_convert(upscale_params_units(p), v, unit, "1", &f) == UPSCALE_UNITS_OK) {
        UPSCALE_CALL(upscale_params_get_quantity(p, k, "1", "a fraction of the 1C capacity", 0, 1,
                                                 UPSCALE_RANGE_LO_OPEN, &f));
        *q = f * pr->c_rate_capacity;
        return UPSCALE_OK;
    }
    return upscale_params_get_quantity(p, k, "C/m^2", "a charge per area (or a percentage)", 0,
                                       INFINITY, UPSCALE_RANGE_LO_OPEN, q);
}

upscale_err upscale_protocol_read(upscale_params *p, const upscale_model *m, upscale_protocol *pr)
{
    static const char *const modes[] = {"discharge", "charge", "cv", "rest", "gitt", NULL};
    static const char *const dirs[] = {"discharge", "charge", NULL};
    memset(pr, 0, sizeof(*pr));
    char base[64], k[160];
    snprintf(k, sizeof(k), "protocol.0.mode");
    if (!upscale_params_has(p, k))
        return upscale_params_error(p, "protocol", "missing key: expected a list of steps");
    /* 1C: the theoretical capacity in the direction of the first current step. */
    int first_dir = +1;
    for (int g = 0;; g++) {
        snprintf(k, sizeof(k), "protocol.%d.mode", g);
        if (!upscale_params_has(p, k)) break;
        const char *mode, *dir = "";
        UPSCALE_CALL(upscale_params_get_string(p, k, NULL, &mode));
        if (!strcmp(mode, "gitt")) {
            snprintf(k, sizeof(k), "protocol.%d.direction", g);
            UPSCALE_CALL(upscale_params_get_string(p, k, "", &dir));
        }
        if (!strcmp(mode, "charge") || !strcmp(dir, "charge")) {
            first_dir = -1;
            break;
        }
        if (!strcmp(mode, "discharge") || !strcmp(dir, "discharge")) break;
    }
    pr->c_rate_capacity = upscale_model_theoretical_capacity(m, first_dir);

    for (int g = 0;; g++) {
        snprintf(base, sizeof(base), "protocol.%d", g);
        snprintf(k, sizeof(k), "%s.mode", base);
        if (!upscale_params_has(p, k)) break;
        int mode;
        UPSCALE_CALL(upscale_params_get_choice(p, k, modes, NULL, &mode));
        upscale_step s = {.duration = INFINITY,
                          .voltage_cutoff = NAN,
                          .current_cutoff = NAN,
                          .capacity_limit = NAN,
                          .group = g};
        /* Stop conditions shared by CC, CV and rest steps (a GITT entry has its own). */
        if (mode != 4)
            UPSCALE_CALL(read_opt(p, base, "duration", "s", "a duration", INFINITY, &s.duration));
        if (mode != 3 && mode != 4) UPSCALE_CALL(read_capacity(p, base, pr, &s.capacity_limit));
        switch (mode) {
        case 0: /* discharge */
        case 1: /* charge */
            s.kind = UPSCALE_STEP_CC;
            UPSCALE_CALL(read_current(p, base, pr, &s.current));
            if (mode == 1) s.current = -s.current;
            UPSCALE_CALL(
                read_opt(p, base, "voltage_cutoff", "V", "a voltage", NAN, &s.voltage_cutoff));
            if (isinf(s.duration) && isnan(s.voltage_cutoff) && isnan(s.capacity_limit))
                return upscale_params_error(p, k,
                                            "a %s step needs voltage_cutoff, "
                                            "capacity_limit or duration",
                                            modes[mode]);
            UPSCALE_CALL(push(pr, &s));
            break;
        case 2: /* cv */
            s.kind = UPSCALE_STEP_CV;
            snprintf(k, sizeof(k), "%s.voltage", base);
            UPSCALE_CALL(upscale_params_get_quantity(p, k, "V", "a voltage", 0, 10,
                                                     UPSCALE_RANGE_LO_OPEN, &s.voltage));
            UPSCALE_CALL(read_opt(p, base, "current_cutoff", "A/m^2", "a current density", NAN,
                                  &s.current_cutoff));
            snprintf(k, sizeof(k), "%s.mode", base);
            if (isinf(s.duration) && isnan(s.current_cutoff) && isnan(s.capacity_limit))
                return upscale_params_error(p, k,
                                            "a cv step needs current_cutoff, "
                                            "capacity_limit or duration");
            UPSCALE_CALL(push(pr, &s));
            break;
        case 3: /* rest */
            s.kind = UPSCALE_STEP_REST;
            if (isinf(s.duration))
                return upscale_params_error(p, k, "a rest step needs a duration");
            UPSCALE_CALL(push(pr, &s));
            break;
        default: { /* gitt */
            int dir;
            long pulses;
            double I, tp, tr, vcut;
            snprintf(k, sizeof(k), "%s.direction", base);
            UPSCALE_CALL(upscale_params_get_choice(p, k, dirs, NULL, &dir));
            UPSCALE_CALL(read_current(p, base, pr, &I));
            snprintf(k, sizeof(k), "%s.pulses", base);
            UPSCALE_CALL(upscale_params_get_int(p, k, 1, 100000, &pulses));
            snprintf(k, sizeof(k), "%s.pulse_duration", base);
            UPSCALE_CALL(upscale_params_get_quantity(p, k, "s", "a duration", 0,
                                                     UPSCALE_PROTOCOL_MAX_DURATION,
                                                     UPSCALE_RANGE_LO_OPEN, &tp));
            snprintf(k, sizeof(k), "%s.rest_duration", base);
            UPSCALE_CALL(upscale_params_get_quantity(p, k, "s", "a duration", 0,
                                                     UPSCALE_PROTOCOL_MAX_DURATION,
                                                     UPSCALE_RANGE_LO_OPEN, &tr));
            UPSCALE_CALL(read_opt(p, base, "voltage_cutoff", "V", "a voltage", NAN, &vcut));
            for (long i = 0; i < pulses; i++) {
                upscale_step a = {.kind = UPSCALE_STEP_CC,
                                  .current = dir ? -I : I,
                                  .duration = tp,
                                  .voltage_cutoff = vcut,
                                  .current_cutoff = NAN,
                                  .capacity_limit = NAN,
                                  .group = g,
                                  .ends_group = 1};
                upscale_step r = {.kind = UPSCALE_STEP_REST,
                                  .duration = tr,
                                  .voltage_cutoff = NAN,
                                  .current_cutoff = NAN,
                                  .capacity_limit = NAN,
                                  .group = g};
                UPSCALE_CALL(push(pr, &a));
                UPSCALE_CALL(push(pr, &r));
            }
        }
        }
    }
    return UPSCALE_OK;
}

void upscale_protocol_free(upscale_protocol *pr)
{
    free(pr->steps);
    pr->steps = NULL;
    pr->n = 0;
}
