/*
 * yaml-inv.c - YAML (and JSON) inventories as Ansible's yaml plugin reads
 * them: top-level keys are groups, each a mapping (or null) of hosts:,
 * children: (groups again, to any depth) and vars:; a string where a
 * section's mapping belongs names one entry; host keys may be ranges and
 * carry a port. Errors point at the key they are about.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inv-private.h"

#define MAX_PATH 1100 /* keys from the root: two per level of children */

struct walk {
    struct inv_src *src;
    const char *data;
    size_t len;
    const char *path[MAX_PATH];
    size_t depth;
};

/* Position of the key at the current path (reread lazily: errors only). */
static void key_pos(const struct walk *w, int *line, int *col)
{
    *line = *col = 0;
    inv_key_pos(w->data, w->len, w->path, w->depth, line, col);
}

static int walk_err(struct walk *w, const char *fmt, ...) GF_PRINTF(2, 3);
static int walk_err(struct walk *w, const char *fmt, ...)
{
    va_list ap;
    int line, col, rc;

    key_pos(w, &line, &col);
    va_start(ap, fmt);
    rc = gf_error_vset(w->src->err, GF_EPARSE, w->src->file, line, col, fmt, ap);
    va_end(ap);
    return rc;
}

static void walk_warn(struct walk *w, const char *fmt, ...) GF_PRINTF(2, 3);
static void walk_warn(struct walk *w, const char *fmt, ...)
{
    struct gf_buf b = GF_BUF_INIT;
    va_list ap;
    int line, col;

    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    key_pos(w, &line, &col);
    gf_warn("%s:%d:%d: %s", w->src->file, line, col, b.buf);
    gf_buf_release(&b);
}

static int push(struct walk *w, const char *key)
{
    if (w->depth == MAX_PATH)
        return gf_error_set(w->src->err, GF_EPARSE, w->src->file, 0, 0,
                            "groups nested too deeply");
    w->path[w->depth++] = key;
    return 0;
}

/* "a list", "an integer", ... for messages. */
static const char *a_type(const struct gf_val *v)
{
    static const char *const names[] = { "null", "a boolean", "an integer", "a float",
                                         "a string", "a list", "a mapping" };

    return v == NULL ? "null" : names[v->type];
}

static int is_map_or_null(const struct gf_val *v)
{
    return v == NULL || v->type == GF_VAL_NULL || v->type == GF_VAL_MAP;
}

static int set_var(struct walk *w, const char *entity, const char *key, struct gf_val *v)
{
    char *msg = NULL;
    int rc = inv_check_conn_var(key, v, w->src->file, v->line, v->col, w->src->err);

    if (rc == 0 && inv_set_var(w->src->inv, entity, key, gf_val_ref(v), &msg) < 0) {
        rc = gf_error_set(w->src->err, GF_EPARSE, w->src->file, v->line, v->col, "%s", msg);
        free(msg);
    }
    return rc;
}

static int group(struct walk *w, const char *name, const struct gf_val *data,
                 struct gf_group **out);

static int section_vars(struct walk *w, struct gf_group *g, const struct gf_val *m)
{
    int rc = 0;

    for (size_t i = 0; i < m->u.map.n && rc == 0; i++)
        rc = set_var(w, g->name, m->u.map.ents[i].key, m->u.map.ents[i].val);
    return rc;
}

static int section_children(struct walk *w, struct gf_group *g, const struct gf_val *m)
{
    int rc = 0;

    for (size_t i = 0; i < m->u.map.n && rc == 0; i++) {
        struct gf_group *child = NULL;
        char *msg = NULL;
        if ((rc = group(w, m->u.map.ents[i].key, m->u.map.ents[i].val, &child)) < 0)
            break;
        if (inv_child_add(w->src->inv, g, child, &msg) < 0) {
            push(w, m->u.map.ents[i].key);
            rc = walk_err(w, "%s", msg);
            w->depth--;
            free(msg);
        }
    }
    return rc;
}

