/*
 * filters-data.c - the data-format side of the template filters: JSON out
 * (Python's json.dumps with ensure_ascii) and in (json.loads), YAML out
 * through libyaml's emitter with the choices PyYAML's SafeDumper makes (as
 * Ansible's to_yaml/to_nice_yaml call it), base64 and message digests.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "template-priv.h"

#define JSON_MAX_DEPTH 512 /* as the YAML loader */

/* ---- JSON out ---- */
/* Decodes one UTF-8 sequence at s[i]; returns its length (1 for a bad byte,
 * with *cp the byte). */
static size_t utf8_decode(const unsigned char *s, size_t n, size_t i, unsigned long *cp)
{
    unsigned char c = s[i];
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

    if (len == 1 || i + len > n || !gf_utf8_valid((const char *)s + i, len)) {
        *cp = c;
        return 1;
    }
    *cp = c & (0xff >> (len + 1));
    for (size_t k = 1; k < len; k++)
        *cp = (*cp << 6) | (s[i + k] & 0x3f);
    return len;
}

void tpl_to_json(const struct gf_val *v, int indent, int sort, int ascii, struct gf_buf *b)
{
    struct gf_buf tmp = GF_BUF_INIT;

    gf_json_dump(v, indent, sort ? GF_JSON_SORT : 0, ascii ? &tmp : b);
    if (!ascii)
        return;
    /* Non-ASCII bytes only occur inside strings: escape them as Python does. */
    const unsigned char *s = (const unsigned char *)tmp.buf;
    for (size_t i = 0; i < tmp.len;) {
        if (s[i] < 0x80) {
            gf_buf_addc(b, (char)s[i++]);
            continue;
        }
        unsigned long cp;
        i += utf8_decode(s, tmp.len, i, &cp);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            gf_buf_addf(b, "\\u%04lx\\u%04lx", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
        } else {
            gf_buf_addf(b, "\\u%04lx", cp);
        }
    }
    gf_buf_release(&tmp);
}

/* ---- JSON in ---- */
struct jp {
    const char *s;
    size_t n, i;
    const char *msg;
    char msgbuf[160];
    int depth;
};

static void jp_ws(struct jp *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                           p->s[p->i] == '\r'))
        p->i++;
}

static struct gf_val *jp_fail(struct jp *p, const char *what)
{
    if (p->msg == NULL) {
        int line = 1;
        size_t col = 1;
        for (size_t k = 0; k < p->i && k < p->n; k++) {
            if (p->s[k] == '\n')
                line++, col = 1;
            else
                col++;
        }
        snprintf(p->msgbuf, sizeof(p->msgbuf), "%s: line %d column %zu (char %zu)", what, line,
                 col, p->i);
        p->msg = p->msgbuf;
    }
    return NULL;
}

static int hex4(const char *s, unsigned long *v)
{
    *v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        *v = *v * 16 + (unsigned long)d;
    }
    return 0;
}

/* Parses a string at p->i (on the quote) into b. */
static int jp_string(struct jp *p, struct gf_buf *b)
{
    p->i++;
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (c == '"') {
            p->i++;
            return 0;
        }
        if ((unsigned char)c < 0x20) {
            jp_fail(p, "Invalid control character at");
            return -1;
        }
        if (c != '\\') {
            const char *q = p->s + p->i;
            size_t k = p->i;
            while (k < p->n && p->s[k] != '"' && p->s[k] != '\\' &&
                   (unsigned char)p->s[k] >= 0x20)
                k++;
            gf_buf_add(b, q, k - p->i);
            p->i = k;
            continue;
        }
        if (p->i + 1 >= p->n)
            break;
        c = p->s[++p->i];
        p->i++;
        switch (c) {
        case '"': gf_buf_addc(b, '"'); break;
        case '\\': gf_buf_addc(b, '\\'); break;
        case '/': gf_buf_addc(b, '/'); break;
        case 'b': gf_buf_addc(b, '\b'); break;
        case 'f': gf_buf_addc(b, '\f'); break;
        case 'n': gf_buf_addc(b, '\n'); break;
        case 'r': gf_buf_addc(b, '\r'); break;
        case 't': gf_buf_addc(b, '\t'); break;
        case 'u': {
            unsigned long cp, lo;
            if (p->i + 4 > p->n || hex4(p->s + p->i, &cp) < 0) {
                jp_fail(p, "Invalid \\uXXXX escape");
                return -1;
            }
            p->i += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && p->i + 6 <= p->n && p->s[p->i] == '\\' &&
                p->s[p->i + 1] == 'u' && hex4(p->s + p->i + 2, &lo) == 0 && lo >= 0xdc00 &&
                lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                p->i += 6;
            } else if (cp >= 0xd800 && cp < 0xe000) {
                cp = 0xfffd; /* a lone surrogate cannot be UTF-8 */
            }
            gf_buf_add_utf8(b, cp);
            break;
        }
        default:
            p->i--;
            jp_fail(p, "Invalid \\escape");
            return -1;
        }
    }
    jp_fail(p, "Unterminated string starting at");
    return -1;
}

