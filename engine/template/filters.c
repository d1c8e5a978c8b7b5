/*
 * filters.c - the one table of the filters and tests templates can call,
 * as Jinja2 3.1 and ansible-core 2.14 define them (with filters-net.c's),
 * the type and data filters, and the argument helpers every filter file
 * uses. The filters live by kind: strings in filters-str.c, sequences and
 * dicts in filters-seq.c, regular expressions in filters-regex.c, version
 * comparison in filters-version.c, serialisers and digests in
 * filters-data.c, IP addresses in filters-net.c; the tests in tests.c,
 * Python's "%" formatting in pyformat.c, the str, dict and list methods
 * in methods.c.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "template-priv.h"

#define FAIL(...) tpl_fail(r, a->pos, __VA_ARGS__)

/* ---- small helpers ---- */
struct gf_val *tpl_str_from(struct gf_buf *b)
{
    size_t len;
    char *s = gf_buf_detach(b, &len);

    return gf_val_str_own(s, len);
}

/* The text of v: v's own bytes for a string, else str(v) in tmp. */
const char *tpl_text_of(const struct gf_val *v, struct gf_buf *tmp, size_t *len)
{
    if (v->type == GF_VAL_STR) {
        *len = v->u.str.len;
        return v->u.str.s;
    }
    gf_buf_reset(tmp);
    tpl_text(v, tmp);
    *len = tmp->len;
    return tmp->buf;
}

void tpl_repr(const struct gf_val *v, struct gf_buf *b)
{
    if (v->type != GF_VAL_STR) {
        tpl_text(v, b);
        return;
    }
    if (tv_undef(v)) { /* only reachable through a bug: never print the message */
        gf_buf_adds(b, "Undefined");
        return;
    }
    /* gf_val_to_text writes list items with repr(): borrow that */
    struct gf_val tmp;
    struct gf_val *item = (struct gf_val *)v;
    memset(&tmp, 0, sizeof(tmp));
    tmp.type = GF_VAL_LIST;
    tmp.u.list.v = (void **)&item;
    tmp.u.list.n = 1;
    size_t start = b->len;
    gf_val_to_text(&tmp, b);
    memmove(b->buf + start, b->buf + start + 1, b->len - start - 2);
    gf_buf_setlen(b, b->len - 2);
}

int tpl_opt_bool(const struct gf_val *v, int dflt)
{
    return v ? gf_val_truthy(v) : dflt;
}

int tpl_opt_int(struct rctx *r, struct fargs *a, const struct gf_val *v, long long dflt,
                long long *out)
{
    if (v == NULL || v->type == GF_VAL_NULL) {
        *out = dflt;
        return 0;
    }
    if (v->type == GF_VAL_INT || v->type == GF_VAL_BOOL) {
        *out = v->type == GF_VAL_INT ? v->u.i : v->u.b;
        return 0;
    }
    FAIL("'%s' expects an integer argument, got %s", a->name, tpl_pytype(v));
    return -1;
}

const char *tpl_opt_str(struct rctx *r, struct fargs *a, const struct gf_val *v,
                        const char *dflt)
{
    if (v == NULL)
        return dflt;
    if (v->type != GF_VAL_STR) {
        FAIL("'%s' expects a string argument, got %s", a->name, tpl_pytype(v));
        return NULL;
    }
    return v->u.str.s;
}

int tpl_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
           (c >= 0x1c && c <= 0x1f);
}

/* Items of a list, the keys of a map, the characters of a string: a new list. */
struct gf_val *tpl_as_list(struct rctx *r, struct fargs *a, struct gf_val *in)
{
    struct gf_val *l;

