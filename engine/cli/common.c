/* common.c - shared options of the host-reaching commands over the
 * defaults ansible.cfg gives, loading of inventories and targets, and the
 * exit code of a set of results. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

enum {
    OPT_PRIVATE_KEY = 1000,
    OPT_BECOME_USER,
    OPT_KNOWN_HOSTS,
    OPT_ACCEPT_NEW,
    OPT_COMMAND_TIMEOUT,
    OPT_OUTPUT_CAP,
    OPT_JSON,
};

static const struct option common_opts[] = {
    { "inventory", required_argument, NULL, 'i' },
    { "limit", required_argument, NULL, 'l' },
    { "forks", required_argument, NULL, 'f' },
    { "connection", required_argument, NULL, 'c' },
    { "user", required_argument, NULL, 'u' },
    { "private-key", required_argument, NULL, OPT_PRIVATE_KEY },
    { "key-file", required_argument, NULL, OPT_PRIVATE_KEY },
    { "ask-pass", no_argument, NULL, 'k' },
    { "become", no_argument, NULL, 'b' },
    { "become-user", required_argument, NULL, OPT_BECOME_USER },
    { "ask-become-pass", no_argument, NULL, 'K' },
    { "timeout", required_argument, NULL, 'T' },
    { "command-timeout", required_argument, NULL, OPT_COMMAND_TIMEOUT },
    { "known-hosts", required_argument, NULL, OPT_KNOWN_HOSTS },
    { "accept-new", no_argument, NULL, OPT_ACCEPT_NEW },
    { "output-cap", required_argument, NULL, OPT_OUTPUT_CAP },
    { "json", no_argument, NULL, OPT_JSON },
    { "args", required_argument, NULL, 'a' },
    { "verbose", no_argument, NULL, 'v' },
};

static int parse_int(const struct gf_cmd *cmd, const char *opt, const char *s, long min, long max,
                     long *out)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end || v < min || v > max)
        return gf_cmd_usage_error(cmd, "%s: '%s' is not a number in %ld..%ld", opt, s, min, max);
    *out = v;
    return 0;
}

/* Takes a secret from the environment or the terminal. */
static char *secret(const char *env, const char *prompt)
{
    const char *e = getenv(env);

    if (e && *e)
        return gf_xstrdup(e);
    return gf_read_secret(prompt);
}

/* ansible.cfg and the environment under the command line. */
static int load_config(struct gf_cli *c, int *ask_pass, int *ask_become)
{
    struct gf_ansiblecfg *cfg = &c->cfg;
    struct gf_error err = GF_ERROR_INIT;

    if (gf_ansiblecfg_load(cfg, &err) < 0) {
        gf_error_print(&err);
        gf_error_clear(&err);
        return GF_EXIT_USAGE;
    }
    if (cfg->forks)
        c->exec.forks = cfg->forks;
    if (cfg->timeout)
        c->exec.connect_timeout = cfg->timeout;
    c->exec.port = cfg->remote_port;
    c->exec.user = cfg->set[GF_CFG_REMOTE_USER].text;
    c->exec.key_file = cfg->set[GF_CFG_PRIVATE_KEY_FILE].text;
    c->exec.become = cfg->become;
    c->exec.become_user = cfg->set[GF_CFG_BECOME_USER].text;
    if (!cfg->host_key_checking)
        c->exec.hostkey_policy = GF_HOSTKEY_ACCEPT_NEW;
    *ask_pass = cfg->ask_pass;
    *ask_become = cfg->become_ask_pass;
    return 0;
}

/* What the configuration did: its warnings always, the rest with -v. */
static void report_config(const struct gf_cli *c, int accept_new_given)
{
    const struct gf_ansiblecfg *cfg = &c->cfg;

    for (size_t i = 0; i < cfg->warnings.n; i++)
        gf_warn("%s", (const char *)cfg->warnings.v[i]);
    if (!cfg->host_key_checking && !accept_new_given)
        gf_warn("host_key_checking = False (%s): gpuforge records unknown host keys "
                "(--accept-new) but still refuses a changed one",
                cfg->set[GF_CFG_HOST_KEY_CHECKING].origin);
    if (gf_verbosity < 1)
        return;
    if (cfg->path == NULL)
        gf_log(1, "No config file found; using defaults");
    for (size_t i = 0; i < cfg->notes.n; i++)
        gf_log(1, "%s", (const char *)cfg->notes.v[i]);
}

