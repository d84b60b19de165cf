/* Particle materials: the homogeneous potential and the Cahn-Hilliard parameters derived
 * from it (upscale/particle.h). */
#include "upscale/particle.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "upscale/function.h"
#include "upscale/mu_table.h"

/* U(s) of a Redlich-Kister material at the electrode's temperature: s = x / sites. */
static double rk_ocp(double s, const void *ctx, double *dyds)
{
    const upscale_electrode *el = ctx;
    double du, u = upscale_rk_material_ocv_at(&el->rk_at, s * el->rk->sites_per_fu, &du);
    *dyds = du * el->rk->sites_per_fu;
    return u;
}

/* The same for a tabulated material (upscale/mu_table.h). */
static double mu_table_ocp(double s, const void *ctx, double *dyds)
{
    const upscale_electrode *el = ctx;
    double n = upscale_mu_table_sites(el->mu_table), du;
    double u = upscale_mu_table_ocv(el->mu_table, s * n, el->temperature, &du);
    *dyds = du * n;
    return u;
}

upscale_err upscale_particle_read_rk_file(const char *path, upscale_rk_material *m)
{
    upscale_params *p;
    UPSCALE_CALL(upscale_params_create(&p));
    upscale_err e = upscale_params_load(p, path);
    memset(m, 0, sizeof(*m));
    const char *text;
    if (!e) e = upscale_params_get_string(p, "citation", "", &text);
    if (!e) e = upscale_params_get_string(p, "material", "", &text);
    if (!e) e = upscale_params_get_string(p, "temperature_range", "", &text);
    /* "300 K .. 700 K": the temperatures the coefficients were fitted at. */
    if (!e && text[0] && sscanf(text, "%lf K .. %lf K", &m->T_min, &m->T_max) != 2)
        e = upscale_params_error(p, "temperature_range", "expected \"T1 K .. T2 K\", got '%s'",
                                 text);
    if (!e)
        e = upscale_params_get_quantity(p, "sites_per_formula_unit", "1", "a site count", 1, 8, 0,
                                        &m->sites_per_fu);
    if (!e)
        e = upscale_params_get_quantity(p, "site_density", "m^-3", "a number density", 0, INFINITY,
                                        UPSCALE_RANGE_LO_OPEN, &m->fu_density);
    if (!e)
        e = upscale_params_get_quantity(p, "reference_energy", "eV", "an energy", -INFINITY,
                                        INFINITY, 0, &m->reference_energy);
    for (int i = 0; !e && i < UPSCALE_RK_MAX_TERMS; i++) {
        char ka[64], kb[64];
        snprintf(ka, sizeof(ka), "redlich_kister.L%d_a", i);
        snprintf(kb, sizeof(kb), "redlich_kister.L%d_b", i);
        if (!upscale_params_has(p, ka)) break;
        e = upscale_params_get_quantity(p, ka, "eV", "an energy per site", -INFINITY, INFINITY, 0,
                                        &m->L_a[i]);
        if (!e)
            e = upscale_params_get_quantity_or(p, kb, "eV/K", "an entropy per site", -INFINITY,
                                               INFINITY, 0, 0.0, &m->L_b[i]);
        m->nterms = i + 1;
    }
    /* records written by `upscale import gcmc -o` (include/upscale/gcmc.h): accepted, not
     * used by the simulator */
    static const char *const records[] = {"uncertainty.", "provenance.", "derived."};
    for (size_t k = 0; !e && k < upscale_params_count(p); k++) {
        upscale_params_entry en;
        upscale_params_get_entry(p, k, &en);
        for (size_t r = 0; r < sizeof(records) / sizeof(records[0]); r++)
            if (!strncmp(en.key, records[r], strlen(records[r])))
                upscale_params_mark_used(p, en.key);
    }
    if (!e) e = upscale_params_check_unused(p);
    if (!e) e = upscale_rk_material_check(m);
    upscale_params_destroy(&p);
    return e ? upscale_error_trace(e, __FILE__, __LINE__, __func__) : UPSCALE_OK;
}

static int starts_with(const char *s, const char *word)
{
    size_t n = strlen(word);
    while (*s == ' ')
        s++;
    return strncmp(s, word, n) == 0 && (s[n] == ' ' || s[n] == '\t');
}

/* What a material file implies for the case: c_max comes from the file, and no silent
 * extrapolation beyond the temperatures it covers (T_max = 0: not stated). */
