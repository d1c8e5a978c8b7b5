/*
 * ini.c - INI inventories as Ansible's ini plugin reads them: Python's line
 * splitting and stripping, [group], [group:children] and [group:vars]
 * sections with forward references resolved at the end, host lines split
 * the way shlex.split(comments=True) splits them, host ranges and ports,
 * and values typed through Python's literal syntax. Every error points at
 * file:line:col.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "inv-private.h"

enum state { HOSTS, CHILDREN, VARS };

struct pending {
    int line, col;
    int children;          /* named in a [parent:children] section (else [g:vars]) */
    int busy;              /* being resolved */
    struct gf_vec parents; /* char *: the sections that named it */
};

struct ini {
    struct inv_src *src;
    int line;              /* physical line ('\n'-counted) of the current line */
    int base_col;          /* columns before the stripped line starts */
    const char *text;      /* the stripped line (NUL-terminated copy) */
    char *group;
    enum state state;
    struct gf_map pending; /* group name -> struct pending *, in order */
};

static int col_of(const struct ini *p, const char *at)
{
    return p->base_col + inv_cols(p->text, at) + 1;
}

static int ini_err(struct ini *p, const char *at, const char *fmt, ...) GF_PRINTF(3, 4);
static int ini_err(struct ini *p, const char *at, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = gf_error_vset(p->src->err, GF_EPARSE, p->src->file, p->line,
                           at ? col_of(p, at) : 0, fmt, ap);
    va_end(ap);
    return rc;
}

static void pending_free(void *ptr)
{
    struct pending *pd = ptr;

    gf_vec_release(&pd->parents, free);
    free(pd);
}

static int is_space_at(const char *s, size_t *len)
{
    unsigned c;

    *len = inv_utf8_next(s, &c);
    return *s && inv_py_space(c);
}

/* Python's str.strip() of s in place: returns the start, cuts the end. */
static char *strip(char *s)
{
    size_t off, n = inv_py_strip(s, strlen(s), &off);

    s[off + n] = '\0';
    return s + off;
}

/* 1 when s, stripped as Python would, ends with (suffix) or is `what`. */
static int stripped_is(const char *s, const char *what, int suffix)
{
    size_t off, n = inv_py_strip(s, strlen(s), &off), k = strlen(what);

    if (n < k || (!suffix && n != k))
        return 0;
    return memcmp(s + off + n - k, what, k) == 0;
}

/* A run of characters other than ':', ']' and whitespace (the group name
 * part of Ansible's section and group-name regexes); returns its end. */
static const char *name_run(const char *s)
{
    size_t k;

    while (*s && *s != ':' && *s != ']' && !is_space_at(s, &k))
        s += k;
    return s;
}

/* "\s*(?:#.*)?$" */
static int rest_is_comment(const char *s)
{
    size_t k;

    while (is_space_at(s, &k))
        s += k;
    return *s == '\0' || *s == '#';
}

static int is_word(const char *s, size_t *k)
{
    unsigned c;

    *k = inv_utf8_next(s, &c);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || (c >= 0x80 && !inv_py_space(c));
}

/* Ansible's section regex: ^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$ */
static int section(const char *s, char **name, char **type, const char **type_at)
{
    const char *n = s + 1, *ne, *t = NULL, *te = NULL;
    size_t k;

    if (s[0] != '[')
        return 0;
    ne = name_run(n);
    if (ne == n)
        return 0;
    if (*ne == ':') {
        t = te = ne + 1;
        while (*te && is_word(te, &k))
            te += k;
        if (te == t)
            return 0;
    }
    const char *close = t ? te : ne;
    if (*close != ']' || !rest_is_comment(close + 1))
        return 0;
    *name = gf_xstrndup(n, (size_t)(ne - n));
    *type = t ? gf_xstrndup(t, (size_t)(te - t)) : NULL;
    *type_at = t;
    return 1;
}

static struct pending *pending_get(struct ini *p, const char *name)
{
    return gf_map_get(&p->pending, name);
}

static void pending_del(struct ini *p, const char *name)
{
    pending_free(gf_map_del(&p->pending, name));
}

static int add_child(struct ini *p, const char *parent, const char *child, const char *at)
{
    struct gf_inventory *inv = p->src->inv;
    char *msg = NULL;

    if (inv_child_add(inv, inv_group_add(inv, parent), inv_group_add(inv, child), &msg) < 0) {
        int rc = ini_err(p, at, "%s", msg);
        free(msg);
        return rc;
    }
    return 0;
}

