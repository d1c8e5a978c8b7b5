/*
 * datafile.c - YAML and JSON files as Ansible's DataLoader reads them: the
 * text is tried with Python's json.loads first (so "1e5" is a float there,
 * NaN and Infinity are numbers) and read as YAML only when that fails. Also
 * the UTF-8 check with a position, and the lookup of a mapping key's line
 * and column for error messages about inventory structure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "inv-private.h"

#define JSON_MAX_DEPTH 512

int inv_read(const char *path, struct gf_buf *b, struct gf_error *err)
{
    return gf_read_file(path, b, INV_MAX_FILE, err);
}

/* Line and column (1-based, columns in characters) of offset off. */
static void position(const char *data, size_t off, int *line, int *col)
{
    const char *ls = data;

    *line = 1;
    for (size_t i = 0; i < off; i++)
        if (data[i] == '\n') {
            (*line)++;
            ls = data + i + 1;
        }
    *col = inv_cols(ls, data + off) + 1;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0], min;
    size_t k;

    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0)
        k = 1, min = 0x80, c &= 0x1f;
    else if ((c & 0xf0) == 0xe0)
        k = 2, min = 0x800, c &= 0x0f;
    else if ((c & 0xf8) == 0xf0)
        k = 3, min = 0x10000, c &= 0x07;
    else
        return 0;
    if (k >= n)
        return 0;
    for (size_t j = 1; j <= k; j++) {
        if ((s[j] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[j] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    return k + 1;
}

int inv_check_utf8(const char *data, size_t len, const char *file, struct gf_error *err)
{
    size_t i = 0;

    while (i < len) {
        size_t k = utf8_seq((const unsigned char *)data + i, len - i);
        if (k == 0) {
            int line, col;
            position(data, i, &line, &col);
            return gf_error_set(err, GF_EPARSE, file, line, col,
                                "invalid UTF-8 (byte 0x%02x)", (unsigned char)data[i]);
        }
        i += k;
    }
    return 0;
}

/* ---- JSON with Python's json.loads semantics ---- */

struct jp {
    const char *data, *p, *end;
    const char *ls;     /* start of the current line */
    int line;
    int depth;
    const char *file;
    struct gf_error *err;
    int hard;           /* a hard error is in err (not merely "not JSON") */
};

static void ws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) {
        if (*j->p == '\n') {
            j->line++;
            j->ls = j->p + 1;
        }
        j->p++;
    }
}

static void here(const struct jp *j, const char *at, int *line, int *col)
{
    *line = j->line;
    *col = inv_cols(j->ls, at) + 1;
}

static int hard(struct jp *j, const char *at, const char *what, const char *key)
{
    int line, col;

    here(j, at, &line, &col);
    j->hard = 1;
    return gf_error_set(j->err, GF_EPARSE, j->file, line, col, "%s%s%s", what, key ? key : "",
                        key ? "'" : "");
}

static int lit(struct jp *j, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(j->end - j->p) >= n && memcmp(j->p, word, n) == 0) {
        j->p += n;
        return 1;
    }
    return 0;
}

static int hex4(const char *p, const char *end)
{
    int v = 0;

    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
                c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* A string at j->p (the opening quote). Returns 0, or -1 when not JSON. */
static int jstring(struct jp *j, struct gf_buf *b)
{
    j->p++;
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20)
            return -1;
        if (c != '\\') {
            gf_buf_addc(b, (char)c);
            j->p++;
            continue;
        }
        if (j->end - j->p < 2)
            return -1;
        char e = j->p[1];
        const char *simple = strchr("\"\\/bfnrt", e);
        if (simple && e) {
            gf_buf_addc(b, "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"]);
            j->p += 2;
            continue;
        }
        if (e != 'u')
            return -1;
        int cp = hex4(j->p + 2, j->end);
        if (cp < 0)
            return -1;
        j->p += 6;
        if (cp >= 0xd800 && cp <= 0xdbff && j->end - j->p >= 6 && j->p[0] == '\\' &&
            j->p[1] == 'u') {
            int lo = hex4(j->p + 2, j->end);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                j->p += 6;
            }
        }
        if (cp >= 0xd800 && cp <= 0xdfff) /* a lone surrogate has no UTF-8 form */
            return -1;
        gf_buf_add_utf8(b, (unsigned)cp);
    }
    if (j->p >= j->end)
        return -1;
    j->p++;
    return 0;
}

