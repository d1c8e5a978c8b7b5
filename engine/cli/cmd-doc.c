/* cmd-doc.c - `gpuforge doc`: what the engine supports, read from its own
 * tables (the module parameter tables, the filter and test tables), never
 * from a hand-kept list (the keyword table too): `doc MODULE` prints a module's parameters as
 * ansible-doc does, `doc --list` the modules, `doc --compat` the Markdown
 * compatibility section README.md carries (make docs rewrites it). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../modules/module.h"
#include "../playbook/playbook.h"
#include "../template/template.h"
#include "cli.h"

#define DOC_USAGE \
    "gpuforge doc [MODULE | --list | --compat]\n" \
    "\n" \
    "Prints what gpuforge supports, from the engine's own tables.\n" \
    "\n" \
    "  MODULE          a module's parameters, as ansible-doc prints them\n" \
    "  -l, --list      every module, one a line, with its other names\n" \
    "      --compat    the compatibility tables (Markdown) README.md shows\n" \
    "\n" \
    "exit: 0 ok, 4 bad usage or unknown module\n"

static const char *const type_names[] = {
    [GF_P_STR] = "str", [GF_P_BOOL] = "bool", [GF_P_INT] = "int", [GF_P_LIST] = "list",
    [GF_P_DICT] = "dict", [GF_P_RAW] = "raw", [GF_P_PATH] = "path", [GF_P_CPATH] = "path",
    [GF_P_MODE] = "mode",
};

static void print_module(const struct gf_module *m)
{
    printf("> %s", m->name);
    for (size_t i = 0; m->aliases && m->aliases[i]; i++)
        printf("%s%s", i ? ", " : " (", m->aliases[i]);
    printf("%s\n\n", m->aliases && m->aliases[0] ? ")" : "");
    printf("check mode: %s\n", m->supports_check ? "full" : "none (skipped under --check)");
    if (m->controller_only)
        printf("runs on the controller only\n");
    if (m->free_form)
        printf("free form: the text goes to '%s'\n", m->free_form);
    if (m->free_params)
        printf("takes any parameter name\n");
    printf("\nOPTIONS (= is mandatory):\n");
    for (const struct gf_param *p = m->params; p && p->name; p++) {
        printf("\n%c %s\n", p->required ? '=' : '-', p->name);
        printf("        type: %s\n", type_names[p->type]);
        if (p->aliases)
            printf("        aliases: %s\n", p->aliases);
        if (p->choices)
            printf("        choices: %s\n", p->choices);
    }
}

/* The module's parameters as one Markdown cell: name, then =required. */
static void md_params(const struct gf_module *m)
{
    int n = 0;

    for (const struct gf_param *p = m->params; p && p->name; p++, n++)
        printf("%s`%s`%s", n ? ", " : "", p->name, p->required ? " (required)" : "");
    if (m->free_params)
        printf("%sany", n ? ", " : "");
    if (n == 0 && !m->free_params)
        printf("none");
}

/* The keyword table: where Ansible takes each keyword, whether gpuforge
 * refuses it there, and what it does or why it is refused. */
static void print_keywords(void)
{
    static const unsigned cols[] = { GF_KW_PLAY, GF_KW_BLOCK, GF_KW_TASK, GF_KW_HANDLER,
                                     GF_KW_ROLE, GF_KW_INCLUDE };
    size_t n = 0;

    printf("### Keywords\n\n");
    printf("Where Ansible takes each keyword (role: on a role reference in `roles:` or "
           "`dependencies:`;\ninclude: on `include_tasks` and `include_role`, which give "
           "the others to the included\ntasks through `apply`) and what gpuforge does with "
           "it there: `yes`, or `refused` (an error\nbefore anything runs). Elsewhere it is "
           "an error as well (on a role\nreference, other keys are role parameters).\n\n");
    printf("| keyword | play | block | task | handler | role | include | gpuforge |\n"
           "|---|---|---|---|---|---|---|---|\n");
    for (const struct gf_keyword *kw = gf_keywords; kw->name; kw++, n++) {
        printf("| `%s%s` |", kw->name, strcmp(kw->name, "with_") ? "" : "<lookup>");
        for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
            printf(" %s |", !(kw->where & cols[i]) ? "" : kw->refused & cols[i] ? "refused"
                   : "yes");
        printf(" %s |\n", kw->doc);
    }
    printf("\n%zu keywords.\n\n", n);
}

static void print_compat(void)
{
    const char *name;
    size_t n;

    print_keywords();
    printf("### Modules\n\n");
    printf("| module | also | check mode | parameters |\n|---|---|---|---|\n");
    for (n = 0; gf_modules[n]; n++) {
        const struct gf_module *m = gf_modules[n];
        printf("| `%s` | ", m->name);
        for (size_t i = 0; m->aliases && m->aliases[i]; i++)
            printf("%s`%s`", i ? ", " : "", m->aliases[i]);
        printf(" | %s | ", m->supports_check ? "yes" : "skipped");
        md_params(m);
        printf(" |\n");
    }
    printf("\n%zu modules.\n\n### Filters\n\n", n);
    for (n = 0; (name = gf_tpl_filter_name(n)) != NULL; n++)
        printf("%s`%s`", n ? ", " : "", name);
    printf("\n\n%zu filters.\n\n### Tests\n\n", n);
    for (n = 0; (name = gf_tpl_test_name(n)) != NULL; n++)
        printf("%s`%s`", n ? ", " : "", name);
    printf("\n\n%zu tests.\n", n);
}

static const struct option opts[] = {
    { "list", no_argument, NULL, 'l' },
    { "compat", no_argument, NULL, 'c' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

static int cmd_doc(int argc, char **argv)
{
    const struct gf_cmd *cmd = &gf_cmd_doc;
    int list = 0, compat = 0, c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "lh", opts, NULL)) != -1) {
        switch (c) {
        case 'l': list = 1; break;
        case 'c': compat = 1; break;
        case 'h': printf("usage: %s", cmd->usage); return GF_EXIT_OK;
        default: return gf_cmd_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (list + compat + (optind < argc) != 1 || argc - optind > 1)
        return gf_cmd_usage_error(cmd, "give one MODULE, --list or --compat");
    if (compat) {
        print_compat();
        return GF_EXIT_OK;
    }
    if (list) {
        for (size_t i = 0; gf_modules[i]; i++) {
            const struct gf_module *m = gf_modules[i];
            printf("%-20s", m->name);
            for (size_t k = 0; m->aliases && m->aliases[k]; k++)
                printf(" %s", m->aliases[k]);
            printf("\n");
        }
        return GF_EXIT_OK;
    }
    const struct gf_module *m = gf_module_find(argv[optind]);
    if (m == NULL) {
        const char *s = gf_module_suggest(argv[optind]);
        fprintf(stderr, "gpuforge: doc: no module '%s'%s%s%s\n", argv[optind],
                s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        return GF_EXIT_USAGE;
    }
    print_module(m);
    return GF_EXIT_OK;
}

const struct gf_cmd gf_cmd_doc = {
    "doc", "show modules and what gpuforge supports (ansible-doc)", DOC_USAGE, cmd_doc, 1,
};
