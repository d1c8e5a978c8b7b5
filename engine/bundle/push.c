/* push.c - a verified bundle onto nodes over their SSH sessions.
 *
 * Each node gets the bundle file itself into DEST/.incoming/<sha256>.gfb
 * and activates it only after checking that the file's sha256 is the
 * verified bundle's (so every member is what the signed manifest lists):
 * staging directory, sync, rename to DEST/NAME/VERSION, then an atomic
 * switch of the DEST/NAME/current link. A node that already holds the same
 * bundle (verified) is skipped; a partial file left by an interrupted push
 * is resumed from its size.
 *
 * Topologies. star: the controller sends to every node. chain: the
 * controller sends one copy to the first node, and each node writes what it
 * receives while forwarding it to the next over node-to-node SSH, so the
 * controller's uplink carries about one copy. The relay stays agentless: a
 * fresh Ed25519 key for this push only, its public half in the next node's
 * authorized_keys restricted to one forced command (a script that can only
 * append to this push's file and forward), the next node's host key pinned
 * from the controller's own verified session; all of it is removed after the
 * transfer. Nodes whose copy is short after the chain (a relay failed) get
 * the rest from the controller (star, resumed).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bundle-private.h"
#include "push.h"

void gf_push_fail(struct gf_push_node *p, enum gf_status st, const char *fmt, ...)
{
    struct gf_buf b = GF_BUF_INIT;
    va_list ap;

    if (p->msg)
        return; /* the first reason counts */
    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    p->msg = gf_buf_detach(&b, NULL);
    p->st = st;
}

int gf_push_usable(const struct gf_push_node *p)
{
    return p->msg == NULL && !p->skip;
}

/* Runs script on p's session; a failure is recorded on p. Returns 0 when
 * it printed no GFERR and exited 0. */
static int node_run(struct gf_push_node *p, const char *script, const char *input, size_t len,
                    int become, struct gf_result *r)
{
    gf_result_init(r, 65536);
    gf_session_run(p->s, script, input, len, become, r);
    const char *e = gf_sh_tagged(r->out.buf, "GFERR ");
    if (r->status == GF_ST_UNREACHABLE) {
        gf_push_fail(p, GF_ST_UNREACHABLE, "%s", r->msg ? r->msg : "connection lost");
        return -1;
    }
    if (e || r->rc != 0) {
        gf_push_fail(p, GF_ST_FAILED, "%.*s", e ? (int)strcspn(e, "\n") : (int)r->err.len,
             e ? e : r->msg ? r->msg : r->err.buf ? r->err.buf : "failed");
        return -1;
    }
    return 0;
}

static void vars(struct gf_push *ps, struct gf_buf *b)
{
    gf_sh_assign(b, "D", ps->dest);
    gf_sh_assign(b, "I", ps->in);
    gf_sh_assign(b, "N", ps->m->name);
    gf_sh_assign(b, "V", ps->m->version);
    gf_sh_assign(b, "SUM", ps->sum);
    gf_buf_addf(b, "P=\"$I/$SUM.gfb\"\nSIZE=%zu\n", ps->size);
}

/* The text of the node-side script NAME (engine/bundle/sh/NAME.sh,
 * embedded at build time); a name with no file is a bug in gpuforge. */
static const char *bundlesh(const char *name)
{
    for (const struct gf_bundlesh *e = gf_bundlesh_table; e->name; e++)
        if (strcmp(e->name, name) == 0) {
            gf_exec_note_script(name, e->text, 0);
            return e->text;
        }
    fprintf(stderr, "gpuforge: bug: no node script '%s' was built in\n", name);
    abort();
}

struct job {
    struct gf_push *ps;
    int phase;
};

static void relay_setup(struct gf_push *ps, struct gf_push_node *p, size_t k);
static void set_moving(struct gf_push *ps, int phase);