static int jvalue(struct jp *j, struct gf_val **out);

static int jnumber(struct jp *j, struct gf_val **out)
{
    const char *s = j->p, *p = j->p;
    int is_float = 0;

    if (p < j->end && *p == '-')
        p++;
    if (p < j->end && *p == '0')
        p++;
    else if (p < j->end && *p >= '1' && *p <= '9')
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    else
        return -1;
    if (p + 1 < j->end && *p == '.' && p[1] >= '0' && p[1] <= '9') {
        is_float = 1;
        for (p++; p < j->end && *p >= '0' && *p <= '9'; p++)
            ;
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        if (q < j->end && (*q == '+' || *q == '-'))
            q++;
        if (q < j->end && *q >= '0' && *q <= '9') {
            is_float = 1;
            for (p = q; p < j->end && *p >= '0' && *p <= '9'; p++)
                ;
        }
    }
    char *t = gf_xstrndup(s, (size_t)(p - s));
    if (is_float) {
        *out = gf_val_float(strtod(t, NULL));
    } else {
        errno = 0;
        long long v = strtoll(t, NULL, 10);
        /* Python ints are unbounded; beyond 64 bits the digits stay text */
        *out = errno == ERANGE ? gf_val_str(t) : gf_val_int(v);
    }
    free(t);
    j->p = p;
    return 0;
}

static int jcontainer(struct jp *j, struct gf_val **out)
{
    int is_map = *j->p == '{';
    char close = is_map ? '}' : ']';
    struct gf_val *c = is_map ? gf_val_map() : gf_val_list();
    struct gf_buf key = GF_BUF_INIT;

    if (++j->depth > JSON_MAX_DEPTH) {
        gf_val_unref(c);
        return hard(j, j->p, "nesting deeper than 512 levels", NULL);
    }
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        goto done;
    }
    for (;;) {
        struct gf_val *v = NULL;
        const char *kat = j->p;
        if (is_map) {
            gf_buf_reset(&key);
            if (j->p >= j->end || *j->p != '"' || jstring(j, &key) < 0)
                goto fail;
            ws(j);
            if (j->p >= j->end || *j->p != ':')
                goto fail;
            j->p++;
            ws(j);
        }
        if (jvalue(j, &v) < 0)
            goto fail;
        if (is_map) {
            if (memchr(key.buf, '\0', key.len)) {
                gf_val_unref(v);
                hard(j, kat, "a key holds a NUL character", NULL);
                goto fail;
            }
            if (gf_val_map_get(c, key.buf)) {
                gf_val_unref(v);
                hard(j, kat, "duplicate key '", key.buf);
                goto fail;
            }
            gf_val_map_set(c, key.buf, v);
        } else {
            gf_val_list_push(c, v);
        }
        ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            ws(j);
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            break;
        }
        goto fail;
    }
done:
    j->depth--;
    gf_buf_release(&key);
    *out = c;
    return 0;
fail:
    gf_buf_release(&key);
    gf_val_unref(c);
    return -1;
}

static int jvalue(struct jp *j, struct gf_val **out)
{
    int line, col, rc = 0;

    here(j, j->p, &line, &col);
    *out = NULL;
    if (j->p >= j->end)
        return -1;
    switch (*j->p) {
    case '{':
    case '[':
        rc = jcontainer(j, out);
        break;
    case '"': {
        struct gf_buf b = GF_BUF_INIT;
        rc = jstring(j, &b);
        if (rc == 0) {
            size_t n;
            char *s = gf_buf_detach(&b, &n);
            *out = gf_val_str_own(s, n);
        }
        gf_buf_release(&b);
        break;
    }
    default:
        if (lit(j, "null"))
            *out = gf_val_null();
        else if (lit(j, "true"))
            *out = gf_val_bool(1);
        else if (lit(j, "false"))
            *out = gf_val_bool(0);
        else if (lit(j, "NaN"))
            *out = gf_val_float(__builtin_nan(""));
        else if (lit(j, "Infinity"))
            *out = gf_val_float(__builtin_inf());
        else if (lit(j, "-Infinity"))
            *out = gf_val_float(-__builtin_inf());
        else
            rc = jnumber(j, out);
    }
    if (rc < 0)
        return -1;
    (*out)->line = line;
    (*out)->col = col;
    return 0;
}

