/* main.c - entry point: global options and dispatch to the command table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct gf_cmd *const commands[] = {
    &gf_cmd_ping,
    &gf_cmd_exec,
    &gf_cmd_inventory,
    &gf_cmd_run,
    &gf_cmd_reset,
    &gf_cmd_bundle,
    &gf_cmd_doc,
    &gf_cmd_cloud,
    NULL
};

const struct gf_cmd *gf_cmd_find(const char *name)
{
    for (size_t i = 0; commands[i]; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static void print_help(FILE *f)
{
    fputs("usage: gpuforge [--version] [--help] COMMAND [ARGS]\n\n"
          "Agentless SSH orchestration for bare-metal GPU clusters.\n\ncommands:\n", f);
    for (size_t i = 0; commands[i]; i++)
        fprintf(f, "   %-10s %s%s\n", commands[i]->name, commands[i]->summary,
                commands[i]->implemented ? "" : " (not implemented yet)");
    fputs("\n'gpuforge help COMMAND' shows a command's options.\n"
          "exit codes: 0 ok, 2 failed on a host, 3 unreachable, 4 usage or input error,\n"
          "            5 no host matched, 1 internal error\n", f);
}

static int help_cmd(const char *name)
{
    const struct gf_cmd *c = gf_cmd_find(name);

    if (c == NULL) {
        fprintf(stderr, "gpuforge: unknown command '%s'; see 'gpuforge --help'\n", name);
        return GF_EXIT_USAGE;
    }
    printf("usage: %s", c->usage);
    return GF_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return GF_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("gpuforge %s\n", GF_VERSION);
        return GF_EXIT_OK;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_help(stdout);
        return GF_EXIT_OK;
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            print_help(stdout);
            return GF_EXIT_OK;
        }
        return help_cmd(argv[2]);
    }
    const struct gf_cmd *c = gf_cmd_find(name);
    if (c == NULL) {
        fprintf(stderr, "gpuforge: unknown command '%s'; see 'gpuforge --help'\n", name);
        return GF_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return help_cmd(name);
        else if (strcmp(argv[i], "--") == 0)
            break;
    if (!c->implemented) {
        fprintf(stderr, "gpuforge: '%s' is not implemented yet in this version\n", name);
        return GF_EXIT_USAGE;
    }
    return c->exec(argc - 1, argv + 1);
}