static upscale_err material_checks(upscale_params *p, const char *region, double T, double T_min,
                                   double T_max, double cmax, upscale_electrode *el)
{
    char k[128], kc[128], kx[128];
    static const char *const yesno[] = {"false", "true", NULL};
    int extrapolate;
    snprintf(k, sizeof(k), "%s.ocp", region);
    snprintf(kc, sizeof(kc), "%s.max_concentration", region);
    snprintf(kx, sizeof(kx), "%s.extrapolate_temperature", region);
    if (upscale_params_has(p, kc))
        return upscale_params_error(p, kc,
                                    "not allowed with a material file: c_max comes "
                                    "from its site density");
    el->cmax = cmax;
    UPSCALE_CALL(upscale_params_get_choice(p, kx, yesno, "false", &extrapolate));
    if (T_max > 0 && !extrapolate && T_min == T_max && T != T_min)
        return upscale_params_error(p, k,
                                    "cell.temperature %g K is not the material's one "
                                    "temperature %g K (set %s: true to use it anyway)",
                                    T, T_min, kx);
    if (T_max > 0 && !extrapolate && (T < T_min || T > T_max))
        return upscale_params_error(p, k,
                                    "cell.temperature %g K is outside the material's range "
                                    "%g K .. %g K (set %s: true to extrapolate)",
                                    T, T_min, T_max, kx);
    return UPSCALE_OK;
}

upscale_err upscale_particle_read_potential(upscale_params *p, const char *region, double T,
                                            upscale_electrode *el)
{
    char k[128], kc[128], path[4096];
    const char *text;
    snprintf(k, sizeof(k), "%s.ocp", region);
    snprintf(kc, sizeof(kc), "%s.max_concentration", region);
    el->temperature = T;
    UPSCALE_CALL(upscale_params_get_string(p, k, NULL, &text));
    if (starts_with(text, "redlich_kister")) {
        UPSCALE_CALL(upscale_params_get_path(p, k, "redlich_kister", path, sizeof(path)));
        el->rk = malloc(sizeof(*el->rk));
        UPSCALE_ALLOC_CHECK(el->rk);
        upscale_err e = upscale_particle_read_rk_file(path, el->rk);
        if (e) return upscale_params_error(p, k, "%s", upscale_error_message());
        UPSCALE_CALL(material_checks(p, region, T, el->rk->T_min, el->rk->T_max,
                                     upscale_rk_material_cmax(el->rk), el));
        upscale_rk_material_at(el->rk, T, &el->rk_at);
        return upscale_function_callback(rk_ocp, el, &el->ocp);
    }
    if (starts_with(text, "mu_table")) {
        double T_min, T_max;
        UPSCALE_CALL(upscale_params_get_path(p, k, "mu_table", path, sizeof(path)));
        upscale_err e = upscale_mu_table_read(path, &el->mu_table);
        if (e) return upscale_params_error(p, k, "%s", upscale_error_message());
        upscale_mu_table_temperatures(el->mu_table, &T_min, &T_max);
        UPSCALE_CALL(
            material_checks(p, region, T, T_min, T_max, upscale_mu_table_cmax(el->mu_table), el));
        return upscale_function_callback(mu_table_ocp, el, &el->ocp);
    }
    /* 1e6 mol/m^3: ten times the densest hosts */
    UPSCALE_CALL(upscale_params_get_quantity(p, kc, "mol/m^3", "a concentration", 0, 1e6,
                                             UPSCALE_RANGE_LO_OPEN, &el->cmax));
    return upscale_function_from_params(p, k, "1", "V",
                                        el->cahn_hilliard ? "a homogeneous open-circuit potential"
                                                          : "an open-circuit potential",
                                        -10, 10, 0, &el->ocp);
}

/* The homogeneous free energy of an electrode for phasefield.h: mu_h(c) = -F U(c / c_max),
 * g(c) = integral of mu_h from c_max / 2 (adaptive quadrature; only differences of g
 * matter). */
typedef struct {
    const upscale_electrode *el;
    double faraday;
    gsl_integration_workspace *ws;
} thermo_ctx;

static double thermo_mu(double c, void *ctx, double *dmu)
{
    const thermo_ctx *t = ctx;
    double du, u = upscale_function_eval(t->el->ocp, c / t->el->cmax, &du);
    *dmu = -t->faraday * du / t->el->cmax;
    return -t->faraday * u;
}

static double mu_only(double c, void *ctx)
{
    double d;
    return thermo_mu(c, ctx, &d);
}

