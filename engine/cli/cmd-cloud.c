/* cmd-cloud.c - `gpuforge cloud up|down|status|validate|debug`: provisions
 * a cluster's machines through a plugin (engine/cloud, docs/cloud-plugins.md)
 * and writes the inventory the other commands take, with known_hosts made
 * from host keys the controller generated. The state directory records an
 * intent before every create, so `up` resumes and `down` cleans up after a
 * crash. */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cloud/cloud.h"
#include "cli.h"
#include "common.h"

#define CLOUD_USAGE \
    "gpuforge cloud (up | down | status | validate | debug NODE) -c CLUSTER.yml [options]\n" \
    "\n" \
    "Provisions the machines a cluster spec names through the plugin gpuforge-cloud-NAME\n" \
    "(docs/cloud-plugins.md), then writes an inventory for 'gpuforge run'.\n" \
    "\n" \
    "  validate             check the spec and ask the plugin; creates nothing\n" \
    "  up                   create what is missing (resumes after a crash), wait for SSH,\n" \
    "                       write STATE/inventory.yml and STATE/known_hosts\n" \
    "  status               the cluster's machines as the provider lists them\n" \
    "  down                 destroy every machine carrying the cluster's tag, then the state\n" \
    "  debug NODE           the node's console output, as the plugin gets it\n" \
    "\n" \
    "  -c, --cluster FILE   the cluster spec (required)\n" \
    "      --state DIR      state directory (default: beside the spec, NAME.state)\n" \
    "      --wait SECONDS   how long 'up' waits for SSH on every node (default 900; 0: no wait)\n" \
    "  -v, --verbose        more output\n" \
    "\n" \
    "Then: gpuforge run -i STATE/inventory.yml playbooks/site.yml\n" \
    "exit: 0 ok, 2 the provider or a node failed, 4 bad spec or usage\n"

enum { OPT_STATE = 2000, OPT_WAIT };

static const struct option opts[] = {
    { "cluster", required_argument, NULL, 'c' },
    { "state", required_argument, NULL, OPT_STATE },
    { "wait", required_argument, NULL, OPT_WAIT },
    { "verbose", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 },
};

struct cloud {
    struct gf_cloud_spec spec;
    struct gf_cloud_plugin plugin;
    struct gf_cloud_state st;
    int wait_s;
};

/* Prints a plugin failure; one that names a spec field points into the
 * spec. Returns the exit code: 4 for a bad spec, else 2. */
static int report(struct cloud *c, int rc, const struct gf_cloud_perr *pe, struct gf_error *err)
{
    if (rc == -GF_EFAIL && pe->code) {
        int line = 0, col = 0;
        if (pe->field && gf_cloud_spec_pos(&c->spec, pe->field, &line, &col)) {
            struct gf_error e = GF_ERROR_INIT;
            gf_error_set(&e, GF_EINVAL, c->spec.path, line, col, "%s: %s (plugin '%s', %s)",
                         pe->field, pe->message, c->plugin.name, pe->code);
            gf_error_print(&e);
            gf_error_clear(&e);
        } else {
            gf_error_print(err);
        }
        return strcmp(pe->code, "invalid_spec") == 0 ? GF_EXIT_USAGE : GF_EXIT_FAILED;
    }
    gf_error_print(err);
    return rc == -GF_EPARSE || rc == -GF_EIO || rc == -GF_ETIMEOUT ? GF_EXIT_FAILED
                                                                   : gf_errexit(-rc);
}

/* One plugin call; on failure prints and returns an exit code (> 0). */
static int call(struct cloud *c, const char *op, struct gf_val *req, struct gf_val **resp)
{
    struct gf_cloud_perr pe;
    struct gf_error err = GF_ERROR_INIT;
    int rc = gf_cloud_call(&c->plugin, op, req, resp, &pe, &err);

    if (rc < 0)
        rc = report(c, rc, &pe, &err);
    gf_cloud_perr_release(&pe);
    gf_error_clear(&err);
    return rc;
}

static struct gf_val *validate_request(struct cloud *c)
{
    struct gf_val *req = gf_cloud_request(&c->spec), *nodes = gf_val_list();

    for (size_t i = 0; i < c->spec.nodes.n; i++)
        gf_val_list_push(nodes, gf_cloud_node_request(&c->spec, c->spec.nodes.v[i]));
    gf_val_map_set(req, "nodes", nodes);
    return req;
}

