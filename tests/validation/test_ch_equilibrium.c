/* Equilibrium of a two-phase Cahn-Hilliard particle (single-particle mode, slab, zero
 * current after a partial charge): the bulk compositions on both sides of the interface
 * match the common tangent of the free energy within 1e-3 in stoichiometry, and the
 * interfacial energy of the relaxed profile, gamma = int kappa (dc/dx)^2 dx (paper eq. A13),
 * matches gamma = sqrt(2 kappa) int sqrt(p(c)) dc (eq. 26-27) within 2%.  The material is
 * the symmetric regular solution with Omega = 3 RT, whose binodals solve
 * ln(y / (1 - y)) = 3 (2 y - 1) exactly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "h5read.h"
#include "upscale/function.h"
#include "upscale/model.h"
#include "upscale/run.h"

static double binodal_low(void)
{
    double lo = 1e-9, hi = 0.4;
    for (int i = 0; i < 200; i++) {
        double m = 0.5 * (lo + hi);
        if (log(m / (1 - m)) - 3 * (2 * m - 1) > 0)
            hi = m;
        else
            lo = m;
    }
    return 0.5 * (lo + hi);
}

/* Rank-3 dataset /fields/particle_concentration_positive: the last snapshot's profile. */
static double *last_profile(const char *file, size_t *nr)
{
    double *v = NULL;
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT), d, sp;
    hsize_t dims[3];
    *nr = 0;
    if (f < 0) return NULL;
    d = H5Dopen2(f, "/fields/particle_concentration_positive", H5P_DEFAULT);
    sp = H5Dget_space(d);
    if (H5Sget_simple_extent_ndims(sp) == 3) {
        H5Sget_simple_extent_dims(sp, dims, NULL);
        double *all = malloc(sizeof(double) * dims[0] * dims[1] * dims[2]);
        if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, all) >= 0) {
            v = malloc(sizeof(double) * dims[2]);
            for (hsize_t k = 0; k < dims[2]; k++)
                v[k] = all[(dims[0] - 1) * dims[1] * dims[2] + k];
            *nr = dims[2];
        }
        free(all);
    }
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
    return v;
}

int main(void)
{
    const double cmax = 50000.0, kappa = 1.2e-14, F = UPSCALE_FARADAY;
    char out[] = "/tmp/upscale_cheq_XXXXXX";
    int fd = mkstemp(out);
    if (fd >= 0) close(fd);
    upscale_run_options opt = {.case_path = "tests/cases/ch_equilibrium_slab.yaml",
                               .output_path = out};
    upscale_run_result res;
    upscale_err e = upscale_run(&opt, &res);
    CHECK(e == UPSCALE_OK && res.complete, "charge then rest runs (%s)",
          e ? upscale_error_message() : res.status);
    size_t nr, nm;
    double *c = last_profile(out, &nr), *r = h5_vector(out, "/mesh/r_positive", &nm);
    if (!c || !r || nr != nm || nr < 10) {
        CHECK(0, "profile and mesh read back");
        return CHECK_DONE();
    }
    double y1 = binodal_low(), y2 = 1.0 - y1;
    CHECK_CLOSE(c[nr - 1] / cmax, y1, 0, 1e-3, "sodium-poor bulk (surface) vs common tangent");
    CHECK_CLOSE(c[0] / cmax, y2, 0, 1e-3, "sodium-rich bulk (centre) vs common tangent");

    /* eq. A13 on the relaxed profile: central differences at shell centres. */
    double g13 = 0.0;
    for (size_t k = 0; k + 1 < nr; k++) {
        double dcdx = (c[k + 1] - c[k]) / (r[k + 1] - r[k]);
        g13 += kappa * dcdx * dcdx * (r[k + 1] - r[k]);
    }
    /* eq. 26-27: p(c) = int_c1^c (mu_h(c') - mu_h(c1)) dc', mu_h = -F U_h(c / c_max). */
    const upscale_formula *u = upscale_formula_find("regular_solution_omega3_ocp");
    double d, c1 = y1 * cmax, c2 = y2 * cmax, mu1 = -F * u->fn(y1, &d), p = 0.0, g26 = 0.0;
    const int n = 200000;
    double h = (c2 - c1) / n, prev = -F * u->fn(c1 / cmax, &d) - mu1;
    for (int i = 1; i <= n; i++) {
        double cc = c1 + i * h, f = -F * u->fn(cc / cmax, &d) - mu1;
        p += 0.5 * (f + prev) * h;
        prev = f;
        g26 += sqrt(fmax(p, 0.0)) * h;
    }
    g26 *= sqrt(2.0 * kappa);
    CHECK_CLOSE(g13, g26, 0.02, 0,
                "interfacial energy of the relaxed profile (eq. A13) vs eq. 26 [J/m^2]");
    free(c);
    free(r);
    unlink(out);
    return CHECK_DONE();
}
