/*
 * test-unsafe.c - unit tests for the rule that data from a node stays data:
 * gf_val_unsafe marks a value and everything in it (in place when nobody
 * else holds it, on a copy otherwise); every value a template derives from
 * unsafe data (loop items from split, map, select, dict2items, items2dict,
 * first, join, regex_replace, default, combine, from_json, methods,
 * operators, ...) comes back marked in every part, so an item taken out of
 * it and read again as a variable (a loop's item, a set_fact result, a fact)
 * is never templated; and the !unsafe YAML tag marks a scalar the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/core/core.h"
#include "../../engine/template/template.h"
#include "harness.h"

#define SECRET "ctl-secret-5be3a1"

/* The text a node returned, as a registered result: lines that are
 * templates, one that is a Python literal, one that is JSON. */
static const char node_yaml[] =
    "stdout: \"{{ controller_secret }}\\nx{{ 6*7 }}y\\n{%raw%}r{{1}}{%endraw%}\"\n"
    "stdout_lines: ['{{ controller_secret }}', 'x{{ 6*7 }}y', '{%raw%}r{{1}}{%endraw%}']\n"
    "literal: \"['{{ controller_secret }}', {'k': 'x{{ 6*7 }}y'}]\"\n"
    "json: '{\"a\": [\"{{ controller_secret }}\"], \"b\": \"x{{ 6*7 }}y\"}'\n";

static struct gf_val *yaml(const char *s)
{
    struct gf_error err = GF_ERROR_INIT;
    struct gf_val *v = NULL;

    if (gf_yaml_load(s, strlen(s), "test", &v, &err) < 0)
        FAILF("bad test YAML: %s", err.msg);
    return v;
}

/* Counts the values in v (v itself included) and those marked unsafe. */
static void count_marks(const struct gf_val *v, size_t *all, size_t *marked)
{
    ++*all;
    *marked += (v->flags & GF_VAL_UNSAFE) != 0;
    if (v->type == GF_VAL_LIST)
        for (size_t i = 0; i < v->u.list.n; i++)
            count_marks(v->u.list.v[i], all, marked);
    if (v->type == GF_VAL_MAP)
        for (size_t i = 0; i < v->u.map.n; i++)
            count_marks(v->u.map.ents[i].val, all, marked);
}

/* 1 when v and everything in it carry GF_VAL_UNSAFE. */
static int all_unsafe(const struct gf_val *v)
{
    size_t all = 0, marked = 0;

    count_marks(v, &all, &marked);
    return marked == all;
}

/* 1 when nothing in v carries GF_VAL_UNSAFE. */
static int none_unsafe(const struct gf_val *v)
{
    size_t all = 0, marked = 0;

    count_marks(v, &all, &marked);
    return marked == 0;
}

/* The variables of a host: the controller's secret, a registered result r
 * (unsafe, as the executor stores it) and hv, a safe map holding one unsafe
 * value (hostvars: inventory variables beside facts). */
static struct gf_val *host_vars(void)
{
    struct gf_val *v = yaml("controller_secret: " SECRET "\nsafe: '{{ 6*7 }}'\n"
                            "hv: {inv: plain}\n");

    gf_val_map_set(v, "r", gf_val_unsafe(yaml(node_yaml)));
    struct gf_val *fact = gf_val_unsafe(gf_val_str("h{{ controller_secret }}"));
    gf_val_map_set(gf_val_map_get(v, "hv"), "ansible_hostname", fact);
    return v;
}

/* Reads every string in v back as the variable "item", as a loop does, and
 * checks it renders as it is: neither the secret nor "42" shows. */
static void check_reread(const struct gf_val *vars, struct gf_val *v, const char *expr)
{
    if (v->type == GF_VAL_LIST || v->type == GF_VAL_MAP) {
        size_t n = v->type == GF_VAL_LIST ? v->u.list.n : v->u.map.n;
        for (size_t i = 0; i < n; i++)
            check_reread(vars, v->type == GF_VAL_LIST ? v->u.list.v[i] : v->u.map.ents[i].val,
                         expr);
        return;
    }
    struct gf_val *loopvars = gf_val_map();
    struct gf_tpl_scope top, scope;
    struct gf_buf b = GF_BUF_INIT, want = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;

    gf_val_map_set(loopvars, "item", gf_val_ref(v));
    gf_tpl_scope_map(&top, vars, NULL);
    gf_tpl_scope_map(&scope, loopvars, &top);
    int rc = gf_tpl_render("{{ item }}", 10, &scope, NULL, &b, &err);
    if (rc != GF_TPL_TAINTED)
        FAILF("%s: item rendered with rc %d (%s)", expr, rc, err.msg ? err.msg : "");
    gf_val_to_text(v, &want);
    if (strcmp(b.buf ? b.buf : "", want.buf ? want.buf : "") != 0 || strstr(b.buf, SECRET))
        FAILF("%s: item \"%s\" rendered as \"%s\"", expr, want.buf, b.buf);
    gf_buf_release(&b);
    gf_buf_release(&want);
    gf_val_unref(loopvars);
}

