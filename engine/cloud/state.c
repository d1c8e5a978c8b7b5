/*
 * state.c - the state directory of a cluster: state.json records every node
 * `up` set out to create (an intent, written before the plugin is asked) and
 * what the plugin answered, so that a crashed or killed `up` can be resumed
 * and `down` finds everything even when the plugin's tag lookup cannot.
 * Every write is atomic: temp file, fsync, rename.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cloud.h"

#define STATE_FILE "state.json"
#define STATE_MAX (4u << 20)

int gf_cloud_write_file(const char *path, const char *data, size_t len, int mode,
                        struct gf_error *err)
{
    char *tmp = gf_xasprintf("%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    int rc = 0;

    if (fd < 0) {
        rc = gf_error_set(err, GF_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
        goto out;
    }
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = gf_error_set(err, GF_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
            close(fd);
            unlink(tmp);
            goto out;
        }
        off += (size_t)w;
    }
    if (fchmod(fd, (mode_t)mode) < 0 || fsync(fd) < 0 || close(fd) < 0 ||
        rename(tmp, path) < 0) {
        rc = gf_error_set(err, GF_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
        unlink(tmp);
    }
out:
    free(tmp);
    return rc;
}

static void snode_free(void *p)
{
    struct gf_cloud_snode *n = p;

    if (n == NULL)
        return;
    free(n->name);
    free(n->token);
    free(n->id);
    free(n->address);
    free(n);
}

void gf_cloud_state_release(struct gf_cloud_state *st)
{
    free(st->dir);
    free(st->cluster);
    free(st->plugin);
    free(st->region);
    free(st->epoch);
    gf_vec_release(&st->nodes, snode_free);
    memset(st, 0, sizeof(*st));
}

static char *dup_str(const struct gf_val *m, const char *key)
{
    const struct gf_val *v = gf_val_map_get(m, key);
    return v && v->type == GF_VAL_STR ? gf_xstrdup(v->u.str.s) : NULL;
}

int gf_cloud_state_load(const char *dir, struct gf_cloud_state *st, struct gf_error *err)
{
    char *path = gf_xasprintf("%s/" STATE_FILE, dir);
    struct gf_buf b = GF_BUF_INIT;
    struct gf_val *v = NULL;
    int rc = 0;

    memset(st, 0, sizeof(*st));
    st->dir = gf_xstrdup(dir);
    if (!gf_is_file(path))
        goto out;
    if ((rc = gf_read_file(path, &b, STATE_MAX, err)) < 0 ||
        (rc = gf_yaml_load(b.buf, b.len, path, &v, err)) < 0)
        goto out;
    if (v == NULL || v->type != GF_VAL_MAP) {
        rc = gf_error_set(err, GF_EPARSE, path, 0, 0, "not a gpuforge cloud state file");
        goto out;
    }
    st->cluster = dup_str(v, "cluster");
    st->plugin = dup_str(v, "plugin");
    st->region = dup_str(v, "region");
    st->epoch = dup_str(v, "epoch");
    const struct gf_val *nodes = gf_val_map_get(v, "nodes");
    if (st->cluster == NULL || st->plugin == NULL || nodes == NULL ||
        nodes->type != GF_VAL_LIST) {
        rc = gf_error_set(err, GF_EPARSE, path, 0, 0,
                          "not a gpuforge cloud state file (cluster, plugin, nodes)");
        goto out;
    }
    for (size_t i = 0; i < nodes->u.list.n; i++) {
        const struct gf_val *e = nodes->u.list.v[i];
        const struct gf_val *gen = e->type == GF_VAL_MAP ? gf_val_map_get(e, "gen") : NULL;
        char *status = e->type == GF_VAL_MAP ? dup_str(e, "status") : NULL;
        struct gf_cloud_snode *n = gf_xcalloc(1, sizeof(*n));
        gf_vec_push(&st->nodes, n);
        n->name = e->type == GF_VAL_MAP ? dup_str(e, "name") : NULL;
        n->token = e->type == GF_VAL_MAP ? dup_str(e, "token") : NULL;
        n->id = e->type == GF_VAL_MAP ? dup_str(e, "id") : NULL;
        n->address = e->type == GF_VAL_MAP ? dup_str(e, "address") : NULL;
        n->gen = gen && gen->type == GF_VAL_INT ? (int)gen->u.i : 0;
        int bad = n->name == NULL || n->token == NULL || status == NULL;
        if (!bad && strcmp(status, "intent") == 0)
            n->st = GF_CLOUD_INTENT;
        else if (!bad && strcmp(status, "created") == 0 && n->id)
            n->st = GF_CLOUD_CREATED;
        else
            bad = 1;
        free(status);
        if (bad) {
            rc = gf_error_set(err, GF_EPARSE, path, e->line, e->col,
                              "malformed node record (name, token, status intent|created, id)");
            goto out;
        }
    }
out:
    gf_val_unref(v);
    gf_buf_release(&b);
    free(path);
    return rc;
}

/* mkdir -p with mode 0700 for what it makes. Returns 0 or -1 (errno). */
static int mkdir_p(const char *dir)
{
    char *p = gf_xstrdup(dir);
    int rc = 0;

    for (char *s = p + 1; rc == 0 && *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0700) < 0 && errno != EEXIST)
                rc = -1;
            *s = '/';
        }
    if (rc == 0 && mkdir(p, 0700) < 0 && errno != EEXIST)
        rc = -1;
    free(p);
    return rc;
}