/* version, then validate: the plugin speaks our protocol and takes the spec. */
static int check(struct cloud *c)
{
    struct gf_val *req = gf_cloud_request(&c->spec), *resp = NULL;
    int rc = call(c, "version", req, &resp);

    gf_val_unref(req);
    if (rc)
        return rc;
    const struct gf_val *ver = gf_val_map_get(resp, "version");
    gf_log(1, "cloud plugin %s (%s) version %s", c->plugin.name, c->plugin.path,
           ver && ver->type == GF_VAL_STR ? ver->u.str.s : "?");
    gf_val_unref(resp);
    resp = NULL;
    req = validate_request(c);
    rc = call(c, "validate", req, &resp);
    gf_val_unref(req);
    gf_val_unref(resp);
    return rc;
}

/* The instances carrying the cluster's tag. *resp keeps them alive. */
static int list(struct cloud *c, struct gf_val **resp, const struct gf_val **insts)
{
    struct gf_val *req = gf_cloud_request(&c->spec);
    int rc = call(c, "list", req, resp);

    gf_val_unref(req);
    if (rc)
        return rc;
    *insts = gf_val_map_get(*resp, "instances");
    if (*insts == NULL || (*insts)->type != GF_VAL_LIST) {
        fprintf(stderr, "gpuforge: cloud plugin '%s': list: 'instances' must be a list\n",
                c->plugin.name);
        return GF_EXIT_FAILED;
    }
    for (size_t i = 0; i < (*insts)->u.list.n; i++) {
        struct gf_cloud_inst in;
        struct gf_error err = GF_ERROR_INIT;
        if (gf_cloud_inst_read((*insts)->u.list.v[i], &in, &err) < 0) {
            gf_error_print(&err);
            gf_error_clear(&err);
            return GF_EXIT_FAILED;
        }
    }
    return 0;
}

static int gone(const char *state)
{
    return strcmp(state, "terminated") == 0 || strcmp(state, "shutting-down") == 0 ||
           strcmp(state, "deleted") == 0;
}

/* 1 when an instance in state runs or is on its way. */
static int live(const char *state)
{
    return strcmp(state, "running") == 0 || strcmp(state, "pending") == 0;
}

/* The live instance named name in the list (the one state knows first). */
static int find_inst(const struct gf_val *insts, const char *name, const char *prefer_id,
                     struct gf_cloud_inst *out)
{
    int found = 0;

    for (size_t i = 0; i < insts->u.list.n; i++) {
        struct gf_cloud_inst in;
        gf_cloud_inst_read(insts->u.list.v[i], &in, NULL);
        if (strcmp(in.name, name) != 0 || gone(in.state))
            continue;
        if (!found || (prefer_id && strcmp(in.id, prefer_id) == 0))
            *out = in;
        found = 1;
    }
    return found;
}

static int save(struct cloud *c)
{
    struct gf_error err = GF_ERROR_INIT;

    if (gf_cloud_state_save(&c->st, &err) < 0) {
        gf_error_print(&err);
        gf_error_clear(&err);
        return GF_EXIT_INTERNAL;
    }
    return 0;
}

static void set_str(char **dst, const char *s)
{
    free(*dst);
    *dst = s ? gf_xstrdup(s) : NULL;
}