static struct gf_val *jp_value(struct jp *p);

static struct gf_val *jp_number(struct jp *p)
{
    size_t st = p->i;
    int is_float = 0;

    if (p->s[p->i] == '-')
        p->i++;
    if (p->i + 8 <= p->n && memcmp(p->s + p->i, "Infinity", 8) == 0) {
        p->i += 8;
        return gf_val_float(p->s[st] == '-' ? -INFINITY : INFINITY);
    }
    if (p->i >= p->n || !(p->s[p->i] >= '0' && p->s[p->i] <= '9')) {
        p->i = st;
        return jp_fail(p, "Expecting value");
    }
    if (p->s[p->i] == '0')
        p->i++;
    else
        while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
            p->i++;
    if (p->i + 1 < p->n && p->s[p->i] == '.' && p->s[p->i + 1] >= '0' && p->s[p->i + 1] <= '9') {
        is_float = 1;
        p->i++;
        while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
            p->i++;
    }
    if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        size_t k = p->i + 1;
        if (k < p->n && (p->s[k] == '+' || p->s[k] == '-'))
            k++;
        if (k < p->n && p->s[k] >= '0' && p->s[k] <= '9') {
            is_float = 1;
            p->i = k;
            while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
                p->i++;
        }
    }
    char buf[512];
    size_t len = p->i - st;
    if (len >= sizeof(buf))
        return jp_fail(p, "Number too long");
    memcpy(buf, p->s + st, len);
    buf[len] = '\0';
    if (!is_float) {
        errno = 0;
        long long v = strtoll(buf, NULL, 10);
        if (errno != ERANGE)
            return gf_val_int(v);
    }
    return gf_val_float(strtod(buf, NULL));
}

static struct gf_val *jp_value(struct jp *p)
{
    jp_ws(p);
    if (p->i >= p->n)
        return jp_fail(p, "Expecting value");
    char c = p->s[p->i];
    if (c == '{' || c == '[') {
        if (++p->depth > JSON_MAX_DEPTH)
            return jp_fail(p, "Nesting too deep");
        struct gf_val *v = c == '{' ? gf_val_map() : gf_val_list();
        p->i++;
        jp_ws(p);
        char close = c == '{' ? '}' : ']';
        if (p->i < p->n && p->s[p->i] == close) {
            p->i++;
            p->depth--;
            return v;
        }
        for (;;) {
            struct gf_buf key = GF_BUF_INIT;
            if (c == '{') {
                jp_ws(p);
                if (p->i >= p->n || p->s[p->i] != '"') {
                    gf_val_unref(v);
                    return jp_fail(p, "Expecting property name enclosed in double quotes");
                }
                if (jp_string(p, &key) < 0 || (jp_ws(p), p->i >= p->n || p->s[p->i] != ':')) {
                    gf_buf_release(&key);
                    gf_val_unref(v);
                    return jp_fail(p, "Expecting ':' delimiter");
                }
                p->i++;
            }
            struct gf_val *item = jp_value(p);
            if (item == NULL) {
                gf_buf_release(&key);
                gf_val_unref(v);
                return NULL;
            }
            if (c == '{')
                gf_val_map_set(v, key.buf, item);
            else
                gf_val_list_push(v, item);
            gf_buf_release(&key);
            jp_ws(p);
            if (p->i < p->n && p->s[p->i] == ',') {
                p->i++;
                continue;
            }
            if (p->i < p->n && p->s[p->i] == close) {
                p->i++;
                p->depth--;
                return v;
            }
            gf_val_unref(v);
            return jp_fail(p, "Expecting ',' delimiter");
        }
    }
    if (c == '"') {
        struct gf_buf b = GF_BUF_INIT;
        if (jp_string(p, &b) < 0) {
            gf_buf_release(&b);
            return NULL;
        }
        size_t len;
        char *s = gf_buf_detach(&b, &len);
        return gf_val_str_own(s, len);
    }
    static const struct { const char *word; int kind; } words[] = {
        { "true", 1 }, { "false", 0 }, { "null", 2 }, { "NaN", 3 },
    };
    for (size_t k = 0; k < GF_ARRAY_LEN(words); k++) {
        size_t wl = strlen(words[k].word);
        if (p->n - p->i >= wl && memcmp(p->s + p->i, words[k].word, wl) == 0) {
            p->i += wl;
            return words[k].kind == 2 ? gf_val_null() : words[k].kind == 3 ? gf_val_float(NAN)
                 : gf_val_bool(words[k].kind);
        }
    }
    return jp_number(p);
}