int gf_cloud_state_save(const struct gf_cloud_state *st, struct gf_error *err)
{
    struct gf_val *v = gf_val_map(), *nodes = gf_val_list();
    struct gf_buf b = GF_BUF_INIT;
    char *path = gf_xasprintf("%s/" STATE_FILE, st->dir);
    int rc;

    gf_val_map_set(v, "format", gf_val_str("gpuforge-cloud-state/1"));
    gf_val_map_set(v, "cluster", gf_val_str(st->cluster ? st->cluster : ""));
    gf_val_map_set(v, "plugin", gf_val_str(st->plugin ? st->plugin : ""));
    gf_val_map_set(v, "region", gf_val_str(st->region ? st->region : ""));
    if (st->epoch)
        gf_val_map_set(v, "epoch", gf_val_str(st->epoch));
    for (size_t i = 0; i < st->nodes.n; i++) {
        const struct gf_cloud_snode *n = st->nodes.v[i];
        struct gf_val *e = gf_val_map();
        gf_val_map_set(e, "name", gf_val_str(n->name));
        gf_val_map_set(e, "status", gf_val_str(n->st == GF_CLOUD_INTENT ? "intent" : "created"));
        gf_val_map_set(e, "token", gf_val_str(n->token));
        gf_val_map_set(e, "gen", gf_val_int(n->gen));
        gf_val_map_set(e, "id", n->id ? gf_val_str(n->id) : gf_val_null());
        gf_val_map_set(e, "address", n->address ? gf_val_str(n->address) : gf_val_null());
        gf_val_list_push(nodes, e);
    }
    gf_val_map_set(v, "nodes", nodes);
    gf_json_dump(v, 2, 0, &b);
    gf_buf_addc(&b, '\n');
    if (mkdir_p(st->dir) < 0)
        rc = gf_error_set(err, GF_EIO, st->dir, 0, 0, "cannot create the state directory: %s",
                          strerror(errno));
    else
        rc = gf_cloud_write_file(path, b.buf, b.len, 0600, err);
    gf_val_unref(v);
    gf_buf_release(&b);
    free(path);
    return rc;
}

struct gf_cloud_snode *gf_cloud_state_node(struct gf_cloud_state *st, const char *name)
{
    for (size_t i = 0; i < st->nodes.n; i++) {
        struct gf_cloud_snode *n = st->nodes.v[i];
        if (strcmp(n->name, name) == 0)
            return n;
    }
    return NULL;
}

/* A client token derived from cluster, node, generation and the state's
 * epoch: the same request after a crash carries the same token (at most 64
 * characters, as EC2 allows), and an `up` after `down` removed the state
 * does not (EC2 answers a token it saw with that instance, terminated, for
 * a day after). State files from before the epoch keep their tokens. */
static char *make_token(const char *cluster, const char *node, int gen, const char *epoch)
{
    char *in = epoch ? gf_xasprintf("%s/%s/%d/%s", cluster, node, gen, epoch)
                     : gf_xasprintf("%s/%s/%d", cluster, node, gen);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    struct gf_buf b = GF_BUF_INIT;

    EVP_Digest(in, strlen(in), md, &mdlen, EVP_sha256(), NULL);
    gf_buf_adds(&b, "gf-");
    for (unsigned int i = 0; i < 16 && i < mdlen; i++)
        gf_buf_addf(&b, "%02x", md[i]);
    gf_buf_addf(&b, "-%d", gen);
    free(in);
    return gf_buf_detach(&b, NULL);
}

struct gf_cloud_snode *gf_cloud_state_intent(struct gf_cloud_state *st, const char *cluster,
                                             const char *node, int new_gen)
{
    struct gf_cloud_snode *n = gf_cloud_state_node(st, node);

    if (st->epoch == NULL && st->nodes.n == 0) {
        /* a new state */
        unsigned char r[8];
        struct gf_buf b = GF_BUF_INIT;
        if (RAND_bytes(r, sizeof(r)) != 1)
            gf_die("cloud: no random bytes for the state's epoch");
        for (size_t i = 0; i < sizeof(r); i++)
            gf_buf_addf(&b, "%02x", r[i]);
        st->epoch = gf_buf_detach(&b, NULL);
    }
    if (n == NULL) {
        n = gf_xcalloc(1, sizeof(*n));
        n->name = gf_xstrdup(node);
        gf_vec_push(&st->nodes, n);
    } else if (new_gen) {
        n->gen++;
    } else if (n->token) {
        n->st = GF_CLOUD_INTENT;
        return n; /* the same token again: the plugin answers with what it made */
    }
    free(n->token);
    free(n->id);
    free(n->address);
    n->id = n->address = NULL;
    n->st = GF_CLOUD_INTENT;
    n->token = make_token(cluster, node, n->gen, st->epoch);
    return n;
}