static double thermo_g(double c, void *ctx)
{
    thermo_ctx *t = ctx;
    gsl_function f = {mu_only, t};
    double v = NAN, err;
    gsl_integration_qags(&f, 0.5 * t->el->cmax, c, 0.0, 1e-11, 1000, t->ws, &v, &err);
    return v;
}

/* Mobility closures M(c), mol^2 / (J m s), with dM/dc. */
/* darken: M = D(c) c (1 - c / c_max) / (R T), so that D = M dmu/dc for an ideal solution. */
static double mobility_darken(const upscale_electrode *el, double c, double rt, double *dm)
{
    double dd, d = el->arr_ds * upscale_function_eval(el->ds, c, &dd);
    dd *= el->arr_ds;
    double w = c * (1.0 - c / el->cmax), dw = 1.0 - 2.0 * c / el->cmax;
    *dm = (dd * w + d * dw) / rt;
    return d * w / rt;
}

/* per_phase (eq. 24): constant in each phase, log-smoothstep across the gap. */
static double mobility_per_phase(const upscale_electrode *el, double c, double rt, double *dm)
{
    (void)rt;
    return upscale_phasefield_mobility_eval(&el->mob, c, dm);
}

/* Face mobilities.  darken: M is a polynomial in c, so the arithmetic mean of the two shells'
 * values.  per_phase: ln M is the smooth quantity (eq. 24's log-smoothstep), so ln M is
 * interpolated linearly, the geometric mean.  Across an interface M changes by up to
 * M1 / M2 (3e4 for MnFePBA) over a few shells, where the arithmetic mean lets the sodium-rich
 * side conduct as if it were half sodium-poor: on the paper's particle the geometric mean
 * halves the mesh error at 100 shells (docs/numerics.md, "Face mobility"). */
static double face_arithmetic(double ml, double mr, double *d_ml, double *d_mr)
{
    *d_ml = *d_mr = 0.5;
    return 0.5 * (ml + mr);
}

static double face_geometric(double ml, double mr, double *d_ml, double *d_mr)
{
    double m = sqrt(ml * mr);
    *d_ml = 0.5 * m / ml;
    *d_mr = 0.5 * m / mr;
    return m;
}

