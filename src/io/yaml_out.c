/* Hand-written YAML output (include/upscale/yaml_out.h). */
#include "upscale/yaml_out.h"

#include <math.h>

void upscale_yaml_out_quote(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void upscale_yaml_out_number(FILE *f, int indent, const char *key, double v, const char *unit,
                             int digits)
{
    fprintf(f, "%*s%s: ", indent, "", key);
    if (isfinite(v))
        fprintf(f, "%.*g%s%s\n", digits, v, unit ? " " : "", unit ? unit : "");
    else
        fprintf(f, ".nan\n");
}
