/* cmd-push.c - `gpuforge bundle push`: a verified bundle onto many nodes.
 *
 * The controller verifies the bundle (signature first) before it contacts
 * any node. Each node then gets the bundle file itself into
 * DEST/.incoming/<sha256>.gfb over the host's SSH session, and activates it
 * only after checking that the file's sha256 is the verified bundle's (so
 * every member is what the signed manifest lists): staging directory, sync,
 * rename to DEST/NAME/VERSION, then an atomic switch of the DEST/NAME/current
 * link. A node that already holds the same bundle
 * (verified) is skipped; a partial file left by an interrupted push is
 * resumed from its size.
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
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "../bundle/bundle.h"
#include "../modules/module.h"
#include "common.h"

#define PUSH_USAGE \
    "gpuforge bundle push -i INVENTORY BUNDLE --pubkey KEY.pub [options]\n" \
    "\n" \
    "  -i, --inventory SRC      inventory (the nodes: all hosts, or --limit)\n" \
    "  -l, --limit PATTERN      only these hosts\n" \
    "      --pubkey KEY.pub     the key the bundle must be signed with\n" \
    "      --dest DIR           where bundles live on the nodes (default /var/lib/gpuforge/bundles)\n" \
    "      --topology T         star (default) or chain\n" \
    "      --allow-downgrade    accept a version older than a node's current one\n" \
    "  -f, -u, -k, -K, -T, --private-key, --known-hosts, --accept-new: as for exec\n" \
    "\n" \
    "Preparing and activating use sudo on the nodes (sudo -n unless -K).\n" \
    "exit: 0 every node holds the bundle, 2 a node failed, 3 a node unreachable,\n" \
    "      4 bad usage or a bundle that does not verify (no node contacted)\n"

static const struct gf_cmd push_cmd = {
    .name = "bundle push", .usage = PUSH_USAGE, .implemented = 1,
};

enum { OPT_PUBKEY = 2000, OPT_DEST, OPT_TOPOLOGY, OPT_DOWNGRADE };

static const struct option push_opts[] = {
    { "pubkey", required_argument, NULL, OPT_PUBKEY },
    { "dest", required_argument, NULL, OPT_DEST },
    { "topology", required_argument, NULL, OPT_TOPOLOGY },
    { "allow-downgrade", no_argument, NULL, OPT_DOWNGRADE },
    { NULL, 0, NULL, 0 },
};

static struct {
    const char *pubkey, *dest, *topology;
    int downgrade;
} opt;

static int push_extra(struct gf_cli *c, int o, const char *arg)
{
    (void)c;
    switch (o) {
    case OPT_PUBKEY: opt.pubkey = arg; break;
    case OPT_DEST: opt.dest = arg; break;
    case OPT_TOPOLOGY: opt.topology = arg; break;
    case OPT_DOWNGRADE: opt.downgrade = 1; break;
    }
    return 0;
}

struct pnode {
    struct gf_target *t;
    struct gf_session *s;
    enum gf_status st;
    char *msg;             /* why it failed */
    int skip;              /* already held */
    int done;              /* activated */
    char *current;         /* version its current link names, or NULL */
    uint64_t have;         /* bytes of the partial file before sending */
    uint64_t sent;         /* bytes the controller sent to it */
    const char *how;       /* how the bytes came */
};

struct push {
    struct gf_cli *c;
    struct gf_bundle_manifest *m;
    const char *data;      /* the bundle, mapped */
    size_t size;
    char sum[65];
    char id[17];           /* this push, for relay files */
    char *in;              /* DEST/.incoming */
    struct pnode *nodes;
    size_t n;
    struct gf_vec chain;   /* struct pnode *, in order */
    char *relay_priv, *relay_pub;
    const char *dest;      /* where bundles live on the nodes */
    volatile int chain_broken;  /* a relay could not be set up: no chain */
};

