/* cmd-reset.c - `gpuforge reset`: runs the shipped reset.yml (or
 * --playbook) through `gpuforge run` after the user has seen the hosts and
 * typed "reset" on the terminal, or with --yes. --keep-docker and
 * --keep-nvidia keep those stacks. Every other option is run's. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define RESET_USAGE \
    "gpuforge reset -i INVENTORY [--yes] [--keep-docker] [--keep-nvidia] [run's options]\n" \
    "\n" \
    "Gives the nodes back as they were before playbooks/site.yml: k3s stopped and\n" \
    "uninstalled (its interfaces, mounts and firewall rules, never a flush: SSH stays\n" \
    "up), Docker and the NVIDIA stack purged, gpuforge's kernel settings undone, the\n" \
    "bundles removed. Lists the hosts and asks to type 'reset' first.\n" \
    "\n" \
    "  -y, --yes               do not ask (needed without a terminal)\n" \
    "      --keep-docker       keep Docker and its configuration\n" \
    "      --keep-nvidia       keep the NVIDIA driver and container toolkit\n" \
    "      --playbook FILE     run FILE instead of the shipped playbooks/reset.yml\n" \
    "  -i, -l, -e, -f, -u, -K, -C, -v, --json, ...: as for 'gpuforge run'\n" \
    "\n" \
    "exit: 0 every host reset, 2 failed on a host, 3 a host unreachable,\n" \
    "      4 bad usage, not confirmed, or no terminal to confirm on (nothing was run)\n"

/* The shipped reset.yml: beside the binary (a source tree) or installed
 * under ../share/gpuforge. */
static char *find_playbook(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return NULL;
    *slash = '\0';
    static const char *const rel[] = { "playbooks/reset.yml",
                                       "../share/gpuforge/playbooks/reset.yml" };
    for (size_t i = 0; i < GF_ARRAY_LEN(rel); i++) {
        char *p = gf_xasprintf("%s/%s", exe, rel[i]);
        if (access(p, R_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}

/* Whether run's option opt takes the next argument as its value. */
static int takes_value(const char *opt)
{
    static const char *const longs[] = {
        "--inventory", "--extra-vars", "--limit", "--tags", "--skip-tags", "--forks", "--user",
        "--private-key", "--timeout", "--command-timeout", "--known-hosts", "--become-user",
        "--start-at-task", "--retry-file", NULL,
    };

    if (opt[0] == '-' && opt[1] && opt[1] != '-' && opt[2] == '\0')
        return strchr("ieltfuT", opt[1]) != NULL;
    for (size_t i = 0; longs[i]; i++)
        if (!strcmp(opt, longs[i]))
            return 1;
    return 0;
}

static int confirmed(void)
{
    char line[64];

    fputs("\nThis removes k3s, Docker and the NVIDIA stack installed by gpuforge from the\n"
          "hosts above. Type 'reset' to continue: ", stdout);
    fflush(stdout);
    if (fgets(line, sizeof(line), stdin) == NULL)
        return 0;
    line[strcspn(line, "\r\n")] = '\0';
    return strcmp(line, "reset") == 0;
}

static int cmd_reset(int argc, char **argv)
{
    struct gf_vec args = GF_VEC_INIT;
    int yes = 0, keep_docker = 0, keep_nvidia = 0, rc;
    char *book = NULL;
    const char *given = NULL;

    gf_vec_push(&args, (void *)"run");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--yes") || !strcmp(a, "-y"))
            yes = 1;
        else if (!strcmp(a, "--keep-docker"))
            keep_docker = 1;
        else if (!strcmp(a, "--keep-nvidia"))
            keep_nvidia = 1;
        else if (!strcmp(a, "--playbook") && i + 1 < argc)
            given = argv[++i];
        else if (!strncmp(a, "--playbook=", 11))
            given = a + 11;
        else if (!strcmp(a, "--playbook"))
            return gf_cmd_usage_error(&gf_cmd_reset, "--playbook needs a FILE");
        else if (a[0] != '-' && !(i > 1 && takes_value(argv[i - 1])))
            return gf_cmd_usage_error(&gf_cmd_reset, "unexpected argument '%s' (reset runs "
                                      "reset.yml; --playbook FILE runs another)", a);
        else
            gf_vec_push(&args, (void *)a);
    }
    if (given)
        book = gf_xstrdup(given);
    else if ((book = find_playbook()) == NULL) {
        fprintf(stderr, "gpuforge: cannot find playbooks/reset.yml beside the gpuforge binary "
                "or in ../share/gpuforge; give --playbook FILE\n");
        gf_vec_release(&args, NULL);
        return GF_EXIT_USAGE;
    }
    if (keep_docker) {
        gf_vec_push(&args, (void *)"-e");
        gf_vec_push(&args, (void *)"reset_keep_docker=true");
    }
    if (keep_nvidia) {
        gf_vec_push(&args, (void *)"-e");
        gf_vec_push(&args, (void *)"reset_keep_nvidia=true");
    }
    gf_vec_push(&args, book);
    if (!yes) {
        if (!isatty(STDIN_FILENO)) {
            fprintf(stderr, "gpuforge: reset needs a confirmation and stdin is no terminal; "
                    "pass --yes to reset without asking\n");
            rc = GF_EXIT_USAGE;
            goto out;
        }
        /* the hosts it would touch, as `run --list-hosts` lists them */
        struct gf_vec list = GF_VEC_INIT;
        for (size_t i = 0; i < args.n; i++)
            gf_vec_push(&list, args.v[i]);
        gf_vec_push(&list, (void *)"--list-hosts");
        rc = gf_cmd_run.exec((int)list.n, (char **)list.v);
        gf_vec_release(&list, NULL);
        if (rc)
            goto out;
        if (!confirmed()) {
            fprintf(stderr, "gpuforge: not confirmed: nothing was changed\n");
            rc = GF_EXIT_USAGE;
            goto out;
        }
    }
    rc = gf_cmd_run.exec((int)args.n, (char **)args.v);
out:
    free(book);
    gf_vec_release(&args, NULL);
    return rc;
}

const struct gf_cmd gf_cmd_reset = {
    .name = "reset",
    .summary = "reset nodes to their state before gpuforge (playbooks/reset.yml)",
    .usage = RESET_USAGE,
    .exec = cmd_reset,
    .implemented = 1,
};
