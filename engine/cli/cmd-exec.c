/* cmd-exec.c - `gpuforge exec`: run one shell command on every selected
 * host in parallel (Ansible's `ansible PATTERN -a CMD`), output per host. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <getopt.h>
#include <unistd.h>

#include "../modules/module.h"
#include "common.h"

#define EXEC_USAGE \
    "gpuforge exec [-i INVENTORY] PATTERN [options] -- COMMAND [ARGS...]\n" \
    "gpuforge exec [-i INVENTORY] PATTERN [options] -a 'COMMAND'\n" \
    "gpuforge exec [-i INVENTORY] PATTERN [options] -m MODULE [-a 'k=v ...']\n" \
    "\n" \
    "Runs COMMAND through the remote user's shell on every host PATTERN selects, in\n" \
    "parallel, and prints each host's result whole: 'HOST | CHANGED | rc=0 >>' (or\n" \
    "FAILED, UNREACHABLE!) followed by its stdout and stderr.\n" \
    "\n" \
    "With -m, runs one module instead (Ansible's ad-hoc 'ansible PATTERN -m MODULE -a\n" \
    "ARGS'): arguments are templated with each host's inventory variables, and each\n" \
    "host's result prints as 'HOST | CHANGED => {json}' (SUCCESS, FAILED!, SKIPPED).\n" \
    "\n" \
    "  -m, --module-name NAME  run module NAME (copy, file, shell, ...) with -a's arguments\n" \
    "  -C, --check             with -m: change nothing, report what would change\n" \
    "  -D, --diff              with -m: show the differences a module makes\n" \
    "  -i, --inventory SRC     inventory file, directory or 'host1,host2,' (repeatable;\n" \
    "                          default: ansible.cfg's inventory)\n" \
    "  -l, --limit PATTERN     further limit the selected hosts\n" \
    "  -f, --forks N           hosts in parallel (default 50)\n" \
    "  -c, --connection C      ssh (default) or local, when the inventory sets none\n" \
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
    const struct gf_module *mod; /* -m */
    struct gf_val *mod_args;     /* parsed -a, not templated */
    atomic_size_t tally[5];
};

/* Options only exec has. */
#define EXEC_CHECK 0x1u
#define EXEC_DIFF 0x2u
static const char *module_name;

static const struct option exec_opts[] = {
    { "module-name", required_argument, NULL, 'm' },
    { "check", no_argument, NULL, 'C' },
    { "diff", no_argument, NULL, 'D' },
    { NULL, 0, NULL, 0 },
};

static int exec_extra(struct gf_cli *c, int o, const char *arg)
{
    switch (o) {
    case 'm': module_name = arg; break;
    case 'C': c->extra |= EXEC_CHECK; break;
    case 'D': c->extra |= EXEC_DIFF; break;
    }
    return 0;
}

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

/* Prints one host's module result the way Ansible's ad-hoc output does. */
static void print_module_result(struct job *j, const char *host, const struct gf_modres *res,
                                enum gf_status st, const char *msg)
{
    struct gf_buf line = GF_BUF_INIT;
    const char *name = j->mod->name;
    int cmdlike = !strcmp(name, "command") || !strcmp(name, "shell") || !strcmp(name, "raw");

    if (j->c->json) {
        struct gf_val *o = gf_val_map();
        gf_val_map_set(o, "host", gf_val_str(host));
        gf_val_map_set(o, "status", gf_val_str(gf_status_name(st)));
        if (res)
            gf_val_map_set(o, "result", gf_modres_dict(res));
        if (msg)
            gf_val_map_set(o, "msg", gf_val_str(msg));
        gf_json_dump(o, -1, 0, &line);
        gf_buf_addc(&line, '\n');
        gf_val_unref(o);
    } else if (res == NULL) {
        gf_buf_addf(&line, "%s | %s! => {\n    \"changed\": false,\n    \"msg\": ", host,
                    st == GF_ST_FAILED ? "FAILED" : "UNREACHABLE");
        gf_json_str(msg ? msg : "", msg ? strlen(msg) : 0, &line);
        gf_buf_addf(&line, ",\n    \"%s\": true\n}\n",
                    st == GF_ST_FAILED ? "failed" : "unreachable");
    } else {
        const char *state = res->failed ? "FAILED" : res->skipped ? "SKIPPED"
                            : res->changed ? "CHANGED" : "SUCCESS";
        if (res->diff.len)
            gf_buf_add(&line, res->diff.buf, res->diff.len);
        if (cmdlike && !res->skipped && gf_val_map_get(res->data, "rc")) {
            const struct gf_val *rcv = gf_val_map_get(res->data, "rc");
            gf_buf_addf(&line, "%s | %s | rc=%lld >>\n", host, state,
                        rcv->type == GF_VAL_INT ? rcv->u.i : -1LL);
            static const char *const keys[] = { "stdout", "stderr", "msg" };
            for (size_t k = 0; k < GF_ARRAY_LEN(keys); k++) {
                const struct gf_val *v = gf_val_map_get(res->data, keys[k]);
                if (v && v->type == GF_VAL_STR)
                    gf_buf_add(&line, v->u.str.s, v->u.str.len);
            }
            gf_buf_addc(&line, '\n');
        } else {
            struct gf_val *d = gf_modres_dict(res);
            gf_buf_addf(&line, "%s | %s%s => ", host, state, res->failed ? "!" : "");
            gf_json_dump(d, 4, GF_JSON_SORT, &line);
            gf_buf_addc(&line, '\n');
            gf_val_unref(d);
        }
    }
    gf_out_write(line.buf, line.len);
    gf_buf_release(&line);
}