static void fail(struct pnode *p, enum gf_status st, const char *fmt, ...) GF_PRINTF(3, 4);
static void fail(struct pnode *p, enum gf_status st, const char *fmt, ...)
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

static int usable(const struct pnode *p)
{
    return p->msg == NULL && !p->skip;
}

/* Runs script on p's session; a failure is recorded on p. Returns 0 when
 * it printed no GFERR and exited 0. */
static int node_run(struct pnode *p, const char *script, const char *input, size_t len,
                    int become, struct gf_result *r)
{
    gf_result_init(r, 65536);
    gf_session_run(p->s, script, input, len, become, r);
    const char *e = gf_mod_tagged(r->out.buf, "GFERR ");
    if (r->status == GF_ST_UNREACHABLE) {
        fail(p, GF_ST_UNREACHABLE, "%s", r->msg ? r->msg : "connection lost");
        return -1;
    }
    if (e || r->rc != 0) {
        fail(p, GF_ST_FAILED, "%.*s", e ? (int)strcspn(e, "\n") : (int)r->err.len,
             e ? e : r->msg ? r->msg : r->err.buf ? r->err.buf : "failed");
        return -1;
    }
    return 0;
}

static void vars(struct push *ps, struct gf_buf *b)
{
    gf_sh_assign(b, "D", ps->dest);
    gf_sh_assign(b, "I", ps->in);
    gf_sh_assign(b, "N", ps->m->name);
    gf_sh_assign(b, "V", ps->m->version);
    gf_sh_assign(b, "SUM", ps->sum);
    gf_buf_addf(b, "P=\"$I/$SUM.gfb\"\nSIZE=%zu\n", ps->size);
}

/* Prepare (as root): skip when held, make the incoming directory for the
 * login user, report the partial file's size and the current version. */
static const char prep_script[] =
    "u=${SUDO_USER:-$(id -un)}\n"
    "if [ -f \"$D/$N/$V/.gf-bundle-sha256\" ] && [ \"$(cat \"$D/$N/$V/.gf-bundle-sha256\")\" = \"$SUM\" ]; then\n"
    "  echo GFHAVE; exit 0; fi\n"
    "mkdir -p \"$I\" || { echo \"GFERR cannot create $I\"; exit 1; }\n"
    "chown \"$u\" \"$I\" && chmod 0700 \"$I\" || { echo \"GFERR cannot give $I to $u\"; exit 1; }\n"
    "s=0; [ -f \"$P\" ] && s=$(stat -c %s \"$P\")\n"
    "[ \"$s\" -gt \"$SIZE\" ] && { rm -f \"$P\"; s=0; }\n"
    "echo \"GFSIZE $s\"\n"
    "c=$(readlink \"$D/$N/current\" 2>/dev/null) && echo \"GFCURRENT $c\"\n"
    "exit 0\n";

/* A node's copy written from its first byte is hashed while it arrives (a
 * reader on a FIFO that tee also writes), so activation need not read the
 * file again; appended copies (resumed) are hashed at activation. */
#define HASH_START \
    "rm -f \"$P.sha\" \"$P.fifo\"; : >\"$P\" && mkfifo \"$P.fifo\" || exit 1\n" \
    "(sha256sum <\"$P.fifo\" | cut -c1-64 >\"$P.sha.tmp\" && mv \"$P.sha.tmp\" \"$P.sha\") &\n"
#define HASH_END "wait; rm -f \"$P.fifo\"\n"

/* Activate (as root): check the whole file against the sha256 of the
 * bundle the controller verified (so every member is what the signed
 * manifest lists), unpack into staging, then switch atomically. */
