/* What the 2D particle's tests and benchmark share: a case loaded with its overrides and nr
 * radial shells, its model and (options given) a 2D particle on it, and their release. */
#ifndef UPSCALE_TESTS_P2D_CASE_H
#define UPSCALE_TESTS_P2D_CASE_H

#include <stdio.h>

#include "upscale/particle2d.h"
#include "upscale/run.h"

typedef struct {
    upscale_params *prm;
    upscale_model *m;
    upscale_particle2d *p; /* NULL when opened without options */
} p2d_case;

/* path with the overrides sets[0..nsets-1] and, nr > 0, numerics.shells.positive = nr; the
 * particle with options o unless o is NULL.  What was made before a failure stays in *c for
 * p2d_close. */
static upscale_err p2d_open(p2d_case *c, const char *path, int nr, const char *const *sets,
                            int nsets, const upscale_particle2d_options *o)
{
    const char *all[16];
    char shells[64];
    int n = 0;
    *c = (p2d_case){0};
    for (int k = 0; k < nsets && n < 15; k++)
        all[n++] = sets[k];
    if (nr > 0) {
        snprintf(shells, sizeof(shells), "numerics.shells.positive=%d", nr);
        all[n++] = shells;
    }
    upscale_run_options opt = {.case_path = path, .overrides = all, .noverrides = n};
    UPSCALE_CALL(upscale_run_load_params(&opt, &c->prm));
    UPSCALE_CALL(upscale_model_create(c->prm, &c->m));
    if (o) UPSCALE_CALL(upscale_particle2d_create(c->m, o, &c->p));
    return UPSCALE_OK;
}

static void p2d_close(p2d_case *c)
{
    upscale_particle2d_destroy(&c->p);
    upscale_model_destroy(&c->m);
    upscale_params_destroy(&c->prm);
}

#endif