/* _add_pending_children: group is now declared; link it to the sections
 * that named it before, then to theirs. */
static int add_pending_children(struct ini *p, const char *group)
{
    struct pending *pd = pending_get(p, group);
    int rc = 0;

    pd->busy = 1;
    for (size_t i = 0; i < pd->parents.n && rc == 0; i++) {
        const char *parent = pd->parents.v[i];
        rc = add_child(p, parent, group, p->text);
        struct pending *pp = pending_get(p, parent);
        if (rc == 0 && pp && pp->children && !pp->busy)
            rc = add_pending_children(p, parent);
    }
    if (pending_get(p, group) == pd)
        pending_del(p, group);
    return rc;
}

static int header(struct ini *p, char *name, char *type, const char *type_at)
{
    struct gf_inventory *inv = p->src->inv;
    struct pending *pd;

    if (type == NULL || strcmp(type, "hosts") == 0)
        p->state = HOSTS;
    else if (strcmp(type, "children") == 0)
        p->state = CHILDREN;
    else if (strcmp(type, "vars") == 0)
        p->state = VARS;
    else
        return ini_err(p, type_at, "section [%s:%s] has unknown type '%s' (use hosts, children "
                       "or vars)", name, type, type);
    free(p->group);
    p->group = gf_xstrdup(name);
    if (gf_inventory_group(inv, name) == NULL) {
        /* [g:vars] alone does not declare g: it must be declared somewhere */
        if (p->state == VARS && pending_get(p, name) == NULL) {
            pd = gf_xcalloc(1, sizeof(*pd));
            pd->line = p->line;
            pd->col = col_of(p, p->text);
            gf_map_set(&p->pending, name, pd);
        }
        inv_note_group_name(inv, name);
        inv_group_add(inv, name);
    }
    pd = pending_get(p, name);
    if (pd && p->state != VARS) {
        if (pd->children)
            return add_pending_children(p, name);
        pending_del(p, name);
    }
    return 0;
}

/* ---- shlex.split(line, comments=True), POSIX mode ---- */

struct tok {
    char *s;
    const char *at;   /* where it starts in the line */
};

static void tok_free(void *ptr)
{
    struct tok *t = ptr;

    free(t->s);
    free(t);
}

static int is_shlex_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int shlex(struct ini *p, const char *line, struct gf_vec *toks)
{
    const char *c = line;

    for (;;) {
        while (is_shlex_space(*c))
            c++;
        if (*c == '\0' || *c == '#')
            return 0;
        struct gf_buf b = GF_BUF_INIT;
        const char *start = c;
        while (*c && !is_shlex_space(*c) && *c != '#') {
            if (*c == '\'' || *c == '"') {
                char q = *c;
                const char *open = c++;
                while (*c && *c != q) {
                    if (q == '"' && *c == '\\') {
                        if (c[1] == '\0')
                            break;
                        if (c[1] != '"' && c[1] != '\\')
                            gf_buf_addc(&b, '\\');
                        gf_buf_addc(&b, c[1]);
                        c += 2;
                    } else {
                        gf_buf_addc(&b, *c++);
                    }
                }
                if (*c != q) {
                    gf_buf_release(&b);
                    return ini_err(p, open, "no closing quotation for this %s",
                                   q == '"' ? "double quote" : "single quote");
                }
                c++;
            } else if (*c == '\\') {
                if (c[1] == '\0') {
                    gf_buf_release(&b);
                    return ini_err(p, c, "nothing after the escape character '\\'");
                }
                gf_buf_addc(&b, c[1]);
                c += 2;
            } else {
                gf_buf_addc(&b, *c++);
            }
        }
        struct tok *t = gf_xmalloc(sizeof(*t));
        t->s = gf_buf_detach(&b, NULL);
        t->at = start;
        gf_vec_push(toks, t);
        if (*c == '#')
            return 0;
    }
}

/* A value as _parse_value gives it: a Python literal, else the text. */
static int value(struct ini *p, const char *text, const char *at, struct gf_val **out)
{
    char *msg = NULL;
    int rc = inv_pylit(text, out, &msg);

    if (rc < 0) {
        rc = ini_err(p, at, "%s", msg);
        free(msg);
        return rc;
    }
    if (rc == 0)
        *out = gf_val_str(text);
    (*out)->line = p->line;
    (*out)->col = col_of(p, at);
    return 0;
}

