/* systemd.c - the `systemd` module (ansible.builtin.systemd_service) and
 * `service` on systemd hosts: daemon-reload/-reexec, mask, enable, start,
 * stop, restart, reload. One script reads the unit's state with systemctl
 * and acts on it, so the check and the change see the same state. */
#include <string.h>

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

/* Properties returned as `status` (Ansible returns all of them; these are
 * the ones playbooks test). */
#define SHOW_PROPS "-p Id -p Names -p Description -p LoadState -p LoadError -p ActiveState " \
                   "-p SubState -p UnitFileState -p UnitFilePreset -p MainPID -p FragmentPath"

/* Prints GFS lines (status before any change, as Ansible), GFDO per action
 * (each one a change) and GFERR on failure. Ansible's order: reloads, mask,
 * enable, state. */
static const char systemd_script[] =
    GF_SYS_PROLOGUE
    "[ -d /run/systemd/system ] || fail 'systemd is not the service manager of this host "
    "(no /run/systemd/system)'\n"
    "if [ \"$gf_check\" != 1 ]; then\n"
    "  if [ \"$gf_dreload\" = 1 ]; then o=$(systemctl daemon-reload 2>&1) || fail \"failure during "
    "daemon-reload: $o\"; fi\n"
    "  if [ \"$gf_dreexec\" = 1 ]; then o=$(systemctl daemon-reexec 2>&1) || fail \"failure during "
    "daemon-reexec: $o\"; fi\n"
    "fi\n"
    "[ -n \"$gf_name\" ] || exit 0\n"
    "u=$gf_name\n"
    "systemctl show " SHOW_PROPS " -- \"$u\" | while IFS= read -r l; do echo \"GFS $l\"; done\n"
    "load=$(systemctl show -p LoadState --value -- \"$u\")\n"
    "if [ -n \"$gf_state$gf_enabled\" ]; then\n"
    "  case $load in not-found) fail \"Could not find the requested service $u: host\";;\n"
    "  error|bad-setting) fail \"Error loading unit file '$u': $(systemctl show -p LoadError "
    "--value -- \"$u\")\";; esac\n"
    "fi\n"
    "act() { echo \"GFDO $1\"; [ \"$gf_check\" = 1 ] && return 0\n"
    "  o=$(systemctl $gf_opts \"$@\" -- \"$u\" 2>&1) || fail \"Unable to $1 service $u: $o\"; }\n"
    "if [ -n \"$gf_masked\" ]; then\n"
    "  m=0; [ \"$(systemctl is-enabled -- \"$u\" 2>/dev/null)\" = masked ] && m=1\n"
    "  if [ $m != \"$gf_masked\" ]; then if [ $m = 0 ]; then act mask; else act unmask; fi; fi\n"
    "fi\n"
    "if [ -n \"$gf_enabled\" ]; then\n"
    "  e=$(systemctl is-enabled -- \"$u\" 2>/dev/null) && en=1 || en=0\n"
    "  case $e in indirect|alias) en=0;; esac\n"
    "  if [ $en != \"$gf_enabled\" ]; then if [ $en = 0 ]; then act enable; else act disable; fi; fi\n"
    "fi\n"
    "if [ -n \"$gf_state\" ]; then\n"
    "  a=$(systemctl is-active -- \"$u\" 2>/dev/null)\n"
    "  case $a in active|activating|reloading|refreshing) run=1;; *) run=0;; esac\n"
    "  case $gf_state in\n"
    "  started) [ $run = 1 ] || act start;;\n"
    "  stopped) if [ $run = 1 ] || [ \"$a\" = deactivating ]; then act stop; fi;;\n"
    "  *) if [ $run = 0 ]; then act start; else act \"${gf_state%ed}\"; fi;;\n"
    "  esac\n"
    "fi\n"
    "echo GFEND\n";

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
    gf_buf_adds(&script, systemd_script);
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