/* Creates node n (an intent record first) unless it exists already. */
static int create_node(struct cloud *c, const struct gf_cloud_node *n, const struct gf_val *insts,
                       const char *user_pub)
{
    struct gf_cloud_snode *sn = gf_cloud_state_node(&c->st, n->name);
    struct gf_cloud_inst in;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_buf ud = GF_BUF_INIT;
    struct gf_val *req = NULL, *resp = NULL;
    char *hpriv = NULL, *hpub = NULL, *hdir = NULL, *hname = NULL;
    int rc = 0;

    int found = find_inst(insts, n->name, sn ? sn->id : NULL, &in);
    if (found) {
        if (sn == NULL || sn->st != GF_CLOUD_CREATED || !gf_streq(sn->id, in.id)) {
            /* made by an `up` that stopped before it could record the answer;
             * its token is derived the same way */
            sn = gf_cloud_state_intent(&c->st, c->spec.name, n->name, 0);
            set_str(&sn->id, in.id);
            sn->st = GF_CLOUD_CREATED;
        }
        set_str(&sn->address, in.address);
        if (live(in.state)) {
            printf("%-28s exists (%s)\n", n->name, in.id);
            return save(c);
        }
        /* stopped: the same create again, which answers it running */
        printf("%-28s %s: starting it (%s)\n", n->name, in.state, in.id);
        sn->st = GF_CLOUD_INTENT;
    } else {
        /* a recorded instance the provider no longer has is made anew, under a new token */
        sn = gf_cloud_state_intent(&c->st, c->spec.name, n->name,
                                   sn && sn->st == GF_CLOUD_CREATED);
    }
    if ((rc = save(c)))
        goto out;
    hdir = gf_xasprintf("%s/hostkeys", c->spec.state_dir);
    hname = gf_xasprintf("%s_ed25519", n->name);
    if ((mkdir(hdir, 0700) < 0 && errno != EEXIST) ||
        gf_cloud_key_ensure(hdir, hname, n->name, &hpriv, &hpub, &err) < 0 ||
        gf_cloud_user_data(&c->spec, n, user_pub, hpriv, hpub, &ud, &err) < 0) {
        if (err.code == 0)
            gf_error_set(&err, GF_EIO, hdir, 0, 0, "cannot create: %s", strerror(errno));
        gf_error_print(&err);
        rc = GF_EXIT_USAGE;
        goto out;
    }
    req = gf_cloud_request(&c->spec);
    gf_val_map_set(req, "token", gf_val_str(sn->token));
    gf_val_map_set(req, "node", gf_cloud_node_request(&c->spec, n));
    gf_val_map_set(req, "user_data", gf_val_strn(ud.buf, ud.len));
    gf_val_map_set(req, "host_key", gf_val_str(hpub));
    printf("%-28s creating (%s)\n", n->name, n->instance_type);
    fflush(stdout);
    if ((rc = call(c, "create", req, &resp)))
        goto out;
    if (gf_cloud_inst_read(gf_val_map_get(resp, "instance"), &in, &err) < 0) {
        gf_error_print(&err);
        rc = GF_EXIT_FAILED;
        goto out;
    }
    set_str(&sn->id, in.id);
    set_str(&sn->address, in.address);
    sn->st = GF_CLOUD_CREATED;
    rc = save(c);
out:
    gf_val_unref(req);
    gf_val_unref(resp);
    gf_buf_release_secret(&ud);
    if (hpriv)
        gf_free_secret(hpriv, strlen(hpriv));
    free(hpub);
    free(hdir);
    free(hname);
    gf_error_clear(&err);
    return rc;
}

/* Single-quotes s for the inventory's ssh argument string when needed. */
static void quote_arg(struct gf_buf *b, const char *s)
{
    if (strpbrk(s, " \t'\"\\") == NULL) {
        gf_buf_adds(b, s);
        return;
    }
    gf_buf_addc(b, '\'');
    for (; *s; s++)
        if (*s == '\'')
            gf_buf_adds(b, "'\\''");
        else
            gf_buf_addc(b, *s);
    gf_buf_addc(b, '\'');
}

