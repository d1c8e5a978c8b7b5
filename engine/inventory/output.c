/*
 * output.c - what `ansible-inventory` prints, byte for byte: --list (groups
 * with their direct hosts and children, and _meta.hostvars with every
 * host's merged variables), --graph [GROUP] [--vars] and --host HOST, with
 * its internal variables left out.
 */
#include <stdlib.h>
#include <string.h>

#include "inv-private.h"

/* INTERNAL_VARS of ansible/cli/inventory.py */
static const char *const internal_vars[] = {
    "ansible_diff_mode", "ansible_config_file", "ansible_facts", "ansible_forks",
    "ansible_inventory_sources", "ansible_limit", "ansible_playbook_python",
    "ansible_run_tags", "ansible_skip_tags", "ansible_verbosity", "ansible_version",
    "inventory_dir", "inventory_file", "inventory_hostname", "inventory_hostname_short",
    "groups", "group_names", "omit", "playbook_dir",
};

static struct gf_val *without_internal(struct gf_val *vars)
{
    for (size_t i = 0; i < GF_ARRAY_LEN(internal_vars); i++)
        gf_val_unref(gf_map_del(&vars->u.map, internal_vars[i]));
    return vars;
}

static struct gf_val *host_view(const struct gf_inventory *inv, const struct gf_host *h)
{
    return without_internal(gf_inventory_host_vars(inv, h, 0));
}

static struct gf_val *names_of(const struct gf_vec *v, int hosts)
{
    struct gf_val *l = gf_val_list();

    for (size_t i = 0; i < v->n; i++)
        gf_val_list_push(l, gf_val_str(hosts ? ((struct gf_host *)v->v[i])->name
                                             : ((struct gf_group *)v->v[i])->name));
    return l;
}

void gf_inventory_list_json(const struct gf_inventory *inv, struct gf_buf *b)
{
    struct gf_val *res = gf_val_map(), *meta = gf_val_map(), *hostvars = gf_val_map();

    for (size_t i = 0; i < inv->groups.n; i++) {
        const struct gf_group *g = inv->groups.ents[i].val;
        struct gf_val *e = gf_val_map();
        if (i > 0 && g->hosts.n) /* "all" lists no hosts */
            gf_val_map_set(e, "hosts", names_of(&g->hosts, 1));
        if (g->children.n)
            gf_val_map_set(e, "children", names_of(&g->children, 0));
        if (e->u.map.n)
            gf_val_map_set(res, g->name, e);
        else
            gf_val_unref(e);
    }
    /* the hosts of get_hosts('all'): a host that reconciling left in no
     * group (possible when "ungrouped" is made a child) is not among them */
    struct gf_vec all = GF_VEC_INIT;
    gf_inventory_match(inv, "all", &all, NULL);
    for (size_t i = 0; i < all.n; i++) {
        const struct gf_host *h = all.v[i];
        struct gf_val *v = host_view(inv, h);
        if (v->u.map.n)
            gf_val_map_set(hostvars, h->name, v);
        else
            gf_val_unref(v);
    }
    gf_vec_release(&all, NULL);
    gf_val_map_set(meta, "hostvars", hostvars);
    gf_val_map_set(res, "_meta", meta);
    gf_json_dump(res, 4, GF_JSON_SORT, b);
    gf_buf_addc(b, '\n');
    gf_val_unref(res);
}

static int cmp_ent(const void *a, const void *b)
{
    return strcmp(((const struct gf_map_ent *)a)->key, ((const struct gf_map_ent *)b)->key);
}

static void graph_name(struct gf_buf *b, int depth)
{
    for (int i = 0; i < depth; i++)
        gf_buf_adds(b, "  |");
    if (depth)
        gf_buf_adds(b, "--");
}

/* _show_vars: "{name = str(value)}" lines, sorted by name; consumes vars. */
static void show_vars(struct gf_val *vars, int depth, struct gf_buf *b)
{
    struct gf_map_ent *e = gf_xcalloc(vars->u.map.n + 1, sizeof(*e));

    if (vars->u.map.n)
        memcpy(e, vars->u.map.ents, vars->u.map.n * sizeof(*e));
    qsort(e, vars->u.map.n, sizeof(*e), cmp_ent);
    for (size_t i = 0; i < vars->u.map.n; i++) {
        graph_name(b, depth);
        gf_buf_addf(b, "{%s = ", e[i].key);
        gf_val_to_text(e[i].val, b);
        gf_buf_adds(b, "}\n");
    }
    free(e);
    gf_val_unref(vars);
}

static void graph_group(const struct gf_inventory *inv, const struct gf_group *g, int depth,
                        int show, struct gf_buf *b)
{
    graph_name(b, depth);
    gf_buf_addf(b, "@%s:\n", g->name);
    for (size_t i = 0; i < g->children.n; i++)
        graph_group(inv, g->children.v[i], depth + 1, show, b);
    if (g->index != 0)
        for (size_t i = 0; i < g->hosts.n; i++) {
            const struct gf_host *h = g->hosts.v[i];
            graph_name(b, depth + 1);
            gf_buf_addf(b, "%s\n", h->name);
            if (show)
                show_vars(host_view(inv, h), depth + 2, b);
        }
    if (show)
        show_vars(without_internal(inv_group_view_vars(inv, g)), depth + 1, b);
}

int gf_inventory_graph(const struct gf_inventory *inv, const char *group, int show_vars,
                       struct gf_buf *b, struct gf_error *err)
{
    const struct gf_group *g = gf_inventory_group(inv, group ? group : "all");

    if (g == NULL)
        return gf_error_set(err, GF_ENOTFOUND, NULL, 0, 0, "no group named '%s' to graph",
                            group);
    graph_group(inv, g, 0, show_vars, b);
    return 0;
}

int gf_inventory_host_json(const struct gf_inventory *inv, const char *host, struct gf_buf *b,
                           struct gf_error *err)
{
    struct gf_vec hosts = GF_VEC_INIT;
    int rc = gf_inventory_match(inv, host, &hosts, err);

    if (rc == 0 && hosts.n == 0)
        rc = gf_error_set(err, GF_ENOTFOUND, NULL, 0, 0, "no host matches '%s'", host);
    else if (rc == 0 && hosts.n > 1)
        rc = gf_error_set(err, GF_EINVAL, NULL, 0, 0,
                          "'%s' matches %zu hosts; --host needs exactly one", host, hosts.n);
    if (rc == 0) {
        struct gf_val *v = host_view(inv, hosts.v[0]);
        gf_json_dump(v, 4, GF_JSON_SORT, b);
        gf_buf_addc(b, '\n');
        gf_val_unref(v);
    }
    gf_vec_release(&hosts, NULL);
    return rc;
}
