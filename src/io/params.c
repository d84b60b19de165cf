/* Parameters: YAML files flattened to dotted keys, typed getters with units and ranges.
 *
 * Loading a file is done in two passes: libyaml's event parser turns the document into
 * a list of items (flattened key, raw text, line), then the `include` items are loaded
 * and only after them the file's own items are applied, so that the including file
 * overrides its includes wherever the `include` key stands in it.
 *
 * Override rules, between different files (or a file and the command line):
 *   - a scalar replaces the entry with the same key and everything below it (K.*);
 *   - a sequence replaces everything below its key, so a case's 2-step protocol does
 *     not inherit a third step from an included file;
 *   - a mapping merges with what is there (only the keys it names are replaced);
 *   - a key below an earlier scalar (K.x after K) replaces that scalar.
 * Inside one file a key defined twice is an error.
 *
 * Every entry keeps its file and line for messages; the getters mark entries used and
 * record defaults as entries, so that the output lists every parameter of a run. */
#include "upscale/params.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "upscale/file.h"

#define DEPTH_MAX 64    /* deepest YAML nesting and include chain accepted */
#define MESSAGE_MAX 900 /* error text after the "FILE:LINE: KEY: " prefix */

static const char FILE_COMMAND_LINE[] = "command line";
static const char FILE_DEFAULT[] = "default";

typedef struct {
    char *key, *text;
    const char *file; /* owned by upscale_params.files, or one of the literals above */
    int line;         /* 1-based; 0 for command line and defaults */
    int load;         /* which load defined it: entries of one file share it */
    double si_value;
    char *si_unit;
    int used, is_default;
} entry;

struct upscale_params {
    upscale_units *units;
    entry *entries;
    size_t n, cap;
    /* Index, so that loading n keys costs O(n) lookups instead of O(n^2) scans: slot[] is an
     * open-addressing table of entry positions + 1 (0 empty) by key; below[] is a set of
     * hashes of the prefixes that have entries below them (a false positive only costs a
     * scan).  nslots = 0: no index (allocation failed), every lookup scans. */
    size_t *slot;
    uint64_t *below;
    size_t nslots, nbelow; /* table size (a power of 2), hashes held by below[] */
    char **files;          /* names of all files loaded, in load order */
    size_t nfiles;
    int nloads;
};

/* ---- small helpers ---------------------------------------------------------------- */

static char *dup_string(const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = malloc(len);
    if (d) memcpy(d, s, len);
    return d;
}

/* "prefix.suffix" (or suffix alone when prefix is empty), malloc'd. */
static char *join_key(const char *prefix, const char *suffix)
{
    size_t a = strlen(prefix), b = strlen(suffix);
    char *k = malloc(a + b + 2);
    if (!k) return NULL;
    if (a) {
        memcpy(k, prefix, a);
        k[a++] = '.';
    }
    memcpy(k + a, suffix, b + 1);
    return k;
}

/* Is `key` strictly below `prefix` ("a.b.c" is below "a" and "a.b")? */
static int is_below(const char *key, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(key, prefix, n) == 0 && key[n] == '.';
}

static void entry_free(entry *e)
{
    free(e->key);
    free(e->text);
    free(e->si_unit);
}

/* ---- index ------------------------------------------------------------------------ */

/* FNV-1a of the first len bytes; never 0 (0 marks an empty slot of below[]). */
static uint64_t hash_key(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h ? h : 1;
}

static size_t count_dots(const char *key)
{
    size_t dots = 0;
    for (; *key; key++)
        dots += *key == '.';
    return dots;
}

static void index_put(upscale_params *p, size_t i)
{
    const char *key = p->entries[i].key;
    size_t mask = p->nslots - 1, len = strlen(key);
    for (size_t k = hash_key(key, len) & mask;; k = (k + 1) & mask)
        if (!p->slot[k]) {
            p->slot[k] = i + 1;
            break;
        }
    /* every prefix "a", "a.b" of "a.b.c" has an entry below it */
    for (size_t j = 0; j < len; j++) {
        if (key[j] != '.') continue;
        uint64_t h = hash_key(key, j);
        for (size_t k = h & mask;; k = (k + 1) & mask) {
            if (p->below[k] == h) break;
            if (!p->below[k]) {
                p->below[k] = h;
                p->nbelow++;
                break;
            }
        }
    }
}

/* Rebuild both tables for the entries there are (after removals, or to grow): at most a
 * quarter full, so that probes stay short. */