/* known_hosts from the host keys we made, and the inventory. */
static int write_outputs(struct cloud *c)
{
    struct gf_buf kh = GF_BUF_INIT, inv = GF_BUF_INIT, args = GF_BUF_INIT;
    struct gf_val *root = gf_val_map(), *all = gf_val_map(), *vars = gf_val_map();
    struct gf_val *children = gf_val_map(), *groups[2] = { gf_val_map(), gf_val_map() };
    struct gf_error err = GF_ERROR_INIT;
    char *khpath = gf_xasprintf("%s/known_hosts", c->spec.state_dir);
    char *invpath = gf_xasprintf("%s/inventory.yml", c->spec.state_dir);
    char *keypath = gf_xasprintf("%s/id_ed25519", c->spec.state_dir);
    int rc = 0;

    for (size_t i = 0; i < c->spec.nodes.n; i++) {
        const struct gf_cloud_node *n = c->spec.nodes.v[i];
        struct gf_cloud_snode *sn = gf_cloud_state_node(&c->st, n->name);
        char *pubpath = gf_xasprintf("%s/hostkeys/%s_ed25519.pub", c->spec.state_dir, n->name);
        struct gf_buf pub = GF_BUF_INIT;
        if (sn == NULL || sn->address == NULL) {
            fprintf(stderr, "gpuforge: cloud: node '%s' has no address\n", n->name);
            rc = GF_EXIT_FAILED;
        } else if (gf_read_file(pubpath, &pub, 4096, &err) < 0) {
            gf_error_print(&err);
            rc = GF_EXIT_INTERNAL;
        } else {
            /* "ssh-ed25519 KEY comment": the first two fields */
            struct gf_vec w = GF_VEC_INIT;
            gf_shlex_split(pub.buf, &w);
            if (w.n >= 2)
                gf_buf_addf(&kh, "%s,%s %s %s\n", n->name, sn->address, (char *)w.v[0],
                            (char *)w.v[1]);
            gf_vec_release(&w, free);
            struct gf_val *h = gf_val_map();
            gf_val_map_set(h, "ansible_host", gf_val_str(sn->address));
            gf_val_map_set(h, "has_gpu", gf_val_bool(n->has_gpu));
            if (n->pool)
                gf_val_map_set(h, "pool", gf_val_str(n->pool));
            struct gf_val *g = groups[strcmp(n->role, "master") == 0 ? 0 : 1];
            gf_val_map_set(g, n->name, h);
        }
        gf_buf_release(&pub);
        free(pubpath);
    }
    if (rc)
        goto out;
    gf_buf_adds(&args, "-o UserKnownHostsFile=");
    quote_arg(&args, khpath);
    gf_buf_adds(&args, " -o StrictHostKeyChecking=yes");
    gf_val_map_set(vars, "ansible_user", gf_val_str(c->spec.user));
    gf_val_map_set(vars, "ansible_ssh_private_key_file", gf_val_str(keypath));
    gf_val_map_set(vars, "ansible_ssh_common_args", gf_val_strn(args.buf, args.len));
    gf_val_map_set(vars, "ansible_become", gf_val_bool(1));
    static const char *const gnames[] = { "master", "worker" };
    for (int i = 0; i < 2; i++) {
        struct gf_val *g = gf_val_map();
        gf_val_map_set(g, "hosts", gf_val_ref(groups[i]));
        gf_val_map_set(children, gnames[i], g);
    }
    gf_val_map_set(all, "vars", gf_val_ref(vars));
    gf_val_map_set(all, "children", gf_val_ref(children));
    gf_val_map_set(root, "all", gf_val_ref(all));
    gf_buf_addf(&inv, "# written by 'gpuforge cloud up' for cluster '%s' (plugin %s); "
                "rewritten on every up\n", c->spec.name, c->plugin.name);
    gf_json_dump(root, 2, 0, &inv);
    gf_buf_addc(&inv, '\n');
    if (gf_cloud_write_file(khpath, kh.buf, kh.len, 0644, &err) < 0 ||
        gf_cloud_write_file(invpath, inv.buf, inv.len, 0644, &err) < 0) {
        gf_error_print(&err);
        rc = GF_EXIT_INTERNAL;
    }
out:
    for (int i = 0; i < 2; i++)
        gf_val_unref(groups[i]);
    gf_val_unref(vars);
    gf_val_unref(children);
    gf_val_unref(all);
    gf_val_unref(root);
    gf_buf_release(&kh);
    gf_buf_release(&inv);
    gf_buf_release(&args);
    gf_error_clear(&err);
    free(khpath);
    free(invpath);
    free(keypath);
    return rc;
}