static void node_phase(size_t i, void *ctx)
{
    struct job *j = ctx;
    struct gf_push *ps = j->ps;
    struct gf_push_node *p = &ps->nodes[i];
    struct gf_buf b = GF_BUF_INIT;
    struct gf_result r;

    gf_result_init(&r, 0);
    switch (j->phase) {
    case GF_PUSH_PREP: {
        if (p->s == NULL) /* the module passes its host's open session */
            p->s = gf_session_open(p->t, ps->exec, &r);
        if (p->s == NULL) {
            gf_push_fail(p, r.status, "%s", r.msg ? r.msg : "cannot connect");
            break;
        }
        gf_result_release(&r);
        vars(ps, &b);
        gf_sh_assign(&b, "gf_look", ps->look_only ? "1" : "0");
        gf_buf_adds(&b, bundlesh("push_prep"));
        if (node_run(p, b.buf, NULL, 0, 1, &r) == 0) {
            const char *sz = gf_sh_tagged(r.out.buf, "GFSIZE ");
            const char *cur = gf_sh_tagged(r.out.buf, "GFCURRENT ");
            p->skip = gf_sh_tagged(r.out.buf, "GFHAVE") != NULL;
            p->have = sz ? strtoull(sz, NULL, 10) : 0;
            if (cur)
                p->current = gf_xstrndup(cur, strcspn(cur, "\n"));
        }
        break;
    }
    case GF_PUSH_STAR:
    case GF_PUSH_SIZE:
        if (!gf_push_usable(p) || p->have >= ps->size) {
            break;
        }
        vars(ps, &b);
        if (j->phase == GF_PUSH_SIZE) {
            gf_buf_adds(&b, "s=0; [ -f \"$P\" ] && s=$(stat -c %s \"$P\"); echo \"GFSIZE $s\"\n");
            if (node_run(p, b.buf, NULL, 0, 0, &r) == 0) {
                const char *sz = gf_sh_tagged(r.out.buf, "GFSIZE ");
                p->have = sz ? strtoull(sz, NULL, 10) : 0;
            }
            break;
        }
        gf_sh_assign(&b, "gf_resume", p->have ? "1" : "0");
        gf_buf_adds(&b, bundlesh("push_hash"));
        gf_buf_adds(&b, bundlesh("push_write"));
        atomic_store(&p->need, ps->size - p->have);
        gf_session_count_input(p->s, &p->fed);
        int ran = node_run(p, b.buf, ps->data + p->have, ps->size - p->have, 0, &r);
        gf_session_count_input(p->s, NULL);
        if (ran == 0) {
            p->sent += ps->size - p->have;
            if (p->how == NULL)
                p->how = p->have ? "star, resumed" : "star";
            else
                p->how = "chain, rest by star";
            p->have = ps->size;
        }
        break;
    case GF_PUSH_ACTIVATE:
        if (!gf_push_usable(p)) {
            break;
        }
        vars(ps, &b);
        gf_sh_assign(&b, "ID", ps->id);
        gf_buf_adds(&b, bundlesh("push_activate"));
        if (node_run(p, b.buf, NULL, 0, 1, &r) == 0)
            p->done = 1;
        break;
    case GF_PUSH_RELAY_SETUP:
        for (size_t k = 0; k < ps->chain.n; k++)
            if (ps->chain.v[k] == p)
                relay_setup(ps, p, k);
        break;
    case GF_PUSH_RELAY_CLEAN:
        if (p->s == NULL || !gf_vec_contains(&ps->chain, p)) {
            break;
        }
        gf_sh_assign(&b, "I", ps->in);
        gf_sh_assign(&b, "ID", ps->id);
        gf_buf_adds(&b, bundlesh("push_relay_clean"));
        gf_result_init(&r, 4096);
        gf_session_run(p->s, b.buf, NULL, 0, 0, &r);
        break;
    }
    gf_result_release(&r);
    gf_buf_release(&b);
}

/* Node k of the chain: the script its forced command (or the controller)
 * runs, the key to reach node k+1 and that node's pinned host key. */