static void index_rebuild(upscale_params *p)
{
    size_t need = p->n;
    for (size_t i = 0; i < p->n; i++)
        need += count_dots(p->entries[i].key);
    size_t nslots = 64;
    while (nslots < 4 * need)
        nslots *= 2;
    free(p->slot);
    free(p->below);
    p->slot = calloc(nslots, sizeof(*p->slot));
    p->below = calloc(nslots, sizeof(*p->below));
    p->nslots = p->slot && p->below ? nslots : 0;
    p->nbelow = 0;
    for (size_t i = 0; p->nslots && i < p->n; i++)
        index_put(p, i);
}

/* Entry i was just appended (its key set). */
static void index_add(upscale_params *p, size_t i)
{
    size_t dots = count_dots(p->entries[i].key);
    if (2 * (p->n + 1) > p->nslots || 2 * (p->nbelow + dots) > p->nslots)
        index_rebuild(p);
    else
        index_put(p, i);
}

static entry *find(const upscale_params *p, const char *key)
{
    if (!p->nslots) {
        for (size_t i = 0; i < p->n; i++)
            if (strcmp(p->entries[i].key, key) == 0) return &p->entries[i];
        return NULL;
    }
    size_t mask = p->nslots - 1;
    for (size_t k = hash_key(key, strlen(key)) & mask; p->slot[k]; k = (k + 1) & mask)
        if (strcmp(p->entries[p->slot[k] - 1].key, key) == 0) return &p->entries[p->slot[k] - 1];
    return NULL;
}

/* May there be entries below key?  (0: certainly none.) */
static int maybe_below(const upscale_params *p, const char *key)
{
    if (!p->nslots) return 1;
    uint64_t h = hash_key(key, strlen(key));
    size_t mask = p->nslots - 1;
    for (size_t k = h & mask; p->below[k]; k = (k + 1) & mask)
        if (p->below[k] == h) return 1;
    return 0;
}

/* The entry the user wrote (defaults recorded by getters do not count). */
static entry *find_input(const upscale_params *p, const char *key)
{
    entry *e = find(p, key);
    return e && !e->is_default ? e : NULL;
}

static const char *top_file(const upscale_params *p)
{
    return p->nfiles ? p->files[0] : FILE_COMMAND_LINE;
}

/* Shortest "%g"-style text that reads back as x. */
static void format_double(char *buf, size_t size, double x)
{
    snprintf(buf, size, "%.15g", x);
    if (strtod(buf, NULL) != x) snprintf(buf, size, "%.17g", x);
}

static upscale_err verror(const upscale_params *p, const entry *e, const char *key, const char *fmt,
                          va_list ap)
{
    char msg[MESSAGE_MAX];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (e && !e->is_default && e->line > 0)
        return upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__, "%s:%d: %s: %s",
                                 e->file, e->line, key, msg);
    return upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__, "%s: %s: %s",
                             e && !e->is_default ? e->file : top_file(p), key, msg);
}

/* Input error about entry e (NULL: missing key) named key. */
static upscale_err fail(const upscale_params *p, const entry *e, const char *key, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));
static upscale_err fail(const upscale_params *p, const entry *e, const char *key, const char *fmt,
                        ...)
{
    va_list ap;
    va_start(ap, fmt);
    upscale_err err = verror(p, e, key, fmt, ap);
    va_end(ap);
    return err;
}

upscale_err upscale_params_error(const upscale_params *p, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    upscale_err err = verror(p, find_input(p, key), key, fmt, ap);
    va_end(ap);
    return err;
}

/* ---- create / destroy ------------------------------------------------------------- */

upscale_err upscale_params_create(upscale_params **p)
{
    UPSCALE_CHECK(p != NULL, UPSCALE_ERR_INTERNAL, "upscale_params_create: NULL handle");
    *p = NULL;
    upscale_params *q = calloc(1, sizeof(*q));
    UPSCALE_ALLOC_CHECK(q);
    upscale_err err = upscale_units_create(NULL, &q->units);
    if (err) {
        free(q);
        UPSCALE_CALL(err);
    }
    *p = q;
    return UPSCALE_OK;
}

void upscale_params_destroy(upscale_params **p)
{
    if (!p || !*p) return;
    upscale_params *q = *p;
    for (size_t i = 0; i < q->n; i++)
        entry_free(&q->entries[i]);
    free(q->entries);
    for (size_t i = 0; i < q->nfiles; i++)
        free(q->files[i]);
    free(q->files);
    free(q->slot);
    free(q->below);
    upscale_units_destroy(&q->units);
    free(q);
    *p = NULL;
}

/* ---- entries ---------------------------------------------------------------------- */

typedef enum { ITEM_SCALAR, ITEM_SEQUENCE, ITEM_MAPPING } item_kind;

/* Is e an entry of another load that an item of this kind at key replaces? */
static int shadowed(const entry *e, const char *key, item_kind kind, int load)
{
    return e && e->load != load && !e->is_default &&
           (is_below(key, e->key) || (kind != ITEM_SCALAR && strcmp(e->key, key) == 0) ||
            (kind != ITEM_MAPPING && is_below(e->key, key)));
}

