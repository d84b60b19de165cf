/* Units: parse a unit string with UDUNITS-2 and convert a value to a target unit.
 *
 * The unit database is a trimmed UDUNITS-2 XML file shipped in params/units/ (SI base
 * and derived units, prefixes, and the units battery modellers use: h, min, Ah, mAh,
 * eV, g, L, M = mol/L, Angstrom, ...).  Loading the full system database costs ~4 ms,
 * a quarter of the start-up budget of a run; the trimmed one loads in a fraction of that,
 * and only when needed: the default database is read on the first conversion that a small
 * table of exactly known units (upscale_units_known) cannot do.  Conversions are resolved
 * once, at parameter-reading time; nothing here is called in the solver loop. */
#ifndef UPSCALE_UNITS_H
#define UPSCALE_UNITS_H

#include <stddef.h>

#include "upscale/error.h"

typedef struct upscale_units upscale_units;

typedef enum {
    UPSCALE_UNITS_OK = 0,
    UPSCALE_UNITS_UNPARSABLE = 1,   /* `from` is not a unit UDUNITS-2 understands */
    UPSCALE_UNITS_INCOMPATIBLE = 2, /* dimensions of `from` and `to` differ */
} upscale_units_status;

/* Load the unit database (path NULL: the project's params/units/upscale-units.xml, read once
 * per process, on the first conversion that needs it, and shared by every handle; create
 * checks that it is there). */
upscale_err upscale_units_create(const char *path, upscale_units **u);
void upscale_units_destroy(upscale_units **u);

/* *out = value expressed in unit `from`, converted to unit `to`.  `from` may be "" or
 * "1" for dimensionless.  Affine conversions (degC -> K) are honoured.  Fractional
 * exponents ("m^2.5 mol^-0.5 s^-1", "m^(5/2)") are supported; UDUNITS-2 alone would read
 * "m^2.5" as 5 m^2.  An unparsable `to` (a bug of the caller) gives INCOMPATIBLE.
 * Returns a status, never sets the error state: callers phrase the message (they know
 * file, line, key).  Not thread-safe: the UDUNITS-2 parser has global state. */
upscale_units_status upscale_units_convert(const upscale_units *u, double value, const char *from,
                                           const char *to, double *out);

/* Split "2.5 um" or "2.5um" or "1e-3 Ohm m^2" into number and unit text (trimmed).
 * Returns 0 on success, -1 if no finite decimal number leads the string or the unit text
 * does not fit in unit_size.  unit may be "". */
int upscale_units_split(const char *text, double *value, char *unit, size_t unit_size);

/* The i-th unit string the default handle converts without reading the database (exact
 * factors, the same values as UDUNITS-2), NULL past the end.  For tests. */
const char *upscale_units_known(size_t i);

/* 1 once the default database has been read in this process.  For tests. */
int upscale_units_database_read(void);

#endif
