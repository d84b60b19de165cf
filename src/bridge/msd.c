/* Einstein diffusivity from an MSD series: D = slope(MSD vs t) / (2 d) over a window in the
 * diffusive regime, block standard error (rules in include/upscale/msd.h). */
#include "upscale/msd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_statistics_double.h>

struct upscale_msd {
    int n;
    double *t, *msd;
    int *lines; /* source line of each point (0 for arrays) */
    char *name, *column;
};

void upscale_msd_destroy(upscale_msd **m)
{
    if (!m || !*m) return;
    free((*m)->t);
    free((*m)->msd);
    free((*m)->lines);
    free((*m)->name);
    free((*m)->column);
    free(*m);
    *m = NULL;
}

static upscale_err msd_alloc(int n, const char *name, const char *column, upscale_msd **out)
{
    upscale_msd *m = calloc(1, sizeof(*m));
    UPSCALE_ALLOC_CHECK(m);
    m->n = n;
    m->t = malloc((size_t)n * sizeof(*m->t));
    m->msd = malloc((size_t)n * sizeof(*m->msd));
    m->lines = calloc((size_t)n, sizeof(*m->lines));
    m->name = strdup(name ? name : "MSD");
    m->column = strdup(column ? column : "");
    if (!m->t || !m->msd || !m->lines || !m->name || !m->column) {
        upscale_msd_destroy(&m);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    *out = m;
    return UPSCALE_OK;
}

/* Times strictly increasing and >= 0, MSD finite and >= 0, at least 3 points; then move the
 * time origin to the first row if the MSD is zero there (the compute was defined there). */
static upscale_err msd_validate(upscale_msd *m)
{
    const char *nm = m->name;
    for (int i = 0; i < m->n; i++) {
        char at[32] = "";
        if (m->lines[i]) snprintf(at, sizeof(at), ":%d", m->lines[i]);
        UPSCALE_CHECK(isfinite(m->t[i]) && isfinite(m->msd[i]), UPSCALE_ERR_INPUT,
                      "%s%s: time or MSD is not finite", nm, at);
        UPSCALE_CHECK(m->t[i] >= 0, UPSCALE_ERR_INPUT, "%s%s: negative time %g", nm, at, m->t[i]);
        UPSCALE_CHECK(m->msd[i] >= 0, UPSCALE_ERR_INPUT, "%s%s: negative MSD %g", nm, at,
                      m->msd[i]);
        if (i == 0) continue;
        UPSCALE_CHECK(m->t[i] != m->t[i - 1], UPSCALE_ERR_INPUT,
                      "%s%s: time %g repeats the previous row (times must increase)", nm, at,
                      m->t[i]);
        UPSCALE_CHECK(m->t[i] > m->t[i - 1], UPSCALE_ERR_INPUT,
                      "%s%s: time %g is smaller than the previous %g (unsorted rows)", nm, at,
                      m->t[i], m->t[i - 1]);
    }
    UPSCALE_CHECK(m->n >= 3, UPSCALE_ERR_INPUT, "%s: %d MSD points; a fit needs at least 3", nm,
                  m->n);
    double top = 0;
    for (int i = 0; i < m->n; i++)
        top = fmax(top, m->msd[i]);
    UPSCALE_CHECK(top > 0, UPSCALE_ERR_INPUT, "%s: the MSD is zero everywhere", nm);
    if (m->msd[0] <= 1e-12 * top) {
        double t0 = m->t[0];
        for (int i = 0; i < m->n; i++)
            m->t[i] -= t0;
    }
    return UPSCALE_OK;
}

upscale_err upscale_msd_create(const double *t, const double *msd, int n, const char *name,
                               upscale_msd **out)
{
    UPSCALE_CHECK(out && (n <= 0 || (t && msd)), UPSCALE_ERR_INTERNAL,
                  "upscale_msd_create: NULL argument");
    *out = NULL;
    UPSCALE_CHECK(n >= 3, UPSCALE_ERR_INPUT, "%s: %d MSD points; a fit needs at least 3",
                  name ? name : "MSD", n);
    upscale_msd *m;
    UPSCALE_CALL(msd_alloc(n, name, "", &m));
    memcpy(m->t, t, (size_t)n * sizeof(*t));
    memcpy(m->msd, msd, (size_t)n * sizeof(*msd));
    upscale_err e = msd_validate(m);
    if (e) {
        upscale_msd_destroy(&m);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *out = m;
    return UPSCALE_OK;
}

/* The MSD column: the one asked for, else the only compute-msd total "...[4]", else the
 * only value column besides time.  skip is the time column. */
static upscale_err pick_column(const upscale_lammps_table *t, const char *want, int skip,
                               const char *name, int *col)
{
    if (want) {
        *col = upscale_lammps_table_column(t, want);
        UPSCALE_CHECK(*col >= 0, UPSCALE_ERR_INPUT, "%s: no column named '%s'", name, want);
        return UPSCALE_OK;
    }
    int found = -1, count = 0;
    for (int j = 0; j < t->ncols; j++) {
        size_t len = strlen(t->names[j]);
        if (len > 3 && !strcmp(t->names[j] + len - 3, "[4]") && !strncmp(t->names[j], "c_", 2)) {
            found = j;
            count++;
        }
    }
    if (count == 1) {
        *col = found;
        return UPSCALE_OK;
    }
    if (t->ncols == 2 && skip == 0) {
        *col = 1;
        return UPSCALE_OK;
    }
    char list[512] = "";
    for (int j = 0; j < t->ncols; j++) {
        strncat(list, " ", sizeof(list) - strlen(list) - 1);
        strncat(list, t->names[j][0] ? t->names[j] : "?", sizeof(list) - strlen(list) - 1);
    }
    return upscale_error_set(
        UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
        "%s: cannot tell which column is the MSD (columns:%s); name it with --column NAME", name,
        list);
}

/* Build the series from a table: time column tcol (steps if step_indexed), MSD column. */
static upscale_err from_table(const upscale_lammps_table *t, int tcol, int step_indexed, double dt,
                              const char *want, const char *name, upscale_msd **out)
{
    int col;
    UPSCALE_CALL(pick_column(t, want, tcol, name, &col));
    UPSCALE_CHECK(col != tcol, UPSCALE_ERR_INPUT, "%s: the MSD column is the time column", name);
    if (step_indexed)
        UPSCALE_CHECK(
            dt > 0 && isfinite(dt), UPSCALE_ERR_INPUT,
            "%s: time is given in steps (column '%s'): the timestep size is needed "
            "(give --timestep DT, or --log LOG with the log.lammps whose echoed 'timestep' "
            "applies)",
            name, t->names[tcol]);
    upscale_msd *m;
    UPSCALE_CALL(msd_alloc(t->nrows, name, t->names[col], &m));
    for (int i = 0; i < t->nrows; i++) {
        const double *row = t->data + (size_t)i * (size_t)t->ncols;
        m->t[i] = step_indexed ? row[tcol] * dt : row[tcol];
        m->msd[i] = row[col];
        m->lines[i] = t->lines[i];
    }
    upscale_err e = msd_validate(m);
    if (e) {
        upscale_msd_destroy(&m);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *out = m;
    return UPSCALE_OK;
}

upscale_err upscale_msd_read(const char *path, const upscale_msd_source *src, upscale_msd **out)
{
    UPSCALE_CHECK(path && src && out, UPSCALE_ERR_INTERNAL, "upscale_msd_read: NULL argument");
    *out = NULL;
    upscale_lammps_table *t;
    UPSCALE_CALL(upscale_lammps_avetime_read(path, &t));
    int steps = !strcmp(t->names[0], "TimeStep") || !strcmp(t->names[0], "Step");
    upscale_err e = from_table(t, 0, steps, src->timestep, src->column, path, out);
    upscale_lammps_table_destroy(&t);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}

upscale_err upscale_msd_from_log(const upscale_lammps_log *log, int run,
                                 const upscale_msd_source *src, upscale_msd **out)
{
    UPSCALE_CHECK(log && src && out, UPSCALE_ERR_INTERNAL, "upscale_msd_from_log: NULL argument");
    *out = NULL;
    const char *path = upscale_lammps_log_path(log);
    const upscale_lammps_run *r = upscale_lammps_log_run(log, run);
    UPSCALE_CHECK(r, UPSCALE_ERR_INPUT, "%s: no run %d", path, run + 1);
    UPSCALE_CHECK(r->status != UPSCALE_LAMMPS_RUN_ABORTED, UPSCALE_ERR_INPUT,
                  "%s:%d: run %d aborted (%s); its MSD cannot be used", path, r->end_line, run + 1,
                  r->message);
    UPSCALE_CHECK(r->status != UPSCALE_LAMMPS_RUN_TRUNCATED, UPSCALE_ERR_INPUT,
                  "%s:%d: run %d ends without 'Loop time' (truncated log); its MSD cannot be "
                  "used",
                  path, r->end_line, run + 1);
    const upscale_lammps_table *t = &r->thermo;
    int tcol = upscale_lammps_table_column(t, "Step"), steps = 1;
    if (tcol < 0) {
        tcol = upscale_lammps_table_column(t, "Time");
        steps = 0;
    }
    UPSCALE_CHECK(tcol >= 0, UPSCALE_ERR_INPUT, "%s:%d: run %d has neither Step nor Time column",
                  path, r->start_line, run + 1);
    char name[1024];
    snprintf(name, sizeof(name), "%s (run %d)", path, run + 1);
    double dt = src->timestep > 0 ? src->timestep : r->timestep;
    UPSCALE_CALL(from_table(t, tcol, steps, dt, src->column, name, out));
    return UPSCALE_OK;
}

int upscale_msd_size(const upscale_msd *m)
{
    return m->n;
}

const double *upscale_msd_time(const upscale_msd *m)
{
    return m->t;
}

const double *upscale_msd_values(const upscale_msd *m)
{
    return m->msd;
}

const char *upscale_msd_name(const upscale_msd *m)
{
    return m->name;
}

const char *upscale_msd_column(const upscale_msd *m)
{
    return m->column;
}

void upscale_msd_settings_default(upscale_msd_settings *s)
{
    *s = (upscale_msd_settings){.dim = 3,
                                .start_fraction = 0.1,
                                .end_fraction = 0.9,
                                .alpha_tol = 0.1,
                                .nblocks = 5,
                                .t_start = 0,
                                .t_end = 0};
}

/* Slope of ln MSD vs ln t over points lo..hi (all with t > 0, MSD > 0). */
static upscale_err loglog_slope(const double *lt, const double *lm, int lo, int hi, double *slope)
{
    double c0, c1, c00, c01, c11, ss;
    int status = gsl_fit_linear(lt + lo, 1, lm + lo, 1, (size_t)(hi - lo + 1), &c0, &c1, &c00, &c01,
                                &c11, &ss);
    UPSCALE_CHECK(status == GSL_SUCCESS, UPSCALE_ERR_INTERNAL, "gsl_fit_linear: %s",
                  gsl_strerror(status));
    *slope = c1;
    return UPSCALE_OK;
}

/* First time at which the local exponent alpha(t), fitted over [t/2, 2t], is within tol of 1
 * and stays so up to hold t (NAN if never); lt, lm are ln t and ln MSD of the points with
 * t > 0 and MSD > 0; a is a workspace of n. */
static upscale_err first_diffusive(const double *t, const double *lt, const double *lm, int n,
                                   double tol, double hold, double *a, double *t_diff)
{
    *t_diff = NAN;
    if (n < 3) return UPSCALE_OK;
    int lo = 0, hi = 0;
    for (int i = 0; i < n; i++) {
        while (t[lo] < 0.5 * t[i])
            lo++;
        if (hi < i) hi = i;
        while (hi + 1 < n && t[hi + 1] <= 2.0 * t[i])
            hi++;
        a[i] = NAN;
        if (hi - lo + 1 < 3) continue;
        UPSCALE_CALL(loglog_slope(lt, lm, lo, hi, &a[i]));
    }
    for (int i = 0; i < n; i++) {
        if (!(fabs(a[i] - 1) <= tol)) continue;
        int ok = 1;
        for (int j = i + 1; j < n && t[j] <= hold * t[i] && ok; j++)
            ok = !(fabs(a[j] - 1) > tol);
        if (ok) {
            *t_diff = t[i];
            return UPSCALE_OK;
        }
    }
    return UPSCALE_OK;
}

static upscale_err check_settings(const upscale_msd_settings *s, const char *name)
{
    UPSCALE_CHECK(s->dim >= 1 && s->dim <= 3, UPSCALE_ERR_INPUT,
                  "%s: dimensionality %d is not 1, 2 or 3", name, s->dim);
    UPSCALE_CHECK(s->start_fraction >= 0 && s->end_fraction <= 1 &&
                      s->start_fraction < s->end_fraction,
                  UPSCALE_ERR_INPUT, "%s: fit window fractions %g..%g: need 0 <= start < end <= 1",
                  name, s->start_fraction, s->end_fraction);
    UPSCALE_CHECK(s->alpha_tol > 0 && s->alpha_tol < 1, UPSCALE_ERR_INPUT,
                  "%s: alpha tolerance %g not in (0, 1)", name, s->alpha_tol);
    UPSCALE_CHECK(s->nblocks >= 2, UPSCALE_ERR_INPUT, "%s: %d blocks; the block error needs >= 2",
                  name, s->nblocks);
    UPSCALE_CHECK(!(s->t_start > 0 && s->t_end > 0) || s->t_end > s->t_start, UPSCALE_ERR_INPUT,
                  "%s: fit window end %g is not after its start %g", name, s->t_end, s->t_start);
    return UPSCALE_OK;
}

/* OLS slope of MSD vs t over points lo..hi, with the GSL covariance of the slope. */
static upscale_err ols(const double *t, const double *y, int lo, int hi, double *c0, double *c1,
                       double *var1)
{
    double c00, c01, ss;
    int status =
        gsl_fit_linear(t + lo, 1, y + lo, 1, (size_t)(hi - lo + 1), c0, c1, &c00, &c01, var1, &ss);
    UPSCALE_CHECK(status == GSL_SUCCESS, UPSCALE_ERR_INTERNAL, "gsl_fit_linear: %s",
                  gsl_strerror(status));
    return UPSCALE_OK;
}

static upscale_err fit(const upscale_msd *m, const upscale_msd_settings *s, double *lt, double *lm,
                       double *tp, double *blocks, double *lblk, double *work,
                       upscale_msd_result *r)
{
    const double *t = m->t, *y = m->msd;
    int n = m->n;
    double tmax = t[n - 1], two_d = 2.0 * s->dim;

    /* ln t, ln MSD of the points with t > 0 and MSD > 0 */
    int np = 0;
    for (int i = 0; i < n; i++)
        if (t[i] > 0 && y[i] > 0) {
            tp[np] = t[i];
            lt[np] = log(t[i]);
            lm[np] = log(y[i]);
            np++;
        }
    UPSCALE_CALL(first_diffusive(tp, lt, lm, np, s->alpha_tol, 1.0, work, &r->t_diffusive));
    /* the same for MSD - MSD(t_1), t_1 the first positive time: a plateau reached by then
     * (the vibrational cage of a solid) keeps the exponent of MSD itself below 1 for long;
     * that exponent, t / (t - t_1) for a + b t, falls to 1 from above for any MSD, so it must
     * stay within tol up to 4 t */
    if (np > 0) {
        double y1 = exp(lm[0]), td = NAN;
        int nq = 0;
        for (int i = 1; i < np; i++) {
            double d = exp(lm[i]) - y1;
            if (!(d > 0)) continue;
            lt[nq] = lt[i];
            lm[nq] = log(d);
            tp[nq] = tp[i];
            nq++;
        }
        UPSCALE_CALL(first_diffusive(tp, lt, lm, nq, s->alpha_tol, 4.0, work, &td));
        if (isfinite(td) && !(td >= r->t_diffusive)) r->t_diffusive = td;
        /* ln t, ln MSD again for the window's log-log slope */
        np = 0;
        for (int i = 0; i < n; i++)
            if (t[i] > 0 && y[i] > 0) {
                tp[np] = t[i];
                lt[np] = log(t[i]);
                lm[np] = log(y[i]);
                np++;
            }
    }

    double t0 = s->start_fraction * tmax, t1 = s->end_fraction * tmax;
    if (isfinite(r->t_diffusive) && r->t_diffusive > t0) t0 = r->t_diffusive;
    if (s->t_start > 0) t0 = s->t_start;
    if (s->t_end > 0) t1 = s->t_end;
    int lo = 0, hi = n - 1;
    while (lo < n && t[lo] < t0 * (1 - 1e-12))
        lo++;
    while (hi >= 0 && t[hi] > t1 * (1 + 1e-12))
        hi--;
    r->n = hi - lo + 1;
    UPSCALE_CHECK(r->n >= 3, UPSCALE_ERR_INPUT,
                  "%s: the fit window t = %g..%g holds %d points; a fit needs at least 3", m->name,
                  t0, t1, r->n < 0 ? 0 : r->n);
    r->t_start = t[lo];
    r->t_end = t[hi];

    /* MSD = a + b t over the window; D = b / (2 d) */
    double c0, c1, var1;
    UPSCALE_CALL(ols(t, y, lo, hi, &c0, &c1, &var1));
    r->D = c1 / two_d;
    r->intercept = c0;

    /* block estimate: D_k over nblocks windows of equal duration, SE = sd(D_k)/sqrt(nb) */
    int nb = s->nblocks, ok = 1;
    double w = (r->t_end - r->t_start) / nb;
    int b_lo = lo;
    for (int k = 0; k < nb && ok; k++) {
        double edge = r->t_start + (k + 1) * w;
        int b_hi = b_lo;
        while (b_hi + 1 <= hi && (k == nb - 1 || t[b_hi + 1] < edge))
            b_hi++;
        if (b_hi - b_lo + 1 < 3) {
            ok = 0;
            break;
        }
        double a, b, v;
        UPSCALE_CALL(ols(t, y, b_lo, b_hi, &a, &b, &v));
        blocks[k] = b / two_d;
        b_lo = b_hi + 1;
    }
    if (ok) {
        r->D_err = gsl_stats_sd(blocks, 1, (size_t)nb) / sqrt((double)nb);
        r->error_method = UPSCALE_MSD_ERROR_BLOCKS;
        /* exponent of the diffusive part: MSD = a + c t^alpha has dMSD/dt = c alpha t^(alpha-1),
         * so alpha - 1 is the slope of ln D_k against ln of the block's mid time (a plateau a
         * drops out); standard error from the regression */
        int pos = 1;
        for (int k = 0; k < nb; k++)
            pos &= blocks[k] > 0;
        if (pos) {
            for (int k = 0; k < nb; k++) {
                lblk[k] = log(r->t_start + (k + 0.5) * w);
                blocks[k] = log(blocks[k]);
            }
            double a0, a1, v00, v01, v11, ss;
            int st =
                gsl_fit_linear(lblk, 1, blocks, 1, (size_t)nb, &a0, &a1, &v00, &v01, &v11, &ss);
            UPSCALE_CHECK(st == GSL_SUCCESS, UPSCALE_ERR_INTERNAL, "gsl_fit_linear: %s",
                          gsl_strerror(st));
            r->alpha_diff = 1.0 + a1;
            r->alpha_diff_err = sqrt(v11);
        } else {
            r->alpha_diff = -INFINITY; /* MSD not increasing over a block */
            r->alpha_diff_err = NAN;
        }
    } else {
        r->D_err = sqrt(var1) / two_d;
        r->error_method = UPSCALE_MSD_ERROR_REGRESSION;
    }

    /* log-log slope over the window: 1 in the diffusive regime */
    int plo = 0, phi = np - 1;
    while (plo < np && tp[plo] < r->t_start)
        plo++;
    while (phi >= 0 && tp[phi] > r->t_end)
        phi--;
    r->alpha = NAN;
    if (phi - plo + 1 >= 2) UPSCALE_CALL(loglog_slope(lt, lm, plo, phi, &r->alpha));
    if (r->error_method == UPSCALE_MSD_ERROR_BLOCKS) {
        /* diffusive unless alpha_diff is off by more than alpha_tol and by more than 2 se */
        double dev = fabs(r->alpha_diff - 1);
        r->diffusive =
            isfinite(r->alpha_diff) &&
            (dev <= s->alpha_tol || (isfinite(r->alpha_diff_err) && dev <= 2 * r->alpha_diff_err));
    } else {
        r->alpha_diff = r->alpha_diff_err = NAN;
        r->diffusive = isfinite(r->alpha) && fabs(r->alpha - 1) <= s->alpha_tol;
    }
    return UPSCALE_OK;
}

upscale_err upscale_msd_fit(const upscale_msd *m, const upscale_msd_settings *s,
                            upscale_msd_result *r)
{
    UPSCALE_CHECK(m && s && r, UPSCALE_ERR_INTERNAL, "upscale_msd_fit: NULL argument");
    UPSCALE_CALL(check_settings(s, m->name));
    upscale_error_install_handlers();
    memset(r, 0, sizeof(*r));
    /* workspaces: ln t, ln MSD, positive times, block slopes */
    double *lt = malloc((size_t)m->n * sizeof(*lt));
    double *lm = malloc((size_t)m->n * sizeof(*lm));
    double *tp = calloc((size_t)m->n, sizeof(*tp));
    double *blocks = malloc((size_t)s->nblocks * sizeof(*blocks));
    double *lblk = malloc((size_t)s->nblocks * sizeof(*lblk));
    double *work = malloc((size_t)m->n * sizeof(*work));
    upscale_err e =
        (lt && lm && tp && blocks && lblk && work)
            ? fit(m, s, lt, lm, tp, blocks, lblk, work, r)
            : upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__, "out of memory");
    free(lt);
    free(lm);
    free(tp);
    free(blocks);
    free(lblk);
    free(work);
    UPSCALE_CALL(e);
    return UPSCALE_OK;
}