static void relay_setup(struct gf_push *ps, struct gf_push_node *p, size_t k)
{
    struct gf_buf b = GF_BUF_INIT, script = GF_BUF_INIT;
    struct gf_result r;
    struct gf_push_node *next = k + 1 < ps->chain.n ? ps->chain.v[k + 1] : NULL;

    /* the relay script: its values, then the text (push_relay.sh) */
    gf_sh_assign(&script, "I", ps->in);
    gf_sh_assign(&script, "ID", ps->id);
    gf_sh_assign(&script, "SUM", ps->sum);
    gf_buf_adds(&script, "P=\"$I/$SUM.gfb\"\n");
    if (next) {
        char *hk = gf_session_hostkey(next->s);
        const struct gf_target *nt = next->t;
        char port[16], *kh;
        snprintf(port, sizeof(port), "%d", nt->port);
        gf_sh_assign(&script, "R_ADDR", nt->addr);
        gf_sh_assign(&script, "R_PORT", port);
        gf_sh_assign(&script, "R_USER", nt->user);
        if (nt->port == 22)
            kh = gf_xasprintf("%s %s", nt->addr, hk ? hk : "");
        else
            kh = gf_xasprintf("[%s]:%d %s", nt->addr, nt->port, hk ? hk : "");
        gf_sh_assign(&b, "KH", kh);
        free(kh);
        free(hk);
    } else {
        gf_sh_assign(&script, "R_ADDR", NULL);
        gf_sh_assign(&b, "KH", NULL);
    }
    gf_buf_adds(&script, bundlesh("push_hash"));
    gf_buf_adds(&script, bundlesh("push_relay"));
    gf_sh_assign(&b, "I", ps->in);
    gf_sh_assign(&b, "ID", ps->id);
    gf_sh_assign(&b, "SCRIPT", script.buf);
    if (k > 0) { /* reached from the previous node through this forced command only */
        char *auth = gf_xasprintf("restrict,command=\"sh %s/relay-%s.sh\" %s gf-relay-%s",
                                  ps->in, ps->id, ps->relay_pub, ps->id);
        gf_sh_assign(&b, "AUTH", auth);
        free(auth);
    } else {
        gf_sh_assign(&b, "AUTH", NULL);
    }
    gf_buf_adds(&b, bundlesh("push_relay_setup"));
    gf_result_init(&r, 65536);
    gf_session_run(p->s, b.buf, next ? ps->relay_priv : NULL, next ? strlen(ps->relay_priv) : 0,
                   0, &r);
    if (r.rc != 0 || gf_sh_tagged(r.out.buf, "GFERR ")) { /* no chain: everybody by star */
        const char *e = gf_sh_tagged(r.out.buf, "GFERR ");
        gf_warn("%s: relay not set up (%.*s): pushing star", p->t->name,
                e ? (int)strcspn(e, "\n") : 4, e ? e : "lost");
        ps->chain_broken = 1;
    }
    gf_result_release(&r);
    gf_buf_release(&b);
    gf_buf_release(&script);
}

void gf_push_phase(struct gf_push *ps, int ph)
{
    struct job j = { ps, ph };

    if (ph == GF_PUSH_STAR)
        set_moving(ps, GF_PUSH_STAR);
    gf_parallel(ps->n, ps->exec->forks, node_phase, &j);
    if (ph == GF_PUSH_STAR)
        set_moving(ps, 0);
}

