/* reboot.c - the `reboot` module: reboots the node, waits for it to come
 * back with a new boot id and a working test_command, and hands the new
 * session over in ctx->session. The old one, dead now, is left to the
 * caller, who passed it: a caller that finds ctx->session changed after
 * run() closes the session it passed and keeps the new one. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param reboot_params[] = {
    { "pre_reboot_delay", GF_P_INT, 0, NULL, NULL },
    { "post_reboot_delay", GF_P_INT, 0, NULL, NULL },
    { "reboot_timeout", GF_P_INT, 0, NULL, NULL },
    { "test_command", GF_P_STR, 0, NULL, NULL },
    { "msg", GF_P_STR, 0, NULL, NULL },
    { "boot_time_command", GF_P_STR, 0, NULL, NULL },
    { "reboot_command", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* The kernel's boot id proves a reboot of a machine. A container may show
 * its host's (docker does; nspawn gives each boot its own), so the start
 * time of its PID 1 is added. */
#define BOOT_ID_CMD "cat /proc/sys/kernel/random/boot_id && cut -d' ' -f22 /proc/1/stat"

static struct gf_exec_opts default_opts;

static void init_default_opts(void)
{
    gf_exec_opts_init(&default_opts);
}

/* The options of the new session, which must outlive it. The module context
 * does not carry the run's options (yet), so the defaults stand in: connect
 * timeout 10 s, keepalive 15 s, no command timeout; user, keys, passwords
 * and the host-key policy come from the target. */
static const struct gf_exec_opts *session_opts(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, init_default_opts);
    return &default_opts;
}

static void sleep_s(long long s)
{
    struct timespec ts = { (time_t)s, 0 };

    while (s > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Runs cmd on s; returns its trimmed stdout (malloc'd) when it exits 0,
 * else NULL with *why (malloc'd) saying what went wrong. */
static char *run_on(struct gf_session *s, const char *cmd, int become, char **why)
{
    struct gf_result r;
    char *out = NULL;

    gf_result_init(&r, 65536);
    gf_session_run(s, cmd, NULL, 0, become, &r);
    if (r.status == GF_ST_OK) {
        size_t n = r.out.len;
        while (n > 0 && (r.out.buf[n - 1] == '\n' || r.out.buf[n - 1] == ' '))
            n--;
        out = gf_xstrndup(r.out.buf, n);
    } else {
        free(*why);
        *why = gf_xasprintf("'%s' failed: %s", cmd,
                            r.msg ? r.msg : r.err.len ? r.err.buf : "non-zero exit status");
    }
    gf_result_release(&r);
    return out;
}

/* Waits until the node answers with a boot id other than before and
 * test_command succeeds. Returns the new session, or NULL with res failed. */
static struct gf_session *wait_back(struct gf_modctx *ctx, const char *boot_cmd,
                                    const char *before, const char *test, int64_t deadline,
                                    long long timeout, struct gf_modres *res)
{
    char *why = NULL;

    for (;;) {
        struct gf_result cr;
        gf_result_init(&cr, 4096);
        struct gf_session *s = gf_session_reopen(ctx->target, ctx->opts ? ctx->opts : session_opts(), deadline, &cr);
        if (s == NULL) {
            gf_modres_fail(res, "host did not come back within %lld s: %s", timeout,
                           cr.msg ? cr.msg : why ? why : "unreachable");
            gf_result_release(&cr);
            break;
        }
        gf_result_release(&cr);
        char *id = run_on(s, boot_cmd, ctx->become, &why), *t = NULL;
        if (id && strcmp(id, before) == 0) {
            free(why);
            why = gf_xstrdup("the boot id did not change (no reboot happened yet)");
        } else if (id && (t = run_on(s, test, ctx->become, &why)) != NULL) {
            free(id);
            free(t);
            free(why);
            return s;
        }
        free(id);
        gf_session_close(s);
        if (gf_now_ms() >= deadline) {
            gf_modres_fail(res, "timed out after %lld s waiting for the reboot: %s", timeout,
                           why);
            break;
        }
        sleep_s(2);
    }
    free(why);
    return NULL;
}

static int reboot_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *boot_cmd = gf_arg_str(args, "boot_time_command", BOOT_ID_CMD);
    long long timeout = gf_arg_int(args, "reboot_timeout", 600);
    long long delay = gf_arg_int(args, "pre_reboot_delay", 0);
    struct gf_buf script = GF_BUF_INIT;
    struct gf_result r;
    char *before = NULL, *why = NULL;

    gf_val_map_set(res->data, "rebooted", gf_val_bool(ctx->check));
    gf_val_map_set(res->data, "elapsed", gf_val_int(0));
    if (ctx->check)
        return res->changed = 1, 0;
    if (timeout <= 0)
        return gf_modres_fail(res, "reboot_timeout must be a positive number of seconds");
    before = run_on(ctx->session, boot_cmd, ctx->become, &why);
    if (before == NULL) {
        gf_modres_fail(res, "cannot read the boot id before the reboot: %s", why);
        goto out;
    }
    gf_sh_assign(&script, "gf_cmd", gf_arg_str(args, "reboot_command", NULL));
    gf_sh_assign(&script, "gf_msg", gf_arg_str(args, "msg", "Reboot initiated by gpuforge"));
    gf_buf_addf(&script, "gf_delay=%lld\n", delay > 1 ? delay : 1);
    gf_nodesh_add(&script, "lib");
    /* starts the reboot in the background, detached, so that this command
     * returns before the connection goes */
    gf_nodesh_add(&script, "reboot");
    gf_result_init(&r, 65536);
    int64_t t0 = gf_now_ms();
    gf_mod_sh(ctx, script.buf, NULL, 0, &r);
    /* a connection that broke while the command ran means the reboot began */
    const char *e = gf_mod_tagged(r.out.buf, "GFERR ");
    if (r.status != GF_ST_UNREACHABLE && (e || r.status != GF_ST_OK)) {
        gf_modres_fail(res, "cannot start the reboot: %.*s",
                       (int)strcspn(e ? e : r.msg ? r.msg : r.err.buf, "\n"),
                       e ? e : r.msg ? r.msg : r.err.buf);
        gf_result_release(&r);
        goto out;
    }
    gf_result_release(&r);
    gf_val_map_set(res->data, "rebooted", gf_val_bool(1));
    res->changed = 1;
    sleep_s(delay + gf_arg_int(args, "post_reboot_delay", 0));
    struct gf_session *s = wait_back(ctx, boot_cmd, before,
                                     gf_arg_str(args, "test_command", "whoami"),
                                     t0 + timeout * 1000, timeout, res);
    gf_val_map_set(res->data, "elapsed", gf_val_int((gf_now_ms() - t0 + 500) / 1000));
    if (s)
        ctx->session = s; /* the caller closes the old one (see the top) */
out:
    gf_buf_release(&script);
    free(before);
    free(why);
    return 0;
}

const struct gf_module gf_module_reboot = {
    .name = "reboot",
    .aliases = (const char *const[]){ "ansible.builtin.reboot", NULL },
    .params = reboot_params,
    .supports_check = 1,
    .run = reboot_run,
};
