/*
 * inventory.c - the inventory model with Ansible's semantics: groups and
 * hosts merged by name across sources, the implicit "all"/"ungrouped"
 * membership (InventoryData.reconcile_inventory), group depth, loading of
 * -i sources (files by content, directories in Ansible's order with its
 * ignore rules, "a,b," host lists), group_vars/ and host_vars/ beside each
 * source, and the variable precedence of a host's merged view.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inv-private.h"

#define MAX_DIR_DEPTH 32
#define GROUP_WARNED 1u /* gf_group.flags: same-name host reported */

static const char *const var_exts[] = { "", ".yml", ".yaml", ".json" };

/* ---- model ---- */

static struct gf_group *group_new(struct gf_inventory *inv, const char *name)
{
    struct gf_group *g = gf_xcalloc(1, sizeof(*g));

    g->name = gf_xstrdup(name);
    g->vars = gf_val_map();
    g->priority = 1;
    g->index = inv->groups.n;
    gf_map_set(&inv->groups, name, g);
    return g;
}

struct gf_group *inv_group_add(struct gf_inventory *inv, const char *name)
{
    struct gf_group *g = gf_map_get(&inv->groups, name);

    return g ? g : group_new(inv, name);
}

static int has(const struct gf_vec *v, const void *p)
{
    return gf_vec_contains(v, p);
}

static void vec_remove(struct gf_vec *v, const void *p)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i] == p) {
            memmove(&v->v[i], &v->v[i + 1], (v->n - i - 1) * sizeof(v->v[0]));
            v->n--;
            return;
        }
}

static void member_add(struct gf_group *g, struct gf_host *h)
{
    if (has(&h->groups, g))
        return;
    gf_vec_push(&g->hosts, h);
    gf_vec_push(&h->groups, g);
}

struct gf_host *inv_host_add(struct inv_src *src, const char *name, struct gf_group *g,
                             long long port)
{
    struct gf_inventory *inv = src->inv;
    struct gf_host *h = gf_map_get(&inv->hosts, name);

    if (h == NULL) {
        h = gf_xcalloc(1, sizeof(*h));
        h->name = gf_xstrdup(name);
        h->index = inv->order.n;
        h->vars = gf_val_map();
        h->src_file = src->abs_file ? gf_xstrdup(src->abs_file) : NULL;
        h->src_dir = src->abs_dir ? gf_xstrdup(src->abs_dir) : NULL;
        if (port > 0)
            gf_val_map_set(h->vars, "ansible_port", gf_val_int(port));
        gf_map_set(&inv->hosts, name, h);
        gf_vec_push(&inv->order, h);
    }
    if (g)
        member_add(g, h);
    return h;
}

/* Marks the ancestors of g in anc[] (g itself not). */
static void ancestors(const struct gf_inventory *inv, const struct gf_group *g,
                      unsigned char *anc)
{
    struct gf_vec todo = GF_VEC_INIT;

    memset(anc, 0, inv->groups.n);
    gf_vec_push(&todo, (void *)g);
    while (todo.n) {
        const struct gf_group *x = todo.v[--todo.n];
        for (size_t i = 0; i < x->parents.n; i++) {
            const struct gf_group *p = x->parents.v[i];
            if (!anc[p->index]) {
                anc[p->index] = 1;
                gf_vec_push(&todo, (void *)p);
            }
        }
    }
    gf_vec_release(&todo, NULL);
}

/* 1 when `anc` is target itself or one of its ancestors. */
static int is_ancestor(const struct gf_inventory *inv, const struct gf_group *anc,
                       const struct gf_group *target)
{
    unsigned char *marks = gf_xcalloc(inv->groups.n + 1, 1);
    int found;

    ancestors(inv, target, marks);
    found = anc == target || marks[anc->index];
    free(marks);
    return found;
}

static void group_link(struct gf_group *parent, struct gf_group *child)
{
    gf_vec_push(&parent->children, child);
    gf_vec_push(&child->parents, parent);
}

int inv_child_add(struct gf_inventory *inv, struct gf_group *parent, struct gf_group *child,
                  char **msg)
{
    if (parent == child) {
        *msg = gf_xasprintf("group '%s' cannot be a child of itself", child->name);
        return -1;
    }
    if (has(&parent->children, child))
        return 0;
    /* "all" ends up above every group, so below one it is always a cycle */
    if (strcmp(child->name, "all") == 0 || is_ancestor(inv, child, parent)) {
        *msg = gf_xasprintf("adding group '%s' as a child of '%s' creates a cycle", child->name,
                            parent->name);
        return -1;
    }
    group_link(parent, child);
    return 0;
}

