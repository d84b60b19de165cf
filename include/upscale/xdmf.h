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
 *   particle2d_positive (a run of upscale-particle2d, positive.particle_dimension: 2): c
 *     [mol/m^3] and mu [J/mol] per (theta, r) cell (Center="Cell") on a 2-D structured mesh
 *     (2DSMesh) of the cell corners in the particle's meridional plane, x = r sin theta,
 *     z = r cos theta (/mesh/nodes_xz_positive).
 * Times are /fields/time [s].  A file with several runs (upscale rates: /rate_1C/fields...)
 * gets these collections for every group, named GROUP/particles_positive and so on.  A file
 * without fields (output.fields: false) is an input error. */
#ifndef UPSCALE_XDMF_H
#define UPSCALE_XDMF_H

#include "upscale/error.h"

/* Write xdmf_path describing h5_path; xdmf_path NULL: h5_path with .xdmf for .h5. */
upscale_err upscale_xdmf_write(const char *h5_path, const char *xdmf_path);

#endif
