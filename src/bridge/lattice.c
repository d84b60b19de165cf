/* Biased grand-canonical Metropolis sampling of the 2D lattice gas (Ising model); the
 * model, the exact results and the move are stated in include/upscale/lattice.h. */
#include "upscale/lattice.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct upscale_lattice {
    upscale_lattice_settings s;
    int L, n, N;   /* side, sites, occupied sites */
    int64_t bonds; /* occupied nearest-neighbour pairs */
    uint8_t *occ;  /* n_i, row-major */
    double accept[2]
                 [5]; /* exp(-dH_pair/kT) for a flip from n_i = 0/1 with nn occupied neighbours */
    double *bias[2];  /* exp(-dB/kT) for a flip from n_i = 0/1 at particle number N */
    uint64_t rng[4];  /* xoshiro256** state */
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** 1.0 (Blackman and Vigna 2018). */
static inline uint64_t next(uint64_t *s)
{
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* exp(a) with a clamped to [-300, 300]: no 0 * inf in the product of two factors. */
static double exp_clamped(double a)
{
    return exp(a < -300 ? -300 : (a > 300 ? 300 : a));
}

void upscale_lattice_settings_default(upscale_lattice_settings *s)
{
    *s = (upscale_lattice_settings){.L = 64,
                                    .eps = 1.0,
                                    .kT = 0.8 * upscale_lattice_critical_kT(1.0),
                                    .mu = -2.0,
                                    .phi = 0.0,
                                    .N_target = 0.0,
                                    .seed = 1};
}

double upscale_lattice_critical_kT(double eps)
{
    return eps / (2.0 * log(1.0 + sqrt(2.0)));
}

upscale_err upscale_lattice_coexistence(double eps, double kT, double *rho_gas, double *rho_liquid,
                                        double *mu_coex)
{
    UPSCALE_CHECK(eps > 0 && kT > 0 && kT < upscale_lattice_critical_kT(eps), UPSCALE_ERR_INPUT,
                  "lattice gas: coexistence needs 0 < kT < k T_c = %g eps, got kT = %g, eps = %g",
                  upscale_lattice_critical_kT(1.0), kT, eps);
    /* m* = [1 - sinh(2J/kT)^-4]^(1/8) with J = eps/4 */
    double sh = sinh(eps / (2.0 * kT));
    double m = pow(1.0 - pow(sh, -4.0), 0.125);
    *rho_gas = 0.5 * (1.0 - m);
    *rho_liquid = 0.5 * (1.0 + m);
    *mu_coex = -2.0 * eps;
    return UPSCALE_OK;
}

void upscale_lattice_destroy(upscale_lattice **lat)
{
    if (!lat || !*lat) return;
    free((*lat)->occ);
    free((*lat)->bias[0]);
    free((*lat)->bias[1]);
    free(*lat);
    *lat = NULL;
}

upscale_err upscale_lattice_create(const upscale_lattice_settings *s, upscale_lattice **out)
{
    *out = NULL;
    UPSCALE_CHECK(s->L >= 4 && s->L <= 4096, UPSCALE_ERR_INPUT,
                  "lattice gas: L must be in [4, 4096], got %d", s->L);
    UPSCALE_CHECK(s->eps > 0 && isfinite(s->eps), UPSCALE_ERR_INPUT,
                  "lattice gas: eps must be > 0, got %g", s->eps);
    UPSCALE_CHECK(s->kT > 0 && isfinite(s->kT), UPSCALE_ERR_INPUT,
                  "lattice gas: kT must be > 0, got %g", s->kT);
    UPSCALE_CHECK(s->phi >= 0 && isfinite(s->phi) && isfinite(s->mu) && isfinite(s->N_target),
                  UPSCALE_ERR_INPUT,
                  "lattice gas: need finite mu, N_target and phi >= 0, got %g, %g, %g", s->mu,
                  s->N_target, s->phi);
    upscale_lattice *lat = calloc(1, sizeof(*lat));
    UPSCALE_ALLOC_CHECK(lat);
    lat->s = *s;
    lat->L = s->L;
    lat->n = s->L * s->L;
    lat->occ = calloc((size_t)lat->n, sizeof(*lat->occ));
    lat->bias[0] = malloc((size_t)(lat->n + 1) * sizeof(double));
    lat->bias[1] = malloc((size_t)(lat->n + 1) * sizeof(double));
    if (!lat->occ || !lat->bias[0] || !lat->bias[1]) {
        upscale_lattice_destroy(&lat);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    const double beta = 1.0 / s->kT;
    for (int nn = 0; nn <= 4; nn++) {
        /* insertion: dH = -eps nn - mu;  deletion: dH = +eps nn + mu */
        lat->accept[0][nn] = exp_clamped(beta * (s->eps * nn + s->mu));
        lat->accept[1][nn] = exp_clamped(-beta * (s->eps * nn + s->mu));
    }
    for (int N = 0; N <= lat->n; N++) {
        /* phi (N + dn - N_t)^2 - phi (N - N_t)^2 = phi dn (2 (N - N_t) + dn), dn = +/-1 */
        double d = N - s->N_target;
        lat->bias[0][N] = exp_clamped(-beta * s->phi * (2.0 * d + 1.0));
        lat->bias[1][N] = exp_clamped(-beta * s->phi * (1.0 - 2.0 * d));
    }
    uint64_t x = s->seed;
    for (int k = 0; k < 4; k++)
        lat->rng[k] = splitmix64(&x);
    *out = lat;
    return UPSCALE_OK;
}

upscale_err upscale_lattice_fill_slab(upscale_lattice *lat, int N)
{
    UPSCALE_CHECK(N >= 0 && N <= lat->n, UPSCALE_ERR_INPUT,
                  "lattice gas: slab of %d particles on %d sites", N, lat->n);
    const int L = lat->L;
    for (int i = 0; i < lat->n; i++)
        lat->occ[i] = i < N;
    lat->N = N;
    lat->bonds = 0;
    for (int r = 0; r < L; r++)
        for (int c = 0; c < L; c++) {
            int i = r * L + c;
            int right = r * L + (c + 1) % L, down = ((r + 1) % L) * L + c;
            lat->bonds += lat->occ[i] * (lat->occ[right] + lat->occ[down]);
        }
    return UPSCALE_OK;
}

int64_t upscale_lattice_sweep(upscale_lattice *lat, int64_t nsweeps)
{
    const int L = lat->L;
    const uint32_t uL = (uint32_t)L;
    uint8_t *occ = lat->occ;
    uint64_t *rng = lat->rng;
    int N = lat->N;
    int64_t bonds = lat->bonds, accepted = 0;
    const int64_t moves = nsweeps * lat->n;
    for (int64_t m = 0; m < moves; m++) {
        uint64_t r64 = next(rng);
        /* row and column from the two 32-bit halves (multiply-shift, Lemire 2019) */
        int r = (int)(((r64 >> 32) * uL) >> 32);
        int c = (int)(((r64 & 0xffffffffULL) * uL) >> 32);
        int row = r * L;
        int up = (r ? row - L : (L - 1) * L) + c;
        int down = (r < L - 1 ? row + L : 0) + c;
        int left = row + (c ? c - 1 : L - 1);
        int right = row + (c < L - 1 ? c + 1 : 0);
        int i = row + c;
        int nn = occ[up] + occ[down] + occ[left] + occ[right];
        int o = occ[i];
        double p = lat->accept[o][nn] * lat->bias[o][N];
        if (p < 1.0 && (double)(next(rng) >> 11) * 0x1.0p-53 >= p) continue;
        occ[i] = (uint8_t)(1 - o);
        /* dn = 1 - 2 o; bonds change by dn nn, N by dn */
        N += 1 - 2 * o;
        bonds += (1 - 2 * o) * nn;
        accepted++;
    }
    lat->N = N;
    lat->bonds = bonds;
    return accepted;
}

int upscale_lattice_count(const upscale_lattice *lat)
{
    return lat->N;
}

double upscale_lattice_energy(const upscale_lattice *lat)
{
    return lat->bonds ? -lat->s.eps * (double)lat->bonds : 0.0;
}

void upscale_lattice_scan_settings_default(upscale_lattice_scan_settings *s)
{
    *s = (upscale_lattice_scan_settings){.L = 64,
                                         .eps = 1.0,
                                         .kT = 0.8 * upscale_lattice_critical_kT(1.0),
                                         .mu = -2.0,
                                         .phi = 0.002,
                                         .nt_min = -250.0,
                                         .nt_max = 64.0 * 64.0 + 250.0,
                                         .nwindows = 217,
                                         .sweeps = 2000,
                                         .sample_every = 1,
                                         .seed = 1};
}

/* Shortest of %.15g, %.16g, %.17g that reads back as v. */
static const char *fmt(char *buf, size_t size, double v)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, size, "%.*g", p, v);
        if (strtod(buf, NULL) == v) break;
    }
    return buf;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One window: sample and write window_KKK.dat. */