/* Remove the entries of other loads that an item of this kind at key replaces. */
static void remove_shadowed(upscale_params *p, const char *key, item_kind kind, int load)
{
    /* Without a candidate (an entry at a prefix of key or at key, or any below key) there
     * is nothing to remove: the usual case, found without a scan. */
    int candidate = kind != ITEM_MAPPING && maybe_below(p, key);
    if (kind != ITEM_SCALAR) candidate |= shadowed(find(p, key), key, kind, load);
    char prefix[512];
    size_t len = strlen(key);
    if (len >= sizeof(prefix)) candidate = 1;
    for (size_t i = 0; i < len && !candidate; i++) {
        if (key[i] != '.') continue;
        memcpy(prefix, key, i);
        prefix[i] = '\0';
        candidate = shadowed(find(p, prefix), key, kind, load);
    }
    if (!candidate) return;
    size_t j = 0, n = p->n;
    for (size_t i = 0; i < p->n; i++) {
        entry *e = &p->entries[i];
        int gone = e->load != load && !e->is_default &&
                   (is_below(key, e->key) || (kind != ITEM_SCALAR && strcmp(e->key, key) == 0) ||
                    (kind != ITEM_MAPPING && is_below(e->key, key)));
        if (gone)
            entry_free(e);
        else
            p->entries[j++] = *e;
    }
    p->n = j;
    if (j != n) index_rebuild(p);
}

static upscale_err append_entry(upscale_params *p, entry **out)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        entry *grown = realloc(p->entries, cap * sizeof(*grown));
        UPSCALE_ALLOC_CHECK(grown);
        p->entries = grown;
        p->cap = cap;
    }
    *out = &p->entries[p->n++];
    **out = (entry){.si_value = NAN};
    return UPSCALE_OK;
}

/* Define key = text from file:line (load number `load`), applying the override rules. */
static upscale_err define(upscale_params *p, const char *key, const char *text, item_kind kind,
                          const char *file, int line, int load)
{
    /* one file defines each key once, as a value or as a container */
    const entry here = {.file = file, .line = line};
    const entry *same = find(p, key);
    if (same && same->load == load && !same->is_default)
        return fail(p, &here, key, "duplicate key (first defined at line %d)", same->line);
    int scan = kind == ITEM_SCALAR && maybe_below(p, key);
    for (size_t i = 0; scan && i < p->n; i++) {
        const entry *o = &p->entries[i];
        if (is_below(o->key, key) && o->load == load && !o->is_default)
            return fail(p, &here, key, "duplicate key (first defined at line %d)", o->line);
    }
    remove_shadowed(p, key, kind, load);
    if (kind != ITEM_SCALAR) return UPSCALE_OK;

    entry *e = find(p, key);
    int added = !e;
    char *k = dup_string(key), *t = dup_string(text);
    upscale_err err = k && t ? UPSCALE_OK : UPSCALE_ERR_MEMORY;
    if (!err && !e) err = append_entry(p, &e);
    if (err) {
        free(k);
        free(t);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    entry_free(e);
    *e = (entry){.key = k, .text = t, .file = file, .line = line, .load = load, .si_value = NAN};
    if (added) index_add(p, p->n - 1);
    return UPSCALE_OK;
}

/* Record the default a getter fell back to (updated if the getter runs again). */
static upscale_err record_default(upscale_params *p, const char *key, const char *text,
                                  double si_value, const char *si_unit)
{
    char *k = dup_string(key), *t = dup_string(text), *u = dup_string(si_unit);
    entry *e = find(p, key);
    int added = !e;
    upscale_err err = k && t && u ? UPSCALE_OK : UPSCALE_ERR_MEMORY;
    if (!err && !e) err = append_entry(p, &e);
    if (err) {
        free(k);
        free(t);
        free(u);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    entry_free(e);
    *e = (entry){.key = k,
                 .text = t,
                 .file = FILE_DEFAULT,
                 .load = -1,
                 .si_value = si_value,
                 .si_unit = u,
                 .used = 1,
                 .is_default = 1};
    if (added) index_add(p, p->n - 1);
    return UPSCALE_OK;
}

/* ---- YAML reading ----------------------------------------------------------------- */

typedef struct {
    char *key, *text; /* text NULL for sequences and mappings */
    item_kind kind;
    int line;
} item;

typedef struct {
    yaml_parser_t parser;
    const char *file;
    item *items;
    size_t n, cap;
} reader;

static void reader_free(reader *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].key);
        free(r->items[i].text);
    }
    free(r->items);
    yaml_parser_delete(&r->parser);
}

