/* Mobility closures (eq. 24 per phase, Darken) against their definitions and finite
 * differences; the coherency coefficient against a direct average over a two-phase body. */
#include "check.h"
#include "regular.h"
#include "upscale/model.h"
#include "upscale/phasefield.h"
#include "upscale/run.h"

/* dM/dc against a central difference at c (step h). */
static void fd_check(const upscale_phasefield_mobility *m, double c, double h, const char *what)
{
    double d;
    double M = upscale_phasefield_mobility_eval(m, c, &d);
    double fd = (upscale_phasefield_mobility_eval(m, c + h, NULL) -
                 upscale_phasefield_mobility_eval(m, c - h, NULL)) /
                (2.0 * h);
    char msg[128];
    snprintf(msg, sizeof(msg), "%s: dM/dc at c = %g (M = %.4g)", what, c, M);
    CHECK_CLOSE(d, fd, 1e-6, 1e-12 * fabs(M) / h, msg);
}

/* Per-phase Arrhenius through the model reader: the paper's 300 K diffusivities with their
 * activation energies (7.75e-14 m^2/s, 0.3 eV; 3.99e-18 m^2/s, 0.58 eV), read for a 400 K
 * cell, against D(T) = D(T_ref) exp(Ea/k (1/T_ref - 1/T)) written out here in eV; the
 * closure built from them equals the one built from those D given at 400 K directly. */
static int pba_electrode(const char *const *sets, int nsets, upscale_electrode *out)
{
    upscale_run_options opt = {
        .case_path = "cases/pba_hc_charge_0.1C.yaml", .overrides = sets, .noverrides = nsets};
    upscale_params *p;
    upscale_model *m = NULL;
    CHECK_OK(upscale_run_load_params(&opt, &p));
    CHECK_OK(upscale_model_create(p, &m));
    if (!m) return 0;
    *out = m->cell.el[UPSCALE_POS];
    upscale_model_destroy(&m);
    upscale_params_destroy(&p);
    return 1;
}

static void per_phase_arrhenius(void)
{
    const double k_ev = 8.617333262e-5, T = 400.0, Tref = 300.0, eV = 96485.33212;
    const double d1 = 7.75e-14 * exp(28945.6 / eV / k_ev * (1 / Tref - 1 / T));
    const double d2 = 3.99e-18 * exp(55961.5 / eV / k_ev * (1 / Tref - 1 / T));
    const char *const arr[] = {
        "cell.reference_temperature=300 K", "positive.phase_diffusivity_low=7.75e-14 m^2/s",
        "positive.phase_diffusivity_high=3.99e-18 m^2/s",
        "positive.phase_diffusivity_low_activation_energy=28945.6 J/mol",   /* 0.3 eV */
        "positive.phase_diffusivity_high_activation_energy=55961.5 J/mol"}; /* 0.58 eV */
    char direct_low[80], direct_high[80];
    snprintf(direct_low, sizeof(direct_low), "positive.phase_diffusivity_low=%.17g m^2/s", d1);
    snprintf(direct_high, sizeof(direct_high), "positive.phase_diffusivity_high=%.17g m^2/s", d2);
    const char *const direct[] = {direct_low, direct_high};
    upscale_electrode a, b;
    if (!pba_electrode(arr, 5, &a) || !pba_electrode(direct, 2, &b)) return;
    CHECK_CLOSE(a.phase_diffusivity[0], d1, 1e-9, 0.0, "per_phase Arrhenius: D_low at 400 K");
    CHECK_CLOSE(a.phase_diffusivity[1], d2, 1e-9, 0.0, "per_phase Arrhenius: D_high at 400 K");
    CHECK_CLOSE(a.mob.M1, b.mob.M1, 1e-9, 0.0, "per_phase Arrhenius: M1 as from D_low at 400 K");
    CHECK_CLOSE(a.mob.M2, b.mob.M2, 1e-9, 0.0, "per_phase Arrhenius: M2 as from D_high at 400 K");
}

