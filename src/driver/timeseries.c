/* The time series of a run (upscale/timeseries.h). */
#include "upscale/timeseries.h"

#include <stdio.h>
#include <stdlib.h>

upscale_err upscale_timeseries_push(upscale_timeseries *s, double t, double V, double I, double cap,
                                    double ocv, int step)
{
    if (s->n == s->size) {
        size_t size = s->size ? 2 * s->size : 1024;
        double **a[] = {&s->t, &s->V, &s->I, &s->cap, &s->ocv};
        for (int k = 0; k < 5; k++) {
            double *p = realloc(*a[k], size * sizeof(double));
            UPSCALE_ALLOC_CHECK(p);
            *a[k] = p;
        }
        int *p = realloc(s->step, size * sizeof(int));
        UPSCALE_ALLOC_CHECK(p);
        s->step = p;
        s->size = size;
    }
    s->t[s->n] = t;
    s->V[s->n] = V;
    s->I[s->n] = I;
    s->cap[s->n] = cap;
    s->ocv[s->n] = ocv;
    s->step[s->n] = step;
    s->n++;
    return UPSCALE_OK;
}

upscale_err upscale_timeseries_write(const upscale_timeseries *s, upscale_output *o,
                                     const char *group, const char *ocv_meaning)
{
    static const struct {
        const char *name, *unit;
        size_t offset;
    } cols[] = {{"time", "s", offsetof(upscale_timeseries, t)},
                {"voltage", "V", offsetof(upscale_timeseries, V)},
                {"current", "A/m^2", offsetof(upscale_timeseries, I)},
                {"capacity", "Ah/m^2", offsetof(upscale_timeseries, cap)},
                {"ocv", "V", offsetof(upscale_timeseries, ocv)}};
    char path[512];
    for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
        const double *v = *(double *const *)((const char *)s + cols[k].offset);
        snprintf(path, sizeof(path), "%s/timeseries/%s", group, cols[k].name);
        UPSCALE_CALL(upscale_output_write_vector(o, path, cols[k].unit, s->n, v));
    }
    snprintf(path, sizeof(path), "%s/timeseries/current", group);
    UPSCALE_CALL(upscale_output_attr_string(o, path, "sign", "positive on discharge"));
    snprintf(path, sizeof(path), "%s/timeseries/ocv", group);
    UPSCALE_CALL(upscale_output_attr_string(o, path, "meaning", ocv_meaning));
    snprintf(path, sizeof(path), "%s/timeseries/step", group);
    UPSCALE_CALL(upscale_output_write_ints(o, path, s->n, s->step));
    return UPSCALE_OK;
}

void upscale_timeseries_free(upscale_timeseries *s)
{
    free(s->t);
    free(s->V);
    free(s->I);
    free(s->cap);
    free(s->ocv);
    free(s->step);
    *s = (upscale_timeseries){0};
}