static upscale_err add_item(reader *r, const char *key, const char *text, item_kind kind, int line)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        item *grown = realloc(r->items, cap * sizeof(*grown));
        UPSCALE_ALLOC_CHECK(grown);
        r->items = grown;
        r->cap = cap;
    }
    item *it = &r->items[r->n];
    *it = (item){
        .key = dup_string(key), .text = text ? dup_string(text) : NULL, .kind = kind, .line = line};
    if (!it->key || (text && !it->text)) {
        free(it->key);
        free(it->text);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    r->n++;
    return UPSCALE_OK;
}

static upscale_err next_event(reader *r, yaml_event_t *ev)
{
    if (yaml_parser_parse(&r->parser, ev)) return UPSCALE_OK;
    const yaml_parser_t *y = &r->parser;
    return upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                             "%s:%zu: malformed YAML: %s%s%s", r->file, y->problem_mark.line + 1,
                             y->problem ? y->problem : "syntax error", y->context ? " " : "",
                             y->context ? y->context : "");
}

/* Flatten the node that starts with event ev (consumed here) under key. */
static upscale_err read_node(reader *r, yaml_event_t *ev, const char *key, int line, int depth)
{
    yaml_event_type_t type = ev->type;
    int ev_line = (int)ev->start_mark.line + 1;
    if (type == YAML_SCALAR_EVENT) {
        upscale_err err = add_item(r, key, (const char *)ev->data.scalar.value, ITEM_SCALAR, line);
        yaml_event_delete(ev);
        UPSCALE_CALL(err);
        return UPSCALE_OK;
    }
    yaml_event_delete(ev);
    UPSCALE_CHECK(type != YAML_ALIAS_EVENT, UPSCALE_ERR_INPUT,
                  "%s:%d: %s: YAML aliases are not supported", r->file, ev_line, key);
    UPSCALE_CHECK(type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT,
                  UPSCALE_ERR_INTERNAL, "%s:%d: unexpected YAML event %d", r->file, ev_line,
                  (int)type);
    UPSCALE_CHECK(depth < DEPTH_MAX, UPSCALE_ERR_INPUT, "%s:%d: %s: nesting deeper than %d",
                  r->file, ev_line, key, DEPTH_MAX);

    int sequence = type == YAML_SEQUENCE_START_EVENT;
    if (*key) UPSCALE_CALL(add_item(r, key, NULL, sequence ? ITEM_SEQUENCE : ITEM_MAPPING, line));
    for (long index = 0;; index++) {
        yaml_event_t child;
        UPSCALE_CALL(next_event(r, &child));
        if (child.type == YAML_SEQUENCE_END_EVENT || child.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&child);
            return UPSCALE_OK;
        }
        char *child_key;
        int child_line = (int)child.start_mark.line + 1;
        if (sequence) {
            char number[32];
            snprintf(number, sizeof(number), "%ld", index);
            child_key = join_key(key, number);
        } else {
            int scalar = child.type == YAML_SCALAR_EVENT;
            const char *name = scalar ? (const char *)child.data.scalar.value : "";
            int valid = scalar && *name;
            child_key = valid ? join_key(key, name) : NULL;
            yaml_event_delete(&child);
            UPSCALE_CHECK(valid, UPSCALE_ERR_INPUT,
                          "%s:%d: %s%sexpected a plain key (a non-empty string)", r->file,
                          child_line, key, *key ? ": " : "");
            UPSCALE_ALLOC_CHECK(child_key);
            upscale_err err = next_event(r, &child);
            if (err) free(child_key);
            UPSCALE_CALL(err);
        }
        if (!child_key) yaml_event_delete(&child);
        UPSCALE_ALLOC_CHECK(child_key);
        upscale_err err = read_node(r, &child, child_key, child_line, depth + 1);
        free(child_key);
        UPSCALE_CALL(err);
    }
}

/* Read the single YAML document of an open file into r->items. */
static upscale_err read_document(reader *r)
{
    yaml_event_t ev;
    int documents = 0;
    for (;;) {
        UPSCALE_CALL(next_event(r, &ev));
        yaml_event_type_t type = ev.type;
        int line = (int)ev.start_mark.line + 1;
        if (type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            return UPSCALE_OK;
        }
        if (type != YAML_DOCUMENT_START_EVENT) {
            /* stream start, document end: nothing to read */
            yaml_event_delete(&ev);
            continue;
        }
        yaml_event_delete(&ev);
        UPSCALE_CHECK(++documents == 1, UPSCALE_ERR_INPUT,
                      "%s:%d: more than one YAML document in the file", r->file, line);
        UPSCALE_CALL(next_event(r, &ev));
        line = (int)ev.start_mark.line + 1;
        int empty = ev.type == YAML_SCALAR_EVENT && ev.data.scalar.length == 0;
        int mapping = ev.type == YAML_MAPPING_START_EVENT;
        if (!mapping) yaml_event_delete(&ev);
        UPSCALE_CHECK(mapping || empty, UPSCALE_ERR_INPUT,
                      "%s:%d: expected a mapping of keys (key: value) at the top level", r->file,
                      line);
        if (mapping) UPSCALE_CALL(read_node(r, &ev, "", line, 0));
    }
}

