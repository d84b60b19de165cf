/* The P2D (Doyle-Fuller-Newman) cell: parameters in SI, meshes, derived groups, layout and
 * the residual/Jacobian assembled from one kernel per physical domain (src/cell/residual/).
 *
 * Sign conventions: x runs from the negative current collector (x = 0) to the positive
 * one; I > 0 is discharge; j (mol/m^2/s) > 0 is sodium/lithium leaving the particle. */
#ifndef UPSCALE_MODEL_H
#define UPSCALE_MODEL_H

#include "upscale/constants.h"
#include "upscale/error.h"
#include "upscale/function.h"
#include "upscale/kinetics.h"
#include "upscale/layout.h"
#include "upscale/mu_table.h"
#include "upscale/params.h"
#include "upscale/phasefield.h"
#include "upscale/rk_material.h"

/* particle_shape: a sphere of radius R, a slab of half-thickness R reacting on its faces, a
 * cylinder (rod) of radius R reacting on its side. */
typedef enum {
    UPSCALE_SHAPE_SPHERE,
    UPSCALE_SHAPE_SLAB,
    UPSCALE_SHAPE_CYLINDER
} upscale_particle_shape;

typedef struct upscale_electrode_s {
    double thickness;               /* m */
    double porosity;                /* electrolyte volume fraction */
    double filler;                  /* inert (conducting) volume fraction */
    double active;                  /* 1 - porosity - filler (derived) */
    double radius;                  /* particle radius, m */
    double area;                    /* specific area (3, 2 or 1) active / radius, 1/m (derived) */
    upscale_particle_shape shape;   /* particle_shape */
    double cmax, c0;                /* mol/m^3 */
    double sigma;                   /* solid conductivity, S/m */
    double brugg_solid;             /* sigma_eff = sigma (1 - porosity)^brugg_solid */
    double brugg;                   /* electrolyte: D_eff = porosity^brugg D */
    double film_resistance;         /* Ohm m^2 */
    double contact_resistance;      /* Ohm m^2, at this electrode's terminal */
    double alpha_a, alpha_c;        /* charge-transfer coefficients */
    double ea_diffusivity, ea_rate; /* activation energies, J/mol */
    upscale_function *ocp;          /* U(stoichiometry), V */
    upscale_function *ds;           /* D_s(c), m^2/s */
    upscale_function *k;            /* rate constant k(c_surf), m^2.5 mol^-0.5 s^-1 */
    const upscale_rate_law *rate_law;
    double u_ref; /* U(1/2), V: reference of the activity in rate laws */
    /* Cahn-Hilliard particles (particle_model: cahn_hilliard). */
    int cahn_hilliard;
    double kappa;         /* gradient coefficient, J m^5/mol^2 */
    double coherency;     /* B of the coherency-strain term B (c - c_mean), J m^3/mol^2 */
    double wetting_slope; /* dc/dr at r = R, mol/m^4 (0: no surface wetting) */
    /* Mobility M(c) (mol^2/(J m s)) and dM/dc, chosen by name (particle.c). */
    double (*mobility)(const struct upscale_electrode_s *el, double c, double rt, double *dm);
    /* The mobility of the face between two shells from theirs, with its partials: the mean
     * that interpolates the closure's own smooth quantity (particle.c). */
    double (*face_mobility)(double ml, double mr, double *d_ml, double *d_mr);
    upscale_phasefield_mobility mob; /* per_phase closure */
    double phase_diffusivity[2];     /* per_phase: D of each phase at T, m^2/s */
    upscale_phasefield_gap gap;      /* miscibility gap of U_h at T (found = 0 if none) */
    double gamma;                    /* interfacial energy implied by kappa, J/m^2 */
    double width;                    /* interface width (eq. 28), m */
    upscale_rk_material *rk;         /* material file behind ocp, or NULL */
    upscale_rk_material_fixed rk_at; /* rk at the temperature (with rk) */
    upscale_mu_table *mu_table;      /* tabulated material file behind ocp, or NULL */
    double temperature;              /* K, for the material callbacks */
    /* Derived at the cell temperature. */
    double arr_ds, arr_k; /* Arrhenius factors */
    double sigma_eff;
} upscale_electrode;