upscale_err upscale_particle_read_cahn_hilliard(upscale_params *p, const char *n, double T,
                                                double Tref, upscale_electrode *el)
{
    char k[128], k2[128];
#define KEY(s) (snprintf(k, sizeof(k), "%s.%s", n, s), k)
    /* The miscibility gap of U_h at T, for eq. 24-28. */
    upscale_rk_material_state rks;
    thermo_ctx tc = {.el = el, .faraday = UPSCALE_FARADAY};
    upscale_thermo th = {.mu = thermo_mu,
                         .g = thermo_g,
                         .ctx = &tc,
                         .c_lo = 1e-9 * el->cmax,
                         .c_hi = (1 - 1e-9) * el->cmax};
    if (el->rk) UPSCALE_CALL(upscale_rk_material_thermo(el->rk, T, &rks, &th));
    tc.ws = gsl_integration_workspace_alloc(1000);
    UPSCALE_ALLOC_CHECK(tc.ws);
    upscale_err e = upscale_phasefield_common_tangent(&th, &el->gap);
    if (e) {
        gsl_integration_workspace_free(tc.ws);
        return upscale_params_error(p, KEY("ocp"), "%s", upscale_error_message());
    }

    /* kappa: given, from the interfacial energy (eq. 26) or from the interface width (eq. 28
     * inverted: kappa = 2 p_max (width / (c2 - c1))^2). */
    char k3[128];
    snprintf(k2, sizeof(k2), "%s.interfacial_energy", n);
    snprintf(k3, sizeof(k3), "%s.interface_width", n);
    int given = upscale_params_has(p, k2) + upscale_params_has(p, k3) +
                upscale_params_has(p, KEY("gradient_coefficient"));
    if (given > 1)
        e = upscale_params_error(p, KEY("gradient_coefficient"),
                                 "give one of gradient_coefficient, interfacial_energy and "
                                 "interface_width");
    if (!e && upscale_params_has(p, k3)) {
        double w;
        if (!el->gap.found)
            e = upscale_params_error(p, k3,
                                     "the homogeneous potential has no miscibility gap "
                                     "at %g K",
                                     T);
        if (!e)
            e = upscale_params_get_quantity(p, k3, "m", "a length", 0, INFINITY,
                                            UPSCALE_RANGE_LO_OPEN, &w);
        /* an interface wider than the particle is no interface */
        if (!e && w > el->radius)
            e = upscale_params_error(p, k3,
                                     "expected a length in (0, %g] m (at most %s.particle_radius), "
                                     "got %g m",
                                     el->radius, n, w);
        if (!e) {
            double dc = el->gap.c2 - el->gap.c1;
            el->kappa = 2.0 * el->gap.p_max * (w / dc) * (w / dc);
            e = upscale_phasefield_gamma(&el->gap, el->kappa, &el->gamma);
        }
    } else if (!e && upscale_params_has(p, k2)) {
        if (!el->gap.found)
            e = upscale_params_error(p, k2,
                                     "the homogeneous potential has no miscibility gap "
                                     "at %g K, so no interface to give an energy to",
                                     T);
        if (!e)
            e = upscale_params_get_quantity(p, k2, "J/m^2", "an interfacial energy", 0, INFINITY,
                                            UPSCALE_RANGE_LO_OPEN, &el->gamma);
        if (!e) e = upscale_phasefield_kappa(&el->gap, el->gamma, &el->kappa);
    } else if (!e) {
        e = upscale_params_get_quantity(p, KEY("gradient_coefficient"), "J m^5/mol^2",
                                        "a gradient energy coefficient", 0, INFINITY,
                                        UPSCALE_RANGE_LO_OPEN, &el->kappa);
        el->gamma = NAN;
        if (!e && el->gap.found) e = upscale_phasefield_gamma(&el->gap, el->kappa, &el->gamma);
    }
    el->width = NAN;
    if (!e && el->gap.found) e = upscale_phasefield_width(&el->gap, el->kappa, &el->width);

    /* Coherency strain: B given, or from a strain-energy density of half-and-half cells. */
    snprintf(k2, sizeof(k2), "%s.strain_energy_density", n);
    if (!e && upscale_params_has(p, k2)) {
        double eps;
        if (upscale_params_has(p, KEY("coherency_coefficient")))
            e = upscale_params_error(p, k2,
                                     "give either coherency_coefficient or "
                                     "strain_energy_density, not both");
        if (!e)
            e = upscale_params_get_quantity(p, k2, "J/m^3", "an energy density", 0, INFINITY, 0,
                                            &eps);
        if (!e) e = upscale_phasefield_coherency(eps, 0.0, el->cmax, 0.5, &el->coherency);
    } else if (!e) {
        e = upscale_params_get_quantity_or(p, KEY("coherency_coefficient"), "J m^3/mol^2",
                                           "a coherency-strain coefficient", 0, INFINITY, 0, 0.0,
                                           &el->coherency);
    }
    if (!e)
        e = upscale_params_get_quantity_or(p, KEY("surface_wetting_slope"), "mol/m^4",
                                           "a concentration gradient", -INFINITY, INFINITY, 0, 0.0,
                                           &el->wetting_slope);

    /* Mobility closure. */
    int closure = 0;
    if (!e)
        e = upscale_params_get_choice(p, KEY("mobility"), upscale_phasefield_mobility_names(),
                                      "darken", &closure);
    if (!e && closure == UPSCALE_PHASEFIELD_MOBILITY_DARKEN) {
        el->mobility = mobility_darken;
        el->face_mobility = face_arithmetic;
        e = upscale_function_from_params(p, KEY("diffusivity"), "mol/m^3", "m^2/s", "a diffusivity",
                                         0, INFINITY, UPSCALE_RANGE_LO_OPEN, &el->ds);
    } else if (!e) {
        double d1, d2;
        el->mobility = mobility_per_phase;
        el->face_mobility = face_geometric;
        if (!el->gap.found)
            e = upscale_params_error(p, KEY("mobility"),
                                     "per_phase needs a miscibility gap; "
                                     "the potential has none at %g K",
                                     T);
        if (!e)
            e = upscale_params_get_quantity(p, KEY("phase_diffusivity_low"), "m^2/s",
                                            "a diffusivity", 0, INFINITY, UPSCALE_RANGE_LO_OPEN,
                                            &d1);
        if (!e)
            e = upscale_params_get_quantity(p, KEY("phase_diffusivity_high"), "m^2/s",
                                            "a diffusivity", 0, INFINITY, UPSCALE_RANGE_LO_OPEN,
                                            &d2);
        /* Each phase its own Arrhenius factor exp(Ea/R (1/T_ref - 1/T)); the electrode-wide
         * diffusivity_activation_energy belongs to the darken closure. */
        double ea1 = 0.0, ea2 = 0.0;
        snprintf(k2, sizeof(k2), "%s.diffusivity_activation_energy", n);
        if (!e && upscale_params_has(p, k2))
            e = upscale_params_error(p, k2,
                                     "applies to mobility: darken; give "
                                     "phase_diffusivity_low/high_activation_energy instead");
        if (!e)
            e = upscale_params_get_quantity_or(p, KEY("phase_diffusivity_low_activation_energy"),
                                               "J/mol", "an energy per mole", 0, INFINITY, 0, 0.0,
                                               &ea1);
        if (!e)
            e = upscale_params_get_quantity_or(p, KEY("phase_diffusivity_high_activation_energy"),
                                               "J/mol", "an energy per mole", 0, INFINITY, 0, 0.0,
                                               &ea2);
        if (!e) {
            d1 *= exp(ea1 / UPSCALE_GAS * (1.0 / Tref - 1.0 / T));
            d2 *= exp(ea2 / UPSCALE_GAS * (1.0 / Tref - 1.0 / T));
            el->phase_diffusivity[0] = d1;
            el->phase_diffusivity[1] = d2;
        }
        if (!e) e = upscale_phasefield_mobility_per_phase(&th, &el->gap, d1, d2, &el->mob);
        if (!e)
            for (int i = 0; i <= 100; i++) {
                double dm,
                    m = upscale_phasefield_mobility_eval(&el->mob, el->cmax * i / 100.0, &dm);
                if (!(m > 0) || !isfinite(m))
                    e = upscale_params_error(p, KEY("mobility"),
                                             "the closure gives M = %g at c = %g mol/m^3: "
                                             "expected a positive, finite mobility",
                                             m, el->cmax * i / 100.0);
                if (e) break;
            }
    }
#undef KEY
    gsl_integration_workspace_free(tc.ws);
    return e ? upscale_error_trace(e, __FILE__, __LINE__, __func__) : UPSCALE_OK;
}