int gf_cli_parse(struct gf_cli *c, const struct gf_cmd *cmd, int argc, char **argv,
                 const struct option *extra, int (*on_extra)(struct gf_cli *, int, const char *))
{
    struct option opts[64];
    char shortopts[64] = "+i:l:f:c:u:kbKT:a:v";
    size_t n = 0;
    long v;
    int rc, ask_pass = 0, ask_become = 0, accept_new = 0;

    memset(c, 0, sizeof(*c));
    gf_exec_opts_init(&c->exec);
    c->dashdash = -1;
    if ((rc = load_config(c, &ask_pass, &ask_become)))
        return rc;
    for (size_t i = 0; i < GF_ARRAY_LEN(common_opts); i++)
        opts[n++] = common_opts[i];
    for (; extra && extra->name && n < GF_ARRAY_LEN(opts) - 1; extra++) {
        opts[n++] = *extra;
        /* a command's own short options: entries whose val is a letter */
        size_t len = strlen(shortopts);
        if (extra->flag == NULL && extra->val > ' ' && extra->val < 127 &&
            len + 3 < sizeof(shortopts)) {
            shortopts[len++] = (char)extra->val;
            if (extra->has_arg == required_argument)
                shortopts[len++] = ':';
            shortopts[len] = '\0';
        }
    }
    memset(&opts[n], 0, sizeof(opts[n]));

    optind = 1;
    opterr = 0;
    for (;;) {
        int longidx = -1;
        int o = getopt_long(argc, argv, shortopts, opts, &longidx);
        if (o == -1) {
            if (optind >= argc)
                break;
            if (strcmp(argv[optind - 1], "--") == 0 && c->dashdash < 0) {
                c->dashdash = (int)c->positional.n;
                for (; optind < argc; optind++)
                    gf_vec_push(&c->positional, argv[optind]);
                break;
            }
            gf_vec_push(&c->positional, argv[optind++]); /* operand; keep parsing options */
            continue;
        }
        switch (o) {
        case 'i': gf_vec_push(&c->inventories, optarg); break;
        case 'l': c->limit = optarg; break;
        case 'f':
            if ((rc = parse_int(cmd, "--forks", optarg, 1, 10000, &v)))
                return rc;
            c->exec.forks = (int)v;
            break;
        case 'c':
            if (strcmp(optarg, "ssh") && strcmp(optarg, "local") && strcmp(optarg, "smart"))
                return gf_cmd_usage_error(cmd, "--connection '%s': ssh or local", optarg);
            c->exec.connection = optarg;
            break;
        case 'u': c->exec.user = optarg; break;
        case OPT_PRIVATE_KEY: c->exec.key_file = optarg; break;
        case 'k': ask_pass = 1; break;
        case 'b': c->exec.become = 1; break;
        case OPT_BECOME_USER: c->exec.become_user = optarg; break;
        case 'K': ask_become = 1; break;
        case 'T':
            if ((rc = parse_int(cmd, "--timeout", optarg, 1, 3600, &v)))
                return rc;
            c->exec.connect_timeout = (int)v;
            break;
        case OPT_COMMAND_TIMEOUT:
            if ((rc = parse_int(cmd, "--command-timeout", optarg, 0, 864000, &v)))
                return rc;
            c->exec.command_timeout = (int)v;
            break;
        case OPT_KNOWN_HOSTS: c->exec.known_hosts = optarg; break;
        case OPT_ACCEPT_NEW:
            c->exec.hostkey_policy = GF_HOSTKEY_ACCEPT_NEW;
            accept_new = 1;
            break;
        case OPT_OUTPUT_CAP:
            if ((rc = parse_int(cmd, "--output-cap", optarg, 1024, 1L << 30, &v)))
                return rc;
            c->exec.output_cap = (size_t)v;
            break;
        case OPT_JSON: c->json = 1; break;
        case 'a': c->args = optarg; break;
        case 'v': gf_verbosity++; break;
        case '?':
            if (optopt)
                return gf_cmd_usage_error(cmd, "option '-%c' is unknown or needs a value", optopt);
            return gf_cmd_usage_error(cmd, "option '%s' is unknown or needs a value",
                                      argv[optind - 1]);
        default:
            if (on_extra && (rc = on_extra(c, o, optarg)))
                return rc;
            break;
        }
    }
    report_config(c, accept_new);
    if (ask_pass) {
        c->exec.password = secret("GPUFORGE_PASSWORD", "SSH password: ");
        if (c->exec.password == NULL)
            return gf_cmd_usage_error(cmd, "--ask-pass (or ask_pass in ansible.cfg) needs a "
                                      "terminal or GPUFORGE_PASSWORD");
    } else if (getenv("GPUFORGE_PASSWORD") && *getenv("GPUFORGE_PASSWORD")) {
        c->exec.password = gf_xstrdup(getenv("GPUFORGE_PASSWORD"));
    }
    if (ask_become) {
        c->exec.become_password = secret("GPUFORGE_BECOME_PASSWORD", "BECOME password: ");
        if (c->exec.become_password == NULL)
            return gf_cmd_usage_error(cmd, "--ask-become-pass (or become_ask_pass in "
                                      "ansible.cfg) needs a terminal or "
                                      "GPUFORGE_BECOME_PASSWORD");
    } else if (getenv("GPUFORGE_BECOME_PASSWORD") && *getenv("GPUFORGE_BECOME_PASSWORD")) {
        c->exec.become_password = gf_xstrdup(getenv("GPUFORGE_BECOME_PASSWORD"));
    }
    return 0;
}