static int set_var(struct ini *p, const char *entity, const char *key, struct gf_val *v,
                   const char *at)
{
    char *msg = NULL;
    int rc = inv_check_conn_var(key, v, p->src->file, p->line, col_of(p, at), p->src->err);

    if (rc < 0) {
        gf_val_unref(v);
        return rc;
    }
    if (inv_set_var(p->src->inv, entity, key, v, &msg) < 0) {
        rc = ini_err(p, at, "%s", msg);
        free(msg);
    }
    return rc;
}

static int host_line(struct ini *p, const char *line)
{
    struct gf_vec toks = GF_VEC_INIT, names = GF_VEC_INIT;
    struct gf_val *vars = gf_val_map();
    struct gf_map at = GF_MAP_INIT; /* key -> where its token starts */
    long long port = -1;
    char *msg = NULL;
    int rc;

    if ((rc = shlex(p, line, &toks)) < 0)
        goto out;
    struct tok *t0 = toks.v[0];
    if (inv_expand_hosts(t0->s, &names, &port, &msg) < 0) {
        rc = ini_err(p, t0->at, "bad host pattern '%s': %s", t0->s, msg);
        goto out;
    }
    if (stripped_is(t0->s, ":", 1) && port < 0) {
        rc = ini_err(p, t0->at, "host pattern '%s' ends with ':', which is reserved for a "
                     "port number", t0->s);
        goto out;
    }
    for (size_t i = 0; i < names.n; i++) {
        if (stripped_is(names.v[i], "---", 0)) {
            rc = ini_err(p, t0->at, "'---' is not a host name: is this a YAML file with an "
                         "INI file's name?");
            goto out;
        }
    }
    for (size_t i = 1; i < toks.n; i++) {
        struct tok *t = toks.v[i];
        char *eq = strchr(t->s, '=');
        struct gf_val *v;
        if (eq == NULL) {
            rc = ini_err(p, t->at, "expected key=value host variable, got '%s'", t->s);
            goto out;
        }
        *eq = '\0';
        if ((rc = value(p, eq + 1, t->at, &v)) < 0)
            goto out;
        gf_val_map_set(vars, t->s, v);
        gf_map_set(&at, t->s, (void *)t->at);
    }
    for (size_t i = 0; i < names.n; i++)
        if ((rc = inv_check_host_name(names.v[i], p->src->file, p->line, col_of(p, t0->at),
                                      p->src->err)) < 0)
            goto out;
    struct gf_group *g = inv_group_add(p->src->inv, p->group);
    for (size_t i = 0; i < names.n && rc == 0; i++) {
        inv_host_add(p->src, names.v[i], g, port);
        for (size_t k = 0; k < vars->u.map.n && rc == 0; k++)
            rc = set_var(p, names.v[i], vars->u.map.ents[k].key,
                         gf_val_ref(vars->u.map.ents[k].val), gf_map_get(&at, vars->u.map.ents[k].key));
    }
out:
    free(msg);
    gf_map_release(&at, NULL);
    gf_val_unref(vars);
    gf_vec_release(&names, free);
    gf_vec_release(&toks, tok_free);
    return rc;
}

static int vars_line(struct ini *p, char *line)
{
    char *eq = strchr(line, '=');
    struct gf_val *v;
    int rc;

    if (eq == NULL)
        return ini_err(p, line, "expected key=value, got '%s'", line);
    *eq = '\0';
    char *ks = strip(line), *vs = strip(eq + 1);
    if ((rc = value(p, vs, vs, &v)) < 0)
        return rc;
    return set_var(p, p->group, ks, v, vs);
}

static int children_line(struct ini *p, const char *line)
{
    struct gf_inventory *inv = p->src->inv;
    const char *end = name_run(line);
    char *child;
    int rc = 0;

    if (end == line || !rest_is_comment(end))
        return ini_err(p, line, "expected a group name, got '%s'", line);
    child = gf_xstrndup(line, (size_t)(end - line));
    if (gf_inventory_group(inv, child) == NULL) {
        struct pending *pd = pending_get(p, child);
        if (pd == NULL) {
            pd = gf_xcalloc(1, sizeof(*pd));
            pd->line = p->line;
            pd->col = col_of(p, line);
            pd->children = 1;
            gf_map_set(&p->pending, child, pd);
        }
        gf_vec_push(&pd->parents, gf_xstrdup(p->group));
    } else {
        rc = add_child(p, p->group, child, line);
    }
    free(child);
    return rc;
}

