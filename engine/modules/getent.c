/* getent.c - the `getent` module: a database of the name service switch
 * (passwd, group, hosts, ...) queried with getent(1) on the node
 * (sh/getent.sh), returned as the fact getent_DATABASE. */
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param getent_params[] = {
    { "database", GF_P_STR, 1, NULL, NULL },
    { "key", GF_P_STR, 0, NULL, NULL },
    { "service", GF_P_STR, 0, NULL, NULL },
    { "split", GF_P_STR, 0, NULL, NULL },
    { "fail_key", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* line.split(sep) (sep NULL: split on runs of white space) as a list of
 * strings. */
static struct gf_val *py_split(const char *line, size_t n, const char *sep)
{
    struct gf_val *l = gf_val_list();
    const char *p = line, *end = line + n;

    if (sep == NULL) {
        while (p < end) {
            while (p < end && strchr(" \t\v\f\r", *p))
                p++;
            const char *w = p;
            while (p < end && !strchr(" \t\v\f\r", *p))
                p++;
            if (p > w)
                gf_val_list_push(l, gf_val_strn(w, (size_t)(p - w)));
        }
        return l;
    }
    size_t sl = strlen(sep);
    for (;;) {
        const char *s = sl ? memmem(p, (size_t)(end - p), sep, sl) : NULL;
        if (s == NULL) {
            gf_val_list_push(l, gf_val_strn(p, (size_t)(end - p)));
            return l;
        }
        gf_val_list_push(l, gf_val_strn(p, (size_t)(s - p)));
        p = s + sl;
    }
}

/* Fills tree from getent's output as the module does: the first field is
 * the key, the rest the value; a key seen again turns into a list. */
static void parse_records(const char *out, const char *sep, struct gf_val *tree)
{
    struct gf_val *seen = gf_val_map();

    for (const char *p = out; *p;) {
        size_t n = strcspn(p, "\n");
        struct gf_val *rec = py_split(p, n, sep);
        p += n + (p[n] == '\n');
        if (rec->u.list.n == 0) {
            gf_val_unref(rec);
            continue;
        }
        struct gf_val *k = rec->u.list.v[0];
        struct gf_val *rest = gf_val_list();
        for (size_t i = 1; i < rec->u.list.n; i++)
            gf_val_list_push(rest, gf_val_ref(rec->u.list.v[i]));
        struct gf_val *cnt = gf_val_map_get(seen, k->u.str.s);
        if (cnt) {
            struct gf_val *cur = gf_val_map_get(tree, k->u.str.s);
            if (cnt->u.i == 1) {
                struct gf_val *wrap = gf_val_list();
                gf_val_list_push(wrap, gf_val_ref(cur));
                gf_val_map_set(tree, k->u.str.s, wrap);
                cur = wrap;
            }
            gf_val_list_push(cur, rest);
            gf_val_map_set(seen, k->u.str.s, gf_val_int(cnt->u.i + 1));
        } else {
            gf_val_map_set(tree, k->u.str.s, rest);
            gf_val_map_set(seen, k->u.str.s, gf_val_int(1));
        }
        gf_val_unref(rec);
    }
    gf_val_unref(seen);
}

static int getent_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *db = gf_arg_str(args, "database", NULL);
    const char *key = gf_arg_str(args, "key", NULL);
    const char *split = gf_arg_str(args, "split", NULL);
    struct gf_buf sc = GF_BUF_INIT;
    struct gf_result r;
    int rc;

    if (split == NULL && (!strcmp(db, "passwd") || !strcmp(db, "shadow") ||
                          !strcmp(db, "group") || !strcmp(db, "gshadow")))
        split = ":";
    gf_sh_assign(&sc, "gf_db", db);
    gf_sh_assign(&sc, "gf_key", key);
    gf_sh_assign(&sc, "gf_has_key", key ? "1" : "0");
    gf_sh_assign(&sc, "gf_service", gf_arg_str(args, "service", NULL));
    gf_nodesh_add(&sc, "lib");
    gf_nodesh_add(&sc, "getent");
    if ((rc = gf_sys_run(ctx, sc.buf, NULL, 0, &r, res, "getent failed")) != 0)
        goto out;
    const char *st = gf_mod_tagged(r.out.buf, "GFRC ");
    int grc = st ? atoi(st) : -1;
    struct gf_val *facts = gf_val_map(), *tree = gf_val_map();
    char *fk = gf_xasprintf("getent_%s", db);
    if (grc == 0)
        parse_records(st + strcspn(st, "\n") + (st[strcspn(st, "\n")] != '\0'), split, tree);
    else if (grc == 2 && !gf_arg_bool(args, "fail_key", 1))
        gf_val_map_set(tree, key ? key : "", gf_val_null());
    gf_val_map_set(facts, fk, tree);
    facts->flags |= GF_VAL_UNSAFE;
    if (grc == 0 || (grc == 2 && !gf_arg_bool(args, "fail_key", 1))) {
        gf_val_map_set(res->data, "ansible_facts", gf_val_ref(facts));
        if (grc == 2)
            gf_val_map_set(res->data, "msg", gf_val_str("One or more supplied key could not be "
                                                        "found in the database."));
    } else {
        gf_modres_fail(res, "%s", grc == 1 ? "Missing arguments, or database unknown."
                       : grc == 2 ? "One or more supplied key could not be found in the database."
                       : grc == 3 ? "Enumeration not supported on this database."
                       : "Unexpected failure!");
    }
    gf_val_unref(facts);
    free(fk);
out:
    gf_result_release(&r);
    gf_buf_release(&sc);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_getent = {
    .name = "getent",
    .aliases = (const char *const[]){ "ansible.builtin.getent", NULL },
    .params = getent_params,
    .supports_check = 1,
    .run = getent_run,
};