typedef struct {
    double c0;               /* initial salt concentration, mol/m^3 */
    double t_plus;           /* cation transference number at c0 (t0 of the salt balance) */
    upscale_function *tplus; /* t+(c) */
    upscale_function *tdf;   /* thermodynamic factor 1 + dln f/dln c, of c */
    double ea_diffusivity, ea_conductivity;
    upscale_function *diffusivity;  /* D_e(c), m^2/s */
    upscale_function *conductivity; /* kappa(c), S/m */
    double arr_d, arr_kappa;
} upscale_electrolyte;

typedef struct {
    double temperature, reference_temperature; /* K */
    double faraday;
    int half_cell;       /* no negative electrode (half cell or single particle) */
    int single_particle; /* cell.type single_particle: one particle in an ideal bath */
    double counter_i0;   /* metal counter electrode exchange current density, A/m^2 at c0 */
    double counter_alpha;
    double sep_thickness, sep_porosity, sep_brugg;
    upscale_electrode el[3]; /* UPSCALE_NEG, UPSCALE_POS used */
    upscale_electrolyte elyte;
} upscale_cell;

/* Which terminal quantity the protocol holds (set by the driver between steps). */
typedef enum { UPSCALE_HOLD_CURRENT, UPSCALE_HOLD_VOLTAGE, UPSCALE_HOLD_POWER } upscale_hold;

typedef struct upscale_model upscale_model;

/* Signature shared by every domain kernel.  Residual: return 0, > 0 for a recoverable bad
 * state (non-physical concentration), < 0 for unrecoverable.  Jacobian: add dF/dy +
 * cj dF/dy' of the kernel's rows. */
typedef int (*upscale_residual_fn)(const upscale_model *m, double t, const double *y,
                                   const double *yp, double *r);
typedef void (*upscale_jacobian_fn)(const upscale_model *m, double t, double cj, const double *y,
                                    const double *yp, upscale_jac *J);
typedef struct {
    const char *name;
    upscale_residual_fn residual;
    upscale_jacobian_fn jacobian;
} upscale_kernel;

/* Mesh of a 2D (r, theta) particle (src/cell/residual/ch2d.h): the electrode's radial faces
 * times a uniform theta mesh on [0, pi]. */
struct upscale_ch2d {
    int nr, nt;
    double R, vtot, atot;  /* radius, volume 4/3 pi R^3, surface 4 pi R^2 */
    double *rf, *rc, *vol; /* radial faces (nr + 1), centres, volumes per steradian */
    double *thf, *thc, *w; /* theta faces (nt + 1), centres, 2 pi (cos - cos) per cell */
    double *area;          /* surface of each polar cell, R^2 w_k */
    double anisotropy;     /* a of k0 (1 + a cos 2 theta) */
    double *aniso;         /* mean of 1 + a cos 2 theta over each surface cell */
    double *tr, *tt;       /* face transmissibilities: r_i+1^2 / dr (nr - 1, times w_k) and
                            * 2 pi sin(theta_k+1) / dtheta (nt - 1, times the cell's dr) */
    double *mob, *dmob;    /* workspace of the assembly: M and dM/dc per cell */
};
typedef struct upscale_ch2d upscale_ch2d;

/* Radial collocation of a Fickian particle (numerics.particle_discretisation: spectral;
 * particle_fick_spectral.c, docs/numerics.md "Spectral particles"): n nodes in
 * xi = (r/R)^2, the n - 1 roots of the Jacobi polynomial P_n-1^(1, b) on [0, 1] and the
 * surface xi = 1 (Gauss-Radau for the weight xi^b, b = d/2 - 1 of a d-dimensional
 * particle), and the operator of the Galerkin form on polynomials of degree n - 1 in xi
 * with this quadrature (exact for the content and, at constant D, the stiffness). */
/* Most nodes of a spectral particle: beyond this its global polynomial gains nothing over
 * finite volumes and the round-off of its differentiation matrix grows. */
