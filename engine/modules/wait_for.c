/* wait_for.c - the `wait_for` module: wait until a TCP port accepts (or no
 * longer accepts) connections, or a file exists (with a matching text) or
 * is gone. The polling loop runs on the node in one shell command; when
 * the session's command timeout is shorter than the wait, the wait is cut
 * into slices that each fit in it. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nodefile.h"
#include "nodesh.h"

static const struct gf_param wait_for_params[] = {
    { "host", GF_P_STR, 0, NULL, NULL },
    { "port", GF_P_INT, 0, NULL, NULL },
    { "path", GF_P_PATH, 0, NULL, NULL },
    { "state", GF_P_STR, 0, NULL, "started,stopped,present,absent" },
    { "timeout", GF_P_INT, 0, NULL, NULL },
    { "connect_timeout", GF_P_INT, 0, NULL, NULL },
    { "delay", GF_P_INT, 0, NULL, NULL },
    { "sleep", GF_P_INT, 0, NULL, NULL },
    { "search_regex", GF_P_STR, 0, NULL, NULL },
    { "msg", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* Bytes of the file sent back to compute match_groups. */
#define MATCH_MAX 1048576

static void sleep_ms(int64_t ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

    while (ms > 0 && nanosleep(&ts, &ts) < 0)
        ;
}

/* Ansible's timeout message for what was waited for. */
static char *timeout_msg(const struct gf_val *args, const char *what)
{
    const char *host = gf_arg_str(args, "host", "127.0.0.1");
    const char *path = gf_arg_str(args, "path", NULL), *re = gf_arg_str(args, "search_regex", NULL);
    long long port = gf_arg_int(args, "port", 0);

    if (gf_arg_str(args, "msg", NULL))
        return gf_xstrdup(gf_arg_str(args, "msg", NULL));
    if (!strcmp(what, "port-up"))
        return gf_xasprintf("Timeout when waiting for %s:%lld", host, port);
    if (!strcmp(what, "port-down"))
        return gf_xasprintf("Timeout when waiting for %s:%lld to stop.", host, port);
    if (!strcmp(what, "path-down"))
        return gf_xasprintf("Timeout when waiting for %s to be absent.", path);
    if (re)
        return gf_xasprintf("Timeout when waiting for search string %s in %s", re, path);
    return gf_xasprintf("Timeout when waiting for file %s", path);
}

/* match_groups and match_groupdict of re's first match in text, as
 * Python's re.search with re.MULTILINE gives them. */
static void match_groups(const char *re, const char *text, size_t len, struct gf_val *data)
{
    struct gf_val *groups = gf_val_list(), *dict = gf_val_map();
    PCRE2_SIZE off;
    int ec;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_MULTILINE, &ec,
                                     &off, NULL);
    pcre2_match_data *md = code ? pcre2_match_data_create_from_pattern(code, NULL) : NULL;

    if (md && pcre2_match(code, (PCRE2_SPTR)text, len, 0, 0, md, NULL) > 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        uint32_t n = 0, names = 0, esize = 0;
        PCRE2_SPTR table = NULL;
        pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n);
        for (uint32_t g = 1; g <= n; g++)
            gf_val_list_push(groups, ov[2 * g] == PCRE2_UNSET ? gf_val_null()
                             : gf_val_strn(text + ov[2 * g], ov[2 * g + 1] - ov[2 * g]));
        pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &names);
        pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &esize);
        pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
        for (uint32_t i = 0; i < names; i++) {
            const unsigned char *e = table + i * esize;
            struct gf_val *v = groups->u.list.v[(e[0] << 8 | e[1]) - 1];
            gf_val_map_set(dict, (const char *)e + 2, gf_val_ref(v));
        }
    }
    pcre2_match_data_free(md);
    pcre2_code_free(code);
    gf_val_map_set(data, "match_groups", groups);
    gf_val_map_set(data, "match_groupdict", dict);
}

/* Checks the combination of arguments; returns the error or NULL. */
static const char *wait_invalid(const struct gf_val *args)
{
    const char *state = gf_arg_str(args, "state", "started");
    const char *path = gf_arg_str(args, "path", NULL), *re = gf_arg_str(args, "search_regex", NULL);
    int port = gf_val_map_get(args, "port") != NULL;

    if (port && path)
        return "port and path parameter can not both be passed to wait_for";
    if (path && !strcmp(state, "stopped"))
        return "state=stopped should only be used for checking a port in the wait_for module";
    if (re && !path)
        return "search_regex is supported with path only, not with a port";
    if (re) {
        int ec;
        PCRE2_SIZE off;
        pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &ec, &off, NULL);
        pcre2_code_free(c);
        if (c == NULL)
            return "Invalid regular expression in search_regex";
    }
    return NULL;
}

/* How a slice of the wait ended (or -GF_ECONNECT: the host was lost). */
enum { W_TIMEOUT, W_DONE, W_FAILED, W_CUT /* by the session's command timeout */ };

