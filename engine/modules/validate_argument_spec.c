/*
 * validate_argument_spec.c - the `validate_argument_spec` module
 * (ansible.builtin.validate_argument_spec): checks variables and given
 * arguments against an argument spec, as Ansible's action plugin does with
 * its ArgumentSpecValidator. The loader puts it first in a role that has a
 * meta/argument_specs.yml for its entry point, as Ansible does.
 *
 * Each option of the spec is taken from the task's variables when one of
 * that name is defined (templated), provided_arguments on top. The values
 * are only checked: as in Ansible, the defaults and conversions of the spec
 * do not become variables. A spec that asks for a check gpuforge does not
 * make (types bytes and bits, required_if, required_by, required_one_of,
 * required_together) fails the task naming it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "argspec-private.h"
#include "module.h"

static const struct gf_param vas_params[] = {
    { "argument_spec", GF_P_RAW, 1, NULL, NULL },
    { "provided_arguments", GF_P_RAW, 0, NULL, NULL },
    { "validate_args_context", GF_P_RAW, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* ---- Python's view of values ---- */

/* Set for one validation (a worker thread each): name the classes Ansible's
 * YAML loader and templating give strings, lists and dicts. */
static _Thread_local int ansible_classes;

static const char *pytype(const struct gf_val *v)
{
    switch (v ? v->type : GF_VAL_NULL) {
    case GF_VAL_BOOL: return "<class 'bool'>";
    case GF_VAL_INT: return "<class 'int'>";
    case GF_VAL_FLOAT: return "<class 'float'>";
    case GF_VAL_STR:
        if (!ansible_classes)
            return "<class 'str'>";
        return v->flags & GF_VAL_UNSAFE ? "<class 'ansible.utils.unsafe_proxy.AnsibleUnsafeText'>"
                                        : "<class 'ansible.parsing.yaml.objects.AnsibleUnicode'>";
    case GF_VAL_LIST:
        return ansible_classes ? "<class 'ansible.parsing.yaml.objects.AnsibleSequence'>"
                               : "<class 'list'>";
    case GF_VAL_MAP:
        return ansible_classes ? "<class 'ansible.parsing.yaml.objects.AnsibleMapping'>"
                               : "<class 'dict'>";
    default: return "<class 'NoneType'>";
    }
}

/* Python's str() of v, appended to b. */
static void pystr(const struct gf_val *v, struct gf_buf *b)
{
    if (v == NULL || v->type == GF_VAL_NULL)
        gf_buf_adds(b, "None");
    else
        gf_val_to_text(v, b);
}

static int is_num(const struct gf_val *v)
{
    return v && (v->type == GF_VAL_BOOL || v->type == GF_VAL_INT || v->type == GF_VAL_FLOAT);
}

static double num(const struct gf_val *v)
{
    return v->type == GF_VAL_BOOL ? v->u.b : v->type == GF_VAL_INT ? (double)v->u.i : v->u.f;
}

/* Python's ==: numbers (bools among them) by value, the rest by type and
 * content. */
static int py_eq(const struct gf_val *a, const struct gf_val *b)
{
    if (is_num(a) && is_num(b))
        return num(a) == num(b);
    if (a == NULL || b == NULL || a->type != b->type)
        return (a == NULL || a->type == GF_VAL_NULL) && (b == NULL || b->type == GF_VAL_NULL);
    if (a->type == GF_VAL_LIST) {
        if (a->u.list.n != b->u.list.n)
            return 0;
        for (size_t i = 0; i < a->u.list.n; i++)
            if (!py_eq(a->u.list.v[i], b->u.list.v[i]))
                return 0;
        return 1;
    }
    if (a->type == GF_VAL_MAP) {
        if (a->u.map.n != b->u.map.n)
            return 0;
        for (size_t i = 0; i < a->u.map.n; i++)
            if (!py_eq(a->u.map.ents[i].val, gf_val_map_get(b, a->u.map.ents[i].key)))
                return 0;
        return 1;
    }
    return gf_val_equal(a, b);
}

static int in_list(const struct gf_val *list, const struct gf_val *v)
{
    for (size_t i = 0; i < list->u.list.n; i++)
        if (py_eq(list->u.list.v[i], v))
            return 1;
    return 0;
}

static const char *const bool_true[] = { "y", "yes", "on", "1", "true", "t", NULL };
static const char *const bool_false[] = { "n", "no", "off", "0", "false", "f", NULL };

