/* cmd-ping.c - `gpuforge ping`: connect, authenticate and run a trivial
 * command on every selected host in parallel; one line per host. */
#include <getopt.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../modules/nodesh.h"
#include "common.h"

#define PING_USAGE \
    "gpuforge ping [-i INVENTORY] [PATTERN] [options]\n" \
    "\n" \
    "Connects to every host PATTERN selects (default: all), authenticates and runs a\n" \
    "trivial command. One line per host: 'ok' with the command's round-trip time, or\n" \
    "UNREACHABLE, AUTH FAILED, HOSTKEY CHANGED or FAILED with the reason.\n" \
    "\n" \
    "  -i, --inventory SRC     inventory file, directory or 'host1,host2,' (repeatable;\n" \
    "                          default: ansible.cfg's inventory)\n" \
    "  -l, --limit PATTERN     further limit the selected hosts\n" \
    "  -f, --forks N           hosts in parallel (default 50)\n" \
    "  -c, --connection C      ssh (default) or local, when the inventory sets none\n" \
    "  -u, --user USER         remote user when the inventory sets none\n" \
    "      --private-key FILE  key file when the inventory sets none\n" \
    "  -k, --ask-pass          ask for the SSH password (or GPUFORGE_PASSWORD)\n" \
    "  -b, --become            also prove that sudo works\n" \
    "      --become-user USER  sudo to USER (default root)\n" \
    "  -K, --ask-become-pass   ask for the sudo password (or GPUFORGE_BECOME_PASSWORD)\n" \
    "      --gpu               report GPUs (nvidia-smi when present, else PCI devices)\n" \
    "  -T, --timeout SECS      connect timeout (default 10)\n" \
    "      --known-hosts FILE  known_hosts file (default: inventory's, else ~/.ssh/known_hosts)\n" \
    "      --accept-new        record unknown host keys (changed keys always fail)\n" \
    "      --json              one JSON object per host instead of text\n" \
    "  -v, --verbose           more diagnostics on stderr\n" \
    "\n" \
    "exit: 0 all ok, 2 a command or sudo failed, 3 a host unreachable or refused,\n" \
    "      4 bad usage or inventory, 5 no host matched\n"

struct ping {
    struct gf_cli *c;
    int gpu;
    atomic_size_t tally[5];
};

#define PING_GPU 1u

static int ping_extra(struct gf_cli *c, int opt, const char *arg)
{
    (void)arg;
    if (opt != 'G')
        return GF_EXIT_USAGE;
    c->extra |= PING_GPU;
    return 0;
}

/* The body of section name in the output of the GPU probe
 * (engine/modules/sh/gpu.sh: "@@GF name" lines, each followed by its
 * lines); NULL when absent. Its length goes to len. */