/* Python's int() of an inventory value, for ansible_group_priority. */
static int py_int_of(const struct gf_val *v, long long *out)
{
    switch (v->type) {
    case GF_VAL_BOOL:
        *out = v->u.b;
        return 0;
    case GF_VAL_INT:
        *out = v->u.i;
        return 0;
    case GF_VAL_FLOAT:
        if (v->u.f != v->u.f || v->u.f > 9e18 || v->u.f < -9e18)
            return -1;
        *out = (long long)v->u.f;
        return 0;
    case GF_VAL_STR:
        return memchr(v->u.str.s, '\0', v->u.str.len) ? -1 : inv_py_int(v->u.str.s, out);
    default:
        return -1;
    }
}

int inv_set_var(struct gf_inventory *inv, const char *entity, const char *key, struct gf_val *v,
                char **msg)
{
    struct gf_group *g = gf_map_get(&inv->groups, entity);
    struct gf_host *h;

    if (g && strcmp(key, "ansible_group_priority") == 0) {
        long long p;
        int rc = py_int_of(v, &p);
        if (rc < 0 || p < -2147483647 || p > 2147483647) {
            struct gf_buf t = GF_BUF_INIT;
            gf_val_to_text(v, &t);
            *msg = gf_xasprintf("ansible_group_priority of group '%s' must be an integer, "
                                "not '%s'", entity, t.buf);
            gf_buf_release(&t);
            gf_val_unref(v);
            return -1;
        }
        g->priority = (int)p;
        gf_val_unref(v);
        return 0;
    }
    if (g) {
        gf_val_map_set(g->vars, key, v);
        return 0;
    }
    h = gf_map_get(&inv->hosts, entity);
    if (h == NULL) {
        *msg = gf_xasprintf("no group or host named '%s'", entity);
        gf_val_unref(v);
        return -1;
    }
    gf_val_map_set(h->vars, key, v);
    return 0;
}

void inv_note_group_name(struct gf_inventory *inv, const char *name)
{
    int bad = *name >= '0' && *name <= '9';

    for (const char *p = name; *p; p++)
        bad |= !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                 (*p >= '0' && *p <= '9') || *p == '_' || (unsigned char)*p >= 0x80);
    if (bad && !(inv->warned & 1)) {
        inv->warned |= 1;
        gf_warn("Invalid characters were found in group names but not replaced, use -vvvv to "
                "see details");
    }
}

struct gf_inventory *gf_inventory_new(void)
{
    struct gf_inventory *inv = gf_xcalloc(1, sizeof(*inv));
    struct gf_group *all = group_new(inv, "all"), *ung = group_new(inv, "ungrouped");

    group_link(all, ung);
    inv->all_src_children = 1;
    return inv;
}

static void group_free(void *p)
{
    struct gf_group *g = p;

    free(g->name);
    gf_val_unref(g->vars);
    gf_vec_release(&g->hosts, NULL);
    gf_vec_release(&g->children, NULL);
    gf_vec_release(&g->parents, NULL);
    free(g);
}

static void host_free(void *p)
{
    struct gf_host *h = p;

    free(h->name);
    gf_val_unref(h->vars);
    gf_vec_release(&h->groups, NULL);
    gf_vec_release(&h->var_groups, NULL);
    free(h->src_dir);
    free(h->src_file);
    free(h);
}

static void unref_val(void *p)
{
    gf_val_unref(p);
}

static void vardir_free(void *p)
{
    struct inv_vardir *vd = p;

    free(vd->dir);
    for (int k = 0; k < 2; k++) {
        gf_map_release(&vd->names[k], NULL);
        gf_map_release(&vd->found[k], unref_val);
    }
    free(vd);
}

void gf_inventory_free(struct gf_inventory *inv)
{
    if (inv == NULL)
        return;
    gf_map_release(&inv->hosts, host_free);
    gf_vec_release(&inv->order, NULL);
    gf_map_release(&inv->groups, group_free);
    gf_vec_release(&inv->sources, free);
    gf_vec_release(&inv->var_dirs, free);
    gf_map_release(&inv->file_group_vars, unref_val);
    gf_map_release(&inv->file_host_vars, unref_val);
    gf_vec_release(&inv->vardirs, vardir_free);
    gf_vec_release(&inv->ungrouped_src, NULL);
    free(inv);
}

struct gf_host *gf_inventory_host(const struct gf_inventory *inv, const char *name)
{
    return gf_map_get(&inv->hosts, name);
}

struct gf_group *gf_inventory_group(const struct gf_inventory *inv, const char *name)
{
    return gf_map_get(&inv->groups, name);
}

static struct gf_group *group_at(const struct gf_inventory *inv, size_t i)
{
    return inv->groups.ents[i].val;
}

/* ---- implicit membership (reconcile_inventory), redone after each source ---- */

/* Takes back what reconcile added, so the next source is parsed against
 * what the sources said, as in Ansible (which reconciles once, at the end). */
