/* Cahn-Hilliard thermodynamics: spinodals, common tangent, eq. 24 and 26-28 and App. A of
 * Yang et al. (MnFePBA upscaling).  See include/upscale/phasefield.h for units. */
#include "upscale/phasefield.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_odeiv2.h>

#include "upscale/constants.h"

enum {
    SCAN_POINTS = 2048, /* grid for the sign of dmu/dc */
    MAX_ITER = 200,     /* safeguarded Newton */
    QUAD_LIMIT = 512,   /* QAGS subintervals */
    EDGE_HALVINGS = 60, /* bracket search between the first grid point and an end */
};
static const double QUAD_EPSREL = 1e-9;
static const double PROFILE_TAIL = 1e-6; /* profile ends within this fraction of c2 - c1 */

static double thermo_mu(const upscale_thermo *th, double c, double *dmu)
{
    double d = NAN;
    double m = th->mu(c, th->ctx, &d);
    *dmu = d;
    return m;
}

/* Scan point k = 0..SCAN_POINTS-1, strictly inside (c_lo, c_hi):
 * c_k = c_lo + (c_hi - c_lo) (1 - cos(pi (k + 1)/(SCAN_POINTS + 1)))/2. */
static double scan_point(const upscale_thermo *th, int k)
{
    double t = (1.0 - cos(M_PI * (k + 1) / (SCAN_POINTS + 1))) / 2.0;
    return th->c_lo + (th->c_hi - th->c_lo) * t;
}

/* A scalar function with derivative; may fail. */
typedef upscale_err (*fdf_fn)(double x, void *ctx, double *f, double *df);

/* Root of f in [a, b] (f(a) f(b) <= 0, values fa, fb given): Newton steps, replaced by
 * bisection whenever they leave the bracket or shrink it too slowly.  Stops when the step
 * is below tol or f = 0. */
static upscale_err safe_newton(fdf_fn fn, void *ctx, double a, double b, double fa, double fb,
                               double tol, double *root)
{
    UPSCALE_CHECK(fa * fb <= 0.0, UPSCALE_ERR_INTERNAL,
                  "root not bracketed: f(%g) = %g, f(%g) = %g", a, fa, b, fb);
    if (fa == 0.0) {
        *root = a;
        return UPSCALE_OK;
    }
    if (fb == 0.0) {
        *root = b;
        return UPSCALE_OK;
    }
    double lo = fa < 0.0 ? a : b, hi = fa < 0.0 ? b : a; /* f(lo) < 0 < f(hi) */
    double x = 0.5 * (a + b), dx_old = fabs(b - a), dx = dx_old;
    double f, df;
    UPSCALE_CALL(fn(x, ctx, &f, &df));
    for (int it = 0; it < MAX_ITER; it++) {
        int newton_ok = df != 0.0 && isfinite(df) &&
                        ((x - hi) * df - f) * ((x - lo) * df - f) < 0.0 &&
                        fabs(2.0 * f) < fabs(dx_old * df);
        dx_old = dx;
        if (newton_ok) {
            dx = f / df;
            x -= dx;
        } else {
            dx = 0.5 * (hi - lo);
            x = lo + dx;
        }
        if (fabs(dx) <= tol) {
            *root = x;
            return UPSCALE_OK;
        }
        UPSCALE_CALL(fn(x, ctx, &f, &df));
        if (f == 0.0) {
            *root = x;
            return UPSCALE_OK;
        }
        if (f < 0.0)
            lo = x;
        else
            hi = x;
    }
    return upscale_error_set(UPSCALE_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                             "no convergence after %d safeguarded Newton steps near %g", MAX_ITER,
                             x);
}

/* The scan: dmu/dc at the grid points, and the chosen interval where it is negative. */
typedef struct {
    const upscale_thermo *th;
    double c[SCAN_POINTS], mu[SCAN_POINTS], dmu[SCAN_POINTS];
    int k_first, k_last; /* grid points of the chosen run with dmu < 0; -1 if none */
    int open_ends;       /* UPSCALE_PHASEFIELD_OPEN_LO | _HI */
} scan;

