/* pause.c - the `pause` module: wait a number of seconds or minutes on the
 * controller. Waiting for a key press (a prompt without a duration) needs
 * a terminal gpuforge does not take over, so it is refused clearly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "module.h"

static const struct gf_param pause_params[] = {
    { "seconds", GF_P_INT, 0, NULL, NULL },
    { "minutes", GF_P_INT, 0, NULL, NULL },
    { "prompt", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* The local time as Python's str(datetime.now()) prints it. */
static struct gf_val *now_text(void)
{
    struct timespec ts;
    struct tm tm;
    char b[64], out[100];

    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(out, sizeof(out), "%s.%06ld", b, ts.tv_nsec / 1000);
    return gf_val_str(out);
}

static int pause_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const struct gf_val *sec = gf_val_map_get(args, "seconds");
    const struct gf_val *min = gf_val_map_get(args, "minutes");
    const char *prompt = gf_arg_str(args, "prompt", NULL);
    struct gf_buf out = GF_BUF_INIT;

    (void)ctx;
    if (sec && min)
        return gf_modres_fail(res, "parameters are mutually exclusive: minutes|seconds");
    if (!sec && !min)
        return gf_modres_fail(res, "pause without seconds or minutes waits for a key press, "
                              "which gpuforge does not support: give seconds or minutes");
    long long secs = min ? gf_arg_int(args, "minutes", 0) * 60 : gf_arg_int(args, "seconds", 0);
    if (secs < 1)
        secs = 1;
    if (prompt) {
        char *m = gf_xasprintf("[pause] %s (pausing for %lld seconds)\n", prompt, secs);
        gf_err_write(m, strlen(m)); /* below the progress line, never through it */
        free(m);
    }
    gf_val_map_set(res->data, "start", now_text());
    int64_t t0 = gf_now_ms();
    struct timespec ts = { (time_t)secs, 0 };
    while (nanosleep(&ts, &ts) < 0)
        ;
    double took = (double)(gf_now_ms() - t0) / 1000.0;
    gf_val_map_set(res->data, "stop", now_text());
    gf_val_map_set(res->data, "delta", gf_val_int((long long)took));
    /* Python's round(x, 2) printed with repr() */
    gf_buf_adds(&out, "Paused for ");
    gf_float_repr((double)(long long)((min ? took / 60.0 : took) * 100.0 + 0.5) / 100.0, &out);
    gf_buf_adds(&out, min ? " minutes" : " seconds");
    gf_val_map_set(res->data, "stdout", gf_val_str(out.buf));
    gf_val_map_set(res->data, "stderr", gf_val_str(""));
    gf_val_map_set(res->data, "rc", gf_val_int(0));
    gf_val_map_set(res->data, "echo", gf_val_bool(1));
    gf_val_map_set(res->data, "user_input", gf_val_str(""));
    gf_buf_release(&out);
    return 0;
}

const struct gf_module gf_module_pause = {
    .name = "pause",
    .aliases = (const char *const[]){ "ansible.builtin.pause", NULL },
    .params = pause_params,
    .controller_only = 1,
    .supports_check = 1,
    .run = pause_run,
};
