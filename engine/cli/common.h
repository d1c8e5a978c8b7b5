/*
 * common.h - options shared by the commands that reach hosts (ping, exec,
 * and later run): inventory sources, limit, connection and become settings;
 * and loading the hosts a pattern selects with their connection targets.
 */
#ifndef GF_CLI_COMMON_H
#define GF_CLI_COMMON_H

#include "../exec/exec.h"
#include "../inventory/inventory.h"
#include "ansiblecfg.h"
#include "cli.h"

struct gf_cli {
    struct gf_ansiblecfg cfg;  /* ansible.cfg and ANSIBLE_*: defaults under the options */
    struct gf_vec inventories; /* const char * (argv strings) */
    const char *limit;
    struct gf_exec_opts exec;
    int json;                  /* --json: one JSON object per host */
    const char *args;          /* -a ARGS */
    unsigned extra;            /* flags a command's own options set */
    struct gf_vec positional;  /* const char *, operands in order */
    int dashdash;              /* index in positional where "--" was, or -1 */
    /* filled by gf_cli_hosts */
    struct gf_inventory *inv;
    struct gf_vec hosts;       /* struct gf_host * */
    struct gf_target *targets; /* one per host */
};

/* Reads ansible.cfg and the ANSIBLE_* variables (gf_ansiblecfg_load) as the
 * defaults, then parses argv over them (argv[0] is the command name).
 * Returns 0, or an exit code after printing the error. A command's own
 * long-only options take values from 2000 up (the common ones use
 * 1000..1999). Extra command options come through `extra` (getopt_long
 * table entries ending with a zeroed one, may be NULL) and are passed to
 * on_extra. c is released with gf_cli_release in any case. */
struct option;
int gf_cli_parse(struct gf_cli *c, const struct gf_cmd *cmd, int argc, char **argv,
                 const struct option *extra, int (*on_extra)(struct gf_cli *, int, const char *));
/* Loads the inventories (-i; else GPUFORGE_INVENTORY; else the
 * configuration's inventory; else /etc/ansible/hosts when it exists),
 * resolves pattern (and --limit) and builds every host's target. Nothing
 * connects here; errors print and return an exit code (GF_EXIT_USAGE or
 * GF_EXIT_NOHOSTS). */
int gf_cli_hosts(struct gf_cli *c, const char *pattern);
void gf_cli_release(struct gf_cli *c);

/* The directory of the running gpuforge binary (malloc'd), or NULL. */
char *gf_cli_exe_dir(void);

/* `gpuforge run` with argv (argv[0] the command's name). With book, that
 * playbook is run and argv may hold options only (an operand is a usage
 * error of cmd); without, argv's operands are the playbooks. (cmd-run.c) */
int gf_cli_run(const struct gf_cmd *cmd, int argc, char **argv, const char *book);

/* Counts per status, and the exit code they make. */
struct gf_tally {
    size_t n[5];
};
int gf_tally_exit(const struct gf_tally *t);

#endif