static void unreconcile(struct gf_inventory *inv)
{
    struct gf_group *all = group_at(inv, 0), *ung = group_at(inv, 1);

    for (size_t i = inv->all_src_children; i < all->children.n; i++)
        vec_remove(&((struct gf_group *)all->children.v[i])->parents, all);
    all->children.n = inv->all_src_children;
    for (size_t i = inv->ungrouped_src_children; i < ung->children.n; i++)
        vec_remove(&((struct gf_group *)ung->children.v[i])->parents, ung);
    ung->children.n = inv->ungrouped_src_children;
    for (size_t i = 0; i < ung->hosts.n; i++)
        vec_remove(&((struct gf_host *)ung->hosts.v[i])->groups, ung);
    ung->hosts.n = 0;
    for (size_t i = 0; i < inv->ungrouped_src.n; i++)
        member_add(ung, inv->ungrouped_src.v[i]);
    for (size_t i = 0; i < inv->order.n; i++)
        ((struct gf_host *)inv->order.v[i])->var_groups.n = 0;
}

/* Marks in seen[] every group h is in, directly or through parents; returns
 * how many. */
static size_t closure(const struct gf_inventory *inv, const struct gf_host *h,
                      unsigned char *seen, struct gf_vec *out)
{
    struct gf_vec todo = GF_VEC_INIT;
    size_t n = 0;

    memset(seen, 0, inv->groups.n);
    for (size_t i = 0; i < h->groups.n; i++)
        gf_vec_push(&todo, h->groups.v[i]);
    while (todo.n) {
        const struct gf_group *g = todo.v[--todo.n];
        if (seen[g->index])
            continue;
        seen[g->index] = 1;
        n++;
        if (out)
            gf_vec_push(out, (void *)g);
        for (size_t i = 0; i < g->parents.n; i++)
            gf_vec_push(&todo, g->parents.v[i]);
    }
    gf_vec_release(&todo, NULL);
    return n;
}

/* Depth of every group: the longest path from "all" (what Ansible's
 * incremental depth updates amount to). */
static void compute_depths(struct gf_inventory *inv)
{
    size_t n = inv->groups.n;
    size_t *pending = gf_xcalloc(n, sizeof(*pending));
    struct gf_vec ready = GF_VEC_INIT;

    for (size_t i = 0; i < n; i++) {
        struct gf_group *g = group_at(inv, i);
        g->depth = 0;
        pending[i] = g->parents.n;
        if (pending[i] == 0)
            gf_vec_push(&ready, g);
    }
    while (ready.n) {
        struct gf_group *g = ready.v[--ready.n];
        for (size_t i = 0; i < g->children.n; i++) {
            struct gf_group *c = g->children.v[i];
            if (c->depth < g->depth + 1)
                c->depth = g->depth + 1;
            if (--pending[c->index] == 0)
                gf_vec_push(&ready, c);
        }
    }
    gf_vec_release(&ready, NULL);
    free(pending);
}

/* Host.remove_group(g) on the set in[]: g goes, and so does each ancestor
 * of g (but "all") that is no ancestor of a group still in the set - even
 * one the host is a direct member of, as in Ansible. */
static void host_remove_group(const struct gf_inventory *inv, unsigned char *in,
                              const struct gf_group *g)
{
    size_t n = inv->groups.n;
    unsigned char *anc = gf_xcalloc(n + 1, 1), *other = gf_xcalloc(n + 1, 1);

    if (!in[g->index])
        goto out;
    in[g->index] = 0;
    ancestors(inv, g, anc);
    for (size_t i = 0; i < n; i++) {
        if (!anc[i] || i == 0)
            continue;
        int covered = 0;
        for (size_t c = 0; c < n && !covered; c++)
            if (in[c]) {
                ancestors(inv, group_at(inv, c), other);
                covered = other[i];
            }
        if (!covered)
            host_remove_group(inv, in, group_at(inv, i));
    }
out:
    free(anc);
    free(other);
}

/* When "ungrouped" has children or parents besides "all", Ansible's
 * removal of a host from it leaves the host's own group list different
 * from its memberships (ungrouped goes even when a child group still holds
 * the host; ancestors may go too); records that list for its variables. */
static void drop_from_ungrouped(const struct gf_inventory *inv, struct gf_host *h)
{
    struct gf_group *ung = group_at(inv, 1);
    unsigned char *in;

    if (ung->children.n == 0 && ung->parents.n == 1 && ung->parents.v[0] == group_at(inv, 0))
        return;
    in = gf_xcalloc(inv->groups.n + 1, 1);
    closure(inv, h, in, NULL);
    host_remove_group(inv, in, ung);
    h->var_groups.n = 0;
    for (size_t i = 0; i < inv->groups.n; i++)
        if (in[i] || i == 0)
            gf_vec_push(&h->var_groups, group_at(inv, i));
    free(in);
}

