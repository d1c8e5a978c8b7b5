/* yaml.c - YAML/JSON documents into gf_val trees through libyaml events,
 * resolving plain scalars with the YAML 1.1 rules of PyYAML's SafeLoader (which
 * Ansible uses), with merge keys, and with hard errors for duplicate keys,
 * unknown tags, several documents and alias expansion bombs. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <limits.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core.h"

#define YAML_MAX_FILE (32u << 20)
#define YAML_MAX_NODES 2000000 /* nodes that aliases add when expanded */
#define YAML_MAX_DEPTH 512

enum { RE_BOOL, RE_FLOAT, RE_INT, RE_NULL, RE_COUNT };
static const char *const re_src[RE_COUNT] = {
    [RE_BOOL] = "^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
    [RE_FLOAT] = "^(?:[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?"
                 "|\\.[0-9_]+(?:[eE][-+][0-9]+)?"
                 "|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*"
                 "|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$",
    [RE_INT] = ("^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)"
                "|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"),
    [RE_NULL] = "^(?:~|null|Null|NULL|)$",
};
static pcre2_code *re_code[RE_COUNT];
static pthread_once_t re_once = PTHREAD_ONCE_INIT;

static void re_init(void)
{
    for (int i = 0; i < RE_COUNT; i++) {
        int ec;
        PCRE2_SIZE off;
        re_code[i] = pcre2_compile((PCRE2_SPTR)re_src[i], PCRE2_ZERO_TERMINATED, 0, &ec, &off,
                                   NULL);
        if (re_code[i] == NULL)
            gf_die("yaml resolver regex %d does not compile", i);
    }
}

static int re_match(int which, const char *s, size_t n)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re_code[which], NULL);
    int rc = pcre2_match(re_code[which], (PCRE2_SPTR)s, n, 0, 0, md, NULL);

    pcre2_match_data_free(md);
    return rc >= 0;
}

/* Copies s without '_' into a malloc'd string. */
static char *strip_underscores(const char *s, size_t n)
{
    char *o = gf_xmalloc(n + 1);
    size_t j = 0;

    for (size_t i = 0; i < n; i++)
        if (s[i] != '_')
            o[j++] = s[i];
    o[j] = '\0';
    return o;
}

/* Base-60 "a:b:c" into a double (sign handled by caller). */
static double sexagesimal(const char *s)
{
    double v = 0;

    for (const char *p = s; *p;) {
        v = v * 60 + strtod(p, NULL);
        p = strchr(p, ':');
        if (p == NULL)
            break;
        p++;
    }
    return v;
}

/* The magnitude of a base-60 "a:b:c" integer; -1 (errno ERANGE) beyond 64
 * bits. */
static int sexagesimal_int(const char *s, unsigned long long *out)
{
    unsigned long long v = 0;

    for (const char *p = s;;) {
        char *end;
        unsigned long long part = strtoull(p, &end, 10);
        if (errno == ERANGE || __builtin_mul_overflow(v, 60, &v) ||
            __builtin_add_overflow(v, part, &v)) {
            errno = ERANGE;
            return -1;
        }
        if (*end != ':')
            break;
        p = end + 1;
    }
    *out = v;
    return 0;
}

/* An int scalar; *overflow (may be NULL) set when it does not fit in 64
 * bits, and the text is kept. */
static struct gf_val *construct_int(const char *s, size_t n, int *overflow)
{
    char *t = strip_underscores(s, n), *p = t;
    int neg = 0;
    unsigned long long u = 0, min = 1ULL << 63; /* the magnitude of LLONG_MIN */

    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    errno = 0;
    if (strcmp(p, "0") == 0)
        u = 0;
    else if (gf_startswith(p, "0b"))
        u = strtoull(p + 2, NULL, 2);
    else if (gf_startswith(p, "0x"))
        u = strtoull(p + 2, NULL, 16);
    else if (p[0] == '0')
        u = strtoull(p + 1, NULL, 8);
    else if (strchr(p, ':'))
        sexagesimal_int(p, &u);
    else
        u = strtoull(p, NULL, 10);
    int big = errno == ERANGE || u > (neg ? min : min - 1);
    free(t);
    if (overflow)
        *overflow = big;
    if (big)
        return gf_val_strn(s, n); /* beyond 64 bits: keep the text */
    if (u == min)
        return gf_val_int(LLONG_MIN);
    return gf_val_int(neg ? -(long long)u : (long long)u);
}

