/* Sweep files: reading, expanding into points, checking every point (upscale/sweep.h).
 *
 * The params module flattens the file: `grid: {positive.thickness: [40 um, 68 um]}` is the
 * entries grid.positive.thickness.0 = "40 um" and grid.positive.thickness.1 = "68 um" (the
 * same as a nested `grid: {positive: {thickness: [...]}}`); a single value
 * (grid.positive.thickness = "40 um") is a one-value axis.  An empty sequence leaves no
 * entry at all, so a short libyaml pass over the file finds `[]` and `{}` first. */
#include "upscale/sweep.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "upscale/file.h"
#include "upscale/params.h"

#define POINTS_MAX 1000000

/* One override: "key=text", from line `line` of the sweep file. */
typedef struct {
    char *key, *text, *assign;
    int line;
} override;

/* A grid axis: one key, its values (indices into the override table). */
typedef struct {
    char *key;
    int *ov, n;
} axis;

struct upscale_sweep {
    char *file, *base_text, *name;
    char base[4096];
    int outputs;
    override *ov; /* every override the file defines */
    int nov, cap_ov;
    int *set, nset; /* the `set` overrides */
    axis *axes;     /* grid */
    int naxes;
    int **list, *nlist_ov, nlist; /* list entries: override indices */
    char **keys;                  /* swept keys (grid and list), order of appearance */
    int nkeys;
    int npoints;
    int *point_ov, *point_nov; /* per point: start and count in point_ov_all */
    int *point_ov_all;
    const char **assign; /* per point: set + own assignments (start at point_start) */
    int *assign_start;
    char *definition;
    char hash[17];
    double *si;                 /* npoints x nkeys */
    char **si_unit;             /* nkeys */
    upscale_params *first_read; /* point 0 as read by validate */
};

static const char *const TOP_KEYS = "base, name, description, set, grid, list, outputs";

/* ---- small helpers ---------------------------------------------------------------- */

static int add_override(upscale_sweep *s, const char *key, const char *text, int line)
{
    if (s->nov == s->cap_ov) {
        int cap = s->cap_ov ? 2 * s->cap_ov : 32;
        override *grown = realloc(s->ov, cap * sizeof(*grown));
        if (!grown) return -1;
        s->ov = grown;
        s->cap_ov = cap;
    }
    override *o = &s->ov[s->nov];
    size_t n = strlen(key) + strlen(text) + 2;
    o->key = strdup(key);
    o->text = strdup(text);
    o->assign = malloc(n);
    o->line = line;
    if (!o->key || !o->text || !o->assign) {
        free(o->key);
        free(o->text);
        free(o->assign);
        return -1;
    }
    snprintf(o->assign, n, "%s=%s", key, text);
    return s->nov++;
}

static int push_int(int **a, int *n, int v)
{
    int *grown = realloc(*a, (*n + 1) * sizeof(int));
    if (!grown) return -1;
    grown[(*n)++] = v;
    *a = grown;
    return 0;
}

static int key_index(const upscale_sweep *s, const char *key)
{
    for (int k = 0; k < s->nkeys; k++)
        if (!strcmp(s->keys[k], key)) return k;
    return -1;
}

static upscale_err add_key(upscale_sweep *s, const char *key)
{
    if (key_index(s, key) >= 0) return UPSCALE_OK;
    char **grown = realloc(s->keys, (s->nkeys + 1) * sizeof(char *));
    UPSCALE_ALLOC_CHECK(grown);
    s->keys = grown;
    UPSCALE_ALLOC_CHECK(s->keys[s->nkeys] = strdup(key));
    s->nkeys++;
    return UPSCALE_OK;
}

/* Is the last dotted component of key a non-negative integer?  Then *len is the length of
 * what precedes ".N" and *index is N. */
static int numbered(const char *key, size_t *len, long *index)
{
    const char *dot = strrchr(key, '.');
    const char *digits = dot ? dot + 1 : key;
    if (!*digits) return 0;
    for (const char *c = digits; *c; c++)
        if (!isdigit((unsigned char)*c)) return 0;
    *len = dot ? (size_t)(dot - key) : 0;
    *index = strtol(digits, NULL, 10);
    return 1;
}