static upscale_err scan_run(const upscale_thermo *th, scan *s)
{
    UPSCALE_CHECK(th && th->mu && th->g, UPSCALE_ERR_INPUT, "free energy without mu or g callback");
    UPSCALE_CHECK(isfinite(th->c_lo) && isfinite(th->c_hi) && th->c_lo < th->c_hi,
                  UPSCALE_ERR_INPUT, "free-energy domain (%g, %g) is not an interval", th->c_lo,
                  th->c_hi);
    s->th = th;
    for (int k = 0; k < SCAN_POINTS; k++) {
        s->c[k] = scan_point(th, k);
        s->mu[k] = thermo_mu(th, s->c[k], &s->dmu[k]);
        UPSCALE_CHECK(isfinite(s->mu[k]) && isfinite(s->dmu[k]), UPSCALE_ERR_INPUT,
                      "mu or dmu/dc not finite at c = %g mol/m^3", s->c[k]);
    }
    /* Runs of dmu/dc < 0; keep the one with the largest fall of mu across it. */
    s->k_first = s->k_last = -1;
    double best = -1.0;
    for (int k = 0; k < SCAN_POINTS; k++) {
        if (s->dmu[k] >= 0.0) continue;
        int j = k;
        while (j + 1 < SCAN_POINTS && s->dmu[j + 1] < 0.0)
            j++;
        double fall = s->mu[k > 0 ? k - 1 : k] - s->mu[j + 1 < SCAN_POINTS ? j + 1 : j];
        if (fall > best) {
            best = fall;
            s->k_first = k;
            s->k_last = j;
        }
        k = j;
    }
    if (s->k_first < 0) return UPSCALE_OK;
    UPSCALE_CHECK((s->k_first > 0 || (s->open_ends & UPSCALE_PHASEFIELD_OPEN_LO)) &&
                      (s->k_last < SCAN_POINTS - 1 || (s->open_ends & UPSCALE_PHASEFIELD_OPEN_HI)),
                  UPSCALE_ERR_INPUT,
                  "dmu/dc < 0 up to the end of the domain (%g, %g) mol/m^3: widen it", th->c_lo,
                  th->c_hi);
    return UPSCALE_OK;
}

/* Zero of dmu/dc between grid points k and k + 1 by bisection (no second derivative). */
static double bisect_dmu(const scan *s, int k)
{
    double a = s->c[k], b = s->c[k + 1];
    int neg_a = s->dmu[k] < 0.0;
    for (int it = 0; it < 200; it++) {
        double m = 0.5 * (a + b), d;
        if (m <= a || m >= b) break;
        thermo_mu(s->th, m, &d);
        if ((d < 0.0) == neg_a)
            a = m;
        else
            b = m;
    }
    return 0.5 * (a + b);
}

upscale_err upscale_phasefield_spinodals(const upscale_thermo *th, int *found, double *s1,
                                         double *s2)
{
    scan *s = malloc(sizeof(*s));
    UPSCALE_ALLOC_CHECK(s);
    s->open_ends = 0;
    upscale_err e = scan_run(th, s);
    if (e == UPSCALE_OK) {
        *found = s->k_first >= 0;
        *s1 = *found ? bisect_dmu(s, s->k_first - 1) : NAN;
        *s2 = *found ? bisect_dmu(s, s->k_last) : NAN;
    }
    free(s);
    if (e != UPSCALE_OK) return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    return UPSCALE_OK;
}

/* mu(c) - target, with its derivative. */
typedef struct {
    const upscale_thermo *th;
    double target;
} level;

static upscale_err level_fdf(double c, void *ctx, double *f, double *df)
{
    const level *l = ctx;
    *f = thermo_mu(l->th, c, df) - l->target;
    UPSCALE_CHECK(isfinite(*f) && isfinite(*df), UPSCALE_ERR_INPUT,
                  "mu or dmu/dc not finite at c = %g mol/m^3", c);
    return UPSCALE_OK;
}

/* The common-tangent problem: the stable branches are (c_left, s1) and (s2, c_right),
 * on which mu is monotone and spans [mu(s2), mu(s1)]. */
typedef struct {
    const upscale_thermo *th;
    double s1, s2, c_left, c_right;
    double mu_s1, mu_s2, mu_left, mu_right;
    double ca, cb;    /* last branch points */
    int fix_a, fix_b; /* a contact point held at an open end (ca = c_lo, cb = c_hi) */
    int open_ends;
} tangent;

static double ctol(const upscale_thermo *th, double c)
{
    return 4.0 * DBL_EPSILON * fabs(c) + 1e-15 * (th->c_hi - th->c_lo);
}

/* F(m) = g(c_b) - g(c_a) - m (c_b - c_a) and dF/dm = -(c_b - c_a). */
static upscale_err tangent_fdf(double m, void *ctx, double *F, double *dF)
{
    tangent *t = ctx;
    level l = {t->th, m};
    if (!t->fix_a)
        UPSCALE_CALL(safe_newton(level_fdf, &l, t->c_left, t->s1, t->mu_left - m, t->mu_s1 - m,
                                 ctol(t->th, t->s1), &t->ca));
    if (!t->fix_b)
        UPSCALE_CALL(safe_newton(level_fdf, &l, t->s2, t->c_right, t->mu_s2 - m, t->mu_right - m,
                                 ctol(t->th, t->c_right), &t->cb));
    double ga = t->th->g(t->ca, t->th->ctx), gb = t->th->g(t->cb, t->th->ctx);
    UPSCALE_CHECK(isfinite(ga) && isfinite(gb), UPSCALE_ERR_INPUT,
                  "g not finite at c = %g or %g mol/m^3", t->ca, t->cb);
    *F = gb - ga - m * (t->cb - t->ca);
    *dF = -(t->cb - t->ca);
    return UPSCALE_OK;
}