void upscale_particle_free(upscale_electrode *el)
{
    free(el->rk);
    el->rk = NULL;
    upscale_mu_table_destroy(&el->mu_table);
}

/* Nodes (ascending) and, if wq is not NULL, weights of the n-point Gauss-Jacobi rule for the
 * weight (1 - x)^alpha x^beta on [0, 1] (alpha, beta > -1, n <= SPECTRAL_MAX_NODES): the
 * eigenvalues of the Jacobi matrix of the recurrence on t = 2x - 1 by Sturm bisection, the
 * weights by Christoffel's formula mu0 / sum_k p_k(t_i)^2 (p_k orthonormal).  A few thousand
 * instructions for the node counts used (GSL's gsl_integration_fixed took 0.5 M per rule). */
static void gauss_jacobi(int n, double alpha, double beta, double *xq, double *wq)
{
    double a[SPECTRAL_MAX_NODES], b[SPECTRAL_MAX_NODES]; /* diagonal; b[k]: (k-1, k) */
    double ab = alpha + beta;
    for (int k = 0; k < n; k++) {
        double s = 2.0 * k + ab;
        a[k] =
            k == 0 ? (beta - alpha) / (ab + 2.0) : (beta * beta - alpha * alpha) / (s * (s + 2.0));
        b[k] = k == 0 ? 0.0
                      : sqrt(4.0 * k * (k + alpha) * (k + beta) * (k + ab) /
                             (s * s * (s + 1.0) * (s - 1.0)));
    }
    for (int i = 0; i < n; i++) {
        /* the i-th smallest eigenvalue: the number of eigenvalues below x is the number of
         * negative pivots of the LDL^T factorisation of T - x */
        double lo = -1.0, hi = 1.0;
        for (int it = 0; it < 200 && hi - lo > 4e-16; it++) {
            double x = 0.5 * (lo + hi), d = 1.0;
            int below = 0;
            for (int k = 0; k < n; k++) {
                d = a[k] - x - (k ? b[k] * b[k] / d : 0.0);
                if (d == 0.0) d = -1e-300;
                below += d < 0.0;
            }
            if (below > i)
                hi = x;
            else
                lo = x;
        }
        double t = 0.5 * (lo + hi);
        xq[i] = 0.5 * (1.0 + t);
        if (!wq) continue;
        double pm = 0.0, p = 1.0, sum = 1.0;
        for (int k = 0; k + 1 < n; k++) {
            double pn = ((t - a[k]) * p - (k ? b[k] * pm : 0.0)) / b[k + 1];
            pm = p;
            p = pn;
            sum += p * p;
        }
        /* mu0 on [0, 1]: B(alpha + 1, beta + 1) */
        wq[i] = tgamma(alpha + 1.0) * tgamma(beta + 1.0) / tgamma(ab + 2.0) / sum;
    }
}

