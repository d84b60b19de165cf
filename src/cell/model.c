/* The P2D cell: reading parameters into SI, meshes, derived groups (computed here and
 * nowhere else), kernel selection, and the evaluations the driver needs (rest state,
 * inventory, capacity, OCV). */
#include "upscale/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "residual/ch2d.h"
#include "upscale/particle.h"

static const char *const region_name[3] = {"negative", "separator", "positive"};

/* Physical bounds of the cell's inputs (docs/params.md section 1): a value beyond them is a
 * typo or a unit slip, refused as bad input instead of failing in the solver at t = 0. */
#define T_MIN 150.0                /* K: below any liquid electrolyte's freezing point */
#define T_MAX 1000.0               /* K: above molten-salt cells (about 600 K) */
#define THICKNESS_MAX 1e-2         /* m: electrodes and separator */
#define RADIUS_MAX 1e-3            /* m: particle radius (half-thickness of a slab) */
#define SALT_CONC_MAX 1e5          /* mol/m^3: 100 M */
#define CONDUCTIVITY_MAX 1e8       /* S/m: above copper (6e7) */
#define ELYTE_CONDUCTIVITY_MAX 1e3 /* S/m: above any liquid electrolyte (about 10) */
#define DIFFUSIVITY_MAX 1e-4       /* m^2/s: above gases */
#define RESISTANCE_MAX 10.0        /* Ohm m^2: area resistances (1e5 Ohm cm^2) */
#define ACTIVATION_MAX 1e6         /* J/mol: activation energies (10 eV) */
#define RATE_MAX 1e6               /* rate constant, in the rate law's unit */
#define EXCHANGE_CURRENT_MAX 1e6   /* A/m^2 */

static upscale_err read_electrode(upscale_params *p, int g, int single, double T, double Tref,
                                  upscale_electrode *el)
{
    char k[128];
    const char *n = region_name[g];
#define KEY(s) (snprintf(k, sizeof(k), "%s.%s", n, s), k)
    UPSCALE_CALL(upscale_params_get_quantity(p, KEY("thickness"), "m", "a length", 0, THICKNESS_MAX,
                                             UPSCALE_RANGE_LO_OPEN, &el->thickness));
    UPSCALE_CALL(upscale_params_get_quantity(p, KEY("porosity"), "1", "a volume fraction", 0, 1,
                                             UPSCALE_RANGE_LO_OPEN | UPSCALE_RANGE_HI_OPEN,
                                             &el->porosity));
    UPSCALE_CALL(upscale_params_get_quantity_or(p, KEY("filler_fraction"), "1", "a volume fraction",
                                                0, 1, UPSCALE_RANGE_HI_OPEN, 0.0, &el->filler));
    el->active = 1.0 - el->porosity - el->filler;
    if (!(el->active > 0))
        return upscale_params_error(p, KEY("filler_fraction"),
                                    "porosity + filler_fraction must be < 1 (active fraction %g)",
                                    el->active);
    UPSCALE_CALL(upscale_params_get_quantity(p, KEY("particle_radius"), "m", "a length", 0,
                                             RADIUS_MAX, UPSCALE_RANGE_LO_OPEN, &el->radius));
    static const char *const shapes[] = {"sphere", "slab", "cylinder", NULL};
    int shape;
    UPSCALE_CALL(upscale_params_get_choice(p, KEY("particle_shape"), shapes, "sphere", &shape));
    el->shape = (upscale_particle_shape)shape;
    /* a = (surface / volume) eps_s: 3/R sphere, 2/R cylinder, 1/R slab. */
    static const double per_radius[] = {3.0, 1.0, 2.0};
    el->area = per_radius[el->shape] * el->active / el->radius;
    static const char *const models[] = {"fick", "cahn_hilliard", NULL};
    UPSCALE_CALL(
        upscale_params_get_choice(p, KEY("particle_model"), models, "fick", &el->cahn_hilliard));
    UPSCALE_CALL(upscale_particle_read_potential(p, n, T, el));
    /* Reference of the reduced-state activity for rate laws that use it (kinetics.h). */
    el->u_ref = upscale_function_eval(el->ocp, 0.5, NULL);
    double s0;
    UPSCALE_CALL(upscale_params_get_quantity(p, KEY("initial_stoichiometry"), "1",
                                             "a stoichiometry", 0, 1,
                                             UPSCALE_RANGE_LO_OPEN | UPSCALE_RANGE_HI_OPEN, &s0));
    el->c0 = s0 * el->cmax;
    /* No ohmic loss in the solid of a single particle in an ideal bath. */
    el->sigma = INFINITY;
    if (!single) {
        UPSCALE_CALL(upscale_params_get_quantity(p, KEY("conductivity"), "S/m", "a conductivity", 0,
                                                 CONDUCTIVITY_MAX, UPSCALE_RANGE_LO_OPEN,
                                                 &el->sigma));
        UPSCALE_CALL(upscale_params_get_quantity_or(
            p, KEY("conductivity_bruggeman"), "1", "an exponent", 0, 10, 0, 0.0, &el->brugg_solid));
    }
    UPSCALE_CALL(upscale_params_get_quantity_or(p, KEY("bruggeman"), "1", "an exponent", 0, 10, 0,
                                                1.5, &el->brugg));
    UPSCALE_CALL(upscale_params_get_quantity_or(p, KEY("film_resistance"), "Ohm m^2",
                                                "an area resistance", 0, RESISTANCE_MAX, 0, 0.0,
                                                &el->film_resistance));
    UPSCALE_CALL(upscale_params_get_quantity_or(p, KEY("contact_resistance"), "Ohm m^2",
                                                "an area resistance", 0, RESISTANCE_MAX, 0, 0.0,
                                                &el->contact_resistance));
    UPSCALE_CALL(upscale_params_get_quantity_or(p, KEY("alpha_a"), "1", "a transfer coefficient", 0,
                                                1, UPSCALE_RANGE_LO_OPEN | UPSCALE_RANGE_HI_OPEN,
                                                0.5, &el->alpha_a));
    UPSCALE_CALL(upscale_params_get_quantity_or(p, KEY("alpha_c"), "1", "a transfer coefficient", 0,
                                                1, UPSCALE_RANGE_LO_OPEN | UPSCALE_RANGE_HI_OPEN,
                                                1.0 - el->alpha_a, &el->alpha_c));
    UPSCALE_CALL(upscale_params_get_quantity_or(p, KEY("diffusivity_activation_energy"), "J/mol",
                                                "an energy per mole", 0, ACTIVATION_MAX, 0, 0.0,
                                                &el->ea_diffusivity));
    UPSCALE_CALL(upscale_params_get_quantity_or(p, KEY("rate_activation_energy"), "J/mol",
                                                "an energy per mole", 0, ACTIVATION_MAX, 0, 0.0,
                                                &el->ea_rate));
    const int pos = UPSCALE_RANGE_LO_OPEN;
    if (!el->cahn_hilliard)
        UPSCALE_CALL(upscale_function_from_params(p, KEY("diffusivity"), "mol/m^3", "m^2/s",
                                                  "a diffusivity", 0, DIFFUSIVITY_MAX, pos,
                                                  &el->ds));
    int law;
    UPSCALE_CALL(
        upscale_params_get_choice(p, KEY("rate_law"), upscale_rate_law_names(), "newman", &law));
    el->rate_law = upscale_rate_law_find(upscale_rate_law_names()[law]);
    UPSCALE_CALL(upscale_function_from_params(p, KEY("rate_constant"), "mol/m^3",
                                              el->rate_law->k_unit, "a rate constant", 0, RATE_MAX,
                                              pos, &el->k));
    if (el->cahn_hilliard) UPSCALE_CALL(upscale_particle_read_cahn_hilliard(p, n, T, Tref, el));
#undef KEY
    return UPSCALE_OK;
}