/* The far end of a stable branch: walk the grid from the spinodal towards the end of the
 * domain (dir = -1: c_lo) while dmu/dc > 0, until mu passes `bound`; past the last grid
 * point, halve the distance to the end.  If mu never passes it (a binodal as close to a
 * log singularity as 1e-24 is not representable), the last point is returned: the bracket
 * of the common tangent is then narrowed to what the branch reaches. */
static upscale_err branch_end(const scan *s, int k_spin, int dir, double bound, double *c,
                              double *mu)
{
    const upscale_thermo *th = s->th;
    int k = k_spin;
    for (;;) {
        *c = s->c[k];
        *mu = s->mu[k];
        if (dir < 0 ? *mu < bound : *mu > bound) return UPSCALE_OK;
        int next = k + dir;
        if (next < 0 || next >= SCAN_POINTS) break;
        /* A fit's wiggles on a stable branch are walked through (UPSCALE_PHASEFIELD_FIT). */
        UPSCALE_CHECK(
            s->dmu[next] >= 0.0 || (s->open_ends & UPSCALE_PHASEFIELD_FIT), UPSCALE_ERR_INPUT,
            "two miscibility gaps overlap near c = %g mol/m^3: restrict (c_lo, c_hi)", s->c[next]);
        k = next;
    }
    double end = dir < 0 ? th->c_lo : th->c_hi;
    for (int j = 0; j < EDGE_HALVINGS; j++) {
        double cc = end + 0.5 * (*c - end), d;
        if (cc == end || cc == *c) break;
        double m = thermo_mu(th, cc, &d);
        if (!isfinite(m) || !isfinite(d) || d <= 0.0) break;
        *c = cc;
        *mu = m;
        if (dir < 0 ? m < bound : m > bound) break;
    }
    return UPSCALE_OK;
}

typedef struct {
    const upscale_thermo *th;
    const upscale_phasefield_gap *gap;
    double kappa;
} p_ctx;

static double sqrt_p(double c, void *ctx)
{
    const p_ctx *q = ctx;
    double p = upscale_phasefield_p(q->th, q->gap, c);
    if (!isfinite(p)) return NAN;
    return sqrt(fmax(p, 0.0));
}

/* The tangent with a contact point held at an open end of the domain (eq. of
 * upscale_phasefield_common_tangent_open): F(m) as in tangent_fdf with ca = c_lo or cb = c_hi
 * fixed, still decreasing in m, solved on [m_lo, m_hi]; both held: the chord. */
static upscale_err tangent_held(tangent *t, double m_lo, double m_hi, double *m)
{
    const upscale_thermo *th = t->th;
    if (t->fix_a) t->ca = th->c_lo;
    if (t->fix_b) t->cb = th->c_hi;
    if (t->fix_a && t->fix_b) {
        *m = (th->g(t->cb, th->ctx) - th->g(t->ca, th->ctx)) / (t->cb - t->ca);
        return UPSCALE_OK;
    }
    double F_lo, F_hi, dF;
    UPSCALE_CALL(tangent_fdf(m_lo, t, &F_lo, &dF));
    UPSCALE_CALL(tangent_fdf(m_hi, t, &F_hi, &dF));
    /* The free point's branch ends at the other open end before the tangent: hold both. */
    if ((t->fix_a && F_hi > 0.0 && (t->open_ends & UPSCALE_PHASEFIELD_OPEN_HI)) ||
        (t->fix_b && F_lo < 0.0 && (t->open_ends & UPSCALE_PHASEFIELD_OPEN_LO))) {
        t->fix_a = t->fix_b = 1;
        return tangent_held(t, m_lo, m_hi, m);
    }
    UPSCALE_CHECK(F_lo >= 0.0 && F_hi <= 0.0, UPSCALE_ERR_INPUT,
                  "the tangent from the end c = %g of the domain is not bracketed",
                  t->fix_a ? th->c_lo : th->c_hi);
    double mtol = 1e-13 * (m_hi - m_lo) + 4.0 * DBL_EPSILON * fabs(m_hi);
    UPSCALE_CALL(safe_newton(tangent_fdf, t, m_lo, m_hi, F_lo, F_hi, mtol, m));
    return tangent_fdf(*m, t, &F_lo, &dF);
}

/* Open ends: an unstable run reaching an end leaves no stable branch there (the contact
 * point is the end, the spinodal NaN); a branch that reaches the end without the tangent
 * on it holds the contact point at the end. */