static uint64_t fnv1a(const char *text)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        h ^= *c;
        h *= 1099511628211ULL;
    }
    return h;
}

/* ---- empty ranges ------------------------------------------------------------------- */

/* Walk the YAML node starting with ev (consumed) under key; report the first empty
 * sequence or mapping below grid, list or set. */
static upscale_err scan_node(yaml_parser_t *y, yaml_event_t *ev, const char *file, char *key,
                             size_t size, int depth)
{
    yaml_event_type_t type = ev->type;
    int line = (int)ev->start_mark.line + 1;
    yaml_event_delete(ev);
    if (type != YAML_SEQUENCE_START_EVENT && type != YAML_MAPPING_START_EVENT) return UPSCALE_OK;
    UPSCALE_CHECK(depth < 64, UPSCALE_ERR_INPUT, "%s:%d: nesting too deep", file, line);
    int sequence = type == YAML_SEQUENCE_START_EVENT;
    size_t len = strlen(key);
    for (long index = 0;; index++) {
        yaml_event_t child;
        if (!yaml_parser_parse(y, &child)) return UPSCALE_OK; /* params reports it */
        /* past the end of the stream libyaml returns empty events forever */
        if (child.type == YAML_NO_EVENT || child.type == YAML_STREAM_END_EVENT ||
            child.type == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&child);
            return UPSCALE_OK;
        }
        if (child.type == YAML_SEQUENCE_END_EVENT || child.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&child);
            int swept = !strncmp(key, "grid", 4) || !strncmp(key, "list", 4);
            UPSCALE_CHECK(index > 0 || !swept || len == 0, UPSCALE_ERR_INPUT,
                          "%s:%d: %s: empty %s (expected at least one value)", file, line, key,
                          strncmp(key, "list", 4) ? "range" : "list");
            return UPSCALE_OK;
        }
        if (sequence) {
            /* a grid axis is a list of single values; a point or set entry is one value */
            int nested = child.type == YAML_SEQUENCE_START_EVENT && !strncmp(key, "grid.", 5);
            int listed = child.type == YAML_SCALAR_EVENT &&
                         (!strncmp(key, "list.", 5) || !strncmp(key, "set.", 4));
            if (nested || listed) yaml_event_delete(&child);
            UPSCALE_CHECK(!nested, UPSCALE_ERR_INPUT,
                          "%s:%d: %s: value %ld is itself a list; expected a list of single "
                          "values, e.g. [150 um, 200 um]",
                          file, line, key, index);
            UPSCALE_CHECK(!listed, UPSCALE_ERR_INPUT,
                          "%s:%d: %s: expected a single value, got a list (values to sweep over "
                          "belong in grid:)",
                          file, line, key);
            snprintf(key + len, size - len, "%s%ld", len ? "." : "", index);
        } else {
            const char *name =
                child.type == YAML_SCALAR_EVENT ? (char *)child.data.scalar.value : "?";
            snprintf(key + len, size - len, "%s%s", len ? "." : "", name);
            yaml_event_delete(&child);
            if (!yaml_parser_parse(y, &child)) return UPSCALE_OK;
            if (child.type == YAML_NO_EVENT) return UPSCALE_OK;
        }
        upscale_err e = scan_node(y, &child, file, key, size, depth + 1);
        key[len] = '\0';
        UPSCALE_CALL(e);
    }
}

static upscale_err scan_empty(const char *path)
{
    FILE *fp;
    if (upscale_file_open_input(path, UPSCALE_ERR_INPUT, &fp)) {
        upscale_error_clear();
        return UPSCALE_OK; /* params reports it */
    }
    yaml_parser_t y;
    if (!yaml_parser_initialize(&y)) {
        fclose(fp);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    yaml_parser_set_input_file(&y, fp);
    upscale_err e = UPSCALE_OK;
    char key[1024] = "";
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&y, &ev)) break;
        yaml_event_type_t type = ev.type;
        if (type == YAML_MAPPING_START_EVENT || type == YAML_SEQUENCE_START_EVENT) {
            e = scan_node(&y, &ev, path, key, sizeof(key), 0);
            break;
        }
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT) break;
    }
    yaml_parser_delete(&y);
    fclose(fp);
    return e;
}

