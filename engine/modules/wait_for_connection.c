/* wait_for_connection.c - the `wait_for_connection` module, as Ansible's
 * action plugin: after `delay` seconds, open a new session to the host and
 * run a command in it, again every `sleep` seconds, each try bounded by
 * `connect_timeout`, until one works or `timeout` seconds have passed. The
 * new session replaces the host's (ctx->session), so later tasks use it.
 * Skipped in check mode, as in Ansible. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "module.h"

static const struct gf_param wfc_params[] = {
    { "connect_timeout", GF_P_INT, 0, NULL, NULL },
    { "delay", GF_P_INT, 0, NULL, NULL },
    { "sleep", GF_P_INT, 0, NULL, NULL },
    { "timeout", GF_P_INT, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* The run's connection settings o with another connect timeout. A session
 * keeps a pointer to its settings, so the copies live as long as the
 * process: one per (settings, timeout) pair. */
struct opts_copy {
    const struct gf_exec_opts *src;
    int secs;
    struct gf_exec_opts copy;
};

static const struct gf_exec_opts *opts_with_timeout(const struct gf_exec_opts *o, int secs)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static struct gf_vec copies; /* struct opts_copy *, never freed */
    struct opts_copy *found = NULL;

    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < copies.n && !found; i++) {
        struct opts_copy *c = copies.v[i];
        if (c->src == o && c->secs == secs)
            found = c;
    }
    if (found == NULL) {
        found = gf_xcalloc(1, sizeof(*found));
        found->src = o;
        found->secs = secs;
        found->copy = *o;
        found->copy.connect_timeout = secs;
        gf_vec_push(&copies, found);
    }
    pthread_mutex_unlock(&lock);
    return &found->copy;
}

static int wfc_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    long long connect_timeout = gf_arg_int(args, "connect_timeout", 5);
    long long delay = gf_arg_int(args, "delay", 0), pause = gf_arg_int(args, "sleep", 1);
    long long timeout = gf_arg_int(args, "timeout", 600);
    int64_t start = gf_now_ms(), deadline = start + timeout * 1000;
    char *why = NULL;

    if (connect_timeout < 1 || delay < 0 || pause < 0 || timeout < 0)
        return gf_modres_fail(res, "connect_timeout must be positive and delay, sleep and "
                              "timeout not negative");
    if (ctx->target == NULL || ctx->opts == NULL)
        return gf_modres_fail(res, "wait_for_connection needs the host's connection settings");
    const struct gf_exec_opts *o = opts_with_timeout(ctx->opts, (int)connect_timeout);
    if (delay)
        sleep((unsigned)delay);
    for (;;) {
        struct gf_result r;
        gf_result_init(&r, 4096);
        struct gf_session *s = gf_session_open(ctx->target, o, &r);
        if (s) {
            gf_result_release(&r);
            gf_result_init(&r, 4096);
            gf_session_run(s, "true", NULL, 0, 0, &r);
            if (r.status == GF_ST_OK) {
                gf_result_release(&r);
                ctx->session = s; /* the caller keeps it and closes the old one */
                break;
            }
            gf_session_close(s);
        }
        free(why);
        why = gf_xstrdup(r.msg ? r.msg : "the command failed");
        gf_result_release(&r);
        if (gf_now_ms() + pause * 1000 >= deadline) {
            gf_modres_fail(res, "timed out waiting for ping module test: %s", why);
            break;
        }
        if (pause)
            sleep((unsigned)pause);
    }
    free(why);
    gf_val_map_set(res->data, "elapsed", gf_val_int((gf_now_ms() - start) / 1000));
    return 0;
}

const struct gf_module gf_module_wait_for_connection = {
    .name = "wait_for_connection",
    .aliases = (const char *const[]){ "ansible.builtin.wait_for_connection", NULL },
    .params = wfc_params,
    .controller_only = 1, /* it opens its own sessions: the host may be down */
    .run = wfc_run,
};