    switch (in->type) {
    case GF_VAL_LIST:
        return gf_val_ref(in);
    case GF_VAL_MAP:
        l = gf_val_list();
        for (size_t i = 0; i < in->u.map.n; i++)
            gf_val_list_push(l, gf_val_str(in->u.map.ents[i].key));
        return l;
    case GF_VAL_STR:
        /* a value per character: counted as loop steps, so that a 64 MiB
         * string does not become 64 million values (gigabytes) */
        r->steps += in->u.str.len;
        if (r->steps > TPL_MAX_STEPS)
            return FAIL("template too costly: over %lu loop iterations", TPL_MAX_STEPS);
        l = gf_val_list();
        for (size_t i = 0; i < in->u.str.len;) {
            size_t j = i + 1;
            while (j < in->u.str.len && ((unsigned char)in->u.str.s[j] & 0xc0) == 0x80)
                j++;
            gf_val_list_push(l, gf_val_strn(in->u.str.s + i, j - i));
            i = j;
        }
        return l;
    default:
        return FAIL("'%s' object is not iterable", tpl_pytype(in));
    }
}

/* ---- type filters ---- */
struct gf_val *tpl_f_default(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r;
    if (tv_undef(in) || (tpl_opt_bool(a->a[1], 0) && !gf_val_truthy(in)))
        return a->a[0] ? gf_val_ref(a->a[0]) : gf_val_str("");
    return gf_val_ref(in);
}

struct gf_val *tpl_f_mandatory(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    if (!tv_undef(in))
        return gf_val_ref(in);
    if (a->a[0]) {
        struct gf_buf t = GF_BUF_INIT;
        tpl_text(a->a[0], &t);
        FAIL("%s", t.buf);
        gf_buf_release(&t);
        return NULL;
    }
    const char *m = in->u.str.s, *q = strstr(m, "undefined variable '");
    if (q == m) {
        const char *e = strchr(m + 20, '\'');
        return FAIL("Mandatory variable '%.*s' not defined.", (int)(e ? e - m - 20 : 0), m + 20);
    }
    return FAIL("Mandatory variable not defined.");
}

struct gf_val *tpl_f_bool(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    switch (in->type) {
    case GF_VAL_NULL:
    case GF_VAL_BOOL:
        return gf_val_ref(in);
    case GF_VAL_STR: {
        static const char *const yes[] = { "yes", "on", "1", "true" };
        for (size_t i = 0; i < GF_ARRAY_LEN(yes); i++)
            if (in->u.str.len == strlen(yes[i]) && strncasecmp(in->u.str.s, yes[i],
                                                               in->u.str.len) == 0)
                return gf_val_bool(1);
        return gf_val_bool(0);
    }
    case GF_VAL_INT:
        return gf_val_bool(in->u.i == 1);
    case GF_VAL_FLOAT:
        return gf_val_bool(in->u.f == 1.0);
    default:
        return gf_val_bool(0);
    }
}

/* Python float(str): whitespace around, '_' between digits, inf/nan. */
static int py_float(const char *s, size_t n, double *out)
{
    char buf[128];
    size_t i = 0, j = n, k = 0;

    while (i < j && tpl_ascii_space(s[i]))
        i++;
    while (j > i && tpl_ascii_space(s[j - 1]))
        j--;
    if (j == i || j - i >= sizeof(buf))
        return -1;
    for (size_t q = i; q < j; q++) {
        if (s[q] == '_') {
            if (q == i || q + 1 == j || !isdigit((unsigned char)s[q - 1]) ||
                !isdigit((unsigned char)s[q + 1]))
                return -1;
            continue;
        }
        buf[k++] = s[q];
    }
    buf[k] = '\0';
    const char *b = buf + (buf[0] == '+' || buf[0] == '-');
    if (strncasecmp(b, "0x", 2) == 0)
        return -1;
    int named = strcasecmp(b, "inf") == 0 || strcasecmp(b, "infinity") == 0 ||
                strcasecmp(b, "nan") == 0;
    for (const char *p = b; *p && !named; p++)
        if (!isdigit((unsigned char)*p) && !strchr(".eE+-", *p))
            return -1;
    char *end;
    errno = 0;
    *out = strtod(buf, &end);
    return *end ? -1 : 0;
}