/* What a template derives from node data: every part of it is marked, and
 * nothing in it is ever expanded. */
static const char *const derived[] = {
    "{{ r.stdout_lines }}",
    "{{ r.stdout.split() }}",
    "{{ r.stdout.splitlines() }}",
    "{{ r.stdout | split('\\n') }}",
    "{{ r.stdout_lines | list }}",
    "{{ r.stdout_lines | map('trim') | list }}",
    "{{ r.stdout_lines | map('regex_replace', '^', '') | select('search', '[{]') | list }}",
    "{{ r.stdout_lines | reject('equalto', '') | list }}",
    "{{ r.stdout_lines | map('upper') | map('lower') | list }}",
    "{{ {'a': r.stdout_lines | first, 'b': r.stdout_lines | last} | dict2items }}",
    "{{ [{'key': 'k', 'value': r.stdout_lines[1]}] | items2dict }}",
    "{{ r.stdout_lines | first }}",
    "{{ r.stdout_lines | join(',') }}",
    "{{ (r.stdout_lines | join('|')).split('|') }}",
    "{{ r.stdout | regex_replace('y', 'y') }}",
    "{{ not_defined | default(r.stdout_lines) }}",
    "{{ {'a': 1} | combine({'b': r.stdout_lines}) }}",
    "{{ r.json | from_json }}",
    "{{ r.stdout_lines | to_json | from_json }}",
    "{{ r.literal }}",
    "{{ r.stdout_lines | sort | unique | reverse | list }}",
    "{{ [r.stdout_lines] | flatten }}",
    "{{ r.stdout_lines | zip(r.stdout_lines) | list }}",
    "{{ r.stdout_lines[0:2] + ['{{ safe }}'] }}",
    "{{ r | dict2items | selectattr('key', 'equalto', 'stdout_lines') | list }}",
    "{{ r.stdout_lines | batch(2) | list }}",
    "{{ dict(r.stdout_lines | zip(r.stdout_lines)) }}",
    "{{ [hv] | map(attribute='ansible_hostname') | list }}",
    "{{ [hv] | map(attribute='ansible_hostname') | join(',') }}",
    "{{ hv.values() | list | join(',') }}",
    "{{ hv | dict2items | map(attribute='value') | join(',') }}",
    "prefix {{ r.stdout_lines[0] }}",
    "{% for l in r.stdout_lines %}{{ l }};{% endfor %}",
};

TEST(unsafe_derived_values_stay_data)
{
    struct gf_val *vars = host_vars();
    struct gf_tpl_scope scope;

    gf_tpl_scope_map(&scope, vars, NULL);
    for (size_t i = 0; i < GF_ARRAY_LEN(derived); i++) {
        const char *e = derived[i];
        struct gf_val *res = NULL;
        struct gf_error err = GF_ERROR_INIT;
        if (gf_tpl_eval_value(e, strlen(e), &scope, NULL, &res, &err) < 0)
            FAILF("%s: %s", e, err.msg);
        if (!all_unsafe(res)) {
            struct gf_buf b = GF_BUF_INIT;
            gf_json_dump(res, -1, 0, &b);
            FAILF("%s: not marked in every part: %s", e, b.buf);
        }
        check_reread(vars, res, e);
        gf_val_unref(res);
    }
    gf_val_unref(vars);
}

/* The same through gf_tpl_template_val, as set_fact's arguments and module
 * arguments are templated: unsafe leaves marked, safe ones templated. */
TEST(unsafe_set_fact_arguments)
{
    struct gf_val *vars = host_vars();
    struct gf_val *args = yaml("sf: '{{ r.stdout }}'\nsf_lines: '{{ r.stdout_lines }}'\n"
                               "mixed: {a: '{{ r.stdout_lines[1] }}', b: '{{ safe }}'}\n"
                               "plain: '{{ safe }}'\n");
    struct gf_tpl_scope scope;
    struct gf_val *out = NULL;
    struct gf_error err = GF_ERROR_INIT;

    gf_tpl_scope_map(&scope, vars, NULL);
    ASSERT_EQ(gf_tpl_template_val(args, &scope, NULL, &out, &err), 0);
    ASSERT(all_unsafe(gf_val_map_get(out, "sf")));
    ASSERT(all_unsafe(gf_val_map_get(out, "sf_lines")));
    struct gf_val *mixed = gf_val_map_get(out, "mixed");
    ASSERT(all_unsafe(gf_val_map_get(mixed, "a")));
    ASSERT_STREQ(gf_val_map_get(mixed, "a")->u.str.s, "x{{ 6*7 }}y");
    ASSERT_EQ(gf_val_map_get(mixed, "b")->u.i, 42); /* not data: templated */
    ASSERT(none_unsafe(gf_val_map_get(out, "plain")));
    /* the facts set, read back as variables: still literal */
    struct gf_tpl_scope facts;
    gf_tpl_scope_map(&facts, out, &scope);
    struct gf_buf b = GF_BUF_INIT;
    const char *t = "{{ sf_lines[0] }}|{{ mixed.a }}|{{ sf }}";
    ASSERT_EQ(gf_tpl_render(t, strlen(t), &facts, NULL, &b, &err), GF_TPL_TAINTED);
    ASSERT_STREQ(b.buf, "{{ controller_secret }}|x{{ 6*7 }}y|{{ controller_secret }}\n"
                        "x{{ 6*7 }}y\n{%raw%}r{{1}}{%endraw%}");
    check_reread(vars, gf_val_map_get(out, "sf_lines"), "sf_lines");
    gf_buf_release(&b);
    gf_val_unref(out);
    gf_val_unref(args);
    gf_val_unref(vars);
}