static upscale_err tangent_solve_open(const scan *s, upscale_phasefield_gap *gap)
{
    const upscale_thermo *th = s->th;
    tangent t = {.th = th, .open_ends = s->open_ends};
    double d;
    t.fix_a = s->k_first == 0;
    t.fix_b = s->k_last == SCAN_POINTS - 1;
    t.s1 = t.fix_a ? th->c_lo : bisect_dmu(s, s->k_first - 1);
    t.s2 = t.fix_b ? th->c_hi : bisect_dmu(s, s->k_last);
    t.mu_s1 = thermo_mu(th, t.s1, &d);
    t.mu_s2 = thermo_mu(th, t.s2, &d);
    UPSCALE_CHECK(isfinite(t.mu_s1) && isfinite(t.mu_s2) && t.mu_s1 > t.mu_s2, UPSCALE_ERR_INPUT,
                  "mu(%g) = %g is not above mu(%g) = %g", t.s1, t.mu_s1, t.s2, t.mu_s2);
    t.c_left = t.c_right = NAN;
    t.mu_left = t.mu_s1;
    t.mu_right = t.mu_s2;
    if (!t.fix_a) UPSCALE_CALL(branch_end(s, s->k_first - 1, -1, t.mu_s2, &t.c_left, &t.mu_left));
    if (!t.fix_b) UPSCALE_CALL(branch_end(s, s->k_last + 1, +1, t.mu_s1, &t.c_right, &t.mu_right));
    double m_lo = fmax(t.mu_s2, t.mu_left), m_hi = fmin(t.mu_s1, t.mu_right), m = NAN, F, dF;
    if (!t.fix_a && !t.fix_b && m_lo < m_hi) {
        /* Free contact points unless the root lies beyond what a branch reaches. */
        UPSCALE_CALL(tangent_fdf(m_lo, &t, &F, &dF));
        t.fix_a = F < 0.0 && (s->open_ends & UPSCALE_PHASEFIELD_OPEN_LO);
        UPSCALE_CALL(tangent_fdf(m_hi, &t, &F, &dF));
        t.fix_b = F > 0.0 && (s->open_ends & UPSCALE_PHASEFIELD_OPEN_HI);
    } else if (!t.fix_a && !t.fix_b) {
        /* The branches share no level of mu: hold an open end (tangent_held holds the
         * other one too if the free point's branch ends first). */
        t.fix_a = (s->open_ends & UPSCALE_PHASEFIELD_OPEN_LO) != 0;
        t.fix_b = !t.fix_a && (s->open_ends & UPSCALE_PHASEFIELD_OPEN_HI);
    }
    if (t.fix_a) {
        m_hi = fmin(thermo_mu(th, th->c_lo, &d), t.fix_b ? INFINITY : t.mu_right);
        m_lo = t.mu_s2;
    }
    if (t.fix_b) {
        m_lo = fmax(thermo_mu(th, th->c_hi, &d), t.fix_a ? -INFINITY : t.mu_left);
        m_hi = t.fix_a ? m_hi : t.mu_s1;
    }
    if (t.fix_a || t.fix_b) {
        UPSCALE_CALL(tangent_held(&t, m_lo, m_hi, &m));
        gap->found = 1;
        gap->s1 = s->k_first == 0 ? NAN : t.s1;
        gap->s2 = s->k_last == SCAN_POINTS - 1 ? NAN : t.s2;
        gap->c1 = t.ca;
        gap->c2 = t.cb;
        gap->mu_coex = m;
        gap->g1 = th->g(t.ca, th->ctx);
        gap->c1_at_end = t.fix_a;
        gap->c2_at_end = t.fix_b;
        return UPSCALE_OK;
    }
    return upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                             "the common tangent leaves the domain (%g, %g) at an end that is "
                             "not open",
                             th->c_lo, th->c_hi);
}

