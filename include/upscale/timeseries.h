/* The time series of a run, one row per accepted step: time, voltage, current, capacity,
 * open-circuit voltage and protocol step; grown as the run goes and written as /timeseries
 * (src/driver/timeseries.c).  Shared by the 1D runs (run.c) and the 2D particle's runs
 * (particle2d_main.c). */
#ifndef UPSCALE_TIMESERIES_H
#define UPSCALE_TIMESERIES_H

#include <stddef.h>

#include "upscale/error.h"
#include "upscale/output.h"

typedef struct {
    double *t, *V, *I, *cap, *ocv; /* s, V, A/m^2, Ah/m^2, V */
    int *step;                     /* protocol step, 1-based (0: the initial state) */
    size_t n, size;
} upscale_timeseries;

upscale_err upscale_timeseries_push(upscale_timeseries *s, double t, double V, double I, double cap,
                                    double ocv, int step);
/* The datasets below group ("" or a group path such as "/runs/3"), with units; ocv_meaning
 * says what the ocv column is. */
upscale_err upscale_timeseries_write(const upscale_timeseries *s, upscale_output *o,
                                     const char *group, const char *ocv_meaning);
void upscale_timeseries_free(upscale_timeseries *s);

#endif