static upscale_err read_cell(upscale_params *p, upscale_cell *c)
{
    static const char *const types[] = {"full", "half", "single_particle", NULL};
    int type;
    UPSCALE_CALL(upscale_params_get_choice(p, "cell.type", types, "full", &type));
    c->half_cell = type >= 1;
    c->single_particle = type == 2;
    UPSCALE_CALL(upscale_params_get_quantity(p, "cell.temperature", "K", "a temperature", T_MIN,
                                             T_MAX, 0, &c->temperature));
    UPSCALE_CALL(upscale_params_get_quantity_or(
        p, "cell.reference_temperature", "K", "a temperature", T_MIN, T_MAX, 0,
        UPSCALE_REFERENCE_TEMPERATURE, &c->reference_temperature));
    UPSCALE_CALL(upscale_params_get_quantity_or(p, "cell.faraday_constant", "C/mol",
                                                "a charge per mole", 9e4, 1e5, 0, UPSCALE_FARADAY,
                                                &c->faraday));
    if (c->single_particle) {
        /* The ideal bath needs only the electrolyte's concentration. */
        UPSCALE_CALL(read_electrode(p, UPSCALE_POS, 1, c->temperature, c->reference_temperature,
                                    &c->el[UPSCALE_POS]));
        UPSCALE_CALL(upscale_params_get_quantity(p, "electrolyte.initial_concentration", "mol/m^3",
                                                 "a concentration", 0, SALT_CONC_MAX,
                                                 UPSCALE_RANGE_LO_OPEN, &c->elyte.c0));
        UPSCALE_CALL(upscale_function_constant(1.0, &c->elyte.tdf));
        UPSCALE_CALL(upscale_function_constant(0.0, &c->elyte.tplus));
        UPSCALE_CALL(upscale_function_constant(1.0, &c->elyte.diffusivity));
        UPSCALE_CALL(upscale_function_constant(1.0, &c->elyte.conductivity));
        c->sep_porosity = 1.0;
        return UPSCALE_OK;
    }
    if (c->half_cell) {
        UPSCALE_CALL(upscale_params_get_quantity(p, "counter.exchange_current_density", "A/m^2",
                                                 "a current density", 0, EXCHANGE_CURRENT_MAX,
                                                 UPSCALE_RANGE_LO_OPEN, &c->counter_i0));
        UPSCALE_CALL(upscale_params_get_quantity_or(
            p, "counter.alpha", "1", "a transfer coefficient", 0, 1,
            UPSCALE_RANGE_LO_OPEN | UPSCALE_RANGE_HI_OPEN, 0.5, &c->counter_alpha));
        UPSCALE_CALL(upscale_params_get_quantity_or(p, "counter.contact_resistance", "Ohm m^2",
                                                    "an area resistance", 0, RESISTANCE_MAX, 0, 0.0,
                                                    &c->el[UPSCALE_NEG].contact_resistance));
    } else {
        UPSCALE_CALL(read_electrode(p, UPSCALE_NEG, 0, c->temperature, c->reference_temperature,
                                    &c->el[UPSCALE_NEG]));
    }
    UPSCALE_CALL(read_electrode(p, UPSCALE_POS, 0, c->temperature, c->reference_temperature,
                                &c->el[UPSCALE_POS]));
    UPSCALE_CALL(upscale_params_get_quantity(p, "separator.thickness", "m", "a length", 0,
                                             THICKNESS_MAX, UPSCALE_RANGE_LO_OPEN,
                                             &c->sep_thickness));
    UPSCALE_CALL(upscale_params_get_quantity(p, "separator.porosity", "1", "a volume fraction", 0,
                                             1, UPSCALE_RANGE_LO_OPEN, &c->sep_porosity));
    UPSCALE_CALL(upscale_params_get_quantity_or(p, "separator.bruggeman", "1", "an exponent", 0, 10,
                                                0, 1.5, &c->sep_brugg));
    upscale_electrolyte *e = &c->elyte;
    UPSCALE_CALL(upscale_params_get_quantity(p, "electrolyte.initial_concentration", "mol/m^3",
                                             "a concentration", 0, SALT_CONC_MAX,
                                             UPSCALE_RANGE_LO_OPEN, &e->c0));
    /* t+ and 1 + dln f/dln c: constants, formulas or tables of c (like D and kappa). */
    UPSCALE_CALL(upscale_function_from_params(p, "electrolyte.transference_number", "mol/m^3", "1",
                                              "a transference number", -10, 1,
                                              UPSCALE_RANGE_HI_OPEN, &e->tplus));
    if (upscale_params_has(p, "electrolyte.thermodynamic_factor"))
        UPSCALE_CALL(upscale_function_from_params(p, "electrolyte.thermodynamic_factor", "mol/m^3",
                                                  "1", "a thermodynamic factor", 0, 100,
                                                  UPSCALE_RANGE_LO_OPEN, &e->tdf));
    else
        UPSCALE_CALL(upscale_function_constant(1.0, &e->tdf));
    UPSCALE_CALL(upscale_params_get_quantity_or(p, "electrolyte.diffusivity_activation_energy",
                                                "J/mol", "an energy per mole", 0, ACTIVATION_MAX, 0,
                                                0.0, &e->ea_diffusivity));
    UPSCALE_CALL(upscale_params_get_quantity_or(p, "electrolyte.conductivity_activation_energy",
                                                "J/mol", "an energy per mole", 0, ACTIVATION_MAX, 0,
                                                0.0, &e->ea_conductivity));
    UPSCALE_CALL(upscale_function_from_params(p, "electrolyte.diffusivity", "mol/m^3", "m^2/s",
                                              "a diffusivity", 0, DIFFUSIVITY_MAX,
                                              UPSCALE_RANGE_LO_OPEN, &e->diffusivity));
    UPSCALE_CALL(upscale_function_from_params(p, "electrolyte.conductivity", "mol/m^3", "S/m",
                                              "a conductivity", 0, ELYTE_CONDUCTIVITY_MAX,
                                              UPSCALE_RANGE_LO_OPEN, &e->conductivity));
    upscale_function *fs[4] = {e->tplus, e->tdf, e->diffusivity, e->conductivity};
    for (int k = 0; k < 4; k++)
        upscale_function_set_temperature(fs[k], c->temperature);
    e->t_plus = upscale_function_eval(e->tplus, e->c0, NULL);
    return UPSCALE_OK;
}