/* ---- reading ------------------------------------------------------------------------ */

static upscale_err read_entries(upscale_sweep *s, upscale_params *p)
{
    size_t n = upscale_params_count(p);
    for (size_t i = 0; i < n; i++) {
        upscale_params_entry en;
        upscale_params_get_entry(p, i, &en);
        const char *k = en.key;
        if (!strcmp(k, "base") || !strcmp(k, "name") || !strcmp(k, "description") ||
            !strcmp(k, "outputs"))
            continue;
        const char *rest = NULL;
        int kind = -1; /* 0 set, 1 grid, 2 list */
        static const char *const sections[] = {"set", "grid", "list"};
        for (int q = 0; q < 3; q++) {
            size_t len = strlen(sections[q]);
            if (!strncmp(k, sections[q], len) && (k[len] == '.' || k[len] == '\0')) {
                kind = q;
                rest = k[len] ? k + len + 1 : "";
            }
        }
        if (kind < 0) {
            const char *dot = strchr(k, '.');
            return upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                     "%s:%d: %.*s: unknown key (a sweep file has %s)", en.file,
                                     en.line, dot ? (int)(dot - k) : (int)strlen(k), k, TOP_KEYS);
        }
        if (!*rest)
            return upscale_params_error(p, k, "expected %s",
                                        kind == 2 ? "a list of points (mappings of key: value)"
                                                  : "a mapping of parameter keys to values");
        if (kind == 1 && !*en.text)
            return upscale_params_error(p, k, "empty range (expected at least one value)");
        if (kind == 0) {
            int o = add_override(s, rest, en.text, en.line);
            UPSCALE_ALLOC_CHECK(o >= 0);
            UPSCALE_ALLOC_CHECK(push_int(&s->set, &s->nset, o) == 0);
        } else if (kind == 1) {
            size_t len = strlen(rest);
            long index = 0;
            char axis_key[512];
            if (!numbered(rest, &len, &index)) len = strlen(rest);
            if (len == 0 || len >= sizeof(axis_key))
                return upscale_params_error(p, k, "expected a parameter key");
            memcpy(axis_key, rest, len);
            axis_key[len] = '\0';
            int a = 0;
            while (a < s->naxes && strcmp(s->axes[a].key, axis_key))
                a++;
            if (a == s->naxes) {
                axis *grown = realloc(s->axes, (s->naxes + 1) * sizeof(axis));
                UPSCALE_ALLOC_CHECK(grown);
                s->axes = grown;
                s->axes[a] = (axis){.key = strdup(axis_key)};
                UPSCALE_ALLOC_CHECK(s->axes[a].key);
                s->naxes++;
                UPSCALE_CALL(add_key(s, axis_key));
            }
            int o = add_override(s, axis_key, en.text, en.line);
            UPSCALE_ALLOC_CHECK(o >= 0);
            UPSCALE_ALLOC_CHECK(push_int(&s->axes[a].ov, &s->axes[a].n, o) == 0);
        } else {
            char *end;
            long index = strtol(rest, &end, 10);
            if (end == rest || index < 0)
                return upscale_params_error(p, k, "expected a list of points (- key: value)");
            if (*end != '.' || !end[1])
                return upscale_params_error(p, k, "expected a mapping of key: value for point %ld",
                                            index);
            while (s->nlist <= index) {
                int **grown = realloc(s->list, (s->nlist + 1) * sizeof(int *));
                int *gn = realloc(s->nlist_ov, (s->nlist + 1) * sizeof(int));
                if (grown) s->list = grown;
                if (gn) s->nlist_ov = gn;
                UPSCALE_ALLOC_CHECK(grown && gn);
                s->list[s->nlist] = NULL;
                s->nlist_ov[s->nlist++] = 0;
            }
            int o = add_override(s, end + 1, en.text, en.line);
            UPSCALE_ALLOC_CHECK(o >= 0);
            UPSCALE_ALLOC_CHECK(push_int(&s->list[index], &s->nlist_ov[index], o) == 0);
            UPSCALE_CALL(add_key(s, end + 1));
        }
    }
    return UPSCALE_OK;
}