static struct gf_val *construct_float(const char *s, size_t n)
{
    char *t = strip_underscores(s, n), *p = t;
    double sign = 1, v;

    for (char *q = t; *q; q++)
        if (*q >= 'A' && *q <= 'Z')
            *q = (char)(*q - 'A' + 'a');
    if (*p == '-' || *p == '+')
        sign = *p++ == '-' ? -1 : 1;
    if (strcmp(p, ".inf") == 0)
        v = sign * __builtin_inf();
    else if (strcmp(p, ".nan") == 0)
        v = __builtin_nan("");
    else if (strchr(p, ':'))
        v = sign * sexagesimal(p);
    else
        v = sign * strtod(p, NULL);
    free(t);
    return gf_val_float(v);
}

/* gf_yaml_resolve_plain; *overflow (may be NULL) set for an integer beyond
 * 64 bits (kept as text). */
static struct gf_val *resolve_plain(const char *s, size_t n, int *overflow)
{
    pthread_once(&re_once, re_init);
    if (re_match(RE_NULL, s, n))
        return gf_val_null();
    if (re_match(RE_BOOL, s, n))
        return gf_val_bool(strchr("yYtToO", s[0]) && !(n >= 2 && (s[1] == 'f' || s[1] == 'F')));
    if (re_match(RE_INT, s, n))
        return construct_int(s, n, overflow);
    if (re_match(RE_FLOAT, s, n))
        return construct_float(s, n);
    return gf_val_strn(s, n);
}

struct gf_val *gf_yaml_resolve_plain(const char *s, size_t n)
{
    return resolve_plain(s, n, NULL);
}

/* ---- event-driven tree building ---- */

struct frame {
    struct gf_val *val;      /* list or map under construction */
    char *key;               /* pending key in a map, NULL when none */
    int key_line, key_col;
    struct gf_vec merges;    /* maps from "<<" to merge at the end */
    struct gf_map explicit_keys;
    char *anchor;
    size_t nodes;            /* node count after alias expansion */
};

struct anchor {
    struct gf_val *val;
    size_t nodes;
};

struct loader {
    const char *file;
    struct gf_error *err;
    struct frame *stack;
    size_t depth, alloc;
    struct gf_map anchors; /* of struct anchor * */
    size_t total;
    struct gf_val *root;
};

static int lerr(struct loader *l, yaml_mark_t m, const char *fmt, ...) GF_PRINTF(3, 4);
static int lerr(struct loader *l, yaml_mark_t m, const char *fmt, ...)
{
    struct gf_buf b = GF_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    int rc = gf_error_set(l->err, GF_EPARSE, l->file, (int)m.line + 1, (int)m.column + 1, "%s",
                          b.buf);
    gf_buf_release(&b);
    return rc;
}

static void anchor_free(void *p)
{
    struct anchor *a = p;

    gf_val_unref(a->val);
    free(a);
}

static void key_text(const struct gf_val *v, struct gf_buf *b)
{
    switch (v->type) {
    case GF_VAL_NULL: gf_buf_adds(b, "null"); break;
    case GF_VAL_BOOL: gf_buf_adds(b, v->u.b ? "true" : "false"); break;
    default: gf_val_to_text(v, b); break;
    }
}

static void frame_release(struct frame *f)
{
    gf_val_unref(f->val);
    free(f->key);
    gf_vec_release(&f->merges, (void (*)(void *))gf_val_unref);
    gf_map_release(&f->explicit_keys, NULL);
    free(f->anchor);
}

