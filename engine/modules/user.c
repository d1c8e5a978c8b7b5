/* user.c - the `user` module: a local account present or absent, through
 * getent, useradd, usermod and userdel in one script. The password is a
 * crypt hash as in Ansible; it travels on the script's stdin and reaches
 * chpasswd -e through a pipe from the shell's builtin printf, so it is in no
 * command line on the node, and results show NOT_LOGGING_PASSWORD. The SSH
 * key and the password ages follow in sh/user_extra.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param user_params[] = {
    { "name", GF_P_STR, 1, "user", NULL },
    { "state", GF_P_STR, 0, NULL, "present,absent" },
    { "uid", GF_P_INT, 0, NULL, NULL },
    { "group", GF_P_STR, 0, NULL, NULL },
    { "groups", GF_P_LIST, 0, NULL, NULL },
    { "append", GF_P_BOOL, 0, NULL, NULL },
    { "shell", GF_P_STR, 0, NULL, NULL },
    { "home", GF_P_PATH, 0, NULL, NULL },
    { "create_home", GF_P_BOOL, 0, "createhome", NULL },
    { "system", GF_P_BOOL, 0, NULL, NULL },
    { "password", GF_P_STR, 0, NULL, NULL },
    { "update_password", GF_P_STR, 0, NULL, "always,on_create" },
    { "comment", GF_P_STR, 0, NULL, NULL },
    { "remove", GF_P_BOOL, 0, NULL, NULL },
    { "force", GF_P_BOOL, 0, NULL, NULL },
    { "generate_ssh_key", GF_P_BOOL, 0, NULL, NULL },
    { "ssh_key_type", GF_P_STR, 0, NULL, NULL },
    { "ssh_key_bits", GF_P_INT, 0, NULL, NULL },
    { "ssh_key_file", GF_P_PATH, 0, NULL, NULL },
    { "ssh_key_comment", GF_P_STR, 0, NULL, NULL },
    { "ssh_key_passphrase", GF_P_STR, 0, NULL, NULL },
    { "password_expire_min", GF_P_INT, 0, NULL, NULL },
    { "password_expire_max", GF_P_INT, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* The script is sh/user.sh: it prints "GF <changed> <what>" and, when the
 * account exists afterwards, "GFUSER uid:gid:gecos:home:shell" and
 * "GFGROUPS g1,g2" (supplementary). */

static void assign_groups(struct gf_buf *script, const struct gf_val *groups)
{
    struct gf_buf csv = GF_BUF_INIT;

    for (size_t i = 0; groups && groups->type == GF_VAL_LIST && i < groups->u.list.n; i++) {
        const struct gf_val *g = groups->u.list.v[i];
        struct gf_buf one = GF_BUF_INIT;
        gf_val_to_text(g, &one);
        /* "a, b" splits with blanks: Ansible strips them */
        const char *s = one.buf;
        size_t len = one.len;
        while (len && *s == ' ')
            s++, len--;
        while (len && s[len - 1] == ' ')
            len--;
        if (len) {
            if (csv.len)
                gf_buf_addc(&csv, ',');
            gf_buf_add(&csv, s, len);
        }
        gf_buf_release(&one);
    }
    gf_sh_assign(script, "gf_groups", csv.buf);
    gf_sh_assign(script, "gf_has_groups", groups ? "1" : "0");
    gf_buf_release(&csv);
}

