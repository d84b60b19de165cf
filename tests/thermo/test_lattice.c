/* The biased lattice-gas sampler against exact enumeration: on a periodic 4 x 4 lattice
 * the 2^16 occupations are summed exactly, giving <N>, <E> and P(N) of the biased
 * grand-canonical ensemble exp[-(E - mu N + phi (N - N_t)^2)/kT]; Metropolis averages
 * must agree within 4 blocking standard errors.  Also: the slab energy, the exact
 * coexistence formulas, reproducibility of a seed, and bad settings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "upscale/gcmc.h"
#include "upscale/lattice.h"

#define SIDE 4
#define NS (SIDE * SIDE)

/* Occupied nearest-neighbour pairs of configuration bits c on the periodic 4 x 4 lattice. */
static int bonds_of(unsigned c)
{
    int b = 0;
    for (int r = 0; r < SIDE; r++)
        for (int k = 0; k < SIDE; k++) {
            int i = r * SIDE + k, right = r * SIDE + (k + 1) % SIDE,
                down = ((r + 1) % SIDE) * SIDE + k;
            b += ((c >> i) & 1) * (((c >> right) & 1) + ((c >> down) & 1));
        }
    return b;
}

static void exact(const upscale_lattice_settings *s, double *N_mean, double *E_mean)
{
    double Z = 0, sN = 0, sE = 0;
    for (unsigned c = 0; c < (1u << NS); c++) {
        int N = __builtin_popcount(c);
        double E = -s->eps * bonds_of(c);
        double H = E - s->mu * N + s->phi * (N - s->N_target) * (N - s->N_target);
        double w = exp(-H / s->kT);
        Z += w;
        sN += w * N;
        sE += w * E;
    }
    *N_mean = sN / Z;
    *E_mean = sE / Z;
}

static void compare(const char *what, upscale_lattice_settings s)
{
    double N_exact, E_exact;
    exact(&s, &N_exact, &E_exact);
    upscale_lattice *lat = NULL;
    CHECK_OK(upscale_lattice_create(&s, &lat));
    if (!lat) return;
    upscale_lattice_fill_slab(lat, NS / 2);
    upscale_lattice_sweep(lat, 1000);
    enum { n = 200000 };
    double *N = malloc(n * sizeof(double)), *E = malloc(n * sizeof(double));
    for (int i = 0; i < n; i++) {
        upscale_lattice_sweep(lat, 1);
        N[i] = upscale_lattice_count(lat);
        E[i] = upscale_lattice_energy(lat);
    }
    double mN, seN, mE, seE;
    int level, ok;
    upscale_gcmc_block_error(N, n, 0.01, &mN, &seN, &level, &ok);
    upscale_gcmc_block_error(E, n, 0.01, &mE, &seE, &level, &ok);
    CHECK(fabs(mN - N_exact) < 4 * seN, "%s: <N> = %.4f +/- %.4f, exact %.4f", what, mN, seN,
          N_exact);
    CHECK(fabs(mE - E_exact) < 4 * seE, "%s: <E> = %.4f +/- %.4f, exact %.4f", what, mE, seE,
          E_exact);
    free(N);
    free(E);
    upscale_lattice_destroy(&lat);
    CHECK(lat == NULL, "destroy nulls the handle");
}

int main(void)
{
    upscale_lattice_settings s;
    upscale_lattice_settings_default(&s);
    s.L = SIDE;
    s.seed = 7;
    s.kT = 0.8;
    s.mu = -1.7;
    compare("4 x 4 unbiased, kT = 0.8, mu = -1.7", s);
    s.phi = 0.3;
    s.N_target = 5.5;
    s.kT = 0.5;
    s.mu = -2.0;
    compare("4 x 4 biased, phi = 0.3, N_t = 5.5, kT = 0.5", s);
    s.phi = 0.05;
    s.N_target = -3;
    s.mu = -1.0;
    compare("4 x 4 biased, phi = 0.05, N_t = -3 (outside the lattice)", s);

    /* slab energy: N = 2L + 2 on an L x L torus: two full rows and two sites */
    upscale_lattice *lat = NULL;
    s.L = 8;
    CHECK_OK(upscale_lattice_create(&s, &lat));
    if (lat) {
        CHECK_OK(upscale_lattice_fill_slab(lat, 18));
        /* rows: 2 x 8 horizontal + 8 vertical; third row: 1 horizontal + 2 vertical */
        CHECK(upscale_lattice_count(lat) == 18 && upscale_lattice_energy(lat) == -(16 + 8 + 3),
              "slab of 18 on 8 x 8: N = 18, E = -27 eps (got %g)", upscale_lattice_energy(lat));
        CHECK(upscale_lattice_fill_slab(lat, 65) == UPSCALE_ERR_INPUT, "slab of 65 on 64 sites");
        upscale_error_clear();
    }
    upscale_lattice_destroy(&lat);
    upscale_lattice_destroy(&lat);

    /* the same seed gives the same chain */
    int count[2];
    for (int k = 0; k < 2; k++) {
        upscale_lattice_create(&s, &lat);
        upscale_lattice_fill_slab(lat, 20);
        upscale_lattice_sweep(lat, 50);
        count[k] = upscale_lattice_count(lat);
        upscale_lattice_destroy(&lat);
    }
    CHECK(count[0] == count[1], "seeded: two runs end at the same N (%d, %d)", count[0], count[1]);

    /* exact results */
    double rg, rl, mu;
    CHECK_OK(
        upscale_lattice_coexistence(1.0, 0.8 * upscale_lattice_critical_kT(1.0), &rg, &rl, &mu));
    CHECK_CLOSE(rg + rl, 1.0, 1e-14, 0, "coexisting densities symmetric about 1/2");
    CHECK_CLOSE(mu, -2.0, 0, 0, "mu_coex = -2 eps");
    CHECK(upscale_lattice_coexistence(1.0, 0.6, &rg, &rl, &mu) == UPSCALE_ERR_INPUT,
          "no coexistence above T_c");
    upscale_error_clear();
    s.L = 2;
    CHECK(upscale_lattice_create(&s, &lat) == UPSCALE_ERR_INPUT && lat == NULL, "L = 2 refused");
    upscale_error_clear();
    s.L = 8;
    s.phi = -1;
    CHECK(upscale_lattice_create(&s, &lat) == UPSCALE_ERR_INPUT, "negative phi refused");
    upscale_error_clear();
    return CHECK_DONE();
}