static const char activate_script[] =
    "if [ -f \"$P.sha\" ] && [ \"$(stat -c %s \"$P\")\" = \"$SIZE\" ]; then h=$(cat \"$P.sha\");\n"
    "else h=$(sha256sum <\"$P\" | cut -c1-64); fi\n"
    "[ \"$h\" = \"$SUM\" ] || { rm -f \"$P\" \"$P.sha\";\n"
    "  echo \"GFERR the received bundle does not match its sha256 (removed; push again)\"; exit 1; }\n"
    "st=\"$D/.staging-$ID\"; rm -rf \"$st\"\n"
    "mkdir -p \"$st\" \"$D/$N\" || { echo \"GFERR cannot create $st\"; exit 1; }\n"
    "if ! err=$(tar -xf \"$P\" -C \"$st\" --no-same-owner 2>&1); then rm -rf \"$st\";\n"
    "  echo \"GFERR unpacking failed (nothing activated): $(echo \"$err\" | tail -1)\"; exit 1; fi\n"

    "echo \"$SUM\" >\"$st/.gf-bundle-sha256\" || { rm -rf \"$st\"; echo \"GFERR write failed (disk full?)\"; exit 1; }\n"
    "sync\n"
    "[ -e \"$D/$N/$V\" ] && mv \"$D/$N/$V\" \"$D/.old-$ID\"\n"
    "mv \"$st\" \"$D/$N/$V\" || { echo \"GFERR cannot move $st into place\"; exit 1; }\n"
    "ln -sfn \"$V\" \"$D/$N/.current-$ID\" && mv -T \"$D/$N/.current-$ID\" \"$D/$N/current\" ||\n"
    "  { echo \"GFERR cannot switch $D/$N/current\"; exit 1; }\n"
    "rm -rf \"$D/.old-$ID\"; rm -f \"$P\" \"$P.sha\"; sync\n"
    "echo GFOK\n";

struct job {
    struct push *ps;
    int phase;
};
enum { PH_PREP, PH_STAR, PH_SIZE, PH_ACTIVATE, PH_RELAY_SETUP, PH_RELAY_CLEAN };

static void relay_setup(struct push *ps, struct pnode *p, size_t k);

