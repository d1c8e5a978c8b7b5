/* cmd-run.c - `gpuforge run`: ansible-playbook's command line over the
 * playbook layer. Playbooks are loaded and checked whole before any host is
 * contacted; a problem in them is an error at file:line:col and exit 4. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../playbook/playbook.h"
#include "../playbook/report.h"
#include "common.h"

#define RUN_USAGE \
    "gpuforge run [-i INVENTORY] [options] PLAYBOOK...\n" \
    "\n" \
    "Runs Ansible-syntax playbooks over SSH with nothing but sshd, a POSIX shell and\n" \
    "coreutils on the nodes. Output follows ansible-playbook's (task lines, PLAY RECAP).\n" \
    "\n" \
    "  -i, --inventory SRC     inventory file, directory or 'host1,host2,' (repeatable;\n" \
    "                          default: ansible.cfg's inventory)\n" \
    "  -e, --extra-vars VARS   'k=v k2=v2', a JSON/YAML mapping, or @FILE (repeatable)\n" \
    "  -l, --limit PATTERN     further limit the hosts of every play\n" \
    "  -t, --tags TAGS         only tasks with these tags (comma-separated)\n" \
    "      --skip-tags TAGS    skip tasks with these tags\n" \
    "  -C, --check             change nothing; report what would change\n" \
    "  -D, --diff              show the differences file changes make\n" \
    "  -f, --forks N           hosts in parallel (default 50)\n" \
    "  -c, --connection C      ssh (default) or local, when the inventory sets none\n" \
    "  -u, --user USER         remote user when the inventory sets none\n" \
    "      --private-key FILE  key file when the inventory sets none\n" \
    "  -k, --ask-pass          ask for the SSH password (or GPUFORGE_PASSWORD)\n" \
    "  -b, --become            run every task with sudo\n" \
    "      --become-user USER  sudo to USER (default root)\n" \
    "  -K, --ask-become-pass   ask for the sudo password (or GPUFORGE_BECOME_PASSWORD)\n" \
    "  -T, --timeout SECS      connect timeout (default 10)\n" \
    "      --command-timeout S stop waiting for one command after S seconds\n" \
    "      --known-hosts FILE  known_hosts file (default: inventory's, else ~/.ssh/known_hosts)\n" \
    "      --accept-new        record unknown host keys (changed keys always fail)\n" \
    "      --list-hosts        list the hosts of each play and exit\n" \
    "      --list-tasks        list the tasks of each play and exit\n" \
    "      --syntax-check      load and check the playbooks, run nothing\n" \
    "      --start-at-task N   start at the task named N\n" \
    "      --step              confirm each task on the terminal\n" \
    "      --retry-file FILE   write the failed and unreachable hosts to FILE\n" \
    "      --json              one JSON event per line instead of text\n" \
    "      --report FILE.html  write a self-contained HTML report of the run\n" \
    "      --no-progress       no live progress line (shown only on a terminal)\n" \
    "  -v, --verbose           more output (-v results, -vvv connection details)\n" \
    "\n" \
    "exit: 0 all ok, 2 a task failed on a host, 3 a host unreachable or refused,\n" \
    "      4 bad usage, inventory or playbook (nothing was run), 5 no host matched\n"

enum {
    OPT_SKIP_TAGS = 2000, /* above the common options (common.c) */
    OPT_LIST_HOSTS,
    OPT_LIST_TASKS,
    OPT_SYNTAX,
    OPT_START_AT,
    OPT_STEP,
    OPT_RETRY,
    OPT_REPORT,
    OPT_NO_PROGRESS,
};