/* Python int(str, base). */
static int py_int(const char *s, size_t n, int base, long long *out)
{
    char buf[128];
    size_t i = 0, j = n, k = 0;

    while (i < j && tpl_ascii_space(s[i]))
        i++;
    while (j > i && tpl_ascii_space(s[j - 1]))
        j--;
    if (j == i || j - i >= sizeof(buf))
        return -1;
    int neg = 0;
    if (s[i] == '+' || s[i] == '-')
        neg = s[i++] == '-';
    if ((base == 16 || base == 8 || base == 2 || base == 0) && j - i > 2 && s[i] == '0' &&
        strchr(base == 16 ? "xX" : base == 8 ? "oO" : base == 2 ? "bB" : "xXoObB", s[i + 1])) {
        char p = (char)tolower((unsigned char)s[i + 1]);
        base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
        i += 2;
        if (i < j && s[i] == '_')
            i++;
    } else if (base == 0) {
        base = 10;
    }
    for (size_t q = i; q < j; q++) {
        if (s[q] == '_' && q > i && q + 1 < j && s[q + 1] != '_')
            continue;
        int d = isdigit((unsigned char)s[q]) ? s[q] - '0'
              : isalpha((unsigned char)s[q]) ? tolower((unsigned char)s[q]) - 'a' + 10 : 99;
        if (d >= base)
            return -1;
        buf[k++] = s[q];
    }
    if (k == 0)
        return -1;
    buf[k] = '\0';
    errno = 0;
    long long v = strtoll(buf, NULL, base);
    if (errno == ERANGE)
        return -1;
    *out = neg ? -v : v;
    return 0;
}

struct gf_val *tpl_f_int(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    long long base, v;
    double f;

    if (tpl_opt_int(r, a, a->a[1], 10, &base) < 0)
        return NULL;
    if (base != 0 && (base < 2 || base > 36))
        return FAIL("int() base must be >= 2 and <= 36, or 0");
    switch (in->type) {
    case GF_VAL_INT:
        return gf_val_ref(in);
    case GF_VAL_BOOL:
        return gf_val_int(in->u.b);
    case GF_VAL_FLOAT:
        if (isfinite(in->u.f) && fabs(in->u.f) < 9.2e18)
            return gf_val_int((long long)in->u.f);
        if (isinf(in->u.f))
            return FAIL("cannot convert float infinity to integer");
        break;
    case GF_VAL_STR:
        if (py_int(in->u.str.s, in->u.str.len, (int)base, &v) == 0)
            return gf_val_int(v);
        if (py_float(in->u.str.s, in->u.str.len, &f) == 0 && isfinite(f) && fabs(f) < 9.2e18)
            return gf_val_int((long long)f);
        if (py_float(in->u.str.s, in->u.str.len, &f) == 0 && isinf(f))
            return FAIL("cannot convert float infinity to integer");
        break;
    default:
        break;
    }
    return a->a[0] ? gf_val_ref(a->a[0]) : gf_val_int(0);
}

struct gf_val *tpl_f_float(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    double f;

    (void)r;
    switch (in->type) {
    case GF_VAL_FLOAT:
        return gf_val_ref(in);
    case GF_VAL_INT:
        return gf_val_float((double)in->u.i);
    case GF_VAL_BOOL:
        return gf_val_float(in->u.b);
    case GF_VAL_STR:
        if (py_float(in->u.str.s, in->u.str.len, &f) == 0)
            return gf_val_float(f);
        break;
    default:
        break;
    }
    return a->a[0] ? gf_val_ref(a->a[0]) : gf_val_float(0.0);
}

struct gf_val *tpl_f_string(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT;

    (void)r, (void)a;
    tpl_text(in, &t);
    struct gf_val *v = tpl_str_from(&t);
    v->flags |= TV_NATIVE; /* Ansible's STRING_TYPE_FILTERS */
    return v;
}

struct gf_val *tpl_f_type_debug(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    return gf_val_str(tpl_pytype(in));
}