static int reconcile(struct gf_inventory *inv, const char *source, struct gf_error *err)
{
    struct gf_group *all = group_at(inv, 0), *ung = group_at(inv, 1);
    unsigned char *seen = gf_xcalloc(inv->groups.n + 1, 1), *drop = NULL;
    char *msg = NULL;
    int rc = 0;

    for (size_t i = 0; i < inv->groups.n; i++) {
        struct gf_group *g = group_at(inv, i);
        /* a group with no parents is no ancestor of "all" (which may not
         * be anyone's child): linking it cannot make a cycle */
        if (g != all && g->parents.n == 0)
            group_link(all, g);
    }
    drop = gf_xcalloc(inv->order.n + 1, 1);
    for (size_t i = 0; i < inv->order.n; i++) {
        struct gf_host *h = inv->order.v[i];
        size_t n = closure(inv, h, seen, NULL);
        if (seen[ung->index]) {
            if (n > 1u + seen[all->index] && has(&h->groups, ung)) {
                drop[i] = 1;
                drop_from_ungrouped(inv, h);
            }
        } else if (n == 0 || (n == 1 && seen[all->index])) {
            /* Ansible's add_child('ungrouped', name) prefers a group of that name */
            struct gf_group *same = gf_map_get(&inv->groups, h->name);
            if (same) {
                if (inv_child_add(inv, ung, same, &msg) < 0)
                    goto fail;
            } else {
                member_add(ung, h);
            }
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < ung->hosts.n; i++) {
        struct gf_host *h = ung->hosts.v[i];
        if (drop[h->index])
            vec_remove(&h->groups, ung);
        else
            ung->hosts.v[k++] = h;
    }
    ung->hosts.n = k;
    compute_depths(inv);
    for (size_t i = 0; i < inv->groups.n; i++) {
        struct gf_group *g = group_at(inv, i);
        if (!(g->flags & GROUP_WARNED) && gf_map_get(&inv->hosts, g->name)) {
            g->flags |= GROUP_WARNED;
            gf_warn("Found both group and host with same name: %s", g->name);
        }
    }
    goto out;
fail:
    rc = gf_error_set(err, GF_EPARSE, source, 0, 0, "%s", msg);
out:
    free(msg);
    free(seen);
    free(drop);
    return rc;
}

/* ---- paths ---- */

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir);

    if (n == 0)
        return gf_xstrdup(name);
    return gf_xasprintf("%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", name);
}

/* Python's os.path.dirname. */
static char *dir_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n;

    if (slash == NULL)
        return gf_xstrdup("");
    n = (size_t)(slash - path) + 1;
    while (n > 1 && path[n - 1] == '/')
        n--;
    return gf_xstrndup(path, n);
}

/* Python's os.path.abspath: joined with the working directory, then
 * "." and ".." resolved without looking at the file system. */
static char *abs_path(const char *path)
{
    struct gf_buf in = GF_BUF_INIT, out = GF_BUF_INIT;
    char cwd[4096];

    if (path[0] != '/' && getcwd(cwd, sizeof(cwd)))
        gf_buf_addf(&in, "%s/", cwd);
    gf_buf_adds(&in, path);
    for (char *p = in.buf; *p;) {
        char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.')) {
            /* nothing */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            char *last = strrchr(out.buf, '/');
            gf_buf_setlen(&out, last ? (size_t)(last - out.buf) : 0);
        } else {
            gf_buf_addc(&out, '/');
            gf_buf_add(&out, p, n);
        }
        p += n + (e != NULL);
    }
    if (out.len == 0)
        gf_buf_addc(&out, '/');
    gf_buf_release(&in);
    return gf_buf_detach(&out, NULL);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in directory path, sorted; returns -1 (errno) when unreadable. */
static int list_dir(const char *path, struct gf_vec *names)
{
    DIR *d = opendir(path);
    struct dirent *e;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            gf_vec_push(names, gf_xstrdup(e->d_name));
    closedir(d);
    if (names->n > 1)
        qsort(names->v, names->n, sizeof(names->v[0]), cmp_str);
    return 0;
}

/* Python's os.path.splitext(name)[1] for a base name. */
static const char *ext_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    const char *p = name;

    if (dot == NULL)
        return "";
    while (p < dot && *p == '.')
        p++;
    return p == dot ? "" : dot;
}

/* ---- group_vars/ and host_vars/ (the host_group_vars vars plugin) ---- */

static const char *const var_subdir[2] = { "group_vars", "host_vars" };

/* DataLoader._get_dir_vars_files: files of a NAME/ directory, sorted,
 * recursing into subdirectories without an extension. */