static void module_host(size_t i, void *ctx)
{
    struct job *j = ctx;
    struct gf_cli *c = j->c;
    const struct gf_target *t = &c->targets[i];
    struct gf_error err = GF_ERROR_INIT;
    struct gf_session *s = NULL;
    struct gf_val *vars = gf_inventory_host_vars(c->inv, c->hosts.v[i], 1);
    struct gf_val *targs = NULL, *args = NULL;
    struct gf_tpl_scope scope;
    struct gf_modres res;
    struct gf_result r;
    enum gf_status st = GF_ST_OK;
    char cwd[4096];

    gf_modres_init(&res);
    gf_result_init(&r, 4096);
    gf_tpl_scope_map(&scope, vars, NULL);
    if (gf_tpl_template_val(j->mod_args, &scope, NULL, &targs, &err) < 0 ||
        (args = gf_module_check_args(j->mod, targs, &err)) == NULL) {
        struct gf_buf m = GF_BUF_INIT;
        gf_error_format(&err, &m);
        print_module_result(j, t->name, NULL, st = GF_ST_FAILED, m.buf);
        gf_buf_release(&m);
        goto out;
    }
    if (!j->mod->controller_only && (s = gf_session_open(t, &c->exec, &r)) == NULL) {
        st = r.status;
        print_module_result(j, t->name, NULL, st, r.msg);
        goto out;
    }
    struct gf_modctx mc = {
        .host = t->name, .session = s, .target = t, .become = t->become,
        .check = !!(c->extra & EXEC_CHECK), .diff = !!(c->extra & EXEC_DIFF), .scope = &scope,
        .search_dirs = { getcwd(cwd, sizeof(cwd)) ? cwd : ".", NULL },
        .file = "-a", .line = 1, .col = 1, .opts = &c->exec,
    };
    struct gf_val *homes = gf_val_map();
    if (mc.check && !j->mod->supports_check) {
        res.skipped = 1;
        gf_val_map_set(res.data, "msg", gf_val_str("this module does not support check mode"));
    } else {
        gf_exec_trace_module(j->mod->name);
        if (gf_module_expand_paths(&mc, j->mod, args, homes, &res) < 0) {
            /* res says why */
        } else if (j->mod->run(&mc, args, &res) < 0 && !res.failed) {
            gf_modres_fail(&res, "module error");
        }
        gf_exec_trace_module(NULL);
    }
    gf_val_unref(homes);
    if (mc.session != s) { /* the module reconnected (reboot) */
        gf_session_close(s);
        s = mc.session;
    }
    if (res.failed)
        st = gf_val_map_get(res.data, "unreachable") ? GF_ST_UNREACHABLE : GF_ST_FAILED;
    print_module_result(j, t->name, &res, st, NULL);
out:
    atomic_fetch_add(&j->tally[st], 1);
    if (s)
        gf_session_close(s);
    gf_error_clear(&err);
    gf_modres_release(&res);
    gf_result_release(&r);
    gf_val_unref(args);
    gf_val_unref(targs);
    gf_val_unref(vars);
}

static int run_module(struct gf_cli *c, struct job *j)
{
    struct gf_error err = GF_ERROR_INIT;
    struct gf_tally t = { { 0 } };
    int rc, bad = -1;

    if (c->positional.n != 1 || c->dashdash >= 0)
        return gf_cmd_usage_error(&gf_cmd_exec, "with -m give exactly one PATTERN and no '--'");
    j->mod = gf_module_find(module_name);
    if (j->mod == NULL) {
        const char *near = gf_module_suggest(module_name);
        return gf_cmd_usage_error(&gf_cmd_exec, "unknown module '%s'%s%s%s", module_name,
                                  near ? " (did you mean '" : "", near ? near : "",
                                  near ? "'?)" : "");
    }
    if (gf_parse_kv(c->args ? c->args : "", j->mod, &j->mod_args, &bad, &err) < 0) {
        rc = gf_cmd_usage_error(&gf_cmd_exec, "-a: %s at offset %d", err.msg, bad);
        gf_error_clear(&err);
        return rc;
    }
    if ((rc = gf_cli_hosts(c, c->positional.v[0])) == 0) {
        j->c = c;
        gf_parallel(c->hosts.n, c->exec.forks, module_host, j);
        for (int i = 0; i < 5; i++)
            t.n[i] = atomic_load(&j->tally[i]);
        rc = gf_tally_exit(&t);
    }
    gf_val_unref(j->mod_args);
    return rc;
}

static int cmd_exec(int argc, char **argv)
{
    struct gf_cli c;
    struct job j = { 0 };
    struct gf_tally t = { { 0 } };
    struct gf_buf cmd = GF_BUF_INIT;
    int rc;

    module_name = NULL;
    if ((rc = gf_cli_parse(&c, &gf_cmd_exec, argc, argv, exec_opts, exec_extra)))
        goto out;
    if (module_name) {
        rc = run_module(&c, &j);
        goto out;
    }
    if (c.extra) {
        rc = gf_cmd_usage_error(&gf_cmd_exec, "--check and --diff need -m MODULE");
        goto out;
    }
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
