/* Writing YAML by hand (the material files of the bridge): double-quoted scalars and
 * "key: number unit" lines, NaN written as YAML's .nan. */
#ifndef UPSCALE_YAML_OUT_H
#define UPSCALE_YAML_OUT_H

#include <stdio.h>

/* s as a double-quoted YAML scalar (", \ and control characters escaped). */
void upscale_yaml_out_quote(FILE *f, const char *s);
/* "KEY: V UNIT" (UNIT may be NULL) at an indent, V with `digits` significant digits, or
 * "KEY: .nan" when V is not finite. */
void upscale_yaml_out_number(FILE *f, int indent, const char *key, double v, const char *unit,
                             int digits);

#endif