/* chain: one copy from the controller to the first node; the nodes relay. */
void gf_push_chain(struct gf_push *ps)
{
    struct gf_result r;

    for (size_t i = 0; i < ps->n; i++)
        if (gf_push_usable(&ps->nodes[i]) && ps->nodes[i].have < ps->size)
            gf_vec_push(&ps->chain, &ps->nodes[i]);
    if (ps->chain.n < 2) {
        gf_vec_release(&ps->chain, NULL);
        return;
    }
    if (gf_ssh_keypair(&ps->relay_priv, &ps->relay_pub) < 0) {
        gf_warn("cannot make the relay key: pushing star");
        gf_vec_release(&ps->chain, NULL);
        return;
    }
    /* every chain node starts its file afresh: the relay appends */
    for (size_t k = 0; k < ps->chain.n; k++)
        ((struct gf_push_node *)ps->chain.v[k])->have = 0;
    gf_push_phase(ps, GF_PUSH_RELAY_SETUP);
    if (!ps->chain_broken) {
        struct gf_push_node *first = ps->chain.v[0];
        struct gf_buf b = GF_BUF_INIT;
        for (size_t k = 0; k < ps->chain.n; k++)
            ((struct gf_push_node *)ps->chain.v[k])->how = "chain";
        gf_sh_assign(&b, "I", ps->in);
        gf_sh_assign(&b, "ID", ps->id);
        gf_buf_adds(&b, "sh \"$I/relay-$ID.sh\"\n");
        gf_result_init(&r, 65536);
        gf_session_count_input(first->s, &first->fed);
        set_moving(ps, GF_PUSH_CHAIN);
        gf_session_run(first->s, b.buf, ps->data, ps->size, 0, &r);
        set_moving(ps, 0);
        gf_session_count_input(first->s, NULL);
        atomic_store(&first->fed, 0);
        if (r.status != GF_ST_UNREACHABLE)
            first->sent = ps->size;
        gf_result_release(&r);
        gf_buf_release(&b);
    }
    gf_push_phase(ps, GF_PUSH_RELAY_CLEAN);
    gf_vec_release(&ps->chain, NULL);
    gf_free_secret(ps->relay_priv, strlen(ps->relay_priv));
    ps->relay_priv = NULL;
    /* what each node now holds; the short ones get the rest by star */
    for (size_t i = 0; i < ps->n; i++)
        if (gf_push_usable(&ps->nodes[i]))
            ps->nodes[i].have = 0;
    gf_push_phase(ps, GF_PUSH_SIZE);
}

int gf_push_hash(const char *data, size_t len, char *hex)
{
    unsigned char d[32];
    unsigned int n = 0;

    if (!EVP_Digest(data, len, d, &n, EVP_sha256(), NULL))
        return -1;
    for (unsigned i = 0; i < n; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);
    return 0;
}

void gf_push_begin(struct gf_push *ps, const char *dest)
{
    unsigned char rnd[8];

    RAND_bytes(rnd, sizeof(rnd));
    for (int i = 0; i < 8; i++)
        sprintf(ps->id + 2 * i, "%02x", rnd[i]);
    ps->dest = dest;
    ps->in = gf_xasprintf("%s/.incoming", dest);
    pthread_mutex_init(&ps->lock, NULL);
}

static void set_moving(struct gf_push *ps, int phase)
{
    pthread_mutex_lock(&ps->lock);
    ps->moving = phase;
    ps->moving_since = gf_now_ms();
    pthread_mutex_unlock(&ps->lock);
}

static void mib(struct gf_buf *b, uint64_t n)
{
    gf_buf_addf(b, "%.1f", (double)n / 1048576.0);
}

static void rate_eta(struct gf_buf *b, uint64_t done, uint64_t total, int64_t ms)
{
    double rate = ms > 0 ? (double)done * 1000.0 / (double)ms : 0;

    gf_buf_addf(b, ", %.1f MiB/s", rate / 1048576.0);
    if (rate > 0 && total > done)
        gf_buf_addf(b, ", ETA %.0f s", (double)(total - done) / rate);
}