/* Facts as the executor keeps them: the gathered map marked once, then its
 * values read at top level (ansible_hostname) and under ansible_facts. */
TEST(unsafe_facts_top_level_and_nested)
{
    struct gf_val *facts = gf_val_unsafe(yaml("ansible_hostname: 'h{{ 6*7 }}q'\n"
                                              "ansible_lines: ['{{ controller_secret }}']\n"));
    struct gf_val *vars = yaml("controller_secret: " SECRET "\n");
    struct gf_tpl_scope top, scope;
    struct gf_buf b = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;

    gf_val_map_set(vars, "ansible_facts", gf_val_ref(facts));
    gf_tpl_scope_map(&top, vars, NULL);
    gf_tpl_scope_map(&scope, facts, &top); /* facts' values are top-level variables too */
    const char *t = "{{ ansible_hostname }} {{ ansible_facts.ansible_hostname }} "
                    "{{ ansible_lines[0] }}";
    ASSERT_EQ(gf_tpl_render(t, strlen(t), &scope, NULL, &b, &err), GF_TPL_TAINTED);
    ASSERT_STREQ(b.buf, "h{{ 6*7 }}q h{{ 6*7 }}q {{ controller_secret }}");
    check_reread(vars, gf_val_map_get(facts, "ansible_lines"), "ansible_lines");
    gf_buf_release(&b);
    gf_val_unref(vars);
    gf_val_unref(facts);
}

/* gf_val_unsafe: in place for a value nobody else holds; a copy where a
 * holder could see the change, the original left as it was. */
TEST(unsafe_mark_in_place_or_copy)
{
    struct gf_val *v = yaml("[a, {k: [b, 1, 2.5, null, true]}]");
    struct gf_val *same = gf_val_unsafe(v);

    ASSERT(same == v);
    ASSERT(all_unsafe(v));
    gf_val_unref(v);

    struct gf_val *shared = yaml("{k: [b, {c: d}], n: 3}");
    struct gf_val *marked = gf_val_unsafe(gf_val_ref(shared));
    ASSERT(marked != shared);
    ASSERT(all_unsafe(marked));
    ASSERT(none_unsafe(shared));
    ASSERT(gf_val_equal(marked, shared));
    ASSERT_EQ(gf_val_map_get(marked, "n")->u.i, 3);
    gf_val_unref(marked);
    gf_val_unref(shared);

    /* a list of its own holding an item another list holds */
    struct gf_val *item = yaml("[x, y]");
    struct gf_val *other = gf_val_list(), *own = gf_val_list();
    gf_val_list_push(other, gf_val_ref(item));
    gf_val_list_push(own, item);
    own = gf_val_unsafe(own);
    ASSERT(all_unsafe(own));
    ASSERT(own->u.list.v[0] != item);
    ASSERT(none_unsafe(other));
    gf_val_unref(own);
    gf_val_unref(other);

    /* already marked: returned as it is */
    struct gf_val *m = gf_val_unsafe(gf_val_str("z"));
    struct gf_val *ref = gf_val_ref(m);
    ASSERT(gf_val_unsafe(ref) == m);
    gf_val_unref(m);
    gf_val_unref(m);
    ASSERT(gf_val_unsafe(NULL) == NULL);
}

/* Ansible's !unsafe tag marks a scalar of a playbook or vars file as data. */
TEST(unsafe_yaml_tag)
{
    struct gf_val *vars = yaml("controller_secret: " SECRET "\n"
                               "raw: !unsafe '{{ controller_secret }} {% raw %}'\n"
                               "plain: '{{ controller_secret }}'\n");
    struct gf_tpl_scope scope;
    struct gf_buf b = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;
    const char *t = "{{ raw }}|{{ plain }}";

    ASSERT(gf_val_map_get(vars, "raw")->flags & GF_VAL_UNSAFE);
    gf_tpl_scope_map(&scope, vars, NULL);
    ASSERT_EQ(gf_tpl_render(t, strlen(t), &scope, NULL, &b, &err), GF_TPL_TAINTED);
    ASSERT_STREQ(b.buf, "{{ controller_secret }} {% raw %}|" SECRET);
    gf_buf_release(&b);
    gf_val_unref(vars);
}
