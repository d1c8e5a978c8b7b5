/* cmd-exec.c - `gpuforge exec`: run one shell command on every selected
 * host in parallel (Ansible's `ansible PATTERN -a CMD`), output per host. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define EXEC_USAGE \
    "gpuforge exec -i INVENTORY PATTERN [options] -- COMMAND [ARGS...]\n" \
    "gpuforge exec -i INVENTORY PATTERN [options] -a 'COMMAND'\n" \
    "\n" \
    "Runs COMMAND through the remote user's shell on every host PATTERN selects, in\n" \
    "parallel, and prints each host's result whole: 'HOST | CHANGED | rc=0 >>' (or\n" \
    "FAILED, UNREACHABLE!) followed by its stdout and stderr.\n" \
    "\n" \
    "  -i, --inventory SRC     inventory file, directory or 'host1,host2,' (repeatable)\n" \
    "  -l, --limit PATTERN     further limit the selected hosts\n" \
    "  -f, --forks N           hosts in parallel (default 50)\n" \
    "  -u, --user USER         remote user when the inventory sets none\n" \
    "      --private-key FILE  key file when the inventory sets none\n" \
    "  -k, --ask-pass          ask for the SSH password (or GPUFORGE_PASSWORD)\n" \
    "  -b, --become            run COMMAND with sudo\n" \
    "      --become-user USER  sudo to USER (default root)\n" \
    "  -K, --ask-become-pass   ask for the sudo password (or GPUFORGE_BECOME_PASSWORD)\n" \
    "  -T, --timeout SECS      connect timeout (default 10)\n" \
    "      --command-timeout S stop waiting for COMMAND after S seconds (default: none)\n" \
    "      --output-cap BYTES  keep at most BYTES of each stream per host (default 1 MiB)\n" \
    "      --known-hosts FILE  known_hosts file (default: inventory's, else ~/.ssh/known_hosts)\n" \
    "      --accept-new        record unknown host keys (changed keys always fail)\n" \
    "      --json              one JSON object per host instead of text\n" \
    "  -v, --verbose           more diagnostics on stderr\n" \
    "\n" \
    "exit: 0 all ok, 2 the command failed on a host, 3 a host unreachable or refused,\n" \
    "      4 bad usage or inventory, 5 no host matched\n"

struct job {
    struct gf_cli *c;
    const char *cmd;
    atomic_size_t tally[5];
};

static void add_text(struct gf_buf *b, const struct gf_buf *s)
{
    gf_buf_add(b, s->buf, s->len);
    if (s->len && s->buf[s->len - 1] != '\n')
        gf_buf_addc(b, '\n');
    if (s->truncated)
        gf_buf_adds(b, "[output truncated at --output-cap]\n");
}

static void exec_host(size_t i, void *ctx)
{
    struct job *j = ctx;
    struct gf_cli *c = j->c;
    const struct gf_target *t = &c->targets[i];
    struct gf_result r;
    struct gf_buf line = GF_BUF_INIT;

    gf_result_init(&r, c->exec.output_cap);
    struct gf_session *s = gf_session_open(t, &c->exec, &r);
    if (s) {
        gf_session_run(s, j->cmd, NULL, 0, t->become, &r);
        gf_session_close(s);
    }
    if (c->json) {
        struct gf_val *o = gf_val_map();
        gf_val_map_set(o, "host", gf_val_str(t->name));
        gf_val_map_set(o, "status", gf_val_str(gf_status_name(r.status)));
        gf_val_map_set(o, "rc", gf_val_int(r.rc));
        gf_val_map_set(o, "stdout", gf_val_strn(r.out.buf, r.out.len));
        gf_val_map_set(o, "stderr", gf_val_strn(r.err.buf, r.err.len));
        gf_val_map_set(o, "duration_ms", gf_val_float((double)r.dur_us / 1000.0));
        if (r.msg)
            gf_val_map_set(o, "msg", gf_val_str(r.msg));
        gf_json_dump(o, -1, 0, &line);
        gf_buf_addc(&line, '\n');
        gf_val_unref(o);
    } else if (r.status == GF_ST_OK || (r.status == GF_ST_FAILED && r.rc >= 0 && !r.msg)) {
        gf_buf_addf(&line, "%s | %s | rc=%d >>\n", t->name,
                    r.status == GF_ST_OK ? "CHANGED" : "FAILED", r.rc);
        add_text(&line, &r.out);
        add_text(&line, &r.err);
    } else {
        gf_buf_addf(&line, "%s | %s! => %s\n", t->name,
                    r.status == GF_ST_FAILED ? "FAILED" : gf_status_name(r.status),
                    r.msg ? r.msg : "");
        add_text(&line, &r.out);
        add_text(&line, &r.err);
    }
    gf_out_write(line.buf, line.len);
    atomic_fetch_add(&j->tally[r.status], 1);
    gf_buf_release(&line);
    gf_result_release(&r);
}

static int cmd_exec(int argc, char **argv)
{
    struct gf_cli c;
    struct job j = { 0 };
    struct gf_tally t = { { 0 } };
    struct gf_buf cmd = GF_BUF_INIT;
    int rc;

    if ((rc = gf_cli_parse(&c, &gf_cmd_exec, argc, argv, NULL, NULL)))
        goto out;
    size_t npat = c.dashdash >= 0 ? (size_t)c.dashdash : c.positional.n;
    if (npat != 1) {
        rc = gf_cmd_usage_error(&gf_cmd_exec, "exactly one PATTERN is needed before '--'");
        goto out;
    }
    if (c.args && c.dashdash >= 0) {
        rc = gf_cmd_usage_error(&gf_cmd_exec, "give the command with -a or after '--', not both");
        goto out;
    }
    if (c.args) {
        gf_buf_adds(&cmd, c.args);
    } else {
        /* words after "--" are joined as the shell would see them typed */
        for (size_t i = (size_t)(c.dashdash >= 0 ? c.dashdash : 1); i < c.positional.n; i++)
            gf_buf_addf(&cmd, "%s%s", cmd.len ? " " : "", (const char *)c.positional.v[i]);
    }
    if (cmd.len == 0) {
        rc = gf_cmd_usage_error(&gf_cmd_exec, "no COMMAND given");
        goto out;
    }
    if ((rc = gf_cli_hosts(&c, c.positional.v[0])))
        goto out;
    j.c = &c;
    j.cmd = cmd.buf;
    gf_parallel(c.hosts.n, c.exec.forks, exec_host, &j);
    for (int i = 0; i < 5; i++)
        t.n[i] = atomic_load(&j.tally[i]);
    rc = gf_tally_exit(&t);
out:
    gf_buf_release(&cmd);
    gf_cli_release(&c);
    return rc;
}

const struct gf_cmd gf_cmd_exec = {
    .name = "exec",
    .summary = "run a shell command on hosts in parallel (ansible -a)",
    .usage = EXEC_USAGE,
    .exec = cmd_exec,
    .implemented = 1,
};