static int dir_var_files(const char *path, struct gf_vec *files, int depth, struct gf_error *err)
{
    struct gf_vec names = GF_VEC_INIT;
    int rc = 0;

    if (depth > MAX_DIR_DEPTH)
        return gf_error_set(err, GF_EPARSE, path, 0, 0, "directories nested too deeply");
    if (list_dir(path, &names) < 0)
        return gf_error_set(err, GF_EIO, path, 0, 0, "cannot read directory: %s",
                            strerror(errno));
    for (size_t i = 0; i < names.n && rc == 0; i++) {
        const char *name = names.v[i], *ext = ext_of(name);
        if (name[0] == '.' || gf_endswith(name, "~"))
            continue;
        char *full = path_join(path, name);
        if (gf_is_dir(full) && *ext == '\0') {
            rc = dir_var_files(full, files, depth + 1, err);
        } else if (gf_is_file(full)) {
            int ok = 0;
            for (size_t e = 0; e < GF_ARRAY_LEN(var_exts); e++)
                ok |= strcmp(ext, var_exts[e]) == 0;
            if (ok) {
                gf_vec_push(files, full);
                full = NULL;
            }
        }
        free(full);
    }
    gf_vec_release(&names, free);
    return rc;
}

static void merge_into(struct gf_val *dst, const struct gf_val *src)
{
    if (src == NULL || src->type != GF_VAL_MAP)
        return;
    for (size_t i = 0; i < src->u.map.n; i++)
        gf_val_map_set(dst, src->u.map.ents[i].key, gf_val_ref(src->u.map.ents[i].val));
}

/* Loads one vars file and merges it into *acc (made when NULL). */
static int load_var_file(const char *path, struct gf_val **acc, struct gf_error *err)
{
    struct gf_buf b = GF_BUF_INIT;
    struct gf_val *v = NULL;
    int rc = inv_read(path, &b, err);

    if (rc == 0 && gf_startswith(b.buf, "$ANSIBLE_VAULT"))
        rc = gf_error_set(err, GF_EUNSUPPORTED, path, 1, 1,
                          "vault-encrypted files are not supported");
    if (rc == 0)
        rc = inv_load_data(b.buf, b.len, path, &v, err);
    gf_buf_release(&b);
    if (rc < 0 || !gf_val_truthy(v)) /* Ansible skips empty files */
        goto out;
    if (v->type != GF_VAL_MAP) {
        static const char *const what[] = { "null", "a boolean", "an integer", "a float",
                                            "a string", "a list", "a mapping" };
        rc = gf_error_set(err, GF_EPARSE, path, v->line, v->col,
                          "a vars file must hold a mapping of variables, not %s", what[v->type]);
        goto out;
    }
    for (size_t i = 0; i < v->u.map.n && rc == 0; i++) {
        struct gf_val *e = v->u.map.ents[i].val;
        rc = inv_check_conn_var(v->u.map.ents[i].key, e, path, e->line, e->col, err);
    }
    if (rc == 0) {
        if (*acc == NULL)
            *acc = gf_val_map();
        merge_into(*acc, v);
    }
out:
    gf_val_unref(v);
    return rc;
}

static void vardir_scan(struct inv_vardir *vd)
{
    vd->scanned = 1;
    for (int k = 0; k < 2; k++) {
        char *path = path_join(vd->dir, var_subdir[k]);
        struct stat st;
        if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
            gf_warn("Found %s that is not a directory, skipping: %s", var_subdir[k], path);
        struct gf_vec names = GF_VEC_INIT;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && list_dir(path, &names) == 0) {
            vd->have[k] = 1;
            for (size_t i = 0; i < names.n; i++)
                gf_map_set(&vd->names[k], names.v[i], (void *)1);
        }
        gf_vec_release(&names, free);
        free(path);
    }
}

/* A name that would step out of group_vars/ or host_vars/. */
static int escapes(const char *name)
{
    if (name[0] == '/')
        return 1; /* Ansible skips these too */
    for (const char *p = name; p; p = strchr(p, '/'), p = p ? p + 1 : NULL)
        if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
            return 1;
    return strcmp(name, ".") == 0;
}

/* DataLoader.find_vars_files + loading, for one group (k 0) or host (k 1). */
static int vardir_find(struct gf_inventory *inv, struct inv_vardir *vd, int k, const char *name,
                       struct gf_error *err)
{
    struct gf_val *data = NULL;
    struct gf_vec files = GF_VEC_INIT;
    int rc = 0;

    if (!vd->have[k] || escapes(name))
        goto done;
    for (size_t e = 0; e < GF_ARRAY_LEN(var_exts); e++) {
        char *base = gf_xasprintf("%s%s", name, var_exts[e]);
        if (!strchr(name, '/') && !gf_map_get(&vd->names[k], base)) {
            free(base);
            continue;
        }
        char *sub = path_join(vd->dir, var_subdir[k]);
        char *path = path_join(sub, base);
        struct stat st;
        free(sub);
        free(base);
        if (stat(path, &st) < 0) {
            free(path);
            continue;
        }
        if (S_ISDIR(st.st_mode))
            rc = dir_var_files(path, &files, 0, err);
        else
            gf_vec_push(&files, gf_xstrdup(path));
        free(path);
        break;
    }
    for (size_t i = 0; i < files.n && rc == 0; i++)
        rc = load_var_file(files.v[i], &data, err);
    gf_vec_release(&files, free);
    if (rc < 0) {
        gf_val_unref(data);
        return rc;
    }
done:
    gf_map_set(&vd->found[k], name, data);
    if (data) {
        struct gf_map *view = k ? &inv->file_host_vars : &inv->file_group_vars;
        struct gf_val *m = gf_map_get(view, name);
        if (m == NULL)
            gf_map_set(view, name, m = gf_val_map());
        merge_into(m, data);
    }
    return 0;
}

