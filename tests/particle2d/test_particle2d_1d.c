/* With an isotropic surface (a = 0) and a theta-uniform start, the 2D particle is the 1D sphere:
 * the same single-particle case (tests/cases/single_particle_ch.yaml, a regular-solution
 * material charged at C/2 through its miscibility gap) is run by the 1D code (upscale_run, IDA)
 * and by the 2D particle (PETSc TS) on the same radial mesh at the same mean surface flux; the
 * electrode potentials agree within 1 mV over the whole charge and the radial profiles at every
 * snapshot within 1e-3 c_max in every theta column.  The sodium the 2D particle lost equals the
 * integrated surface flux to round-off after every advance.  Prints the observed order in r of the
 * 2D particle (potential at one time on 15, 30, 60 shells). */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "h5read.h"
#include "p2d_case.h"
#include "upscale/particle2d.h"
#include "upscale/run.h"

#define CASE "tests/cases/single_particle_ch.yaml"

/* The mean surface flux of current density I (A/m^2 of electrode): I = -F a L j (eq. 18). */
static double flux_of(const upscale_model *m, double I)
{
    const upscale_electrode *el = &m->cell.el[UPSCALE_POS];
    return -I / (m->cell.faraday * el->area * el->thickness);
}

int main(void)
{
    char path[] = "/tmp/upscale_p2d_1d_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "temporary output file");
    close(fd);
    static const char *const sets[] = {"numerics.rtol=1e-6", "output.snapshot_interval=600 s"};
    upscale_run_options opt = {
        .case_path = CASE, .output_path = path, .overrides = sets, .noverrides = 2};
    upscale_run_result res;
    upscale_err e = upscale_run(&opt, &res);
    CHECK(e == UPSCALE_OK && res.complete, "1D run complete (%s)",
          e ? upscale_error_message() : res.status);
    size_t nts, nv, ni, nft, nc;
    double *ts = h5_vector(path, "/timeseries/time", &nts);
    double *V = h5_vector(path, "/timeseries/voltage", &nv);
    double *I = h5_vector(path, "/timeseries/current", &ni);
    double *ft = h5_vector(path, "/fields/time", &nft);
    double *c1 = h5_doubles(path, "/fields/particle_concentration_positive", 0, &nc);
    remove(path);
    if (!(ts && V && I && ft && c1 && nts > 10 && nv == nts && ni == nts)) {
        CHECK(0, "1D output read back");
        return CHECK_DONE();
    }

    p2d_case pc;
    upscale_particle2d_options o = {.ntheta = 4, .anisotropy = 0.0, .rtol = 1e-6};
    CHECK_OK(p2d_open(&pc, CASE, 60, NULL, 0, &o));
    upscale_model *m = pc.m;
    upscale_particle2d *p = pc.p;
    if (!p) return CHECK_DONE();
    const double cmax = m->cell.el[UPSCALE_POS].cmax;
    int nr = upscale_particle2d_nr(p), nt = upscale_particle2d_ntheta(p);
    CHECK(nc == nft * (size_t)nr, "1D snapshots on the same %d shells", nr);
    double *c2 = malloc(sizeof(double) * nr * nt);
    const double content0 = upscale_particle2d_content(p), jbar = flux_of(m, I[nts - 1]);
    CHECK_OK(upscale_particle2d_hold_flux(p, jbar));
    /* The 2D particle stepped to every time the 1D run recorded. */
    double dv = 0.0, dv_t = 0.0, dc = 0.0, worst_drift = 0.0, worst_drift_t = 0.0;
    size_t snap = 0, reached = 0;
    for (size_t n = 1; n < nts; n++) {
        if (!(ts[n] > ts[n - 1])) continue;
        if (upscale_particle2d_advance(p, ts[n]) != UPSCALE_OK) {
            CHECK(0, "2D particle advances to t = %g s: %s", ts[n], upscale_error_message());
            break;
        }
        reached = n;
        /* content change against the integrated surface flux, after every advance */
        double dr =
            (upscale_particle2d_content(p) - content0 - upscale_particle2d_uptake(p)) / content0;
        if (fabs(dr) > worst_drift) {
            worst_drift = fabs(dr);
            worst_drift_t = ts[n];
        }
        double d = fabs(upscale_particle2d_potential(p) - V[n]);
        if (d > dv) {
            dv = d;
            dv_t = ts[n];
        }
        while (snap < nft && ft[snap] < ts[n] - 1e-9)
            snap++;
        if (snap < nft && fabs(ft[snap] - ts[n]) < 1e-9) {
            upscale_particle2d_fields(p, c2, NULL, NULL, NULL, NULL);
            for (int k = 0; k < nt; k++)
                for (int i = 0; i < nr; i++)
                    dc = fmax(dc, fabs(c2[k * nr + i] - c1[snap * nr + i]) / cmax);
        }
    }
    upscale_particle2d_stats st = upscale_particle2d_statistics(p);
    printf(
        "2D (60 x 4) against 1D (60 shells) over %zu recorded times to %.0f s: max |dV| %.3f mV "
        "(at %.0f s), max |dc| %.2e c_max over %zu snapshots; %ld steps, %ld rejected, %ld Newton, "
        "%ld Jacobians\n",
        nts, ts[nts - 1], 1e3 * dv, dv_t, dc, nft, st.steps, st.rejected, st.newton, st.jacobians);
    CHECK(reached == nts - 1, "the 2D particle reaches the end of the 1D charge (%.0f s)",
          ts[nts - 1]);
    CHECK(dv <= 1e-3, "a = 0: 2D potential within 1 mV of the 1D sphere (max %.3f mV)", 1e3 * dv);
    CHECK(dc <= 1e-3, "a = 0: radial profiles within 1e-3 c_max of the 1D sphere (max %.2e)", dc);
    /* content change against the integrated surface flux */
    double drift =
        (upscale_particle2d_content(p) - content0 - upscale_particle2d_uptake(p)) / content0;
    CHECK(fabs(drift) < 1e-12 && worst_drift < 1e-12 &&
              upscale_particle2d_uptake(p) < -0.5 * content0,
          "sodium balance: (content - content_0 - uptake) / content_0 = %.2e at the end, at most "
          "%.2e (t = %.0f s) over the %zu advances; uptake %.3g of %.3g mol",
          drift, worst_drift, worst_drift_t, reached, upscale_particle2d_uptake(p), content0);
    free(c2);
    p2d_close(&pc);

    /* Observed order in r: the potential at t_q on 15, 30 and 60 shells (2 theta cells). */
    static const double tq[] = {300.0, 600.0};
    double vq[3][2];
    int ok = 1;
    for (int l = 0; l < 3; l++) {
        upscale_particle2d_options ol = {.ntheta = 2, .anisotropy = 0.0, .rtol = 1e-6};
        ok &= p2d_open(&pc, CASE, 15 << l, NULL, 0, &ol) == UPSCALE_OK &&
              upscale_particle2d_hold_flux(pc.p, jbar) == UPSCALE_OK;
        for (int q = 0; ok && q < 2; q++) {
            ok &= upscale_particle2d_advance(pc.p, tq[q]) == UPSCALE_OK;
            vq[l][q] = upscale_particle2d_potential(pc.p);
        }
        p2d_close(&pc);
    }
    CHECK(ok, "runs on 15, 30 and 60 shells");
    for (int q = 0; ok && q < 2; q++) {
        double d1 = vq[0][q] - vq[1][q], d2 = vq[1][q] - vq[2][q];
        printf("order in r at t = %.0f s: V(15, 30, 60 shells) = %.6f, %.6f, %.6f V; "
               "differences %.3f, %.3f mV; observed order %.2f\n",
               tq[q], vq[0][q], vq[1][q], vq[2][q], 1e3 * d1, 1e3 * d2, log2(fabs(d1 / d2)));
    }
    free(ts);
    free(V);
    free(I);
    free(ft);
    free(c1);
    upscale_particle2d_finalize();
    return CHECK_DONE();
}
