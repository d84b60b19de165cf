/* Units: UDUNITS-2 behind a small interface, plus rational exponents.
 *
 * UDUNITS-2 stores integer powers of the base units only, and its parser reads
 * "m^2.5" as "m^2 . 5" (m^2 times 5) without complaint.  Units of rate constants such as
 * "m^2.5 mol^-0.5 s^-1" therefore go through a small evaluator of our own: every power
 * is multiplied by N, the least common denominator of the exponents of both units, so
 * that UDUNITS-2 converts from^N to to^N, and the factor is the N-th root of that.
 * Strings without a fractional exponent go to ut_parse() unchanged.
 *
 * Reading the XML database is most of the cost of reading a case (2.5 M instructions), so
 * the default database is read only when a conversion needs it: a unit string that is one
 * of a small table of units with exact factors (the units the project's cases and
 * parameter files use) converts without it.  tests/unit/test_units.c checks that the table
 * and UDUNITS-2 give bit-identical values and the same statuses for every pair. */
#include "upscale/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <udunits2.h>
#include <unistd.h>

#include "upscale_config.h"

#define UNIT_MAX 256  /* longest unit string we accept */
#define DEN_MAX 12    /* largest denominator of a fractional exponent */
#define POWER_MAX 255 /* UDUNITS-2 keeps powers of base units in [-255, 255] */

struct upscale_units {
    ut_system *sys; /* NULL for the default database: default_sys, read when first needed */
};

/* The default database is read once per process, on first use, and kept: UDUNITS-2 leaves
 * about 6 KB reachable after every ut_free_system, so a reader called 1e5 times (a fuzzer, a
 * long import) would otherwise grow without bound, and the second read costs time for
 * nothing. */
static const char *const default_file = UPSCALE_SOURCE_DIR "/params/units/upscale-units.xml";
static ut_system *default_sys;

/* Units converted without the database: value [text] = value * factor [SI].  dim holds
 * twice the exponents of m, kg, s, A, K, mol (the rate constants have half powers).  Every
 * factor is the one UDUNITS-2 derives from params/units/upscale-units.xml. */
enum { NDIM = 6 };
typedef struct {
    const char *text;
    double factor;
    signed char dim[NDIM];
} known_unit;

#define D(m, kg, s, A, K, mol)                                                                     \
    {                                                                                              \
        2 * (m), 2 * (kg), 2 * (s), 2 * (A), 2 * (K), 2 * (mol)                                    \
    }
static const known_unit known[] = {
    {"1", 1.0, D(0, 0, 0, 0, 0, 0)},
    {"", 1.0, D(0, 0, 0, 0, 0, 0)},
    {"m", 1.0, D(1, 0, 0, 0, 0, 0)},
    {"um", 1e-6, D(1, 0, 0, 0, 0, 0)},
    {"nm", 1e-9, D(1, 0, 0, 0, 0, 0)},
    {"mm", 1e-3, D(1, 0, 0, 0, 0, 0)},
    {"m^3", 1.0, D(3, 0, 0, 0, 0, 0)},
    {"m^-3", 1.0, D(-3, 0, 0, 0, 0, 0)},
    {"kg", 1.0, D(0, 1, 0, 0, 0, 0)},
    {"g", 1e-3, D(0, 1, 0, 0, 0, 0)},
    {"s", 1.0, D(0, 0, 1, 0, 0, 0)},
    {"min", 60.0, D(0, 0, 1, 0, 0, 0)},
    {"h", 3600.0, D(0, 0, 1, 0, 0, 0)},
    {"K", 1.0, D(0, 0, 0, 0, 1, 0)},
    {"V", 1.0, D(2, 1, -3, -1, 0, 0)},
    {"mV", 1e-3, D(2, 1, -3, -1, 0, 0)},
    {"A/m^2", 1.0, D(-2, 0, 0, 1, 0, 0)},
    {"Ah/m^2", 3600.0, D(-2, 0, 1, 1, 0, 0)},
    {"C/m^2", 1.0, D(-2, 0, 1, 1, 0, 0)},
    {"Ohm m^2", 1.0, D(4, 1, -3, -2, 0, 0)},
    {"S/m", 1.0, D(-3, -1, 3, 2, 0, 0)},
    {"S.m-1", 1.0, D(-3, -1, 3, 2, 0, 0)},
    {"mol/m^3", 1.0, D(-3, 0, 0, 0, 0, 1)},
    {"mol.m-3", 1.0, D(-3, 0, 0, 0, 0, 1)},
    {"m^2/s", 1.0, D(2, 0, -1, 0, 0, 0)},
    {"m2.s-1", 1.0, D(2, 0, -1, 0, 0, 0)},
    {"J", 1.0, D(2, 1, -2, 0, 0, 0)},
    {"eV", 1.602176634e-19, D(2, 1, -2, 0, 0, 0)},
    {"eV/K", 1.602176634e-19, D(2, 1, -2, 0, -1, 0)},
    {"J/mol", 1.0, D(2, 1, -2, 0, 0, -1)},
    {"kJ/mol", 1e3, D(2, 1, -2, 0, 0, -1)},
    {"C/mol", 1.0, D(0, 0, 1, 1, 0, -1)},
    {"m^2.5 mol^-0.5 s^-1", 1.0, {5, 0, -2, 0, 0, -1}},
};
#undef D

