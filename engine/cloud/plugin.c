/*
 * plugin.c - the provisioning plugin protocol (docs/cloud-plugins.md): find
 * gpuforge-cloud-NAME, run it once per operation with one JSON request on
 * its stdin and read one JSON object from its stdout (libyaml reads JSON),
 * under a deadline. Its stderr passes through to the user.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cloud.h"

#define MAX_ANSWER (16u << 20)
#define DEFAULT_TIMEOUT_S 120
#define CREATE_TIMEOUT_S 1800

static int try_dir(const char *dir, size_t dlen, const char *file, struct gf_cloud_plugin *p)
{
    char *path = gf_xasprintf("%.*s/%s", (int)dlen, dir, file);

    if (dlen > 0 && access(path, X_OK) == 0 && gf_is_file(path)) {
        p->path = path;
        return 1;
    }
    free(path);
    return 0;
}

static int try_list(const char *list, const char *file, struct gf_cloud_plugin *p)
{
    for (const char *s = list; s && *s;) {
        size_t n = strcspn(s, ":");
        if (try_dir(s, n, file, p))
            return 1;
        s += n;
        if (*s == ':')
            s++;
    }
    return 0;
}

int gf_cloud_plugin_find(const char *name, const char *exe_dir, struct gf_cloud_plugin *p,
                         struct gf_error *err)
{
    char *file = gf_xasprintf("gpuforge-cloud-%s", name);
    int found = 0;

    memset(p, 0, sizeof(*p));
    found = try_list(getenv("GPUFORGE_CLOUD_PLUGIN_PATH"), file, p);
    if (!found && exe_dir) {
        /* installed layouts, then a source tree (gpuforge or B=DIR/gpuforge) */
        const char *const subs[] = { "", "/cloud-plugins", "/../lib/gpuforge/cloud",
                                     "/engine/cloud/plugins", "/../engine/cloud/plugins" };
        for (size_t i = 0; !found && i < GF_ARRAY_LEN(subs); i++) {
            char *d = gf_xasprintf("%s%s", exe_dir, subs[i]);
            found = try_dir(d, strlen(d), file, p);
            free(d);
        }
    }
    if (!found)
        found = try_list(getenv("PATH"), file, p);
    if (!found) {
        int rc = gf_error_set(err, GF_ENOTFOUND, NULL, 0, 0,
                              "cloud plugin '%s' not found: no executable %s beside gpuforge, "
                              "in its cloud-plugins directory, in $GPUFORGE_CLOUD_PLUGIN_PATH "
                              "or on $PATH", name, file);
        free(file);
        return rc;
    }
    free(file);
    p->name = gf_xstrdup(name);
    return 0;
}

void gf_cloud_plugin_release(struct gf_cloud_plugin *p)
{
    free(p->name);
    free(p->path);
    memset(p, 0, sizeof(*p));
}

void gf_cloud_perr_release(struct gf_cloud_perr *e)
{
    free(e->code);
    free(e->message);
    free(e->field);
    memset(e, 0, sizeof(*e));
}

static const char *str_of(const struct gf_val *m, const char *key)
{
    const struct gf_val *v = gf_val_map_get(m, key);
    return v && v->type == GF_VAL_STR ? v->u.str.s : NULL;
}

/* Runs the plugin with in on stdin; out gets its stdout. Returns 0, or
 * -GF_EIO / -GF_ETIMEOUT with err set. */
static int run_plugin(const struct gf_cloud_plugin *p, const char *op, const struct gf_buf *in,
                      struct gf_buf *out, int timeout_s, struct gf_error *err)
{
    int to[2] = { -1, -1 }, from[2] = { -1, -1 }, rc = 0, status = 0, reaped = 0;
    size_t written = 0;
    pid_t pid;