struct gf_val *tpl_f_ternary(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r;
    if (in->type == GF_VAL_NULL && a->a[2] && a->a[2]->type != GF_VAL_NULL)
        return gf_val_ref(a->a[2]);
    return gf_val_ref(gf_val_truthy(in) ? a->a[0] : a->a[1]);
}

/* ---- data filters (filters-data.c does the formats) ---- */
struct gf_val *tpl_f_to_json(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf out = GF_BUF_INIT;
    long long indent;

    if (a->a[0] && a->a[0]->type != GF_VAL_NULL) {
        if (tpl_opt_int(r, a, a->a[0], -1, &indent) < 0)
            return NULL;
    } else {
        indent = -1;
    }
    tpl_to_json(in, (int)(indent > 64 ? 64 : indent), tpl_opt_bool(a->a[1], 0),
                tpl_opt_bool(a->a[2], 1), &out);
    struct gf_val *v = tpl_str_from(&out);
    v->flags |= TV_NATIVE;
    return v;
}

struct gf_val *tpl_f_to_nice_json(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf out = GF_BUF_INIT;
    long long indent;

    if (tpl_opt_int(r, a, a->a[0], 4, &indent) < 0)
        return NULL;
    tpl_to_json(in, (int)(indent < 0 ? 0 : indent > 64 ? 64 : indent), tpl_opt_bool(a->a[1], 1),
                tpl_opt_bool(a->a[2], 1), &out);
    struct gf_val *v = tpl_str_from(&out);
    v->flags |= TV_NATIVE;
    return v;
}

static struct gf_val *yaml_common(struct rctx *r, struct gf_val *in, struct fargs *a, int nice)
{
    struct gf_buf out = GF_BUF_INIT;
    long long indent;
    int flow = nice ? 0 : -1;

    if (tpl_opt_int(r, a, a->a[0], nice ? 4 : 2, &indent) < 0)
        return NULL;
    if (!nice && a->a[1] && a->a[1]->type != GF_VAL_NULL)
        flow = gf_val_truthy(a->a[1]);
    if (indent < 2 || indent > 9)
        indent = 2;
    if (tpl_to_yaml(in, flow, (int)indent, &out) < 0) {
        gf_buf_release(&out);
        return FAIL("%s - cannot represent the value", a->name);
    }
    struct gf_val *v = tpl_str_from(&out);
    v->flags |= TV_NATIVE;
    return v;
}

struct gf_val *tpl_f_to_yaml(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return yaml_common(r, in, a, 0);
}

struct gf_val *tpl_f_to_nice_yaml(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return yaml_common(r, in, a, 1);
}

struct gf_val *tpl_f_from_json(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    const char *msg = NULL;

    if (in->type != GF_VAL_STR)
        return FAIL("the JSON object must be str, bytes or bytearray, not %s", tpl_pytype(in));
    struct gf_val *v = tpl_from_json(in->u.str.s, in->u.str.len, &msg);
    if (v == NULL)
        return FAIL("from_json: %s", msg ? msg : "invalid JSON");
    return v;
}

struct gf_val *tpl_f_from_yaml(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_error err = GF_ERROR_INIT;
    struct gf_val *v = NULL;

    if (in->type != GF_VAL_STR)
        return gf_val_ref(in);
    if (gf_yaml_load(in->u.str.s, in->u.str.len, NULL, &v, &err) < 0) {
        FAIL("from_yaml: %s%s", err.msg ? err.msg : "invalid YAML",
             err.line ? "" : "");
        gf_error_clear(&err);
        return NULL;
    }
    return v ? v : gf_val_null();
}

/* ---- tables ---- */
#define VERSION_PARAMS { "!version", "operator", "strict", "version_type" }