static const known_unit *find_known(const char *text)
{
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(known[i].text, text) == 0) return &known[i];
    return NULL;
}

const char *upscale_units_known(size_t i)
{
    return i < sizeof(known) / sizeof(known[0]) ? known[i].text : NULL;
}

int upscale_units_database_read(void)
{
    return default_sys != NULL;
}

static const char *udunits_status_text(ut_status s)
{
    switch (s) {
    case UT_OPEN_ARG:
        return "cannot open the file";
    case UT_PARSE:
        return "malformed XML or unit definition";
    case UT_OS:
        return strerror(errno);
    default:
        return "UDUNITS-2 error";
    }
}

upscale_err upscale_units_create(const char *path, upscale_units **u)
{
    const char *file = path ? path : default_file;
    UPSCALE_CHECK(u != NULL, UPSCALE_ERR_INTERNAL, "upscale_units_create: NULL handle");
    *u = NULL;
    upscale_units *w = calloc(1, sizeof(*w));
    UPSCALE_ALLOC_CHECK(w);

    /* UDUNITS-2 prints its errors to stderr; as for GSL and HDF5 (src/io/error.c) its
     * messages are switched off once and its statuses translated here instead. */
    ut_set_error_message_handler(ut_ignore);
    ut_status status = UT_OPEN_ARG;
    int ok;
    if (path) {
        w->sys = ut_read_xml(file);
        status = ut_get_status();
        ok = w->sys != NULL;
    } else {
        /* read when first needed; a missing database still fails here */
        errno = 0;
        ok = default_sys || access(file, R_OK) == 0;
        if (!ok && errno != ENOENT) status = UT_OS;
    }
    if (!ok) {
        free(w);
        return upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                 "%s: cannot load the unit database: %s", file,
                                 udunits_status_text(status));
    }
    *u = w;
    return UPSCALE_OK;
}

void upscale_units_destroy(upscale_units **u)
{
    if (!u || !*u) return;
    ut_free_system((*u)->sys);
    free(*u);
    *u = NULL;
}

/* The handle's unit system; the default one is read on the first call.  NULL if it cannot
 * be read (upscale_units_create checked that the file is there). */
static const ut_system *unit_system(const upscale_units *u)
{
    if (u->sys) return u->sys;
    if (!default_sys) default_sys = ut_read_xml(default_file);
    return default_sys;
}

/* ---- rational exponents ------------------------------------------------------------ */

static long gcd_l(long a, long b)
{
    if (a < 0) a = -a;
    if (b < 0) b = -b;
    while (b) {
        long t = a % b;
        a = b;
        b = t;
    }
    return a ? a : 1;
}

typedef struct {
    long num, den; /* den > 0, reduced */
} rational;

static rational rat_make(long num, long den)
{
    if (den < 0) num = -num, den = -den;
    long g = gcd_l(num, den);
    return (rational){num / g, den / g};
}

static rational rat_mul(rational a, rational b)
{
    return rat_make(a.num * b.num, a.den * b.den);
}

/* Evaluator state.  With n == 0 it only collects the common denominator of the
 * exponents (lcm); with n > 0 it builds unit^n in `unit` and the numeric factors
 * (to the first power) in `coef`. */
typedef struct {
    const ut_system *sys;
    const char *s;
    long n, lcm;
    ut_unit *unit;
    double coef;
    int bad;
} evaluator;

