/* names.c - the variables a compiled template reads from its
 * scope, for the check before a run: names the template binds itself
 * ({% for %}, {% set %}) and names it guards (x is defined, x | default)
 * are left out, the way Jinja would not fail on them. */
#include <string.h>

#include "template-priv.h"

struct walk {
    void (*fn)(const char *name, size_t pos, void *ctx);
    void *ctx;
    struct gf_vec bound;    /* const char *: names bound by the template */
    struct gf_vec guarded;  /* const char *: names under a defined test or default */
    int collect_guards;
};

static int in_vec(const struct gf_vec *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++)
        if (!strcmp(v->v[i], s))
            return 1;
    return 0;
}

/* The variable an attribute/index chain starts from, or NULL. */
static const char *base_name(const struct node *n)
{
    while (n) {
        switch (n->kind) {
        case N_NAME: return n->u.name.name;
        case N_GETATTR: n = n->u.attr.obj; break;
        case N_GETITEM: n = n->u.item.obj; break;
        default: return NULL;
        }
    }
    return NULL;
}

static void walk_node(struct walk *w, const struct node *n);

static void walk_body(struct walk *w, const struct body *b)
{
    for (size_t i = 0; i < b->n; i++)
        walk_node(w, b->v[i]);
}

static void walk_args(struct walk *w, const struct args *a)
{
    for (size_t i = 0; i < a->npos; i++)
        walk_node(w, a->pos[i]);
    for (size_t i = 0; i < a->nkw; i++)
        walk_node(w, a->kw[i]);
}

static const char *const globals[] = {
    "range", "dict", "namespace", "lookup", "query", "q", "loop", "caller", "joiner",
    "cycler", "super", "self", "lipsum", "vars", "True", "False", "None", "true", "false",
    "none", NULL,
};

static void walk_node(struct walk *w, const struct node *n)
{
    if (n == NULL)
        return;
    switch (n->kind) {
    case N_CONST: case N_TEXT:
        break;
    case N_NAME:
        if (w->collect_guards)
            break;
        if (in_vec(&w->bound, n->u.name.name) || in_vec(&w->guarded, n->u.name.name))
            break;
        for (size_t i = 0; globals[i]; i++)
            if (!strcmp(globals[i], n->u.name.name))
                return;
        w->fn(n->u.name.name, n->pos, w->ctx);
        break;
    case N_GETATTR: walk_node(w, n->u.attr.obj); break;
    case N_GETITEM: walk_node(w, n->u.item.obj); walk_node(w, n->u.item.idx); break;
    case N_SLICE:
        walk_node(w, n->u.slice.obj);
        walk_node(w, n->u.slice.start);
        walk_node(w, n->u.slice.stop);
        walk_node(w, n->u.slice.step);
        break;
    case N_LIST: case N_TUPLE:
        for (size_t i = 0; i < n->u.list.n; i++)
            walk_node(w, n->u.list.v[i]);
        break;
    case N_DICT:
        for (size_t i = 0; i < 2 * n->u.list.n; i++)
            walk_node(w, n->u.list.v[i]);
        break;
    case N_NEG: case N_POS: case N_NOT:
        walk_node(w, n->u.un.a);
        break;
    case N_AND: case N_OR: case N_BINOP:
        walk_node(w, n->u.bin.l);
        walk_node(w, n->u.bin.r);
        break;
    case N_COMPARE:
        walk_node(w, n->u.cmp.first);
        for (size_t i = 0; i < n->u.cmp.n; i++)
            walk_node(w, n->u.cmp.rest[i]);
        break;
    case N_COND:
        walk_node(w, n->u.cond.test);
        if (n->u.cond.other) { /* "x if c" alone is lenient about x */
            walk_node(w, n->u.cond.then);
            walk_node(w, n->u.cond.other);
        }
        break;
    case N_FILTER: case N_TEST: {
        const char *nm = n->u.call.name;
        int guard = (n->kind == N_TEST && (!strcmp(nm, "defined") || !strcmp(nm, "undefined") ||
                                           !strcmp(nm, "none"))) ||
                    (n->kind == N_FILTER && (!strcmp(nm, "default") || !strcmp(nm, "d")));
        const char *b = guard ? base_name(n->u.call.in) : NULL;
        if (w->collect_guards && b && !in_vec(&w->guarded, b))
            gf_vec_push(&w->guarded, (void *)b);
        if (!guard)
            walk_node(w, n->u.call.in);
        else if (b == NULL)
            walk_node(w, n->u.call.in);
        walk_args(w, &n->u.call.args);
        break;
    }
    case N_CALL:
        walk_node(w, n->u.fcall.callee);
        walk_args(w, &n->u.fcall.args);
        break;
    case N_OUTPUT:
        walk_node(w, n->u.out.e);
        break;
    case N_IF:
        walk_node(w, n->u.ifs.cond);
        walk_body(w, &n->u.ifs.then);
        walk_body(w, &n->u.ifs.other);
        break;
    case N_FOR:
        walk_node(w, n->u.fors.iter);
        for (size_t i = 0; i < n->u.fors.ntargets; i++)
            gf_vec_push(&w->bound, (void *)n->u.fors.targets[i]);
        walk_node(w, n->u.fors.filter);
        walk_body(w, &n->u.fors.body);
        walk_body(w, &n->u.fors.other);
        break;
    case N_SET: case N_SETBLOCK:
        walk_node(w, n->u.set.e);
        walk_body(w, &n->u.set.body);
        if (n->u.set.attr == NULL)
            for (size_t i = 0; i < n->u.set.ntargets; i++)
                gf_vec_push(&w->bound, (void *)n->u.set.targets[i]);
        break;
    }
}

/* Names bound anywhere count as bound everywhere: a {% set %} after a use
 * is rare, and reporting it would be a false alarm at worst. */
static void collect_bound(struct walk *w, const struct body *b)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct node *n = b->v[i];
        if (n->kind == N_FOR) {
            for (size_t k = 0; k < n->u.fors.ntargets; k++)
                gf_vec_push(&w->bound, (void *)n->u.fors.targets[k]);
            collect_bound(w, &n->u.fors.body);
            collect_bound(w, &n->u.fors.other);
        } else if (n->kind == N_SET || n->kind == N_SETBLOCK) {
            if (n->u.set.attr == NULL)
                for (size_t k = 0; k < n->u.set.ntargets; k++)
                    gf_vec_push(&w->bound, (void *)n->u.set.targets[k]);
            collect_bound(w, &n->u.set.body);
        } else if (n->kind == N_IF) {
            collect_bound(w, &n->u.ifs.then);
            collect_bound(w, &n->u.ifs.other);
        }
    }
}

void gf_tpl_free_names(const struct gf_tpl *t,
                       void (*fn)(const char *name, size_t pos, void *ctx), void *ctx)
{
    struct walk w = { fn, ctx, GF_VEC_INIT, GF_VEC_INIT, 1 };

    if (t == NULL || t->plain)
        return;
    collect_bound(&w, &t->body);
    walk_body(&w, &t->body); /* first pass: guards */
    w.collect_guards = 0;
    walk_body(&w, &t->body);
    gf_vec_release(&w.bound, NULL);
    gf_vec_release(&w.guarded, NULL);
}