int main(void)
{
    per_phase_arrhenius();
    const double R = 8.314462618;
    upscale_phasefield_mobility m;

    /* Darken: M = D c (1 - c/cmax)/(RT). */
    CHECK_OK(upscale_phasefield_mobility_darken(1e-14, 13284.0, 400.0, &m));
    CHECK_CLOSE(upscale_phasefield_mobility_eval(&m, 3000.0, NULL),
                1e-14 * 3000.0 * (1.0 - 3000.0 / 13284.0) / (R * 400.0), 1e-14, 0.0,
                "darken: M(3000)");
    for (double c = 100.0; c < 13284.0; c += 2531.0)
        fd_check(&m, c, 1e-3, "darken");
    CHECK(upscale_phasefield_mobility_darken(-1.0, 1.0, 300.0, &m) == UPSCALE_ERR_INPUT,
          "darken: D < 0 rejected");
    CHECK(upscale_phasefield_mobility_darken(1.0, 1.0, 0.0, &m) == UPSCALE_ERR_INPUT,
          "darken: T = 0 rejected");

    /* Per phase on a regular solution, D1/D2 = 1e4 as in MnFePBA. */
    subregular s = {.c_max = 13284.0, .RT = R * 400.0, .W0 = 3.0 * R * 400.0, .E0 = 0.0};
    upscale_thermo th = subregular_thermo(&s);
    upscale_phasefield_gap gap;
    CHECK_OK(upscale_phasefield_common_tangent(&th, &gap));
    double D1 = 6.13e-14, D2 = 1.9e-18, d1, d2;
    CHECK_OK(upscale_phasefield_mobility_per_phase(&th, &gap, D1, D2, &m));
    subregular_mu(gap.c1, &s, &d1);
    subregular_mu(gap.c2, &s, &d2);
    CHECK_CLOSE(upscale_phasefield_mobility_eval(&m, gap.c1, NULL) * d1, D1, 1e-13, 0.0,
                "per_phase: M(c1) dmu/dc(c1) = D1 (eq. 24)");
    CHECK_CLOSE(upscale_phasefield_mobility_eval(&m, gap.c2, NULL) * d2, D2, 1e-13, 0.0,
                "per_phase: M(c2) dmu/dc(c2) = D2 (eq. 24)");
    CHECK_CLOSE(upscale_phasefield_mobility_eval(&m, 0.5 * gap.c1, NULL), D1 / d1, 1e-14, 0.0,
                "per_phase: constant in phase 1");
    CHECK_CLOSE(upscale_phasefield_mobility_eval(&m, 0.5 * (gap.c2 + s.c_max), NULL), D2 / d2,
                1e-14, 0.0, "per_phase: constant in phase 2");
    CHECK_CLOSE(log(upscale_phasefield_mobility_eval(&m, 0.5 * (gap.c1 + gap.c2), NULL)),
                0.5 * (log(D1 / d1) + log(D2 / d2)), 1e-13, 0.0,
                "per_phase: ln M at mid-gap is the mean of the phases'");
    double w = gap.c2 - gap.c1, h = 1e-7 * w;
    for (int i = 1; i < 10; i++)
        fd_check(&m, gap.c1 + 0.1 * i * w, h, "per_phase");
    double dl, dr;
    upscale_phasefield_mobility_eval(&m, gap.c1 + 1e-9 * w, &dr);
    upscale_phasefield_mobility_eval(&m, gap.c1 - 1e-9 * w, &dl);
    CHECK(fabs(dr) < 1e-6 * D1 / d1 / w && dl == 0.0, "per_phase: dM/dc continuous at c1 (%g, %g)",
          dl, dr);
    upscale_phasefield_mobility_eval(&m, gap.c2 - 1e-9 * w, &dl);
    upscale_phasefield_mobility_eval(&m, gap.c2 + 1e-9 * w, &dr);
    CHECK(fabs(dl) < 1e-6 * D1 / d1 / w && dr == 0.0, "per_phase: dM/dc continuous at c2 (%g, %g)",
          dl, dr);
    CHECK(upscale_phasefield_mobility_per_phase(&th, &gap, 0.0, D2, &m) == UPSCALE_ERR_INPUT,
          "per_phase: D1 = 0 rejected");
    const char *const *names = upscale_phasefield_mobility_names();
    CHECK(names[UPSCALE_PHASEFIELD_MOBILITY_PER_PHASE] &&
              names[UPSCALE_PHASEFIELD_MOBILITY_DARKEN] && !names[2],
          "mobility names: %s, %s", names[0], names[1]);

    /* Coherency: B from the strain energy of a two-phase body; the average of
     * B/2 (c - c_mean)^2 over 1000 cells with phase fractions 0.3/0.7 gives it back. */
    double eps = 37.655e6, ca = 200.0, cb = 12000.0, f = 0.3, B;
    CHECK_OK(upscale_phasefield_coherency(eps, ca, cb, f, &B));
    double mean = f * ca + (1.0 - f) * cb, sum = 0.0;
    for (int k = 0; k < 1000; k++) {
        double ck = k < 300 ? ca : cb;
        sum += 0.5 * B * (ck - mean) * (ck - mean) / 1000.0;
    }
    CHECK_CLOSE(sum, eps, 1e-12, 0.0, "coherency: <B/2 (c - c_mean)^2> = strain energy");
    CHECK_OK(upscale_phasefield_coherency(eps, 0.0, 13284.0, 0.5, &B));
    CHECK_CLOSE(B, 8.0 * eps / (13284.0 * 13284.0), 1e-14, 0.0, "coherency: B = 8 eps/c_max^2");
    CHECK(upscale_phasefield_coherency(eps, 1.0, 1.0, 0.5, &B) == UPSCALE_ERR_INPUT,
          "coherency: equal phases rejected");
    CHECK(upscale_phasefield_coherency(eps, 0.0, 1.0, 1.0, &B) == UPSCALE_ERR_INPUT,
          "coherency: fraction 1 rejected");
    return CHECK_DONE();
}
