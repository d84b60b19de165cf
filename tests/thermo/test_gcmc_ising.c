/* Biased GCMC against an exact answer: the 2D lattice gas with pair energy -eps on a
 * periodic 64 x 64 lattice at T = 0.8 T_c (Ising model, J = eps/4; lattice.h derives the
 * mapping).  `upscale gcmc-lattice` samples 217 windows of 2000 sweeps under the bias
 * phi (N - N_t)^2 with phi = 0.002 eps and mu_bias = -2 eps (this does not hand the
 * answer to the analysis: -mu_bias N + phi (N - N_t)^2 changes only by a constant when
 * mu_bias moves by d and N_t by -d / (2 phi), so any mu_bias is the same scan with shifted
 * centres, and eq. 17 gives the same mu(<N>)); N_t every 21.3 particles
 * while a window's N has a standard deviation of sqrt(kT / 2 phi) = 10.7 in the two-phase
 * region: neighbouring windows overlap.  The importer reconstructs mu(N) by eq. 17, G(N)
 * by eq. 18 and the common tangent.
 *
 * Exact: rho = (1 -/+ m*)/2 with m* = [1 - sinh(eps / 2kT)^-4]^(1/8) (Onsager, Yang) and
 * mu_coex = -2 eps (hole-particle symmetry).  Tolerances: 0.005 in density, 0.02 eps in
 * mu_coex.  A looser consistency check: the mixing energy maximum is the free energy of
 * the two interfaces of a stripe, 2 L tau with Onsager's tension
 * tau / kT = 2J/kT + ln tanh(J/kT), within 20% (capillary-wave corrections of order
 * 2 kT ln L, about 15% here, are not modelled).  Seeded: the numbers are reproducible. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "upscale/gcmc.h"
#include "upscale/import_gcmc.h"
#include "upscale/lattice.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

int main(void)
{
    char dir[64] = "/tmp/upscale_ising_XXXXXX";
    if (!mkdtemp(dir)) {
        printf("FAIL: cannot create a scratch directory\n");
        return 1;
    }
    const int L = 64;
    const double eps = 1.0, kT = 0.8 * upscale_lattice_critical_kT(eps), sites = L * L;
    double rho_g, rho_l, mu_c;
    CHECK_OK(upscale_lattice_coexistence(eps, kT, &rho_g, &rho_l, &mu_c));
    CHECK_CLOSE(upscale_lattice_critical_kT(eps), 0.5672963, 1e-6, 0,
                "k T_c = eps / (2 ln(1 + sqrt 2))");

    /* sampling */
    char *argv[] = {"gcmc-lattice", "--out", dir, "--L", "64", "--T", "0.8", "--seed", "1"};
    double t0 = now();
    int status = upscale_gcmc_lattice_main(sizeof(argv) / sizeof(argv[0]), argv);
    double t1 = now();
    CHECK(status == 0, "gcmc-lattice writes the windows (exit %d)", status);
    upscale_lattice_scan_settings ss;
    upscale_lattice_scan_settings_default(&ss);
    double moves = (double)ss.nwindows * ss.sweeps * sites;
    printf("sampling: %d windows x %lld sweeps = %.3g moves in %.2f s (%.3g moves/s)\n",
           ss.nwindows, (long long)ss.sweeps, moves, t1 - t0, moves / (t1 - t0));

    /* reconstruction */
    char manifest[128];
    snprintf(manifest, sizeof(manifest), "%s/manifest.csv", dir);
    upscale_gcmc_manifest *m = NULL;
    upscale_gcmc_result *r = NULL;
    upscale_gcmc_settings s;
    upscale_gcmc_settings_default(&s);
    CHECK_OK(upscale_gcmc_manifest_read(manifest, &m));
    if (m) CHECK_OK(upscale_gcmc_analyze(m, &s, &r));
    double t2 = now();
    printf("analysis with %d bootstrap replicas: %.2f s\n", s.bootstrap, t2 - t1);
    if (r && r->ntemps == 1 && r->t[0].main_gap >= 0) {
        const upscale_gcmc_temperature *T = &r->t[0];
        const upscale_gcmc_gap *g = &T->gaps[T->main_gap];
        upscale_gcmc_fit_info fi;
        upscale_gcmc_fit_get_info(T->fit, &fi);
        int drifting = 0;
        for (int i = 0; i < m->nwindows; i++)
            drifting += r->stats[i].drifting;
        printf("fit degree %d, %d windows (%d flagged as drifting), %d gap(s)\n", fi.degree,
               T->nfit, drifting, T->ngaps);
        printf("binodals  rho = %.5f +/- %.5f and %.5f +/- %.5f (exact %.5f, %.5f)\n",
               g->N1 / sites, T->se.N1 / sites, g->N2 / sites, T->se.N2 / sites, rho_g, rho_l);
        printf("mu_coex   %.5f +/- %.5f eps (exact %.1f)\n", g->mu_coex, T->se.mu_coex, mu_c);
        printf("spinodals rho = %.5f +/- %.5f and %.5f +/- %.5f\n", g->S1 / sites, T->se.S1 / sites,
               g->S2 / sites, T->se.S2 / sites);
        CHECK_CLOSE(g->N1 / sites, rho_g, 0, 0.005, "gas binodal density vs Onsager/Yang");
        CHECK_CLOSE(g->N2 / sites, rho_l, 0, 0.005, "liquid binodal density vs Onsager/Yang");
        CHECK_CLOSE(g->mu_coex, mu_c, 0, 0.02 * eps, "coexistence chemical potential");
        CHECK(!g->N1_at_end && !g->N2_at_end, "both binodals inside the sampled range");
        CHECK(g->N1 < g->S1 && g->S1 < g->S2 && g->S2 < g->N2,
              "binodal < spinodal < spinodal < binodal");
        CHECK(T->boot_ok >= 0.9 * s.bootstrap && T->se.N1 > 0 && T->se.N1 < 0.005 * sites &&
                  T->se.N2 > 0 && T->se.N2 < 0.005 * sites && T->se.mu_coex < 0.02 * eps,
              "bootstrap: %d of %d replicas, spreads below the tolerances", T->boot_ok,
              s.bootstrap);
        double bJ = eps / (4 * kT), tau = kT * (2 * bJ + log(tanh(bJ)));
        printf("mixing energy maximum %.3f +/- %.3f eps at rho = %.3f; stripe 2 L tau = %.3f "
               "eps\n",
               g->mix_max, T->se.mix_max, g->N_mix / sites, 2 * L * tau);
        CHECK_CLOSE(g->mix_max, 2 * L * tau, 0.2, 0,
                    "mixing energy maximum ~ two Onsager interfaces of length L");
    } else {
        CHECK(0, "one temperature with a miscibility gap");
    }
    upscale_gcmc_result_destroy(&r);
    upscale_gcmc_manifest_destroy(&m);

    /* the command prints the same analysis */
    char *imp[] = {"gcmc", manifest, "--bootstrap", "20"};
    CHECK(upscale_import_gcmc_main(4, imp) == 0, "upscale import gcmc on the lattice windows");
    printf("total %.2f s\n", now() - t0);
    remove_dir(dir);
    return CHECK_DONE();
}
