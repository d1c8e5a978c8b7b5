/* cmd-push.c - `gpuforge bundle push`: a verified bundle onto many nodes
 * (engine/bundle/push.c does the work). The controller verifies the bundle
 * (signature first) before it contacts any node.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../bundle/push.h"
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
    "      --no-progress        no live progress line (shown only on a terminal)\n" \
    "  -f, -u, -k, -K, -T, --private-key, --known-hosts, --accept-new: as for exec\n" \
    "\n" \
    "Preparing and activating use sudo on the nodes (sudo -n unless -K).\n" \
    "exit: 0 every node holds the bundle, 2 a node failed, 3 a node unreachable,\n" \
    "      4 bad usage or a bundle that does not verify (no node contacted)\n"

static const struct gf_cmd push_cmd = {
    .name = "bundle push", .usage = PUSH_USAGE, .implemented = 1,
};

enum { OPT_PUBKEY = 2000, OPT_DEST, OPT_TOPOLOGY, OPT_DOWNGRADE, OPT_NO_PROGRESS };

static const struct option push_opts[] = {
    { "pubkey", required_argument, NULL, OPT_PUBKEY },
    { "dest", required_argument, NULL, OPT_DEST },
    { "topology", required_argument, NULL, OPT_TOPOLOGY },
    { "allow-downgrade", no_argument, NULL, OPT_DOWNGRADE },
    { "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
    { NULL, 0, NULL, 0 },
};

static struct {
    const char *pubkey, *dest, *topology;
    int downgrade, no_progress;
} opt;

static int push_extra(struct gf_cli *c, int o, const char *arg)
{
    (void)c;
    switch (o) {
    case OPT_PUBKEY: opt.pubkey = arg; break;
    case OPT_DEST: opt.dest = arg; break;
    case OPT_TOPOLOGY: opt.topology = arg; break;
    case OPT_DOWNGRADE: opt.downgrade = 1; break;
    case OPT_NO_PROGRESS: opt.no_progress = 1; break;
    }
    return 0;
}

/* The progress line, on a terminal only, redrawn four times a second. */
static void draw(void *arg)
{
    struct gf_buf line = GF_BUF_INIT;

    gf_push_progress(arg, &line);
    gf_out_status_fit(&line);
    gf_buf_release(&line);
}

int gf_bundle_push_main(int argc, char **argv);
int gf_bundle_push_main(int argc, char **argv)
{
    struct gf_cli c;
    struct gf_push ps = { 0 };
    struct gf_error err = GF_ERROR_INIT;
    struct gf_tally tally = { { 0 } };
    void *map = MAP_FAILED;
    int rc;

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
    if (!gf_push_safe_dest(opt.dest)) {
        rc = gf_cmd_usage_error(&push_cmd, "--dest must be an absolute path of letters, "
                                "digits and . _ - /");
        goto out;
    }
    if (!opt.pubkey) {
        rc = gf_cmd_usage_error(&push_cmd, "--pubkey is required: nodes get only verified "
                                "bundles");
        goto out;
    }
    if (gf_push_load(c.positional.v[0], opt.pubkey, &ps.m, &map, &ps.size, ps.sum, &err) < 0) {
        gf_error_print(&err);
        rc = GF_EXIT_USAGE;
        goto out;
    }
    ps.data = map;
    if ((rc = gf_cli_hosts(&c, "all")))
        goto out;
    gf_push_begin(&ps, opt.dest);
    ps.exec = &c.exec;
    ps.n = c.hosts.n;
    ps.nodes = gf_xcalloc(ps.n, sizeof(*ps.nodes));
    for (size_t i = 0; i < ps.n; i++) {
        ps.nodes[i].t = &c.targets[i];
        c.targets[i].become = 1; /* preparing and activating need root */
    }
    int64_t t0 = gf_now_ms();
    struct gf_ticker *progress = gf_status_wanted(opt.no_progress)
                                 ? gf_ticker_start(250, draw, &ps) : NULL;
    gf_push_phase(&ps, GF_PUSH_PREP);
    if (!opt.downgrade)
        gf_push_refuse_downgrades(&ps, "use --allow-downgrade");
    if (!strcmp(opt.topology, "chain"))
        gf_push_chain(&ps);
    gf_push_phase(&ps, GF_PUSH_STAR);
    gf_push_phase(&ps, GF_PUSH_ACTIVATE);
    if (progress) {
        gf_ticker_stop(progress);
        gf_out_status(NULL);
    }
    double secs = (double)(gf_now_ms() - t0) / 1000.0;
    uint64_t sent = 0;
    for (size_t i = 0; i < ps.n; i++) {
        struct gf_push_node *p = &ps.nodes[i];
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
    free(ps.nodes);
    free(ps.in);
    free(ps.relay_pub);
    gf_bundle_manifest_free(ps.m);
    gf_error_clear(&err);
    gf_cli_release(&c);
    return rc;
}
