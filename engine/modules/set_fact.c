/* set_fact.c - the `set_fact` module: every argument becomes a host
 * variable at set_fact precedence (the engine keeps them per host). */
#include <string.h>

#include "module.h"

static const struct gf_param set_fact_params[] = {
    { "cacheable", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int set_fact_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    struct gf_val *facts = gf_val_map();

    for (size_t i = 0; i < args->u.map.n; i++) {
        const char *k = args->u.map.ents[i].key;
        if (strcmp(k, "cacheable") == 0)
            continue;
        gf_val_map_set(facts, k, gf_val_ref(args->u.map.ents[i].val));
        if (ctx->facts_out)
            gf_val_map_set(ctx->facts_out, k, gf_val_ref(args->u.map.ents[i].val));
    }
    gf_val_map_set(res->data, "ansible_facts", facts);
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