/* Arrhenius factor exp(Ea/R (1/Tref - 1/T)). */
static double arrhenius(double ea, const upscale_cell *c)
{
    return exp(ea / UPSCALE_GAS * (1.0 / c->reference_temperature - 1.0 / c->temperature));
}

/* r^d by repeated products (d = 1, 2, 3). */
static double rpow(double r, int d)
{
    double v = 1.0;
    for (int i = 0; i < d; i++)
        v *= r;
    return v;
}

/* The dimension d of a particle shape: slab 1, cylinder 2, sphere 3. */
static int shape_dimension(upscale_particle_shape shape)
{
    return shape == UPSCALE_SHAPE_SLAB ? 1 : (shape == UPSCALE_SHAPE_CYLINDER ? 2 : 3);
}

/* Shell faces on [0, R]: widths in geometric progression, outermost/innermost = ratio.
 * Sphere: face areas r^2, volumes (r+^3 - r-^3)/3, particle measure R^3/3 (all per
 * steradian); cylinder (a rod of radius R reacting on its side): areas r, volumes
 * (r+^2 - r-^2)/2, measure R^2/2 (per radian and unit length); slab (a plate of
 * half-thickness R): areas 1, volumes = widths, measure R. */
static void particle_mesh(int n, double R, double ratio, upscale_particle_shape shape, double *rf,
                          double *rc, double *vol, double *af, double *vp)
{
    double q = n > 1 ? pow(ratio, 1.0 / (n - 1)) : 1.0, w = 1.0, sum = 0.0;
    for (int k = 0; k < n; k++, w *= q)
        sum += w;
    rf[0] = 0.0;
    w = R / sum;
    for (int k = 0; k < n; k++, w *= q)
        rf[k + 1] = rf[k] + w;
    rf[n] = R;
    /* The measure of [0, r] is r^d / d and the face area r^(d-1), d = 1, 2, 3. */
    int d = shape_dimension(shape);
    for (int k = 0; k < n; k++) {
        rc[k] = 0.5 * (rf[k] + rf[k + 1]);
        vol[k] = (rpow(rf[k + 1], d) - rpow(rf[k], d)) / d;
    }
    for (int k = 0; k <= n; k++)
        af[k] = rpow(rf[k], d - 1);
    *vp = rpow(R, d) / d;
}

static upscale_err read_mesh(upscale_params *p, upscale_model *m, int nx[3], int nr[3],
                             double ratio[3], int sp[3])
{
    static const char *const disc[] = {"finite_volume", "spectral", NULL};
    static const long def_cells[3] = {10, 5, 10};
    char k[128];
    for (int g = 0; g < 3; g++) {
        long v = 0;
        nx[g] = 0;
        nr[g] = 0;
        sp[g] = 0;
        ratio[g] = 1.0;
        if (g == UPSCALE_NEG && m->cell.half_cell) continue;
        if (m->cell.single_particle && g == UPSCALE_SEP) continue;
        snprintf(k, sizeof(k), "numerics.cells.%s", region_name[g]);
        if (m->cell.single_particle)
            v = 1;
        else
            UPSCALE_CALL(upscale_params_get_int_or(p, k, 1, 100000, def_cells[g], &v));
        nx[g] = (int)v;
        if (g == UPSCALE_SEP) continue;
        snprintf(k, sizeof(k), "numerics.particle_discretisation.%s", region_name[g]);
        UPSCALE_CALL(upscale_params_get_choice(p, k, disc, "finite_volume", &sp[g]));
        if (sp[g] && m->cell.el[g].cahn_hilliard)
            return upscale_params_error(p, k,
                                        "spectral is for Fickian particles; %s.particle_model is "
                                        "cahn_hilliard (expected finite_volume)",
                                        region_name[g]);
        snprintf(k, sizeof(k), "numerics.shells.%s", region_name[g]);
        if (sp[g])
            UPSCALE_CALL(upscale_params_get_int_or(p, k, 2, SPECTRAL_MAX_NODES, 10, &v));
        else
            UPSCALE_CALL(upscale_params_get_int_or(p, k, 1, 100000, 10, &v));
        nr[g] = (int)v;
        snprintf(k, sizeof(k), "numerics.shell_ratio.%s", region_name[g]);
        /* a case's finite-volume grading stays valid when a run switches to spectral */
        if (sp[g] && upscale_params_has(p, k))
            snprintf(m->warnings + strlen(m->warnings), sizeof(m->warnings) - strlen(m->warnings),
                     "%s%s has no effect on spectral particles (their nodes are the quadrature's)",
                     m->warnings[0] ? "; " : "", k);
        UPSCALE_CALL(upscale_params_get_quantity_or(p, k, "1", "a width ratio", 0, 1,
                                                    UPSCALE_RANGE_LO_OPEN, 1.0, &ratio[g]));
    }
    if (upscale_params_has_prefix(p, "numerics.particle_discretisation"))
        for (int g = 0; g < 3; g += 2)
            if (!nr[g]) {
                snprintf(k, sizeof(k), "numerics.particle_discretisation.%s", region_name[g]);
                if (upscale_params_has(p, k))
                    return upscale_params_error(p, k, "the cell has no %s particles",
                                                region_name[g]);
            }
    return UPSCALE_OK;
}

/* positive.particle_dimension: 2 makes the positive particles 2D (r, theta) Cahn-Hilliard
 * spheres with numerics.polar_cells.positive polar cells and the exchange anisotropy
 * positive.exchange_anisotropy (ch2d.h); the last two are bad input otherwise. */