static const struct option run_opts[] = {
    { "extra-vars", required_argument, NULL, 'e' },
    { "tags", required_argument, NULL, 't' },
    { "skip-tags", required_argument, NULL, OPT_SKIP_TAGS },
    { "check", no_argument, NULL, 'C' },
    { "diff", no_argument, NULL, 'D' },
    { "list-hosts", no_argument, NULL, OPT_LIST_HOSTS },
    { "list-tasks", no_argument, NULL, OPT_LIST_TASKS },
    { "syntax-check", no_argument, NULL, OPT_SYNTAX },
    { "start-at-task", required_argument, NULL, OPT_START_AT },
    { "step", no_argument, NULL, OPT_STEP },
    { "retry-file", required_argument, NULL, OPT_RETRY },
    { "report", required_argument, NULL, OPT_REPORT },
    { "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
    { NULL, 0, NULL, 0 },
};

static struct {
    struct gf_run_opts ro;
    struct gf_vec extra;  /* const char *: -e arguments in order */
    int syntax;
    const char *report;   /* --report FILE */
} st;

static void add_tags(struct gf_vec *v, const char *s)
{
    char *copy = gf_xstrdup(s);

    for (char *p = copy, *save = NULL, *t; (t = strtok_r(p, ",", &save)); p = NULL) {
        while (*t == ' ')
            t++;
        if (*t)
            gf_vec_push(v, gf_xstrdup(t));
    }
    free(copy);
}

static int run_extra(struct gf_cli *c, int o, const char *arg)
{
    (void)c;
    switch (o) {
    case 'e': gf_vec_push(&st.extra, (void *)arg); break;
    case 't': add_tags(&st.ro.tags, arg); break;
    case OPT_SKIP_TAGS: add_tags(&st.ro.skip_tags, arg); break;
    case 'C': st.ro.check = 1; break;
    case 'D': st.ro.diff = 1; break;
    case OPT_LIST_HOSTS: st.ro.list_hosts = 1; break;
    case OPT_LIST_TASKS: st.ro.list_tasks = 1; break;
    case OPT_SYNTAX: st.syntax = 1; break;
    case OPT_START_AT: st.ro.start_at_task = arg; break;
    case OPT_STEP: st.ro.step = 1; break;
    case OPT_RETRY: st.ro.retry_file = arg; break;
    case OPT_REPORT: st.report = arg; break;
    case OPT_NO_PROGRESS: st.ro.no_progress = 1; break;
    }
    return 0;
}

/* -e arguments merged in order: @file, a YAML/JSON mapping, or k=v words. */
static int load_extra_vars(struct gf_val **out)
{
    struct gf_val *all = gf_val_map();
    struct gf_error err = GF_ERROR_INIT;

    for (size_t i = 0; i < st.extra.n; i++) {
        const char *a = st.extra.v[i];
        struct gf_val *m = NULL;
        int rc;
        while (*a == ' ')
            a++;
        if (a[0] == '@')
            rc = gf_yaml_load_file(a + 1, &m, &err);
        else if (a[0] == '{' || a[0] == '[')
            rc = gf_yaml_load(a, strlen(a), "-e", &m, &err);
        else
            rc = gf_parse_kv(a, NULL, &m, NULL, &err);
        if (rc == 0 && m && m->type != GF_VAL_MAP)
            rc = gf_error_set(&err, GF_EPARSE, a[0] == '@' ? a + 1 : "-e", 0, 0,
                              "extra vars must be a mapping, not %s", gf_val_typename(m));
        if (rc == 0 && m && gf_val_map_get(m, "_raw_params"))
            rc = gf_error_set(&err, GF_EPARSE, "-e", 0, 0, "extra vars '%s': expected k=v "
                              "words, a mapping or @file", a);
        if (rc < 0) {
            gf_error_print(&err);
            gf_error_clear(&err);
            gf_val_unref(m);
            gf_val_unref(all);
            return GF_EXIT_USAGE;
        }
        struct gf_val *merged = gf_val_map_merge(all, m);
        gf_val_unref(all);
        gf_val_unref(m);
        all = merged;
    }
    *out = all;
    return 0;
}

/* ansible.cfg's retry_files_enabled: PLAYBOOK.retry (without .yml) in
 * retry_files_save_path or beside the playbook, as Ansible names it; NULL
 * when not enabled. */
static char *retry_file(const struct gf_ansiblecfg *cfg, const struct gf_playbook *pb)
{
    if (!cfg->retry_files_enabled)
        return NULL;
    const char *base = strrchr(pb->path, '/') ? strrchr(pb->path, '/') + 1 : pb->path;
    const char *dot = strrchr(base, '.');
    const char *dir = cfg->set[GF_CFG_RETRY_FILES_SAVE_PATH].text;
    return gf_xasprintf("%s/%.*s.retry", dir ? dir : pb->dir,
                        (int)(dot && dot != base ? (size_t)(dot - base) : strlen(base)), base);
}

/* The command line as the report shows it: extra vars may carry secrets
 * (a token given with -e), so their values are left out. */
static char *shown_cmdline(const struct gf_cmd *cmd, int argc, char **argv)
{
    struct gf_buf b = GF_BUF_INIT;

    gf_buf_addf(&b, "gpuforge %s", cmd->name);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-e") || !strcmp(a, "--extra-vars")) {
            gf_buf_addf(&b, " %s (hidden)", a);
            i++;
        } else if (!strncmp(a, "-e", 2) || !strncmp(a, "--extra-vars=", 13)) {
            gf_buf_adds(&b, a[1] == 'e' ? " -e(hidden)" : " --extra-vars=(hidden)");
        } else if (*a && strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                       "0123456789_./=:,@%+-") == strlen(a)) {
            gf_buf_addf(&b, " %s", a);
        } else {
            gf_buf_addc(&b, ' ');
            gf_sh_quote(&b, a);
        }
    }
    return gf_buf_detach(&b, NULL);
}