/* Lagrange basis polynomial i of the nodes x (n of them) at t. */
static double lagrange(int n, const double *x, int i, double t)
{
    double v = 1.0;
    for (int k = 0; k < n; k++)
        if (k != i) v *= (t - x[k]) / (x[i] - x[k]);
    return v;
}

upscale_err upscale_particle_spectral_create(int n, int d, double R, upscale_spectral **out)
{
    UPSCALE_CHECK(n >= 2 && n <= SPECTRAL_MAX_NODES && d >= 1 && d <= 3, UPSCALE_ERR_INTERNAL,
                  "spectral particle: %d nodes, dimension %d", n, d);
    upscale_spectral *s = calloc(1, sizeof(*s));
    UPSCALE_ALLOC_CHECK(s);
    s->n = n;
    s->xi = calloc((size_t)n, sizeof(double));
    s->w = calloc((size_t)n, sizeof(double));
    s->dm = calloc((size_t)n * n, sizeof(double));
    s->lift = calloc((size_t)n * n, sizeof(double));
    double *gx = calloc((size_t)n, sizeof(double)), *gw = calloc((size_t)n, sizeof(double));
    double *lam = calloc((size_t)n, sizeof(double));
    upscale_err e = UPSCALE_OK;
    if (!s->xi || !s->w || !s->dm || !s->lift || !gx || !gw || !lam)
        e = upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__, "out of memory");
    /* The measure r^(d-1) dr is (R^d / 2) xi^b dxi, b = d/2 - 1.  Gauss-Radau with the node
     * xi = 1: the others are the roots of P_n-1^(1, b), orthogonal for (1 - xi) xi^b. */
    double b = 0.5 * d - 1.0;
    if (!e) {
        gauss_jacobi(n - 1, 1.0, b, s->xi, NULL);
        gauss_jacobi(n, 0.0, b, gx, gw);
        s->xi[n - 1] = 1.0;
        /* w_i = integral of xi^b l_i: the n-point Gauss rule is exact for degree 2n - 1 */
        for (int i = 0; i < n; i++)
            for (int q = 0; q < n; q++)
                s->w[i] += gw[q] * lagrange(n, s->xi, i, gx[q]);
        /* Differentiation matrix from the barycentric weights lam_i = 1 / prod (xi_i - xi_k);
         * the diagonal makes each row's sum (the derivative of a constant) vanish. */
        for (int i = 0; i < n; i++) {
            lam[i] = 1.0;
            for (int k = 0; k < n; k++)
                if (k != i) lam[i] /= s->xi[i] - s->xi[k];
        }
        for (int q = 0; q < n; q++) {
            double diag = 0.0;
            for (int k = 0; k < n; k++) {
                if (k == q) continue;
                double v = lam[k] / lam[q] / (s->xi[q] - s->xi[k]);
                s->dm[q * n + k] = v;
                diag -= v;
            }
            s->dm[q * n + q] = diag;
        }
        /* Weak form of r^(1-d) (r^(d-1) D c_r)_r with c_r = 2 sqrt(xi) c_xi / R:
         * (R^d/2) w_i c_i' = -sum_q 2 R^(d-2) w_q xi_q D_q (c_xi)_q l_i'(xi_q) - R^(d-1) j
         * delta_i,n-1 */
        for (int i = 0; i < n; i++)
            for (int q = 0; q < n; q++)
                s->lift[i * n + q] =
                    4.0 * s->w[q] * s->xi[q] * s->dm[q * n + i] / (R * R * s->w[i]);
    }
    free(gx);
    free(gw);
    free(lam);
    if (e) {
        upscale_particle_spectral_destroy(&s);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *out = s;
    return UPSCALE_OK;
}

void upscale_particle_spectral_destroy(upscale_spectral **s)
{
    if (!s || !*s) return;
    free((*s)->xi);
    free((*s)->w);
    free((*s)->dm);
    free((*s)->lift);
    free(*s);
    *s = NULL;
}
