/* command.c - the `command` module (argv run without a shell: words are
 * split as shlex does and quoted one by one) and the runner it shares with
 * `shell` and `raw`: creates/removes, chdir, stdin, rc/stdout/stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "module.h"
#include "nodesh.h"

static const struct gf_param command_params[] = {
    { "_raw_params", GF_P_STR, 0, "cmd", NULL },
    { "argv", GF_P_LIST, 0, NULL, NULL },
    { "chdir", GF_P_PATH, 0, NULL, NULL },
    { "creates", GF_P_PATH, 0, NULL, NULL },
    { "removes", GF_P_PATH, 0, NULL, NULL },
    { "stdin", GF_P_STR, 0, NULL, NULL },
    { "stdin_add_newline", GF_P_BOOL, 0, NULL, NULL },
    { "strip_empty_ends", GF_P_BOOL, 0, NULL, NULL },
    { "executable", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static struct gf_val *lines_of(const char *s, size_t n)
{
    struct gf_val *l = gf_val_list();

    for (size_t i = 0; i < n;) {
        const char *e = memchr(s + i, '\n', n - i);
        size_t len = e ? (size_t)(e - (s + i)) : n - i;
        gf_val_list_push(l, gf_val_strn(s + i, len));
        i += len + 1;
    }
    return l;
}

static size_t strip_end(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    return n;
}

/* The wall clock now as "2026-11-23 12:23:54.652469" in local time, as
 * Ansible's start/end. */
static struct gf_val *stamp(void)
{
    struct timespec ts;
    struct tm tm;
    char b[64];

    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(b + n, sizeof(b) - n, ".%06ld", ts.tv_nsec / 1000);
    return gf_val_str(b);
}

/* Asks the node whether anything matches the pattern path (Python's
 * glob.glob, relative to chdir when given): 1 yes, 0 no, -1 failed (res
 * says why). */
static int remote_glob(struct gf_modctx *ctx, const char *path, const char *chdir_,
                       struct gf_modres *res)
{
    struct gf_buf cmd = GF_BUF_INIT;
    struct gf_result r;
    const char *ans, *why;

    gf_result_init(&r, 4096);
    gf_sh_assign(&cmd, "gf_path", path);
    gf_sh_assign(&cmd, "gf_chdir", chdir_ ? chdir_ : "");
    gf_nodesh_add(&cmd, "lib");
    gf_nodesh_add(&cmd, "exists");
    gf_mod_sh(ctx, cmd.buf, NULL, 0, &r);
    int rc = -1;
    if (r.status == GF_ST_UNREACHABLE) {
        gf_modres_fail(res, "%s", r.msg ? r.msg : "unreachable");
        gf_val_map_set(res->data, "unreachable", gf_val_bool(1));
    } else if ((ans = gf_mod_tagged(r.out.buf, "GF ")) != NULL) {
        rc = *ans == '1';
    } else if ((why = gf_mod_tagged(r.out.buf, "GFERR ")) != NULL) {
        gf_val_map_set(res->data, "msg", gf_mod_line_val(why));
        res->failed = 1;
    } else {
        gf_modres_fail(res, "cannot look for '%s' on the node: %s", path,
                       r.err.len ? r.err.buf : r.msg ? r.msg : "no answer");
    }
    gf_result_release(&r);
    gf_buf_release(&cmd);
    return rc;
}

/* creates/removes as Ansible's command module weighs them: returns 1 when
 * the command is not to run (res says why, as Ansible does), 0 when it is,
 * -1 when the node could not tell (res failed). */
static int skip_by_paths(struct gf_modctx *ctx, const char *creates, const char *removes,
                         const char *chdir_, struct gf_modres *res)
{
    const char *path = NULL, *what = NULL;
    int e;

    if (creates) {
        if ((e = remote_glob(ctx, creates, chdir_, res)) < 0)
            return -1;
        if (e)
            path = creates, what = "exists";
    }
    if (path == NULL && removes) {
        if ((e = remote_glob(ctx, removes, chdir_, res)) < 0)
            return -1;
        if (!e)
            path = removes, what = "does not exist";
    }
    if (path == NULL)
        return 0;
    char *msg = gf_xasprintf("%s not run command since '%s' %s", ctx->check ? "Would" : "Did",
                             path, what);
    char *out = gf_xasprintf("skipped, since %s %s", path, what);
    gf_val_map_set(res->data, "msg", gf_val_str(msg));
    gf_val_map_set(res->data, "stdout", gf_val_str(out));
    gf_val_map_set(res->data, "stderr", gf_val_str(""));
    gf_val_map_set(res->data, "rc", gf_val_int(0));
    free(msg);
    free(out);
    return 1;
}