/* Returns 0 with *out, 1 when the text is not JSON, or -GF_E* (err set). */
static int json_load(const char *data, size_t len, const char *file, struct gf_val **out,
                     struct gf_error *err)
{
    struct jp j = { data, data, data + len, data, 1, 0, file, err, 0 };
    struct gf_val *v = NULL;

    ws(&j);
    if (jvalue(&j, &v) < 0)
        return j.hard ? -GF_EPARSE : 1;
    ws(&j);
    if (j.p != j.end) {
        gf_val_unref(v);
        return 1;
    }
    *out = v;
    return 0;
}

int inv_load_data(const char *data, size_t len, const char *file, struct gf_val **out,
                  struct gf_error *err)
{
    int rc;

    *out = NULL;
    if ((rc = inv_check_utf8(data, len, file, err)) < 0)
        return rc;
    rc = json_load(data, len, file, out, err);
    if (rc <= 0)
        return rc;
    return gf_yaml_load(data, len, file, out, err);
}

/* ---- where a mapping key is, for error messages ---- */

struct kframe {
    int is_map;
    int want_key;    /* a map's next scalar is a key */
    int matched;     /* this container sits at path[0..depth) */
    int key_matched; /* the current key is path[depth] */
};

/* The key text core's YAML loader gives a scalar. */
static char *key_of(const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    struct gf_buf b = GF_BUF_INIT;

    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || ev->data.scalar.tag)
        return gf_xstrndup(s, n);
    struct gf_val *v = gf_yaml_resolve_plain(s, n);
    if (v->type == GF_VAL_NULL)
        gf_buf_adds(&b, "null");
    else if (v->type == GF_VAL_BOOL)
        gf_buf_adds(&b, v->u.b ? "true" : "false");
    else
        gf_val_to_text(v, &b);
    gf_val_unref(v);
    return gf_buf_detach(&b, NULL);
}

size_t inv_key_pos(const char *data, size_t len, const char *const *path, size_t n, int *line,
                   int *col)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct kframe st[JSON_MAX_DEPTH];
    size_t depth = 0, best = 0;
    int done = 0;

    if (!yaml_parser_initialize(&parser))
        return 0;
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    while (!done && yaml_parser_parse(&parser, &ev)) {
        struct kframe *top = depth ? &st[depth - 1] : NULL;
        int value_matched = top == NULL ? 1 : top->is_map && top->key_matched;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            if (depth == JSON_MAX_DEPTH) {
                done = 1;
                break;
            }
            st[depth].is_map = ev.type == YAML_MAPPING_START_EVENT;
            st[depth].want_key = 1;
            st[depth].matched = value_matched;
            st[depth].key_matched = 0;
            depth++;
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            if (depth)
                depth--;
            if (depth && st[depth - 1].is_map)
                st[depth - 1].want_key = 1;
            break;
        case YAML_SCALAR_EVENT:
        case YAML_ALIAS_EVENT:
            if (top && top->is_map && top->want_key) {
                top->want_key = 0;
                top->key_matched = 0;
                size_t d = depth - 1;
                if (ev.type == YAML_SCALAR_EVENT && top->matched && d < n) {
                    char *k = key_of(&ev);
                    if (strcmp(k, path[d]) == 0) {
                        top->key_matched = 1;
                        if (d + 1 > best) {
                            best = d + 1;
                            *line = (int)ev.start_mark.line + 1;
                            *col = (int)ev.start_mark.column + 1;
                        }
                        done = d + 1 == n;
                    }
                    free(k);
                }
            } else if (top && top->is_map) {
                top->want_key = 1;
            }
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return best;
}