static upscale_err read_particle2d(upscale_params *p, const upscale_model *m, int logit, int *nt,
                                   double *aniso)
{
    long dim = 1, n = 0;
    *nt = 0;
    *aniso = 0.0;
    UPSCALE_CALL(upscale_params_get_int_or(p, "positive.particle_dimension", 1, 2, 1, &dim));
    if (dim == 1) {
        static const char *const keys2d[] = {"positive.exchange_anisotropy",
                                             "numerics.polar_cells.positive"};
        for (size_t k = 0; k < sizeof(keys2d) / sizeof(keys2d[0]); k++)
            if (upscale_params_has(p, keys2d[k]))
                return upscale_params_error(p, keys2d[k],
                                            "a key of 2D particles; expected it only with "
                                            "positive.particle_dimension: 2");
        if (upscale_params_has_prefix(p, "numerics.polar_cells"))
            return upscale_params_error(p, "numerics.polar_cells",
                                        "a key of 2D particles; expected it only with "
                                        "positive.particle_dimension: 2 (as polar_cells.positive)");
        return UPSCALE_OK;
    }
    const upscale_electrode *el = &m->cell.el[UPSCALE_POS];
    if (!el->cahn_hilliard)
        return upscale_params_error(p, "positive.particle_model",
                                    "positive.particle_dimension: 2 needs a phase-field "
                                    "particle; expected cahn_hilliard");
    if (el->shape != UPSCALE_SHAPE_SPHERE)
        return upscale_params_error(p, "positive.particle_shape",
                                    "positive.particle_dimension: 2 is an axisymmetric sphere; "
                                    "expected sphere");
    if (logit)
        return upscale_params_error(p, "numerics.phasefield_variable",
                                    "the 2D particle has no bounded (logit) formulation yet; "
                                    "expected concentration");
    /* cos 2 theta over [0, pi] needs at least 4 cells to change sign within each hemisphere */
    UPSCALE_CALL(upscale_params_get_int_or(p, "numerics.polar_cells.positive", 4, 100000, 8, &n));
    UPSCALE_CALL(upscale_params_get_quantity_or(
        p, "positive.exchange_anisotropy", "1", "an anisotropy", -1, 1,
        UPSCALE_RANGE_LO_OPEN | UPSCALE_RANGE_HI_OPEN, 0.0, aniso));
    *nt = (int)n;
    return UPSCALE_OK;
}

static upscale_err alloc_arrays(upscale_model *m)
{
    int nx = m->layout->nx;
    m->x = calloc(nx, sizeof(double));
    m->dx = calloc(nx, sizeof(double));
    m->eps = calloc(nx, sizeof(double));
    m->epsb = calloc(nx, sizeof(double));
    m->area = calloc(nx, sizeof(double));
    m->scale = calloc(m->layout->n, sizeof(double));
    /* 8 per node for the rate law, then 3 per Cahn-Hilliard shell (particle_cahn_hilliard.c) */
    size_t nk = 8 * (size_t)nx;
    for (int ix = 0; ix < nx; ix++)
        if (m->layout->mu[ix] >= 0) nk += 3 * (size_t)m->layout->nr[m->layout->region[ix]];
    m->nkinetics = nk;
    m->kinetics = calloc(nk, sizeof(double));
    UPSCALE_ALLOC_CHECK(m->x && m->dx && m->eps && m->epsb && m->area && m->scale && m->kinetics);
    for (int g = 0; g < 3; g += 2) {
        int n = m->layout->nr[g];
        if (n == 0) continue;
        m->rc[g] = calloc(n, sizeof(double));
        m->rf[g] = calloc(n + 1, sizeof(double));
        m->vol[g] = calloc(n, sizeof(double));
        m->af[g] = calloc(n + 1, sizeof(double));
        UPSCALE_ALLOC_CHECK(m->rc[g] && m->rf[g] && m->vol[g] && m->af[g]);
    }
    return UPSCALE_OK;
}

/* The geometry of spectral particles (upscale_spectral in model.h): node radii
 * R sqrt(xi_i), the measure R^d/2 w_i each node's content stands for, faces enclosing
 * those measures in turn, the surface R^(d-1). */
static void spectral_mesh(const upscale_spectral *s, double R, upscale_particle_shape shape,
                          double *rf, double *rc, double *vol, double *af, double *vp)
{
    int n = s->n, d = shape_dimension(shape);
    double sum = 0.0;
    rf[0] = 0.0;
    for (int k = 0; k < n; k++) {
        rc[k] = R * sqrt(s->xi[k]);
        vol[k] = 0.5 * rpow(R, d) * s->w[k];
        sum += vol[k];
        rf[k + 1] = pow(d * sum, 1.0 / d);
        af[k] = rpow(rf[k], d - 1);
    }
    rf[n] = R;
    af[n] = rpow(R, d - 1);
    *vp = rpow(R, d) / d;
}

/* Per-node geometry and the derived groups at the cell temperature. */
static upscale_err derive(upscale_model *m, const double ratio[3])
{
    upscale_cell *c = &m->cell;
    const upscale_layout *L = m->layout;
    m->thermal = UPSCALE_GAS * c->temperature / c->faraday;
    c->elyte.arr_d = arrhenius(c->elyte.ea_diffusivity, c);
    c->elyte.arr_kappa = arrhenius(c->elyte.ea_conductivity, c);
    double x0 = 0.0;
    for (int g = 0; g < 3; g++) {
        int n = L->nx_region[g];
        if (n == 0) continue;
        double len = g == UPSCALE_SEP ? c->sep_thickness : c->el[g].thickness;
        double eps = g == UPSCALE_SEP ? c->sep_porosity : c->el[g].porosity;
        double b = g == UPSCALE_SEP ? c->sep_brugg : c->el[g].brugg;
        for (int i = 0; i < n; i++) {
            int ix = L->x_begin[g] + i;
            m->dx[ix] = len / n;
            m->x[ix] = x0 + (i + 0.5) * len / n;
            m->eps[ix] = eps;
            m->epsb[ix] = pow(eps, b);
            m->area[ix] = g == UPSCALE_SEP ? 0.0 : c->el[g].area;
        }
        x0 += len;
        if (g == UPSCALE_SEP) continue;
        upscale_electrode *el = &c->el[g];
        el->arr_ds = arrhenius(el->ea_diffusivity, c);
        el->arr_k = arrhenius(el->ea_rate, c);
        el->sigma_eff = el->sigma * pow(1.0 - el->porosity, el->brugg_solid);
        if (!L->sp[g]) {
            particle_mesh(L->nr[g], el->radius, ratio[g], el->shape, m->rf[g], m->rc[g], m->vol[g],
                          m->af[g], &m->vp[g]);
            continue;
        }
        UPSCALE_CALL(upscale_particle_spectral_create(L->nr[g], shape_dimension(el->shape),
                                                      el->radius, &m->spectral[g]));
        spectral_mesh(m->spectral[g], el->radius, el->shape, m->rf[g], m->rc[g], m->vol[g],
                      m->af[g], &m->vp[g]);
    }
    return UPSCALE_OK;
}

/* Tolerance scales: what "one unit of error" means for each kind of unknown.  Potentials
 * are measured in units of R T / F, the scale on which rates and equilibria change. */