/* Adds a finished node v (caller's reference) of `nodes` expanded nodes to
 * the current container or makes it the root. */
static int add_node(struct loader *l, struct gf_val *v, size_t nodes, yaml_mark_t m, int alias)
{
    /* Only what aliases bring is counted: a document without aliases is
     * bounded by the file size limit alone, however many nodes it has. */
    if (alias)
        l->total += nodes;
    if (l->total > YAML_MAX_NODES) {
        gf_val_unref(v);
        return lerr(l, m, "document too large after alias expansion (%s)", "alias bomb?");
    }
    if (l->depth == 0) {
        l->root = v;
        return 0;
    }
    struct frame *f = &l->stack[l->depth - 1];
    f->nodes += nodes;
    if (f->val->type == GF_VAL_LIST) {
        gf_val_list_push(f->val, v);
        return 0;
    }
    if (f->key == NULL) { /* v is a key */
        if (v->type == GF_VAL_LIST || v->type == GF_VAL_MAP) {
            gf_val_unref(v);
            return lerr(l, m, "%s", "a mapping key must be a scalar");
        }
        struct gf_buf b = GF_BUF_INIT;
        key_text(v, &b);
        f->key = gf_buf_detach(&b, NULL);
        f->key_line = (int)m.line + 1;
        f->key_col = (int)m.column + 1;
        gf_val_unref(v);
        return 0;
    }
    char *key = f->key;
    f->key = NULL;
    if (strcmp(key, "<<") == 0) {
        int ok = v->type == GF_VAL_MAP;
        if (v->type == GF_VAL_LIST) {
            ok = 1;
            for (size_t i = 0; i < v->u.list.n; i++)
                if (((struct gf_val *)v->u.list.v[i])->type != GF_VAL_MAP)
                    ok = 0;
        }
        if (!ok) {
            gf_val_unref(v);
            int rc = gf_error_set(l->err, GF_EPARSE, l->file, f->key_line, f->key_col,
                                  "merge key '<<' needs a mapping or a list of mappings");
            free(key);
            return rc;
        }
        gf_vec_push(&f->merges, v);
        free(key);
        return 0;
    }
    if (gf_map_get(&f->explicit_keys, key)) {
        gf_val_unref(v);
        int rc = gf_error_set(l->err, GF_EPARSE, l->file, f->key_line, f->key_col,
                              "duplicate key '%s'", key);
        free(key);
        return rc;
    }
    gf_map_set(&f->explicit_keys, key, (void *)1);
    if (v->refs == 1 && v->kline == 0) { /* an alias's value is shared: keep its first key */
        v->kline = f->key_line;
        v->kcol = f->key_col;
    }
    gf_val_map_set(f->val, key, v);
    free(key);
    return 0;
}

/* Applies "<<" merges: explicit keys win, earlier merge sources win. */
static struct gf_val *apply_merges(struct frame *f)
{
    if (f->merges.n == 0)
        return gf_val_ref(f->val);
    struct gf_val *out = gf_val_map();
    struct gf_vec srcs = GF_VEC_INIT;
    for (size_t i = 0; i < f->merges.n; i++) {
        struct gf_val *m = f->merges.v[i];
        if (m->type == GF_VAL_MAP)
            gf_vec_push(&srcs, m);
        else
            for (size_t j = 0; j < m->u.list.n; j++)
                gf_vec_push(&srcs, m->u.list.v[j]);
    }
    for (size_t i = 0; i < srcs.n; i++) {
        struct gf_val *m = srcs.v[i];
        for (size_t j = 0; j < m->u.map.n; j++)
            if (!gf_val_map_get(out, m->u.map.ents[j].key))
                gf_val_map_set(out, m->u.map.ents[j].key, gf_val_ref(m->u.map.ents[j].val));
    }
    gf_vec_release(&srcs, NULL);
    for (size_t j = 0; j < f->val->u.map.n; j++)
        gf_val_map_set(out, f->val->u.map.ents[j].key, gf_val_ref(f->val->u.map.ents[j].val));
    out->line = f->val->line;
    out->col = f->val->col;
    return out;
}