/* A key both in the grid and in a list entry would be set twice. */
static upscale_err check_conflicts(const upscale_sweep *s)
{
    for (int l = 0; l < s->nlist; l++)
        for (int j = 0; j < s->nlist_ov[l]; j++) {
            const override *o = &s->ov[s->list[l][j]];
            for (int a = 0; a < s->naxes; a++)
                UPSCALE_CHECK(strcmp(o->key, s->axes[a].key), UPSCALE_ERR_INPUT,
                              "%s:%d: list.%d.%s: the key is in the grid too (give it in one "
                              "place)",
                              s->file, o->line, l, o->key);
        }
    return UPSCALE_OK;
}

/* Points: list entry (outermost) x grid (first axis slowest). */
static upscale_err expand(upscale_sweep *s)
{
    long grid = 1;
    for (int a = 0; a < s->naxes; a++) {
        grid *= s->axes[a].n;
        UPSCALE_CHECK(grid <= POINTS_MAX, UPSCALE_ERR_INPUT, "%s: grid: more than %d points",
                      s->file, POINTS_MAX);
    }
    long nl = s->nlist ? s->nlist : 1;
    UPSCALE_CHECK(grid * nl <= POINTS_MAX, UPSCALE_ERR_INPUT, "%s: more than %d points", s->file,
                  POINTS_MAX);
    s->npoints = (int)(grid * nl);
    int per = 0; /* overrides of the largest list entry */
    for (int l = 0; l < s->nlist; l++)
        per = s->nlist_ov[l] > per ? s->nlist_ov[l] : per;
    per += s->naxes;
    size_t total = (size_t)s->npoints * (size_t)(per + s->nset);
    s->point_ov = calloc(s->npoints, sizeof(int));
    s->point_nov = calloc(s->npoints, sizeof(int));
    s->point_ov_all = calloc(total ? total : 1, sizeof(int));
    s->assign = calloc(total ? total : 1, sizeof(char *));
    s->assign_start = calloc(s->npoints, sizeof(int));
    UPSCALE_ALLOC_CHECK(s->point_ov && s->point_nov && s->point_ov_all && s->assign &&
                        s->assign_start);
    int used = 0, aused = 0;
    for (int i = 0; i < s->npoints; i++) {
        int l = (int)(i / grid);
        long g = i % grid;
        s->point_ov[i] = used;
        if (s->nlist)
            for (int j = 0; j < s->nlist_ov[l]; j++)
                s->point_ov_all[used++] = s->list[l][j];
        /* grid index g: last axis fastest */
        int idx[64] = {0};
        UPSCALE_CHECK(s->naxes <= 64, UPSCALE_ERR_INPUT, "%s: grid: more than 64 keys", s->file);
        for (int a = s->naxes - 1; a >= 0; a--) {
            idx[a] = (int)(g % s->axes[a].n);
            g /= s->axes[a].n;
        }
        for (int a = 0; a < s->naxes; a++)
            s->point_ov_all[used++] = s->axes[a].ov[idx[a]];
        s->point_nov[i] = used - s->point_ov[i];
        s->assign_start[i] = aused;
        for (int j = 0; j < s->nset; j++)
            s->assign[aused++] = s->ov[s->set[j]].assign;
        for (int j = 0; j < s->point_nov[i]; j++)
            s->assign[aused++] = s->ov[s->point_ov_all[s->point_ov[i] + j]].assign;
    }
    return UPSCALE_OK;
}

