/* The bounded Newton update of the Cahn-Hilliard compositions
 * (upscale_model_bound_newton_update, src/cell/model.c): a shell whose update covers more
 * than half its distance to the bound it moves toward is moved in the logarithm of that
 * distance, so it stays inside (0, c_max); smaller updates are left as they are; each
 * particle's content sum vol_i c_i is the plain update's to round-off. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "upscale/model.h"
#include "upscale/run.h"

static double content(const upscale_model *m, int ix, const double *y0, const double *ycor)
{
    const upscale_layout *L = m->layout;
    int g = L->region[ix];
    double q = 0.0;
    for (int i = 0; i < L->nr[g]; i++) {
        int k = L->cs[ix] + i;
        q += m->vol[g][i] * (y0[k] + ycor[k]) * m->scale[k];
    }
    return q;
}

int main(void)
{
    upscale_run_options opt = {.case_path = "tests/cases/ch_half_cell.yaml"};
    upscale_params *p;
    upscale_model *m;
    CHECK_OK(upscale_run_load_params(&opt, &p));
    CHECK_OK(upscale_model_create(p, &m));
    if (!m) return CHECK_DONE();
    const upscale_layout *L = m->layout;
    int n = L->n, ix = L->x_begin[UPSCALE_POS] + 1, g = UPSCALE_POS;
    double *y0 = calloc(n, sizeof(double)), *yc = calloc(n, sizeof(double));
    double *del = calloc(n, sizeof(double)), *yp = calloc(n, sizeof(double));
    upscale_model_rest_state(m, y0, yp);
    for (int k = 0; k < n; k++)
        y0[k] /= m->scale[k];
    CHECK(L->mu[ix] >= 0 && L->nr[g] >= 6, "node %d holds a Cahn-Hilliard particle", ix);

    /* Shells of node ix: previous iterate and update (stoichiometry, units of c_max); the
     * other shells of the particle at c_max / 2, unchanged. */
    static const double old[] = {0.01, 0.99, 0.5, 0.3, 0.002, 0.7};
    static const double upd[] = {-0.05, 0.05, 0.01, -0.2, -0.0009, 0.1};
    static const int moves[] = {1, 1, 0, 1, 0, 0};
    int nr = L->nr[g];
    double cm = m->cell.el[g].cmax, *dyc = calloc(nr, sizeof(double));
    for (int i = 0; i < nr; i++) {
        int k = L->cs[ix] + i;
        double s = m->scale[k];
        y0[k] = 0.5 * cm / s;
        yc[k] = i < 6 ? (old[i] + upd[i]) * cm / s - y0[k] : 0.0;
        del[k] = i < 6 ? upd[i] * cm / s : 0.0;
        dyc[i] = yc[k] - del[k];
    }
    double plain = content(m, ix, y0, yc);
    int moved;
    double lnd = upscale_model_bound_newton_update(m, m->scale, y0, yc, del, &moved);
    CHECK(moved == 3, "three shells moved (%d)", moved);
    /* shells 0 and 1 moved their distance to the bound by exp(-5) */
    CHECK(fabs(lnd - 5.0) < 1e-12, "largest change of ln(distance to the bound) %.15g = 5", lnd);

    /* The moved shells: Newton's step in ln c or ln(c_max - c), inside the bounds; the
     * outermost shell (the largest volume at c_max / 2) takes the content back. */
    for (int i = 0; i < nr; i++) {
        int k = L->cs[ix] + i;
        double c = (y0[k] + yc[k]) * m->scale[k] / cm;
        CHECK(c > 0.0 && c < 1.0, "shell %d inside (0, c_max): %.6g", i, c);
        CHECK(yc[k] - del[k] == dyc[i], "shell %d: the update reports the move made", i);
        if (i >= 6) {
            CHECK((i == nr - 1) == (c != 0.5), "shell %d: %s (%.15g)", i,
                  i == nr - 1 ? "takes the content back" : "unchanged", c);
            continue;
        }
        double want = old[i] + upd[i];
        if (moves[i])
            want = upd[i] < 0 ? old[i] * exp(upd[i] / old[i])
                              : 1.0 - (1.0 - old[i]) * exp(-upd[i] / (1.0 - old[i]));
        CHECK(fabs(c - want) < 1e-14, "shell %d: %.15g, expected %.15g", i, c, want);
    }
    double q = content(m, ix, y0, yc);
    CHECK(fabs(q - plain) <= 1e-14 * fabs(plain),
          "particle content %.17g equals the plain update's %.17g", q, plain);
    free(dyc);

    /* Updates covering at most half the distance: left bitwise as they are. */
    for (int i = 0; i < nr; i++) {
        int k = L->cs[ix] + i;
        y0[k] = 0.2 * cm / m->scale[k];
        del[k] = (i % 2 ? 0.39 : -0.099) * cm / m->scale[k];
        yc[k] = del[k];
    }
    double keep = yc[L->cs[ix]];
    lnd = upscale_model_bound_newton_update(m, m->scale, y0, yc, del, &moved);
    CHECK(moved == 0 && yc[L->cs[ix]] == keep, "small updates untouched (%d moved)", moved);
    /* from 0.2 to 0.59 (distance to the nearer bound 0.2 -> 0.41) and to 0.101 (0.2 ->
     * 0.101): ln(0.41 / 0.2) is the largest */
    CHECK(fabs(lnd - log(0.41 / 0.2)) < 1e-12, "largest change of ln(distance) %.15g", lnd);

    /* Every shell emptying by more than it holds: the bounded steps would leave the content
     * the plain update removes to the farthest shell, below zero; the particle keeps the plain
     * update instead (and the residual's own check of the compositions takes over). */
    for (int i = 0; i < nr; i++) {
        int k = L->cs[ix] + i;
        y0[k] = 0.01 * cm / m->scale[k];
        del[k] = -0.05 * cm / m->scale[k];
        yc[k] = del[k];
    }
    plain = content(m, ix, y0, yc);
    upscale_model_bound_newton_update(m, m->scale, y0, yc, del, &moved);
    CHECK(moved == 0 && fabs(content(m, ix, y0, yc) - plain) <= 1e-14 * fabs(plain),
          "a particle whose content cannot be kept in bounds keeps the plain update (%d moved)",
          moved);

    free(y0), free(yc), free(del), free(yp);
    upscale_model_destroy(&m);
    upscale_params_destroy(&p);
    return CHECK_DONE();
}
