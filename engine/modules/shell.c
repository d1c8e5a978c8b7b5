/* shell.c - the `shell` module: the command string runs through /bin/sh
 * (or `executable`) on the node. */
#include "module.h"


static const struct gf_param shell_params[] = {
    { "_raw_params", GF_P_STR, 0, "cmd", NULL },
    { "chdir", GF_P_PATH, 0, NULL, NULL },
    { "creates", GF_P_PATH, 0, NULL, NULL },
    { "removes", GF_P_PATH, 0, NULL, NULL },
    { "stdin", GF_P_STR, 0, NULL, NULL },
    { "stdin_add_newline", GF_P_BOOL, 0, NULL, NULL },
    { "strip_empty_ends", GF_P_BOOL, 0, NULL, NULL },
    { "executable", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int shell_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    return gf_mod_command_run(ctx, args, res, 1);
}

const struct gf_module gf_module_shell = {
    .name = "shell",
    .aliases = (const char *const[]){ "ansible.builtin.shell", "ansible.legacy.shell", NULL },
    .params = shell_params,
    .free_form = "_raw_params",
    .supports_check = 1, /* creates/removes tell; else skipped, as in Ansible */
    .run = shell_run,
};