static void node_phase(size_t i, void *ctx)
{
    struct job *j = ctx;
    struct push *ps = j->ps;
    struct pnode *p = &ps->nodes[i];
    struct gf_buf b = GF_BUF_INIT;
    struct gf_result r;

    gf_result_init(&r, 0);
    switch (j->phase) {
    case PH_PREP: {
        if (p->s == NULL) /* the module passes its host's open session */
            p->s = gf_session_open(p->t, &ps->c->exec, &r);
        if (p->s == NULL) {
            fail(p, r.status, "%s", r.msg ? r.msg : "cannot connect");
            break;
        }
        gf_result_release(&r);
        vars(ps, &b);
        gf_buf_adds(&b, prep_script);
        if (node_run(p, b.buf, NULL, 0, 1, &r) == 0) {
            const char *sz = gf_mod_tagged(r.out.buf, "GFSIZE ");
            const char *cur = gf_mod_tagged(r.out.buf, "GFCURRENT ");
            p->skip = gf_mod_tagged(r.out.buf, "GFHAVE") != NULL;
            p->have = sz ? strtoull(sz, NULL, 10) : 0;
            if (cur)
                p->current = gf_xstrndup(cur, strcspn(cur, "\n"));
        }
        break;
    }
    case PH_STAR:
    case PH_SIZE:
        if (!usable(p) || p->have >= ps->size) {
            break;
        }
        vars(ps, &b);
        if (j->phase == PH_SIZE) {
            gf_buf_adds(&b, "s=0; [ -f \"$P\" ] && s=$(stat -c %s \"$P\"); echo \"GFSIZE $s\"\n");
            if (node_run(p, b.buf, NULL, 0, 0, &r) == 0) {
                const char *sz = gf_mod_tagged(r.out.buf, "GFSIZE ");
                p->have = sz ? strtoull(sz, NULL, 10) : 0;
            }
            break;
        }
        if (p->have == 0)
            gf_buf_adds(&b, HASH_START "tee -a \"$P\" \"$P.fifo\" >/dev/null; rc=$?\n" HASH_END
                            "[ $rc = 0 ] || { echo \"GFERR writing $P failed (disk full?)\"; exit 1; }\n");
        else
            gf_buf_adds(&b, "rm -f \"$P.sha\"; cat >>\"$P\" ||\n"
                            "  { echo \"GFERR writing $P failed (disk full?)\"; exit 1; }\n");
        if (node_run(p, b.buf, ps->data + p->have, ps->size - p->have, 0, &r) == 0) {
            p->sent += ps->size - p->have;
            if (p->how == NULL)
                p->how = p->have ? "star, resumed" : "star";
            else
                p->how = "chain, rest by star";
            p->have = ps->size;
        }
        break;
    case PH_ACTIVATE:
        if (!usable(p)) {
            break;
        }
        vars(ps, &b);
        gf_sh_assign(&b, "ID", ps->id);
        gf_buf_adds(&b, activate_script);
        if (node_run(p, b.buf, NULL, 0, 1, &r) == 0)
            p->done = 1;
        break;
    case PH_RELAY_SETUP:
        for (size_t k = 0; k < ps->chain.n; k++)
            if (ps->chain.v[k] == p)
                relay_setup(ps, p, k);
        break;
    case PH_RELAY_CLEAN:
        if (p->s == NULL || !gf_vec_contains(&ps->chain, p)) {
            break;
        }
        gf_sh_assign(&b, "I", ps->in);
        gf_sh_assign(&b, "ID", ps->id);
        gf_buf_adds(&b, "rm -f \"$I/relay-$ID.key\" \"$I/relay-$ID.kh\" \"$I/relay-$ID.sh\" \"$I\"/*.fifo\n"
                        "for f in \"$HOME/.ssh/authorized_keys\" \"$HOME/.ssh/authorized_keys2\"; do\n"
                        "  if [ -f \"$f\" ] && grep -q \"gf-relay-$ID\\$\" \"$f\"; then\n"
                        "    grep -v \"gf-relay-$ID\\$\" \"$f\" >\"$f.gf-$ID\"; cat \"$f.gf-$ID\" >\"$f\";\n"
                        "    rm -f \"$f.gf-$ID\"; [ -s \"$f\" ] || rm -f \"$f\"; fi; done\n");
        gf_result_init(&r, 4096);
        gf_session_run(p->s, b.buf, NULL, 0, 0, &r);
        break;
    }
    gf_result_release(&r);
    gf_buf_release(&b);
}

/* Node k of the chain: the script its forced command (or the controller)
 * runs, the key to reach node k+1 and that node's pinned host key. */
