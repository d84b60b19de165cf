/* Arrhenius fit: exact recovery, coverage of the 95 % intervals over noisy repeats (weighted
 * and unweighted), the prediction's interval against the propagated covariance and against
 * the scatter of repeats, the change-of-slope test (finds a real break, rarely a false one),
 * and the input errors. */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "upscale/arrhenius.h"

#define KB_EV 8.617333262e-5

static void check_fails(upscale_err e, const char *part)
{
    const char *m = upscale_error_message();
    CHECK(e == UPSCALE_ERR_INPUT && strstr(m, part), "fails with '%s': %s", part, m);
    upscale_error_clear();
}

static upscale_arrhenius_settings metal(void)
{
    upscale_arrhenius_settings s;
    upscale_arrhenius_settings_default(&s);
    s.kB = KB_EV;
    return s;
}

static void test_exact(void)
{
    const double T[6] = {500, 600, 700, 800, 900, 1000}, Ea = 0.45, D0 = 2e-3;
    double D[6];
    for (int i = 0; i < 6; i++)
        D[i] = D0 * exp(-Ea / (KB_EV * T[i]));
    upscale_arrhenius_settings s = metal();
    upscale_arrhenius_result r;
    CHECK_OK(upscale_arrhenius_fit(T, D, NULL, 6, &s, &r));
    CHECK_CLOSE(r.Ea, Ea, 1e-10, 0, "exact data: Ea in eV");
    CHECK_CLOSE(r.D0, D0, 1e-9, 0, "exact data: D0");
    CHECK(r.T_min == 500 && r.T_max == 1000 && r.dof == 4, "range 500..1000 K, 4 dof");
    double Dp, lo, hi;
    int extra;
    CHECK_OK(upscale_arrhenius_predict(&r, 300, &Dp, &lo, &hi, &extra));
    CHECK_CLOSE(Dp, D0 * exp(-Ea / (KB_EV * 300)), 1e-8, 0, "exact data: D(300 K)");
    CHECK(extra, "300 K is flagged as extrapolated");
    CHECK_OK(upscale_arrhenius_predict(&r, 650, &Dp, &lo, &hi, &extra));
    CHECK(!extra, "650 K is inside the range");
    /* LJ units: kB = 1, T reduced */
    upscale_arrhenius_settings lj;
    upscale_arrhenius_settings_default(&lj);
    const double Tl[3] = {0.8, 1.2, 2.0};
    double Dl[3];
    for (int i = 0; i < 3; i++)
        Dl[i] = 0.25 * exp(-1.5 / Tl[i]);
    CHECK_OK(upscale_arrhenius_fit(Tl, Dl, NULL, 3, &lj, &r));
    CHECK_CLOSE(r.Ea, 1.5, 1e-10, 0, "LJ units (kB = 1): Ea in eps");
}

/* Repeats with ln D noise sigma: coverage of the Ea and D0 intervals, prediction scatter. */
static void test_coverage(void)
{
    enum { N = 6, REP = 2000 };
    const double T[N] = {400, 500, 600, 700, 800, 900}, Ea = 0.5, D0 = 1e-2, sigma = 0.05;
    const double Tp = 300;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 2024);
    upscale_arrhenius_settings s = metal();
    int cover_w = 0, cover_u = 0, cover_d0 = 0, cover_p = 0;
    double sum_y = 0, sum_y2 = 0, sum_var = 0;
    const double yp_true = log(D0) - Ea / (KB_EV * Tp);
    for (int rep = 0; rep < REP; rep++) {
        double D[N], E[N];
        for (int i = 0; i < N; i++) {
            D[i] = D0 * exp(-Ea / (KB_EV * T[i]) + gsl_ran_gaussian(rng, sigma));
            E[i] = sigma * D[i];
        }
        upscale_arrhenius_result w, u;
        if (upscale_arrhenius_fit(T, D, E, N, &s, &w) ||
            upscale_arrhenius_fit(T, D, NULL, N, &s, &u)) {
            CHECK(0, "fit failed: %s", upscale_error_message());
            break;
        }
        cover_w += w.Ea_lo <= Ea && Ea <= w.Ea_hi;
        cover_u += u.Ea_lo <= Ea && Ea <= u.Ea_hi;
        cover_d0 += u.D0_lo <= D0 && D0 <= u.D0_hi;
        double Dp, lo, hi;
        upscale_arrhenius_predict(&u, Tp, &Dp, &lo, &hi, NULL);
        cover_p += lo <= exp(yp_true) && exp(yp_true) <= hi;
        double y = log(Dp), se = (log(hi) - log(lo)) / (2 * u.tq);
        sum_y += y / REP;
        sum_y2 += y * y / REP;
        sum_var += se * se / REP;
        /* the interval is the propagated covariance */
        if (rep == 0) {
            double x = 1 / (KB_EV * Tp);
            double var = u.cov[0] + 2 * x * u.cov[1] + x * x * u.cov[2];
            CHECK_CLOSE(se * se, var, 1e-9, 0, "prediction variance = c00 + 2x c01 + x^2 c11");
        }
    }
    gsl_rng_free(rng);
    double cw = (double)cover_w / REP, cu = (double)cover_u / REP;
    double cd = (double)cover_d0 / REP, cp = (double)cover_p / REP;
    CHECK(cu > 0.93 && cu < 0.97, "unweighted 95%% interval of Ea covers the truth in %.3f", cu);
    CHECK(cd > 0.93 && cd < 0.97, "unweighted 95%% interval of D0 covers the truth in %.3f", cd);
    CHECK(cp > 0.93 && cp < 0.97, "95%% interval of D(300 K) covers the truth in %.3f", cp);
    CHECK(cw > 0.95 && cw < 0.995,
          "weighted 95%% interval (covariance scaled by max(1, chi2/dof)) covers in %.3f", cw);
    double var_emp = sum_y2 - sum_y * sum_y;
    CHECK(fabs(sum_var / var_emp - 1) < 0.1,
          "mean predicted var ln D(300 K) %.4g matches the scatter of repeats %.4g", sum_var,
          var_emp);
}