static upscale_err make_definition(upscale_sweep *s)
{
    size_t size = 256 + strlen(s->base_text);
    for (int j = 0; j < s->nset; j++)
        size += strlen(s->ov[s->set[j]].assign) + 8;
    for (int i = 0; i < s->npoints; i++) {
        size += 32;
        for (int j = 0; j < s->point_nov[i]; j++)
            size += strlen(s->ov[s->point_ov_all[s->point_ov[i] + j]].assign) + 2;
    }
    char *d = malloc(size);
    UPSCALE_ALLOC_CHECK(d);
    size_t n = (size_t)snprintf(d, size, "upscale sweep 1\nbase %s\n", s->base_text);
    for (int j = 0; j < s->nset; j++)
        n += (size_t)snprintf(d + n, size - n, "set %s\n", s->ov[s->set[j]].assign);
    for (int i = 0; i < s->npoints; i++) {
        n += (size_t)snprintf(d + n, size - n, "point %d:", i);
        for (int j = 0; j < s->point_nov[i]; j++)
            n += (size_t)snprintf(d + n, size - n, "%s%s", j ? "; " : " ",
                                  s->ov[s->point_ov_all[s->point_ov[i] + j]].assign);
        n += (size_t)snprintf(d + n, size - n, "\n");
    }
    s->definition = d;
    snprintf(s->hash, sizeof(s->hash), "%016llx", (unsigned long long)fnv1a(d));
    return UPSCALE_OK;
}

static upscale_err load(upscale_sweep *s, const char *path)
{
    UPSCALE_ALLOC_CHECK(s->file = strdup(path));
    UPSCALE_CALL(scan_empty(path));
    upscale_params *p = NULL;
    UPSCALE_CALL(upscale_params_create(&p));
    upscale_err e = upscale_params_load(p, path);
    static const char *const yesno[] = {"false", "true", NULL};
    const char *text = NULL, *name = NULL;
    if (!e && !upscale_params_has(p, "base"))
        e = upscale_params_error(p, "base", "missing key: expected the base case file");
    if (!e) e = upscale_params_get_string(p, "base", NULL, &text);
    if (!e && !(s->base_text = strdup(text))) e = UPSCALE_ERR_MEMORY;
    if (!e) e = upscale_params_get_path(p, "base", NULL, s->base, sizeof(s->base));
    if (!e) e = upscale_params_get_string(p, "name", "", &name);
    if (!e) e = upscale_params_get_string(p, "description", "", &text);
    if (!e) e = upscale_params_get_choice(p, "outputs", yesno, "false", &s->outputs);
    if (!e) e = read_entries(s, p);
    if (!e && !s->naxes && !s->nlist)
        e = upscale_params_error(p, "grid", "missing key: a sweep needs grid: and/or list:");
    if (!e) {
        if (name && *name) {
            s->name = strdup(name);
        } else {
            const char *b = strrchr(path, '/');
            s->name = strdup(b ? b + 1 : path);
            char *dot = s->name ? strrchr(s->name, '.') : NULL;
            if (dot && dot != s->name) *dot = '\0';
        }
        if (!s->name) e = UPSCALE_ERR_MEMORY;
    }
    upscale_params_destroy(&p);
    if (e == UPSCALE_ERR_MEMORY) UPSCALE_ALLOC_CHECK(NULL);
    UPSCALE_CALL(e);
    UPSCALE_CALL(check_conflicts(s));
    UPSCALE_CALL(expand(s));
    UPSCALE_CALL(make_definition(s));
    return UPSCALE_OK;
}

upscale_err upscale_sweep_load(const char *path, upscale_sweep **out)
{
    UPSCALE_CHECK(path && out, UPSCALE_ERR_INTERNAL, "upscale_sweep_load: NULL argument");
    *out = NULL;
    upscale_sweep *s = calloc(1, sizeof(*s));
    UPSCALE_ALLOC_CHECK(s);
    upscale_err e = load(s, path);
    if (e) {
        upscale_sweep_destroy(&s);
        return upscale_error_trace(e, __FILE__, __LINE__, __func__);
    }
    *out = s;
    return UPSCALE_OK;
}