static void relay_setup(struct push *ps, struct pnode *p, size_t k)
{
    struct gf_buf b = GF_BUF_INIT, script = GF_BUF_INIT;
    struct gf_result r;
    struct pnode *next = k + 1 < ps->chain.n ? ps->chain.v[k + 1] : NULL;

    /* the file restarts: the chain always sends the whole bundle */
    gf_buf_addf(&script, "P='%s/%s.gfb'\n" HASH_START, ps->in, ps->sum);
    if (next) {
        char *hk = gf_session_hostkey(next->s);
        const struct gf_target *nt = next->t;
        gf_buf_addf(&script, "tee -p -a \"$P\" \"$P.fifo\" | ssh -T -o BatchMode=yes -o IdentitiesOnly=yes "
                    "-o StrictHostKeyChecking=yes -o GlobalKnownHostsFile=/dev/null "
                    "-o UserKnownHostsFile='%s/relay-%s.kh' -o ConnectTimeout=10 "
                    "-i '%s/relay-%s.key' -p %d ", ps->in, ps->id, ps->in, ps->id, nt->port);
        if (nt->user)
            gf_buf_addf(&script, "-l '%s' ", nt->user);
        gf_buf_addf(&script, "'%s' relay\n" HASH_END, nt->addr);
        if (nt->port == 22)
            gf_buf_addf(&b, "KH='%s %s'\n", nt->addr, hk ? hk : "");
        else
            gf_buf_addf(&b, "KH='[%s]:%d %s'\n", nt->addr, nt->port, hk ? hk : "");
        free(hk);
    } else {
        gf_buf_adds(&script, "tee -a \"$P\" \"$P.fifo\" >/dev/null\n" HASH_END);
    }
    gf_sh_assign(&b, "I", ps->in);
    gf_sh_assign(&b, "ID", ps->id);
    gf_sh_assign(&b, "SCRIPT", script.buf);
    if (k > 0) { /* reached from the previous node through this forced command only */
        char *auth = gf_xasprintf("restrict,command=\"sh %s/relay-%s.sh\" %s gf-relay-%s",
                                  ps->in, ps->id, ps->relay_pub, ps->id);
        gf_sh_assign(&b, "AUTH", auth);
        free(auth);
    }
    gf_buf_adds(&b, "umask 077\n"
                    "printf '%s' \"$SCRIPT\" >\"$I/relay-$ID.sh\" || { echo \"GFERR cannot write in $I\"; exit 1; }\n"
                    "if [ -n \"$KH\" ]; then printf '%s\\n' \"$KH\" >\"$I/relay-$ID.kh\" && cat >\"$I/relay-$ID.key\" ||\n"
                    "  { echo \"GFERR cannot write the relay key\"; exit 1; }; fi\n"
                    /* authorized_keys2 is sshd's other default file, for
                     * nodes whose authorized_keys is managed read-only */
                    "if [ -n \"$AUTH\" ]; then mkdir -p \"$HOME/.ssh\" &&\n"
                    "  { printf '%s\\n' \"$AUTH\" >>\"$HOME/.ssh/authorized_keys\" 2>/dev/null ||\n"
                    "    printf '%s\\n' \"$AUTH\" >>\"$HOME/.ssh/authorized_keys2\"; } ||\n"
                    "  { echo \"GFERR cannot add the relay key\"; exit 1; }; fi\n");
    gf_result_init(&r, 65536);
    gf_session_run(p->s, b.buf, next ? ps->relay_priv : NULL, next ? strlen(ps->relay_priv) : 0,
                   0, &r);
    if (r.rc != 0 || gf_mod_tagged(r.out.buf, "GFERR ")) { /* no chain: everybody by star */
        const char *e = gf_mod_tagged(r.out.buf, "GFERR ");
        gf_warn("%s: relay not set up (%.*s): pushing star", p->t->name,
                e ? (int)strcspn(e, "\n") : 4, e ? e : "lost");
        ps->chain_broken = 1;
    }
    gf_result_release(&r);
    gf_buf_release(&b);
    gf_buf_release(&script);
}

static void phase(struct push *ps, int ph)
{
    struct job j = { ps, ph };

    gf_parallel(ps->n, ps->c->exec.forks, node_phase, &j);
}

/* chain: one copy from the controller to the first node; the nodes relay. */
static void run_chain(struct push *ps)
{
    struct gf_result r;

    for (size_t i = 0; i < ps->n; i++)
        if (usable(&ps->nodes[i]) && ps->nodes[i].have < ps->size)
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
        ((struct pnode *)ps->chain.v[k])->have = 0;
    phase(ps, PH_RELAY_SETUP);
    if (!ps->chain_broken) {
        struct pnode *first = ps->chain.v[0];
        struct gf_buf b = GF_BUF_INIT;
        for (size_t k = 0; k < ps->chain.n; k++)
            ((struct pnode *)ps->chain.v[k])->how = "chain";
        gf_sh_assign(&b, "I", ps->in);
        gf_sh_assign(&b, "ID", ps->id);
        gf_buf_adds(&b, "sh \"$I/relay-$ID.sh\"\n");
        gf_result_init(&r, 65536);
        gf_session_run(first->s, b.buf, ps->data, ps->size, 0, &r);
        if (r.status != GF_ST_UNREACHABLE)
            first->sent = ps->size;
        gf_result_release(&r);
        gf_buf_release(&b);
    }
    phase(ps, PH_RELAY_CLEAN);
    gf_vec_release(&ps->chain, NULL);
    gf_free_secret(ps->relay_priv, strlen(ps->relay_priv));
    ps->relay_priv = NULL;
    /* what each node now holds; the short ones get the rest by star */
    for (size_t i = 0; i < ps->n; i++)
        if (usable(&ps->nodes[i]))
            ps->nodes[i].have = 0;
    phase(ps, PH_SIZE);
}

