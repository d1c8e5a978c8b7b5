/* systemd.c - the `systemd` module (ansible.builtin.systemd_service) and
 * `service` on systemd hosts: daemon-reload/-reexec, mask, enable, start,
 * stop, restart, reload. One script (sh/systemd.sh) reads the unit's state
 * with systemctl and acts on it, so the check and the change see the same
 * state. */
#include <string.h>

#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param systemd_params[] = {
    { "name", GF_P_STR, 0, "service,unit", NULL },
    { "state", GF_P_STR, 0, NULL, "started,stopped,restarted,reloaded" },
    { "enabled", GF_P_BOOL, 0, NULL, NULL },
    { "masked", GF_P_BOOL, 0, NULL, NULL },
    { "force", GF_P_BOOL, 0, NULL, NULL },
    { "no_block", GF_P_BOOL, 0, NULL, NULL },
    { "daemon_reload", GF_P_BOOL, 0, "daemon-reload", NULL },
    { "daemon_reexec", GF_P_BOOL, 0, "daemon-reexec", NULL },
    { NULL, 0, 0, NULL, NULL },
};

static const struct gf_param service_params[] = {
    { "name", GF_P_STR, 1, NULL, NULL },
    { "state", GF_P_STR, 0, NULL, "started,stopped,restarted,reloaded" },
    { "enabled", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static const char *tri(const struct gf_val *args, const char *name)
{
    const struct gf_val *v = gf_val_map_get(args, name);

    if (v == NULL || v->type != GF_VAL_BOOL)
        return NULL;
    return v->u.b ? "1" : "0";
}

static int systemd_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *name = gf_arg_str(args, "name", NULL);
    const char *state = gf_arg_str(args, "state", NULL);
    const char *enabled = tri(args, "enabled");
    struct gf_buf script = GF_BUF_INIT, opts = GF_BUF_INIT;
    struct gf_result r;
    int rc;

    if (name == NULL && !gf_arg_bool(args, "daemon_reload", 0) &&
        !gf_arg_bool(args, "daemon_reexec", 0))
        return gf_modres_fail(res, "name is required unless daemon_reload or daemon_reexec is set");
    if (name && name[0] == '-')
        return gf_modres_fail(res, "'%s' is not a unit name", name);
    if (gf_arg_bool(args, "no_block", 0))
        gf_buf_adds(&opts, "--no-block ");
    if (gf_arg_bool(args, "force", 0))
        gf_buf_adds(&opts, "--force");
    gf_sh_assign(&script, "gf_name", name);
    gf_sh_assign(&script, "gf_state", state);
    gf_sh_assign(&script, "gf_enabled", enabled);
    gf_sh_assign(&script, "gf_masked", tri(args, "masked"));
    gf_sh_assign(&script, "gf_opts", opts.buf);
    gf_sh_assign(&script, "gf_dreload", gf_arg_bool(args, "daemon_reload", 0) ? "1" : "0");
    gf_sh_assign(&script, "gf_dreexec", gf_arg_bool(args, "daemon_reexec", 0) ? "1" : "0");
    gf_sh_assign(&script, "gf_check", ctx->check ? "1" : "0");
    gf_nodesh_add(&script, "lib");
    /* GFS lines (status before any change, as Ansible), GFDO per action
     * (each one a change), GFEND; GFERR on failure */
    gf_nodesh_add(&script, "systemd");
    rc = gf_sys_run(ctx, script.buf, NULL, 0, &r, res, "systemctl failed");
    if (name)
        gf_val_map_set(res->data, "name", gf_val_str(name));
    if (rc == 0) {
        res->changed = gf_mod_tagged(r.out.buf, "GFDO ") != NULL;
        if (name)
            gf_val_map_set(res->data, "status", gf_systemd_parse_show(r.out.buf, "GFS "));
        if (state)
            gf_val_map_set(res->data, "state",
                           gf_val_str(strcmp(state, "stopped") == 0 ? "stopped" : "started"));
        if (enabled)
            gf_val_map_set(res->data, "enabled", gf_val_bool(enabled[0] == '1'));
    }
    gf_result_release(&r);
    gf_buf_release(&script);
    gf_buf_release(&opts);
    return rc < 0 ? rc : 0;
}

static int service_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    if (!gf_val_map_get(args, "state") && !gf_val_map_get(args, "enabled"))
        return gf_modres_fail(res, "Neither 'state' nor 'enabled' set");
    return systemd_run(ctx, args, res);
}

const struct gf_module gf_module_systemd = {
    .name = "systemd",
    .aliases = (const char *const[]){ "ansible.builtin.systemd", "systemd_service",
                                      "ansible.builtin.systemd_service", NULL },
    .params = systemd_params,
    .supports_check = 1,
    .run = systemd_run,
};

const struct gf_module gf_module_service = {
    .name = "service",
    .aliases = (const char *const[]){ "ansible.builtin.service", NULL },
    .params = service_params,
    .supports_check = 1,
    .run = service_run,
};