/* Looks up the files of every group and host not looked up yet. */
static int refresh_vars(struct gf_inventory *inv, struct gf_error *err)
{
    for (size_t d = 0; d < inv->vardirs.n; d++) {
        struct inv_vardir *vd = inv->vardirs.v[d];
        if (!vd->scanned)
            vardir_scan(vd);
        for (size_t i = 0; i < inv->groups.n; i++) {
            const char *name = inv->groups.ents[i].key;
            int rc;
            if (gf_map_find(&vd->found[0], name) < 0 &&
                (rc = vardir_find(inv, vd, 0, name, err)) < 0)
                return rc;
        }
        for (size_t i = 0; i < inv->order.n; i++) {
            const char *name = ((struct gf_host *)inv->order.v[i])->name;
            int rc;
            if (gf_map_find(&vd->found[1], name) < 0 &&
                (rc = vardir_find(inv, vd, 1, name, err)) < 0)
                return rc;
        }
    }
    return 0;
}

static void add_vardir(struct gf_inventory *inv, const char *dir, int play)
{
    struct inv_vardir *vd = gf_xcalloc(1, sizeof(*vd));

    vd->dir = gf_xstrdup(*dir ? dir : ".");
    vd->play = play;
    gf_vec_push(&inv->vardirs, vd);
    gf_vec_push(&inv->var_dirs, gf_xstrdup(vd->dir));
}

int gf_inventory_load_var_dir(struct gf_inventory *inv, const char *dir, struct gf_error *err)
{
    if (!gf_is_dir(dir))
        return gf_error_set(err, GF_EIO, dir, 0, 0, "not a directory");
    add_vardir(inv, dir, 1);
    return refresh_vars(inv, err);
}

/* ---- sources ---- */

static void src_init(struct inv_src *src, struct gf_inventory *inv, const char *file,
                     struct gf_error *err)
{
    src->inv = inv;
    src->file = file;
    src->abs_file = abs_path(file);
    src->abs_dir = dir_name(src->abs_file);
    src->err = err;
}

static void src_release(struct inv_src *src)
{
    free(src->abs_file);
    free(src->abs_dir);
}

/* The host_list plugin: "a,b:2222,c". */
static int load_host_list(struct gf_inventory *inv, const char *list, struct gf_error *err)
{
    struct inv_src src = { inv, list, NULL, NULL, err };
    char *copy = gf_xstrdup(list);
    int rc = 0;

    for (char *p = copy, *e; p && rc == 0; p = e ? e + 1 : NULL) {
        e = strchr(p, ',');
        if (e)
            *e = '\0';
        size_t off, n = inv_py_strip(p, strlen(p), &off);
        if (n == 0)
            continue;
        char *item = gf_xstrndup(p + off, n), *host = NULL;
        long long port;
        if (inv_parse_address(item, 0, &host, &port) < 0) {
            host = item;
            item = NULL;
            port = -1;
        }
        free(item);
        rc = inv_check_host_name(host, list, 0, 0, err);
        if (rc == 0 && !gf_map_get(&inv->hosts, host))
            inv_host_add(&src, host, group_at(inv, 1), port);
        free(host);
    }
    free(copy);
    return rc;
}

/* Picks the error of the format the file was more likely written in: the
 * parser that got further; on a tie YAML when the name says so. */
static void pick_error(struct gf_error *err, struct gf_error *yerr, const char *ext)
{
    if (yerr->line > err->line || (yerr->line == err->line && *ext)) {
        gf_error_clear(err);
        *err = *yerr;
        memset(yerr, 0, sizeof(*yerr));
    }
}

/* One inventory file: YAML (or JSON) when the extension allows and the
 * content is a mapping, else INI - the order of Ansible's plugins. */
