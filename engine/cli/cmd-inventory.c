/* cmd-inventory.c - `gpuforge inventory`: loads inventories the way
 * Ansible does and prints them as `ansible-inventory` would (--list,
 * --graph, --host), byte for byte; a broken source is an error, never an
 * empty inventory. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../inventory/inventory.h"
#include "ansiblecfg.h"
#include "cli.h"

#define INVENTORY_USAGE \
    "gpuforge inventory [-i INVENTORY...] (--list | --graph [GROUP] [--vars] | --host HOST)\n" \
    "\n" \
    "Loads the inventories with Ansible's rules (INI, YAML or JSON files, directories,\n" \
    "'host1,host2,' lists; group_vars/ and host_vars/ beside each source and in the\n" \
    "playbook directory) and prints them like ansible-inventory.\n" \
    "\n" \
    "  -i, --inventory SRC     inventory file, directory or 'host1,host2,' (repeatable;\n" \
    "                          default: ansible.cfg's inventory)\n" \
    "      --list              all groups and every host's variables, as JSON\n" \
    "      --graph [GROUP]     the group tree from GROUP (default all)\n" \
    "      --vars              with --graph: show variables too\n" \
    "      --host HOST         one host's variables, as JSON\n" \
    "      --playbook-dir DIR  where playbook group_vars/ and host_vars/ are (default .)\n" \
    "\n" \
    "Unlike ansible-inventory, a source that cannot be parsed is an error (exit 4), and\n" \
    "host names or ansible_host/ansible_user values holding shell or SSH metacharacters\n" \
    "are refused.\n" \
    "exit: 0 ok, 4 bad usage or inventory, 5 --host matched no host\n"

enum { OPT_LIST = 1000, OPT_GRAPH, OPT_VARS, OPT_HOST, OPT_PLAYBOOK_DIR, OPT_YAML, OPT_EXPORT };

static const struct option opts[] = {
    { "inventory", required_argument, NULL, 'i' },
    { "inventory-file", required_argument, NULL, 'i' },
    { "list", no_argument, NULL, OPT_LIST },
    { "graph", no_argument, NULL, OPT_GRAPH },
    { "vars", no_argument, NULL, OPT_VARS },
    { "host", required_argument, NULL, OPT_HOST },
    { "playbook-dir", required_argument, NULL, OPT_PLAYBOOK_DIR },
    { "yaml", no_argument, NULL, 'y' },
    { "toml", no_argument, NULL, OPT_YAML },
    { "export", no_argument, NULL, OPT_EXPORT },
    { "verbose", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 },
};

static int cmd_inventory(int argc, char **argv)
{
    const struct gf_cmd *cmd = &gf_cmd_inventory;
    struct gf_vec sources = GF_VEC_INIT;
    struct gf_inventory *inv = NULL;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_buf out = GF_BUF_INIT;
    struct gf_ansiblecfg cfg = { 0 };
    const char *host = NULL, *playbook_dir = NULL, *group = NULL;
    int list = 0, graph = 0, vars = 0, c, rc = GF_EXIT_OK;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":i:yv", opts, NULL)) != -1) {
        switch (c) {
        case 'i': gf_vec_push(&sources, optarg); break;
        case OPT_LIST: list = 1; break;
        case OPT_GRAPH: graph = 1; break;
        case OPT_VARS: vars = 1; break;
        case OPT_HOST: host = optarg; break;
        case OPT_PLAYBOOK_DIR: playbook_dir = optarg; break;
        case 'v': gf_verbosity++; break;
        case 'y':
        case OPT_YAML:
        case OPT_EXPORT:
            rc = gf_cmd_usage_error(cmd, "%s is not supported; JSON is the only output format",
                                    argv[optind - 1]);
            goto out;
        case ':':
            rc = gf_cmd_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
            goto out;
        default:
            rc = gf_cmd_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
            goto out;
        }
    }
    if (optind < argc)
        group = argv[optind++];
    if (optind < argc) {
        rc = gf_cmd_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (list + graph + (host != NULL) != 1) {
        rc = gf_cmd_usage_error(cmd, "use exactly one of --list, --graph and --host");
        goto out;
    }
    if (sources.n == 0) {
        /* ansible.cfg's inventory (or ANSIBLE_INVENTORY), as ansible-inventory */
        if (gf_ansiblecfg_load(&cfg, &err) < 0)
            goto fail;
        for (size_t i = 0; i < cfg.inventory.n; i++)
            gf_vec_push(&sources, cfg.inventory.v[i]);
        if (sources.n == 0) {
            rc = gf_cmd_usage_error(cmd, "no inventory given: use -i INVENTORY, or set "
                                    "inventory in ansible.cfg");
            goto out;
        }
    }
    inv = gf_inventory_new();
    for (size_t i = 0; i < sources.n; i++)
        if (gf_inventory_load(inv, sources.v[i], &err) < 0)
            goto fail;
    /* ansible-inventory reads the playbook directory's group_vars/ and
     * host_vars/ too (the current directory when none is given) */
    if (gf_inventory_load_var_dir(inv, playbook_dir ? playbook_dir : ".", &err) < 0)
        goto fail;
    inv->play_vars_in_groups = playbook_dir != NULL;
    if (list)
        gf_inventory_list_json(inv, &out);
    else if (graph && gf_inventory_graph(inv, group, vars, &out, &err) < 0)
        goto fail;
    else if (host && gf_inventory_host_json(inv, host, &out, &err) < 0)
        goto fail;
    fwrite(out.buf, 1, out.len, stdout);
    if (fflush(stdout) != 0) {
        perror("gpuforge: stdout");
        rc = GF_EXIT_INTERNAL;
    }
    goto out;
fail:
    gf_error_print(&err);
    rc = err.code == GF_ENOTFOUND && host ? GF_EXIT_NOHOSTS : GF_EXIT_USAGE;
out:
    gf_error_clear(&err);
    gf_buf_release(&out);
    gf_inventory_free(inv);
    gf_vec_release(&sources, NULL);
    gf_ansiblecfg_release(&cfg);
    return rc;
}

const struct gf_cmd gf_cmd_inventory = {
    .name = "inventory",
    .summary = "show inventories as Ansible reads them (--list, --graph, --host)",
    .usage = INVENTORY_USAGE,
    .exec = cmd_inventory,
    .implemented = 1,
};
