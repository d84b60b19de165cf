/* upscale_function: constant, registered formula or table, chosen by the parameter text. */
#include "upscale/function.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "upscale/table.h"

enum kind { KIND_CONSTANT, KIND_FORMULA, KIND_TABLE, KIND_CALLBACK };

struct upscale_function {
    enum kind kind;
    double value;
    const upscale_formula *formula;
    upscale_table *table;
    upscale_function_callback_fn callback;
    const void *ctx;
};

upscale_err upscale_function_callback(upscale_function_callback_fn fn, const void *ctx,
                                      upscale_function **f)
{
    upscale_function *g = calloc(1, sizeof(*g));
    UPSCALE_ALLOC_CHECK(g);
    g->kind = KIND_CALLBACK;
    g->callback = fn;
    g->ctx = ctx;
    *f = g;
    return UPSCALE_OK;
}

upscale_err upscale_function_constant(double value, upscale_function **f)
{
    upscale_function *g = calloc(1, sizeof(*g));
    UPSCALE_ALLOC_CHECK(g);
    g->kind = KIND_CONSTANT;
    g->value = value;
    *f = g;
    return UPSCALE_OK;
}

static int starts_with(const char *s, const char *word)
{
    size_t n = strlen(word);
    return strncmp(s, word, n) == 0 && (s[n] == ' ' || s[n] == '\t');
}

static const char *skip_word(const char *s)
{
    while (*s && *s != ' ' && *s != '\t')
        s++;
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Are two unit strings the same unit (1 of `a` is 1 of `b`)? */
static int same_unit(const upscale_units *u, const char *a, const char *b)
{
    double v;
    return upscale_units_convert(u, 1.0, a, b, &v) == UPSCALE_UNITS_OK && fabs(v - 1) < 1e-12;
}

upscale_err upscale_function_from_params(upscale_params *p, const char *key, const char *x_unit,
                                         const char *y_unit, const char *what, double lo, double hi,
                                         int flags, upscale_function **f)
{
    const char *text;
    UPSCALE_CALL(upscale_params_get_string(p, key, NULL, &text));
    while (*text == ' ')
        text++;
    upscale_function *g = calloc(1, sizeof(*g));
    UPSCALE_ALLOC_CHECK(g);
    if (starts_with(text, "formula")) {
        const char *name = skip_word(text);
        g->kind = KIND_FORMULA;
        g->formula = upscale_formula_find(name);
        if (!g->formula) {
            free(g);
            return upscale_params_error(p, key, "no formula named '%s' in the registry", name);
        }
        const upscale_formula *fm = g->formula;
        if (!same_unit(upscale_params_units(p), fm->x_unit, x_unit) ||
            !same_unit(upscale_params_units(p), fm->y_unit, y_unit)) {
            free(g);
            return upscale_params_error(p, key,
                                        "formula '%s' maps [%s] -> [%s], expected %s [%s] -> [%s]",
                                        name, fm->x_unit, fm->y_unit, what, x_unit, y_unit);
        }
    } else if (starts_with(text, "table")) {
        char path[4096];
        g->kind = KIND_TABLE;
        upscale_err e = upscale_params_get_path(p, key, "table", path, sizeof(path));
        if (e == UPSCALE_OK)
            e = upscale_table_read(upscale_params_units(p), path, x_unit, y_unit, &g->table);
        if (e != UPSCALE_OK) {
            free(g);
            if (strstr(upscale_error_message(), key)) return e;
            return upscale_params_error(p, key, "%s", upscale_error_message());
        }
        double ymin, ymax;
        upscale_table_range(g->table, &ymin, &ymax);
        int lo_ok = (flags & UPSCALE_RANGE_LO_OPEN) ? ymin > lo : ymin >= lo;
        int hi_ok = (flags & UPSCALE_RANGE_HI_OPEN) ? ymax < hi : ymax <= hi;
        if (!lo_ok || !hi_ok) {
            upscale_table_destroy(&g->table);
            free(g);
            return upscale_params_error(p, key,
                                        "table '%s' has values from %g to %g [%s], "
                                        "expected %s in %s%g, %g%s",
                                        path, ymin, ymax, y_unit, what,
                                        (flags & UPSCALE_RANGE_LO_OPEN) ? "(" : "[", lo, hi,
                                        (flags & UPSCALE_RANGE_HI_OPEN) ? ")" : "]");
        }
    } else {
        g->kind = KIND_CONSTANT;
        upscale_err e = upscale_params_get_quantity(p, key, y_unit, what, lo, hi, flags, &g->value);
        if (e != UPSCALE_OK) {
            free(g);
            return upscale_error_trace(e, __FILE__, __LINE__, __func__);
        }
    }
    *f = g;
    return UPSCALE_OK;
}

void upscale_function_destroy(upscale_function **f)
{
    if (!f || !*f) return;
    upscale_table_destroy(&(*f)->table);
    free(*f);
    *f = NULL;
}

const upscale_table *upscale_function_table(const upscale_function *f)
{
    return f->kind == KIND_TABLE ? f->table : NULL;
}

double upscale_function_eval(const upscale_function *f, double x, double *dydx)
{
    double d = 0, y;
    switch (f->kind) {
    case KIND_FORMULA:
        y = f->formula->fn(x, &d);
        break;
    case KIND_TABLE:
        y = upscale_table_eval(f->table, x, &d);
        break;
    case KIND_CALLBACK:
        y = f->callback(x, f->ctx, &d);
        break;
    default:
        y = f->value;
    }
    if (dydx) *dydx = d;
    return y;
}