#define SPECTRAL_MAX_NODES 40
typedef struct upscale_spectral {
    int n;
    double *xi;   /* nodes, ascending, xi[n-1] = 1 */
    double *w;    /* weights: integral over [0, 1] of xi^b l_i(xi), l_i the Lagrange basis */
    double *dm;   /* dm[q n + k] = l_k'(xi_q) */
    double *lift; /* lift[i n + q] = 2 R^(d-2) w_q xi_q dm[q n + i] / (R^d / 2 w_i): shell i's
                   * rate from the flux D c_xi at node q */
} upscale_spectral;

struct upscale_model {
    upscale_cell cell;
    upscale_layout *layout;
    /* x mesh: per node centre, width, porosity-derived factors. */
    double *x, *dx;
    double *eps, *epsb; /* electrolyte fraction and fraction^brugg per node */
    double *area;       /* specific area per node (0 in separator) */
    /* Particle meshes per region: shell centres, faces (nr+1), shell volumes, face areas
     * (nr+1) and the particle's measure (per steradian for spheres; see model.c). */
    double *rc[3], *rf[3], *vol[3], *af[3], vp[3];
    /* 2D (r, theta) particles of a region (layout nt[g] > 0), else NULL: the mesh every node's
     * particle shares (src/cell/residual/ch2d.h). */
    upscale_ch2d *ch2d[3];
    /* Spectral Fickian particles of a region (layout sp[g]), else NULL; rc, rf, vol, af, vp
     * then hold the nodes' radii, faces enclosing their weights' measure, R^d/2 w_i, the
     * surface R^(d-1) (af[n]) and R^d/d. */
    upscale_spectral *spectral[3];
    /* The nodes whose 2D particles this process evaluates, [own_lo, own_hi): every node, or
     * under MPI this rank's share (upscale_solver_create; the others' rows are gathered). */
    int own_lo, own_hi;
    double thermal; /* R T / F */
    /* Protocol setpoint.  With ramp_tau > 0 the held value approaches it from ramp_from:
     * setpoint + (ramp_from - setpoint) exp(-(t - ramp_t0) / ramp_tau) (the driver's fallback
     * when a step cannot start with a jump, like an instrument's rise time). */
    upscale_hold hold;
    double setpoint;
    double ramp_from, ramp_t0, ramp_tau;
    /* Kernels, in evaluation order. */
    const upscale_kernel *kernels[8];
    int nkernels;
    /* Tolerance scales per unknown (same length as the vector). */
    double *scale;
    /* The rate equation's value and partials at each node (8 per node, interface_kinetics.c)
     * from the last residual evaluation; the Jacobian takes them instead of evaluating the
     * rate law again while kinetics_reuse is set, which the solver does only when the state y
     * is bitwise the one of that evaluation (the rate law depends on y alone).  After the
     * 8 nx of the rate law, 3 per Cahn-Hilliard shell (node by node, shell by shell): dU_h
     * and the mobility with its derivative, likewise kept by particle_cahn_hilliard.c's
     * residual for its Jacobian.  nkinetics doubles in all. */
    double *kinetics;
    size_t nkinetics;
    int kinetics_reuse;
    /* Things a run should tell the user (e.g. an under-resolved interface); "" if none. */
    char warnings[512];
};

/* Read the cell (physics) and mesh (numerics.*) from p and build the model. */
upscale_err upscale_model_create(upscale_params *p, upscale_model **m);
void upscale_model_destroy(upscale_model **m);
/* Can the particle meshes resolve the Cahn-Hilliard interfaces (width of eq. 28)?  Fewer
 * than 2 of the coarsest shells across: bad input naming numerics.shells.<region>; fewer
 * than 5: a note in m->warnings.  Called by the driver before a run. */
upscale_err upscale_model_check_resolution(upscale_params *p, upscale_model *m);

int upscale_model_residual(const upscale_model *m, double t, const double *y, const double *yp,
                           double *r);