static int section_hosts(struct walk *w, struct gf_group *g, const struct gf_val *m)
{
    int rc = 0;

    for (size_t i = 0; i < m->u.map.n && rc == 0; i++) {
        const char *pattern = m->u.map.ents[i].key;
        const struct gf_val *hv = m->u.map.ents[i].val;
        struct gf_vec names = GF_VEC_INIT;
        long long port;
        char *msg = NULL;
        int line, col;

        if ((rc = push(w, pattern)) < 0)
            break;
        if (inv_expand_hosts(pattern, &names, &port, &msg) < 0) {
            rc = walk_err(w, "bad host pattern '%s': %s", pattern, msg);
        } else if (gf_val_truthy(hv) && hv->type != GF_VAL_MAP) {
            rc = walk_err(w, "host '%s' in group '%s' must have a mapping of variables, not "
                          "%s", pattern, g->name, a_type(hv));
        } else {
            for (size_t k = 0; k < names.n && rc == 0; k++) {
                if (inv_check_host_name(names.v[k], NULL, 0, 0, NULL) < 0) {
                    key_pos(w, &line, &col);
                    rc = inv_check_host_name(names.v[k], w->src->file, line, col, w->src->err);
                }
            }
            for (size_t k = 0; k < names.n && rc == 0; k++) {
                inv_host_add(w->src, names.v[k], g, port);
                if (gf_val_truthy(hv))
                    for (size_t j = 0; j < hv->u.map.n && rc == 0; j++)
                        rc = set_var(w, names.v[k], hv->u.map.ents[j].key,
                                     hv->u.map.ents[j].val);
            }
        }
        free(msg);
        gf_vec_release(&names, free);
        w->depth--;
    }
    return rc;
}

static const char *const sections[] = { "vars", "children", "hosts" };

static int group(struct walk *w, const char *name, const struct gf_val *data,
                 struct gf_group **out)
{
    struct gf_val *norm[3] = { NULL, NULL, NULL };
    struct gf_group *g;
    int rc;

    if ((rc = push(w, name)) < 0)
        return rc;
    /* Ansible only warns and skips such a group; a misplaced list of hosts
     * would then mean no hosts, so it is an error here. */
    if (!is_map_or_null(data)) {
        rc = walk_err(w, "group '%s' must be a mapping (with hosts:, children:, vars:), not "
                      "%s", name, a_type(data));
        goto out;
    }
    if (*name == '\0') {
        rc = walk_err(w, "empty group name");
        goto out;
    }
    inv_note_group_name(w->src->inv, name);
    g = inv_group_add(w->src->inv, name);
    if (out)
        *out = g;
    if (data == NULL || data->type == GF_VAL_NULL)
        goto out;
    for (size_t s = 0; s < GF_ARRAY_LEN(sections); s++) {
        struct gf_val *v = gf_val_map_get(data, sections[s]);
        if (v == NULL)
            continue;
        if (v->type == GF_VAL_STR) { /* "hosts: web1" means {web1: null} */
            norm[s] = gf_val_map();
            norm[s]->line = v->line;
            norm[s]->col = v->col;
            gf_val_map_set(norm[s], v->u.str.s, gf_val_null());
        } else if (!is_map_or_null(v)) {
            push(w, sections[s]);
            rc = walk_err(w, "'%s' of group '%s' must be a mapping, not %s", sections[s], name,
                          a_type(v));
            w->depth--;
            goto out;
        }
    }
    for (size_t i = 0; i < data->u.map.n && rc == 0; i++) {
        const char *key = data->u.map.ents[i].key;
        const struct gf_val *v = data->u.map.ents[i].val;
        size_t s = 0;
        while (s < GF_ARRAY_LEN(sections) && strcmp(key, sections[s]) != 0)
            s++;
        if (s < GF_ARRAY_LEN(sections) && norm[s])
            v = norm[s];
        if ((rc = push(w, key)) < 0)
            break;
        if (!is_map_or_null(v))
            walk_warn(w, "skipping key '%s' in group '%s': it is %s, not a mapping", key, name,
                      a_type(v));
        else if (v->type == GF_VAL_NULL)
            ; /* an empty section */
        else if (s == 0)
            rc = section_vars(w, g, v);
        else if (s == 1)
            rc = section_children(w, g, v);
        else if (s == 2)
            rc = section_hosts(w, g, v);
        else
            walk_warn(w, "skipping unexpected key '%s' in group '%s': only 'vars', 'children' "
                      "and 'hosts' are valid", key, name);
        w->depth--;
    }
out:
    for (size_t s = 0; s < GF_ARRAY_LEN(sections); s++)
        gf_val_unref(norm[s]);
    w->depth--;
    return rc;
}

int inv_parse_yaml(struct inv_src *src, const struct gf_val *root, const char *data, size_t len)
{
    struct walk *w = gf_xcalloc(1, sizeof(*w));
    int rc = 0;

    w->src = src;
    w->data = data;
    w->len = len;
    for (size_t i = 0; i < root->u.map.n && rc == 0; i++)
        rc = group(w, root->u.map.ents[i].key, root->u.map.ents[i].val, NULL);
    free(w);
    return rc;
}