static int one_line(struct ini *p, char *line)
{
    char *name = NULL, *type = NULL;
    const char *type_at = NULL;
    int rc;

    if (section(line, &name, &type, &type_at)) {
        rc = header(p, name, type, type_at);
        free(name);
        free(type);
        return rc;
    }
    size_t n = strlen(line);
    if (line[0] == '[' && line[n - 1] == ']')
        return ini_err(p, line, "invalid section header '%s': a group name cannot contain "
                       "spaces, ':' or ']', and only :hosts, :children or :vars may follow it",
                       line);
    switch (p->state) {
    case HOSTS:
        return host_line(p, line);
    case VARS:
        return vars_line(p, line);
    default:
        return children_line(p, line);
    }
}

/* Length of a Python line boundary at s (str.splitlines), 0 if none. */
static size_t boundary(const char *s, const char *end)
{
    unsigned char c = (unsigned char)*s;

    if (c == '\r')
        return s + 1 < end && s[1] == '\n' ? 2 : 1;
    if (c == '\n' || c == '\v' || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e)
        return 1;
    if (c == 0xc2 && s + 1 < end && (unsigned char)s[1] == 0x85)
        return 2;
    if (c == 0xe2 && s + 2 < end && (unsigned char)s[1] == 0x80 &&
        ((unsigned char)s[2] == 0xa8 || (unsigned char)s[2] == 0xa9))
        return 3;
    return 0;
}

static int finish(struct ini *p)
{
    if (p->pending.n == 0)
        return 0;
    struct pending *pd = p->pending.ents[0].val;
    const char *name = p->pending.ents[0].key;
    p->line = pd->line;
    if (pd->children)
        return gf_error_set(p->src->err, GF_EPARSE, p->src->file, pd->line, pd->col,
                            "group '%s' in [%s:children] is not defined anywhere", name,
                            (const char *)pd->parents.v[0]);
    return gf_error_set(p->src->err, GF_EPARSE, p->src->file, pd->line, pd->col,
                        "section [%s:vars] is for a group that is not defined anywhere", name);
}

int inv_parse_ini(struct inv_src *src, const char *data, size_t len)
{
    struct ini p = { 0 };
    const char *s = data, *end = data + len, *pline = data;
    int line = 1, rc = 0;

    p.src = src;
    p.group = gf_xstrdup("ungrouped");
    p.state = HOSTS;
    if (memchr(data, '\0', len)) {
        const char *z = memchr(data, '\0', len);
        int zl = 1;
        for (const char *q = data; q < z; q++)
            if (*q == '\n')
                zl++, pline = q + 1;
        rc = gf_error_set(src->err, GF_EPARSE, src->file, zl, inv_cols(pline, z) + 1,
                          "NUL byte in an inventory file");
        goto out;
    }
    while (s < end && rc == 0) {
        const char *e = s;
        size_t k = 0;
        while (e < end && (k = boundary(e, end)) == 0)
            e++;
        char *raw = gf_xstrndup(s, (size_t)(e - s));
        if (inv_check_utf8(raw, (size_t)(e - s), src->file, src->err) < 0) {
            if (raw[0] != '#' && raw[0] != ';') { /* Ansible allows it in comments */
                src->err->line = line;
                src->err->col += inv_cols(pline, s);
                rc = -GF_EPARSE;
            }
            free(raw);
            raw = gf_xstrdup("");
        }
        char *ls = rc == 0 ? strip(raw) : raw;
        if (rc == 0 && *ls && *ls != '#' && *ls != ';') {
            p.line = line;
            p.base_col = inv_cols(pline, s) + inv_cols(raw, ls);
            p.text = ls;
            rc = one_line(&p, ls);
        }
        free(raw);
        for (const char *q = s; q < e + k; q++)
            if (*q == '\n') {
                line++;
                pline = q + 1;
            }
        s = e + k;
    }
    if (rc == 0)
        rc = finish(&p);
out:
    free(p.group);
    gf_map_release(&p.pending, pending_free);
    return rc;
}