/* --report: the run's report, written whatever the outcome */
static void write_report(const struct gf_cmd *cmd, int argc, char **argv, int rc)
{
    struct gf_error err = GF_ERROR_INIT;
    char *line = shown_cmdline(cmd, argc, argv);

    if (gf_report_write(st.ro.report, st.report, line, rc, &err) < 0) {
        gf_error_print(&err);
        gf_error_clear(&err);
    }
    free(line);
}

int gf_cli_run(const struct gf_cmd *cmd, int argc, char **argv, const char *book)
{
    struct gf_cli c;
    struct gf_vec books = GF_VEC_INIT;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_val *extra = NULL;
    int rc;

    memset(&st, 0, sizeof(st));
    if ((rc = gf_cli_parse(&c, cmd, argc, argv, run_opts, run_extra)))
        goto out;
    if (book && c.positional.n) {
        rc = gf_cmd_usage_error(cmd, "unexpected argument '%s' (%s runs %s)",
                                (const char *)c.positional.v[0], cmd->name, book);
        goto out;
    }
    if (book)
        gf_vec_push(&c.positional, (void *)book);
    if (c.positional.n == 0 || c.dashdash >= 0) {
        rc = gf_cmd_usage_error(cmd, "give at least one PLAYBOOK");
        goto out;
    }
    if (c.args) {
        rc = gf_cmd_usage_error(cmd, "-a is for 'gpuforge exec'");
        goto out;
    }
    if ((rc = load_extra_vars(&extra)))
        goto out;
    char *exe = gf_cli_exe_dir();
    gf_playbook_set_exe_dir(exe);
    free(exe);
    gf_playbook_set_roles_path(&c.cfg.roles_path);
    for (size_t i = 0; i < c.positional.n; i++) {
        struct gf_playbook *pb = NULL;
        if (gf_playbook_load(c.positional.v[i], extra, &pb, &err) < 0) {
            gf_error_print(&err);
            rc = GF_EXIT_USAGE;
            goto out;
        }
        gf_vec_push(&books, pb);
    }
    /* --syntax-check makes every static check a run makes, with the
     * inventory's variables when one is given, and reaches no host */
    if (st.syntax) {
        c.inv = gf_inventory_new();
        for (size_t i = 0; i < c.inventories.n; i++)
            if (gf_inventory_load(c.inv, c.inventories.v[i], &err) < 0) {
                gf_error_print(&err);
                rc = GF_EXIT_USAGE;
                goto out;
            }
    } else if ((rc = gf_cli_hosts(&c, "all"))) {
        goto out;
    }
    for (size_t i = 0; i < books.n; i++) {
        struct gf_playbook *pb = books.v[i];
        if (gf_inventory_load_var_dir(c.inv, pb->dir, &err) < 0 ||
            gf_playbook_check(pb, c.inv, extra, &err) < 0) {
            gf_error_print(&err);
            rc = GF_EXIT_USAGE;
            goto out;
        }
    }
    if (st.syntax) {
        for (size_t i = 0; i < books.n; i++)
            printf("\nplaybook: %s\n", ((struct gf_playbook *)books.v[i])->path);
        rc = GF_EXIT_OK;
        goto out;
    }
    st.ro.exec = &c.exec;
    st.ro.extra_vars = extra;
    st.ro.limit = c.limit;
    st.ro.json = c.json;
    if (st.report)
        st.ro.report = gf_report_new();
    st.ro.gathering = c.cfg.gathering == GF_GATHER_EXPLICIT ? 1
                      : c.cfg.gathering == GF_GATHER_SMART ? 2 : 0;
    for (size_t i = 0; i < books.n; i++) {
        struct gf_run_opts ro = st.ro;
        char *retry = retry_file(&c.cfg, books.v[i]);
        if (ro.retry_file == NULL)
            ro.retry_file = retry;
        int r = gf_playbook_run(books.v[i], c.inv, &ro);
        free(retry);
        if (r == GF_EXIT_UNREACHABLE || (r && rc != GF_EXIT_UNREACHABLE))
            rc = r;
    }
    if (st.ro.report)
        write_report(cmd, argc, argv, rc);
out:
    gf_report_free(st.ro.report);
    for (size_t i = 0; i < books.n; i++)
        gf_playbook_free(books.v[i]);
    gf_vec_release(&books, NULL);
    gf_vec_release(&st.ro.tags, free);
    gf_vec_release(&st.ro.skip_tags, free);
    gf_vec_release(&st.extra, NULL);
    gf_val_unref(extra);
    gf_error_clear(&err);
    gf_cli_release(&c);
    return rc;
}

static int cmd_run(int argc, char **argv)
{
    return gf_cli_run(&gf_cmd_run, argc, argv, NULL);
}

const struct gf_cmd gf_cmd_run = {
    .name = "run",
    .summary = "run playbooks against an inventory (ansible-playbook)",
    .usage = RUN_USAGE,
    .exec = cmd_run,
    .implemented = 1,
};