static upscale_err scan_window(const upscale_lattice_scan_settings *s, int k, double N_t,
                               const char *path)
{
    upscale_lattice_settings ls = {.L = s->L,
                                   .eps = s->eps,
                                   .kT = s->kT,
                                   .mu = s->mu,
                                   .phi = s->phi,
                                   .N_target = N_t,
                                   .seed = s->seed + (uint64_t)k};
    upscale_lattice *lat = NULL;
    UPSCALE_CALL(upscale_lattice_create(&ls, &lat));
    const int nsites = s->L * s->L;
    int N0 = (int)lround(N_t < 0 ? 0 : (N_t > nsites ? nsites : N_t));
    upscale_err e = upscale_lattice_fill_slab(lat, N0);
    if (e) {
        upscale_lattice_destroy(&lat);
        UPSCALE_CALL(e);
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        upscale_lattice_destroy(&lat);
        UPSCALE_CHECK(0, UPSCALE_ERR_IO, "%s: cannot write (%s)", path, strerror(errno));
    }
    fprintf(f,
            "# upscale gcmc-lattice window %d: L = %d, eps = %.10g, kT = %.10g, mu_bias = %.10g, "
            "phi = %.10g, N_t = %.10g, seed = %llu, start: slab of %d; E = -eps (occupied pairs)\n",
            k, s->L, s->eps, s->kT, s->mu, s->phi, N_t, (unsigned long long)ls.seed, N0);
    fprintf(f, "# step N E\n");
    fprintf(f, "0 %d %.10g\n", upscale_lattice_count(lat), upscale_lattice_energy(lat));
    for (int64_t step = s->sample_every; step <= s->sweeps; step += s->sample_every) {
        upscale_lattice_sweep(lat, s->sample_every);
        fprintf(f, "%lld %d %.10g\n", (long long)step, upscale_lattice_count(lat),
                upscale_lattice_energy(lat));
    }
    upscale_lattice_destroy(&lat);
    UPSCALE_CHECK(fclose(f) == 0, UPSCALE_ERR_IO, "%s: write failed (%s)", path, strerror(errno));
    return UPSCALE_OK;
}