/* One file on the include chain, for cycle detection and messages. */
typedef struct load_frame {
    dev_t dev; /* the file's identity, whatever path leads to it */
    ino_t ino;
    const char *file; /* as written */
    const struct load_frame *parent;
} load_frame;

static upscale_err load_file(upscale_params *p, const char *path, const load_frame *parent,
                             const item *from, const char *from_file);

static int is_include_key(const char *key)
{
    return strcmp(key, "include") == 0 || is_below(key, "include");
}

/* Load the files named by the include items of r (file `file`), in order. */
static upscale_err load_includes(upscale_params *p, const reader *r, const char *file,
                                 const load_frame *frame)
{
    const char *slash = strrchr(file, '/');
    size_t dir_len = slash ? (size_t)(slash - file) + 1 : 0;
    for (size_t i = 0; i < r->n; i++) {
        const item *it = &r->items[i];
        if (!is_include_key(it->key)) continue;
        if (it->kind == ITEM_SEQUENCE && strcmp(it->key, "include") == 0) continue;
        int scalar = it->kind == ITEM_SCALAR && *it->text &&
                     (strcmp(it->key, "include") == 0 || !strchr(it->key + 8, '.'));
        UPSCALE_CHECK(scalar, UPSCALE_ERR_INPUT,
                      "%s:%d: include: expected a file name or a list of file names", file,
                      it->line);
        /* relative to the directory of the including file */
        size_t len = strlen(it->text);
        int absolute = it->text[0] == '/';
        char *path = malloc((absolute ? 0 : dir_len) + len + 1);
        UPSCALE_ALLOC_CHECK(path);
        if (!absolute) memcpy(path, file, dir_len);
        memcpy(path + (absolute ? 0 : dir_len), it->text, len + 1);
        upscale_err err = load_file(p, path, frame, it, file);
        free(path);
        UPSCALE_CALL(err);
    }
    return UPSCALE_OK;
}

/* "a.yaml -> b.yaml -> a.yaml" for the include chain ending in file. */
static void format_cycle(const load_frame *frame, const char *file, char *buf, size_t size)
{
    const load_frame *chain[DEPTH_MAX];
    int n = 0;
    for (const load_frame *f = frame; f && n < DEPTH_MAX; f = f->parent)
        chain[n++] = f;
    size_t used = 0;
    buf[0] = '\0';
    for (int i = n - 1; i >= 0 && used < size; i--)
        used += (size_t)snprintf(buf + used, size - used, "%s -> ", chain[i]->file);
    if (used < size) snprintf(buf + used, size - used, "%s", file);
}

/* Load path; from/from_file is the include item that names it (NULL at top level). */
static upscale_err load_file(upscale_params *p, const char *path, const load_frame *parent,
                             const item *from, const char *from_file)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        if (from)
            return upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                     "%s:%d: include: cannot open '%s': %s", from_file, from->line,
                                     path, strerror(e));
        return upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                 "%s: cannot open: %s", path, strerror(e));
    }
    int depth = 0;
    for (const load_frame *f = parent; f; f = f->parent, depth++) {
        if (f->dev != st.st_dev || f->ino != st.st_ino) continue;
        char chain[600];
        format_cycle(parent, path, chain, sizeof(chain));
        return upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                 "%s:%d: include: include cycle: %s", from_file, from->line, chain);
    }
    UPSCALE_CHECK(!S_ISDIR(st.st_mode), from ? UPSCALE_ERR_INPUT : UPSCALE_ERR_IO,
                  "%s: cannot open: is a directory", path);
    UPSCALE_CHECK(depth < DEPTH_MAX, UPSCALE_ERR_INPUT,
                  "%s:%d: include: includes nested deeper than %d", from_file,
                  from ? from->line : 0, DEPTH_MAX);

    /* the file name lives as long as p: entries point to it */
    char **files = realloc(p->files, (p->nfiles + 1) * sizeof(*files));
    char *name = dup_string(path);
    if (files) p->files = files;
    if (!files || !name) {
        free(name);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    p->files[p->nfiles++] = name;

    FILE *fp;
    if (upscale_file_open_input(name, UPSCALE_ERR_INPUT, &fp)) {
        if (!from) UPSCALE_CALL(upscale_error_code());
        return upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                                 "%s:%d: include: %s", from_file, from->line,
                                 upscale_error_message());
    }
    reader r = {.file = name};
    if (!yaml_parser_initialize(&r.parser)) {
        fclose(fp);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    yaml_parser_set_input_file(&r.parser, fp);
    upscale_err err = read_document(&r);
    fclose(fp);

    /* includes first, then this file's own items override them */
    load_frame frame = {.dev = st.st_dev, .ino = st.st_ino, .file = name, .parent = parent};
    if (!err) err = load_includes(p, &r, name, &frame);
    int load = ++p->nloads;
    for (size_t i = 0; !err && i < r.n; i++) {
        const item *it = &r.items[i];
        if (is_include_key(it->key)) continue;
        err = define(p, it->key, it->text, it->kind, name, it->line, load);
    }
    reader_free(&r);
    UPSCALE_CALL(err);
    return UPSCALE_OK;
}

