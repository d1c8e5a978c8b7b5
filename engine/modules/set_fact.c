/* set_fact.c - the `set_fact` module: every argument becomes a host
 * variable at set_fact precedence (the engine keeps them per host). */
#include <ctype.h>
#include <string.h>

#include "module.h"

static const struct gf_param set_fact_params[] = {
    { "cacheable", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* A Python identifier and not a keyword, as Ansible's isidentifier. */
static int is_identifier(const char *s)
{
    static const char *const keywords[] = {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
        "return", "try", "while", "with", "yield", NULL,
    };
    for (size_t i = 0; keywords[i]; i++)
        if (strcmp(s, keywords[i]) == 0)
            return 0;
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (s++; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return 0;
    return 1;
}

static int set_fact_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    struct gf_val *facts = gf_val_map();

    for (size_t i = 0; i < args->u.map.n; i++) {
        const char *k = args->u.map.ents[i].key;
        struct gf_buf name = GF_BUF_INIT;
        if (strcmp(k, "cacheable") == 0)
            continue;
        /* the names are templated too ("v_{{ item }}: ...") */
        if (gf_tpl_is_template(k, strlen(k))) {
            struct gf_tpl_opts o = { 0, ctx->file, ctx->line, ctx->col, ctx->tpl_cache };
            struct gf_error err = GF_ERROR_INIT;
            if (gf_tpl_render(k, strlen(k), ctx->scope, &o, &name, &err) < 0) {
                gf_modres_fail(res, "%s", err.msg);
                gf_error_clear(&err);
                gf_buf_release(&name);
                break;
            }
        } else {
            gf_buf_adds(&name, k);
        }
        if (!is_identifier(name.buf)) {
            gf_modres_fail(res, "The variable name '%s' is not valid. Variables must start with "
                           "a letter or underscore character, and contain only letters, "
                           "numbers and underscores.", name.buf);
            gf_buf_release(&name);
            break;
        }
        gf_val_map_set(facts, name.buf, gf_val_ref(args->u.map.ents[i].val));
        if (ctx->facts_out)
            gf_val_map_set(ctx->facts_out, name.buf, gf_val_ref(args->u.map.ents[i].val));
        gf_buf_release(&name);
    }
    if (!res->failed)
        gf_val_map_set(res->data, "ansible_facts", gf_val_ref(facts));
    gf_val_unref(facts);
    return 0;
}

const struct gf_module gf_module_set_fact = {
    .name = "set_fact",
    .aliases = (const char *const[]){ "ansible.builtin.set_fact", NULL },
    .params = set_fact_params, /* any other key is a fact: see gf_module_check_args */
    .controller_only = 1,
    .free_params = 1,
    .supports_check = 1,
    .run = set_fact_run,
};