static const char *gpu_section(const char *out, const char *name, size_t *len)
{
    char head[32];
    const char *p = out, *e;

    snprintf(head, sizeof head, "@@GF %s\n", name);
    while (p && !gf_startswith(p, head)) {
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    if (!p)
        return NULL;
    p += strlen(head);
    e = p;
    while (*e && !gf_startswith(e, "@@GF ")) {
        const char *nl = strchr(e, '\n');
        e = nl ? nl + 1 : e + strlen(e);
    }
    *len = (size_t)(e - p);
    return p;
}

/* Summarises the GPU probe's output into b: the GPUs nvidia-smi lists
 * (their count, the first one's name and driver), else the NVIDIA
 * (vendor 0x10de) display devices on the PCI bus. */
static void gpu_summary(const char *out, struct gf_buf *b)
{
    size_t slen = 0, plen = 0, elen;
    const char *smi = gpu_section(out, "nvsmi", &slen);
    const char *pci = gpu_section(out, "pci", &plen);
    int n = 0;

    if (!smi || !pci || !gpu_section(out, "end", &elen)) {
        gf_buf_adds(b, "gpus: unknown");
        return;
    }
    if (slen == 0) {
        /* slot|class|vendor|...: count vendor 0x10de */
        for (const char *p = pci; p < pci + plen;) {
            const char *e = memchr(p, '\n', (size_t)(pci + plen - p));
            const char *v = memchr(p, '|', (size_t)((e ? e : pci + plen) - p));
            v = v ? memchr(v + 1, '|', (size_t)((e ? e : pci + plen) - v - 1)) : NULL;
            if (v && strncmp(v + 1, "0x10de|", 7) == 0)
                n++;
            p = e ? e + 1 : pci + plen;
        }
        gf_buf_addf(b, "gpus: %d%s", n, n ? " NVIDIA PCI device(s), no nvidia-smi" : "");
        return;
    }
    /* bus id, name, driver version, memory, uuid */
    const char *first = NULL;
    size_t flen = 0;
    for (const char *p = smi; p < smi + slen;) {
        const char *e = memchr(p, '\n', (size_t)(smi + slen - p));
        size_t len = (size_t)((e ? e : smi + slen) - p);
        if (len) {
            if (n == 0)
                first = p, flen = len;
            n++;
        }
        p += len + (e != NULL);
    }
    gf_buf_addf(b, "gpus: %d", n);
    if (first) {
        /* "name, driver": the second and third fields */
        const char *nm = memchr(first, ',', flen), *end;
        nm = nm ? nm + 1 : first;
        while (*nm == ' ')
            nm++;
        end = memchr(nm, ',', (size_t)(first + flen - nm));
        end = end ? memchr(end + 1, ',', (size_t)(first + flen - end - 1)) : NULL;
        if (!end)
            end = first + flen;
        gf_buf_addf(b, " x %.*s", (int)(end - nm), nm);
    }
}

static void ping_host(size_t i, void *ctx)
{
    struct ping *p = ctx;
    struct gf_cli *c = p->c;
    const struct gf_target *t = &c->targets[i];
    struct gf_result r;
    struct gf_buf line = GF_BUF_INIT, extra = GF_BUF_INIT;
    double rtt = 0, conn = 0, first = 0;

    gf_result_init(&r, 65536);
    struct gf_session *s = gf_session_open(t, &c->exec, &r);
    if (s) {
        conn = gf_session_connect_ms(s);
        /* The first command also pays sshd's session set-up on the node
         * (PAM, logind); the second one shows the round trip itself. */
        int64_t t0 = gf_now_us();
        gf_session_run(s, "true", NULL, 0, 0, &r);
        first = (double)(gf_now_us() - t0) / 1000.0;
        if (r.status == GF_ST_OK) {
            gf_result_release(&r);
            gf_result_init(&r, 65536);
            t0 = gf_now_us();
            gf_session_run(s, "true", NULL, 0, 0, &r);
            rtt = (double)(gf_now_us() - t0) / 1000.0;
        }
        if (r.status == GF_ST_OK && t->become) {
            gf_result_release(&r);
            gf_result_init(&r, 65536);
            gf_session_run(s, "id -un", NULL, 0, 1, &r);
            if (r.status == GF_ST_OK) {
                size_t n = strcspn(r.out.buf, "\n");
                gf_buf_addf(&extra, " | become %.*s ok", (int)n, r.out.buf);
            }
        }
        if (r.status == GF_ST_OK && p->gpu) {
            gf_result_release(&r);
            gf_result_init(&r, 65536);
            /* the probe setup's hardware facts use, then "@@GF end" */
            struct gf_buf probe = GF_BUF_INIT;
            gf_nodesh_add(&probe, "gpu");
            gf_nodesh_add(&probe, "setup_end");
            gf_session_run(s, probe.buf, NULL, 0, 0, &r);
            gf_buf_release(&probe);
            if (r.status == GF_ST_OK) {
                gf_buf_adds(&extra, " | ");
                gpu_summary(r.out.buf, &extra);
            }
        }
        gf_session_close(s);
    }
    if (r.status == GF_ST_FAILED && r.msg == NULL)
        r.msg = gf_xasprintf("rc=%d: %.200s", r.rc, r.err.len ? r.err.buf : r.out.buf);
    if (c->json) {
        struct gf_val *o = gf_val_map();
        gf_val_map_set(o, "host", gf_val_str(t->name));
        gf_val_map_set(o, "status", gf_val_str(gf_status_name(r.status)));
        if (r.status == GF_ST_OK) {
            gf_val_map_set(o, "rtt_ms", gf_val_float(rtt));
            gf_val_map_set(o, "connect_ms", gf_val_float(conn));
            gf_val_map_set(o, "first_command_ms", gf_val_float(first));
        } else {
            gf_val_map_set(o, "msg", gf_val_str(r.msg ? r.msg : ""));
        }
        gf_json_dump(o, -1, 0, &line);
        gf_buf_addc(&line, '\n');
        gf_val_unref(o);
    } else if (r.status == GF_ST_OK) {
        gf_buf_addf(&line, "%s | ok | rtt %.1f ms (connect %.1f ms, first command %.1f ms)%s\n",
                    t->name, rtt, conn, first, extra.buf);
    } else {
        gf_buf_addf(&line, "%s | %s | %s\n", t->name, gf_status_name(r.status),
                    r.msg ? r.msg : "");
    }
    gf_out_write(line.buf, line.len);
    atomic_fetch_add(&p->tally[r.status], 1);
    gf_buf_release(&line);
    gf_buf_release(&extra);
    gf_result_release(&r);
}

static int cmd_ping(int argc, char **argv)
{
    static const struct option extra[] = { { "gpu", no_argument, NULL, 'G' }, { 0, 0, 0, 0 } };
    struct gf_cli c;
    struct ping p = { 0 };
    struct gf_tally t = { { 0 } };
    int rc;

    if ((rc = gf_cli_parse(&c, &gf_cmd_ping, argc, argv, extra, ping_extra)))
        goto out;
    p.gpu = (c.extra & PING_GPU) != 0;
    if (c.positional.n > 1) {
        rc = gf_cmd_usage_error(&gf_cmd_ping, "one PATTERN at most, got '%s' too",
                                (const char *)c.positional.v[1]);
        goto out;
    }
    if ((rc = gf_cli_hosts(&c, c.positional.n ? c.positional.v[0] : "all")))
        goto out;
    p.c = &c;
    int64_t t0 = gf_now_ms();
    gf_parallel(c.hosts.n, c.exec.forks, ping_host, &p);
    for (int i = 0; i < 5; i++)
        t.n[i] = atomic_load(&p.tally[i]);
    if (!c.json)
        fprintf(stderr, "ping: %zu ok, %zu unreachable, %zu auth failed, %zu host key refused, "
                "%zu failed of %zu hosts in %.1f s\n", t.n[GF_ST_OK], t.n[GF_ST_UNREACHABLE],
                t.n[GF_ST_AUTH], t.n[GF_ST_HOSTKEY], t.n[GF_ST_FAILED], c.hosts.n,
                (double)(gf_now_ms() - t0) / 1000.0);
    rc = gf_tally_exit(&t);
out:
    gf_cli_release(&c);
    return rc;
}

const struct gf_cmd gf_cmd_ping = {
    .name = "ping",
    .summary = "check that every host is reachable, authenticates (and sudo works)",
    .usage = PING_USAGE,
    .exec = cmd_ping,
    .implemented = 1,
};
