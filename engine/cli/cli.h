/*
 * cli.h - the command-line layer: one file per subcommand, each exporting a
 * struct gf_cmd listed in the table in main.c, plus shared option helpers.
 */
#ifndef GF_CLI_H
#define GF_CLI_H

#include "../core/core.h"

/* Documented exit codes (README "Exit codes"). */
enum {
    GF_EXIT_OK = 0,
    GF_EXIT_FAILED = 2,      /* a task/command failed on at least one host */
    GF_EXIT_UNREACHABLE = 3, /* at least one host unreachable, auth or host key failure */
    GF_EXIT_USAGE = 4,       /* bad command line, inventory or playbook: nothing was run */
    GF_EXIT_NOHOSTS = 5,     /* the pattern matched no host */
    GF_EXIT_INTERNAL = 1,
    GF_EXIT_INTERRUPTED = 130
};

struct gf_cmd {
    const char *name;
    const char *summary;  /* one line for `gpuforge --help` */
    const char *usage;    /* full text for `gpuforge help CMD` */
    int (*exec)(int argc, char **argv);
    int implemented;
};

extern const struct gf_cmd gf_cmd_ping;
extern const struct gf_cmd gf_cmd_exec;
extern const struct gf_cmd gf_cmd_inventory;
extern const struct gf_cmd gf_cmd_run;
extern const struct gf_cmd gf_cmd_reset;
extern const struct gf_cmd gf_cmd_bundle;
extern const struct gf_cmd gf_cmd_doc;
extern const struct gf_cmd gf_cmd_cloud;

const struct gf_cmd *gf_cmd_find(const char *name);
/* Prints "usage: ..." for cmd to stderr and returns GF_EXIT_USAGE. */
int gf_cmd_usage_error(const struct gf_cmd *cmd, const char *fmt, ...) GF_PRINTF(2, 3);

#endif