void gf_push_progress(struct gf_push *ps, struct gf_buf *line)
{
    static int64_t last_poll;

    pthread_mutex_lock(&ps->lock);
    int64_t ms = gf_now_ms() - ps->moving_since;
    if (ps->moving == GF_PUSH_STAR) {
        uint64_t done = 0, total = 0;
        for (size_t i = 0; i < ps->n; i++) {
            done += atomic_load(&ps->nodes[i].fed);
            total += atomic_load(&ps->nodes[i].need);
        }
        gf_buf_adds(line, "  star: ");
        mib(line, done);
        gf_buf_adds(line, "/");
        mib(line, total);
        gf_buf_addf(line, " MiB %d%%", total ? (int)(100 * done / total) : 100);
        rate_eta(line, done, total, ms);
        for (size_t i = 0; i < ps->n; i++) {
            uint64_t need = atomic_load(&ps->nodes[i].need);
            if (need)
                gf_buf_addf(line, " | %s %d%%", ps->nodes[i].t->name,
                            (int)(100 * atomic_load(&ps->nodes[i].fed) / need));
        }
    } else if (ps->moving == GF_PUSH_CHAIN && ps->chain.n) {
        struct gf_push_node *first = ps->chain.v[0];
        uint64_t done = atomic_load(&first->fed);
        if (gf_now_ms() - last_poll >= 1000) { /* the nodes behind the first */
            last_poll = gf_now_ms();
            for (size_t k = 1; k < ps->chain.n; k++) {
                struct gf_push_node *p = ps->chain.v[k];
                struct gf_buf b = GF_BUF_INIT;
                struct gf_result r;
                vars(ps, &b);
                gf_buf_adds(&b, "s=0; [ -f \"$P\" ] && s=$(stat -c %s \"$P\"); echo \"GFSIZE $s\"\n");
                gf_result_init(&r, 4096);
                if (gf_session_run(p->s, b.buf, NULL, 0, 0, &r) == 0) {
                    const char *sz = gf_sh_tagged(r.out.buf, "GFSIZE ");
                    p->front = sz ? strtoull(sz, NULL, 10) : 0;
                }
                gf_result_release(&r);
                gf_buf_release(&b);
            }
        }
        /* the front: the last node that has begun to receive */
        size_t front = 0;
        for (size_t k = 1; k < ps->chain.n; k++)
            if (((struct gf_push_node *)ps->chain.v[k])->front > 0)
                front = k;
        struct gf_push_node *fp = ps->chain.v[front];
        gf_buf_addf(line, "  chain: front at %s (%zu/%zu), ", fp->t->name, front + 1,
                    ps->chain.n);
        mib(line, front ? fp->front : done);
        gf_buf_adds(line, "/");
        mib(line, ps->size);
        gf_buf_adds(line, " MiB there; ");
        mib(line, done);
        gf_buf_addf(line, " MiB into %s", first->t->name);
        rate_eta(line, done, ps->size, ms);
    }
    pthread_mutex_unlock(&ps->lock);
}

void gf_push_refuse_downgrades(struct gf_push *ps, const char *hint)
{
    for (size_t i = 0; i < ps->n; i++) {
        struct gf_push_node *p = &ps->nodes[i];
        struct gf_error e = GF_ERROR_INIT;
        if (gf_push_usable(p) && p->current &&
            gf_bundle_check_version(ps->m, p->current, 0, &e) < 0)
            gf_push_fail(p, GF_ST_FAILED, "%s (%s)", e.msg, hint);
        gf_error_clear(&e);
    }
}

int gf_push_load(const char *path, const char *pubkey, struct gf_bundle_manifest **m,
                 void **map, size_t *size, char *sum, struct gf_error *err)
{
    struct gf_bundle_key *key = NULL;
    struct gf_bundle_verify_opts vo = { 0 };
    struct stat sb;
    int fd, rc;

    *m = NULL;
    *map = MAP_FAILED;
    rc = gf_bundle_key_load(pubkey, 0, &key, err);
    if (rc == 0) {
        vo.pubkey = key;
        rc = gf_bundle_verify_file(path, &vo, m, err);
    }
    gf_bundle_key_free(key);
    if (rc < 0)
        return -1;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) < 0 || sb.st_size == 0 ||
        (*map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
        if (fd >= 0)
            close(fd);
        gf_bundle_manifest_free(*m);
        *m = NULL;
        return gf_error_set(err, GF_EIO, NULL, 0, 0, "cannot read %s", path);
    }
    close(fd);
    *size = (size_t)sb.st_size;
    gf_push_hash(*map, *size, sum);
    return 0;
}