void upscale_sweep_destroy(upscale_sweep **sp)
{
    upscale_sweep *s = sp ? *sp : NULL;
    if (!s) return;
    for (int i = 0; i < s->nov; i++) {
        free(s->ov[i].key);
        free(s->ov[i].text);
        free(s->ov[i].assign);
    }
    free(s->ov);
    free(s->set);
    for (int a = 0; a < s->naxes; a++) {
        free(s->axes[a].key);
        free(s->axes[a].ov);
    }
    free(s->axes);
    for (int l = 0; l < s->nlist; l++)
        free(s->list[l]);
    free(s->list);
    free(s->nlist_ov);
    for (int k = 0; k < s->nkeys; k++)
        free(s->keys[k]);
    free(s->keys);
    if (s->si_unit)
        for (int k = 0; k < s->nkeys; k++)
            free(s->si_unit[k]);
    free(s->si_unit);
    free(s->si);
    upscale_params_destroy(&s->first_read);
    free(s->point_ov);
    free(s->point_nov);
    free(s->point_ov_all);
    free(s->assign);
    free(s->assign_start);
    free(s->definition);
    free(s->file);
    free(s->base_text);
    free(s->name);
    free(s);
    *sp = NULL;
}

/* ---- queries ------------------------------------------------------------------------ */

int upscale_sweep_count(const upscale_sweep *s)
{
    return s->npoints;
}

int upscale_sweep_nkeys(const upscale_sweep *s)
{
    return s->nkeys;
}

const char *upscale_sweep_key(const upscale_sweep *s, int k)
{
    return s->keys[k];
}

const char *upscale_sweep_value(const upscale_sweep *s, int point, int k)
{
    for (int j = 0; j < s->point_nov[point]; j++) {
        const override *o = &s->ov[s->point_ov_all[s->point_ov[point] + j]];
        if (!strcmp(o->key, s->keys[k])) return o->text;
    }
    return "";
}

const char *upscale_sweep_file(const upscale_sweep *s)
{
    return s->file;
}

const char *upscale_sweep_base(const upscale_sweep *s)
{
    return s->base;
}

const char *upscale_sweep_name(const upscale_sweep *s)
{
    return s->name;
}

int upscale_sweep_outputs(const upscale_sweep *s)
{
    return s->outputs;
}

const char *upscale_sweep_definition(const upscale_sweep *s)
{
    return s->definition;
}

const char *upscale_sweep_hash(const upscale_sweep *s)
{
    return s->hash;
}

void upscale_sweep_point_options(const upscale_sweep *s, int point, upscale_run_options *opt)
{
    memset(opt, 0, sizeof(*opt));
    opt->case_path = s->base;
    opt->overrides = s->assign + s->assign_start[point];
    opt->noverrides = s->nset + s->point_nov[point];
}

double upscale_sweep_si_value(const upscale_sweep *s, int point, int k)
{
    return s->si ? s->si[(size_t)point * s->nkeys + k] : NAN;
}

const char *upscale_sweep_si_unit(const upscale_sweep *s, int k)
{
    return s->si_unit && s->si_unit[k] ? s->si_unit[k] : "";
}

/* ---- validation --------------------------------------------------------------------- */

/* The override of point i (or of `set`) with this key, else NULL. */
static const override *find_override(const upscale_sweep *s, int point, const char *key)
{
    for (int j = s->point_nov[point] - 1; j >= 0; j--) {
        const override *o = &s->ov[s->point_ov_all[s->point_ov[point] + j]];
        if (!strcmp(o->key, key)) return o;
    }
    for (int j = s->nset - 1; j >= 0; j--)
        if (!strcmp(s->ov[s->set[j]].key, key)) return &s->ov[s->set[j]];
    return NULL;
}

/* Re-word the current error so that it names the sweep file: an override's message
 * ("command line: KEY: ...") gets the line that defined KEY; every message the point. */