/* Fills the result from "GFUSER uid:gid:gecos:home:shell" and "GFGROUPS". */
static void user_result(const char *out, const struct gf_val *args, struct gf_modres *res)
{
    const char *u = gf_mod_tagged(out, "GFUSER "), *g = gf_mod_tagged(out, "GFGROUPS ");

    if (u) {
        char *line = gf_xstrndup(u, strcspn(u, "\n")), *f[5] = { 0 }, *s = line;
        for (int i = 0; i < 5 && s; i++) {
            f[i] = s;
            s = i < 4 ? strchr(s, ':') : NULL;
            if (s)
                *s++ = '\0';
        }
        if (f[4]) {
            gf_val_map_set(res->data, "uid", gf_val_int(atoll(f[0])));
            gf_val_map_set(res->data, "group", gf_val_int(atoll(f[1])));
            gf_val_map_set(res->data, "comment", gf_val_str(f[2]));
            gf_val_map_set(res->data, "home", gf_val_str(f[3]));
            gf_val_map_set(res->data, "shell", gf_val_str(f[4]));
        }
        free(line);
    }
    if (g && gf_val_map_get(args, "groups")) {
        size_t n = strcspn(g, "\n");
        gf_val_map_set(res->data, "groups", gf_val_strn(g, n && g[n - 1] == ',' ? n - 1 : n));
    }
}

/* The inputs of sh/user_extra.sh: the SSH key and the password ages. */
static void assign_extra(struct gf_buf *script, const struct gf_val *args)
{
    const char *type = gf_arg_str(args, "ssh_key_type", "rsa");
    const char *kc = gf_arg_str(args, "ssh_key_comment", NULL);
    const struct gf_val *v;
    char num[32], *file = gf_xasprintf(".ssh/id_%s", type);

    gf_sh_assign(script, "gf_keygen", gf_arg_bool(args, "generate_ssh_key", 0) ? "1" : "0");
    gf_sh_assign(script, "gf_key_type", type);
    snprintf(num, sizeof(num), "%lld", gf_arg_int(args, "ssh_key_bits", 0));
    gf_sh_assign(script, "gf_key_bits", num);
    gf_sh_assign(script, "gf_key_file", gf_arg_str(args, "ssh_key_file", file));
    gf_sh_assign(script, "gf_has_key_comment", kc ? "1" : "0");
    gf_sh_assign(script, "gf_key_comment", kc);
    gf_sh_assign(script, "gf_force", gf_arg_bool(args, "force", 0) ? "1" : "0");
    v = gf_val_map_get(args, "password_expire_min");
    snprintf(num, sizeof(num), "%lld", v && v->type == GF_VAL_INT ? v->u.i : 0);
    gf_sh_assign(script, "gf_exp_min", v && v->type == GF_VAL_INT ? num : "");
    v = gf_val_map_get(args, "password_expire_max");
    snprintf(num, sizeof(num), "%lld", v && v->type == GF_VAL_INT ? v->u.i : 0);
    gf_sh_assign(script, "gf_exp_max", v && v->type == GF_VAL_INT ? num : "");
    free(file);
}

/* ssh_key_file, ssh_fingerprint ("" when there is no key, as in check
 * mode) and ssh_public_key (null without one). */
static void ssh_result(const char *out, struct gf_modres *res)
{
    const char *f = gf_mod_tagged(out, "GFSSHFILE "), *fp = gf_mod_tagged(out, "GFSSHFP ");
    const char *pub = gf_mod_tagged(out, "GFSSHPUB ");

    if (f)
        gf_val_map_set(res->data, "ssh_key_file", gf_mod_line_val(f));
    gf_val_map_set(res->data, "ssh_fingerprint", fp ? gf_mod_line_val(fp) : gf_val_str(""));
    gf_val_map_set(res->data, "ssh_public_key", pub ? gf_mod_line_val(pub) : gf_val_null());
    struct gf_val *w = gf_val_list();
    for (const char *p = out; (p = gf_mod_tagged(p, "GFWARN ")) != NULL; p += strcspn(p, "\n"))
        gf_val_list_push(w, gf_mod_line_val(p));
    if (w->u.list.n)
        gf_val_map_set(res->data, "warnings", w);
    else
        gf_val_unref(w);
}

