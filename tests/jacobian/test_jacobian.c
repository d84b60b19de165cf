/* The analytic Jacobian against central finite differences of the residual, at a
 * non-trivial state (non-uniform concentrations, non-zero fluxes and current), for the
 * full cell with formulas, the full cell with tables (both also with spectral particles), a
 * half cell with film resistance, the
 * Cahn-Hilliard cells, and the MnFePBA | hard carbon cell across its miscibility gap; each
 * under every held quantity (current, voltage, power). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "upscale/model.h"
#include "upscale/run.h"

/* A state away from rest: concentrations vary in x and r, potentials and fluxes arbitrary
 * but moderate, so every term of every kernel contributes; optionally (across_gap) the
 * Cahn-Hilliard particles span their whole miscibility gap, where mu_h and the per-phase
 * mobility change fastest. */
static int across_gap; /* Cahn-Hilliard particles span the miscibility gap */

static void perturbed_state(const upscale_model *m, double *y, double *yp)
{
    const upscale_layout *L = m->layout;
    upscale_model_rest_state(m, y, yp);
    upscale_model_guess_algebraic(m, 0.5 * m->scale[L->I], y);
    for (int ix = 0; ix < L->nx; ix++) {
        double s = sin(1.0 + 0.7 * ix);
        y[L->ce[ix]] *= 1.0 + 0.2 * s;
        y[L->phie[ix]] += 0.01 * s;
        int g = L->region[ix];
        if (g == UPSCALE_SEP) continue;
        y[L->phis[ix]] += 0.005 * cos(ix);
        y[L->j[ix]] *= 1.0 + 0.3 * s;
        if (L->nt[g] > 0) { /* a 2D particle: c over r and theta, mu, j_k, c_mean */
            double *b = y + L->cs[ix], cm = m->cell.el[g].cmax;
            for (int t = 0; t < L->nt[g]; t++) {
                for (int k = 0; k < L->nr[g]; k++) {
                    double *c = b + upscale_layout_c2d(L, g, k, t);
                    c[0] = across_gap ? cm * (0.5 + 0.499 * sin(0.4 * k + 0.9 * t + ix))
                                      : c[0] * (1.0 + 0.05 * sin(0.3 * k + 0.5 * t + ix));
                    c[1] += 300.0 * cos(0.7 * k + 0.2 * t + ix);
                }
                b[upscale_layout_j2d(L, g, t)] = y[L->j[ix]] * (1.0 + 0.4 * sin(1.3 * t + ix));
            }
            b[upscale_layout_mean2d(L, g)] *= 1.01;
            continue;
        }
        for (int k = 0; k < L->nr[g]; k++)
            y[L->cs[ix] + k] *= 1.0 + 0.05 * sin(0.3 * k + ix);
        /* Across the miscibility gap: 0.001 < s < 0.999 in every Cahn-Hilliard particle. */
        if (across_gap && L->mu[ix] >= 0)
            for (int k = 0; k < L->nr[g]; k++)
                y[L->cs[ix] + k] = m->cell.el[g].cmax * (0.5 + 0.499 * sin(0.4 * k + ix));
    }
    y[L->V] += 0.01;
    for (int i = 0; i < L->n; i++)
        yp[i] = 1e-3 * m->scale[i] * cos(0.37 * i);
}

/* max over entries of |J_analytic - J_fd| / max(|J_fd|, 1e-7 max_row |J_fd|).  Entries
 * whose finite difference is itself uncertain (the Richardson correction exceeds 3e-7 of
 * the value: a kink of a table's second derivative lies within the stencil) are counted
 * in *skipped and left out. */