static upscale_err point_error(const upscale_sweep *s, int point, upscale_err e)
{
    static const char cl[] = "command line: ";
    char msg[1200];
    snprintf(msg, sizeof(msg), "%s", upscale_error_message());
    if (!strncmp(msg, cl, sizeof(cl) - 1)) {
        const char *key = msg + sizeof(cl) - 1;
        const char *colon = strstr(key, ": ");
        char k[512];
        size_t len = colon ? (size_t)(colon - key) : 0;
        if (len > 0 && len < sizeof(k)) {
            memcpy(k, key, len);
            k[len] = '\0';
            const override *o = find_override(s, point, k);
            if (o)
                return upscale_error_set(e, __FILE__, __LINE__, __func__, "%s:%d: %s (point %d)",
                                         s->file, o->line, key, point);
        }
    }
    return upscale_error_set(e, __FILE__, __LINE__, __func__, "%s (%s: point %d)", msg, s->file,
                             point);
}

upscale_err upscale_sweep_validate(upscale_sweep *s)
{
    if (!s->si) {
        s->si = malloc(sizeof(double) * (size_t)s->npoints * (s->nkeys ? s->nkeys : 1));
        s->si_unit = calloc(s->nkeys ? s->nkeys : 1, sizeof(char *));
        UPSCALE_ALLOC_CHECK(s->si && s->si_unit);
    }
    for (int i = 0; i < s->npoints; i++) {
        upscale_run_options opt;
        upscale_params *p = NULL;
        upscale_sweep_point_options(s, i, &opt);
        upscale_err e = upscale_run_check(&opt, &p, NULL);
        if (e) return point_error(s, i, e);
        for (int k = 0; k < s->nkeys; k++)
            s->si[(size_t)i * s->nkeys + k] = NAN;
        size_t n = upscale_params_count(p);
        for (size_t j = 0; j < n; j++) {
            upscale_params_entry en;
            upscale_params_get_entry(p, j, &en);
            int k = key_index(s, en.key);
            if (k < 0) continue;
            s->si[(size_t)i * s->nkeys + k] = en.si_value;
            if (!s->si_unit[k] && en.si_unit[0]) s->si_unit[k] = strdup(en.si_unit);
        }
        if (i == 0) {
            upscale_params_destroy(&s->first_read);
            s->first_read = p;
        } else {
            upscale_params_destroy(&p);
        }
    }
    return UPSCALE_OK;
}

const upscale_params *upscale_sweep_parameters(const upscale_sweep *s)
{
    return s->first_read;
}

/* ---- running a point ---------------------------------------------------------------- */

static double clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

void upscale_sweep_run_point(const upscale_sweep *s, int point, const char *output_path, int rank,
                             int session, upscale_sweep_record *rec)
{
    memset(rec, 0, sizeof(*rec));
    rec->point = point;
    rec->rank = rank;
    rec->session = session;
    rec->start_time = clock_seconds(CLOCK_REALTIME);
    double t0 = clock_seconds(CLOCK_MONOTONIC);
    upscale_run_options opt;
    upscale_sweep_point_options(s, point, &opt);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "upscale sweep %s (point %d)", s->file, point);
    opt.command_line = cmd;
    opt.output_path = output_path;
    upscale_err e = upscale_run(&opt, &rec->run);
    rec->status = (int)e;
    snprintf(rec->message, sizeof(rec->message), "%s",
             e ? upscale_error_message() : rec->run.status);
    if (e) upscale_error_clear();
    rec->wall_time = clock_seconds(CLOCK_MONOTONIC) - t0;
    rec->end_time = clock_seconds(CLOCK_REALTIME);
}

void upscale_sweep_point_path(const upscale_sweep *s, const char *results, int point, char *out,
                              size_t size)
{
    size_t len = strlen(results);
    if (len > 3 && !strcmp(results + len - 3, ".h5")) len -= 3;
    int digits = 4;
    for (int n = s->npoints - 1; n >= 10000; n /= 10)
        digits++;
    snprintf(out, size, "%.*s_points/%0*d.h5", (int)len, results, digits, point);
}
