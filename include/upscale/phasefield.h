/* Phase-field (Cahn-Hilliard) thermodynamics from a homogeneous free energy: the one
 * implementation of Yang, Woillez, Jacquet, Van Roekeghem (MnFePBA upscaling paper),
 * Sec. II.G eq. 24-28 and App. A eq. A1-A14, used by the particle kernel and by the
 * atomistic importer alike.
 *
 * Units (SI throughout):
 *     c        mol/m^3            concentration of the mobile species
 *     mu       J/mol              mu_h(c) = dg/dc, homogeneous chemical potential
 *     g        J/m^3              homogeneous free-energy density
 *     kappa    J m^5/mol^2        gradient coefficient, f = g(c) + kappa/2 |grad c|^2, so
 *                                 that kappa lap(c) is in J/mol
 *     gamma    J/m^2              interfacial energy
 *     M        mol^2/(J m s)      mobility, flux N = -M grad(mu)
 *     B        J m^3/mol^2        coherency coefficient, mu += B (c - c_mean)
 *
 * The free energy enters as callbacks on an open interval (c_lo, c_hi) where both are
 * finite (e.g. ideal mixing has log singularities at the ends).  Derivations and the
 * choices made (width formula, mobility join, coherency coefficient) are written down in
 * docs/phasefield_derivations.md. */
#ifndef UPSCALE_PHASEFIELD_H
#define UPSCALE_PHASEFIELD_H

#include <stddef.h>

#include "upscale/error.h"

/* A homogeneous free energy.  mu returns mu_h(c) and writes dmu_h/dc to *dmu_dc (never NULL
 * when called); g returns g(c) with dg/dc = mu_h.  Both are called only for
 * c_lo < c < c_hi. */
typedef struct {
    double (*mu)(double c, void *ctx, double *dmu_dc);
    double (*g)(double c, void *ctx);
    void *ctx;
    double c_lo, c_hi;
} upscale_thermo;

/* The miscibility gap of one temperature: everything eq. 26-28 need. */
typedef struct {
    int found;        /* 1: a gap; 0: dmu/dc > 0 on the whole grid, the rest is NaN */
    double s1, s2;    /* spinodals, dmu/dc = 0, s1 < s2 */
    double c1, c2;    /* binodals (common tangent), c1 < s1 < s2 < c2 */
    double mu_coex;   /* mu_h(c1) = mu_h(c2), J/mol */
    double g1;        /* g(c1), J/m^3 */
    double c_pmax;    /* where p is largest: mu_h(c_pmax) = mu_coex, s1 < c_pmax < s2 */
    double p_max;     /* p(c_pmax), J/m^3 */
    double sqrt_p_dc; /* I = integral_c1^c2 sqrt(p(c)) dc, J^(1/2) m^(-9/2) mol */
    int c1_at_end;    /* open ends only: c1 is held at c_lo (the tangent leaves the domain) */
    int c2_at_end;    /* likewise c2 at c_hi */
} upscale_phasefield_gap;

/* Spinodals: the sign changes of dmu/dc, located on 2048 points clustered towards both
 * ends of (c_lo, c_hi) (Chebyshev spacing, first point ~6e-7 of the width from an end) and
 * refined by bisection.  If dmu/dc < 0 on several disjoint intervals, the one over which
 * mu falls most is taken (restrict c_lo, c_hi to pick another).  *found = 0 when
 * dmu/dc > 0 everywhere (s1, s2 then NaN).  UPSCALE_ERR_INPUT when dmu/dc < 0 reaches an
 * end of the interval or a callback returns a non-finite value. */
upscale_err upscale_phasefield_spinodals(const upscale_thermo *th, int *found, double *s1,
                                         double *s2);

/* Binodals by the common tangent, mu(c1) = mu(c2) = m and g(c2) - g(c1) = m (c2 - c1)
 * (equal areas).  Solved as one equation in m on the bracket mu(s2) < m < mu(s1):
 *     F(m) = g(c_b(m)) - g(c_a(m)) - m (c_b(m) - c_a(m)),   dF/dm = -(c_b - c_a) < 0,
 * where c_a(m) < s1 and c_b(m) > s2 solve mu = m on the two stable branches; F, c_a, c_b
 * by Newton steps safeguarded by bisection on their brackets.  Then c_pmax, p_max and
 * I = integral sqrt(p) dc (GSL QAGS, relative tolerance 1e-9).  A missing gap is not an
 * error: gap->found = 0.  UPSCALE_ERR_INPUT when a tangent point falls outside
 * (c_lo, c_hi). */
upscale_err upscale_phasefield_common_tangent(const upscale_thermo *th,
                                              upscale_phasefield_gap *gap);

/* The same for a free energy known only on [c_lo, c_hi], e.g. a fit to sampled data (the
 * GCMC importer), where the ends named in flags (UPSCALE_PHASEFIELD_OPEN_LO | _HI) may
 * be evaluated and may hold a contact point.  The free tangent is tried first (with no open
 * end this is exactly upscale_phasefield_common_tangent).  Where its root lies beyond what
 * a stable branch reaches before an open end, or dmu/dc < 0 runs up to that end, the
 * contact point is held at the end (c1_at_end / c2_at_end = 1) and the other solves
 * g(c2) - g(c1) = mu(c_free) (c2 - c1), with F as above and one branch point fixed (both
 * held: mu_coex is the chord's slope).  A spinodal at an open end is NaN.  With a held
 * point, c_pmax, p_max and sqrt_p_dc are NaN (no relaxed interface between the ends). */