static int push_frame(struct loader *l, struct gf_val *v, const yaml_char_t *anchor,
                      yaml_mark_t m)
{
    if (l->depth >= YAML_MAX_DEPTH) {
        gf_val_unref(v);
        return lerr(l, m, "nesting deeper than %d levels", YAML_MAX_DEPTH);
    }
    if (l->depth == l->alloc) {
        l->alloc = l->alloc ? l->alloc * 2 : 16;
        l->stack = gf_xrealloc(l->stack, l->alloc * sizeof(*l->stack));
    }
    struct frame *f = &l->stack[l->depth++];
    memset(f, 0, sizeof(*f));
    f->val = v;
    f->nodes = 1;
    v->line = (int)m.line + 1;
    v->col = (int)m.column + 1;
    f->anchor = anchor ? gf_xstrdup((const char *)anchor) : NULL;
    return 0;
}

static void remember_anchor(struct loader *l, const char *name, struct gf_val *v, size_t nodes)
{
    struct anchor *a = gf_xmalloc(sizeof(*a));

    a->val = gf_val_ref(v);
    a->nodes = nodes;
    struct anchor *old = gf_map_set(&l->anchors, name, a);
    if (old)
        anchor_free(old);
}

static int pop_frame(struct loader *l, yaml_mark_t m)
{
    struct frame f = l->stack[--l->depth];
    struct gf_val *v;

    if (f.val->type == GF_VAL_MAP)
        v = apply_merges(&f);
    else
        v = gf_val_ref(f.val);
    if (f.anchor)
        remember_anchor(l, f.anchor, v, f.nodes);
    size_t nodes = f.nodes;
    frame_release(&f);
    return add_node(l, v, nodes, m, 0);
}

static int scalar_event(struct loader *l, yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    struct gf_val *v;
    int big = 0;

    if (tag && strcmp(tag, "!") != 0) {
        if (strcmp(tag, YAML_STR_TAG) == 0)
            v = gf_val_strn(s, n);
        else if (strcmp(tag, "!unsafe") == 0) /* Ansible's: data, never templated */
            v = gf_val_unsafe(gf_val_strn(s, n));
        else if (strcmp(tag, YAML_INT_TAG) == 0 || strcmp(tag, YAML_FLOAT_TAG) == 0 ||
                 strcmp(tag, YAML_BOOL_TAG) == 0 || strcmp(tag, YAML_NULL_TAG) == 0) {
            v = resolve_plain(s, n, &big);
            if (strcmp(tag, YAML_FLOAT_TAG) == 0 && v->type == GF_VAL_INT) {
                long long i = v->u.i;
                gf_val_unref(v);
                v = gf_val_float((double)i);
            }
        } else if (strcmp(tag, "!vault") == 0) {
            return lerr(l, ev->start_mark, "%s", "'!vault' encrypted values are not supported");
        } else {
            return lerr(l, ev->start_mark, "unsupported tag '%s'", tag);
        }
    } else if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && tag == NULL) {
        v = resolve_plain(s, n, &big);
    } else {
        v = gf_val_strn(s, n);
    }
    if (big) { /* PyYAML gives a big int: no silent text, no wrapped number */
        gf_val_unref(v);
        return lerr(l, ev->start_mark, "integer '%.*s' does not fit in 64 bits (gpuforge's "
                    "integers are 64-bit); quote it to keep it as text", (int)n, s);
    }
    v->line = (int)ev->start_mark.line + 1;
    v->col = (int)ev->start_mark.column + 1;
    if (ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
        ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
        v->flags |= GF_VAL_QUOTED;
    if (ev->data.scalar.anchor)
        remember_anchor(l, (const char *)ev->data.scalar.anchor, v, 1);
    return add_node(l, v, 1, ev->start_mark, 0);
}

