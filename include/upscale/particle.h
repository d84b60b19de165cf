/* Particle materials: the homogeneous equilibrium potential of an electrode's active
 * material and, for Cahn-Hilliard particles, the phase-field parameters derived from it
 * with the one implementation of the paper's eq. 24-28 (upscale/phasefield.h).
 *
 *   ocp: formula NAME | table FILE | 3.7 V     U(s) as any function (upscale/function.h);
 *                                               max_concentration is then required
 *   ocp: redlich_kister FILE                   a material file (params/mnfepba_surrogate.yaml):
 *                                               ideal sites + Redlich-Kister excess at the
 *                                               cell temperature; c_max from its site density
 *   ocp: mu_table FILE                         a tabulated material (upscale/mu_table.h, e.g.
 *                                               params/mnfepba_mu_tables/mnfepba.yaml): mu_h(x)
 *                                               tables at several T, linear in T at the cell
 *                                               temperature; c_max from its site density
 *
 * A material file's temperatures (temperature_range, or the tables') bound cell.temperature
 * unless `<region>.extrapolate_temperature: true`.  Whatever the kind, the miscibility gap
 * comes from the one common tangent of phasefield.h: on the analytic free energy of
 * rk_material.h, or, for every other ocp, on g integrated from mu_h = -F U by quadrature.
 *
 * Cahn-Hilliard keys (docs/params.md): gradient_coefficient or interfacial_energy (eq. 26);
 * mobility darken (diffusivity) or per_phase (phase_diffusivity_low/high, eq. 24);
 * coherency_coefficient or strain_energy_density; surface_wetting_slope. */
#ifndef UPSCALE_PARTICLE_H
#define UPSCALE_PARTICLE_H

#include "upscale/model.h"
#include "upscale/params.h"

/* Read `<region>.ocp` (and max_concentration unless a material file gives it; then also
 * extrapolate_temperature). */
upscale_err upscale_particle_read_potential(upscale_params *p, const char *region, double T,
                                            upscale_electrode *el);
/* Read the Cahn-Hilliard keys of `<region>` and derive kappa, the mobility closure, B and
 * the miscibility gap (el->gap) at temperature T; Tref is the reference temperature of the
 * per-phase Arrhenius factors. */
upscale_err upscale_particle_read_cahn_hilliard(upscale_params *p, const char *region, double T,
                                                double Tref, upscale_electrode *el);
/* The spectral operator (upscale_spectral in model.h) of n >= 2 nodes for a particle of
 * radius R and dimension d (1 slab, 2 cylinder, 3 sphere). */
upscale_err upscale_particle_spectral_create(int n, int d, double R, upscale_spectral **s);
void upscale_particle_spectral_destroy(upscale_spectral **s);
/* Release what the reads allocated (materials). */
void upscale_particle_free(upscale_electrode *el);

/* Read a Redlich-Kister material file into *m (its own params object: unknown keys in it
 * are errors naming that file). */
upscale_err upscale_particle_read_rk_file(const char *path, upscale_rk_material *m);

#endif