upscale_err upscale_params_load(upscale_params *p, const char *path)
{
    UPSCALE_CHECK(p && path, UPSCALE_ERR_INTERNAL, "upscale_params_load: NULL argument");
    UPSCALE_CALL(load_file(p, path, NULL, NULL, NULL));
    return UPSCALE_OK;
}

upscale_err upscale_params_set(upscale_params *p, const char *assignment)
{
    UPSCALE_CHECK(p && assignment, UPSCALE_ERR_INTERNAL, "upscale_params_set: NULL argument");
    const char *eq = strchr(assignment, '=');
    const char *k = assignment;
    while (isspace((unsigned char)*k))
        k++;
    size_t klen = eq ? (size_t)(eq - k) : 0;
    while (klen > 0 && isspace((unsigned char)k[klen - 1]))
        klen--;
    UPSCALE_CHECK(eq && klen > 0, UPSCALE_ERR_INPUT, "%s: expected key=value, got '%s'",
                  FILE_COMMAND_LINE, assignment);
    const char *v = eq + 1;
    while (isspace((unsigned char)*v))
        v++;
    size_t vlen = strlen(v);
    while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
        vlen--;

    char *key = malloc(klen + 1), *value = malloc(vlen + 1);
    if (!key || !value) {
        free(key);
        free(value);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    memcpy(key, k, klen);
    key[klen] = '\0';
    memcpy(value, v, vlen);
    value[vlen] = '\0';
    upscale_err err = define(p, key, value, ITEM_SCALAR, FILE_COMMAND_LINE, 0, ++p->nloads);
    free(key);
    free(value);
    UPSCALE_CALL(err);
    return UPSCALE_OK;
}

/* ---- getters ---------------------------------------------------------------------- */

static int is_dimensionless(const char *unit)
{
    return unit[0] == '\0' || strcmp(unit, "1") == 0;
}

static int in_range(double x, double lo, double hi, int flags)
{
    int lo_ok = (flags & UPSCALE_RANGE_LO_OPEN) ? x > lo : x >= lo;
    int hi_ok = (flags & UPSCALE_RANGE_HI_OPEN) ? x < hi : x <= hi;
    return lo_ok && hi_ok;
}

/* "(0, 1]" with %g bounds; an infinite bound always gets an open bracket. */
static void format_interval(char *buf, size_t size, double lo, double hi, int flags)
{
    char open = (flags & UPSCALE_RANGE_LO_OPEN) || isinf(lo) ? '(' : '[';
    char close = (flags & UPSCALE_RANGE_HI_OPEN) || isinf(hi) ? ')' : ']';
    snprintf(buf, size, "%c%g, %g%c", open, lo, hi, close);
}

/* "a length (unit convertible to m)" or "a porosity (dimensionless)" */
static void format_expected(char *buf, size_t size, const char *what, const char *unit)
{
    if (is_dimensionless(unit))
        snprintf(buf, size, "%s (dimensionless)", what);
    else
        snprintf(buf, size, "%s (unit convertible to %s)", what, unit);
}

/* Parse e->text as a quantity in `unit`, check it, store the SI value in e. */
static upscale_err read_quantity(upscale_params *p, entry *e, const char *key, const char *unit,
                                 const char *what, double lo, double hi, int flags, double *value)
{
    char expected[300], text_unit[256];
    format_expected(expected, sizeof(expected), what, unit);
    int dimensionless = is_dimensionless(unit);
    e->used = 1;

    double x;
    if (upscale_units_split(e->text, &x, text_unit, sizeof(text_unit))) {
        char *end;
        double y = strtod(e->text, &end);
        if (end != e->text && !isfinite(y))
            return fail(p, e, key, "expected a finite number, got '%s'", e->text);
        if (!*e->text) return fail(p, e, key, "missing value: expected %s", expected);
        return fail(p, e, key, "expected %s, got '%s'", expected, e->text);
    }
    if (!*text_unit && !dimensionless)
        return fail(p, e, key, "missing unit: expected %s", expected);

    double si;
    upscale_units_status s = upscale_units_convert(p->units, x, *text_unit ? text_unit : "1",
                                                   dimensionless ? "1" : unit, &si);
    if (s == UPSCALE_UNITS_UNPARSABLE)
        return fail(p, e, key, "expected %s, got unknown unit '%s'", expected, text_unit);
    if (s != UPSCALE_UNITS_OK)
        return fail(p, e, key, "expected %s, got unit '%s'", expected, text_unit);
    if (!isfinite(si)) return fail(p, e, key, "expected a finite number, got '%s'", e->text);

    if (!in_range(si, lo, hi, flags)) {
        char interval[100];
        format_interval(interval, sizeof(interval), lo, hi, flags);
        if (dimensionless) return fail(p, e, key, "expected a number in %s, got %g", interval, si);
        return fail(p, e, key, "expected a number in %s %s, got %g %s ('%s')", interval, unit, si,
                    unit, e->text);
    }
    char *su = dup_string(dimensionless ? "1" : unit);
    UPSCALE_ALLOC_CHECK(su);
    free(e->si_unit);
    e->si_unit = su;
    e->si_value = si;
    *value = si;
    return UPSCALE_OK;
}

upscale_err upscale_params_get_quantity(upscale_params *p, const char *key, const char *unit,
                                        const char *what, double lo, double hi, int flags,
                                        double *value)
{
    entry *e = find_input(p, key);
    if (!e) {
        char expected[300];
        format_expected(expected, sizeof(expected), what, unit);
        return fail(p, NULL, key, "missing key: expected %s", expected);
    }
    UPSCALE_CALL(read_quantity(p, e, key, unit, what, lo, hi, flags, value));
    return UPSCALE_OK;
}

upscale_err upscale_params_get_quantity_or(upscale_params *p, const char *key, const char *unit,
                                           const char *what, double lo, double hi, int flags,
                                           double def, double *value)
{
    entry *e = find_input(p, key);
    if (e) {
        UPSCALE_CALL(read_quantity(p, e, key, unit, what, lo, hi, flags, value));
        return UPSCALE_OK;
    }
    UPSCALE_CHECK(isfinite(def) && in_range(def, lo, hi, flags), UPSCALE_ERR_INTERNAL,
                  "%s: default %g is outside the allowed range", key, def);
    char text[300];
    int dimensionless = is_dimensionless(unit);
    format_double(text, sizeof(text), def);
    if (!dimensionless) {
        size_t len = strlen(text);
        snprintf(text + len, sizeof(text) - len, " %s", unit);
    }
    UPSCALE_CALL(record_default(p, key, text, def, dimensionless ? "1" : unit));
    *value = def;
    return UPSCALE_OK;
}

static upscale_err read_int(upscale_params *p, entry *e, const char *key, long lo, long hi,
                            long *value)
{
    e->used = 1;
    const char *s = e->text;
    while (isspace((unsigned char)*s))
        s++;
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    int range_error = errno == ERANGE;
    while (isspace((unsigned char)*end))
        end++;
    if (end == s || *end) return fail(p, e, key, "expected an integer, got '%s'", e->text);
    if (range_error || x < lo || x > hi)
        return fail(p, e, key, "expected an integer in [%ld, %ld], got %s", lo, hi, s);
    *value = x;
    return UPSCALE_OK;
}

upscale_err upscale_params_get_int(upscale_params *p, const char *key, long lo, long hi,
                                   long *value)
{
    entry *e = find_input(p, key);
    if (!e) return fail(p, NULL, key, "missing key: expected an integer in [%ld, %ld]", lo, hi);
    UPSCALE_CALL(read_int(p, e, key, lo, hi, value));
    return UPSCALE_OK;
}

upscale_err upscale_params_get_int_or(upscale_params *p, const char *key, long lo, long hi,
                                      long def, long *value)
{
    entry *e = find_input(p, key);
    if (e) {
        UPSCALE_CALL(read_int(p, e, key, lo, hi, value));
        return UPSCALE_OK;
    }
    UPSCALE_CHECK(def >= lo && def <= hi, UPSCALE_ERR_INTERNAL,
                  "%s: default %ld is outside [%ld, %ld]", key, def, lo, hi);
    char text[32];
    snprintf(text, sizeof(text), "%ld", def);
    UPSCALE_CALL(record_default(p, key, text, NAN, ""));
    *value = def;
    return UPSCALE_OK;
}

upscale_err upscale_params_get_string(upscale_params *p, const char *key, const char *def,
                                      const char **value)
{
    entry *e = find_input(p, key);
    if (!e) {
        if (!def) return fail(p, NULL, key, "missing key: expected a string");
        UPSCALE_CALL(record_default(p, key, def, NAN, ""));
        e = find(p, key);
    }
    e->used = 1;
    *value = e->text;
    return UPSCALE_OK;
}

/* "'cc', 'cv', 'rest'" */
static void format_choices(char *buf, size_t size, const char *const *choices)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; choices[i] && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s'%s'", i ? ", " : "", choices[i]);
}