static int load_file(struct gf_inventory *inv, const char *path, struct gf_error *err)
{
    struct inv_src src;
    struct gf_buf b = GF_BUF_INIT;
    struct gf_error yerr = GF_ERROR_INIT;
    struct gf_val *root = NULL;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    const char *ext = ext_of(base);
    int rc, yrc = 1, yaml_ok = 0;

    if ((rc = inv_read(path, &b, err)) < 0)
        return rc;
    if (gf_startswith(b.buf, "#!") && access(path, X_OK) == 0) {
        rc = gf_error_set(err, GF_EUNSUPPORTED, path, 1, 1,
                          "inventory scripts are not supported (the file is executable "
                          "and starts with '#!')");
        gf_buf_release(&b);
        return rc;
    }
    src_init(&src, inv, path, err);
    for (size_t e = 0; e < GF_ARRAY_LEN(var_exts); e++)
        yaml_ok |= strcmp(ext, var_exts[e]) == 0;
    if (yaml_ok) {
        yrc = inv_load_data(b.buf, b.len, path, &root, &yerr);
        if (yrc == 0 && root && root->type == GF_VAL_MAP && root->u.map.n > 0) {
            if (gf_val_truthy(gf_val_map_get(root, "plugin")))
                rc = gf_error_set(err, GF_EUNSUPPORTED, path, root->line, root->col,
                                  "inventory plugin configuration files ('plugin:') are not "
                                  "supported");
            else
                rc = inv_parse_yaml(&src, root, b.buf, b.len);
            goto out;
        }
    }
    rc = inv_parse_ini(&src, b.buf, b.len);
    if (rc < 0 && yaml_ok) {
        if (yrc < 0)
            pick_error(err, &yerr, ext);
        else if (root && root->type == GF_VAL_LIST)
            rc = gf_error_set(err, GF_EPARSE, path, root->line, root->col,
                              "a YAML inventory must be a mapping of group names, not a list");
    }
out:
    gf_val_unref(root);
    gf_error_clear(&yerr);
    gf_buf_release(&b);
    src_release(&src);
    return rc;
}

