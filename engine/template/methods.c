/*
 * methods.c - the methods templates call on values, obj.name(args): the
 * str, dict and list methods Ansible content uses, with Python's
 * semantics (tpl_call_method).
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

static int want_args(struct rctx *r, uint32_t pos, const char *name, size_t argc, size_t lo,
                     size_t hi)
{
    if (argc < lo || argc > hi) {
        tpl_fail(r, pos, "%s() takes %zu to %zu arguments (%zu given)", name, lo, hi, argc);
        return -1;
    }
    return 0;
}

static int arg_is_str(struct rctx *r, uint32_t pos, const char *name, const struct gf_val *v)
{
    if (v->type != GF_VAL_STR) {
        tpl_fail(r, pos, "%s() argument must be str, not %s", name, tpl_pytype(v));
        return 0;
    }
    return 1;
}

static struct gf_val *str_method(struct rctx *r, struct gf_val *obj, const char *name,
                                 struct gf_val **argv, size_t argc, uint32_t pos)
{
    const char *s = obj->u.str.s;
    size_t n = obj->u.str.len, i, j;
    struct fargs fa;
    struct gf_buf t = GF_BUF_INIT;

    memset(&fa, 0, sizeof(fa));
    fa.name = name;
    fa.pos = pos;
    if (!strcmp(name, "lower") || !strcmp(name, "upper") || !strcmp(name, "capitalize") ||
        !strcmp(name, "title")) {
        if (want_args(r, pos, name, argc, 0, 0) < 0)
            return NULL;
        if (name[0] == 'l' || name[0] == 'u') {
            struct gf_val *v = tpl_map_case(obj, &t, name[0] == 'u');
            gf_buf_release(&t);
            return v;
        }
        struct gf_val *v = tpl_map_case_mode(obj, &t, name[0] == 'c' ? 2 : 3);
        gf_buf_release(&t);
        return v;
    }
    if (!strcmp(name, "strip") || !strcmp(name, "lstrip") || !strcmp(name, "rstrip")) {
        if (want_args(r, pos, name, argc, 0, 1) < 0)
            return NULL;
        const char *chars = NULL;
        size_t cn = 0;
        if (argc && argv[0]->type != GF_VAL_NULL) {
            if (!arg_is_str(r, pos, name, argv[0]))
                return NULL;
            chars = argv[0]->u.str.s;
            cn = argv[0]->u.str.len;
        }
        tpl_strip_range(s, n, chars, cn, name[0] != 'r', name[0] != 'l', &i, &j);
        return gf_val_strn(s + i, j - i);
    }
    if (!strcmp(name, "split") || !strcmp(name, "rsplit")) {
        if (want_args(r, pos, name, argc, 0, 2) < 0)
            return NULL;
        return tpl_split_common(r, &fa, obj, argc > 0 ? argv[0] : NULL, argc > 1 ? argv[1] : NULL,
                            name[0] == 'r');
    }
    if (!strcmp(name, "splitlines")) {
        struct gf_val *l = gf_val_list();
        for (i = 0; i < n;) {
            j = i;
            while (j < n && s[j] != '\n' && s[j] != '\r')
                j++;
            gf_val_list_push(l, gf_val_strn(s + i, j - i));
            if (j < n && s[j] == '\r' && j + 1 < n && s[j + 1] == '\n')
                j++;
            i = j + 1;
        }
        return l;
    }
    if (!strcmp(name, "startswith") || !strcmp(name, "endswith")) {
        if (want_args(r, pos, name, argc, 1, 1) < 0)
            return NULL;
        const struct gf_val *p = argv[0];
        size_t np = p->type == GF_VAL_LIST ? p->u.list.n : 1;
        for (size_t k = 0; k < np; k++) {
            const struct gf_val *q = p->type == GF_VAL_LIST ? p->u.list.v[k] : p;
            if (!arg_is_str(r, pos, name, q))
                return NULL;
            size_t qn = q->u.str.len;
            if (qn <= n && memcmp(name[0] == 's' ? s : s + n - qn, q->u.str.s, qn) == 0)
                return gf_val_bool(1);
        }
        return gf_val_bool(0);
    }
    if (!strcmp(name, "replace")) {
        long long count = -1;
        if (want_args(r, pos, name, argc, 2, 3) < 0 || !arg_is_str(r, pos, name, argv[0]) ||
            !arg_is_str(r, pos, name, argv[1]) ||
            (argc == 3 && tpl_opt_int(r, &fa, argv[2], -1, &count) < 0))
            return NULL;
        return tpl_py_replace(s, n, argv[0]->u.str.s, argv[0]->u.str.len, argv[1]->u.str.s,
                          argv[1]->u.str.len, count);
    }
    if (!strcmp(name, "find") || !strcmp(name, "rfind") || !strcmp(name, "index") ||
        !strcmp(name, "count")) {
        if (want_args(r, pos, name, argc, 1, 1) < 0 || !arg_is_str(r, pos, name, argv[0]))
            return NULL;
        const char *sub = argv[0]->u.str.s;
        size_t sn = argv[0]->u.str.len;
        if (name[0] == 'c') {
            long long c = 0;
            if (sn == 0)
                return gf_val_int((long long)tpl_utf8_len(s, n) + 1);
            for (const char *h = s; (h = memmem(h, n - (size_t)(h - s), sub, sn)) != NULL;
                 h += sn)
                c++;
            return gf_val_int(c);
        }
        const char *hit = NULL;
        if (name[0] == 'r') {
            for (size_t k = n >= sn ? n - sn + 1 : 0; k-- > 0;)
                if (memcmp(s + k, sub, sn) == 0) {
                    hit = s + k;
                    break;
                }
        } else {
            hit = sn == 0 ? s : memmem(s, n, sub, sn);
        }
        if (hit == NULL && name[0] == 'i')
            return tpl_fail(r, pos, "substring not found");
        return gf_val_int(hit ? (long long)tpl_utf8_len(s, (size_t)(hit - s)) : -1);
    }
    if (!strcmp(name, "join")) {
        if (want_args(r, pos, name, argc, 1, 1) < 0)
            return NULL;
        const struct gf_val *l = argv[0];
        if (l->type != GF_VAL_LIST)
            return tpl_fail(r, pos, "can only join an iterable");
        struct gf_buf out = GF_BUF_INIT;
        for (size_t k = 0; k < l->u.list.n; k++) {
            const struct gf_val *e = l->u.list.v[k];
            if (e->type != GF_VAL_STR) {
                gf_buf_release(&out);
                return tpl_fail(r, pos, "sequence item %zu: expected str instance, %s found",
                                k, tpl_pytype(e));
            }
            if (k)
                gf_buf_add(&out, s, n);
            gf_buf_add(&out, e->u.str.s, e->u.str.len);
        }
        return tpl_str_from(&out);
    }
    if (!strncmp(name, "is", 2)) {
        int (*cls)(int) = !strcmp(name, "isdigit") ? isdigit : !strcmp(name, "isalpha") ? isalpha
                        : !strcmp(name, "isalnum") ? isalnum : !strcmp(name, "isspace") ? isspace
                        : NULL;
        if (!strcmp(name, "islower") || !strcmp(name, "isupper"))
            return gf_val_bool(tpl_case_test(obj, name[2] == 'u'));
        if (cls == NULL)
            goto unknown;
        if (want_args(r, pos, name, argc, 0, 0) < 0)
            return NULL;
        int ok = n > 0;
        for (i = 0; i < n && ok; i++)
            ok = cls((unsigned char)s[i]) != 0;
        return gf_val_bool(ok);
    }
    if (!strcmp(name, "zfill") || !strcmp(name, "center") || !strcmp(name, "ljust") ||
        !strcmp(name, "rjust")) {
        long long w;
        if (want_args(r, pos, name, argc, 1, 2) < 0 || tpl_opt_int(r, &fa, argv[0], 0, &w) < 0)
            return NULL;
        char fill = argc > 1 && argv[1]->type == GF_VAL_STR && argv[1]->u.str.len == 1
                  ? argv[1]->u.str.s[0] : name[0] == 'z' ? '0' : ' ';
        size_t len = tpl_utf8_len(s, n), pad = w > (long long)len ? (size_t)w - len : 0;
        if (pad > (64u << 20))
            return tpl_fail(r, pos, "result is too large");
        size_t left = name[0] == 'r' || name[0] == 'z' ? pad : name[0] == 'l' ? 0
                    : pad / 2 + (pad & (size_t)w & 1);
        struct gf_buf out = GF_BUF_INIT;
        size_t sign = name[0] == 'z' && n && (s[0] == '-' || s[0] == '+');
        gf_buf_add(&out, s, sign);
        for (size_t k = 0; k < left; k++)
            gf_buf_addc(&out, fill);
        gf_buf_add(&out, s + sign, n - sign);
        for (size_t k = left; k < pad; k++)
            gf_buf_addc(&out, fill);
        return tpl_str_from(&out);
    }
    if (!strcmp(name, "partition") || !strcmp(name, "rpartition")) {
        if (want_args(r, pos, name, argc, 1, 1) < 0 || !arg_is_str(r, pos, name, argv[0]))
            return NULL;
        struct gf_val *parts = tpl_py_split(s, n, argv[0]->u.str.s, argv[0]->u.str.len, 1,
                                        name[0] == 'r');
        struct gf_val *t3 = gf_val_list();
        t3->flags |= TV_TUPLE;
        if (parts->u.list.n == 2) {
            gf_val_list_push(t3, gf_val_ref(parts->u.list.v[0]));
            gf_val_list_push(t3, gf_val_ref(argv[0]));
            gf_val_list_push(t3, gf_val_ref(parts->u.list.v[1]));
        } else if (name[0] == 'r') {
            gf_val_list_push(t3, gf_val_str(""));
            gf_val_list_push(t3, gf_val_str(""));
            gf_val_list_push(t3, gf_val_ref(obj));
        } else {
            gf_val_list_push(t3, gf_val_ref(obj));
            gf_val_list_push(t3, gf_val_str(""));
            gf_val_list_push(t3, gf_val_str(""));
        }
        gf_val_unref(parts);
        return t3;
    }
    if (!strcmp(name, "format"))
        return tpl_fail(r, pos, "str.format() is not supported; use the format filter or ~");
unknown:
    return tpl_fail(r, pos, "'str object' has no attribute '%s'", name);
}

struct gf_val *tpl_call_method(struct rctx *r, struct gf_val *obj, const char *name,
                               struct gf_val **argv, size_t argc, uint32_t pos)
{
    switch (obj->type) {
    case GF_VAL_STR:
        return str_method(r, obj, name, argv, argc, pos);
    case GF_VAL_MAP:
        if (!strcmp(name, "items") || !strcmp(name, "keys") || !strcmp(name, "values")) {
            if (want_args(r, pos, name, argc, 0, 0) < 0)
                return NULL;
            struct gf_val *l = gf_val_list();
            for (size_t i = 0; i < obj->u.map.n; i++) {
                struct gf_val *k = gf_val_str(obj->u.map.ents[i].key);
                struct gf_val *v = gf_val_ref(obj->u.map.ents[i].val);
                if (name[0] == 'k') {
                    gf_val_unref(v);
                    gf_val_list_push(l, k);
                } else if (name[0] == 'v') {
                    gf_val_unref(k);
                    gf_val_list_push(l, v);
                } else {
                    struct gf_val *t = gf_val_list();
                    t->flags |= TV_TUPLE;
                    gf_val_list_push(t, k);
                    gf_val_list_push(t, v);
                    gf_val_list_push(l, t);
                }
            }
            return l;
        }
        if (!strcmp(name, "get")) {
            if (want_args(r, pos, name, argc, 1, 2) < 0)
                return NULL;
            struct gf_val *v = argv[0]->type == GF_VAL_STR ? gf_val_map_get(obj, argv[0]->u.str.s)
                                                           : NULL;
            if (v)
                return gf_val_ref(v);
            return argc > 1 ? gf_val_ref(argv[1]) : gf_val_null();
        }
        if (!strcmp(name, "copy"))
            return gf_val_map_merge(obj, NULL);
        break;
    case GF_VAL_LIST:
        if (!strcmp(name, "index") || !strcmp(name, "count")) {
            if (want_args(r, pos, name, argc, 1, 1) < 0)
                return NULL;
            long long c = 0;
            for (size_t i = 0; i < obj->u.list.n; i++)
                if (gf_val_equal(obj->u.list.v[i], argv[0])) {
                    if (name[0] == 'i')
                        return gf_val_int((long long)i);
                    c++;
                }
            if (name[0] == 'i')
                return tpl_fail(r, pos, "value is not in list");
            return gf_val_int(c);
        }
        if (!strcmp(name, "copy")) {
            struct gf_val *l = gf_val_list();
            for (size_t i = 0; i < obj->u.list.n; i++)
                gf_val_list_push(l, gf_val_ref(obj->u.list.v[i]));
            return l;
        }
        break;
    default:
        break;
    }
    return tpl_fail(r, pos, "'%s' has no method '%s'", tpl_objdesc(obj), name);
}