static int hash_file(const char *data, size_t len, char *hex)
{
    unsigned char d[32];
    unsigned int n = 0;

    if (!EVP_Digest(data, len, d, &n, EVP_sha256(), NULL))
        return -1;
    for (unsigned i = 0; i < n; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);
    return 0;
}

static int safe_dest(const char *d)
{
    if (d[0] != '/')
        return 0;
    for (const char *p = d; *p; p++)
        if (!(*p == '/' || *p == '.' || *p == '_' || *p == '-' || (*p >= 'a' && *p <= 'z') ||
              (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return 0;
    return strstr(d, "/../") == NULL && !gf_endswith(d, "/..");
}

int gf_bundle_push_main(int argc, char **argv);
int gf_bundle_push_main(int argc, char **argv)
{
    struct gf_cli c;
    struct push ps = { 0 };
    struct gf_error err = GF_ERROR_INIT;
    struct gf_bundle_key *key = NULL;
    struct gf_tally tally = { { 0 } };
    void *map = MAP_FAILED;
    int rc, fd = -1;

    memset(&opt, 0, sizeof(opt));
    if ((rc = gf_cli_parse(&c, &push_cmd, argc, argv, push_opts, push_extra)))
        goto out;
    if (!opt.dest)
        opt.dest = "/var/lib/gpuforge/bundles";
    if (!opt.topology)
        opt.topology = "star";
    if (c.positional.n != 1 || c.dashdash >= 0) {
        rc = gf_cmd_usage_error(&push_cmd, "give exactly one BUNDLE");
        goto out;
    }
    if (strcmp(opt.topology, "star") && strcmp(opt.topology, "chain")) {
        rc = gf_cmd_usage_error(&push_cmd, "--topology must be star or chain (tree is not "
                                "built yet)");
        goto out;
    }
    if (!safe_dest(opt.dest)) {
        rc = gf_cmd_usage_error(&push_cmd, "--dest must be an absolute path of letters, "
                                "digits and . _ - /");
        goto out;
    }
    if (!opt.pubkey) {
        rc = gf_cmd_usage_error(&push_cmd, "--pubkey is required: nodes get only verified "
                                "bundles");
        goto out;
    }
    const char *path = c.positional.v[0];
    struct gf_bundle_verify_opts vo = { 0 };
    if (gf_bundle_key_load(opt.pubkey, 0, &key, &err) < 0 ||
        (vo.pubkey = key, gf_bundle_verify_file(path, &vo, &ps.m, &err)) < 0) {
        gf_error_print(&err);
        rc = GF_EXIT_USAGE;
        goto out;
    }
    struct stat sb;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) < 0 || sb.st_size == 0 ||
        (map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
        fprintf(stderr, "gpuforge: cannot read %s\n", path);
        rc = GF_EXIT_USAGE;
        goto out;
    }
    ps.data = map;
    ps.size = (size_t)sb.st_size;
    hash_file(ps.data, ps.size, ps.sum);
    if ((rc = gf_cli_hosts(&c, "all")))
        goto out;
    unsigned char rnd[8];
    RAND_bytes(rnd, sizeof(rnd));
    for (int i = 0; i < 8; i++)
        sprintf(ps.id + 2 * i, "%02x", rnd[i]);
    ps.c = &c;
    ps.dest = opt.dest;
    ps.in = gf_xasprintf("%s/.incoming", opt.dest);
    ps.n = c.hosts.n;
    ps.nodes = gf_xcalloc(ps.n, sizeof(*ps.nodes));
    for (size_t i = 0; i < ps.n; i++) {
        ps.nodes[i].t = &c.targets[i];
        c.targets[i].become = 1; /* preparing and activating need root */
    }
    int64_t t0 = gf_now_ms();
    phase(&ps, PH_PREP);
    for (size_t i = 0; i < ps.n; i++) {
        struct pnode *p = &ps.nodes[i];
        struct gf_error e = GF_ERROR_INIT;
        if (usable(p) && p->current && !opt.downgrade &&
            gf_bundle_check_version(ps.m, p->current, 0, &e) < 0) {
            fail(p, GF_ST_FAILED, "%s (use --allow-downgrade)", e.msg);
            gf_error_clear(&e);
        }
    }
    if (!strcmp(opt.topology, "chain"))
        run_chain(&ps);
    phase(&ps, PH_STAR);
    phase(&ps, PH_ACTIVATE);
    double secs = (double)(gf_now_ms() - t0) / 1000.0;
    uint64_t sent = 0;
    for (size_t i = 0; i < ps.n; i++) {
        struct pnode *p = &ps.nodes[i];
        sent += p->sent;
        if (p->msg)
            printf("%s | FAILED | %s\n", p->t->name, p->msg);
        else if (p->skip)
            printf("%s | ok | %s %s already present, verified: nothing sent\n", p->t->name,
                   ps.m->name, ps.m->version);
        else
            printf("%s | CHANGED | %s %s activated in %s/%s/%s (%s; %.1f MiB sent to it)\n",
                   p->t->name, ps.m->name, ps.m->version, opt.dest, ps.m->name,
                   ps.m->version, p->how ? p->how : "star",
                   (double)p->sent / 1048576.0);
        tally.n[p->msg ? p->st : GF_ST_OK]++;
    }
    printf("pushed %s %s (%.1f MiB) to %zu nodes in %.1f s; the controller sent %.1f MiB\n",
           ps.m->name, ps.m->version, (double)ps.size / 1048576.0, ps.n, secs,
           (double)sent / 1048576.0);
    rc = gf_tally_exit(&tally);
    for (size_t i = 0; i < ps.n; i++) {
        if (ps.nodes[i].s)
            gf_session_close(ps.nodes[i].s);
        free(ps.nodes[i].msg);
        free(ps.nodes[i].current);
    }
out:
    if (map != MAP_FAILED)
        munmap(map, ps.size ? ps.size : 1);
    if (fd >= 0)
        close(fd);
    free(ps.nodes);
    free(ps.in);
    free(ps.relay_pub);
    gf_bundle_manifest_free(ps.m);
    gf_bundle_key_free(key);
    gf_error_clear(&err);
    gf_cli_release(&c);
    return rc;
}

/* ---- one node over its open session: the gpuforge_bundle module ---- */

/* A playbook pushes the same bundle to every host of a play: it is verified
 * and mapped once per process, keyed by file identity and public key. */
static struct verified {
    char *path, *pubkey;
    dev_t dev;
    ino_t ino;
    off_t size;
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
    struct gf_bundle_key *key = NULL;
    struct gf_bundle_verify_opts vo = { 0 };
    int fd;

    if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
        *msg = gf_xasprintf("cannot read the bundle %s", path);
        return -1;
    }
    if (vcache.m && !strcmp(vcache.path, path) && !strcmp(vcache.pubkey, pubkey) &&
        vcache.dev == sb.st_dev && vcache.ino == sb.st_ino && vcache.size == sb.st_size &&
        vcache.mtime.tv_sec == sb.st_mtim.tv_sec && vcache.mtime.tv_nsec == sb.st_mtim.tv_nsec)
        return 0;
    if (vcache.m) {
        munmap(vcache.map, (size_t)vcache.size);
        gf_bundle_manifest_free(vcache.m);
        free(vcache.path);
        free(vcache.pubkey);
        memset(&vcache, 0, sizeof(vcache));
    }
    if (gf_bundle_key_load(pubkey, 0, &key, &err) < 0 ||
        (vo.pubkey = key, gf_bundle_verify_file(path, &vo, &vcache.m, &err)) < 0) {
        *msg = gf_xasprintf("%s", err.msg ? err.msg : "the bundle does not verify");
        gf_error_clear(&err);
        gf_bundle_key_free(key);
        vcache.m = NULL;
        return -1;
    }
    gf_bundle_key_free(key);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
        (vcache.map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
        if (fd >= 0)
            close(fd);
        gf_bundle_manifest_free(vcache.m);
        vcache.m = NULL;
        *msg = gf_xasprintf("cannot read the bundle %s", path);
        return -1;
    }
    close(fd);
    hash_file(vcache.map, (size_t)sb.st_size, vcache.sum);
    vcache.path = gf_xstrdup(path);
    vcache.pubkey = gf_xstrdup(pubkey);
    vcache.dev = sb.st_dev;
    vcache.ino = sb.st_ino;
    vcache.size = sb.st_size;
    vcache.mtime = sb.st_mtim;
    return 0;
}

int gf_bundle_push_session(struct gf_session *s, const struct gf_target *t,
                           const struct gf_bundle_push_args *a, struct gf_bundle_push_res *res)
{
    struct push ps = { 0 };
    struct pnode node = { 0 };
    struct job j = { &ps, PH_PREP };
    unsigned char rnd[8];

    memset(res, 0, sizeof(*res));
    if (!safe_dest(a->dest)) {
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
    ps.size = (size_t)vcache.size;
    memcpy(ps.sum, vcache.sum, sizeof(ps.sum));
    pthread_mutex_unlock(&vcache_lock);
    res->name = gf_xstrdup(ps.m->name);
    res->version = gf_xstrdup(ps.m->version);
    res->path = gf_xasprintf("%s/%s/current", a->dest, ps.m->name);
    RAND_bytes(rnd, sizeof(rnd));
    for (int i = 0; i < 8; i++)
        sprintf(ps.id + 2 * i, "%02x", rnd[i]);
    ps.dest = a->dest;
    ps.in = gf_xasprintf("%s/.incoming", a->dest);
    ps.n = 1;
    ps.nodes = &node;
    node.t = (struct gf_target *)t;
    node.s = s;
    if (a->check) { /* --check: only look, create nothing */
        struct gf_buf b = GF_BUF_INIT;
        struct gf_result r;
        vars(&ps, &b);
        gf_buf_adds(&b, "if [ -f \"$D/$N/$V/.gf-bundle-sha256\" ] &&\n"
                        "   [ \"$(cat \"$D/$N/$V/.gf-bundle-sha256\")\" = \"$SUM\" ]; then echo GFHAVE; fi\n"
                        "c=$(readlink \"$D/$N/current\" 2>/dev/null) && echo \"GFCURRENT $c\"\n"
                        "exit 0\n");
        if (node_run(&node, b.buf, NULL, 0, 1, &r) == 0) {
            const char *cur = gf_mod_tagged(r.out.buf, "GFCURRENT ");
            node.skip = gf_mod_tagged(r.out.buf, "GFHAVE") != NULL;
            if (cur)
                node.current = gf_xstrndup(cur, strcspn(cur, "\n"));
        }
        gf_result_release(&r);
        gf_buf_release(&b);
    } else {
        node_phase(0, &j);
    }
    if (usable(&node) && node.current && !a->downgrade) {
        struct gf_error e = GF_ERROR_INIT;
        if (gf_bundle_check_version(ps.m, node.current, 0, &e) < 0)
            fail(&node, GF_ST_FAILED, "%s (set allow_downgrade)", e.msg);
        gf_error_clear(&e);
    }
    if (usable(&node) && !a->check) {
        j.phase = PH_STAR;
        node_phase(0, &j);
        j.phase = PH_ACTIVATE;
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