/* Jacobian values in the layout's CSR pattern; returns the number of entries the
 * kernels produced outside the pattern (0, or a bug). */
int upscale_model_jacobian(const upscale_model *m, double t, double cj, const double *y,
                           const double *yp, double *val);

/* Rest state: uniform concentrations, equilibrium potentials (phi_s = 0 at the negative
 * collector), I = 0.  yp = 0. */
void upscale_model_rest_state(const upscale_model *m, double *y, double *yp);
/* Guess the algebraic unknowns for current I from the differential ones (uniform
 * reaction, inverted Butler-Volmer, ohmic drops ignored): a starting point for IDACalcIC. */
void upscale_model_guess_algebraic(const upscale_model *m, double I, double *y);

/* Cyclable inventory (mol/m^2) of sodium in solid + electrolyte. */
double upscale_model_inventory(const upscale_model *m, const double *y);
/* Sodium/lithium held by the particles alone (mol/m^2): sum over x of eps_s <c_s> dx. */
double upscale_model_solid_content(const upscale_model *m, const double *y);
/* Capacity (C/m^2) that the initial state can deliver on discharge (dir = +1) or take on
 * charge (dir = -1): the smaller of the donor's content and the acceptor's room. */
double upscale_model_theoretical_capacity(const upscale_model *m, int dir);
/* Open-circuit voltage at the mean stoichiometries of the state y. */
double upscale_model_ocv(const upscale_model *m, const double *y);
/* Smallest distance, in stoichiometry, of any Fickian particle surface to empty or full
 * (1 if there is none); *where (if not NULL) gets its node (-1 if none). */
double upscale_model_surface_margin(const upscale_model *m, const double *y, int *where);
/* Smallest distance, in stoichiometry, of any Cahn-Hilliard shell to empty or full (1 if
 * there is none; negative once a shell has left [0, c_max], which the discretisation allows
 * because U_h is continued linearly beyond [1e-7, 1 - 1e-7]); *where (if not NULL) gets its
 * node (-1 if none) and *stoich (if not NULL) that shell's stoichiometry. */
double upscale_model_phasefield_margin(const upscale_model *m, const double *y, int *where,
                                       double *stoich);
/* A Newton update of the 1D Cahn-Hilliard compositions that cannot cross a site bound.
 * y0 + ycor is the new iterate and del the update just added to ycor (all scaled by
 * scale, as the solver sees them).  A shell whose update covers more than half its distance
 * to the bound it moves toward (0 for del < 0, c_max for del > 0) is moved in the logarithm
 * of that distance instead, c -> c exp(del / c) or c_max - (c_max - c) exp(-del / (c_max -
 * c)): Newton's step for ln c, equal to the plain step to first order, the right one where
 * mu ~ R T ln c, and never reaching the bound.  The content this changes is put back on the
 * particle's shell farthest from both bounds, so each particle's content (and the linear
 * balances Newton satisfies exactly) is the plain update's; a particle where that would take
 * this shell out of (0, c_max) keeps the plain update.  ycor and del are changed in
 * place; *moved (if not NULL) gets the number of shells moved.  Returns the largest change,
 * over the shells inside (0, c_max) before and after, of the logarithm of the distance to
 * the nearer bound: the variable mu is linear in near a bound, so the measure of how far
 * the update is from converged there, however small it is against the tolerance on c. */
double upscale_model_bound_newton_update(const upscale_model *m, const double *scale,
                                         const double *y0, double *ycor, double *del, int *moved);
/* Smallest electrolyte concentration over the nodes, as a fraction of the initial one;
 * *where (if not NULL) gets its node. */
double upscale_model_electrolyte_minimum(const upscale_model *m, const double *y, int *where);
/* Second-order extrapolation c_N - j (R - r_N) / D(c_N) of the Fickian particle at node ix
 * to its surface: the value the surface unknown c_ss relaxes to (particle_fick.c); for a
 * spectral particle its surface node. */
double upscale_model_surface_concentration(const upscale_model *m, const double *y, int ix,
                                           double *dcs_dcn, double *dcs_dj);

#endif
