/* cmd-pending.c - commands announced in the design but not built yet: they
 * are listed by --help as such and refuse to run with a clear error. */
#include "cli.h"

static int not_yet(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return GF_EXIT_USAGE;
}

const struct gf_cmd gf_cmd_reset = {
    .name = "reset", .summary = "reset nodes to their state before gpuforge",
    .usage = "gpuforge reset -i INVENTORY [--yes]\n", .exec = not_yet, .implemented = 0,
};
