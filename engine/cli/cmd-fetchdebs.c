/* cmd-fetchdebs.c - `gpuforge bundle fetch-debs`: on a connected
 * Debian/Ubuntu machine, the full dependency closure of some packages as
 * .deb files, for nodes that have no repository at all.
 *
 * apt itself resolves the closure, against the dpkg status of the target
 * rather than this machine's: --status FILE is a node's /var/lib/dpkg/status
 * (what is already installed there is not fetched); without it the status
 * is empty and the closure is complete down to the essential packages. The
 * machine's apt lists must be current (run apt-get update first, or pass
 * --update). Nothing on this machine is installed or changed.
 */
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli.h"

extern char **environ;

#define FD_USAGE \
    "gpuforge bundle fetch-debs PKG... -o DIR [--status FILE] [--update]\n" \
    "\n" \
    "Downloads PKG and everything it needs that the target lacks into DIR (new or\n" \
    "empty), for a bundle component's 'debs: {from: DIR}'.\n" \
    "  -o, --output DIR    where the .deb files go\n" \
    "      --status FILE   the target's /var/lib/dpkg/status (default: an empty system)\n" \
    "      --update        run apt-get update first\n"

static const struct gf_cmd fd_cmd = { .name = "bundle fetch-debs", .usage = FD_USAGE };

static int run(char *const argv[])
{
    pid_t pid;
    int st;

    if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0) {
        fprintf(stderr, "gpuforge: cannot run %s: %s\n", argv[0], strerror(errno));
        return -1;
    }
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int empty_dir(const char *d)
{
    DIR *dir = opendir(d);
    struct dirent *e;
    int empty = 1;

    if (dir == NULL)
        return errno == ENOENT ? 1 : 0;
    while ((e = readdir(dir)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = 0;
    closedir(dir);
    return empty;
}

int gf_bundle_fetch_debs_main(int argc, char **argv);
int gf_bundle_fetch_debs_main(int argc, char **argv)
{
    const char *out = NULL, *status = NULL;
    struct gf_vec pkgs = GF_VEC_INIT, av = GF_VEC_INIT;
    int update = 0, rc = GF_EXIT_USAGE;
    char *st_file = NULL, *partial = NULL, *o_status = NULL, *o_arch = NULL;

    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--status") && i + 1 < argc)
            status = argv[++i];
        else if (!strcmp(argv[i], "--update"))
            update = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(FD_USAGE, stdout);
            rc = GF_EXIT_OK;
            goto done;
        } else if (argv[i][0] == '-') {
            rc = gf_cmd_usage_error(&fd_cmd, "unknown option '%s'", argv[i]);
            goto done;
        } else {
            /* a package name as apt takes it: name[:arch][=version] */
            for (const char *p = argv[i]; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                      strchr("+-.:=~", *p))) {
                    rc = gf_cmd_usage_error(&fd_cmd, "'%s' is not a package name", argv[i]);
                    goto done;
                }
            gf_vec_push(&pkgs, argv[i]);
        }
    }
    if (out == NULL || pkgs.n == 0) {
        rc = gf_cmd_usage_error(&fd_cmd, "give packages and -o DIR");
        goto done;
    }
    if (!empty_dir(out)) {
        rc = gf_cmd_usage_error(&fd_cmd, "'%s' exists and is not empty", out);
        goto done;
    }
    if (status && !gf_is_file(status)) {
        rc = gf_cmd_usage_error(&fd_cmd, "status file '%s' not found", status);
        goto done;
    }
    partial = gf_xasprintf("%s/partial", out);
    if ((mkdir(out, 0755) < 0 && errno != EEXIST) || mkdir(partial, 0755) < 0) {
        fprintf(stderr, "gpuforge: cannot create %s: %s\n", partial, strerror(errno));
        rc = 1;
        goto done;
    }
    if (status == NULL) { /* an empty system */
        st_file = gf_xasprintf("%s/partial/status", out);
        FILE *f = fopen(st_file, "w");
        if (f == NULL || fclose(f) != 0) {
            fprintf(stderr, "gpuforge: cannot write %s\n", st_file);
            rc = 1;
            goto done;
        }
        status = st_file;
    }
    if (update) {
        char *up[] = { (char *)"apt-get", (char *)"-q", (char *)"update", NULL };
        if (run(up) != 0) {
            fprintf(stderr, "gpuforge: apt-get update failed\n");
            rc = 1;
            goto done;
        }
    }
    /* apt reads relative Dir:: paths from its own directories */
    char absout[4096], absst[4096];
    if (realpath(out, absout) == NULL || realpath(status, absst) == NULL) {
        fprintf(stderr, "gpuforge: cannot resolve %s\n", out);
        rc = 1;
        goto done;
    }
    o_status = gf_xasprintf("Dir::State::status=%s", absst);
    o_arch = gf_xasprintf("Dir::Cache::archives=%s/", absout);
    static const char *const fixed[] = {
        "apt-get", "-q", "-y", "--download-only", "--no-install-recommends",
        "-o", "Debug::NoLocking=1", "-o", "APT::Get::AllowUnauthenticated=false",
    };
    for (size_t i = 0; i < GF_ARRAY_LEN(fixed); i++)
        gf_vec_push(&av, (void *)fixed[i]);
    gf_vec_push(&av, (void *)"-o");
    gf_vec_push(&av, o_status);
    gf_vec_push(&av, (void *)"-o");
    gf_vec_push(&av, o_arch);
    gf_vec_push(&av, (void *)"install");
    for (size_t i = 0; i < pkgs.n; i++)
        gf_vec_push(&av, pkgs.v[i]);
    gf_vec_push(&av, NULL);
    if (run((char *const *)av.v) != 0) {
        fprintf(stderr, "gpuforge: apt-get could not resolve or download the closure "
                        "(are the apt lists current? try --update)\n");
        rc = 2;
        goto done;
    }
    /* the state apt kept beside the files is not part of the closure */
    char *lock = gf_xasprintf("%s/lock", out);
    unlink(lock);
    free(lock);
    if (st_file)
        unlink(st_file);
    rmdir(partial);
    size_t n = 0;
    long long bytes = 0;
    DIR *d = opendir(out);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!gf_endswith(e->d_name, ".deb"))
            continue;
        char *p = gf_xasprintf("%s/%s", out, e->d_name);
        struct stat sb;
        if (stat(p, &sb) == 0)
            bytes += sb.st_size;
        free(p);
        n++;
    }
    if (d)
        closedir(d);
    printf("fetched %zu packages (%.1f MiB) into %s: the closure of", n,
           (double)bytes / 1048576.0, out);
    for (size_t i = 0; i < pkgs.n; i++)
        printf(" %s", (const char *)pkgs.v[i]);
    printf(" for %s\n", st_file ? "an empty system" : "the target's dpkg status");
    rc = n ? GF_EXIT_OK : 2;
done:
    gf_vec_release(&pkgs, NULL);
    gf_vec_release(&av, NULL);
    free(st_file);
    free(partial);
    free(o_status);
    free(o_arch);
    return rc;
}