upscale_err upscale_params_get_choice(upscale_params *p, const char *key,
                                      const char *const *choices, const char *def, int *index)
{
    char list[600];
    format_choices(list, sizeof(list), choices);
    entry *e = find_input(p, key);
    const char *text = e ? e->text : def;
    if (!text) return fail(p, NULL, key, "missing key: expected one of %s", list);
    int found = -1;
    for (int i = 0; choices[i]; i++)
        if (strcmp(choices[i], text) == 0) found = i;
    if (e) {
        e->used = 1;
        if (found < 0) return fail(p, e, key, "expected one of %s, got '%s'", list, text);
    } else {
        UPSCALE_CHECK(found >= 0, UPSCALE_ERR_INTERNAL, "%s: default '%s' is not one of %s", key,
                      def, list);
        UPSCALE_CALL(record_default(p, key, def, NAN, ""));
    }
    *index = found;
    return UPSCALE_OK;
}

upscale_err upscale_params_get_path(upscale_params *p, const char *key, const char *keyword,
                                    char *out, size_t size)
{
    entry *e = find_input(p, key);
    if (!e) return fail(p, NULL, key, "missing key: expected a file name");
    e->used = 1;
    const char *text = e->text;
    if (keyword) {
        size_t kl = strlen(keyword);
        if (strncmp(text, keyword, kl) != 0)
            return fail(p, e, key, "expected '%s FILE', got '%s'", keyword, text);
        text += kl;
        while (*text == ' ' || *text == '\t')
            text++;
    }
    if (!*text) return fail(p, e, key, "missing value: expected a file name");

    /* relative to the directory of the defining file; command-line values to the cwd */
    const char *slash = e->line > 0 ? strrchr(e->file, '/') : NULL;
    size_t dir_len = slash && text[0] != '/' ? (size_t)(slash - e->file) + 1 : 0;
    size_t len = strlen(text);
    if (dir_len + len >= size) return fail(p, e, key, "path too long: '%s'", text);
    memcpy(out, e->file, dir_len);
    memcpy(out + dir_len, text, len + 1);

    struct stat st;
    if (stat(out, &st) != 0 || access(out, R_OK) != 0)
        return fail(p, e, key, "cannot read '%s': %s", out, strerror(errno));
    if (S_ISDIR(st.st_mode)) return fail(p, e, key, "'%s' is a directory, expected a file", out);
    return UPSCALE_OK;
}