/* ln D with a kink at Tb: Ea_hi above, Ea_lo below, continuous at Tb. */
static double kinked(double T, double Tb, double Ea_hi, double Ea_lo)
{
    double x = 1 / (KB_EV * T), xb = 1 / (KB_EV * Tb);
    return log(1e-2) - Ea_hi * fmin(x, xb) - Ea_lo * fmax(x - xb, 0);
}

static void test_break(void)
{
    enum { N = 11 };
    double T[N], D[N], E[N];
    for (int i = 0; i < N; i++)
        T[i] = 500 + 100 * i;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    upscale_arrhenius_settings s = metal();
    upscale_arrhenius_break_result b;

    /* a clear change of slope at 850 K (paper 003: glass transition) */
    for (int i = 0; i < N; i++) {
        D[i] = exp(kinked(T[i], 850, 0.6, 0.3) + gsl_ran_gaussian(rng, 0.03));
        E[i] = 0.03 * D[i];
    }
    CHECK_OK(upscale_arrhenius_break(T, D, E, N, &s, &b));
    CHECK(b.tested && b.accepted && b.p < 1e-3, "kink at 850 K: two regimes (F = %.3g, p = %.2g)",
          b.F, b.p);
    CHECK(b.T_break > 780 && b.T_break < 920, "break temperature %.1f K near 850 K", b.T_break);
    CHECK_CLOSE(b.Ea_high, 0.6, 0, 0.06, "Ea above the break");
    CHECK_CLOSE(b.Ea_low, 0.3, 0, 0.06, "Ea below the break");
    CHECK(b.n_high + b.n_low == N && b.n_high >= 2 && b.n_low >= 2, "split %d + %d", b.n_high,
          b.n_low);

    /* power and false alarms over repeats, without errors given (equal weights) */
    enum { REP = 500 };
    int hits = 0, alarms = 0;
    for (int rep = 0; rep < REP; rep++) {
        double Dk[N], Dl[N];
        for (int i = 0; i < N; i++) {
            Dk[i] = exp(kinked(T[i], 850, 0.6, 0.3) + gsl_ran_gaussian(rng, 0.05));
            Dl[i] = exp(kinked(T[i], 850, 0.5, 0.5) + gsl_ran_gaussian(rng, 0.05));
        }
        upscale_arrhenius_break_result bk, bl;
        if (upscale_arrhenius_break(T, Dk, NULL, N, &s, &bk) ||
            upscale_arrhenius_break(T, Dl, NULL, N, &s, &bl)) {
            CHECK(0, "break test failed: %s", upscale_error_message());
            break;
        }
        hits += bk.accepted;
        alarms += bl.accepted;
    }
    gsl_rng_free(rng);
    CHECK((double)hits / REP > 0.9, "kink found in %.3f of noisy repeats", (double)hits / REP);
    CHECK((double)alarms / REP < 0.1, "false break in %.3f of single-line repeats (level 0.05)",
          (double)alarms / REP);

    /* fewer than 6 temperatures: not tested, not an error */
    CHECK_OK(upscale_arrhenius_break(T, D, NULL, 5, &s, &b));
    CHECK(!b.tested, "5 temperatures: break test not done");
}

static void test_errors(void)
{
    upscale_arrhenius_settings s = metal();
    upscale_arrhenius_result r;
    const double T[4] = {500, 600, 700, 800}, D[4] = {1e-5, 2e-5, 4e-5, 7e-5};
    check_fails(upscale_arrhenius_fit(T, D, NULL, 2, &s, &r), "needs at least 3");
    check_fails(upscale_arrhenius_fit((const double[]){500, -1, 700}, D, NULL, 3, &s, &r),
                "must be > 0");
    check_fails(upscale_arrhenius_fit(T, (const double[]){1e-5, 0, 3e-5}, NULL, 3, &s, &r),
                "ln D needs D > 0");
    check_fails(upscale_arrhenius_fit((const double[]){600, 600, 600.0000001}, D, NULL, 3, &s, &r),
                "ill-conditioned");
    check_fails(upscale_arrhenius_fit(T, D, (const double[]){1e-6, 0, 1e-6, 1e-6}, 4, &s, &r),
                "standard error");
    double Dp, lo, hi;
    CHECK_OK(upscale_arrhenius_fit(T, D, NULL, 4, &s, &r));
    check_fails(upscale_arrhenius_predict(&r, 0, &Dp, &lo, &hi, NULL), "not > 0");
}

int main(void)
{
    test_exact();
    test_coverage();
    test_break();
    test_errors();
    return CHECK_DONE();
}