static int user_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *name = gf_arg_str(args, "name", NULL);
    const char *state = gf_arg_str(args, "state", "present");
    const char *pw = gf_arg_str(args, "password", NULL);
    const char *comment = gf_arg_str(args, "comment", NULL);
    const struct gf_val *uid = gf_val_map_get(args, "uid");
    struct gf_buf script = GF_BUF_INIT, input = GF_BUF_INIT;
    struct gf_result r;
    char num[32] = "";
    int rc;

    if (pw && strchr(pw, '\n'))
        return gf_modres_fail(res, "password must be one line (a crypt hash)");
    if (gf_arg_str(args, "ssh_key_passphrase", NULL))
        return gf_modres_fail(res, "user: ssh_key_passphrase is not supported yet (%s:%d, host "
                              "%s)", ctx->file ? ctx->file : "?", ctx->line, ctx->host);
    if (uid && uid->type == GF_VAL_INT)
        snprintf(num, sizeof(num), "%lld", uid->u.i);
    gf_sh_assign(&script, "gf_name", name);
    gf_sh_assign(&script, "gf_state", state);
    gf_sh_assign(&script, "gf_uid", num);
    gf_sh_assign(&script, "gf_group", gf_arg_str(args, "group", NULL));
    assign_groups(&script, gf_val_map_get(args, "groups"));
    gf_sh_assign(&script, "gf_append", gf_arg_bool(args, "append", 0) ? "1" : "0");
    gf_sh_assign(&script, "gf_shell", gf_arg_str(args, "shell", NULL));
    gf_sh_assign(&script, "gf_home", gf_arg_str(args, "home", NULL));
    gf_sh_assign(&script, "gf_create_home", gf_arg_bool(args, "create_home", 1) ? "1" : "0");
    gf_sh_assign(&script, "gf_system", gf_arg_bool(args, "system", 0) ? "1" : "0");
    gf_sh_assign(&script, "gf_has_comment", comment ? "1" : "0");
    gf_sh_assign(&script, "gf_comment", comment);
    gf_sh_assign(&script, "gf_remove", gf_arg_bool(args, "remove", 0) ? "1" : "0");
    gf_sh_assign(&script, "gf_update_pw", gf_arg_str(args, "update_password", "always"));
    gf_sh_assign(&script, "gf_has_pw", pw ? "1" : "0");
    gf_sh_assign(&script, "gf_check", ctx->check ? "1" : "0");
    assign_extra(&script, args);
    gf_nodesh_add(&script, "lib");
    gf_nodesh_add(&script, "user");
    gf_nodesh_add(&script, "user_extra");
    if (pw)
        gf_buf_addf(&input, "%s\n", pw);
    rc = gf_sys_run(ctx, script.buf, pw ? input.buf : NULL, input.len, &r, res, "user");
    if (rc == 0) {
        const char *ok = gf_mod_tagged(r.out.buf, "GF ");
        if (ok == NULL) {
            gf_modres_fail(res, "user: unexpected output from the node");
        } else {
            res->changed = ok[0] == '1' || gf_mod_tagged(r.out.buf, "GFCH") != NULL;
            gf_val_map_set(res->data, "name", gf_val_str(name));
            gf_val_map_set(res->data, "state", gf_val_str(state));
            if (strcmp(state, "absent") == 0) {
                gf_val_map_set(res->data, "remove", gf_val_bool(gf_arg_bool(args, "remove", 0)));
            } else {
                gf_val_map_set(res->data, "system", gf_val_bool(gf_arg_bool(args, "system", 0)));
                gf_val_map_set(res->data, "append", gf_val_bool(gf_arg_bool(args, "append", 0)));
                user_result(r.out.buf, args, res);
                if (gf_arg_bool(args, "generate_ssh_key", 0))
                    ssh_result(r.out.buf, res);
            }
        }
    }
    if (pw) /* a hash only, yet no more visible than Ansible makes it */
        gf_val_map_set(res->data, "password", gf_val_str("NOT_LOGGING_PASSWORD"));
    gf_result_release(&r);
    gf_buf_release_secret(&input);
    gf_buf_release(&script);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_user = {
    .name = "user",
    .aliases = (const char *const[]){ "ansible.builtin.user", NULL },
    .params = user_params,
    .supports_check = 1,
    .run = user_run,
};