/* Ansible's boolean(): 1 or 0, or -1 when v is not one. */
static int py_boolean(const struct gf_val *v)
{
    if (v->type == GF_VAL_BOOL)
        return v->u.b;
    if (v->type == GF_VAL_INT || v->type == GF_VAL_FLOAT)
        return num(v) == 1 ? 1 : num(v) == 0 ? 0 : -1;
    if (v->type != GF_VAL_STR)
        return -1;
    char *s = gf_xstrdup(v->u.str.s), *p = s;
    while (isspace((unsigned char)*p))
        p++;
    size_t n = strlen(p);
    while (n && isspace((unsigned char)p[n - 1]))
        p[--n] = '\0';
    for (char *q = p; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    int r = -1;
    for (int i = 0; bool_true[i] && r < 0; i++)
        if (!strcmp(p, bool_true[i]))
            r = 1;
    for (int i = 0; bool_false[i] && r < 0; i++)
        if (!strcmp(p, bool_false[i]))
            r = 0;
    free(s);
    return r;
}

/* The text between leading and trailing blanks of s, copied. */
static char *stripped(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    char *o = gf_xmalloc(n + 1);
    memcpy(o, s, n);
    o[n] = '\0';
    return o;
}

/* Python's int(str): blanks around, a sign, digits with single underscores
 * between them. */
static int py_int(const char *s, long long *out)
{
    char *t = stripped(s), *w = t, *r = t;
    int ok = 1, digits = 0;

    if (*r == '+' || *r == '-')
        *w++ = *r++;
    for (; *r && ok; r++) {
        if (isdigit((unsigned char)*r))
            *w++ = *r, digits++;
        else if (*r == '_' && digits && isdigit((unsigned char)r[1]))
            continue;
        else
            ok = 0;
    }
    *w = '\0';
    if (ok && digits) {
        errno = 0;
        *out = strtoll(t, NULL, 10);
        ok = errno == 0;
    } else {
        ok = 0;
    }
    free(t);
    return ok;
}

/* Python's float(str) for the decimal forms, inf and nan. */
static int py_float(const char *s, double *out)
{
    char *t = stripped(s), *end;
    int ok = *t && !strpbrk(t, "xXpP_");

    if (ok) {
        *out = strtod(t, &end);
        ok = *end == '\0';
    }
    free(t);
    return ok;
}

/* ---- the validator ---- */

struct av {
    struct gf_val *errs;      /* list of str */
    struct gf_val *unsup;     /* list of str: "name", or "a.b" inside options */
    char *supported;          /* what the last unsupported one's level supports */
    char *what;               /* a check gpuforge does not make */
    struct gf_vec ctx;        /* char *: the options being descended into */
};

static void add_err(struct av *a, const char *fmt, ...) GF_PRINTF(2, 3);
static void add_err(struct av *a, const char *fmt, ...)
{
    va_list ap;
    struct gf_buf b = GF_BUF_INIT;

    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    gf_val_list_push(a->errs, gf_val_strn(b.buf, b.len));
    gf_buf_release(&b);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Sorts a vector of strings as Python's sorted() does (by code point). */
static void sort_names(struct gf_vec *v)
{
    if (v->n > 1)
        qsort(v->v, v->n, sizeof(v->v[0]), cmp_str);
}

static void not_checked(struct av *a, const char *fmt, ...) GF_PRINTF(2, 3);
static void not_checked(struct av *a, const char *fmt, ...)
{
    va_list ap;
    struct gf_buf b = GF_BUF_INIT;

    if (a->what)
        return;
    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    a->what = gf_buf_detach(&b, NULL);
}

/* " -> "-joined context, or "" */
static char *ctx_text(const struct av *a)
{
    struct gf_buf b = GF_BUF_INIT;

    for (size_t i = 0; i < a->ctx.n; i++)
        gf_buf_addf(&b, "%s%s", i ? " -> " : "", (const char *)a->ctx.v[i]);
    return gf_buf_detach(&b, NULL);
}

static const char *spec_type(const struct gf_val *attrs)
{
    const struct gf_val *t = gf_val_map_get(attrs, "type");
    return t && t->type == GF_VAL_STR ? t->u.str.s : t && t->type != GF_VAL_NULL ? "" : NULL;
}

/* Ansible's check_type_dict for a string. */
static int dict_of_text(const char *s, struct gf_val **out, struct gf_buf *msg)
{
    if (s[0] == '{') {
        struct gf_val *v = NULL;
        struct gf_error err = GF_ERROR_INIT;
        if (gf_yaml_load(s, strlen(s), "value", &v, &err) == 0 && v && v->type == GF_VAL_MAP) {
            *out = v;
            return 0;
        }
        gf_error_clear(&err);
        gf_val_unref(v);
        gf_buf_adds(msg, "unable to evaluate string as dictionary");
        return -1;
    }
    if (!strchr(s, '=')) {
        gf_buf_adds(msg, "dictionary requested, could not parse JSON or key=value");
        return -1;
    }
    char *t = stripped(s);
    struct gf_buf field = GF_BUF_INIT;
    struct gf_val *fields = gf_val_list();
    char quote = 0;
    int esc = 0;
    for (const char *c = t;; c++) {
        if (*c && esc) {
            gf_buf_addc(&field, *c);
            esc = 0;
        } else if (*c == '\\') {
            esc = 1;
        } else if (*c && !quote && (*c == '\'' || *c == '"')) {
            quote = *c;
        } else if (*c && quote && *c == quote) {
            quote = 0;
        } else if (!*c || (!quote && (*c == ',' || *c == ' '))) {
            if (field.len)
                gf_val_list_push(fields, gf_val_strn(field.buf, field.len));
            gf_buf_reset(&field);
            if (!*c)
                break;
        } else {
            gf_buf_addc(&field, *c);
        }
    }
    free(t);
    gf_buf_release(&field);
    struct gf_val *d = gf_val_map();
    for (size_t i = 0; i < fields->u.list.n; i++) {
        const char *f = ((struct gf_val *)fields->u.list.v[i])->u.str.s, *eq = strchr(f, '=');
        if (eq == NULL) {
            gf_buf_addf(msg, "dictionary update sequence element #%zu has length 1; 2 is "
                        "required", i);
            gf_val_unref(d);
            gf_val_unref(fields);
            return -1;
        }
        char *k = gf_xstrndup(f, (size_t)(eq - f));
        gf_val_map_set(d, k, gf_val_str(eq + 1));
        free(k);
    }
    gf_val_unref(fields);
    *out = d;
    return 0;
}

/* Converts v to type (Ansible's type checkers). Returns 0 with *out (a new
 * reference), -1 with msg (the checker's error), -2 when gpuforge does not
 * check the type. */
static int convert(const char *type, struct gf_val *v, struct gf_val **out, struct gf_buf *msg)
{
    struct gf_buf b = GF_BUF_INIT;

    if (type == NULL || !strcmp(type, "str") || !strcmp(type, "path")) {
        if (v->type == GF_VAL_STR) {
            *out = gf_val_ref(v);
        } else {
            pystr(v, &b);
            *out = gf_val_strn(b.buf, b.len);
        }
    } else if (!strcmp(type, "raw")) {
        *out = gf_val_ref(v);
    } else if (!strcmp(type, "list")) {
        if (v->type == GF_VAL_LIST) {
            *out = gf_val_ref(v);
        } else if (v->type == GF_VAL_STR) {
            *out = gf_val_list();
            for (const char *p = v->u.str.s;;) {
                const char *c = strchr(p, ',');
                gf_val_list_push(*out, gf_val_strn(p, c ? (size_t)(c - p) : strlen(p)));
                if (!c)
                    break;
                p = c + 1;
            }
        } else if (is_num(v)) {
            *out = gf_val_list();
            pystr(v, &b);
            gf_val_list_push(*out, gf_val_strn(b.buf, b.len));
        } else {
            gf_buf_addf(msg, "%s cannot be converted to a list", pytype(v));
        }
    } else if (!strcmp(type, "dict")) {
        if (v->type == GF_VAL_MAP)
            *out = gf_val_ref(v);
        else if (v->type == GF_VAL_STR)
            dict_of_text(v->u.str.s, out, msg);
        else
            gf_buf_addf(msg, "%s cannot be converted to a dict", pytype(v));
    } else if (!strcmp(type, "bool")) {
        int r = py_boolean(v);
        if (r >= 0) {
            *out = gf_val_bool(r);
        } else if (v->type == GF_VAL_STR || is_num(v)) {
            gf_buf_adds(msg, "The value '");
            pystr(v, msg);
            gf_buf_adds(msg, "' is not a valid boolean.  Valid booleans include: 'y', 'yes', "
                        "'on', '1', 'true', 't', 1, 'n', 'no', 'off', '0', 'false', 'f', 0");
        } else {
            gf_buf_addf(msg, "%s cannot be converted to a bool", pytype(v));
        }
    } else if (!strcmp(type, "int")) {
        long long i;
        if (v->type == GF_VAL_INT || v->type == GF_VAL_BOOL)
            *out = gf_val_ref(v);
        else if (v->type == GF_VAL_STR && py_int(v->u.str.s, &i))
            *out = gf_val_int(i);
        else
            gf_buf_addf(msg, "%s cannot be converted to an int", pytype(v));
    } else if (!strcmp(type, "float")) {
        double f;
        if (v->type == GF_VAL_FLOAT)
            *out = gf_val_ref(v);
        else if (v->type == GF_VAL_INT || v->type == GF_VAL_BOOL)
            *out = gf_val_float(num(v));
        else if (v->type == GF_VAL_STR && py_float(v->u.str.s, &f))
            *out = gf_val_float(f);
        else
            gf_buf_addf(msg, "%s cannot be converted to a float", pytype(v));
    } else if (!strcmp(type, "json") || !strcmp(type, "jsonarg")) {
        if (v->type == GF_VAL_STR) {
            char *t = stripped(v->u.str.s);
            *out = gf_val_str(t);
            free(t);
        } else if (v->type == GF_VAL_LIST || v->type == GF_VAL_MAP) {
            gf_json_dump(v, -1, 0, &b);
            *out = gf_val_strn(b.buf, b.len);
        } else {
            gf_buf_addf(msg, "%s cannot be converted to a json string", pytype(v));
        }
    } else if (!strcmp(type, "bytes") || !strcmp(type, "bits")) {
        gf_buf_release(&b);
        return -2;
    } else {
        gf_buf_adds(msg, "'NoneType' object is not callable"); /* no such checker */
    }
    gf_buf_release(&b);
    return msg->len ? -1 : 0;
}

static void check_types(struct av *a, const struct gf_val *spec, struct gf_val *params)
{
    char *cx = ctx_text(a);

    for (size_t i = 0; i < spec->u.map.n && !a->what; i++) {
        const char *k = spec->u.map.ents[i].key;
        const struct gf_val *attrs = spec->u.map.ents[i].val;
        struct gf_val *v = gf_val_map_get(params, k), *conv = NULL;
        struct gf_buf msg = GF_BUF_INIT;
        const char *type = spec_type(attrs);
        if (v == NULL || v->type == GF_VAL_NULL)
            continue;
        int rc = convert(type, v, &conv, &msg);
        if (rc == -2) {
            not_checked(a, "type %s (option %s)", type, k);
        } else if (rc < 0) {
            add_err(a, "argument '%s' is of type %s%s%s%s and we were unable to convert to %s: %s",
                    k, pytype(v), *cx ? " found in '" : "", cx, *cx ? "'." : "",
                    type ? type : "str", msg.buf);
        } else {
            gf_val_map_set(params, k, conv);
            const struct gf_val *el = gf_val_map_get(attrs, "elements");
            if (el && el->type != GF_VAL_NULL) {
                const char *et = el->type == GF_VAL_STR ? el->u.str.s : "";
                if (!type || strcmp(type, "list") || conv->type != GF_VAL_LIST) {
                    struct gf_buf t = GF_BUF_INIT;
                    pystr(conv, &t);
                    add_err(a, "Invalid type %s for option '%s'%s%s%s, elements value check is "
                            "supported only with 'list' type", type ? type : "str", t.buf,
                            *cx ? " found in '" : "", cx, *cx ? "'." : "");
                    gf_buf_release(&t);
                }
                /* the option keeps the elements that converted */
                struct gf_val *kept = conv->type == GF_VAL_LIST ? gf_val_list() : NULL;
                for (size_t j = 0; kept && j < conv->u.list.n; j++) {
                    struct gf_val *e = conv->u.list.v[j], *ec = NULL;
                    struct gf_buf em = GF_BUF_INIT;
                    int erc = convert(et, e, &ec, &em);
                    if (erc == -2)
                        not_checked(a, "elements %s (option %s)", et, k);
                    else if (erc < 0)
                        add_err(a, "Elements value for option '%s'%s%s%s is of type %s and we "
                                "were unable to convert to %s: %s", k,
                                *cx ? " found in '" : "", cx, *cx ? "'" : "", pytype(e), et,
                                em.buf);
                    else
                        gf_val_list_push(kept, gf_val_ref(ec));
                    gf_val_unref(ec);
                    gf_buf_release(&em);
                }
                if (kept)
                    gf_val_map_set(params, k, kept);
            }
        }
        gf_buf_release(&msg);
    }
    free(cx);
}

static const struct gf_val *bool_overlap(const struct gf_val *choices, int want)
{
    const struct gf_val *hit = NULL;
    int n = 0;

    for (size_t i = 0; i < choices->u.list.n; i++) {
        const struct gf_val *c = choices->u.list.v[i];
        int hit_it = is_num(c) && num(c) == want;
        for (int j = 0; c->type == GF_VAL_STR && (want ? bool_true : bool_false)[j]; j++)
            hit_it |= !strcmp(c->u.str.s, (want ? bool_true : bool_false)[j]);
        if (hit_it) {
            hit = c;
            n++;
        }
    }
    return n == 1 ? hit : NULL;
}

static void check_values(struct av *a, const struct gf_val *spec, struct gf_val *params)
{
    char *cx = ctx_text(a);

    for (size_t i = 0; i < spec->u.map.n; i++) {
        const char *k = spec->u.map.ents[i].key;
        const struct gf_val *ch = gf_val_map_get(spec->u.map.ents[i].val, "choices");
        struct gf_val *v = gf_val_map_get(params, k);
        struct gf_buf cs = GF_BUF_INIT, got = GF_BUF_INIT;
        if (ch == NULL || ch->type == GF_VAL_NULL)
            continue;
        if (ch->type != GF_VAL_LIST) {
            pystr(ch, &cs);
            add_err(a, "internal error: choices for argument %s are not iterable: %s%s%s", k,
                    cs.buf, *cx ? " found in " : "", cx);
            gf_buf_release(&cs);
            continue;
        }
        for (size_t j = 0; j < ch->u.list.n; j++) {
            gf_buf_adds(&cs, j ? ", " : "");
            pystr(ch->u.list.v[j], &cs);
        }
        if (v && v->type == GF_VAL_LIST) {
            for (size_t j = 0; j < v->u.list.n; j++)
                if (!in_list(ch, v->u.list.v[j])) {
                    gf_buf_adds(&got, got.len ? ", " : "");
                    pystr(v->u.list.v[j], &got);
                }
            if (got.len)
                add_err(a, "value of %s must be one or more of: %s. Got no match for: %s%s%s", k,
                        cs.buf, got.buf, *cx ? " found in " : "", cx);
        } else if (v && !in_list(ch, v)) {
            const struct gf_val *alt = NULL;
            /* YAML's True and False written back as the one boolean choice */
            if (v->type == GF_VAL_STR && !strcmp(v->u.str.s, "False"))
                alt = bool_overlap(ch, 0);
            else if (v->type == GF_VAL_STR && !strcmp(v->u.str.s, "True"))
                alt = bool_overlap(ch, 1);
            if (alt) {
                gf_val_map_set(params, k, gf_val_ref((struct gf_val *)alt));
            } else {
                pystr(v, &got);
                add_err(a, "value of %s must be one of: %s, got: %s%s%s", k, cs.buf, got.buf,
                        *cx ? " found in " : "", cx);
            }
        }
        gf_buf_release(&cs);
        gf_buf_release(&got);
    }
    free(cx);
}

static void set_defaults(const struct gf_val *spec, struct gf_val *params, int all)
{
    for (size_t i = 0; i < spec->u.map.n; i++) {
        const char *k = spec->u.map.ents[i].key;
        struct gf_val *d = gf_val_map_get(spec->u.map.ents[i].val, "default");
        if (gf_val_map_get(params, k) == NULL && ((d && d->type != GF_VAL_NULL) || all))
            gf_val_map_set(params, k, d ? gf_val_ref(d) : gf_val_null());
    }
}

static const char *const unchecked_keys[] = {
    "required_if", "required_by", "required_one_of", "required_together", NULL,
};

static void level(struct av *a, const struct gf_val *spec, struct gf_val *params,
                  const struct gf_val *parent_attrs);

/* The options of dict options (and lists of dicts), recursively. */
static void sub_specs(struct av *a, const struct gf_val *spec, struct gf_val *params)
{
    for (size_t i = 0; i < spec->u.map.n && !a->what; i++) {
        const char *k = spec->u.map.ents[i].key;
        const struct gf_val *attrs = spec->u.map.ents[i].val;
        const char *type = spec_type(attrs);
        const struct gf_val *el = gf_val_map_get(attrs, "elements");
        if (!type || !(strcmp(type, "dict") == 0 || (strcmp(type, "list") == 0 && el &&
                                                     el->type == GF_VAL_STR &&
                                                     !strcmp(el->u.str.s, "dict"))))
            continue;
        const struct gf_val *sub = gf_val_map_get(attrs, "options");
        if (sub && sub->type == GF_VAL_NULL)
            sub = NULL;
        struct gf_val *v = gf_val_map_get(params, k);
        if (gf_val_truthy(gf_val_map_get(attrs, "apply_defaults"))) {
            if (sub == NULL)
                continue;
            if (v == NULL || v->type == GF_VAL_NULL)
                gf_val_map_set(params, k, v = gf_val_map());
        } else if (sub == NULL || v == NULL || v->type == GF_VAL_NULL) {
            continue;
        }
        if (sub->type != GF_VAL_MAP) {
            not_checked(a, "options of %s that are not a mapping", k);
            return;
        }
        gf_vec_push(&a->ctx, (void *)k);
        size_t n = v->type == GF_VAL_LIST ? v->u.list.n : 1;
        for (size_t j = 0; j < n && !a->what; j++) {
            struct gf_val *e = v->type == GF_VAL_LIST ? v->u.list.v[j] : v;
            if (e->type != GF_VAL_MAP) {
                add_err(a, "value of '%s' must be of type dict or list of dicts", k);
                continue;
            }
            struct gf_val *copy = gf_val_map_merge(e, NULL);
            level(a, sub, copy, attrs);
            gf_val_unref(copy);
        }
        a->ctx.n--;
    }
}

static const char *pyclass(const struct gf_val *v)
{
    static const char *const names[] = { "NoneType", "bool", "int", "float", "str", "list",
                                         "dict" };
    return names[v ? v->type : GF_VAL_NULL];
}

/* Ansible's pass for no_log values, as written, before anything else:
 * it converts the dicts of options given as text and stops at the first
 * one that is not a dict, an error of its own. Returns 0, or -1 when it
 * stopped. */
static int no_log_walk(struct av *a, const struct gf_val *spec, const struct gf_val *params)
{
    for (size_t i = 0; i < spec->u.map.n; i++) {
        const char *k = spec->u.map.ents[i].key;
        const struct gf_val *attrs = spec->u.map.ents[i].val;
        const struct gf_val *sub = gf_val_map_get(attrs, "options");
        const struct gf_val *v = gf_val_map_get(params, k);
        const char *type = spec_type(attrs);
        const struct gf_val *el = gf_val_map_get(attrs, "elements");
        if (sub == NULL || sub->type != GF_VAL_MAP || v == NULL || v->type == GF_VAL_NULL ||
            !type || !(strcmp(type, "dict") == 0 ||
                       (strcmp(type, "list") == 0 && el && el->type == GF_VAL_STR &&
                        !strcmp(el->u.str.s, "dict"))))
            continue;
        size_t n = v->type == GF_VAL_LIST ? v->u.list.n : 1;
        for (size_t j = 0; j < n; j++) {
            const struct gf_val *e = v->type == GF_VAL_LIST ? v->u.list.v[j] : v;
            struct gf_val *conv = NULL;
            struct gf_buf msg = GF_BUF_INIT;
            int rc = 0;
            if (e->type == GF_VAL_STR) {
                if (dict_of_text(e->u.str.s, &conv, &msg) < 0) {
                    add_err(a, "%s", msg.buf);
                    rc = -1;
                }
                e = conv;
            }
            if (rc == 0 && e->type != GF_VAL_MAP) {
                pystr(e, &msg);
                add_err(a, "Value '%s' in the sub parameter field '%s' must by a %s, not '%s'",
                        msg.buf, k, type, pyclass(e));
                rc = -1;
            }
            if (rc == 0)
                rc = no_log_walk(a, sub, e);
            gf_val_unref(conv);
            gf_buf_release(&msg);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static void no_log_pass(struct av *a, const struct gf_val *spec, const struct gf_val *params)
{
    no_log_walk(a, spec, params);
}

/* One level of options: Ansible's validate() or one _validate_sub_spec
 * step, in their order. */
static void level(struct av *a, const struct gf_val *spec, struct gf_val *params,
                  const struct gf_val *parent_attrs)
{
    struct gf_val *aliases = gf_val_map(); /* alias -> option */
    char *cx = ctx_text(a);

    for (size_t i = 0; i < spec->u.map.n; i++) {
        const char *k = spec->u.map.ents[i].key;
        const struct gf_val *attrs = spec->u.map.ents[i].val;
        if (attrs->type != GF_VAL_MAP) {
            not_checked(a, "option %s whose spec is not a mapping", k);
            break;
        }
        const struct gf_val *al = gf_val_map_get(attrs, "aliases");
        const struct gf_val *d = gf_val_map_get(attrs, "default");
        if (d && d->type != GF_VAL_NULL && gf_val_truthy(gf_val_map_get(attrs, "required"))) {
            add_err(a, "internal error: required and default are mutually exclusive for %s", k);
            gf_val_unref(aliases);
            aliases = gf_val_map();
            break;
        }
        if (al == NULL || al->type == GF_VAL_NULL)
            continue;
        if (al->type != GF_VAL_LIST) {
            add_err(a, "internal error: aliases must be a list or tuple");
            gf_val_unref(aliases);
            aliases = gf_val_map();
            break;
        }
        for (size_t j = 0; j < al->u.list.n; j++) {
            struct gf_val *an = al->u.list.v[j];
            if (an->type != GF_VAL_STR)
                continue;
            gf_val_map_set(aliases, an->u.str.s, gf_val_str(k));
            struct gf_val *av = gf_val_map_get(params, an->u.str.s);
            if (av)
                gf_val_map_set(params, k, gf_val_ref(av));
        }
    }
    if (a->what)
        goto out;
    no_log_pass(a, spec, params);

    /* unsupported options */
    for (size_t i = 0; i < params->u.map.n; i++) {
        const char *k = params->u.map.ents[i].key;
        if (gf_val_map_get(spec, k) || gf_val_map_get(aliases, k))
            continue;
        struct gf_buf b = GF_BUF_INIT;
        for (size_t j = 0; j < a->ctx.n; j++)
            gf_buf_addf(&b, "%s.", (const char *)a->ctx.v[j]);
        gf_buf_adds(&b, k);
        gf_val_list_push(a->unsup, gf_val_strn(b.buf, b.len));
        gf_buf_reset(&b);
        /* what this level supports: its options, then its aliases */
        struct gf_vec names = GF_VEC_INIT, als = GF_VEC_INIT;
        for (size_t j = 0; j < spec->u.map.n; j++)
            if (!gf_val_map_get(aliases, spec->u.map.ents[j].key))
                gf_vec_push(&names, spec->u.map.ents[j].key);
        for (size_t j = 0; j < aliases->u.map.n; j++)
            gf_vec_push(&als, aliases->u.map.ents[j].key);
        sort_names(&names);
        sort_names(&als);
        for (size_t j = 0; j < names.n; j++)
            gf_buf_addf(&b, "%s%s", j ? ", " : "", (const char *)names.v[j]);
        for (size_t j = 0; j < als.n; j++)
            gf_buf_addf(&b, "%s%s", j ? ", " : " (", (const char *)als.v[j]);
        if (als.n)
            gf_buf_addc(&b, ')');
        free(a->supported);
        a->supported = gf_buf_detach(&b, NULL);
        gf_vec_release(&names, NULL);
        gf_vec_release(&als, NULL);
    }

    const struct gf_val *mx = gf_val_map_get(parent_attrs, "mutually_exclusive");
    if (mx && mx->type == GF_VAL_LIST) {
        struct gf_buf b = GF_BUF_INIT;
        for (size_t i = 0; i < mx->u.list.n; i++) {
            const struct gf_val *term = mx->u.list.v[i];
            int count = 0;
            for (size_t j = 0; term->type == GF_VAL_LIST && j < term->u.list.n; j++) {
                const struct gf_val *t = term->u.list.v[j];
                count += t->type == GF_VAL_STR && gf_val_map_get(params, t->u.str.s) != NULL;
            }
            if (count > 1) {
                gf_buf_adds(&b, b.len ? ", " : "");
                for (size_t j = 0; j < term->u.list.n; j++) {
                    gf_buf_adds(&b, j ? "|" : "");
                    pystr(term->u.list.v[j], &b);
                }
            }
        }
        if (b.len)
            add_err(a, "parameters are mutually exclusive: %s%s%s", b.buf,
                    *cx ? " found in " : "", cx);
        gf_buf_release(&b);
    }
    for (int i = 0; unchecked_keys[i]; i++)
        if (gf_val_map_get(parent_attrs, unchecked_keys[i]))
            not_checked(a, "%s (in the options of %s)", unchecked_keys[i],
                        a->ctx.n ? (const char *)a->ctx.v[a->ctx.n - 1] : "");

    set_defaults(spec, params, 0);
    struct gf_vec missing = GF_VEC_INIT;
    for (size_t i = 0; i < spec->u.map.n; i++)
        if (gf_val_truthy(gf_val_map_get(spec->u.map.ents[i].val, "required")) &&
            !gf_val_map_get(params, spec->u.map.ents[i].key))
            gf_vec_push(&missing, spec->u.map.ents[i].key);
    if (missing.n) {
        struct gf_buf b = GF_BUF_INIT;
        sort_names(&missing);
        for (size_t i = 0; i < missing.n; i++)
            gf_buf_addf(&b, "%s%s", i ? ", " : "", (const char *)missing.v[i]);
        add_err(a, "missing required arguments: %s%s%s", b.buf, *cx ? " found in " : "", cx);
        gf_buf_release(&b);
    }
    gf_vec_release(&missing, NULL);
    check_types(a, spec, params);
    check_values(a, spec, params);
    set_defaults(spec, params, 1);
    sub_specs(a, spec, params);
out:
    free(cx);
    gf_val_unref(aliases);
}

int gf_argspec_validate(const struct gf_val *spec, const struct gf_val *params,
                        int ansible_types, struct gf_val *errs, char **what)
{
    struct av a = { errs, gf_val_list(), NULL, NULL, GF_VEC_INIT };
    struct gf_val *p = gf_val_map_merge(params, NULL);

    ansible_classes = ansible_types;
    level(&a, spec, p, NULL);
    if (a.unsup->u.list.n && !a.what) {
        struct gf_vec names = GF_VEC_INIT;
        struct gf_buf b = GF_BUF_INIT;
        for (size_t i = 0; i < a.unsup->u.list.n; i++)
            gf_vec_push(&names, ((struct gf_val *)a.unsup->u.list.v[i])->u.str.s);
        sort_names(&names);
        for (size_t i = 0; i < names.n; i++)
            gf_buf_addf(&b, "%s%s", i ? ", " : "", (const char *)names.v[i]);
        add_err(&a, "%s. Supported parameters include: %s.", b.buf, a.supported);
        gf_buf_release(&b);
        gf_vec_release(&names, NULL);
    }
    gf_val_unref(p);
    gf_val_unref(a.unsup);
    free(a.supported);
    gf_vec_release(&a.ctx, NULL);
    *what = a.what;
    return a.what ? -1 : 0;
}

/* ---- the module ---- */

static int vas_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const struct gf_val *spec = gf_val_map_get(args, "argument_spec");
    const struct gf_val *given = gf_val_map_get(args, "provided_arguments");
    const struct gf_val *vctx = gf_val_map_get(args, "validate_args_context");
    struct gf_val *fromvars = gf_val_map(), *params = NULL, *errs = gf_val_list();
    char *what = NULL;

    gf_val_map_set(res->data, "validate_args_context",
                   vctx && vctx->type == GF_VAL_MAP ? gf_val_ref((struct gf_val *)vctx)
                                                    : gf_val_map());
    if (spec->type != GF_VAL_MAP) {
        ansible_classes = 1;
        gf_modres_fail(res, "Incorrect type for argument_spec, expected dict and got %s",
                       pytype(spec));
        goto out;
    }
    if (given && given->type != GF_VAL_MAP && given->type != GF_VAL_NULL) {
        ansible_classes = 1;
        gf_modres_fail(res, "Incorrect type for provided_arguments, expected dict and got %s",
                       pytype(given));
        goto out;
    }
    /* the options that are variables of the task, templated */
    for (size_t i = 0; i < spec->u.map.n; i++) {
        const char *k = spec->u.map.ents[i].key;
        struct gf_val *v = NULL, *t = NULL;
        for (const struct gf_tpl_scope *s = ctx->scope; s && !v; s = s->parent)
            if (s->lookup)
                v = s->lookup(s->ctx, k);
        if (v == NULL)
            continue;
        struct gf_error err = GF_ERROR_INIT;
        if (gf_tpl_template_val(v, ctx->scope, NULL, &t, &err) < 0) {
            gf_modres_fail(res, "%s: %s", k, err.msg);
            gf_error_clear(&err);
            goto out;
        }
        gf_val_map_set(fromvars, k, t);
    }
    params = gf_val_map_merge(fromvars, given && given->type == GF_VAL_MAP ? given : NULL);
    if (gf_argspec_validate(spec, params, 1, errs, &what) < 0) {
        gf_modres_fail(res, "validate_argument_spec: %s is not checked by gpuforge", what);
        goto out;
    }
    if (errs->u.list.n) {
        struct gf_buf b = GF_BUF_INIT;
        gf_buf_adds(&b, "Validation of arguments failed:");
        for (size_t i = 0; i < errs->u.list.n; i++)
            gf_buf_addf(&b, "\n%s", ((struct gf_val *)errs->u.list.v[i])->u.str.s);
        res->failed = 1;
        gf_val_map_set(res->data, "msg", gf_val_strn(b.buf, b.len));
        gf_val_map_set(res->data, "argument_spec_data", gf_val_ref((struct gf_val *)spec));
        gf_val_map_set(res->data, "argument_errors", gf_val_ref(errs));
        gf_buf_release(&b);
    } else {
        gf_val_map_set(res->data, "msg", gf_val_str("The arg spec validation passed"));
    }
out:
    free(what);
    gf_val_unref(fromvars);
    gf_val_unref(params);
    gf_val_unref(errs);
    return 0;
}

const struct gf_module gf_module_validate_argument_spec = {
    .name = "validate_argument_spec",
    .aliases = (const char *const[]){ "ansible.builtin.validate_argument_spec", NULL },
    .params = vas_params,
    .controller_only = 1,
    .supports_check = 1,
    .run = vas_run,
};