int gf_cli_hosts(struct gf_cli *c, const char *pattern)
{
    struct gf_error err = GF_ERROR_INIT;
    int rc = 0;

    if (c->inventories.n == 0) {
        const char *env = getenv("GPUFORGE_INVENTORY");
        if (env && *env) {
            gf_vec_push(&c->inventories, (void *)env);
        } else if (c->cfg.inventory.n) {
            for (size_t i = 0; i < c->cfg.inventory.n; i++)
                gf_vec_push(&c->inventories, c->cfg.inventory.v[i]);
        } else if (access("/etc/ansible/hosts", F_OK) == 0) {
            gf_vec_push(&c->inventories, (void *)"/etc/ansible/hosts"); /* Ansible's default */
        } else {
            fprintf(stderr, "gpuforge: no inventory given: use -i INVENTORY, or set "
                    "inventory in ansible.cfg\n");
            return GF_EXIT_USAGE;
        }
    }
    c->inv = gf_inventory_new();
    for (size_t i = 0; i < c->inventories.n; i++)
        if (gf_inventory_load(c->inv, c->inventories.v[i], &err) < 0)
            goto usage;
    if (gf_inventory_match(c->inv, pattern, &c->hosts, &err) < 0)
        goto usage;
    if (c->limit) {
        struct gf_vec lim = GF_VEC_INIT, keep = GF_VEC_INIT;
        if (gf_inventory_match(c->inv, c->limit, &lim, &err) < 0) {
            gf_vec_release(&lim, NULL);
            goto usage;
        }
        char *in = gf_xcalloc(c->inv->order.n + 1, 1);
        for (size_t i = 0; i < lim.n; i++)
            in[((struct gf_host *)lim.v[i])->index] = 1;
        for (size_t i = 0; i < c->hosts.n; i++)
            if (in[((struct gf_host *)c->hosts.v[i])->index])
                gf_vec_push(&keep, c->hosts.v[i]);
        free(in);
        gf_vec_release(&lim, NULL);
        gf_vec_release(&c->hosts, NULL);
        c->hosts = keep;
    }
    if (c->hosts.n == 0) {
        fprintf(stderr, "gpuforge: no hosts matched '%s'%s%s\n", pattern,
                c->limit ? " with --limit " : "", c->limit ? c->limit : "");
        return GF_EXIT_NOHOSTS;
    }
    c->targets = gf_xcalloc(c->hosts.n, sizeof(*c->targets));
    for (size_t i = 0; i < c->hosts.n; i++) {
        struct gf_host *h = c->hosts.v[i];
        struct gf_val *vars = gf_inventory_host_vars(c->inv, h, 1);
        rc = gf_target_from_vars(&c->targets[i], h->name, vars, &c->exec, &err);
        gf_val_unref(vars);
        if (rc < 0)
            goto usage;
    }
    return 0;
usage:
    gf_error_print(&err);
    gf_error_clear(&err);
    return GF_EXIT_USAGE;
}

void gf_cli_release(struct gf_cli *c)
{
    gf_ansiblecfg_release(&c->cfg);
    if (c->targets)
        for (size_t i = 0; i < c->hosts.n; i++)
            gf_target_release(&c->targets[i]);
    free(c->targets);
    gf_vec_release(&c->hosts, NULL);
    gf_vec_release(&c->inventories, NULL);
    gf_vec_release(&c->positional, NULL);
    if (c->inv)
        gf_inventory_free(c->inv);
    if (c->exec.password)
        gf_free_secret(c->exec.password, strlen(c->exec.password));
    if (c->exec.become_password)
        gf_free_secret(c->exec.become_password, strlen(c->exec.become_password));
}

int gf_tally_exit(const struct gf_tally *t)
{
    if (t->n[GF_ST_UNREACHABLE] || t->n[GF_ST_AUTH] || t->n[GF_ST_HOSTKEY])
        return GF_EXIT_UNREACHABLE;
    if (t->n[GF_ST_FAILED])
        return GF_EXIT_FAILED;
    return GF_EXIT_OK;
}

int gf_cmd_usage_error(const struct gf_cmd *cmd, const char *fmt, ...)
{
    va_list ap;

    fputs("gpuforge: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: %s", cmd->usage);
    return GF_EXIT_USAGE;
}

char *gf_cli_exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    char *s = strrchr(buf, '/');
    if (s == NULL)
        return NULL;
    *s = '\0';
    return gf_xstrdup(buf);
}