int gf_push_safe_dest(const char *d)
{
    if (d[0] != '/')
        return 0;
    for (const char *p = d; *p; p++)
        if (!(*p == '/' || *p == '.' || *p == '_' || *p == '-' || (*p >= 'a' && *p <= 'z') ||
              (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return 0;
    return strstr(d, "/../") == NULL && !gf_endswith(d, "/..");
}

/* ---- one node over its open session: the gpuforge_bundle module ---- */

/* A playbook pushes the same bundle to every host of a play: it is verified
 * and mapped once per process, keyed by file identity and public key. */
static struct verified {
    char *path, *pubkey;
    dev_t dev;
    ino_t ino;
    size_t size;
    struct timespec mtime;
    struct gf_bundle_manifest *m;
    void *map;
    char sum[65];
} vcache;
static pthread_mutex_t vcache_lock = PTHREAD_MUTEX_INITIALIZER;

static int vcache_get(const char *path, const char *pubkey, char **msg)
{
    struct stat sb;
    struct gf_error err = GF_ERROR_INIT;

    if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
        *msg = gf_xasprintf("cannot read %s", path);
        return -1;
    }
    if (vcache.m && !strcmp(vcache.path, path) && !strcmp(vcache.pubkey, pubkey) &&
        vcache.dev == sb.st_dev && vcache.ino == sb.st_ino && vcache.size == (size_t)sb.st_size &&
        vcache.mtime.tv_sec == sb.st_mtim.tv_sec && vcache.mtime.tv_nsec == sb.st_mtim.tv_nsec)
        return 0;
    if (vcache.m) {
        munmap(vcache.map, vcache.size);
        gf_bundle_manifest_free(vcache.m);
        free(vcache.path);
        free(vcache.pubkey);
        memset(&vcache, 0, sizeof(vcache));
    }
    if (gf_push_load(path, pubkey, &vcache.m, &vcache.map, &vcache.size, vcache.sum, &err) < 0) {
        *msg = gf_xstrdup(err.msg ? err.msg : "the bundle does not verify");
        gf_error_clear(&err);
        return -1;
    }
    vcache.path = gf_xstrdup(path);
    vcache.pubkey = gf_xstrdup(pubkey);
    vcache.dev = sb.st_dev;
    vcache.ino = sb.st_ino;
    vcache.mtime = sb.st_mtim;
    return 0;
}

int gf_bundle_push_session(struct gf_session *s, const struct gf_target *t,
                           const struct gf_bundle_push_args *a, struct gf_bundle_push_res *res)
{
    struct gf_push ps = { 0 };
    struct gf_push_node node = { 0 };
    struct job j = { &ps, GF_PUSH_PREP };

    memset(res, 0, sizeof(*res));
    if (!gf_push_safe_dest(a->dest)) {
        res->msg = gf_xasprintf("dest must be an absolute path of letters, digits and . _ - /");
        return -1;
    }
    pthread_mutex_lock(&vcache_lock);
    if (vcache_get(a->path, a->pubkey, &res->msg) < 0) {
        pthread_mutex_unlock(&vcache_lock);
        return -1;
    }
    /* the cache stays valid while a play runs: the mapping is replaced only
     * when another bundle file is asked for, which one play does not do */
    ps.m = vcache.m;
    ps.data = vcache.map;
    ps.size = vcache.size;
    memcpy(ps.sum, vcache.sum, sizeof(ps.sum));
    pthread_mutex_unlock(&vcache_lock);
    res->name = gf_xstrdup(ps.m->name);
    res->version = gf_xstrdup(ps.m->version);
    res->path = gf_xasprintf("%s/%s/current", a->dest, ps.m->name);
    gf_push_begin(&ps, a->dest);
    ps.look_only = a->check;
    ps.n = 1;
    ps.nodes = &node;
    node.t = (struct gf_target *)t;
    node.s = s;
    node_phase(0, &j);
    if (!a->downgrade)
        gf_push_refuse_downgrades(&ps, "set allow_downgrade");
    if (gf_push_usable(&node) && !a->check) {
        j.phase = GF_PUSH_STAR;
        node_phase(0, &j);
        j.phase = GF_PUSH_ACTIVATE;
        node_phase(0, &j);
    }
    res->changed = !node.skip;
    res->sent = node.sent;
    res->status = node.msg ? node.st : GF_ST_OK;
    res->msg = node.msg;
    free(node.current);
    free(ps.in);
    return node.msg ? -1 : 0;
}
