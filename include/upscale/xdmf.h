/* XDMF descriptions of output files, so that ParaView (or VisIt) opens the fields as time
 * series on rectilinear grids without converting anything.
 *
 * upscale_xdmf_write() reads the shapes and snapshot times of OUT.h5 and writes an XML file
 * (XDMF 3) whose data items point into OUT.h5 (by its file name, so keep the two files in
 * one directory).  One temporal collection per field group:
 *   particles_negative, particles_positive: c(x, r, t) [mol/m^3] on a 2-D rectilinear grid,
 *     the fastest (X) axis the shell centre r [m] (/mesh/r_*), the other (Y) the position x
 *     [m] of the electrode's cells (a slice of /mesh/x);
 *   electrolyte: c_e(x, t) [mol/m^3] and the electrolyte potential, solid potential and
 *     reaction flux on the 1 x nx grid of /mesh/x (NaN where a field does not exist).
 *   particle2d_positive (a single particle, cell.type: single_particle, run by
 *     upscale-particle2d with positive.particle_dimension: 2): c [mol/m^3] and mu [J/mol] per
 *     (theta, r) cell (Center="Cell") on a 2-D structured mesh (2DSMesh) of the cell corners
 *     in the particle's meridional plane, x = r sin theta, z = r cos theta
 *     (/mesh/nodes_xz_positive);
 *   particle2d_positive_node_A (a full or half cell with 2D particles, upscale run): besides
 *     the three collections above (particles_positive then holds each shell's mean over
 *     theta), one per positive node A = 0 .. n-1 (0 at the separator, its x [m] in an
 *     Information element), each snapshot a spatial collection of two grids: "particle",
 *     c [mol/m^3] per (theta, r) cell (/fields/particle2d_concentration_positive) on the
 *     2DSMesh of /mesh/nodes_xz_positive, and "surface", the surface flux [mol/m^2/s, > 0 for
 *     sodium leaving] per theta cell (/fields/particle2d_surface_flux_positive) on the curve
 *     r = R.  Every node's particle sits on the same mesh: select a node by its block.
 * Times are /fields/time [s].  A file with several runs (upscale rates: /rate_1C/fields...)
 * gets these collections for every group, named GROUP/particles_positive and so on.  A file
 * without fields (output.fields: false) is an input error. */
#ifndef UPSCALE_XDMF_H
#define UPSCALE_XDMF_H

#include "upscale/error.h"
#include "upscale/output.h"

/* Write xdmf_path describing h5_path; xdmf_path NULL: h5_path with .xdmf for .h5. */
upscale_err upscale_xdmf_write(const char *h5_path, const char *xdmf_path);

/* The geometry of the 2DSMesh grids: the corners of the (r, theta) cells of an axisymmetric
 * particle in its meridional plane, x = r sin theta, z = r cos theta, for the radial faces rf
 * (nr + 1) and polar faces thf (nt + 1), written to o as the (nt + 1)(nr + 1) x 2 dataset path
 * [m] (row k (nr + 1) + i for theta face k, r face i) with an attribute "meaning" saying so.
 * Both writers of 2D particles call it: upscale-particle2d (/mesh/nodes_xz_positive of the
 * single particle) and upscale run (the same dataset for the cell's particles, which all share
 * one mesh). */
upscale_err upscale_xdmf_write_meridional_nodes(upscale_output *o, const char *path, int nr,
                                                const double *rf, int nt, const double *thf);

#endif