static upscale_err tangent_solve(const scan *s, upscale_phasefield_gap *gap)
{
    const upscale_thermo *th = s->th;
    tangent t = {.th = th};
    t.s1 = bisect_dmu(s, s->k_first - 1);
    t.s2 = bisect_dmu(s, s->k_last);
    double d;
    t.mu_s1 = thermo_mu(th, t.s1, &d);
    t.mu_s2 = thermo_mu(th, t.s2, &d);
    UPSCALE_CHECK(t.mu_s1 > t.mu_s2, UPSCALE_ERR_INTERNAL, "mu(s1) = %g <= mu(s2) = %g J/mol",
                  t.mu_s1, t.mu_s2);
    /* The left branch must reach below mu(s2), the right one above mu(s1). */
    UPSCALE_CALL(branch_end(s, s->k_first - 1, -1, t.mu_s2, &t.c_left, &t.mu_left));
    UPSCALE_CALL(branch_end(s, s->k_last + 1, +1, t.mu_s1, &t.c_right, &t.mu_right));

    /* F(mu(s2)) > 0 > F(mu(s1)) and F is monotone: one root.  With a branch that does not
     * reach across [mu(s2), mu(s1)], the bracket shrinks to the reachable part, and the
     * root must lie inside it. */
    double m_lo = fmax(t.mu_s2, t.mu_left), m_hi = fmin(t.mu_s1, t.mu_right);
    UPSCALE_CHECK(m_lo < m_hi, UPSCALE_ERR_INPUT,
                  "the common tangent leaves the domain (%g, %g) mol/m^3", th->c_lo, th->c_hi);
    double F_lo, F_hi, dF;
    UPSCALE_CALL(tangent_fdf(m_lo, &t, &F_lo, &dF));
    UPSCALE_CALL(tangent_fdf(m_hi, &t, &F_hi, &dF));
    UPSCALE_CHECK(F_lo >= 0.0 && F_hi <= 0.0, UPSCALE_ERR_INPUT,
                  "the common tangent leaves the domain (%g, %g) mol/m^3 at its %s end", th->c_lo,
                  th->c_hi, F_lo < 0.0 ? "lower" : "upper");
    double mtol = 1e-13 * (t.mu_s1 - t.mu_s2) + 4.0 * DBL_EPSILON * fabs(t.mu_s1);
    double m = NAN;
    UPSCALE_CALL(safe_newton(tangent_fdf, &t, m_lo, m_hi, F_lo, F_hi, mtol, &m));
    UPSCALE_CALL(tangent_fdf(m, &t, &F_lo, &dF));

    gap->found = 1;
    gap->s1 = t.s1;
    gap->s2 = t.s2;
    gap->c1 = t.ca;
    gap->c2 = t.cb;
    gap->mu_coex = m;
    gap->g1 = th->g(t.ca, th->ctx);

    if (s->open_ends & UPSCALE_PHASEFIELD_TANGENT_ONLY) return UPSCALE_OK;
    /* p is largest where p' = mu - mu_coex = 0 on the unstable branch. */
    level l = {th, m};
    UPSCALE_CALL(safe_newton(level_fdf, &l, t.s1, t.s2, t.mu_s1 - m, t.mu_s2 - m, ctol(th, t.s2),
                             &gap->c_pmax));
    gap->p_max = upscale_phasefield_p(th, gap, gap->c_pmax);

    /* I = integral_c1^c2 sqrt(p) dc. */
    upscale_error_install_handlers();
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(QUAD_LIMIT);
    UPSCALE_ALLOC_CHECK(w);
    p_ctx q = {th, gap, 0.0};
    gsl_function f = {sqrt_p, &q};
    double abserr;
    int status = gsl_integration_qags(&f, gap->c1, gap->c2, 0.0, QUAD_EPSREL, QUAD_LIMIT, w,
                                      &gap->sqrt_p_dc, &abserr);
    gsl_integration_workspace_free(w);
    UPSCALE_CHECK(status == GSL_SUCCESS && isfinite(gap->sqrt_p_dc), UPSCALE_ERR_INPUT,
                  "integral of sqrt(p) over (%g, %g) mol/m^3: GSL QAGS: %s", gap->c1, gap->c2,
                  status ? gsl_strerror(status) : "not finite");
    return UPSCALE_OK;
}

upscale_err upscale_phasefield_common_tangent(const upscale_thermo *th, upscale_phasefield_gap *gap)
{
    return upscale_phasefield_common_tangent_open(th, 0, gap);
}