static double compare(upscale_model *m, double cj, int *skipped, int *total)
{
    const upscale_layout *L = m->layout;
    int n = L->n;
    double *y = calloc(n, sizeof(double)), *yp = calloc(n, sizeof(double));
    double *rp = calloc(n, sizeof(double)), *rm = calloc(n, sizeof(double));
    double *val = calloc(L->nnz, sizeof(double)), *fd = calloc((size_t)n * n, sizeof(double));
    double *est = calloc((size_t)n * n, sizeof(double));
    perturbed_state(m, y, yp);
    int missing = upscale_model_jacobian(m, 0.0, cj, y, yp, val);
    CHECK(missing == 0, "all analytic entries fall in the recorded pattern (%d outside)", missing);
    /* Central differences with one Richardson step: (4 D(h/2) - D(h)) / 3, error O(h^4),
     * so a step large enough to keep round-off small stays accurate. */
    for (int c = 0; c < n; c++) {
        double h0 = 1e-4 * m->scale[c];
        for (int pass = 0; pass < 2; pass++) {
            double *v = pass ? yp : y, keep = v[c];
            double w = pass ? cj : 1.0;
            for (int level = 0; level < 2; level++) {
                double h = level ? 0.5 * h0 : h0, f = level ? 4.0 / 3.0 : -1.0 / 3.0;
                v[c] = keep + h;
                upscale_model_residual(m, 0.0, y, yp, rp);
                v[c] = keep - h;
                upscale_model_residual(m, 0.0, y, yp, rm);
                v[c] = keep;
                for (int r = 0; r < n; r++) {
                    fd[(size_t)r * n + c] += f * w * (rp[r] - rm[r]) / (2 * h);
                    est[(size_t)r * n + c] +=
                        (level ? 1.0 : -1.0) * w * (rp[r] - rm[r]) / (2 * h) / 3.0;
                }
            }
        }
    }
    double worst = 0.0, outside = 0.0;
    for (int r = 0; r < n; r++) {
        double rowmax = 0.0;
        for (int c = 0; c < n; c++)
            rowmax = fmax(rowmax, fabs(fd[(size_t)r * n + c]));
        for (int c = 0; c < n; c++) {
            double a = 0.0, f = fd[(size_t)r * n + c];
            int in = 0;
            for (int k = L->rowptr[r]; k < L->rowptr[r + 1]; k++)
                if (L->colind[k] == c) a = val[k], in = 1;
            double d = fabs(a - f) / fmax(fabs(f), 1e-7 * rowmax + 1e-300);
            if (in) ++*total;
            if (in && fabs(est[(size_t)r * n + c]) > 3e-7 * fmax(fabs(f), 1e-7 * rowmax)) {
                ++*skipped;
                continue;
            }
            if (in && d > worst && getenv("JAC_DEBUG"))
                printf("  worst so far: row %d col %d analytic %.10g fd %.10g rowmax %.3g\n", r, c,
                       a, f, rowmax);
            if (in)
                worst = fmax(worst, d);
            else
                outside = fmax(outside, fabs(f) / (rowmax + 1e-300));
        }
    }
    CHECK(outside < 1e-7,
          "no finite-difference entry outside the pattern (largest %.2e of row max)", outside);
    free(y), free(yp), free(rp), free(rm), free(val), free(fd), free(est);
    return worst;
}

static void run(const char *label, const char *path, const char *const *sets, int nsets,
                int max_skipped /* percent */)
{
    upscale_run_options opt = {.case_path = path, .overrides = sets, .noverrides = nsets};
    upscale_params *p;
    upscale_model *m;
    CHECK_OK(upscale_run_load_params(&opt, &p));
    CHECK_OK(upscale_model_create(p, &m));
    if (!m) return;
    static const char *const holds[] = {"current", "voltage", "power"};
    for (int h = 0; h < 3; h++) {
        m->hold = (upscale_hold)h;
        m->setpoint = 1.0;
        int skipped = 0, total = 0;
        double d = compare(m, 1.7e3, &skipped, &total);
        CHECK(d < 1e-6, "%s, holding %s: max relative Jacobian error %.2e < 1e-6", label, holds[h],
              d);
        CHECK(100 * skipped <= max_skipped * total,
              "%s: %d of %d entries left out for an uncertain finite difference (at most %d%%)",
              label, skipped, total, max_skipped);
    }
    upscale_model_destroy(&m);
    upscale_params_destroy(&p);
}