/* 1 when something accepts TCP connections on addr:22 within ms. */
static int port_open(const char *addr, int ms)
{
    struct sockaddr_in6 a6 = { 0 };
    struct sockaddr_in a4 = { 0 };
    struct sockaddr *sa;
    socklen_t len;
    int fd, ok = 0;

    if (inet_pton(AF_INET, addr, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons(22);
        sa = (struct sockaddr *)&a4;
        len = sizeof(a4);
    } else if (inet_pton(AF_INET6, addr, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons(22);
        sa = (struct sockaddr *)&a6;
        len = sizeof(a6);
    } else {
        return 0;
    }
    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    if (connect(fd, sa, len) == 0) {
        ok = 1;
    } else if (errno == EINPROGRESS) {
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        int e = 0;
        socklen_t el = sizeof(e);
        if (poll(&p, 1, ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0)
            ok = 1;
    }
    close(fd);
    if (!ok)
        usleep((useconds_t)ms * 1000);
    return ok;
}

/* Waits until every node answers on port 22 (its sshd runs our host key). */
static int wait_ssh(struct cloud *c)
{
    int64_t deadline = gf_now_ms() + (int64_t)c->wait_s * 1000;

    for (size_t i = 0; i < c->spec.nodes.n; i++) {
        const struct gf_cloud_node *n = c->spec.nodes.v[i];
        struct gf_cloud_snode *sn = gf_cloud_state_node(&c->st, n->name);
        while (!port_open(sn->address, 2000)) {
            if (gf_now_ms() > deadline) {
                fprintf(stderr, "gpuforge: cloud: node '%s' (%s): no SSH after %d s; "
                        "see 'gpuforge cloud debug %s'\n", n->name, sn->address, c->wait_s,
                        n->name);
                return GF_EXIT_FAILED;
            }
        }
        printf("%-28s ssh up at %s\n", n->name, sn->address);
    }
    return 0;
}

/* Once SSH is up: each node's host key as the provider reports it (a
 * console's cloud-init block, guest attributes) against the key the
 * controller made, through the plugin's host_key operation. The plugin
 * compares and answers "match" or "not_reported", or refuses with
 * host_key_mismatch; a plugin without the operation (unknown_op) cannot
 * tell, and strict checking against known_hosts still guards every login. */
static int check_host_keys(struct cloud *c)
{
    int rc = 0;

    for (size_t i = 0; i < c->spec.nodes.n && rc == 0; i++) {
        const struct gf_cloud_node *n = c->spec.nodes.v[i];
        struct gf_cloud_snode *sn = gf_cloud_state_node(&c->st, n->name);
        char *pubpath = gf_xasprintf("%s/hostkeys/%s_ed25519.pub", c->spec.state_dir, n->name);
        struct gf_buf pub = GF_BUF_INIT;
        struct gf_error err = GF_ERROR_INIT;
        struct gf_cloud_perr pe;
        struct gf_val *req = NULL, *resp = NULL;

        if (gf_read_file(pubpath, &pub, 4096, &err) < 0) {
            gf_error_print(&err);
            rc = GF_EXIT_INTERNAL;
            goto next;
        }
        while (pub.len > 0 && isspace((unsigned char)pub.buf[pub.len - 1]))
            gf_buf_setlen(&pub, pub.len - 1);
        req = gf_cloud_request(&c->spec);
        gf_val_map_set(req, "id", gf_val_str(sn->id));
        gf_val_map_set(req, "name", gf_val_str(n->name));
        gf_val_map_set(req, "host_key", gf_val_str(pub.buf));
        int crc = gf_cloud_call(&c->plugin, "host_key", req, &resp, &pe, &err);
        if (crc == -GF_EFAIL && pe.code && strcmp(pe.code, "unknown_op") == 0) {
            gf_log(1, "cloud plugin %s cannot cross-check host keys", c->plugin.name);
            i = c->spec.nodes.n; /* nor for the other nodes */
        } else if (crc < 0) {
            if (pe.code && strcmp(pe.code, "host_key_mismatch") == 0)
                fprintf(stderr, "gpuforge: cloud: node '%s' (%s): refused: its host key as "
                        "the provider reports it is not the one gpuforge made\n", n->name,
                        sn->id);
            rc = report(c, crc, &pe, &err);
        } else {
            const struct gf_val *r = gf_val_map_get(resp, "host_key");
            const char *what = r && r->type == GF_VAL_STR ? r->u.str.s : "";
            if (strcmp(what, "match") == 0)
                printf("%-28s host key matches the provider's report\n", n->name);
            else if (strcmp(what, "not_reported") == 0)
                printf("%-28s host key not reported by the provider\n", n->name);
            else {
                fprintf(stderr, "gpuforge: cloud plugin '%s': host_key: answer '%s' is "
                        "neither match nor not_reported\n", c->plugin.name, what);
                rc = GF_EXIT_FAILED;
            }
        }
        gf_cloud_perr_release(&pe);
next:
        gf_val_unref(req);
        gf_val_unref(resp);
        gf_buf_release(&pub);
        gf_error_clear(&err);
        free(pubpath);
    }
    return rc;
}

/* Refreshes addresses from a list until every node has one. */
static int wait_addresses(struct cloud *c)
{
    int64_t deadline = gf_now_ms() + (int64_t)(c->wait_s ? c->wait_s : 60) * 1000;

    for (;;) {
        struct gf_val *resp = NULL;
        const struct gf_val *insts = NULL;
        int missing = 0, rc = list(c, &resp, &insts);
        for (size_t i = 0; rc == 0 && i < c->spec.nodes.n; i++) {
            const struct gf_cloud_node *n = c->spec.nodes.v[i];
            struct gf_cloud_snode *sn = gf_cloud_state_node(&c->st, n->name);
            struct gf_cloud_inst in;
            if (find_inst(insts, n->name, sn->id, &in) && gf_streq(in.id, sn->id) &&
                in.address && *in.address)
                set_str(&sn->address, in.address);
            else
                missing++;
        }
        gf_val_unref(resp);
        if (rc || (rc = save(c)))
            return rc;
        if (missing == 0)
            return 0;
        if (gf_now_ms() > deadline) {
            fprintf(stderr, "gpuforge: cloud: %d node(s) still have no address\n", missing);
            return GF_EXIT_FAILED;
        }
        sleep(3);
    }
}

/* Tagged instances up did not make for the spec (left by a larger spec or
 * a duplicate): destroyed, so the cluster converges on the spec. */
static int destroy_strays(struct cloud *c, const struct gf_val *insts)
{
    struct gf_val *ids = gf_val_list();
    int rc = 0;

    for (size_t i = 0; i < insts->u.list.n; i++) {
        struct gf_cloud_inst in;
        gf_cloud_inst_read(insts->u.list.v[i], &in, NULL);
        struct gf_cloud_snode *sn = gf_cloud_state_node(&c->st, in.name);
        if (gone(in.state) || (sn && gf_streq(sn->id, in.id) &&
                               gf_cloud_spec_node(&c->spec, in.name)))
            continue;
        printf("%-28s not in the spec (or a duplicate): destroying %s\n", in.name, in.id);
        gf_val_list_push(ids, gf_val_str(in.id));
    }
    if (ids->u.list.n) {
        struct gf_val *req = gf_cloud_request(&c->spec), *resp = NULL;
        gf_val_map_set(req, "ids", gf_val_ref(ids));
        rc = call(c, "destroy", req, &resp);
        gf_val_unref(req);
        gf_val_unref(resp);
    }
    gf_val_unref(ids);
    return rc;
}

static int state_matches(struct cloud *c)
{
    if (c->st.cluster && (strcmp(c->st.cluster, c->spec.name) != 0 ||
                          strcmp(c->st.plugin, c->spec.plugin) != 0)) {
        fprintf(stderr, "gpuforge: %s: the state directory belongs to cluster '%s' (plugin %s), "
                "not '%s' (plugin %s)\n", c->spec.state_dir, c->st.cluster, c->st.plugin,
                c->spec.name, c->spec.plugin);
        return GF_EXIT_USAGE;
    }
    return 0;
}

static int do_up(struct cloud *c)
{
    struct gf_error err = GF_ERROR_INIT;
    struct gf_val *resp = NULL;
    const struct gf_val *insts = NULL;
    char *upriv = NULL, *upub = NULL, *comment = NULL;
    int rc;

    if ((rc = check(c)) || (rc = state_matches(c)))
        goto out;
    set_str(&c->st.cluster, c->spec.name);
    set_str(&c->st.plugin, c->spec.plugin);
    set_str(&c->st.region, c->spec.region);
    if ((rc = save(c)))
        goto out;
    comment = gf_xasprintf("gpuforge-%s", c->spec.name);
    if (gf_cloud_key_ensure(c->spec.state_dir, "id_ed25519", comment, &upriv, &upub, &err) < 0) {
        gf_error_print(&err);
        rc = GF_EXIT_INTERNAL;
        goto out;
    }
    if ((rc = list(c, &resp, &insts)))
        goto out;
    for (size_t i = 0; i < c->spec.nodes.n; i++)
        if ((rc = create_node(c, c->spec.nodes.v[i], insts, upub)))
            goto out;
    gf_val_unref(resp);
    resp = NULL;
    if ((rc = list(c, &resp, &insts)) || (rc = destroy_strays(c, insts)) ||
        (rc = wait_addresses(c)) || (rc = write_outputs(c)))
        goto out;
    if (c->wait_s > 0 && ((rc = wait_ssh(c)) || (rc = check_host_keys(c))))
        goto out;
    printf("cluster '%s': %zu node(s) up\ninventory: %s/inventory.yml\n", c->spec.name,
           c->spec.nodes.n, c->spec.state_dir);
out:
    gf_val_unref(resp);
    if (upriv)
        gf_free_secret(upriv, strlen(upriv));
    free(upub);
    free(comment);
    gf_error_clear(&err);
    return rc;
}

static int do_status(struct cloud *c)
{
    struct gf_val *resp = NULL;
    const struct gf_val *insts = NULL;
    int rc;

    if ((rc = list(c, &resp, &insts)))
        goto out;
    printf("%-28s %-8s %-12s %-16s %s\n", "NODE", "ROLE", "STATE", "ADDRESS", "ID");
    for (size_t i = 0; i < c->spec.nodes.n; i++) {
        const struct gf_cloud_node *n = c->spec.nodes.v[i];
        struct gf_cloud_snode *sn = gf_cloud_state_node(&c->st, n->name);
        struct gf_cloud_inst in;
        if (find_inst(insts, n->name, sn ? sn->id : NULL, &in))
            printf("%-28s %-8s %-12s %-16s %s\n", n->name, n->pool ? n->pool : n->role,
                   in.state, in.address ? in.address : "-", in.id);
        else
            printf("%-28s %-8s %-12s %-16s %s\n", n->name, n->pool ? n->pool : n->role,
                   sn && sn->st == GF_CLOUD_INTENT ? "intent" : "absent", "-", "-");
    }
    for (size_t i = 0; i < insts->u.list.n; i++) {
        struct gf_cloud_inst in;
        gf_cloud_inst_read(insts->u.list.v[i], &in, NULL);
        if (gf_cloud_spec_node(&c->spec, in.name) == NULL && !gone(in.state))
            printf("%-28s %-8s %-12s %-16s %s (not in the spec)\n", in.name, "-", in.state,
                   in.address ? in.address : "-", in.id);
    }
out:
    gf_val_unref(resp);
    return rc;
}

/* What site.yml's k3s_server role writes beside the inventory (the
 * kubeconfig and the cluster token, k3s_kubeconfig_dest and k3s_token_store
 * by default): they name a cluster that no longer exists once it is down. */
static void remove_site_outputs(const char *dir)
{
    static const char *const globs[] = { "kubeconfig-*.yaml", ".gpuforge-*-token" };
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        for (size_t i = 0; i < GF_ARRAY_LEN(globs); i++) {
            if (fnmatch(globs[i], e->d_name, 0) == 0) {
                char *p = gf_xasprintf("%s/%s", dir, e->d_name);
                unlink(p);
                free(p);
                break;
            }
        }
    }
    closedir(d);
}

/* Removes what `up` wrote in the state directory (and what site.yml wrote
 * there), then the directory. */
static void remove_state(struct cloud *c)
{
    static const char *const files[] = { "state.json", "known_hosts", "inventory.yml",
                                         "id_ed25519", "id_ed25519.pub" };
    char *p;

    remove_site_outputs(c->spec.state_dir);

    for (size_t i = 0; i < c->st.nodes.n; i++) {
        const struct gf_cloud_snode *sn = c->st.nodes.v[i];
        p = gf_xasprintf("%s/hostkeys/%s_ed25519", c->spec.state_dir, sn->name);
        unlink(p);
        free(p);
        p = gf_xasprintf("%s/hostkeys/%s_ed25519.pub", c->spec.state_dir, sn->name);
        unlink(p);
        free(p);
    }
    p = gf_xasprintf("%s/hostkeys", c->spec.state_dir);
    rmdir(p);
    free(p);
    for (size_t i = 0; i < GF_ARRAY_LEN(files); i++) {
        p = gf_xasprintf("%s/%s", c->spec.state_dir, files[i]);
        unlink(p);
        free(p);
    }
    if (rmdir(c->spec.state_dir) < 0 && errno != ENOENT)
        fprintf(stderr, "gpuforge: warning: %s: not removed: %s\n", c->spec.state_dir,
                strerror(errno));
}

static int do_down(struct cloud *c)
{
    struct gf_val *resp = NULL, *req = NULL, *ids = gf_val_list();
    const struct gf_val *insts = NULL;
    int rc;

    if ((rc = state_matches(c)) || (rc = list(c, &resp, &insts)))
        goto out;
    for (size_t i = 0; i < insts->u.list.n; i++) {
        struct gf_cloud_inst in;
        gf_cloud_inst_read(insts->u.list.v[i], &in, NULL);
        if (!gone(in.state))
            gf_val_list_push(ids, gf_val_str(in.id));
    }
    /* recorded ids the tag lookup missed: destroying what is gone succeeds */
    for (size_t i = 0; i < c->st.nodes.n; i++) {
        const struct gf_cloud_snode *sn = c->st.nodes.v[i];
        int listed = 0;
        for (size_t j = 0; sn->id && j < ids->u.list.n; j++)
            listed |= strcmp(((struct gf_val *)ids->u.list.v[j])->u.str.s, sn->id) == 0;
        if (sn->id && !listed)
            gf_val_list_push(ids, gf_val_str(sn->id));
    }
    gf_val_unref(resp);
    resp = NULL;
    if (ids->u.list.n) {
        for (size_t j = 0; j < ids->u.list.n; j++)
            printf("destroying %s\n", ((struct gf_val *)ids->u.list.v[j])->u.str.s);
        req = gf_cloud_request(&c->spec);
        gf_val_map_set(req, "ids", gf_val_ref(ids));
        if ((rc = call(c, "destroy", req, &resp)))
            goto out;
        gf_val_unref(resp);
        resp = NULL;
    }
    /* nothing of the cluster may be left */
    if ((rc = list(c, &resp, &insts)))
        goto out;
    for (size_t i = 0; i < insts->u.list.n; i++) {
        struct gf_cloud_inst in;
        gf_cloud_inst_read(insts->u.list.v[i], &in, NULL);
        if (!gone(in.state)) {
            fprintf(stderr, "gpuforge: cloud: %s (%s) is still %s after destroy\n", in.name,
                    in.id, in.state);
            rc = GF_EXIT_FAILED;
        }
    }
    if (rc == 0) {
        remove_state(c);
        printf("cluster '%s': down\n", c->spec.name);
    }
out:
    gf_val_unref(ids);
    gf_val_unref(req);
    gf_val_unref(resp);
    return rc;
}

static int do_debug(struct cloud *c, const char *node)
{
    struct gf_cloud_snode *sn = gf_cloud_state_node(&c->st, node);
    struct gf_val *req, *resp = NULL;
    int rc;

    if (sn == NULL || sn->id == NULL) {
        fprintf(stderr, "gpuforge: cloud: no node '%s' was created for cluster '%s'\n", node,
                c->spec.name);
        return GF_EXIT_USAGE;
    }
    req = gf_cloud_request(&c->spec);
    gf_val_map_set(req, "id", gf_val_str(sn->id));
    if ((rc = call(c, "debug", req, &resp)) == 0) {
        const struct gf_val *con = gf_val_map_get(resp, "console");
        if (con && con->type == GF_VAL_STR)
            fwrite(con->u.str.s, 1, con->u.str.len, stdout);
        else
            printf("(the plugin has no console output for %s)\n", sn->id);
    }
    gf_val_unref(req);
    gf_val_unref(resp);
    return rc;
}

static int cmd_cloud(int argc, char **argv)
{
    const struct gf_cmd *cmd = &gf_cmd_cloud;
    struct cloud c;
    struct gf_error err = GF_ERROR_INIT;
    const char *spec = NULL, *state = NULL, *sub = NULL, *node = NULL;
    char *exe_dir = NULL;
    int ch, rc = 0;

    memset(&c, 0, sizeof(c));
    c.wait_s = 900;
    if (argc < 2)
        return gf_cmd_usage_error(cmd, "which operation: up, down, status, validate or debug");
    sub = argv[1];
    static const char *const subs[] = { "up", "down", "status", "validate", "debug" };
    int known = 0;
    for (size_t i = 0; i < GF_ARRAY_LEN(subs); i++)
        known |= strcmp(sub, subs[i]) == 0;
    if (!known)
        return gf_cmd_usage_error(cmd, "unknown operation '%s'", sub);
    char **av = argv + 1; /* options after the operation */
    int ac = argc - 1;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(ac, av, ":c:v", opts, NULL)) != -1) {
        switch (ch) {
        case 'c': spec = optarg; break;
        case OPT_STATE: state = optarg; break;
        case OPT_WAIT: {
            char *end;
            long w = strtol(optarg, &end, 10);
            if (*end || w < 0 || w > 86400)
                return gf_cmd_usage_error(cmd, "--wait: '%s' is not a number of seconds",
                                          optarg);
            c.wait_s = (int)w;
            break;
        }
        case 'v': gf_verbosity++; break;
        case ':': return gf_cmd_usage_error(cmd, "option '%s' needs a value", av[optind - 1]);
        default: return gf_cmd_usage_error(cmd, "unknown option '%s'", av[optind - 1]);
        }
    }
    if (strcmp(sub, "debug") == 0) {
        if (optind + 1 != ac)
            return gf_cmd_usage_error(cmd, "debug takes one node name");
        node = av[optind];
    } else if (optind != ac) {
        return gf_cmd_usage_error(cmd, "unexpected argument '%s'", av[optind]);
    }
    if (spec == NULL)
        return gf_cmd_usage_error(cmd, "-c CLUSTER.yml is required");
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress lines in order with the plugins' stderr */
    if (gf_cloud_spec_load(spec, state, &c.spec, &err) < 0) {
        gf_error_print(&err);
        rc = GF_EXIT_USAGE;
        goto out;
    }
    exe_dir = gf_cli_exe_dir();
    if (gf_cloud_plugin_find(c.spec.plugin, exe_dir, &c.plugin, &err) < 0 ||
        gf_cloud_state_load(c.spec.state_dir, &c.st, &err) < 0) {
        gf_error_print(&err);
        rc = GF_EXIT_USAGE;
        goto out;
    }
    if (strcmp(sub, "validate") == 0) {
        if ((rc = check(&c)) == 0)
            printf("%s: ok: %zu node(s) for plugin %s in %s\n", c.spec.path, c.spec.nodes.n,
                   c.spec.plugin, c.spec.region);
    } else if (strcmp(sub, "up") == 0) {
        rc = do_up(&c);
    } else if (strcmp(sub, "down") == 0) {
        rc = do_down(&c);
    } else if (strcmp(sub, "status") == 0) {
        rc = do_status(&c);
    } else {
        rc = do_debug(&c, node);
    }
out:
    gf_cloud_spec_release(&c.spec);
    gf_cloud_plugin_release(&c.plugin);
    gf_cloud_state_release(&c.st);
    gf_error_clear(&err);
    free(exe_dir);
    return rc;
}

const struct gf_cmd gf_cmd_cloud = {
    .name = "cloud",
    .summary = "provision a cluster's machines through a cloud plugin",
    .usage = CLOUD_USAGE,
    .exec = cmd_cloud,
    .implemented = 1,
};