static void set_scales(upscale_model *m)
{
    const upscale_layout *L = m->layout;
    const upscale_cell *c = &m->cell;
    double q = upscale_model_theoretical_capacity(m, +1), i1c = q / 3600.0;
    for (int ix = 0; ix < L->nx; ix++) {
        m->scale[L->ce[ix]] = c->elyte.c0;
        m->scale[L->phie[ix]] = m->thermal;
        int g = L->region[ix];
        if (g == UPSCALE_SEP) continue;
        const upscale_electrode *el = &c->el[g];
        m->scale[L->phis[ix]] = m->thermal;
        m->scale[L->j[ix]] = i1c / (c->faraday * el->area * el->thickness);
        if (L->nt[g] > 0) {
            for (int k = 0; k < L->nr[g] * L->nt[g]; k++) {
                m->scale[L->cs[ix] + 2 * k] = el->cmax;
                m->scale[L->cs[ix] + 2 * k + 1] = UPSCALE_GAS * c->temperature;
            }
            for (int k = 0; k < L->nt[g]; k++)
                m->scale[L->cs[ix] + upscale_layout_j2d(L, g, k)] = m->scale[L->j[ix]];
            m->scale[L->cs[ix] + upscale_layout_mean2d(L, g)] = el->cmax;
            continue;
        }
        for (int k = 0; k < L->nr[g]; k++)
            m->scale[L->cs[ix] + k] = el->cmax;
        if (L->ss[ix] >= 0) m->scale[L->ss[ix]] = el->cmax;
        for (int k = 0; L->mu[ix] >= 0 && k < L->nr[g]; k++)
            m->scale[L->mu[ix] + k] = UPSCALE_GAS * c->temperature;
        for (int k = 0; L->z[ix] >= 0 && k < L->nr[g]; k++)
            m->scale[L->z[ix] + k] = 1.0;
    }
    m->scale[L->I] = i1c;
    m->scale[L->V] = m->thermal;
    m->scale[L->Q] = q;
    if (L->phie0 >= 0) m->scale[L->phie0] = m->thermal;
}

/* A Cahn-Hilliard particle must resolve its interface: at least 2 of its coarsest shells
 * across the width of eq. 28 (else bad input), and a warning below 5. */
upscale_err upscale_model_check_resolution(upscale_params *p, upscale_model *m)
{
    for (int g = 0; g < 3; g += 2) {
        const upscale_electrode *el = &m->cell.el[g];
        int n = m->layout->nr[g];
        if (!m->layout->ch[g] || !(el->width > 0)) continue;
        double h = 0.0;
        for (int k = 0; k < n; k++)
            h = fmax(h, m->rf[g][k + 1] - m->rf[g][k]);
        double cells = el->width / h;
        char key[64];
        snprintf(key, sizeof(key), "numerics.shells.%s", region_name[g]);
        if (cells < 2.0)
            return upscale_params_error(p, key,
                                        "the %s particles' interface (%.3g m wide, eq. 28) spans "
                                        "%.2f shells; at least 2 are needed (5 or more advised)",
                                        region_name[g], el->width, cells);
        if (cells < 5.0)
            snprintf(m->warnings + strlen(m->warnings), sizeof(m->warnings) - strlen(m->warnings),
                     "%s%s: interface %.3g m wide spans only %.1f shells (5 or more advised)",
                     m->warnings[0] ? "; " : "", region_name[g], el->width, cells);
        /* A 2D particle whose surface can carry both phases (a != 0) must also resolve the
         * interface along the surface: the same rule on the polar cells' arc R dtheta
         * (docs/validation.md, "The MnFePBA discharge with 2D particles": 32 polar cells on
         * the MnFePBA particle, one per width, deliver 39% more than 64 and 128, which agree
         * within 0.4%). */
        const upscale_ch2d *p2 = m->ch2d[g];
        if (!p2 || p2->anisotropy == 0.0) continue;
        double arc = p2->R * (p2->thf[1] - p2->thf[0]), polar = el->width / arc;
        snprintf(key, sizeof(key), "numerics.polar_cells.%s", region_name[g]);
        if (polar < 2.0)
            return upscale_params_error(p, key,
                                        "the %s particles' interface (%.3g m wide, eq. 28) spans "
                                        "%.2f polar cells of the surface (%.3g m each); at least 2 "
                                        "are needed (%d or more cells), 5 advised",
                                        region_name[g], el->width, polar, arc,
                                        (int)ceil(2.0 * p2->R * p2->thf[p2->nt] / el->width));
        if (polar < 5.0)
            snprintf(m->warnings + strlen(m->warnings), sizeof(m->warnings) - strlen(m->warnings),
                     "%s%s: interface %.3g m wide spans only %.1f polar cells (5 or more advised)",
                     m->warnings[0] ? "; " : "", region_name[g], el->width, polar);
    }
    return UPSCALE_OK;
}