    if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0) {
        rc = gf_error_set(err, GF_EIO, NULL, 0, 0, "cloud plugin '%s': pipe: %s", p->name,
                          strerror(errno));
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        rc = gf_error_set(err, GF_EIO, NULL, 0, 0, "cloud plugin '%s': fork: %s", p->name,
                          strerror(errno));
        goto out;
    }
    if (pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        for (int fd = 3; fd < 1024; fd++) /* nothing of ours reaches the plugin */
            close(fd);
        signal(SIGPIPE, SIG_DFL);
        execl(p->path, p->path, (char *)NULL);
        fprintf(stderr, "gpuforge: cloud plugin '%s': cannot run %s: %s\n", p->name, p->path,
                strerror(errno));
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    to[0] = from[1] = -1;
    fcntl(to[1], F_SETFL, O_NONBLOCK);
    int64_t deadline = gf_now_ms() + (int64_t)timeout_s * 1000;
    for (;;) {
        struct pollfd fds[2];
        nfds_t nf = 0;
        fds[nf++] = (struct pollfd){ .fd = from[0], .events = POLLIN };
        if (to[1] >= 0)
            fds[nf++] = (struct pollfd){ .fd = to[1], .events = POLLOUT };
        int64_t left = deadline - gf_now_ms();
        if (left <= 0) {
            if (!reaped)
                kill(pid, SIGTERM);
            rc = gf_error_set(err, GF_ETIMEOUT, NULL, 0, 0,
                              "cloud plugin '%s': '%s' gave no answer within %d s", p->name, op,
                              timeout_s);
            break;
        }
        int n = poll(fds, nf, left > 1000 ? 1000 : (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 && !reaped && waitpid(pid, &status, WNOHANG) == pid) {
            /* the plugin is gone but something it started holds its stdout:
             * take what was written and stop there */
            reaped = 1;
            fcntl(from[0], F_SETFL, O_NONBLOCK);
            fds[0].revents = POLLIN;
        } else if (n == 0 && reaped) {
            break;
        }
        if (nf > 1 && fds[1].revents) {
            ssize_t w = write(to[1], in->buf + written, in->len - written);
            if (w > 0)
                written += (size_t)w;
            if (w < 0 && errno != EAGAIN) {
                close(to[1]);
                to[1] = -1;
            } else if (written == in->len) {
                close(to[1]);
                to[1] = -1;
            }
        }
        if (fds[0].revents) {
            char chunk[8192];
            ssize_t r = read(from[0], chunk, sizeof(chunk));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break; /* EOF, or (reaped) nothing more waiting */
            if (out->len + (size_t)r > MAX_ANSWER) {
                if (!reaped)
                    kill(pid, SIGTERM);
                rc = gf_error_set(err, GF_EIO, NULL, 0, 0,
                                  "cloud plugin '%s': answer to '%s' is larger than %u bytes",
                                  p->name, op, MAX_ANSWER);
                break;
            }
            gf_buf_add(out, chunk, (size_t)r);
        }
    }
    while (!reaped && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127 && out->len == 0)
        rc = gf_error_set(err, GF_EIO, NULL, 0, 0, "cloud plugin '%s': %s could not be run",
                          p->name, p->path);
    else if (rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0 && out->len == 0)
        rc = gf_error_set(err, GF_EIO, NULL, 0, 0,
                          "cloud plugin '%s': '%s' exited with status %d without an answer",
                          p->name, op, WEXITSTATUS(status));
    else if (rc == 0 && WIFSIGNALED(status))
        rc = gf_error_set(err, GF_EIO, NULL, 0, 0, "cloud plugin '%s': '%s' killed by signal %d",
                          p->name, op, WTERMSIG(status));
out:
    for (int i = 0; i < 2; i++) {
        if (to[i] >= 0)
            close(to[i]);
        if (from[i] >= 0)
            close(from[i]);
    }
    return rc;
}

int gf_cloud_call(const struct gf_cloud_plugin *p, const char *op, struct gf_val *req,
                  struct gf_val **resp, struct gf_cloud_perr *perr, struct gf_error *err)
{
    struct gf_buf in = GF_BUF_INIT, out = GF_BUF_INIT;
    struct gf_val *v = NULL;
    char *label = NULL;
    int rc, timeout = p->timeout_s;

    *resp = NULL;
    memset(perr, 0, sizeof(*perr));
    gf_val_map_set(req, "protocol", gf_val_int(GF_CLOUD_PROTOCOL));
    gf_val_map_set(req, "op", gf_val_str(op));
    gf_json_dump(req, -1, GF_JSON_SORT | GF_JSON_COMPACT, &in);
    gf_buf_addc(&in, '\n');
    if (timeout <= 0)
        timeout = strcmp(op, "create") == 0 || strcmp(op, "destroy") == 0 ? CREATE_TIMEOUT_S
                                                                           : DEFAULT_TIMEOUT_S;
    gf_log(3, "cloud plugin %s: %s", p->path, op);
    if ((rc = run_plugin(p, op, &in, &out, timeout, err)) < 0)
        goto out;
    label = gf_xasprintf("answer of cloud plugin '%s' to '%s'", p->name, op);
    if (out.len == 0) {
        rc = gf_error_set(err, GF_EPARSE, NULL, 0, 0, "%s: empty (it must print one JSON object)",
                          label);
        goto out;
    }
    if ((rc = gf_yaml_load(out.buf, out.len, label, &v, err)) < 0)
        goto out;
    if (v == NULL || v->type != GF_VAL_MAP) {
        rc = gf_error_set(err, GF_EPARSE, NULL, 0, 0, "%s: not a JSON object", label);
        goto out;
    }
    const struct gf_val *pv = gf_val_map_get(v, "protocol");
    if (pv == NULL || pv->type != GF_VAL_INT || pv->u.i != GF_CLOUD_PROTOCOL) {
        rc = gf_error_set(err, GF_EPARSE, NULL, 0, 0,
                          "%s: protocol version %s, gpuforge speaks %d", label,
                          pv == NULL ? "missing" : "not supported", GF_CLOUD_PROTOCOL);
        goto out;
    }
    const struct gf_val *ev = gf_val_map_get(v, "error");
    if (ev) {
        const char *code = ev->type == GF_VAL_MAP ? str_of(ev, "code") : NULL;
        const char *msg = ev->type == GF_VAL_MAP ? str_of(ev, "message") : NULL;
        const char *field = ev->type == GF_VAL_MAP ? str_of(ev, "field") : NULL;
        if (code == NULL || msg == NULL) {
            rc = gf_error_set(err, GF_EPARSE, NULL, 0, 0,
                              "%s: 'error' must be an object with code and message", label);
            goto out;
        }
        perr->code = gf_xstrdup(code);
        perr->message = gf_xstrdup(msg);
        perr->field = field ? gf_xstrdup(field) : NULL;
        rc = gf_error_set(err, GF_EFAIL, NULL, 0, 0, "cloud plugin '%s': %s: %s (%s)", p->name,
                          op, msg, code);
        goto out;
    }
    *resp = v;
    v = NULL;
    rc = 0;
out:
    gf_val_unref(v);
    free(label);
    gf_buf_release_secret(&in); /* user-data holds host keys */
    gf_buf_release(&out);
    return rc;
}

struct gf_val *gf_cloud_request(const struct gf_cloud_spec *spec)
{
    struct gf_val *r = gf_val_map(), *tag = gf_val_map();

    gf_val_map_set(r, "cluster", gf_val_str(spec->name));
    gf_val_map_set(r, "region", gf_val_str(spec->region));
    gf_val_map_set(tag, "key", gf_val_str(GF_CLOUD_TAG_KEY));
    gf_val_map_set(tag, "value", gf_val_str(spec->name));
    gf_val_map_set(r, "tag", tag);
    gf_val_map_set(r, "state_dir", gf_val_str(spec->state_dir));
    return r;
}

struct gf_val *gf_cloud_node_request(const struct gf_cloud_spec *spec,
                                     const struct gf_cloud_node *n)
{
    struct gf_val *m = gf_val_map();

    gf_val_map_set(m, "name", gf_val_str(n->name));
    gf_val_map_set(m, "role", gf_val_str(n->role));
    gf_val_map_set(m, "pool", n->pool ? gf_val_str(n->pool) : gf_val_null());
    gf_val_map_set(m, "field", gf_val_str(n->field));
    gf_val_map_set(m, "has_gpu", gf_val_bool(n->has_gpu));
    gf_val_map_set(m, "instance_type", gf_val_str(n->instance_type));
    gf_val_map_set(m, "gpu", n->gpu ? gf_val_str(n->gpu) : gf_val_null());
    gf_val_map_set(m, "gpu_count", gf_val_int(n->gpu_count));
    gf_val_map_set(m, "spot", gf_val_bool(n->spot));
    gf_val_map_set(m, "spot_price", n->spot_price > 0 ? gf_val_float(n->spot_price)
                                                      : gf_val_null());
    gf_val_map_set(m, "disk_gb", n->disk_gb ? gf_val_int(n->disk_gb) : gf_val_null());
    gf_val_map_set(m, "image", n->image ? gf_val_str(n->image) : gf_val_null());
    gf_val_map_set(m, "user", gf_val_str(spec->user));
    gf_val_map_set(m, "labels", gf_val_ref(spec->labels));
    return m;
}

int gf_cloud_inst_read(const struct gf_val *v, struct gf_cloud_inst *o, struct gf_error *err)
{
    memset(o, 0, sizeof(*o));
    if (v == NULL || v->type != GF_VAL_MAP)
        return gf_error_set(err, GF_EPARSE, NULL, 0, 0, "cloud plugin: an instance must be an "
                            "object");
    o->id = str_of(v, "id");
    o->name = str_of(v, "name");
    o->state = str_of(v, "state");
    o->address = str_of(v, "address");
    o->user = str_of(v, "user");
    if (o->id == NULL || o->name == NULL || o->state == NULL)
        return gf_error_set(err, GF_EPARSE, NULL, 0, 0,
                            "cloud plugin: an instance needs string id, name and state");
    if (o->address && strpbrk(o->address, " \t\n'\"\\;$`") != NULL)
        return gf_error_set(err, GF_EPARSE, NULL, 0, 0,
                            "cloud plugin: instance '%s' has a malformed address", o->id);
    return 0;
}