/* Python's shlex.quote(s), appended to b. */
static void py_quote(struct gf_buf *b, const char *s)
{
    if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                        "@%+=:,./_-") == strlen(s)) {
        gf_buf_adds(b, s);
        return;
    }
    gf_buf_addc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            gf_buf_adds(b, "'\"'\"'");
        else
            gf_buf_addc(b, *s);
    }
    gf_buf_addc(b, '\'');
}

/* The command as run_command reports one it could not start
 * (AnsibleModule._clean_args): the words quoted and joined, a password
 * given after --password (or as --password=) masked. */
static void clean_args(const struct gf_val *words, struct gf_buf *b)
{
    int mask_next = 0;

    for (size_t i = 0; i < words->u.list.n; i++) {
        const struct gf_val *wv = words->u.list.v[i];
        const char *w = wv->u.str.s, *p = w;
        if (i)
            gf_buf_addc(b, ' ');
        if (mask_next) {
            py_quote(b, "********");
            mask_next = 0;
            continue;
        }
        while (*p == '-' && p - w < 2)
            p++;
        if (strncmp(p, "pass", 4) == 0) {
            const char *eq = strchr(w, '=');
            if (eq) {
                char *m = gf_xasprintf("%.*s=********", (int)(eq - w), w);
                py_quote(b, m);
                free(m);
                continue;
            }
            mask_next = 1;
        }
        py_quote(b, w);
    }
}