struct gf_val *tpl_from_json(const char *s, size_t n, const char **msg)
{
    static __thread char err[160];
    struct jp p = { s, n, 0, NULL, { 0 }, 0 };
    struct gf_val *v = jp_value(&p);

    if (v) {
        jp_ws(&p);
        if (p.i < p.n) {
            gf_val_unref(v);
            v = jp_fail(&p, "Extra data");
        }
    }
    if (v == NULL) {
        snprintf(err, sizeof(err), "%s", p.msg ? p.msg : "invalid JSON");
        *msg = err;
    }
    return v;
}

/* ---- YAML out ---- */
static pcre2_code *ts_re;
static pthread_once_t ts_once = PTHREAD_ONCE_INIT;

static void ts_init(void)
{
    static const char *re =
        "^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
        "|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
        "(?:[Tt]|[ \\t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\\.[0-9]*)?"
        "(?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$";
    int ec;
    PCRE2_SIZE off;

    ts_re = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &ec, &off, NULL);
    if (ts_re == NULL)
        gf_die("timestamp regex does not compile");
}

/* PyYAML's resolver says this plain scalar reads back as a string. */
static int plain_is_str(const char *s, size_t n)
{
    struct gf_val *v = gf_yaml_resolve_plain(s, n);
    int str = v->type == GF_VAL_STR;

    gf_val_unref(v);
    if (!str)
        return 0;
    if ((n == 1 && s[0] == '=') || (n == 2 && s[0] == '<' && s[1] == '<'))
        return 0;
    pthread_once(&ts_once, ts_init);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(ts_re, NULL);
    int m = pcre2_match(ts_re, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return m < 0;
}

static int yaml_write(void *data, unsigned char *buffer, size_t size)
{
    gf_buf_add(data, buffer, size);
    return 1;
}

static int emit_scalar(yaml_emitter_t *e, const char *tag, const char *s, size_t n, int plain,
                       int quoted)
{
    yaml_event_t ev;

    if (!yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)tag, (yaml_char_t *)s, (int)n,
                                      plain, quoted, YAML_ANY_SCALAR_STYLE))
        return -1;
    return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static int is_scalar(const struct gf_val *v)
{
    return v->type != GF_VAL_LIST && v->type != GF_VAL_MAP;
}

static int cmp_ent(const void *a, const void *b)
{
    return strcmp((*(struct gf_map_ent *const *)a)->key, (*(struct gf_map_ent *const *)b)->key);
}