const struct tpl_filter tpl_filters[] = {
    { "abs", tpl_f_abs, 0, { NULL } },
    { "b64decode", tpl_f_b64decode, 0, { "encoding" } },
    { "b64encode", tpl_f_b64encode, 0, { "encoding" } },
    { "basename", tpl_f_basename, 0, { NULL } },
    { "batch", tpl_f_batch, F_ELEMS, { "!linecount", "fill_with" } },
    { "bool", tpl_f_bool, 0, { NULL } },
    { "capitalize", tpl_f_capitalize, 0, { NULL } },
    { "checksum", tpl_f_sha1, 0, { NULL } },
    { "combine", tpl_f_combine, 0, { "*", "recursive", "list_merge" } },
    { "count", tpl_f_length, F_ELEMS, { NULL } },
    { "d", tpl_f_default, F_UNDEF | F_ARGUNDEF, { "default_value", "boolean" } },
    { "default", tpl_f_default, F_UNDEF | F_ARGUNDEF, { "default_value", "boolean" } },
    { "dict2items", tpl_f_dict2items, 0, { "key_name", "value_name" } },
    { "dictsort", tpl_f_dictsort, 0, { "case_sensitive", "by", "reverse" } },
    { "difference", tpl_f_difference, 0, { "!b" } },
    { "dirname", tpl_f_dirname, 0, { NULL } },
    { "extract", tpl_f_extract, 0, { "!container", "morekeys" } },
    { "first", tpl_f_first, F_ELEMS, { NULL } },
    { "flatten", tpl_f_flatten, 0, { "levels", "skip_nulls" } },
    { "float", tpl_f_float, 0, { "default" } },
    { "format", tpl_f_format, 0, { "*" } },
    { "from_json", tpl_f_from_json, 0, { NULL } },
    { "from_yaml", tpl_f_from_yaml, 0, { NULL } },
    { "hash", tpl_f_hash, 0, { "hashtype" } },
    { "indent", tpl_f_indent, 0, { "width", "first", "blank" } },
    { "int", tpl_f_int, 0, { "default", "base" } },
    { "intersect", tpl_f_intersect, 0, { "!b" } },
    { "items", tpl_f_items, F_UNDEF, { NULL } },
    { "items2dict", tpl_f_items2dict, 0, { "key_name", "value_name" } },
    { "join", tpl_f_join, 0, { "d", "attribute" } },
    { "last", tpl_f_last, F_ELEMS, { NULL } },
    { "length", tpl_f_length, F_ELEMS, { NULL } },
    { "list", tpl_f_list, F_ELEMS, { NULL } },
    { "lower", tpl_f_lower, 0, { NULL } },
    { "mandatory", tpl_f_mandatory, F_UNDEF, { "msg" } },
    { "map", tpl_f_map, F_ELEMS, { "*", "attribute", "default" } },
    { "max", tpl_f_max, 0, { "case_sensitive", "attribute" } },
    { "md5", tpl_f_md5, 0, { NULL } },
    { "min", tpl_f_min, 0, { "case_sensitive", "attribute" } },
    { "path_join", tpl_f_path_join, 0, { NULL } },
    { "product", tpl_f_product, 0, { "*" } },
    { "quote", tpl_f_quote, 0, { NULL } },
    { "regex_escape", tpl_f_regex_escape, 0, { "re_type" } },
    { "regex_findall", tpl_f_regex_findall, 0, { "!regex", "multiline", "ignorecase" } },
    { "regex_replace", tpl_f_regex_replace, 0, { "pattern", "replacement", "ignorecase",
                                             "multiline" } },
    { "regex_search", tpl_f_regex_search, 0, { "!regex", "*", "ignorecase", "multiline" } },
    { "reject", tpl_f_reject, F_ELEMS, { "*" } },
    { "rejectattr", tpl_f_rejectattr, F_ELEMS, { "*" } },
    { "replace", tpl_f_replace, 0, { "!old", "!new", "count" } },
    { "reverse", tpl_f_reverse, F_ELEMS, { NULL } },
    { "round", tpl_f_round, 0, { "precision", "method" } },
    { "safe", tpl_f_safe, 0, { NULL } },
    { "select", tpl_f_select, F_ELEMS, { "*" } },
    { "selectattr", tpl_f_selectattr, F_ELEMS, { "*" } },
    { "sha1", tpl_f_sha1, 0, { NULL } },
    { "sort", tpl_f_sort, 0, { "reverse", "case_sensitive", "attribute" } },
    { "split", tpl_f_split, 0, { "sep", "maxsplit" } },
    { "splitext", tpl_f_splitext, 0, { NULL } },
    { "string", tpl_f_string, 0, { NULL } },
    { "subelements", tpl_f_subelements, 0, { "!subelements", "skip_missing" } },
    { "sum", tpl_f_sum, 0, { "attribute", "start" } },
    { "symmetric_difference", tpl_f_symmetric_difference, 0, { "!b" } },
    { "ternary", tpl_f_ternary, 0, { "!true_val", "!false_val", "none_val" } },
    { "title", tpl_f_title, 0, { NULL } },
    { "to_json", tpl_f_to_json, 0, { "indent", "sort_keys", "ensure_ascii" } },
    { "to_nice_json", tpl_f_to_nice_json, 0, { "indent", "sort_keys", "ensure_ascii" } },
    { "to_nice_yaml", tpl_f_to_nice_yaml, 0, { "indent" } },
    { "to_yaml", tpl_f_to_yaml, 0, { "indent", "default_flow_style" } },
    { "trim", tpl_f_trim, 0, { "chars" } },
    { "type_debug", tpl_f_type_debug, 0, { NULL } },
    { "union", tpl_f_union, 0, { "!b" } },
    { "unique", tpl_f_unique, 0, { "case_sensitive", "attribute" } },
    { "upper", tpl_f_upper, 0, { NULL } },
    { "version", tpl_f_version, 0, VERSION_PARAMS },
    { "version_compare", tpl_f_version, 0, VERSION_PARAMS },
    { "zip", tpl_f_zip, 0, { "*" } },
};
const size_t tpl_nfilters = GF_ARRAY_LEN(tpl_filters);