upscale_err upscale_lattice_scan(const upscale_lattice_scan_settings *s, const char *out_dir,
                                 upscale_lattice_scan_stats *stats)
{
    UPSCALE_CHECK(s->nwindows >= 1 && s->nwindows <= 100000, UPSCALE_ERR_INPUT,
                  "gcmc-lattice: windows must be in [1, 100000], got %d", s->nwindows);
    UPSCALE_CHECK(s->sweeps >= 1 && s->sample_every >= 1 && s->sample_every <= s->sweeps,
                  UPSCALE_ERR_INPUT,
                  "gcmc-lattice: need sweeps >= 1 and 1 <= sample_every <= sweeps, got %lld, %lld",
                  (long long)s->sweeps, (long long)s->sample_every);
    UPSCALE_CHECK(s->nwindows == 1 || s->nt_max > s->nt_min, UPSCALE_ERR_INPUT,
                  "gcmc-lattice: need nt_max > nt_min, got %g, %g", s->nt_min, s->nt_max);
    /* the lattice's own checks, before anything is created */
    UPSCALE_CHECK(s->L >= 4 && s->L <= 4096, UPSCALE_ERR_INPUT,
                  "gcmc-lattice: L must be in [4, 4096], got %d", s->L);
    UPSCALE_CHECK(s->eps > 0 && isfinite(s->eps) && s->kT > 0 && isfinite(s->kT) && s->phi >= 0 &&
                      isfinite(s->phi) && isfinite(s->mu) && isfinite(s->nt_min) &&
                      isfinite(s->nt_max),
                  UPSCALE_ERR_INPUT,
                  "gcmc-lattice: need finite eps > 0, kT > 0, phi >= 0, mu and N_t, got %g, %g, "
                  "%g, %g, %g..%g",
                  s->eps, s->kT, s->phi, s->mu, s->nt_min, s->nt_max);
    if (mkdir(out_dir, 0777) != 0 && errno != EEXIST)
        UPSCALE_CHECK(0, UPSCALE_ERR_IO, "%s: cannot create directory (%s)", out_dir,
                      strerror(errno));
    struct stat st;
    UPSCALE_CHECK(stat(out_dir, &st) == 0 && S_ISDIR(st.st_mode), UPSCALE_ERR_IO,
                  "%s: not a directory", out_dir);

    char path[4096];
    snprintf(path, sizeof(path), "%s/manifest.csv", out_dir);
    FILE *mf = fopen(path, "w");
    UPSCALE_CHECK(mf, UPSCALE_ERR_IO, "%s: cannot write (%s)", path, strerror(errno));
    double kTc = upscale_lattice_critical_kT(s->eps);
    fprintf(mf,
            "# upscale gcmc-lattice: 2D lattice gas, pair energy -eps, L = %d, kT = %.17g eps "
            "(T/T_c = %.6g), %lld sweeps per window, seed %llu\n",
            s->L, s->kT / s->eps, s->kT / kTc, (long long)s->sweeps, (unsigned long long)s->seed);
    double rg, rl, muc;
    if (upscale_lattice_coexistence(s->eps, s->kT, &rg, &rl, &muc) == UPSCALE_OK)
        fprintf(mf, "# exact (Onsager, Yang): rho_gas = %.10f, rho_liquid = %.10f, mu_coex = %g\n",
                rg, rl, muc);
    else
        upscale_error_clear();
    fprintf(mf, "# energy_unit: eps\n# sites: %d\n", s->L * s->L);
    fprintf(mf, "window_file,kT,N_target,phi,mu_bias\n");

    double t0 = now();
    upscale_err e = UPSCALE_OK;
    for (int k = 0; k < s->nwindows && !e; k++) {
        double N_t = s->nwindows == 1
                         ? s->nt_min
                         : s->nt_min + (s->nt_max - s->nt_min) * k / (s->nwindows - 1.0);
        char name[64];
        snprintf(name, sizeof(name), "window_%03d.dat", k);
        snprintf(path, sizeof(path), "%s/%s", out_dir, name);
        e = scan_window(s, k, N_t, path);
        char b[4][32];
        fprintf(mf, "%s,%s,%s,%s,%s\n", name, fmt(b[0], sizeof(b[0]), s->kT),
                fmt(b[1], sizeof(b[1]), N_t), fmt(b[2], sizeof(b[2]), s->phi),
                fmt(b[3], sizeof(b[3]), s->mu));
    }
    double t1 = now();
    int closed = fclose(mf);
    UPSCALE_CALL(e);
    UPSCALE_CHECK(closed == 0, UPSCALE_ERR_IO, "%s/manifest.csv: write failed", out_dir);
    if (stats) {
        stats->moves = (int64_t)s->nwindows * s->sweeps * s->L * s->L;
        stats->seconds = t1 - t0;
    }
    return UPSCALE_OK;
}
