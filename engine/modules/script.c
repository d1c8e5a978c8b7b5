/* script.c - the `script` module: a controller-side script run on the node.
 * Its content goes on stdin to one command that puts it in a private
 * temporary file, runs it with the arguments and removes it again. */
#include <stdlib.h>
#include <string.h>

#include "nodefile.h"
#include "nodesh.h"

static const struct gf_param script_params[] = {
    { "_raw_params", GF_P_STR, 0, "cmd", NULL },
    { "creates", GF_P_STR, 0, NULL, NULL },
    { "removes", GF_P_STR, 0, NULL, NULL },
    { "chdir", GF_P_STR, 0, NULL, NULL },
    { "executable", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* Where the first shell word of s ends (quotes and backslashes as shlex
 * reads them). The rest is given to the node's shell as written, as
 * Ansible does. */
static const char *first_word_end(const char *s)
{
    char q = 0;

    s += strspn(s, " \t\n");
    for (; *s && (q || !strchr(" \t\n", *s)); s++) {
        if (q == '\'' && *s == '\'')
            q = 0;
        else if (q == '"' && *s == '"')
            q = 0;
        else if (q != '\'' && *s == '\\' && s[1])
            s++;
        else if (!q && (*s == '\'' || *s == '"'))
            q = *s;
    }
    return s;
}

/* Skips the run when creates exists or removes does not: 1 skipped (res
 * says why), 0 go on, -GF_ECONNECT unreachable. */
static int script_skip(struct gf_modctx *ctx, const char *creates, const char *removes,
                       struct gf_modres *res)
{
    struct gf_buf cmd = GF_BUF_INIT;
    struct gf_result r;
    int rc = 0;

    gf_sh_assign(&cmd, "c", creates);
    gf_sh_assign(&cmd, "r", removes);
    gf_nodesh_add(&cmd, "script_skip"); /* C, R or N */
    gf_result_init(&r, 4096);
    gf_mod_sh(ctx, cmd.buf, NULL, 0, &r);
    if ((rc = gf_mod_lost(res, &r)) == 0 && (r.out.buf[0] == 'C' || r.out.buf[0] == 'R')) {
        char *m = r.out.buf[0] == 'C' ? gf_xasprintf("%s exists, matching creates option", creates)
                  : gf_xasprintf("%s does not exist, matching removes option", removes);
        res->skipped = 1;
        gf_val_map_set(res->data, "msg", gf_val_str(m));
        free(m);
        rc = 1;
    }
    gf_result_release(&r);
    gf_buf_release(&cmd);
    return rc;
}

/* Python's str.splitlines() of s[0..n) as a list. */
static struct gf_val *split_lines(const char *s, size_t n)
{
    struct gf_val *l = gf_val_list();
    size_t i = 0;

    while (i < n) {
        size_t e = i;
        while (e < n && s[e] != '\n' && s[e] != '\r')
            e++;
        gf_val_list_push(l, gf_val_strn(s + i, e - i));
        i = e + (e < n && s[e] == '\r' && e + 1 < n && s[e + 1] == '\n') + 1;
    }
    return l;
}

/* The command (sh/script.sh): a temporary file from stdin (mktemp makes it
 * private), run, removed. exe and rest are shell text as the task wrote
 * them, which the script evaluates. */
static void script_command(struct gf_buf *cmd, const char *chdir_, const char *exe,
                           const char *rest)
{
    gf_sh_assign(cmd, "gf_chdir", chdir_);
    gf_sh_assign(cmd, "gf_exe", exe);
    gf_sh_assign(cmd, "gf_args", rest);
    gf_nodesh_add(cmd, "script");
}

static int script_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *raw = gf_arg_str(args, "_raw_params", "");
    const char *creates = gf_arg_str(args, "creates", NULL);
    const char *removes = gf_arg_str(args, "removes", NULL);
    const char *chdir_ = gf_arg_str(args, "chdir", NULL);
    struct gf_buf cmd = GF_BUF_INIT, data = GF_BUF_INIT;
    struct gf_vec words = GF_VEC_INIT;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_result r;
    char *path = NULL;
    int rc = 0;

    gf_result_init(&r, 1u << 20);
    if (gf_shlex_split(raw, &words) < 0 || words.n == 0) {
        gf_modres_fail(res, words.n ? "cannot split the command: unbalanced quotes"
                                    : "no script given");
        goto out;
    }
    if (chdir_ && chdir_[0] != '/') {
        gf_modres_fail(res, "chdir %s must be an absolute path for a Unix-aware remote node",
                       chdir_);
        goto out;
    }
    if ((creates || removes) && (rc = script_skip(ctx, creates, removes, res)) != 0)
        goto out;
    if ((path = gf_mod_find_src(ctx, "files", words.v[0])) == NULL || gf_is_dir(path) ||
        gf_read_file(path, &data, 0, &err) < 0) {
        gf_modres_fail(res, "Could not find or access '%s'", (char *)words.v[0]);
        goto out;
    }
    if (ctx->check) {
        /* only creates/removes tell what would happen */
        res->changed = creates || removes;
        res->skipped = !res->changed;
        if (res->skipped)
            gf_val_map_set(res->data, "msg", gf_val_str("Check mode is not supported for this "
                                                        "task."));
        goto out;
    }
    script_command(&cmd, chdir_, gf_arg_str(args, "executable", NULL), first_word_end(raw));
    int shrc = gf_mod_sh(ctx, cmd.buf, data.buf, data.len, &r);
    if ((rc = gf_mod_lost(res, &r)) != 0 || gf_mod_become_failed(res, shrc, &r))
        goto out;
    res->changed = 1;
    gf_val_map_set(res->data, "rc", gf_val_int(r.rc));
    gf_val_map_set(res->data, "stdout", gf_val_strn(r.out.buf, r.out.len));
    gf_val_map_set(res->data, "stdout_lines", split_lines(r.out.buf, r.out.len));
    gf_val_map_set(res->data, "stderr", gf_val_strn(r.err.buf, r.err.len));
    gf_val_map_set(res->data, "stderr_lines", split_lines(r.err.buf, r.err.len));
    if (r.rc != 0)
        gf_modres_fail(res, "%s", r.msg && r.rc < 0 ? r.msg : "non-zero return code");
out:
    if (rc > 0)
        rc = 0;
    free(path);
    gf_error_clear(&err);
    gf_vec_release(&words, free);
    gf_result_release(&r);
    gf_buf_release(&data);
    gf_buf_release(&cmd);
    return rc;
}

const struct gf_module gf_module_script = {
    .name = "script",
    .aliases = (const char *const[]){ "ansible.builtin.script", NULL },
    .params = script_params,
    .free_form = "_raw_params",
    .supports_check = 1,
    .run = script_run,
};