/* ---- queries ---------------------------------------------------------------------- */

int upscale_params_has(const upscale_params *p, const char *key)
{
    return find_input(p, key) != NULL;
}

int upscale_params_has_prefix(const upscale_params *p, const char *prefix)
{
    for (size_t i = 0; i < p->n; i++)
        if (!p->entries[i].is_default && is_below(p->entries[i].key, prefix)) return 1;
    return 0;
}

upscale_err upscale_params_check_unused(const upscale_params *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const entry *e = &p->entries[i];
        if (!e->used && !e->is_default) return fail(p, e, e->key, "unknown key");
    }
    return UPSCALE_OK;
}

size_t upscale_params_count(const upscale_params *p)
{
    return p->n;
}

void upscale_params_get_entry(const upscale_params *p, size_t i, upscale_params_entry *out)
{
    const entry *e = &p->entries[i];
    *out = (upscale_params_entry){.key = e->key,
                                  .text = e->text,
                                  .file = e->file,
                                  .line = e->line,
                                  .si_value = e->si_unit ? e->si_value : NAN,
                                  .si_unit = e->si_unit ? e->si_unit : "",
                                  .used = e->used,
                                  .is_default = e->is_default};
}

const upscale_units *upscale_params_units(const upscale_params *p)
{
    return p->units;
}

const char *upscale_params_file(const upscale_params *p)
{
    return p->nfiles ? p->files[0] : "";
}

int upscale_params_compare_age(const upscale_params *p, const char *a, const char *b)
{
    const entry *ea = find_input(p, a), *eb = find_input(p, b);
    if (!ea || !eb || ea->load == eb->load) return 0;
    return ea->load > eb->load ? 1 : -1;
}

void upscale_params_mark_used(upscale_params *p, const char *key)
{
    entry *e = find_input(p, key);
    if (e) e->used = 1;
}
