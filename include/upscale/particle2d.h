/* A Cahn-Hilliard particle in two dimensions: an axisymmetric sphere in (r, theta), theta in
 * [0, pi], so that the surface composition can vary along the surface (docs/model.md eq. 20-23).
 * Same thermodynamics as the 1D particles (particle_cahn_hilliard.c): the electrode's U_h,
 * kappa, coherency B, wetting slope and mobility closure, and the electrode's registered rate law
 * applied locally on the variational potential at r = R, in an ideal bath (as cell.type
 * single_particle).  Symmetry is broken by a facet-dependent exchange current,
 * k0 (1 + a cos 2 theta): a = 0 gives exactly the 1D sphere.
 *
 * Numerics (src/cell/particle2d.c): finite volumes on a DMDA (c and mu per cell, the radial
 * faces of the 1D mesh times a uniform theta mesh) plus a DMRedundant holding the surface fluxes
 * j(theta), the mean composition, the electrode potential and the charge passed; integrated by
 * PETSc TS (BDF of order 3) in implicit DAE form with an analytic Jacobian and a direct solve. Each
 * particle lives on PETSC_COMM_SELF.  PETSc (and MPI) is initialised by the first
 * upscale_particle2d_create, so only programs that use a 2D particle start it; link the
 * `upscale_particle2d` library (meson: upscale_particle2d_dep). */
#ifndef UPSCALE_PARTICLE2D_H
#define UPSCALE_PARTICLE2D_H

#include "upscale/model.h"

typedef struct upscale_particle2d upscale_particle2d;

typedef struct {
    int ntheta;        /* cells in theta on [0, pi] (uniform) */
    double anisotropy; /* a of k0 (1 + a cos 2 theta), |a| < 1 */
    double rtol;       /* local error tolerance of the composition, relative to c_max */
} upscale_particle2d_options;

typedef struct {
    long steps, rejected, newton, jacobians; /* accumulated over all advances */
} upscale_particle2d_stats;

/* The positive electrode's particle of model m (cell.type: single_particle, particle_model:
 * cahn_hilliard), on the model's radial mesh; m must outlive the particle.  Starts uniform at the
 * electrode's initial composition (set_composition(NULL)). */
upscale_err upscale_particle2d_create(const upscale_model *m, const upscale_particle2d_options *o,
                                      upscale_particle2d **p);
void upscale_particle2d_destroy(upscale_particle2d **p);
/* Finalise PETSc if upscale_particle2d_create initialised it (call once, at the end). */
void upscale_particle2d_finalize(void);

/* Composition c[k * nr + i] (theta cell k, shell i) in mol/m^3, or NULL for the electrode's
 * initial composition; mu is set consistent with it, the uptake and time to 0, the hold to a
 * mean flux of 0. */
upscale_err upscale_particle2d_set_composition(upscale_particle2d *p, const double *c);
/* Hold the electrode potential phi (V against the bath's metal reference), or the mean surface
 * flux jbar (mol/m^2/s, > 0 for sodium leaving; I = -F a L jbar in single-particle terms). */
upscale_err upscale_particle2d_hold_potential(upscale_particle2d *p, double phi);
upscale_err upscale_particle2d_hold_flux(upscale_particle2d *p, double jbar);
/* Integrate to time t_end (s), or until the potential leaves the limits (then
 * upscale_particle2d_at_limit is 1, the time that of the crossing).  Solver failure:
 * UPSCALE_ERR_SOLVER, the state at the last accepted step kept. */
upscale_err upscale_particle2d_advance(upscale_particle2d *p, double t_end);
/* Potential limits phi_lo < phi_hi (V) of the advances (a voltage cut-off); none by default. */
upscale_err upscale_particle2d_set_limits(upscale_particle2d *p, double phi_lo, double phi_hi);
int upscale_particle2d_at_limit(const upscale_particle2d *p);
/* fn(ctx, t, phi) after every accepted time step of an advance (and at its start), with the
 * time (s) and the potential (V), e.g. to record a time series; fn NULL: none (the default).
 * A nonzero return ends the advance after the next step (not a failure: at_limit is 0).  */
typedef int (*upscale_particle2d_monitor_fn)(void *ctx, double t, double phi);
void upscale_particle2d_set_monitor(upscale_particle2d *p, upscale_particle2d_monitor_fn fn,
                                    void *ctx);

int upscale_particle2d_nr(const upscale_particle2d *p);
int upscale_particle2d_ntheta(const upscale_particle2d *p);
double upscale_particle2d_time(const upscale_particle2d *p);
double upscale_particle2d_potential(const upscale_particle2d *p);
/* Mean surface flux (mol/m^2/s), sodium content (mol) and the sodium that entered through the
 * surface since set_composition (mol, the time integral of -sum_k A_k j_k). */
double upscale_particle2d_mean_flux(const upscale_particle2d *p);
double upscale_particle2d_content(const upscale_particle2d *p);
double upscale_particle2d_uptake(const upscale_particle2d *p);
/* Copies of the fields: c and mu (nr * ntheta, theta-major as above), j (ntheta), the cell
 * centres rc (nr) and theta (ntheta); any pointer may be NULL. */
void upscale_particle2d_fields(const upscale_particle2d *p, double *c, double *mu, double *j,
                               double *rc, double *theta);
upscale_particle2d_stats upscale_particle2d_statistics(const upscale_particle2d *p);

/* The discrete system on plain arrays, for tests: the number of unknowns, the current state,
 * the residual F(t, u, u') (rows scaled to O(1)), and the dense Jacobian dF/du + shift dF/du'
 * (n x n, row-major) the integrator uses.  Residual: 1 for a state outside the material's
 * range.  Layout of u: c and mu of cell (i, k) at 2 (k nr + i) and 2 (k nr + i) + 1, then
 * j_0 .. j_ntheta-1, c_mean, phi, Q. */
int upscale_particle2d_size(const upscale_particle2d *p);
void upscale_particle2d_state(const upscale_particle2d *p, double *u);
int upscale_particle2d_residual(const upscale_particle2d *p, double t, const double *u,
                                const double *udot, double *f);
upscale_err upscale_particle2d_jacobian(const upscale_particle2d *p, double t, double shift,
                                        const double *u, const double *udot, double *dense);

#endif
