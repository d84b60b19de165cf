/* Parameters: YAML files (libyaml) flattened to dotted keys, overridden from the command
 * line, read through typed getters that convert units once (SI inside the code), check
 * ranges, and remember which keys were used so that unknown keys are reported.
 *
 * File model.  A YAML mapping nests: `negative: {thickness: 100 um}` is the key
 * `negative.thickness` with raw text "100 um".  A sequence gives numbered keys:
 * `protocol: [{step: rest}]` is `protocol.0.step`.  The special key `include` (a path or
 * a list of paths, relative to the including file) loads other files first, so a case can
 * say `include: ../../params/doyle1996.yaml`; later definitions replace earlier ones (a
 * mapping merges key by key, a scalar or a sequence replaces everything below its key, so
 * a case's protocol list replaces the included one).  A key defined twice in one file is
 * an error.  Every entry remembers its file and line (1-based) for messages.
 *
 * Error messages (UPSCALE_ERR_INPUT) have exactly one line:
 *     FILE:LINE: KEY: what was expected
 * e.g. "cases/x.yaml:12: positive.thickness: expected a length (unit convertible to m), got
 * unit 'kg'".
 * Values set from the command line report "command line" as the file and 0 as the line
 * ("command line: positive.thickness: ..."), missing keys report the top-level file. */
#ifndef UPSCALE_PARAMS_H
#define UPSCALE_PARAMS_H

#include <stddef.h>

#include "upscale/error.h"
#include "upscale/units.h"

typedef struct upscale_params upscale_params;

/* Range flags for upscale_params_get_quantity: which bounds are exclusive. */
enum {
    UPSCALE_RANGE_CLOSED = 0,
    UPSCALE_RANGE_LO_OPEN = 1, /* value > lo instead of >= lo */
    UPSCALE_RANGE_HI_OPEN = 2, /* value < hi instead of <= hi */
};

upscale_err upscale_params_create(upscale_params **p);
void upscale_params_destroy(upscale_params **p);

/* Load a YAML file (and its includes).  Malformed YAML -> file:line: error. */
upscale_err upscale_params_load(upscale_params *p, const char *path);
/* Apply "key=value" from the command line (value replaces or adds the key). */
upscale_err upscale_params_set(upscale_params *p, const char *assignment);

/* Quantity with unit.  `unit` is the SI unit the caller wants ("m", "mol/m^3", "1" for
 * dimensionless; a dimensionless value may then be written without a unit).  For
 * dimensional quantities a missing unit is an error.  Must be finite and inside [lo, hi]
 * (flags make bounds exclusive; pass -INFINITY/INFINITY for none).  `what` names the
 * quantity for messages ("a length").  Missing key: error. */
upscale_err upscale_params_get_quantity(upscale_params *p, const char *key, const char *unit,
                                        const char *what, double lo, double hi, int flags,
                                        double *value);
/* Same, but a missing key gives `def` (already in SI) and records it as a default. */
upscale_err upscale_params_get_quantity_or(upscale_params *p, const char *key, const char *unit,
                                           const char *what, double lo, double hi, int flags,
                                           double def, double *value);
/* Integer (no unit) in [lo, hi]; _or gives def when missing. */
upscale_err upscale_params_get_int(upscale_params *p, const char *key, long lo, long hi,
                                   long *value);
upscale_err upscale_params_get_int_or(upscale_params *p, const char *key, long lo, long hi,
                                      long def, long *value);
/* Raw string; `def` NULL means required.  The pointer lives as long as p. */
upscale_err upscale_params_get_string(upscale_params *p, const char *key, const char *def,
                                      const char **value);
/* One of `choices` (NULL-terminated); *index is its position. def NULL: required. */
upscale_err upscale_params_get_choice(upscale_params *p, const char *key,
                                      const char *const *choices, const char *def, int *index);
/* Resolve a path value (the text after `keyword`, e.g. "table", if not NULL) relative to the
 * directory of the file that defined the key. out gets an absolute or cwd-relative path. Missing
 * file -> file:line: key: error. */
upscale_err upscale_params_get_path(upscale_params *p, const char *key, const char *keyword,
                                    char *out, size_t size);

/* Does the key exist?  Does any key start with "prefix."? (does not mark them used) */
int upscale_params_has(const upscale_params *p, const char *key);
int upscale_params_has_prefix(const upscale_params *p, const char *prefix);

/* Which of two alternative keys was given later?  +1 if a was defined by a later load
 * (file or --set) than b, -1 if b was, 0 if both come from the same load or one is
 * missing.  Lets a command-line "c_rate" replace a case's "current". */
int upscale_params_compare_age(const upscale_params *p, const char *a, const char *b);
/* Mark a key as consumed (an alternative that a later definition replaced). */
void upscale_params_mark_used(upscale_params *p, const char *key);

/* Format "FILE:LINE: KEY: " + message as an input error about an existing key
 * (or "FILE: KEY: " when the key is missing).  Returns UPSCALE_ERR_INPUT. */
upscale_err upscale_params_error(const upscale_params *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* After reading: every key not consumed by a getter is an unknown key -> error naming the
 * first one in file order ("FILE:LINE: KEY: unknown key"). */
upscale_err upscale_params_check_unused(const upscale_params *p);

/* Iterate over all entries (for writing them to output).  si_value is NAN and si_unit ""
 * for entries not read as quantities. */
typedef struct {
    const char *key, *text, *file;
    int line;
    double si_value;
    const char *si_unit;
    int used, is_default;
} upscale_params_entry;
size_t upscale_params_count(const upscale_params *p);
void upscale_params_get_entry(const upscale_params *p, size_t i, upscale_params_entry *e);

/* The units system the params object uses (for tables that carry their own units). */
const upscale_units *upscale_params_units(const upscale_params *p);
/* The top-level file name (first file loaded; "" if none). */
const char *upscale_params_file(const upscale_params *p);

#endif