enum {
    UPSCALE_PHASEFIELD_OPEN_LO = 1,
    UPSCALE_PHASEFIELD_OPEN_HI = 2,
    /* mu may have small wiggles (dmu/dc < 0) on a stable branch, as a fit may: the branch
     * walk passes through them instead of reporting overlapping gaps.  Pass (c_lo, c_hi)
     * around one gap only. */
    UPSCALE_PHASEFIELD_FIT = 4,
    /* Binodals, spinodals and mu_coex only: c_pmax, p_max and sqrt_p_dc are left NaN. */
    UPSCALE_PHASEFIELD_TANGENT_ONLY = 8,
};
upscale_err upscale_phasefield_common_tangent_open(const upscale_thermo *th, int open_ends,
                                                   upscale_phasefield_gap *gap);

/* Eq. 27: p(c) = g(c) - g(c1) - mu_coex (c - c1), J/m^3 (>= 0 on [c1, c2] up to rounding).
 * Within 2% of c2 - c1 of a binodal c_i it is evaluated as integral_ci^c (mu - mu_coex) ds
 * (eq. A6/A7, 20-point Gauss-Legendre), where the difference of g would lose it to
 * rounding. */
double upscale_phasefield_p(const upscale_thermo *th, const upscale_phasefield_gap *gap, double c);

/* Eq. 26: gamma = sqrt(2 kappa) I, and its inverse kappa = gamma^2 / (2 I^2). */
upscale_err upscale_phasefield_gamma(const upscale_phasefield_gap *gap, double kappa,
                                     double *gamma);
upscale_err upscale_phasefield_kappa(const upscale_phasefield_gap *gap, double gamma,
                                     double *kappa);

/* Interface width (eq. 28 with its dimensions corrected, see the derivations note):
 *     l = (c2 - c1) / max dc/dx = (c2 - c1) sqrt(kappa / (2 p_max)),  m,
 * the width of the planar profile measured by its steepest tangent. */
upscale_err upscale_phasefield_width(const upscale_phasefield_gap *gap, double kappa,
                                     double *width);

/* Relaxed planar interface: kappa c'' = mu_h(c) - mu_coex (eq. A4) through its first
 * integral dc/dx = sqrt(2 p(c) / kappa) (eq. A8), integrated by GSL rk8pd from c(0) =
 * c_pmax in both directions, sampled on n >= 16 uniform points x[] (m) spanning the
 * profile until it is within 1e-6 (c2 - c1) of both binodals; c[] in mol/m^3.
 * *gamma_a13 = integral kappa (dc/dx)^2 dx (eq. A13) with dc/dx taken from the sampled
 * profile by central differences and the trapezoidal rule: an independent check of eq. 26
 * (error O(h^2), ~1e-5 relative for n = 4000). */
upscale_err upscale_phasefield_profile(const upscale_thermo *th, const upscale_phasefield_gap *gap,
                                       double kappa, size_t n, double *x, double *c,
                                       double *gamma_a13);

/* Mobility closures. */
typedef enum {
    UPSCALE_PHASEFIELD_MOBILITY_PER_PHASE = 0,
    UPSCALE_PHASEFIELD_MOBILITY_DARKEN = 1,
} upscale_phasefield_mobility_kind;

/* {"per_phase", "darken", NULL}, in the order of the enum (for upscale_params_get_choice). */
const char *const *upscale_phasefield_mobility_names(void);

typedef struct {
    upscale_phasefield_mobility_kind kind;
    double c1, c2;       /* per_phase: the binodals, mol/m^3 */
    double M1, M2;       /* per_phase: mobility of phase 1 (c <= c1) and 2 (c >= c2) */
    double D, c_max, RT; /* darken: m^2/s, mol/m^3, J/mol */
} upscale_phasefield_mobility;

/* per_phase, eq. 24 in each phase at its binodal: M_i = D_i / (dmu_h/dc)(c_i), constant
 * within the phase; across the gap ln M is joined by a smoothstep in c,
 *     t = (c - c1)/(c2 - c1),  ln M = ln M1 + (ln M2 - ln M1)(3 t^2 - 2 t^3),
 * so M and dM/dc are continuous.  D1, D2 > 0 in m^2/s; gap->found must be 1. */
upscale_err upscale_phasefield_mobility_per_phase(const upscale_thermo *th,
                                                  const upscale_phasefield_gap *gap, double D1,
                                                  double D2, upscale_phasefield_mobility *m);
/* darken: M = D c (1 - c/c_max) / (R T), the dilute/ideal-lattice limit of eq. 24. */
upscale_err upscale_phasefield_mobility_darken(double D, double c_max, double T,
                                               upscale_phasefield_mobility *m);
/* M(c) in mol^2/(J m s); *dM_dc if not NULL. */
double upscale_phasefield_mobility_eval(const upscale_phasefield_mobility *m, double c,
                                        double *dM_dc);

/* Coherency coefficient from a measured strain-energy density (the epsilon_strain of eq. 5,
 * J/m^3) of a coherent two-phase body with phases at c_a and c_b and volume fraction
 * `fraction` of phase a.  The elastic energy density B/2 (c - c_mean)^2 averaged over that
 * body is B/2 fraction (1 - fraction) (c_b - c_a)^2, hence
 *     B = 2 strain_energy / (fraction (1 - fraction) (c_b - c_a)^2)   [J m^3/mol^2];
 * the paper's half-and-half cells (fraction 1/2, x = 0 and 2) give B = 8 eps / c_max^2. */
upscale_err upscale_phasefield_coherency(double strain_energy, double c_a, double c_b,
                                         double fraction, double *B);

#endif
