/* Tabulated homogeneous chemical potential, interpolated in T (see include/upscale/mu_table.h). */
#include "upscale/mu_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "upscale/constants.h"
#include "upscale/params.h"
#include "upscale/table.h"

struct upscale_mu_table {
    int n;             /* tables, >= 1 */
    double *T;         /* K, strictly increasing */
    upscale_table **f; /* f_i(x), eV per ion */
    double sites;      /* n: x runs over [0, n] */
    double fu_density; /* formula units per m^3 */
    double reference_energy;
    int ideal; /* ideal_sites: the tables hold the excess */
};

/* kT in eV: k_B/e = R/F (as rk_material.c). */
static double kT_eV(double T)
{
    return UPSCALE_GAS / UPSCALE_FARADAY * T;
}

void upscale_mu_table_destroy(upscale_mu_table **t)
{
    if (!t || !*t) return;
    for (int i = 0; i < (*t)->n; i++)
        upscale_table_destroy(&(*t)->f[i]);
    free((*t)->f);
    free((*t)->T);
    free(*t);
    *t = NULL;
}

/* Table i: temperature above the previous one, a CSV of f(x) in eV with x increasing
 * within [0, n]. */
static upscale_err read_table(upscale_params *p, int i, upscale_mu_table *t)
{
    char kt[64], kf[64], path[4096];
    snprintf(kt, sizeof(kt), "tables.%d.temperature", i);
    snprintf(kf, sizeof(kf), "tables.%d.file", i);
    UPSCALE_CALL(upscale_params_get_quantity(p, kt, "K", "a temperature", 0, INFINITY,
                                             UPSCALE_RANGE_LO_OPEN, &t->T[i]));
    if (i > 0 && !(t->T[i] > t->T[i - 1]))
        return upscale_params_error(p, kt,
                                    "expected a temperature above the %g K of tables.%d "
                                    "(distinct temperatures in increasing order), got %g K",
                                    t->T[i - 1], i - 1, t->T[i]);
    UPSCALE_CALL(upscale_params_get_path(p, kf, NULL, path, sizeof(path)));
    upscale_err e = upscale_table_read(upscale_params_units(p), path, "1", "eV", &t->f[i]);
    if (e) return upscale_params_error(p, kf, "%s", upscale_error_message());
    int row = upscale_table_unordered_row(t->f[i]);
    if (row)
        return upscale_params_error(p, kf, "%s:%d: expected rows in strictly increasing x", path,
                                    row);
    double x0, x1;
    upscale_table_domain(t->f[i], &x0, &x1);
    if (x0 < 0.0 || x1 > t->sites)
        return upscale_params_error(p, kf,
                                    "%s: x runs %g .. %g, expected within [0, %g] "
                                    "(sites_per_formula_unit)",
                                    path, x0, x1, t->sites);
    return UPSCALE_OK;
}

static upscale_err read_file(upscale_params *p, const char *path, upscale_mu_table *t)
{
    const char *text;
    static const char *const yesno[] = {"false", "true", NULL};
    UPSCALE_CALL(upscale_params_load(p, path));
    UPSCALE_CALL(upscale_params_get_string(p, "citation", "", &text));
    UPSCALE_CALL(upscale_params_get_string(p, "material", "", &text));
    UPSCALE_CALL(upscale_params_get_quantity(p, "sites_per_formula_unit", "1", "a site count", 1, 8,
                                             0, &t->sites));
    UPSCALE_CALL(upscale_params_get_quantity(p, "site_density", "m^-3", "a number density", 0,
                                             INFINITY, UPSCALE_RANGE_LO_OPEN, &t->fu_density));
    UPSCALE_CALL(upscale_params_get_quantity(p, "reference_energy", "eV", "an energy", -INFINITY,
                                             INFINITY, 0, &t->reference_energy));
    UPSCALE_CALL(upscale_params_get_choice(p, "ideal_sites", yesno, "false", &t->ideal));
    int n = 0;
    char k[64];
    while (snprintf(k, sizeof(k), "tables.%d", n),
           upscale_params_has(p, k) || upscale_params_has_prefix(p, k))
        n++;
    if (n == 0)
        return upscale_params_error(p, "tables",
                                    "%sexpected a list of {temperature: T, file: F.csv}",
                                    upscale_params_has(p, "tables") ? "" : "missing key: ");
    t->T = calloc((size_t)n, sizeof(*t->T));
    t->f = calloc((size_t)n, sizeof(*t->f));
    UPSCALE_ALLOC_CHECK(t->T && t->f);
    t->n = n;
    for (int i = 0; i < n; i++)
        UPSCALE_CALL(read_table(p, i, t));
    /* records written by `upscale import gcmc -o` (include/upscale/gcmc.h): accepted, not
     * used by the simulator */
    static const char *const records[] = {"uncertainty.", "provenance.", "derived."};
    for (size_t k = 0; k < upscale_params_count(p); k++) {
        upscale_params_entry en;
        upscale_params_get_entry(p, k, &en);
        for (size_t r = 0; r < sizeof(records) / sizeof(records[0]); r++)
            if (!strncmp(en.key, records[r], strlen(records[r])))
                upscale_params_mark_used(p, en.key);
    }
    UPSCALE_CALL(upscale_params_check_unused(p));
    return UPSCALE_OK;
}

upscale_err upscale_mu_table_read(const char *path, upscale_mu_table **out)
{
    *out = NULL;
    upscale_mu_table *t = calloc(1, sizeof(*t));
    UPSCALE_ALLOC_CHECK(t);
    upscale_params *p = NULL;
    upscale_err e = upscale_params_create(&p);
    if (!e) e = read_file(p, path, t);
    upscale_params_destroy(&p);
    if (e) {
        upscale_mu_table_destroy(&t);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *out = t;
    return UPSCALE_OK;
}

double upscale_mu_table_mu(const upscale_mu_table *t, double x, double T, double *dmu_dx)
{
    /* the bracketing pair i, i + 1 (the end pair outside the tables) */
    int i = 0;
    while (i + 2 < t->n && T > t->T[i + 1])
        i++;
    double d = 0.0, f = upscale_table_eval(t->f[i], x, dmu_dx ? &d : NULL);
    if (t->n > 1) {
        double w = (T - t->T[i]) / (t->T[i + 1] - t->T[i]), d1 = 0.0;
        double f1 = upscale_table_eval(t->f[i + 1], x, dmu_dx ? &d1 : NULL);
        f += w * (f1 - f);
        d += w * (d1 - d);
    }
    if (t->ideal) {
        double kT = kT_eV(T), y = x / t->sites;
        f += kT * (log(y) - log1p(-y));
        d += kT / (y * (1.0 - y)) / t->sites;
    }
    if (dmu_dx) *dmu_dx = d;
    return t->reference_energy + f;
}

double upscale_mu_table_ocv(const upscale_mu_table *t, double x, double T, double *dU_dx)
{
    double d;
    double mu = upscale_mu_table_mu(t, x, T, dU_dx ? &d : NULL);
    if (dU_dx) *dU_dx = -d;
    return -mu;
}

double upscale_mu_table_sites(const upscale_mu_table *t)
{
    return t->sites;
}

double upscale_mu_table_cmax(const upscale_mu_table *t)
{
    return t->sites * t->fu_density / UPSCALE_AVOGADRO;
}

void upscale_mu_table_temperatures(const upscale_mu_table *t, double *T_min, double *T_max)
{
    *T_min = t->T[0];
    *T_max = t->T[t->n - 1];
}