static int is_ident_byte(unsigned char c)
{
    return isalpha(c) || c == '_' || c == '%' || c == '\'' || c == '"' || c >= 0x80;
}

static int is_middle_dot(const char *s)
{
    return (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xB7;
}

/* Exponent after '^' or '**': an integer, a decimal ("2.5", "-0.5") or "(p/q)". */
static int read_exponent(const char **sp, rational *e)
{
    const char *s = *sp;
    char *end;
    if (*s == '(') {
        long p = strtol(s + 1, &end, 10);
        if (end == s + 1 || *end != '/') return -1;
        s = end + 1;
        long q = strtol(s, &end, 10);
        if (end == s || *end != ')' || q == 0) return -1;
        if (labs(p) > POWER_MAX || labs(q) > POWER_MAX) return -1;
        *e = rat_make(p, q);
        *sp = end + 1;
        return 0;
    }
    /* [+-]digits[.digits]: a '.' not followed by a digit separates the next factor */
    const char *t = s + (*s == '-' || *s == '+');
    if (!isdigit((unsigned char)*t)) return -1;
    while (isdigit((unsigned char)*t))
        t++;
    if (*t == '.' && isdigit((unsigned char)t[1])) {
        t++;
        while (isdigit((unsigned char)*t))
            t++;
    }
    char num[32];
    size_t len = (size_t)(t - s);
    if (len >= sizeof(num)) return -1;
    memcpy(num, s, len);
    num[len] = '\0';
    double x = strtod(num, NULL);
    if (fabs(x) > POWER_MAX) return -1;
    for (long q = 1; q <= DEN_MAX; q++) {
        double p = x * (double)q;
        if (fabs(p - round(p)) < 1e-9 * fmax(1.0, fabs(p))) {
            *e = rat_make(lround(p), q);
            *sp = t;
            return 0;
        }
    }
    return -1;
}

/* An integer exponent written straight after an identifier: "m2", "s-1". */
static int read_attached_exponent(const char **sp, rational *e)
{
    const char *s = *sp;
    if (!(isdigit((unsigned char)s[0]) ||
          ((s[0] == '-' || s[0] == '+') && isdigit((unsigned char)s[1]))))
        return 0;
    char *end;
    long p = strtol(s, &end, 10);
    /* Beyond UDUNITS-2's powers the unit is bad; clamping keeps the arithmetic in range (a
     * 20-digit exponent overflowed num * n, found by fuzz_table_csv). */
    if (labs(p) > POWER_MAX) p = p > 0 ? POWER_MAX + 1 : -(POWER_MAX + 1);
    *e = rat_make(p, 1);
    *sp = end;
    return 1;
}

static void eval_multiply(evaluator *ev, ut_unit *base, rational e)
{
    if (ev->n == 0) {
        ev->lcm = ev->lcm / gcd_l(ev->lcm, e.den) * e.den;
        if (ev->lcm > POWER_MAX) ev->bad = 1;
        return;
    }
    long k = e.num * ev->n;
    if (k % e.den != 0 || labs(k / e.den) > POWER_MAX) {
        ev->bad = 1;
        return;
    }
    ut_unit *raised = ut_raise(base, (int)(k / e.den));
    ut_unit *prod = raised ? ut_multiply(ev->unit, raised) : NULL;
    ut_free(raised);
    if (!prod) {
        ev->bad = 1;
        return;
    }
    ut_free(ev->unit);
    ev->unit = prod;
}

static void eval_product(evaluator *ev, rational mult, char close);

/* One power: identifier, number or parenthesised product, with its exponent. */
static void eval_power(evaluator *ev, rational mult)
{
    const char *s = ev->s;
    rational e = {1, 1};
    if (*s == '(') {
        /* find the matching parenthesis to read the exponent that follows it */
        int depth = 0;
        const char *t = s;
        for (; *t; t++) {
            if (*t == '(') depth++;
            if (*t == ')' && --depth == 0) break;
        }
        if (!*t) {
            ev->bad = 1;
            return;
        }
        const char *after = t + 1;
        if (*after == '^' || (after[0] == '*' && after[1] == '*')) {
            after += *after == '^' ? 1 : 2;
            if (read_exponent(&after, &e)) {
                ev->bad = 1;
                return;
            }
        }
        rational inner = rat_mul(mult, e);
        if (labs(inner.num) > POWER_MAX || inner.den > POWER_MAX) {
            ev->bad = 1;
            return;
        }
        ev->s = s + 1;
        eval_product(ev, inner, ')');
        if (ev->bad) return;
        ev->s = after;
        return;
    }
    if (isdigit((unsigned char)*s) || (*s == '.' && isdigit((unsigned char)s[1]))) {
        char *end;
        double c = strtod(s, &end);
        s = end;
        if (*s == '^' || (s[0] == '*' && s[1] == '*')) {
            s += *s == '^' ? 1 : 2;
            if (read_exponent(&s, &e)) {
                ev->bad = 1;
                return;
            }
        }
        rational r = rat_mul(mult, e);
        if (c <= 0 && r.den != 1) ev->bad = 1;
        ev->coef *= pow(c, (double)r.num / (double)r.den);
        ev->s = s;
        return;
    }
    const char *id = s;
    while (*s && is_ident_byte((unsigned char)*s) && !is_middle_dot(s))
        s++;
    size_t len = (size_t)(s - id);
    if (len == 0 || len >= UNIT_MAX) {
        ev->bad = 1;
        return;
    }
    if (*s == '^' || (s[0] == '*' && s[1] == '*')) {
        s += *s == '^' ? 1 : 2;
        if (read_exponent(&s, &e)) {
            ev->bad = 1;
            return;
        }
    } else {
        read_attached_exponent(&s, &e);
    }
    ev->s = s;
    char name[UNIT_MAX];
    memcpy(name, id, len);
    name[len] = '\0';
    ut_unit *base = ut_parse(ev->sys, name, UT_UTF8);
    if (!base) {
        ev->bad = 1;
        return;
    }
    eval_multiply(ev, base, rat_mul(mult, e));
    ut_free(base);
}

/* product := power { [' ' | '.' | '*' | middle dot | '/'] power }, left to right as
 * in UDUNITS-2: "a/b c" is (a/b) c. */
static void eval_product(evaluator *ev, rational mult, char close)
{
    int first = 1;
    while (!ev->bad) {
        int divide = 0, sep = 0;
        for (;;) {
            const char *s = ev->s;
            if (*s == ' ' || *s == '\t' || *s == '*' ||
                (*s == '.' && !isdigit((unsigned char)s[1])))
                ev->s++, sep = 1;
            else if (is_middle_dot(s))
                ev->s += 2, sep = 1;
            else if (*s == '/')
                ev->s++, divide++, sep = 1;
            else
                break;
        }
        if (*ev->s == close) {
            if (close) ev->s++;
            if (divide || first) ev->bad = 1;
            return;
        }
        if (!*ev->s || divide > 1 || (!first && !sep && *ev->s != '(')) {
            ev->bad = 1;
            return;
        }
        eval_power(ev, divide ? rat_mul(mult, (rational){-1, 1}) : mult);
        first = 0;
    }
}

/* Does the unit text use a fractional exponent ("^2.5", "^(1/2)", "**0.5")? */
static int has_fractional_exponent(const char *s)
{
    for (; *s; s++) {
        if (*s != '^' && !(s[0] == '*' && s[1] == '*')) continue;
        const char *t = s + (*s == '^' ? 1 : 2);
        if (*t == '(') return 1;
        if (*t == '-' || *t == '+') t++;
        while (isdigit((unsigned char)*t))
            t++;
        if (*t == '.' && isdigit((unsigned char)t[1])) return 1;
    }
    return 0;
}

/* Run the evaluator on text (trimmed, non-empty) with power n (0: collect lcm). */
static int evaluate(const ut_system *sys, const char *text, long n, evaluator *ev)
{
    *ev = (evaluator){.sys = sys, .s = text, .n = n, .lcm = 1, .coef = 1.0};
    if (n > 0) ev->unit = ut_get_dimensionless_unit_one(sys);
    if (*text) eval_product(ev, (rational){1, 1}, '\0');
    if (ev->bad) {
        ut_free(ev->unit);
        ev->unit = NULL;
        return -1;
    }
    return 0;
}

static upscale_units_status convert_fractional(const ut_system *sys, double value, const char *from,
                                               const char *to, double *out)
{
    evaluator a, b;
    if (evaluate(sys, from, 0, &a)) return UPSCALE_UNITS_UNPARSABLE;
    if (evaluate(sys, to, 0, &b)) return UPSCALE_UNITS_INCOMPATIBLE;
    long n = a.lcm / gcd_l(a.lcm, b.lcm) * b.lcm;
    if (evaluate(sys, from, n, &a)) return UPSCALE_UNITS_UNPARSABLE;
    if (evaluate(sys, to, n, &b)) {
        ut_free(a.unit);
        return UPSCALE_UNITS_INCOMPATIBLE;
    }

    upscale_units_status status = UPSCALE_UNITS_INCOMPATIBLE;
    cv_converter *cv = ut_are_convertible(a.unit, b.unit) ? ut_get_converter(a.unit, b.unit) : NULL;
    if (cv) {
        /* from^n = f^n to^n: the n-th root of the converted 1 is the factor f */
        double fn = cv_convert_double(cv, 1.0);
        if (fn > 0) {
            *out = value * a.coef / b.coef * pow(fn, 1.0 / (double)n);
            status = UPSCALE_UNITS_OK;
        }
        cv_free(cv);
    }
    ut_free(a.unit);
    ut_free(b.unit);
    return status;
}

/* ---- public ------------------------------------------------------------------------ */

/* Copy text without surrounding white space; -1 if it does not fit. */
static int copy_trimmed(const char *text, char *buf, size_t size)
{
    while (isspace((unsigned char)*text))
        text++;
    size_t len = strlen(text);
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        len--;
    if (len >= size) return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    return 0;
}

upscale_units_status upscale_units_convert(const upscale_units *u, double value, const char *from,
                                           const char *to, double *out)
{
    char f[UNIT_MAX], t[UNIT_MAX];
    if (!from || copy_trimmed(from, f, sizeof(f))) return UPSCALE_UNITS_UNPARSABLE;
    if (!to || copy_trimmed(to, t, sizeof(t))) return UPSCALE_UNITS_INCOMPATIBLE;
    const known_unit *a = u->sys ? NULL : find_known(f), *b = a ? find_known(t) : NULL;
    if (b) {
        /* value [f] = value * (factor_f * (1 / factor_t)) [t], one scale as UDUNITS-2 combines
         * the two (nm -> nm is 0.99999999999999989 there).  Reciprocal dimensions (m^3 and
         * m^-3) are convertible in UDUNITS-2, by 1/x: left to it. */
        int same = 1, reciprocal = 1;
        for (int k = 0; k < NDIM; k++) {
            same = same && a->dim[k] == b->dim[k];
            reciprocal = reciprocal && a->dim[k] == -b->dim[k];
        }
        if (same) {
            *out = value * (a->factor * (1.0 / b->factor));
            return UPSCALE_UNITS_OK;
        }
        if (!reciprocal) return UPSCALE_UNITS_INCOMPATIBLE;
    }
    const ut_system *sys = unit_system(u);
    if (!sys) return UPSCALE_UNITS_UNPARSABLE;
    if (has_fractional_exponent(f) || has_fractional_exponent(t))
        return convert_fractional(sys, value, f, t, out);

    ut_unit *uf = ut_parse(sys, f, UT_UTF8);
    if (!uf) return UPSCALE_UNITS_UNPARSABLE;
    ut_unit *ut = ut_parse(sys, t, UT_UTF8);
    upscale_units_status status = UPSCALE_UNITS_INCOMPATIBLE;
    cv_converter *cv = ut && ut_are_convertible(uf, ut) ? ut_get_converter(uf, ut) : NULL;
    if (cv) {
        *out = cv_convert_double(cv, value);
        status = UPSCALE_UNITS_OK;
        cv_free(cv);
    }
    ut_free(uf);
    ut_free(ut);
    return status;
}

int upscale_units_split(const char *text, double *value, char *unit, size_t unit_size)
{
    const char *s = text;
    while (isspace((unsigned char)*s))
        s++;
    /* strtod also reads hexadecimal, "inf" and "nan": none is a quantity here */
    const char *digits = s + (*s == '+' || *s == '-');
    if (!(isdigit((unsigned char)*digits) || (*digits == '.' && isdigit((unsigned char)digits[1]))))
        return -1;
    if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) return -1;
    char *end;
    double x = strtod(s, &end);
    if (end == s || !isfinite(x)) return -1;
    if (copy_trimmed(end, unit, unit_size)) return -1;
    *value = x;
    return 0;
}