const struct tpl_test tpl_tests[] = {
    { "!=", tpl_t_ne, 0, { "!other" } },
    { "<", tpl_t_lt, 0, { "!other" } },
    { "<=", tpl_t_le, 0, { "!other" } },
    { "==", tpl_t_eq, 0, { "!other" } },
    { ">", tpl_t_gt, 0, { "!other" } },
    { ">=", tpl_t_ge, 0, { "!other" } },
    { "all", tpl_t_all, 0, { NULL } },
    { "any", tpl_t_any, 0, { NULL } },
    { "boolean", tpl_t_boolean, 0, { NULL } },
    { "change", tpl_t_changed, 0, { NULL } },
    { "changed", tpl_t_changed, 0, { NULL } },
    { "contains", tpl_t_contains, 0, { "!value" } },
    { "defined", tpl_t_defined, F_UNDEF, { NULL } },
    { "divisibleby", tpl_t_divisibleby, 0, { "!num" } },
    { "eq", tpl_t_eq, 0, { "!other" } },
    { "equalto", tpl_t_eq, 0, { "!other" } },
    { "even", tpl_t_even, 0, { NULL } },
    { "failed", tpl_t_failed, 0, { NULL } },
    { "failure", tpl_t_failed, 0, { NULL } },
    { "false", tpl_t_false, 0, { NULL } },
    { "falsy", tpl_t_falsy, 0, { "convert_bool" } },
    { "finished", tpl_t_finished, 0, { NULL } },
    { "float", tpl_t_float, 0, { NULL } },
    { "ge", tpl_t_ge, 0, { "!other" } },
    { "greaterthan", tpl_t_gt, 0, { "!other" } },
    { "gt", tpl_t_gt, 0, { "!other" } },
    { "in", tpl_t_in, 0, { "!seq" } },
    { "integer", tpl_t_integer, 0, { NULL } },
    { "issubset", tpl_t_subset, 0, { "!b" } },
    { "issuperset", tpl_t_superset, 0, { "!b" } },
    { "iterable", tpl_t_iterable, 0, { NULL } },
    { "le", tpl_t_le, 0, { "!other" } },
    { "lessthan", tpl_t_lt, 0, { "!other" } },
    { "lower", tpl_t_lower, 0, { NULL } },
    { "lt", tpl_t_lt, 0, { "!other" } },
    { "mapping", tpl_t_mapping, 0, { NULL } },
    { "match", tpl_t_match, 0, { "pattern", "ignorecase", "multiline" } },
    { "ne", tpl_t_ne, 0, { "!other" } },
    { "none", tpl_t_none, 0, { NULL } },
    { "number", tpl_t_number, 0, { NULL } },
    { "odd", tpl_t_odd, 0, { NULL } },
    { "reachable", tpl_t_reachable, 0, { NULL } },
    { "regex", tpl_t_regex, 0, { "pattern", "ignorecase", "multiline", "match_type" } },
    { "sameas", tpl_t_sameas, 0, { "!other" } },
    { "search", tpl_t_search, 0, { "pattern", "ignorecase", "multiline" } },
    { "sequence", tpl_t_iterable, 0, { NULL } },
    { "skip", tpl_t_skipped, 0, { NULL } },
    { "skipped", tpl_t_skipped, 0, { NULL } },
    { "started", tpl_t_finished, 0, { NULL } },
    { "string", tpl_t_string, 0, { NULL } },
    { "subset", tpl_t_subset, 0, { "!b" } },
    { "succeeded", tpl_t_succeeded, 0, { NULL } },
    { "success", tpl_t_succeeded, 0, { NULL } },
    { "successful", tpl_t_succeeded, 0, { NULL } },
    { "superset", tpl_t_superset, 0, { "!b" } },
    { "true", tpl_t_true, 0, { NULL } },
    { "truthy", tpl_t_truthy, 0, { "convert_bool" } },
    { "undefined", tpl_t_undefined, F_UNDEF, { NULL } },
    { "unreachable", tpl_t_unreachable, 0, { NULL } },
    { "upper", tpl_t_upper, 0, { NULL } },
    { "version", tpl_t_version, 0, VERSION_PARAMS },
    { "version_compare", tpl_t_version, 0, VERSION_PARAMS },
};
const size_t tpl_ntests = GF_ARRAY_LEN(tpl_tests);

