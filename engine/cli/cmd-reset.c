/* cmd-reset.c - `gpuforge reset`: runs the shipped reset.yml (or
 * --playbook) through `gpuforge run` after the user has seen the hosts and
 * typed "reset" on the terminal, or with --yes. --keep-docker and
 * --keep-nvidia keep those stacks. Every other option is run's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#define RESET_USAGE \
    "gpuforge reset [-i INVENTORY] [--yes] [--keep-docker] [--keep-nvidia] [run's options]\n" \
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
    static const char *const rel[] = { "playbooks/reset.yml",
                                       "../share/gpuforge/playbooks/reset.yml" };
    char *exe = gf_cli_exe_dir(), *found = NULL;

    for (size_t i = 0; exe && !found && i < GF_ARRAY_LEN(rel); i++) {
        char *p = gf_xasprintf("%s/%s", exe, rel[i]);
        if (access(p, R_OK) == 0)
            found = p;
        else
            free(p);
    }
    free(exe);
    return found;
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
        rc = gf_cli_run(&gf_cmd_reset, (int)list.n, (char **)list.v, book);
        gf_vec_release(&list, NULL);
        if (rc)
            goto out;
        if (!confirmed()) {
            fprintf(stderr, "gpuforge: not confirmed: nothing was changed\n");
            rc = GF_EXIT_USAGE;
            goto out;
        }
    }
    rc = gf_cli_run(&gf_cmd_reset, (int)args.n, (char **)args.v, book);
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