upscale_err upscale_phasefield_common_tangent_open(const upscale_thermo *th, int open_ends,
                                                   upscale_phasefield_gap *gap)
{
    *gap = (upscale_phasefield_gap){0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0, 0};
    scan *s = malloc(sizeof(*s));
    UPSCALE_ALLOC_CHECK(s);
    s->open_ends = open_ends;
    upscale_err e = scan_run(th, s);
    /* With open ends, the free tangent is tried first: the same path as closed ends. */
    if (e == UPSCALE_OK && s->k_first >= 0) {
        int interior = s->k_first > 0 && s->k_last < SCAN_POINTS - 1;
        e = interior ? tangent_solve(s, gap) : tangent_solve_open(s, gap);
        if (e != UPSCALE_OK && interior &&
            (open_ends & (UPSCALE_PHASEFIELD_OPEN_LO | UPSCALE_PHASEFIELD_OPEN_HI))) {
            upscale_error_clear();
            *gap = (upscale_phasefield_gap){0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0, 0};
            e = tangent_solve_open(s, gap);
        }
    }
    free(s);
    if (e != UPSCALE_OK) {
        gap->found = 0;
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    return UPSCALE_OK;
}

/* 20-point Gauss-Legendre on [-1, 1]: the positive nodes and their weights. */
static const double GL20[10][2] = {
    {0.076526521133497338, 0.15275338713072578}, {0.2277858511416451, 0.14917298647260366},
    {0.37370608871541955, 0.14209610931838187},  {0.51086700195082713, 0.13168863844917653},
    {0.63605368072651502, 0.11819453196151825},  {0.7463319064601508, 0.10193011981724026},
    {0.83911697182221878, 0.083276741576704671}, {0.91223442825132584, 0.062672048334109443},
    {0.96397192727791381, 0.040601429800386217}, {0.99312859918509488, 0.017614007139153273},
};

/* p(c) = integral_ci^c (mu(s) - mu_coex) ds (eq. A6 or A7 from the binodal ci). */
static double p_from_mu(const upscale_thermo *th, double mu_coex, double ci, double c)
{
    double half = 0.5 * (c - ci), mid = 0.5 * (c + ci), sum = 0.0, d;
    for (int k = 0; k < 10; k++) {
        double u = GL20[k][0] * half;
        sum +=
            GL20[k][1] * (thermo_mu(th, mid - u, &d) + thermo_mu(th, mid + u, &d) - 2.0 * mu_coex);
    }
    return sum * half;
}

/* Eq. 27.  g(c) - g(c1) - mu_coex (c - c1) loses the small p near a binodal to rounding of
 * the large g (E0 c terms): within delta_i of binodal c_i, p is integrated from mu instead,
 * delta_i = min(0.02 (c2 - c1), (c_i - domain end)/2) so that the 20-point rule never
 * comes closer to a singular end than the length of its interval. */
double upscale_phasefield_p(const upscale_thermo *th, const upscale_phasefield_gap *gap, double c)
{
    double dc = gap->c2 - gap->c1;
    double d1 = fmin(0.02 * dc, 0.5 * (gap->c1 - th->c_lo));
    double d2 = fmin(0.02 * dc, 0.5 * (th->c_hi - gap->c2));
    if (fabs(c - gap->c1) < d1) return p_from_mu(th, gap->mu_coex, gap->c1, c);
    if (fabs(c - gap->c2) < d2) return p_from_mu(th, gap->mu_coex, gap->c2, c);
    return th->g(c, th->ctx) - gap->g1 - gap->mu_coex * (c - gap->c1);
}

upscale_err upscale_phasefield_gamma(const upscale_phasefield_gap *gap, double kappa, double *gamma)
{
    UPSCALE_CHECK(gap->found, UPSCALE_ERR_INPUT, "no miscibility gap: no interface energy");
    UPSCALE_CHECK(kappa > 0.0 && isfinite(kappa), UPSCALE_ERR_INPUT,
                  "gradient coefficient kappa = %g J m^5/mol^2 must be > 0", kappa);
    *gamma = sqrt(2.0 * kappa) * gap->sqrt_p_dc;
    return UPSCALE_OK;
}

upscale_err upscale_phasefield_kappa(const upscale_phasefield_gap *gap, double gamma, double *kappa)
{
    UPSCALE_CHECK(gap->found, UPSCALE_ERR_INPUT, "no miscibility gap: kappa undefined");
    UPSCALE_CHECK(gamma > 0.0 && isfinite(gamma), UPSCALE_ERR_INPUT,
                  "interfacial energy gamma = %g J/m^2 must be > 0", gamma);
    *kappa = gamma * gamma / (2.0 * gap->sqrt_p_dc * gap->sqrt_p_dc);
    return UPSCALE_OK;
}

upscale_err upscale_phasefield_width(const upscale_phasefield_gap *gap, double kappa, double *width)
{
    UPSCALE_CHECK(gap->found, UPSCALE_ERR_INPUT, "no miscibility gap: no interface width");
    UPSCALE_CHECK(kappa > 0.0 && isfinite(kappa), UPSCALE_ERR_INPUT,
                  "gradient coefficient kappa = %g J m^5/mol^2 must be > 0", kappa);
    *width = (gap->c2 - gap->c1) * sqrt(kappa / (2.0 * gap->p_max));
    return UPSCALE_OK;
}

/* dc/dx = sqrt(2 p(c)/kappa), with p = 0 outside [c1, c2] so the profile cannot cross a
 * binodal. */
static int profile_rhs(double x, const double y[], double dydx[], void *ctx)
{
    const p_ctx *q = ctx;
    double c = y[0];
    if (!(c > q->gap->c1 && c < q->gap->c2)) {
        dydx[0] = 0.0;
        return GSL_SUCCESS;
    }
    double p = upscale_phasefield_p(q->th, q->gap, c);
    if (!isfinite(p)) return GSL_EBADFUNC;
    dydx[0] = sqrt(2.0 * fmax(p, 0.0) / q->kappa);
    return GSL_SUCCESS;
}

/* dx/dc = sqrt(kappa / (2 p(c))): integrated for the extent of the profile. */
static double inverse_slope(double c, void *ctx)
{
    const p_ctx *q = ctx;
    double p = upscale_phasefield_p(q->th, q->gap, c);
    if (!(p > 0.0)) return NAN;
    return sqrt(q->kappa / (2.0 * p));
}

static upscale_err profile_extent(p_ctx *q, double a, double b, double *len)
{
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(QUAD_LIMIT);
    UPSCALE_ALLOC_CHECK(w);
    gsl_function f = {inverse_slope, q};
    double abserr;
    int status = gsl_integration_qags(&f, a, b, 0.0, 1e-6, QUAD_LIMIT, w, len, &abserr);
    gsl_integration_workspace_free(w);
    UPSCALE_CHECK(status == GSL_SUCCESS && isfinite(*len), UPSCALE_ERR_INPUT,
                  "extent of the interface profile over (%g, %g) mol/m^3: GSL QAGS: %s", a, b,
                  gsl_strerror(status));
    return UPSCALE_OK;
}

upscale_err upscale_phasefield_profile(const upscale_thermo *th, const upscale_phasefield_gap *gap,
                                       double kappa, size_t n, double *x, double *c,
                                       double *gamma_a13)
{
    UPSCALE_CHECK(gap->found, UPSCALE_ERR_INPUT, "no miscibility gap: no interface profile");
    UPSCALE_CHECK(kappa > 0.0 && isfinite(kappa), UPSCALE_ERR_INPUT,
                  "gradient coefficient kappa = %g J m^5/mol^2 must be > 0", kappa);
    UPSCALE_CHECK(n >= 16, UPSCALE_ERR_INPUT, "profile needs n >= 16 points, got %zu", n);
    upscale_error_install_handlers();
    p_ctx q = {th, gap, kappa};
    double dc = gap->c2 - gap->c1, x_lo, x_hi;
    UPSCALE_CALL(profile_extent(&q, gap->c1 + PROFILE_TAIL * dc, gap->c_pmax, &x_lo));
    UPSCALE_CALL(profile_extent(&q, gap->c_pmax, gap->c2 - PROFILE_TAIL * dc, &x_hi));
    x_lo = -x_lo;
    double h = (x_hi - x_lo) / (double)(n - 1);

    gsl_odeiv2_system sys = {profile_rhs, NULL, 1, &q};
    gsl_odeiv2_driver *d =
        gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rk8pd, h, 1e-12 * dc, 1e-12);
    UPSCALE_ALLOC_CHECK(d);
    /* Upwards from x = 0 (c = c_pmax) over the points x >= 0, then downwards. */
    size_t k0 = 0;
    while (k0 < n && x_lo + (double)k0 * h < 0.0)
        k0++;
    for (size_t k = 0; k < n; k++)
        x[k] = x_lo + (double)k * h;
    double t = 0.0, y = gap->c_pmax;
    int status = GSL_SUCCESS;
    for (size_t k = k0; k < n && status == GSL_SUCCESS; k++) {
        status = gsl_odeiv2_driver_apply(d, &t, x[k], &y);
        c[k] = y;
    }
    t = 0.0;
    y = gap->c_pmax;
    if (status == GSL_SUCCESS) status = gsl_odeiv2_driver_reset(d);
    if (status == GSL_SUCCESS) status = gsl_odeiv2_driver_reset_hstart(d, -h);
    for (size_t k = k0; k-- > 0 && status == GSL_SUCCESS;) {
        status = gsl_odeiv2_driver_apply(d, &t, x[k], &y);
        c[k] = y;
    }
    gsl_odeiv2_driver_free(d);
    UPSCALE_CHECK(status == GSL_SUCCESS, UPSCALE_ERR_INPUT, "interface profile: GSL rk8pd: %s",
                  gsl_strerror(status));

    /* Eq. A13: gamma = integral kappa (dc/dx)^2 dx, central differences, trapezoid. */
    double sum = 0.0;
    for (size_t k = 0; k < n; k++) {
        double slope;
        if (k == 0)
            slope = (-3.0 * c[0] + 4.0 * c[1] - c[2]) / (2.0 * h);
        else if (k == n - 1)
            slope = (3.0 * c[n - 1] - 4.0 * c[n - 2] + c[n - 3]) / (2.0 * h);
        else
            slope = (c[k + 1] - c[k - 1]) / (2.0 * h);
        double wgt = (k == 0 || k == n - 1) ? 0.5 : 1.0;
        sum += wgt * kappa * slope * slope * h;
    }
    *gamma_a13 = sum;
    return UPSCALE_OK;
}