int main(void)
{
    static const char *const small[] = {
        "numerics.cells.negative=4",  "numerics.cells.separator=3",
        "numerics.cells.positive=5",  "numerics.shells.negative=4",
        "numerics.shells.positive=6", "numerics.shell_ratio.positive=0.3"};
    run("Newman cell (formulas)", "cases/validation/newman_licoo2_graphite_1C.yaml", small, 6, 2);
    run("Chayambuka cell (tables, contact resistance)", "cases/validation/chayambuka2022_5A.yaml",
        small, 6, 10);
    /* Spectral particles (particle_fick_spectral.c): constant D (Newman; the negative
     * spectral, the positive on finite volumes beside it), tabulated D(c) (Chayambuka; a
     * node near a kink of the D table leaves out its whole column of the particle's dense
     * block, every node's row, hence 20% where finite volumes need 10%). */
    const char *spn[] = {small[0],
                         small[1],
                         small[2],
                         small[3],
                         small[4],
                         small[5],
                         "numerics.particle_discretisation.negative=spectral"};
    run("Newman cell, spectral negative particles",
        "cases/validation/newman_licoo2_graphite_1C.yaml", spn, 7, 2);
    const char *spch[] = {small[0],
                          small[1],
                          small[2],
                          small[3],
                          small[4],
                          "numerics.particle_discretisation.negative=spectral",
                          "numerics.particle_discretisation.positive=spectral"};
    run("Chayambuka cell, spectral particles with D(c)", "cases/validation/chayambuka2022_5A.yaml",
        spch, 7, 20);
    const char *half[] = {"numerics.cells.separator=3",
                          "numerics.cells.positive=5",
                          "numerics.shells.positive=5",
                          "cell.type=half",
                          "counter.exchange_current_density=10 A/m^2",
                          "positive.film_resistance=1e-3 Ohm m^2"};
    run("half cell with film resistance", "tests/cases/half_cell_licoo2.yaml", half, 6, 2);
    /* Concentration-dependent electrolyte: Valoen-Reimers D, kappa and thermodynamic factor,
     * a tabulated t+(c) (salt flux (t+ - t0) i / F, nu(c) in the face currents). */
    const char *vr[] = {"numerics.cells.negative=4",
                        "numerics.cells.separator=3",
                        "numerics.cells.positive=5",
                        "numerics.shells.negative=4",
                        "numerics.shells.positive=5",
                        "electrolyte.diffusivity=formula lipf6_pcecdmc_diffusivity_valoen2005",
                        "electrolyte.conductivity=formula lipf6_pcecdmc_conductivity_valoen2005",
                        "electrolyte.thermodynamic_factor=formula "
                        "lipf6_pcecdmc_thermodynamic_factor_valoen2005",
                        "electrolyte.transference_number=table "
                        "tests/data/transference_number_test.csv"};
    run("Newman cell, Valoen-Reimers electrolyte with t+(c)",
        "cases/validation/newman_licoo2_graphite_1C.yaml", vr, 9, 10);
    const char *vrh[] = {half[0], half[1], half[2], half[3], half[4], vr[5], vr[6], vr[7], vr[8]};
    run("half cell, Valoen-Reimers electrolyte with t+(c)", "tests/cases/half_cell_licoo2.yaml",
        vrh, 9, 10);
    const char *ch[] = {"numerics.cells.separator=2",
                        "numerics.cells.positive=3",
                        "numerics.shells.positive=6",
                        "numerics.shell_ratio.positive=0.5",
                        "positive.coherency_coefficient=0.02 J m^3/mol^2",
                        "positive.surface_wetting_slope=1e8 mol/m^4"};
    run("Cahn-Hilliard half cell (coherency, wetting, yang2025 law)",
        "tests/cases/ch_half_cell.yaml", ch, 6, 5);
    /* The same cell with the exchange current on the variational potential (bazant2013):
     * j depends on mu_R (so on mu_N, c_N and j) through i0 as well as through eta. */
    const char *chb[] = {"numerics.cells.separator=2",
                         "numerics.cells.positive=3",
                         "numerics.shells.positive=6",
                         "numerics.shell_ratio.positive=0.5",
                         "positive.coherency_coefficient=0.02 J m^3/mol^2",
                         "positive.surface_wetting_slope=1e8 mol/m^4",
                         "positive.rate_law=bazant2013",
                         "positive.alpha_a=0.4"};
    run("Cahn-Hilliard half cell (coherency, wetting, bazant2013 law, alpha_a 0.4)",
        "tests/cases/ch_half_cell.yaml", chb, 8, 5);
    const char *fb[] = {"numerics.cells.separator=3",
                        "numerics.cells.positive=5",
                        "numerics.shells.positive=5",
                        "cell.type=half",
                        "counter.exchange_current_density=10 A/m^2",
                        "positive.film_resistance=1e-3 Ohm m^2",
                        "positive.rate_law=bazant2013",
                        "positive.rate_constant=5 A/m^2"};
    run("Fickian half cell, bazant2013 law with film resistance",
        "tests/cases/half_cell_licoo2.yaml", fb, 8, 2);
    const char *chf[] = {"numerics.cells.negative=3", "numerics.cells.separator=2",
                         "numerics.cells.positive=3", "numerics.shells.negative=4",
                         "numerics.shells.positive=5"};
    run("graphite | Cahn-Hilliard full cell", "tests/cases/ch_full_cell.yaml", chf, 5, 5);
    const char *sp[] = {"numerics.shells.positive=7",
                        "positive.coherency_coefficient=0.01 J m^3/mol^2"};
    run("single particle, Cahn-Hilliard with coherency", "tests/cases/single_particle_ch.yaml", sp,
        2, 10);
    const char *spc[] = {"numerics.shells.positive=7", "positive.particle_shape=cylinder",
                         "positive.rate_law=bazant2013"};
    run("single particle, Cahn-Hilliard rod, bazant2013", "tests/cases/single_particle_ch.yaml",
        spc, 3, 10);
    const char *pba[] = {"numerics.cells.negative=3", "numerics.cells.separator=2",
                         "numerics.cells.positive=3", "numerics.shells.negative=4",
                         "numerics.shells.positive=8"};
    across_gap = 1;
    run("MnFePBA | hard carbon across the gap (Redlich-Kister, per_phase mobility, yang2025)",
        "cases/pba_hc_charge_0.1C.yaml", pba, 5, 10);
    const char *pbab[] = {"numerics.cells.negative=3",  "numerics.cells.separator=2",
                          "numerics.cells.positive=3",  "numerics.shells.negative=4",
                          "numerics.shells.positive=8", "positive.rate_law=bazant2013"};
    run("MnFePBA | hard carbon across the gap, bazant2013", "cases/pba_hc_charge_0.1C.yaml", pbab,
        6, 10);
    /* The bounded formulation (numerics.phasefield_variable: logit): the ties c = c_max
     * sigma(z), U_h and the mobility read at sigma(z), the surface read at z_N. */
    const char *chl[] = {"numerics.cells.separator=2",
                         "numerics.cells.positive=3",
                         "numerics.shells.positive=6",
                         "numerics.shell_ratio.positive=0.5",
                         "positive.coherency_coefficient=0.02 J m^3/mol^2",
                         "positive.surface_wetting_slope=1e8 mol/m^4",
                         "numerics.phasefield_variable=logit"};
    run("bounded Cahn-Hilliard half cell (logit; coherency, wetting)",
        "tests/cases/ch_half_cell.yaml", chl, 7, 5);
    const char *spl[] = {"numerics.shells.positive=7", "positive.rate_law=bazant2013",
                         "numerics.phasefield_variable=logit"};
    run("bounded single particle (logit; darken mobility, bazant2013)",
        "tests/cases/single_particle_ch.yaml", spl, 3, 10);
    const char *pbal[] = {"numerics.cells.negative=3",  "numerics.cells.separator=2",
                          "numerics.cells.positive=3",  "numerics.shells.negative=4",
                          "numerics.shells.positive=8", "numerics.phasefield_variable=logit"};
    run("bounded MnFePBA | hard carbon across the gap (logit, per_phase mobility)",
        "cases/pba_hc_charge_0.1C.yaml", pbal, 6, 10);
    /* 2D (r, theta) particles in the cell: each node's block, its surface on phi_s - phi_e and
     * c_e, the node's j the area mean of the j_k. */
    const char *p2[] = {"numerics.cells.separator=2",
                        "numerics.cells.positive=3",
                        "numerics.shells.positive=5",
                        "positive.particle_dimension=2",
                        "numerics.polar_cells.positive=4",
                        "positive.exchange_anisotropy=0.3",
                        "positive.coherency_coefficient=0.02 J m^3/mol^2",
                        "positive.surface_wetting_slope=1e8 mol/m^4",
                        "positive.film_resistance=1e-3 Ohm m^2"};
    across_gap = 0;
    run("2D Cahn-Hilliard half cell (a = 0.3; coherency, wetting, film)",
        "tests/cases/ch_half_cell.yaml", p2, 9, 5);
    const char *p2g[] = {"numerics.cells.negative=3",       "numerics.cells.separator=2",
                         "numerics.cells.positive=3",       "numerics.shells.negative=4",
                         "numerics.shells.positive=6",      "positive.particle_dimension=2",
                         "numerics.polar_cells.positive=4", "positive.exchange_anisotropy=-0.4"};
    across_gap = 1;
    run("2D MnFePBA | hard carbon across the gap (a = -0.4, per_phase mobility)",
        "cases/pba_hc_charge_0.1C.yaml", p2g, 8, 10);
    return CHECK_DONE();
}
