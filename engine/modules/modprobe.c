/* modprobe.c - the `modprobe` module (community.general.modprobe): loads or
 * unloads a kernel module and keeps its modules-load.d / modprobe.d files.
 * Inside a container the kernel is the host's: loading fails, and the
 * message says why instead of leaving modprobe's words alone. */
#include <stdlib.h>
#include <string.h>

#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param modprobe_params[] = {
    { "name", GF_P_STR, 1, NULL, NULL },
    { "state", GF_P_STR, 0, NULL, "present,absent" },
    { "params", GF_P_STR, 0, NULL, NULL },
    { "persistent", GF_P_STR, 0, NULL, "disabled,absent,present" },
    { NULL, 0, 0, NULL, NULL },
};

static int valid_name(const char *s)
{
    return *s && s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")]
                     == '\0' && s[0] != '-';
}

static int modprobe_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *name = gf_arg_str(args, "name", NULL);
    const char *state = gf_arg_str(args, "state", "present");
    const char *params = gf_arg_str(args, "params", "");
    struct gf_buf script = GF_BUF_INIT;
    struct gf_vec words = GF_VEC_INIT;
    struct gf_result r;
    int rc = 0;

    gf_val_map_set(res->data, "name", gf_val_str(name));
    gf_val_map_set(res->data, "params", gf_val_str(params));
    gf_val_map_set(res->data, "state", gf_val_str(state));
    if (!valid_name(name))
        return gf_modres_fail(res, "'%s' is not a kernel module name", name);
    if (gf_shlex_split(params, &words) < 0) {
        gf_vec_release(&words, free);
        return gf_modres_fail(res, "cannot split params: unbalanced quotes");
    }
    gf_sh_assign(&script, "gf_name", name);
    gf_sh_assign(&script, "gf_state", state);
    gf_sh_assign(&script, "gf_params", params);
    gf_sh_assign(&script, "gf_persistent", gf_arg_str(args, "persistent", "disabled"));
    gf_sh_assign(&script, "gf_check", ctx->check ? "1" : "0");
    gf_buf_adds(&script, "set --");
    for (size_t i = 0; i < words.n; i++) {
        gf_buf_addc(&script, ' ');
        gf_sh_quote(&script, words.v[i]);
    }
    gf_buf_addc(&script, '\n');
    gf_nodesh_add(&script, "lib");
    gf_nodesh_add(&script, "tmpfile");
    gf_nodesh_add(&script, "modprobe"); /* GFDO per change, GFEND */
    rc = gf_sys_run(ctx, script.buf, NULL, 0, &r, res, "modprobe failed");
    if (rc == 0)
        res->changed = gf_mod_tagged(r.out.buf, "GFDO ") != NULL;
    gf_result_release(&r);
    gf_buf_release(&script);
    gf_vec_release(&words, free);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_modprobe = {
    .name = "modprobe",
    .aliases = (const char *const[]){ "community.general.modprobe", NULL },
    .params = modprobe_params,
    .supports_check = 1,
    .run = modprobe_run,
};