/* Ansible's IGNORED pattern for names in an inventory directory. */
static int ignored(const char *name)
{
    static const char *const names[] = { "host_vars", "group_vars", "vars_plugins" };
    static const char *const exts[] = { ".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md",
                                        ".txt", ".rst", ".orig", ".ini", ".cfg", ".retry" };

    if (name[0] == '.')
        return 1;
    for (size_t i = 0; i < GF_ARRAY_LEN(names); i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    for (size_t i = 0; i < GF_ARRAY_LEN(exts); i++)
        if (gf_endswith(name, exts[i]))
            return 1;
    return 0;
}

static int load_dir(struct gf_inventory *inv, const char *dir, int depth, int *parsed,
                    struct gf_error *err)
{
    struct gf_vec names = GF_VEC_INIT;
    int rc = 0;

    if (depth > MAX_DIR_DEPTH)
        return gf_error_set(err, GF_EPARSE, dir, 0, 0, "inventory directories nested too deeply");
    if (list_dir(dir, &names) < 0)
        return gf_error_set(err, GF_EIO, dir, 0, 0, "cannot read inventory directory: %s",
                            strerror(errno));
    for (size_t i = 0; i < names.n && rc == 0; i++) {
        if (ignored(names.v[i]))
            continue;
        char *path = path_join(dir, names.v[i]);
        struct stat st;
        if (stat(path, &st) < 0)
            rc = gf_error_set(err, GF_EIO, path, 0, 0, "cannot read inventory file: %s",
                              strerror(errno));
        else if (S_ISDIR(st.st_mode))
            rc = load_dir(inv, path, depth + 1, parsed, err);
        else if (!S_ISREG(st.st_mode))
            rc = gf_error_set(err, GF_EPARSE, path, 0, 0, "not a regular file");
        else if ((rc = load_file(inv, path, err)) == 0)
            *parsed = 1;
        free(path);
    }
    gf_vec_release(&names, free);
    return rc;
}

int gf_inventory_load(struct gf_inventory *inv, const char *source, struct gf_error *err)
{
    struct gf_group *all = group_at(inv, 0), *ung = group_at(inv, 1);
    struct stat st;
    int exists = stat(source, &st) == 0, rc, parsed = 0;
    char *vardir = NULL;

    gf_vec_push(&inv->sources, gf_xstrdup(source));
    unreconcile(inv);
    if (!exists && strchr(source, ',')) {
        rc = load_host_list(inv, source, err);
    } else if (!exists) {
        rc = gf_error_set(err, GF_EIO, source, 0, 0, "cannot read inventory: %s",
                          strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        rc = load_dir(inv, source, 0, &parsed, err);
        if (rc == 0 && !parsed)
            rc = gf_error_set(err, GF_EPARSE, source, 0, 0,
                              "no inventory file in this directory (hidden files, group_vars, "
                              "host_vars and names ending in .ini, .cfg, .retry, .orig, .txt, "
                              ".md, .rst, .bak, .swp, .pyc, .pyo, .rpm or ~ are skipped)");
        vardir = gf_xstrdup(source);
    } else {
        rc = load_file(inv, source, err);
        vardir = dir_name(source);
    }
    inv->all_src_children = all->children.n;
    inv->ungrouped_src_children = ung->children.n;
    inv->ungrouped_src.n = 0;
    for (size_t i = 0; i < ung->hosts.n; i++)
        gf_vec_push(&inv->ungrouped_src, ung->hosts.v[i]);
    if (rc == 0)
        rc = reconcile(inv, source, err);
    if (rc == 0 && vardir) {
        add_vardir(inv, vardir, 0);
        rc = refresh_vars(inv, err);
    }
    free(vardir);
    return rc;
}

/* ---- a host's variables ---- */

static int cmp_group(const void *a, const void *b)
{
    const struct gf_group *x = *(struct gf_group *const *)a, *y = *(struct gf_group *const *)b;

    if (x->depth != y->depth)
        return x->depth < y->depth ? -1 : 1;
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    return strcmp(x->name, y->name);
}

size_t inv_host_groups(const struct gf_inventory *inv, const struct gf_host *h,
                       struct gf_group ***out)
{
    unsigned char *seen = gf_xcalloc(inv->groups.n + 1, 1);
    struct gf_vec v = GF_VEC_INIT;
    size_t n = 0;

    if (h->var_groups.n)
        for (size_t i = 0; i < h->var_groups.n; i++)
            gf_vec_push(&v, h->var_groups.v[i]);
    else
        closure(inv, h, seen, &v);
    *out = gf_xcalloc(v.n + 1, sizeof(**out));
    for (size_t i = 0; i < v.n; i++)
        if (v.v[i] != group_at(inv, 0))
            (*out)[n++] = v.v[i];
    if (n > 1)
        qsort(*out, n, sizeof(**out), cmp_group);
    gf_vec_release(&v, NULL);
    free(seen);
    return n;
}

static const struct gf_val *found(const struct inv_vardir *vd, int k, const char *name)
{
    return gf_map_get(&vd->found[k], name);
}

/* Merges the files for groups gs (all of them, source dirs or play dirs). */
static void merge_files(const struct gf_inventory *inv, struct gf_val *res, int play, int k,
                        struct gf_group *const *gs, size_t ng, const char *name)
{
    for (size_t d = 0; d < inv->vardirs.n; d++) {
        const struct inv_vardir *vd = inv->vardirs.v[d];
        if (vd->play != play)
            continue;
        if (name)
            merge_into(res, found(vd, k, name));
        for (size_t i = 0; i < ng; i++)
            merge_into(res, found(vd, k, gs[i]->name));
    }
}

struct gf_val *gf_inventory_host_vars(const struct gf_inventory *inv, const struct gf_host *h,
                                      int magic)
{
    struct gf_group **gs = NULL;
    size_t ng = inv_host_groups(inv, h, &gs);
    struct gf_val *res = gf_val_map();

    /* Ansible's VARIABLE_PRECEDENCE: all_inventory, groups_inventory,
     * all_plugins_inventory, all_plugins_play, groups_plugins_inventory,
     * groups_plugins_play; then the host's own, then host_vars files. */
    merge_into(res, group_at(inv, 0)->vars);
    for (size_t i = 0; i < ng; i++)
        merge_into(res, gs[i]->vars);
    merge_files(inv, res, 0, 0, NULL, 0, "all");
    merge_files(inv, res, 1, 0, NULL, 0, "all");
    merge_files(inv, res, 0, 0, gs, ng, NULL);
    merge_files(inv, res, 1, 0, gs, ng, NULL);
    if (magic) {
        gf_val_map_set(res, "inventory_file", h->src_file ? gf_val_str(h->src_file) :
                                                            gf_val_null());
        gf_val_map_set(res, "inventory_dir", h->src_dir ? gf_val_str(h->src_dir) :
                                                          gf_val_null());
    }
    merge_into(res, h->vars);
    if (magic) {
        struct gf_val *names = gf_val_list();
        const char *dot = strchr(h->name, '.');
        char **sorted = gf_xcalloc(ng + 1, sizeof(*sorted));
        for (size_t i = 0; i < ng; i++)
            sorted[i] = gs[i]->name;
        gf_sort_strings(sorted, ng);
        for (size_t i = 0; i < ng; i++)
            gf_val_list_push(names, gf_val_str(sorted[i]));
        free(sorted);
        gf_val_map_set(res, "inventory_hostname", gf_val_str(h->name));
        gf_val_map_set(res, "inventory_hostname_short",
                       dot && !inv_is_ip(h->name) ? gf_val_strn(h->name, (size_t)(dot - h->name))
                                                  : gf_val_str(h->name));
        gf_val_map_set(res, "group_names", names);
    }
    merge_files(inv, res, 0, 1, NULL, 0, h->name);
    merge_files(inv, res, 1, 1, NULL, 0, h->name);
    free(gs);
    return res;
}

struct gf_val *inv_group_view_vars(const struct gf_inventory *inv, const struct gf_group *g)
{
    struct gf_val *res = gf_val_map();

    merge_into(res, g->vars);
    merge_files(inv, res, 0, 0, NULL, 0, g->name);
    if (inv->play_vars_in_groups)
        merge_files(inv, res, 1, 0, NULL, 0, g->name);
    if (g->priority != 1)
        gf_val_map_set(res, "ansible_group_priority", gf_val_int(g->priority));
    return res;
}