static const char *const mobility_names[] = {"per_phase", "darken", NULL};

const char *const *upscale_phasefield_mobility_names(void)
{
    return mobility_names;
}

upscale_err upscale_phasefield_mobility_per_phase(const upscale_thermo *th,
                                                  const upscale_phasefield_gap *gap, double D1,
                                                  double D2, upscale_phasefield_mobility *m)
{
    UPSCALE_CHECK(gap->found, UPSCALE_ERR_INPUT,
                  "per-phase mobility needs a miscibility gap (none found)");
    UPSCALE_CHECK(D1 > 0.0 && D2 > 0.0 && isfinite(D1) && isfinite(D2), UPSCALE_ERR_INPUT,
                  "phase diffusivities must be > 0, got %g and %g m^2/s", D1, D2);
    double d1, d2;
    thermo_mu(th, gap->c1, &d1);
    thermo_mu(th, gap->c2, &d2);
    UPSCALE_CHECK(d1 > 0.0 && d2 > 0.0 && isfinite(d1) && isfinite(d2), UPSCALE_ERR_INPUT,
                  "dmu/dc at the binodals must be > 0, got %g and %g J m^3/mol^2", d1, d2);
    /* Eq. 24: D = M dmu/dc in each phase, at its binodal. */
    *m = (upscale_phasefield_mobility){.kind = UPSCALE_PHASEFIELD_MOBILITY_PER_PHASE,
                                       .c1 = gap->c1,
                                       .c2 = gap->c2,
                                       .M1 = D1 / d1,
                                       .M2 = D2 / d2,
                                       .D = NAN,
                                       .c_max = NAN,
                                       .RT = NAN};
    return UPSCALE_OK;
}