upscale_err upscale_model_create(upscale_params *p, upscale_model **out)
{
    upscale_model *m = calloc(1, sizeof(*m));
    UPSCALE_ALLOC_CHECK(m);
    int nx[3], nr[3], sp[3];
    double ratio[3];
    upscale_err e = read_cell(p, &m->cell);
    if (!e) e = read_mesh(p, m, nx, nr, ratio, sp);
    /* numerics.phasefield_variable: concentration (c and mu per shell) or logit (plus the
     * logit z of the site fraction, through which every nonlinear function of c is read). */
    static const char *const pf_names[] = {"concentration", "logit", NULL};
    int logit = 0;
    if (!e)
        e = upscale_params_get_choice(p, "numerics.phasefield_variable", pf_names, "concentration",
                                      &logit);
    int ch[3] = {m->cell.el[0].cahn_hilliard ? 1 + logit : 0, 0,
                 m->cell.el[2].cahn_hilliard ? 1 + logit : 0};
    int nt[3] = {0, 0, 0};
    double aniso = 0.0;
    if (!e) e = read_particle2d(p, m, logit, &nt[UPSCALE_POS], &aniso);
    int counter = m->cell.half_cell && !m->cell.single_particle;
    if (!e) e = upscale_layout_create(nx, nr, ch, sp, nt, counter, &m->layout);
    if (!e) e = alloc_arrays(m);
    if (!e) e = derive(m, ratio);
    for (int g = 0; g < 3 && !e; g += 2)
        if (nt[g] > 0) e = upscale_ch2d_create(m, g, nt[g], aniso, &m->ch2d[g]);
    if (e) {
        upscale_model_destroy(&m);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    set_scales(m);
    m->own_lo = 0;
    m->own_hi = m->layout->nx;
    /* U(x) of a Fick particle goes one way (it falls as x fills); a table that turns back
     * is most likely a digitising or sorting slip.  Cahn-Hilliard U_h turns by design. */
    for (int g = 0; g < 3; g += 2) {
        const upscale_electrode *el = &m->cell.el[g];
        const upscale_table *t =
            el->ocp && !el->cahn_hilliard ? upscale_function_table(el->ocp) : NULL;
        double x_turn;
        if (t && !upscale_table_monotone(t, &x_turn))
            snprintf(m->warnings + strlen(m->warnings), sizeof(m->warnings) - strlen(m->warnings),
                     "%s%s.ocp: table '%s' is not monotone (turns back at x = %g)",
                     m->warnings[0] ? "; " : "", region_name[g], upscale_table_path(t), x_turn);
    }

    m->nkernels = 0;
    const upscale_layout *L = m->layout;
    int any_fick = (L->nx_region[UPSCALE_NEG] > 0 && !L->ch[UPSCALE_NEG] && !L->sp[UPSCALE_NEG]) ||
                   (!L->ch[UPSCALE_POS] && !L->sp[UPSCALE_POS]);
    if (any_fick) m->kernels[m->nkernels++] = &upscale_kernel_particle_fick;
    if (L->sp[UPSCALE_NEG] || L->sp[UPSCALE_POS])
        m->kernels[m->nkernels++] = &upscale_kernel_particle_fick_spectral;
    if ((L->ch[0] && !L->nt[0]) || (L->ch[2] && !L->nt[2]))
        m->kernels[m->nkernels++] = &upscale_kernel_particle_cahn_hilliard;
    if (L->nt[0] || L->nt[2]) m->kernels[m->nkernels++] = &upscale_kernel_particle_cahn_hilliard_2d;
    m->kernels[m->nkernels++] = &upscale_kernel_interface_kinetics;
    if (m->cell.single_particle) {
        m->kernels[m->nkernels++] = &upscale_kernel_single_particle_bath;
    } else {
        m->kernels[m->nkernels++] = &upscale_kernel_electrolyte_salt;
        m->kernels[m->nkernels++] = &upscale_kernel_electrolyte_charge;
        m->kernels[m->nkernels++] = &upscale_kernel_solid_charge;
        m->kernels[m->nkernels++] =
            m->cell.half_cell ? &upscale_kernel_circuit_half : &upscale_kernel_circuit_full;
    }

    /* Record the Jacobian pattern at the rest state. */
    double *y = calloc(m->layout->n, sizeof(double)), *yp = calloc(m->layout->n, sizeof(double));
    if (!y || !yp) {
        free(y);
        free(yp);
        upscale_model_destroy(&m);
        UPSCALE_CHECK(0, UPSCALE_ERR_MEMORY, "out of memory");
    }
    upscale_model_rest_state(m, y, yp);
    upscale_jac J;
    upscale_jac_record_begin(&J);
    for (int k = 0; k < m->nkernels; k++)
        m->kernels[k]->jacobian(m, 0.0, 1.0, y, yp, &J);
    free(y);
    free(yp);
    e = upscale_layout_set_pattern(m->layout, &J);
    if (e) {
        free(J.pairs);
        upscale_model_destroy(&m);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *out = m;
    return UPSCALE_OK;
}

void upscale_model_destroy(upscale_model **mp)
{
    if (!mp || !*mp) return;
    upscale_model *m = *mp;
    for (int g = 0; g < 3; g++) {
        upscale_electrode *el = &m->cell.el[g];
        upscale_function_destroy(&el->ocp);
        upscale_function_destroy(&el->ds);
        upscale_function_destroy(&el->k);
        upscale_particle_free(el);
        upscale_ch2d_destroy(&m->ch2d[g]);
        upscale_particle_spectral_destroy(&m->spectral[g]);
        free(m->rc[g]);
        free(m->rf[g]);
        free(m->vol[g]);
        free(m->af[g]);
    }
    upscale_function_destroy(&m->cell.elyte.diffusivity);
    upscale_function_destroy(&m->cell.elyte.conductivity);
    upscale_function_destroy(&m->cell.elyte.tplus);
    upscale_function_destroy(&m->cell.elyte.tdf);
    upscale_layout_destroy(&m->layout);
    free(m->x);
    free(m->dx);
    free(m->eps);
    free(m->epsb);
    free(m->area);
    free(m->scale);
    free(m->kinetics);
    free(m);
    *mp = NULL;
}

int upscale_model_residual(const upscale_model *m, double t, const double *y, const double *yp,
                           double *r)
{
    for (int k = 0; k < m->nkernels; k++) {
        int s = m->kernels[k]->residual(m, t, y, yp, r);
        if (s) return s;
    }
    return 0;
}

int upscale_model_jacobian(const upscale_model *m, double t, double cj, const double *y,
                           const double *yp, double *val)
{
    upscale_jac J;
    upscale_jac_assemble_begin(&J, m->layout, val);
    for (int k = 0; k < m->nkernels; k++)
        m->kernels[k]->jacobian(m, t, cj, y, yp, &J);
    return J.missing;
}

double upscale_model_surface_concentration(const upscale_model *m, const double *y, int ix,
                                           double *dcs_dcn, double *dcs_dj)
{
    const upscale_layout *L = m->layout;
    int g = L->region[ix], n = L->nr[g];
    const upscale_electrode *el = &m->cell.el[g];
    if (L->sp[g]) {
        /* spectral: the last node is the surface */
        if (dcs_dcn) *dcs_dcn = 1.0;
        if (dcs_dj) *dcs_dj = 0.0;
        return y[L->ss[ix]];
    }
    double cn = y[L->cs[ix] + n - 1], j = y[L->j[ix]];
    double dd, D = el->arr_ds * upscale_function_eval(el->ds, cn, &dd);
    dd *= el->arr_ds;
    double h = el->radius - m->rc[g][n - 1];
    if (dcs_dcn) *dcs_dcn = 1.0 + j * h * dd / (D * D);
    if (dcs_dj) *dcs_dj = -h / D;
    return cn - j * h / D;
}

/* Bounded Cahn-Hilliard shells: z = logit(c / c_max), the layout's tie (the fraction held
 * inside (0, 1) for states that lie a hair outside). */
static void set_logits(const upscale_model *m, double *y)
{
    const upscale_layout *L = m->layout;
    for (int ix = 0; ix < L->nx; ix++)
        for (int k = 0; L->z[ix] >= 0 && k < L->nr[L->region[ix]]; k++) {
            double x = y[L->cs[ix] + k] / m->cell.el[L->region[ix]].cmax;
            x = fmin(fmax(x, 1e-300), 1.0 - 1e-16);
            y[L->z[ix] + k] = log(x) - log1p(-x);
        }
}

void upscale_model_rest_state(const upscale_model *m, double *y, double *yp)
{
    const upscale_layout *L = m->layout;
    const upscale_cell *c = &m->cell;
    memset(y, 0, sizeof(double) * L->n);
    memset(yp, 0, sizeof(double) * L->n);
    double phie = 0.0;
    if (!c->half_cell) {
        const upscale_electrode *n = &c->el[UPSCALE_NEG];
        phie = -upscale_function_eval(n->ocp, n->c0 / n->cmax, NULL);
    }
    const upscale_electrode *p = &c->el[UPSCALE_POS];
    double phis_p = phie + upscale_function_eval(p->ocp, p->c0 / p->cmax, NULL);
    for (int ix = 0; ix < L->nx; ix++) {
        int g = L->region[ix];
        y[L->ce[ix]] = c->elyte.c0;
        y[L->phie[ix]] = phie;
        if (g == UPSCALE_SEP) continue;
        /* Uniform particle: mu = mu_h(c0) = -F U_h(c0 / c_max). */
        double mu0 =
            -c->faraday * upscale_function_eval(c->el[g].ocp, c->el[g].c0 / c->el[g].cmax, NULL);
        y[L->phis[ix]] = g == UPSCALE_NEG ? 0.0 : phis_p;
        if (L->nt[g] > 0) {
            for (int k = 0; k < L->nr[g] * L->nt[g]; k++) {
                y[L->cs[ix] + 2 * k] = c->el[g].c0;
                y[L->cs[ix] + 2 * k + 1] = mu0;
            }
            y[L->cs[ix] + upscale_layout_mean2d(L, g)] = c->el[g].c0;
            continue;
        }
        for (int k = 0; k < L->nr[g]; k++)
            y[L->cs[ix] + k] = c->el[g].c0;
        if (L->ss[ix] >= 0) y[L->ss[ix]] = c->el[g].c0;
        for (int k = 0; L->mu[ix] >= 0 && k < L->nr[g]; k++)
            y[L->mu[ix] + k] = mu0;
    }
    set_logits(m, y);
    y[L->V] = phis_p;
    if (L->phie0 >= 0) y[L->phie0] = 0.0;
}

/* The outer composition of node ix's particle: Fick's surface unknown, a 1D Cahn-Hilliard
 * particle's outer shell, the area mean of a 2D particle's outer cells. */
static double outer_composition(const upscale_model *m, const double *y, int ix)
{
    const upscale_layout *L = m->layout;
    int g = L->region[ix], nr = L->nr[g];
    if (L->ss[ix] >= 0) return y[L->ss[ix]];
    if (L->nt[g] == 0) return y[L->cs[ix] + nr - 1];
    const upscale_ch2d *p = m->ch2d[g];
    double s = 0.0;
    for (int k = 0; k < L->nt[g]; k++)
        s += y[L->cs[ix] + upscale_layout_c2d(L, g, nr - 1, k)] * p->area[k];
    return s / p->atot;
}

/* Overpotential that carries flux j at node ix (scalar Newton on the rate law). */
static double invert_rate(const upscale_model *m, const double *y, int ix, double j)
{
    const upscale_layout *L = m->layout;
    const upscale_electrode *el = node_electrode(m, ix);
    double cs = outer_composition(m, y, ix);
    double ce = y[L->ce[ix]];
    double eta = 0.0;
    upscale_rate_params rp =
        rate_params(m, el, cs, upscale_function_eval(el->ocp, cs / el->cmax, NULL));
    for (int it = 0; it < 50; it++) {
        upscale_rate r = {0};
        el->rate_law->eval(&rp, ce, cs, eta, &r);
        double step = (r.j - j) / r.dj_deta;
        if (!isfinite(step)) break;
        if (fabs(step) > 0.1) step = step > 0 ? 0.1 : -0.1;
        eta -= step;
        if (fabs(step) < 1e-12) break;
    }
    return eta;
}

void upscale_model_guess_algebraic(const upscale_model *m, double I, double *y)
{
    const upscale_layout *L = m->layout;
    const upscale_cell *c = &m->cell;
    const double F = c->faraday;
    double phie = 0.0;
    set_logits(m, y);
    if (c->half_cell && !c->single_particle) {
        double a = c->counter_alpha, f = 1.0 / m->thermal;
        double eta = 0.0; /* Newton on I = i0 [exp(a f eta) - exp(-(1-a) f eta)] */
        for (int it = 0; it < 50; it++) {
            double ea = exp(a * f * eta), ec = exp(-(1 - a) * f * eta);
            double g = c->counter_i0 * (ea - ec) - I;
            double d = c->counter_i0 * f * (a * ea + (1 - a) * ec);
            double s = g / d;
            if (fabs(s) > 0.1) s = s > 0 ? 0.1 : -0.1;
            eta -= s;
            if (fabs(s) < 1e-12) break;
        }
        phie = -eta;
        y[L->phie0] = phie;
    }
    for (int g = UPSCALE_NEG; g <= UPSCALE_POS; g += 2) {
        int b = L->x_begin[g], n = L->nx_region[g];
        if (n == 0) continue;
        const upscale_electrode *el = &c->el[g];
        double j = (g == UPSCALE_NEG ? I : -I) / (F * el->area * el->thickness);
        for (int ix = b; ix < b + n; ix++) {
            y[L->j[ix]] = j;
            for (int k = 0; k < L->nt[g]; k++)
                y[L->cs[ix] + upscale_layout_j2d(L, g, k)] = j;
            double cs = outer_composition(m, y, ix);
            /* A Cahn-Hilliard shell may sit a hair outside [0, c_max] (particle_cahn_hilliard.c),
             * where U_h has no value: the guess reads it at the nearest composition inside. */
            double s = fmin(fmax(cs / el->cmax, UPSCALE_CH_EDGE), 1.0 - UPSCALE_CH_EDGE);
            double U = upscale_function_eval(el->ocp, s, NULL);
            double eta = invert_rate(m, y, ix, j);
            if (g == UPSCALE_NEG) {
                y[L->phis[ix]] = 0.0;
                phie = -U - eta;
            } else {
                y[L->phis[ix]] = phie + U + eta;
            }
        }
        if (g == UPSCALE_NEG)
            for (int ix = 0; ix < L->nx; ix++)
                y[L->phie[ix]] = phie;
    }
    if (c->half_cell)
        for (int ix = 0; ix < L->nx; ix++)
            y[L->phie[ix]] = phie;
    int e = L->x_begin[UPSCALE_POS] + L->nx_region[UPSCALE_POS] - 1;
    y[L->I] = I;
    if (c->single_particle) {
        y[L->V] = y[L->phis[e]];
        return;
    }
    y[L->V] = y[L->phis[e]] -
              I * (0.5 * m->dx[e] / c->el[UPSCALE_POS].sigma_eff +
                   c->el[UPSCALE_NEG].contact_resistance + c->el[UPSCALE_POS].contact_resistance);
}

/* Mean particle concentration at node ix. */
static double particle_mean(const upscale_model *m, const double *y, int ix)
{
    const upscale_layout *L = m->layout;
    int g = L->region[ix];
    if (L->nt[g] > 0) return upscale_ch2d_content(m->ch2d[g], y + L->cs[ix]) / m->ch2d[g]->vtot;
    double s = 0.0;
    for (int k = 0; k < L->nr[g]; k++)
        s += y[L->cs[ix] + k] * m->vol[g][k];
    return s / m->vp[g];
}

double upscale_model_inventory(const upscale_model *m, const double *y)
{
    const upscale_layout *L = m->layout;
    double total = 0.0;
    for (int ix = 0; ix < L->nx; ix++) {
        total += m->dx[ix] * m->eps[ix] * y[L->ce[ix]];
        int g = L->region[ix];
        if (g != UPSCALE_SEP) total += m->dx[ix] * m->cell.el[g].active * particle_mean(m, y, ix);
    }
    return total;
}

double upscale_model_solid_content(const upscale_model *m, const double *y)
{
    const upscale_layout *L = m->layout;
    double total = 0.0;
    for (int ix = 0; ix < L->nx; ix++) {
        int g = L->region[ix];
        if (g != UPSCALE_SEP) total += m->dx[ix] * m->cell.el[g].active * particle_mean(m, y, ix);
    }
    return total;
}

double upscale_model_theoretical_capacity(const upscale_model *m, int dir)
{
    const upscale_cell *c = &m->cell;
    const upscale_electrode *n = &c->el[UPSCALE_NEG], *p = &c->el[UPSCALE_POS];
    double F = c->faraday;
    double pos_room = (p->cmax - p->c0) * p->active * p->thickness * F;
    double pos_content = p->c0 * p->active * p->thickness * F;
    if (c->half_cell) return dir > 0 ? pos_room : pos_content;
    double neg_content = n->c0 * n->active * n->thickness * F;
    double neg_room = (n->cmax - n->c0) * n->active * n->thickness * F;
    return dir > 0 ? fmin(neg_content, pos_room) : fmin(pos_content, neg_room);
}

double upscale_model_ocv(const upscale_model *m, const double *y)
{
    const upscale_layout *L = m->layout;
    double u = 0.0;
    for (int g = UPSCALE_NEG; g <= UPSCALE_POS; g += 2) {
        int b = L->x_begin[g], n = L->nx_region[g];
        if (n == 0) continue;
        const upscale_electrode *el = &m->cell.el[g];
        double s = 0.0, len = 0.0;
        for (int ix = b; ix < b + n; ix++) {
            s += particle_mean(m, y, ix) * m->dx[ix];
            len += m->dx[ix];
        }
        double U = upscale_function_eval(el->ocp, s / len / el->cmax, NULL);
        u += g == UPSCALE_NEG ? -U : U;
    }
    return u;
}

double upscale_model_electrolyte_minimum(const upscale_model *m, const double *y, int *where)
{
    const upscale_layout *L = m->layout;
    double lo = INFINITY;
    for (int ix = 0; ix < L->nx; ix++)
        if (y[L->ce[ix]] < lo) {
            lo = y[L->ce[ix]];
            if (where) *where = ix;
        }
    return lo / m->cell.elyte.c0;
}

double upscale_model_phasefield_margin(const upscale_model *m, const double *y, int *where,
                                       double *stoich)
{
    const upscale_layout *L = m->layout;
    double margin = 1.0;
    if (where) *where = -1;
    if (stoich) *stoich = 0.5;
    for (int ix = 0; ix < L->nx; ix++) {
        int g = L->region[ix], two = L->nt[g] > 0;
        if (L->mu[ix] < 0 && !two) continue;
        const upscale_electrode *el = &m->cell.el[g];
        for (int k = 0; k < L->nr[g] * (two ? L->nt[g] : 1); k++) {
            double s = y[L->cs[ix] + (two ? 2 * k : k)] / el->cmax, d = fmin(s, 1.0 - s);
            if (d < margin) {
                if (where) *where = ix;
                if (stoich) *stoich = s;
                margin = d;
            }
        }
    }
    return margin;
}

/* The update of one shell from old by d, in ln of its distance to the bound it moves toward
 * where the plain one covers more than half of that distance; returns 1 if it moved it. */
static int bounded_step(double old, double d, double cm, double *v)
{
    double dist = d < 0 ? old : cm - old;
    *v = old + d;
    if (!(dist > 0 && 2 * fabs(d) > dist)) return 0;
    *v = d < 0 ? old * exp(d / old) : cm - dist * exp(-d / dist);
    return 1;
}

double upscale_model_bound_newton_update(const upscale_model *m, const double *scale,
                                         const double *y0, double *ycor, double *del, int *moved)
{
    const upscale_layout *L = m->layout;
    double ratio = 1.0;
    if (moved) *moved = 0;
    for (int ix = 0; ix < L->nx; ix++) {
        int g = L->region[ix];
        if (L->mu[ix] < 0 || L->nt[g] > 0) continue;
        const double *vol = m->vol[g];
        const int o = L->cs[ix], n = L->nr[g];
        const double cm = m->cell.el[g].cmax / scale[o];
        /* the content the bounded steps change, and the shell farthest from both bounds */
        double dq = 0.0, room = -1.0, v;
        int far = -1, any = 0;
        for (int i = 0; i < n; i++) {
            double c = y0[o + i] + ycor[o + i];
            if (bounded_step(c - del[o + i], del[o + i], cm, &v)) {
                dq += vol[i] * (v - c);
                any = 1;
            }
            if (fmin(v, cm - v) * vol[i] > room) {
                room = fmin(v, cm - v) * vol[i];
                far = i;
            }
        }
        /* the particle's content, sum vol_i c_i, back to the plain update's on that shell;
         * if that would take it out of (0, c_max), the particle keeps the plain update */
        if (any) {
            double cf = y0[o + far] + ycor[o + far];
            bounded_step(cf - del[o + far], del[o + far], cm, &v);
            any = v - dq / vol[far] > 0 && v - dq / vol[far] < cm;
        }
        for (int i = 0; i < n; i++) {
            double c = y0[o + i] + ycor[o + i], old = c - del[o + i];
            v = c;
            int step = any && bounded_step(old, del[o + i], cm, &v);
            if (step && moved) ++*moved;
            if (any && i == far) v -= dq / vol[far];
            if (step || (any && i == far)) {
                ycor[o + i] += v - c;
                del[o + i] += v - c;
            }
            /* the factor by which the distance to the nearer bound changed */
            double near0 = fmin(old, cm - old), near1 = fmin(v, cm - v);
            if (near0 > 0 && near1 > 0)
                ratio = fmax(ratio, near1 > near0 ? near1 / near0 : near0 / near1);
        }
    }
    return log(ratio);
}

double upscale_model_surface_margin(const upscale_model *m, const double *y, int *where)
{
    const upscale_layout *L = m->layout;
    double margin = 1.0;
    if (where) *where = -1;
    for (int ix = 0; ix < L->nx; ix++) {
        int g = L->region[ix];
        /* Cahn-Hilliard particles: upscale_model_phasefield_margin. */
        if (g == UPSCALE_SEP || L->mu[ix] >= 0 || L->nt[g] > 0) continue;
        const upscale_electrode *el = &m->cell.el[g];
        double s = y[L->ss[ix]] / el->cmax, d = fmin(s, 1.0 - s);
        if (d < margin && where) *where = ix;
        margin = fmin(margin, d);
    }
    return margin;
}