static int check_tag(struct loader *l, const yaml_char_t *tag, const char *want, yaml_mark_t m)
{
    if (tag && strcmp((const char *)tag, want) != 0 && strcmp((const char *)tag, "!") != 0)
        return lerr(l, m, "unsupported tag '%s'", (const char *)tag);
    return 0;
}

/* The line and column of byte off of data (libyaml gives only the offset of
 * a reader error, such as invalid UTF-8). The column counts characters. */
static yaml_mark_t offset_mark(const char *data, size_t len, size_t off)
{
    yaml_mark_t m = { off, 0, 0 };

    for (size_t i = 0; i < off && i < len; i++) {
        if (data[i] == '\n') {
            m.line++;
            m.column = 0;
        } else if (((unsigned char)data[i] & 0xc0) != 0x80) {
            m.column++;
        }
    }
    return m;
}

int gf_yaml_load(const char *data, size_t len, const char *file, struct gf_val **out,
                 struct gf_error *err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct loader l = { 0 };
    int rc = 0, done = 0, docs = 0;

    *out = NULL;
    l.file = file;
    l.err = err;
    if (!yaml_parser_initialize(&parser))
        gf_die("libyaml parser initialisation failed");
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    while (!done && rc == 0) {
        if (!yaml_parser_parse(&parser, &ev)) {
            yaml_mark_t m = parser.problem_mark;
            if (parser.error == YAML_READER_ERROR)
                m = offset_mark(data, len, parser.problem_offset);
            rc = gf_error_set(err, GF_EPARSE, file, (int)m.line + 1, (int)m.column + 1, "%s%s%s",
                              parser.problem ? parser.problem : "invalid YAML",
                              parser.context ? " " : "", parser.context ? parser.context : "");
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                rc = lerr(&l, ev.start_mark, "%s", "more than one YAML document in the file");
            break;
        case YAML_SCALAR_EVENT:
            rc = scalar_event(&l, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            rc = check_tag(&l, ev.data.sequence_start.tag, YAML_SEQ_TAG, ev.start_mark);
            if (rc == 0)
                rc = push_frame(&l, gf_val_list(), ev.data.sequence_start.anchor, ev.start_mark);
            break;
        case YAML_MAPPING_START_EVENT:
            rc = check_tag(&l, ev.data.mapping_start.tag, YAML_MAP_TAG, ev.start_mark);
            if (rc == 0)
                rc = push_frame(&l, gf_val_map(), ev.data.mapping_start.anchor, ev.start_mark);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            rc = pop_frame(&l, ev.start_mark);
            break;
        case YAML_ALIAS_EVENT: {
            struct anchor *a = gf_map_get(&l.anchors, (const char *)ev.data.alias.anchor);
            if (a == NULL) {
                rc = lerr(&l, ev.start_mark, "unknown alias '%s'",
                          (const char *)ev.data.alias.anchor);
                break;
            }
            rc = add_node(&l, gf_val_ref(a->val), a->nodes, ev.start_mark, 1);
            break;
        }
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    while (l.depth > 0) {
        struct frame f = l.stack[--l.depth];
        frame_release(&f);
    }
    free(l.stack);
    gf_map_release(&l.anchors, anchor_free);
    yaml_parser_delete(&parser);
    if (rc < 0) {
        gf_val_unref(l.root);
        return rc;
    }
    *out = l.root;
    return 0;
}

int gf_yaml_load_file(const char *path, struct gf_val **out, struct gf_error *err)
{
    struct gf_buf b = GF_BUF_INIT;
    int rc = gf_read_file(path, &b, YAML_MAX_FILE, err);

    *out = NULL;
    if (rc == 0)
        rc = gf_yaml_load(b.buf, b.len, path, out, err);
    gf_buf_release(&b);
    return rc;
}