int gf_mod_command_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res,
                       int mode)
{
    struct gf_buf cmd = GF_BUF_INIT, input = GF_BUF_INIT;
    const char *raw = gf_arg_str(args, "_raw_params", NULL);
    const struct gf_val *argv = gf_val_map_get(args, "argv");
    const char *chdir_ = gf_arg_str(args, "chdir", NULL);
    const char *creates = gf_arg_str(args, "creates", NULL);
    const char *removes = gf_arg_str(args, "removes", NULL);
    struct gf_result r;
    struct gf_val *cmdv = NULL; /* the command as Ansible reports it: argv for command */
    struct gf_val *start = NULL;
    char *argv0 = NULL;
    int rc = 0;

    gf_result_init(&r, 1u << 20);
    if ((raw == NULL) == (argv == NULL || argv->type != GF_VAL_LIST)) {
        gf_modres_fail(res, mode == 0 ? "no command given (free form or argv, not both)"
                                      : "no command given");
        goto out;
    }
    if ((creates || removes) && skip_by_paths(ctx, creates, removes, chdir_, res) != 0)
        goto out;
    if (ctx->check) {
        /* Ansible's partial check mode: only creates/removes predict a run */
        gf_val_map_set(res->data, "msg", gf_val_str("Command would have run if not in check mode"));
        gf_val_map_set(res->data, "rc", gf_val_int(0));
        if (creates || removes)
            res->changed = 1;
        else
            res->skipped = 1;
        goto out;
    }
    if (chdir_) {
        gf_buf_adds(&cmd, "cd ");
        gf_sh_quote(&cmd, chdir_);
        gf_buf_adds(&cmd, " && ");
    }
    if (mode == 0) {
        struct gf_vec words = GF_VEC_INIT;
        if (argv && argv->type == GF_VAL_LIST) {
            for (size_t i = 0; i < argv->u.list.n; i++) {
                struct gf_buf t = GF_BUF_INIT;
                gf_val_to_text(argv->u.list.v[i], &t);
                gf_vec_push(&words, gf_buf_detach(&t, NULL));
            }
        } else if (gf_shlex_split(raw, &words) < 0) {
            gf_vec_release(&words, free);
            gf_modres_fail(res, "cannot split the command: unbalanced quotes");
            goto out;
        }
        /* a program that is not there fails as Popen does (command_exec.sh) */
        gf_buf_adds(&cmd, "{\n");
        gf_sh_assign(&cmd, "gf_argv0", words.n ? words.v[0] : "");
        gf_nodesh_add(&cmd, "command_exec");
        gf_buf_adds(&cmd, "exec");
        cmdv = gf_val_list();
        for (size_t i = 0; i < words.n; i++) {
            gf_buf_addc(&cmd, ' ');
            gf_sh_quote(&cmd, words.v[i]);
            gf_val_list_push(cmdv, gf_val_str(words.v[i]));
        }
        gf_buf_adds(&cmd, "\n}");
        argv0 = words.n ? gf_xstrdup(words.v[0]) : NULL;
        gf_vec_release(&words, free);
    } else if (mode == 1) {
        const char *exe = gf_arg_str(args, "executable", "/bin/sh");
        gf_sh_quote(&cmd, exe);
        gf_buf_adds(&cmd, " -c ");
        gf_sh_quote(&cmd, raw);
    } else {
        gf_buf_adds(&cmd, raw);
    }
    const char *in = gf_arg_str(args, "stdin", NULL);
    if (in) {
        gf_buf_adds(&input, in);
        if (gf_arg_bool(args, "stdin_add_newline", 1))
            gf_buf_addc(&input, '\n');
    }
    int64_t t0 = gf_now_us();
    start = stamp();
    int shrc = gf_mod_sh(ctx, cmd.buf, input.len ? input.buf : NULL, input.len, &r);
    if (r.status == GF_ST_UNREACHABLE) {
        rc = -GF_ECONNECT;
        gf_modres_fail(res, "%s", r.msg ? r.msg : "unreachable");
        gf_val_map_set(res->data, "unreachable", gf_val_bool(1));
        goto out;
    }
    if (gf_mod_become_failed(res, shrc, &r))
        goto out;
    const char *noexec = r.rc == 127 && cmdv ? gf_mod_tagged(r.out.buf, "GFNOEXEC ") : NULL;
    if (noexec) {
        /* Ansible's run_command: the OSError of Popen, nothing started */
        int eno = atoi(noexec);
        struct gf_buf c = GF_BUF_INIT;
        clean_args(cmdv, &c);
        gf_modres_fail(res, "[Errno %d] %s: b'%s'", eno,
                       eno == 2 ? "No such file or directory" : "Permission denied", argv0);
        gf_val_map_set(res->data, "cmd", gf_val_str(c.buf ? c.buf : ""));
        gf_val_map_set(res->data, "rc", gf_val_int(eno));
        gf_val_map_set(res->data, "stdout", gf_val_str(""));
        gf_val_map_set(res->data, "stderr", gf_val_str(""));
        gf_val_map_set(res->data, "stdout_lines", gf_val_list());
        gf_val_map_set(res->data, "stderr_lines", gf_val_list());
        gf_buf_release(&c);
        goto out;
    }
    size_t on = r.out.len, en = r.err.len;
    if (gf_arg_bool(args, "strip_empty_ends", 1)) {
        on = strip_end(r.out.buf, on);
        en = strip_end(r.err.buf, en);
    }
    res->changed = 1;
    gf_val_map_set(res->data, "cmd", cmdv ? gf_val_ref(cmdv) : gf_val_str(raw ? raw : ""));
    gf_val_map_set(res->data, "rc", gf_val_int(r.rc));
    gf_val_map_set(res->data, "stdout", gf_val_strn(r.out.buf, on));
    gf_val_map_set(res->data, "stderr", gf_val_strn(r.err.buf, en));
    gf_val_map_set(res->data, "stdout_lines", lines_of(r.out.buf, on));
    gf_val_map_set(res->data, "stderr_lines", lines_of(r.err.buf, en));
    char delta[64];
    int64_t us = gf_now_us() - t0;
    snprintf(delta, sizeof(delta), "%lld:%02lld:%02lld.%06lld", (long long)(us / 3600000000LL),
             (long long)(us / 60000000 % 60), (long long)(us / 1000000 % 60),
             (long long)(us % 1000000));
    gf_val_map_set(res->data, "delta", gf_val_str(delta));
    gf_val_map_set(res->data, "start", start);
    start = NULL;
    gf_val_map_set(res->data, "end", stamp());
    if (r.rc != 0) {
        res->failed = 1;
        gf_val_map_set(res->data, "msg", gf_val_str(r.msg ? r.msg : "non-zero return code"));
    }
out:
    free(argv0);
    gf_val_unref(start);
    gf_val_unref(cmdv);
    gf_result_release(&r);
    gf_buf_release(&cmd);
    gf_buf_release(&input);
    return rc;
}

static int command_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    return gf_mod_command_run(ctx, args, res, 0);
}

const struct gf_module gf_module_command = {
    .name = "command",
    .aliases = (const char *const[]){ "ansible.builtin.command", "ansible.legacy.command", NULL },
    .params = command_params,
    .free_form = "_raw_params",
    .supports_check = 1, /* creates/removes tell; else skipped, as in Ansible */
    .run = command_run,
};