static int emit_node(yaml_emitter_t *e, const struct gf_val *v, int flow, int depth)
{
    yaml_event_t ev;
    char buf[64];

    if (depth > 512)
        return -1;
    switch (v->type) {
    case GF_VAL_NULL:
        return emit_scalar(e, YAML_NULL_TAG, "null", 4, 1, 0);
    case GF_VAL_BOOL:
        return emit_scalar(e, YAML_BOOL_TAG, v->u.b ? "true" : "false", v->u.b ? 4 : 5, 1, 0);
    case GF_VAL_INT:
        snprintf(buf, sizeof(buf), "%lld", v->u.i);
        return emit_scalar(e, YAML_INT_TAG, buf, strlen(buf), 1, 0);
    case GF_VAL_FLOAT: {
        struct gf_buf b = GF_BUF_INIT;
        if (isnan(v->u.f))
            gf_buf_adds(&b, ".nan");
        else if (isinf(v->u.f))
            gf_buf_adds(&b, v->u.f > 0 ? ".inf" : "-.inf");
        else {
            gf_float_repr(v->u.f, &b);
            if (!strchr(b.buf, '.') && strchr(b.buf, 'e')) {
                char *ep = strchr(b.buf, 'e');
                struct gf_buf c = GF_BUF_INIT;
                gf_buf_add(&c, b.buf, (size_t)(ep - b.buf));
                gf_buf_adds(&c, ".0");
                gf_buf_adds(&c, ep);
                gf_buf_release(&b);
                b = c;
            }
        }
        int rc = emit_scalar(e, YAML_FLOAT_TAG, b.buf, b.len, 1, 0);
        gf_buf_release(&b);
        return rc;
    }
    case GF_VAL_STR:
        return emit_scalar(e, YAML_STR_TAG, v->u.str.s, v->u.str.len,
                           plain_is_str(v->u.str.s, v->u.str.len), 1);
    case GF_VAL_LIST: {
        int f = flow;
        if (f < 0) {
            f = 1;
            for (size_t i = 0; i < v->u.list.n && f; i++)
                f = is_scalar(v->u.list.v[i]);
        }
        if (!yaml_sequence_start_event_initialize(&ev, NULL, (yaml_char_t *)YAML_SEQ_TAG, 1,
                                                  f ? YAML_FLOW_SEQUENCE_STYLE
                                                    : YAML_BLOCK_SEQUENCE_STYLE) ||
            !yaml_emitter_emit(e, &ev))
            return -1;
        for (size_t i = 0; i < v->u.list.n; i++)
            if (emit_node(e, v->u.list.v[i], flow, depth + 1) < 0)
                return -1;
        if (!yaml_sequence_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
            return -1;
        return 0;
    }
    case GF_VAL_MAP: {
        size_t n = v->u.map.n;
        int f = flow;
        struct gf_map_ent **ents = gf_xcalloc(n + 1, sizeof(*ents));
        for (size_t i = 0; i < n; i++)
            ents[i] = &v->u.map.ents[i];
        qsort(ents, n, sizeof(*ents), cmp_ent);
        if (f < 0) {
            f = 1;
            for (size_t i = 0; i < n && f; i++)
                f = is_scalar(ents[i]->val);
        }
        int rc = -1;
        if (!yaml_mapping_start_event_initialize(&ev, NULL, (yaml_char_t *)YAML_MAP_TAG, 1,
                                                 f ? YAML_FLOW_MAPPING_STYLE
                                                   : YAML_BLOCK_MAPPING_STYLE) ||
            !yaml_emitter_emit(e, &ev))
            goto out;
        for (size_t i = 0; i < n; i++) {
            const char *k = ents[i]->key;
            if (emit_scalar(e, YAML_STR_TAG, k, strlen(k), plain_is_str(k, strlen(k)), 1) < 0 ||
                emit_node(e, ents[i]->val, flow, depth + 1) < 0)
                goto out;
        }
        if (!yaml_mapping_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
            goto out;
        rc = 0;
out:
        free(ents);
        return rc;
    }
    }
    return -1;
}

int tpl_to_yaml(const struct gf_val *v, int flow, int indent, struct gf_buf *b)
{
    yaml_emitter_t e;
    yaml_event_t ev;
    int rc = -1;

    if (!yaml_emitter_initialize(&e))
        return -1;
    yaml_emitter_set_output(&e, yaml_write, b);
    yaml_emitter_set_unicode(&e, 1);
    yaml_emitter_set_indent(&e, indent);
    yaml_emitter_set_width(&e, 80);
    if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
        !yaml_emitter_emit(&e, &ev) ||
        !yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
        !yaml_emitter_emit(&e, &ev) || emit_node(&e, v, flow, 0) < 0 ||
        !yaml_document_end_event_initialize(&ev, 1) || !yaml_emitter_emit(&e, &ev) ||
        !yaml_stream_end_event_initialize(&ev) || !yaml_emitter_emit(&e, &ev) ||
        !yaml_emitter_flush(&e))
        goto out;
    rc = 0;
out:
    yaml_emitter_delete(&e);
    return rc;
}

/* ---- base64 ---- */
static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64val(char c)
{
    const char *p = c ? strchr(b64chars, c) : NULL;

    return p ? (int)(p - b64chars) : -1;
}

/* Text in encoding enc (utf-8 or utf-16-le) from UTF-8 s. */
static int encode_text(const char *enc, const char *s, size_t n, struct gf_buf *out)
{
    if (!strcasecmp(enc, "utf-8") || !strcasecmp(enc, "utf8")) {
        gf_buf_add(out, s, n);
        return 0;
    }
    if (strcasecmp(enc, "utf-16-le") && strcasecmp(enc, "utf-16le") && strcasecmp(enc, "utf16le"))
        return -1;
    for (size_t i = 0; i < n;) {
        unsigned long cp;
        i += utf8_decode((const unsigned char *)s, n, i, &cp);
        if (cp >= 0x10000) {
            unsigned long hi = 0xd800 + ((cp - 0x10000) >> 10), lo = 0xdc00 + (cp & 0x3ff);
            gf_buf_addc(out, (char)(hi & 0xff));
            gf_buf_addc(out, (char)(hi >> 8));
            cp = lo;
        }
        gf_buf_addc(out, (char)(cp & 0xff));
        gf_buf_addc(out, (char)(cp >> 8));
    }
    return 0;
}

static int decode_text(const char *enc, const char *s, size_t n, struct gf_buf *out)
{
    if (!strcasecmp(enc, "utf-8") || !strcasecmp(enc, "utf8")) {
        gf_buf_add(out, s, n);
        return 0;
    }
    if (strcasecmp(enc, "utf-16-le") && strcasecmp(enc, "utf-16le") && strcasecmp(enc, "utf16le"))
        return -1;
    for (size_t i = 0; i + 1 < n; i += 2) {
        unsigned long cp = (unsigned char)s[i] | ((unsigned long)(unsigned char)s[i + 1] << 8);
        if (cp >= 0xd800 && cp < 0xdc00 && i + 3 < n) {
            unsigned long lo = (unsigned char)s[i + 2] |
                               ((unsigned long)(unsigned char)s[i + 3] << 8);
            if (lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 2;
            }
        }
        gf_buf_add_utf8(out, cp);
    }
    return 0;
}

static const char *text_or_tmp(const struct gf_val *v, struct gf_buf *tmp, size_t *n)
{
    if (v->type == GF_VAL_STR) {
        *n = v->u.str.len;
        return v->u.str.s;
    }
    tpl_text(v, tmp);
    *n = tmp->len;
    return tmp->buf;
}

static struct gf_val *str_from(struct gf_buf *b)
{
    size_t len;
    char *s = gf_buf_detach(b, &len);

    return gf_val_str_own(s, len);
}

struct gf_val *tpl_f_b64encode(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf tmp = GF_BUF_INIT, raw = GF_BUF_INIT, out = GF_BUF_INIT;
    const char *enc = a->a[0] && a->a[0]->type == GF_VAL_STR ? a->a[0]->u.str.s : "utf-8";
    size_t n;
    const char *s = text_or_tmp(in, &tmp, &n);

    if (encode_text(enc, s, n, &raw) < 0) {
        gf_buf_release(&tmp);
        return tpl_fail(r, a->pos, "unknown encoding: %s", enc);
    }
    const unsigned char *p = (const unsigned char *)raw.buf;
    for (size_t i = 0; i < raw.len; i += 3) {
        unsigned long v = (unsigned long)p[i] << 16;
        if (i + 1 < raw.len)
            v |= (unsigned long)p[i + 1] << 8;
        if (i + 2 < raw.len)
            v |= p[i + 2];
        gf_buf_addc(&out, b64chars[(v >> 18) & 63]);
        gf_buf_addc(&out, b64chars[(v >> 12) & 63]);
        gf_buf_addc(&out, i + 1 < raw.len ? b64chars[(v >> 6) & 63] : '=');
        gf_buf_addc(&out, i + 2 < raw.len ? b64chars[v & 63] : '=');
    }
    gf_buf_release(&tmp);
    gf_buf_release(&raw);
    return str_from(&out);
}

struct gf_val *tpl_f_b64decode(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf tmp = GF_BUF_INIT, raw = GF_BUF_INIT, out = GF_BUF_INIT;
    const char *enc = a->a[0] && a->a[0]->type == GF_VAL_STR ? a->a[0]->u.str.s : "utf-8";
    size_t n, data = 0, pad = 0;
    const char *s = text_or_tmp(in, &tmp, &n);
    unsigned long acc = 0;

    for (size_t i = 0; i < n; i++) {
        int v = b64val(s[i]);
        if (s[i] == '=') {
            if (data % 4 >= 2)
                pad++;
            if (data % 4 >= 2 && pad >= 4 - data % 4)
                break;
            continue;
        }
        if (v < 0)
            continue; /* binascii skips what is not base64 */
        if (pad) /* data after complete padding: a2b_base64 restarts a quantum */
            pad = 0;
        acc = (acc << 6) | (unsigned long)v;
        if (++data % 4 == 0) {
            gf_buf_addc(&raw, (char)(acc >> 16));
            gf_buf_addc(&raw, (char)(acc >> 8));
            gf_buf_addc(&raw, (char)acc);
            acc = 0;
        }
    }
    struct gf_val *res = NULL;
    if (data % 4 == 1) {
        tpl_fail(r, a->pos, "Invalid base64-encoded string: number of data characters (%zu) "
                 "cannot be 1 more than a multiple of 4", data);
    } else if (data % 4 && pad < 4 - data % 4) {
        tpl_fail(r, a->pos, "Incorrect padding");
    } else {
        if (data % 4 == 2) {
            gf_buf_addc(&raw, (char)(acc >> 4));
        } else if (data % 4 == 3) {
            gf_buf_addc(&raw, (char)(acc >> 10));
            gf_buf_addc(&raw, (char)(acc >> 2));
        }
        if (decode_text(enc, raw.buf, raw.len, &out) < 0)
            tpl_fail(r, a->pos, "unknown encoding: %s", enc);
        else
            res = str_from(&out);
    }
    gf_buf_release(&tmp);
    gf_buf_release(&raw);
    gf_buf_release(&out);
    return res;
}

/* ---- digests ---- */
static struct gf_val *digest(struct rctx *r, struct fargs *a, struct gf_val *in,
                             const char *name)
{
    struct gf_buf tmp = GF_BUF_INIT, out = GF_BUF_INIT;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t n;
    const char *s = text_or_tmp(in, &tmp, &n);
    EVP_MD *m = EVP_MD_fetch(NULL, name, NULL);

    if (m == NULL || !EVP_Digest(s, n, md, &mdlen, m, NULL)) {
        EVP_MD_free(m);
        gf_buf_release(&tmp);
        return tpl_fail(r, a->pos, "unsupported hash type '%s'", name);
    }
    EVP_MD_free(m);
    for (unsigned i = 0; i < mdlen; i++)
        gf_buf_addf(&out, "%02x", md[i]);
    gf_buf_release(&tmp);
    return str_from(&out);
}

struct gf_val *tpl_f_hash(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    const char *t = a->a[0] && a->a[0]->type == GF_VAL_STR ? a->a[0]->u.str.s : "sha1";

    return digest(r, a, in, t);
}

struct gf_val *tpl_f_md5(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return digest(r, a, in, "md5");
}

struct gf_val *tpl_f_sha1(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return digest(r, a, in, "sha1");
}

int gf_tpl_yaml_dump(const struct gf_val *v, struct gf_buf *b)
{
    return tpl_to_yaml(v, 0, 2, b);
}