/* Runs one slice of at most `slice` seconds of the wait on the node. */
static int wait_slice(struct gf_modctx *ctx, const struct gf_val *args, const char *what,
                      long long slice, struct gf_modres *res)
{
    struct gf_buf s = GF_BUF_INIT;
    struct gf_result r;
    int rc;

    gf_sh_assign(&s, "gf_what", what);
    gf_sh_assign(&s, "gf_host", gf_arg_str(args, "host", "127.0.0.1"));
    gf_sh_assign(&s, "gf_path", gf_arg_str(args, "path", ""));
    gf_sh_assign(&s, "gf_re", gf_arg_str(args, "search_regex", NULL));
    gf_buf_addf(&s, "gf_port=%lld\ngf_ct=%lld\ngf_sleep=%lld\ngf_slice=%lld\ngf_max=%d\n",
                gf_arg_int(args, "port", 0), gf_arg_int(args, "connect_timeout", 5),
                gf_arg_int(args, "sleep", 1), slice, MATCH_MAX);
    /* GFOK once the condition holds, GFTIMEOUT after gf_slice seconds */
    gf_nodesh_add(&s, "wait_for");
    gf_result_init(&r, MATCH_MAX + 65536);
    rc = gf_mod_sh(ctx, s.buf, NULL, 0, &r);
    const char *ok = strstr(r.out.buf, "GFOK\n");
    if (gf_mod_lost(res, &r) < 0) {
        rc = -GF_ECONNECT;
    } else if (rc == -GF_ETIMEOUT) {
        rc = W_CUT;
    } else if (ok && r.rc == 0) {
        const char *re = gf_arg_str(args, "search_regex", NULL);
        if (re)
            match_groups(re, ok + 5, r.out.len - (size_t)(ok + 5 - r.out.buf), res->data);
        rc = W_DONE;
    } else if (strstr(r.out.buf, "GFTIMEOUT\n") && r.rc == 0) {
        rc = W_TIMEOUT;
    } else {
        gf_modres_fail(res, "waiting failed on the node (rc %d): %s", r.rc,
                       r.err.len ? r.err.buf : r.msg ? r.msg : "no output");
        rc = W_FAILED;
    }
    gf_result_release(&r);
    gf_buf_release(&s);
    return rc;
}

/* Polls in slices until done or timeout; returns as wait_slice. */
static int wait_node(struct gf_modctx *ctx, const struct gf_val *args, const char *what,
                     int64_t start, long long timeout, struct gf_modres *res)
{
    long long limit = 0; /* learnt when the session's command timeout cuts a slice */

    for (;;) {
        int64_t t0 = gf_now_ms();
        long long left = timeout - (t0 - start) / 1000;
        long long slice = left < 0 ? 0 : limit && limit < left ? limit : left;
        int rc = wait_slice(ctx, args, what, slice, res);
        if (rc != W_TIMEOUT && rc != W_CUT)
            return rc;
        if (rc == W_CUT) {
            limit = (gf_now_ms() - t0) / 1000 * 2 / 3;
            if (limit < 1)
                return gf_modres_fail(res, "the command timeout is too short for wait_for"),
                       W_FAILED;
        }
        if (gf_now_ms() - start >= timeout * 1000)
            return W_TIMEOUT;
    }
}

static int wait_for_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *state = gf_arg_str(args, "state", "started");
    const char *path = gf_arg_str(args, "path", NULL), *re = gf_arg_str(args, "search_regex", NULL);
    const struct gf_val *port = gf_val_map_get(args, "port");
    long long timeout = gf_arg_int(args, "timeout", 300);
    const char *bad = wait_invalid(args);
    int64_t start = gf_now_ms();
    int rc = W_DONE;

    if (bad)
        return gf_modres_fail(res, "%s", bad);
    gf_val_map_set(res->data, "elapsed", gf_val_int(0));
    sleep_ms(gf_arg_int(args, "delay", 0) * 1000);
    int down = !strcmp(state, "stopped") || !strcmp(state, "absent");
    const char *what = port ? (down ? "port-down" : "port-up") : (down ? "path-down" : "path-up");
    if (port || path)
        rc = wait_node(ctx, args, what, start, timeout, res);
    else
        sleep_ms(timeout * 1000); /* nothing to wait for but the time, as Ansible */
    gf_val_map_set(res->data, "elapsed", gf_val_int((gf_now_ms() - start) / 1000));
    if (rc == W_TIMEOUT) {
        char *m = timeout_msg(args, what);
        gf_modres_fail(res, "%s", m);
        free(m);
    }
    if (rc != W_DONE)
        return rc < 0 ? rc : 0;
    gf_val_map_set(res->data, "state", gf_val_str(state));
    gf_val_map_set(res->data, "port", port ? gf_val_ref((struct gf_val *)port) : gf_val_null());
    gf_val_map_set(res->data, "path", path ? gf_val_str(path) : gf_val_null());
    gf_val_map_set(res->data, "search_regex", re ? gf_val_str(re) : gf_val_null());
    if (!re) {
        gf_val_map_set(res->data, "match_groups", gf_val_list());
        gf_val_map_set(res->data, "match_groupdict", gf_val_map());
    }
    return 0;
}

const struct gf_module gf_module_wait_for = {
    .name = "wait_for",
    .aliases = (const char *const[]){ "ansible.builtin.wait_for", NULL },
    .params = wait_for_params,
    .run = wait_for_run, /* skipped in check mode, as in Ansible */
};