upscale_err upscale_phasefield_mobility_darken(double D, double c_max, double T,
                                               upscale_phasefield_mobility *m)
{
    UPSCALE_CHECK(D > 0.0 && isfinite(D), UPSCALE_ERR_INPUT, "diffusivity %g m^2/s must be > 0", D);
    UPSCALE_CHECK(c_max > 0.0 && isfinite(c_max), UPSCALE_ERR_INPUT,
                  "maximum concentration %g mol/m^3 must be > 0", c_max);
    UPSCALE_CHECK(T > 0.0 && isfinite(T), UPSCALE_ERR_INPUT, "temperature %g K must be > 0", T);
    *m = (upscale_phasefield_mobility){.kind = UPSCALE_PHASEFIELD_MOBILITY_DARKEN,
                                       .c1 = NAN,
                                       .c2 = NAN,
                                       .M1 = NAN,
                                       .M2 = NAN,
                                       .D = D,
                                       .c_max = c_max,
                                       .RT = UPSCALE_GAS * T};
    return UPSCALE_OK;
}

double upscale_phasefield_mobility_eval(const upscale_phasefield_mobility *m, double c,
                                        double *dM_dc)
{
    double M, dM;
    if (m->kind == UPSCALE_PHASEFIELD_MOBILITY_DARKEN) {
        /* M = D c (1 - c/c_max)/(RT), dM/dc = D (1 - 2 c/c_max)/(RT). */
        M = m->D * c * (1.0 - c / m->c_max) / m->RT;
        dM = m->D * (1.0 - 2.0 * c / m->c_max) / m->RT;
    } else {
        /* ln M = ln M1 + (ln M2 - ln M1) S(t), S = 3t^2 - 2t^3, t = (c - c1)/(c2 - c1). */
        double w = m->c2 - m->c1, t = (c - m->c1) / w;
        if (t <= 0.0) {
            M = m->M1;
            dM = 0.0;
        } else if (t >= 1.0) {
            M = m->M2;
            dM = 0.0;
        } else {
            double r = log(m->M2 / m->M1);
            M = m->M1 * exp(r * t * t * (3.0 - 2.0 * t));
            dM = M * r * 6.0 * t * (1.0 - t) / w;
        }
    }
    if (dM_dc) *dM_dc = dM;
    return M;
}

upscale_err upscale_phasefield_coherency(double strain_energy, double c_a, double c_b,
                                         double fraction, double *B)
{
    UPSCALE_CHECK(strain_energy >= 0.0 && isfinite(strain_energy), UPSCALE_ERR_INPUT,
                  "strain energy density %g J/m^3 must be >= 0", strain_energy);
    UPSCALE_CHECK(c_a != c_b && isfinite(c_a) && isfinite(c_b), UPSCALE_ERR_INPUT,
                  "the two phases need different concentrations, got %g and %g mol/m^3", c_a, c_b);
    UPSCALE_CHECK(fraction > 0.0 && fraction < 1.0, UPSCALE_ERR_INPUT,
                  "phase fraction %g must lie in (0, 1)", fraction);
    /* <B/2 (c - c_mean)^2> = B/2 f (1 - f) (c_b - c_a)^2 = strain_energy. */
    *B = 2.0 * strain_energy / (fraction * (1.0 - fraction) * (c_b - c_a) * (c_b - c_a));
    return UPSCALE_OK;
}