static const char *strip_fqcn(const char *name)
{
    if (strncmp(name, "ansible.builtin.", 16) == 0)
        return name + 16;
    if (strncmp(name, "ansible.legacy.", 15) == 0)
        return name + 15;
    return name;
}

const char *gf_tpl_filter_name(size_t i)
{
    if (i < tpl_nfilters)
        return tpl_filters[i].name;
    i -= tpl_nfilters;
    return i < tpl_nfilters_net ? tpl_filters_net[i].name : NULL;
}

const char *gf_tpl_test_name(size_t i)
{
    if (i < tpl_ntests)
        return tpl_tests[i].name;
    i -= tpl_ntests;
    return i < tpl_ntests_net ? tpl_tests_net[i].name : NULL;
}

const struct tpl_filter *tpl_find_filter(const char *name)
{
    name = strip_fqcn(name);
    for (size_t i = 0; i < tpl_nfilters; i++)
        if (strcmp(tpl_filters[i].name, name) == 0)
            return &tpl_filters[i];
    for (size_t i = 0; i < tpl_nfilters_net; i++)
        if (strcmp(tpl_filters_net[i].name, name) == 0)
            return &tpl_filters_net[i];
    return NULL;
}

const struct tpl_test *tpl_find_test(const char *name)
{
    name = strip_fqcn(name);
    for (size_t i = 0; i < tpl_ntests; i++)
        if (strcmp(tpl_tests[i].name, name) == 0)
            return &tpl_tests[i];
    for (size_t i = 0; i < tpl_ntests_net; i++)
        if (strcmp(tpl_tests_net[i].name, name) == 0)
            return &tpl_tests_net[i];
    return NULL;
}
