/* measure.c - run one benchmark command and measure what its controller costs.
 *
 *   gfb-measure [-t SECS] [-o FILE] [-e FILE] [-s MS] [-S FILE] -- COMMAND [ARG...]
 *
 * Runs COMMAND in a process group of its own and, where this machine allows it, in a fresh
 * cgroup (v1 memory + cpuacct, or v2 memory + cpu), and prints one line of tab-separated
 * key=value pairs:
 *
 *   rc            exit status of COMMAND (128+N for signal N; -1 if it could not start)
 *   timed_out     1 if COMMAND ran past -t SECS and was killed (whole group and cgroup)
 *   wall_s        monotonic time from fork to COMMAND's exit
 *   user_s sys_s  CPU of COMMAND and every descendant it waited for (wait4 rusage, i.e.
 *                 RUSAGE_CHILDREN semantics, what GNU time %U %S report)
 *   maxrss_kb     the largest peak RSS of any single process of that tree (GNU time %M)
 *   cg_cpu_s      CPU of every process that ever ran in the cgroup, including detached ones
 *                 that COMMAND never waited for (ssh ControlPersist masters); NA without cgroups
 *   cg_mem_peak_kb  peak memory charged to the cgroup: the SUM over the process tree of
 *                 anonymous memory, page cache first touched by it and kernel memory
 *                 (v1 memory.max_usage_in_bytes, v2 memory.peak); NA without cgroups
 *   lines         lines COMMAND wrote to stdout (copied to -o FILE, else discarded)
 *   first_line_s last_line_s  arrival time of the first and last stdout line, from fork
 *   max_fds max_threads max_rss_kb  maxima of COMMAND's own /proc/PID/{fd,status} sampled
 *                 every -s MS milliseconds (0 = no sampling, the default; NA)
 *   srv_cpu_s     growth of the CPU counter in -S FILE (cpuacct.usage in ns, or a v2
 *                 cpu.stat's usage_usec) over the run: the servers' CPU; NA without -S
 *   sys_busy_s    CPU time the whole machine spent busy during the run (/proc/stat)
 *   load1         1-minute load average when COMMAND started
 *
 * Leftover processes in the cgroup (daemonised ssh masters) are killed after the run, so
 * that no repetition reuses a connection of the one before. Needs no privileges without
 * cgroups; with them it needs write access to the cgroup tree (root).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, s, strlen(s));
    close(fd);
    return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int read_small(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = 0;
    return 0;
}

/* A CPU counter file: cpuacct.usage (ns) or cpu.stat (usage_usec). Seconds, or -1. */
static double read_cpu_counter(const char *path)
{
    char buf[4096];
    if (!path || read_small(path, buf, sizeof buf) < 0)
        return -1;
    char *p = strstr(buf, "usage_usec ");
    if (p)
        return strtod(p + 11, NULL) / 1e6;
    return strtod(buf, NULL) / 1e9;
}

static double read_sys_busy(void)
{
    char buf[512];
    unsigned long long v[8] = { 0 };
    if (read_small("/proc/stat", buf, sizeof buf) < 0)
        return -1;
    if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
               &v[4], &v[5], &v[6], &v[7]) < 8)
        return -1;
    unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    return (double)busy / (double)sysconf(_SC_CLK_TCK);
}

/* cgroups: up to two directories (v1: memory + cpuacct; v2: one). */
struct cg {
    int v;                 /* 0 none, 1 v1, 2 v2 */
    char mem[256], cpu[256];
};

static void cg_setup(struct cg *cg)
{
    char name[64];
    snprintf(name, sizeof name, "gfbench.%d", (int)getpid());
    cg->v = 0;
    char buf[512];
    if (read_small("/sys/fs/cgroup/cgroup.controllers", buf, sizeof buf) == 0 &&
        strstr(buf, "memory") && strstr(buf, "cpu")) {
        write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory +cpu");
        snprintf(cg->mem, sizeof cg->mem, "/sys/fs/cgroup/%s", name);
        if (mkdir(cg->mem, 0755) == 0) {
            char f[300];
            snprintf(f, sizeof f, "%s/memory.peak", cg->mem);
            if (access(f, R_OK) == 0) {
                strcpy(cg->cpu, cg->mem);
                cg->v = 2;
                return;
            }
            rmdir(cg->mem);
        }
    }
    snprintf(cg->mem, sizeof cg->mem, "/sys/fs/cgroup/memory/%s", name);
    snprintf(cg->cpu, sizeof cg->cpu, "/sys/fs/cgroup/cpuacct/%s", name);
    if (mkdir(cg->mem, 0755) == 0) {
        if (mkdir(cg->cpu, 0755) == 0) {
            cg->v = 1;
            return;
        }
        rmdir(cg->mem);
    }
}

static void cg_join(const struct cg *cg, pid_t pid)
{
    char f[300], s[32];
    snprintf(s, sizeof s, "%d\n", (int)pid);
    if (cg->v == 0)
        return;
    snprintf(f, sizeof f, "%s/cgroup.procs", cg->mem);
    write_file(f, s);
    if (cg->v == 1) {
        snprintf(f, sizeof f, "%s/cgroup.procs", cg->cpu);
        write_file(f, s);
    }
}

/* Kills every process in the cgroup; returns how many were still there. */
static int cg_kill_all(const struct cg *cg, int sig)
{
    char f[300], buf[65536];
    int n = 0;
    if (cg->v == 0)
        return 0;
    snprintf(f, sizeof f, "%s/cgroup.procs", cg->mem);
    if (read_small(f, buf, sizeof buf) < 0)
        return 0;
    for (char *p = buf; *p;) {
        char *e;
        long pid = strtol(p, &e, 10);
        if (e == p)
            break;
        if (pid > 1 && pid != getpid()) {
            kill((pid_t)pid, sig);
            n++;
        }
        p = e;
        while (*p == '\n')
            p++;
    }
    return n;
}

static void cg_teardown(const struct cg *cg)
{
    if (cg->v == 0)
        return;
    for (int i = 0; i < 100 && cg_kill_all(cg, SIGKILL) > 0; i++)
        usleep(20000);
    rmdir(cg->mem);
    if (cg->v == 1)
        rmdir(cg->cpu);
}

static int count_fds(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void status_sample(pid_t pid, long *threads, long *rss)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    *threads = *rss = -1;
    if (read_small(path, buf, sizeof buf) < 0)
        return;
    char *p = strstr(buf, "\nThreads:");
    if (p)
        *threads = strtol(p + 9, NULL, 10);
    p = strstr(buf, "\nVmRSS:");
    if (p)
        *rss = strtol(p + 7, NULL, 10);
}

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
    stop_sig = sig;
}

static void usage(void)
{
    fputs("usage: gfb-measure [-t SECS] [-o FILE] [-e FILE] [-s MS] [-S FILE] -- COMMAND...\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    double timeout = 600;
    const char *outf = NULL, *errf = "/dev/null", *srvf = NULL;
    int sample_ms = 0, opt;

    while ((opt = getopt(argc, argv, "+t:o:e:s:S:")) != -1) {
        switch (opt) {
        case 't': timeout = atof(optarg); break;
        case 'o': outf = optarg; break;
        case 'e': errf = optarg; break;
        case 's': sample_ms = atoi(optarg); break;
        case 'S': srvf = optarg; break;
        default: usage();
        }
    }
    if (optind >= argc)
        usage();
    argv += optind;

    int ofd = open(outf ? outf : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int efd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (ofd < 0 || efd < 0) {
        perror("gfb-measure: output file");
        return 2;
    }
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        perror("pipe");
        return 2;
    }
    char load[64] = "NA";
    if (read_small("/proc/loadavg", load, sizeof load) == 0)
        load[strcspn(load, " ")] = 0;

    struct cg cg;
    cg_setup(&cg);
    double srv0 = read_cpu_counter(srvf), busy0 = read_sys_busy();
    int sync[2];
    if (pipe2(sync, O_CLOEXEC) < 0)
        return 2;
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
        char c;
        setpgid(0, 0);
        close(sync[1]);
        if (read(sync[0], &c, 1) < 0) /* parent has put us in the cgroup */
            _exit(127);
        dup2(pfd[1], 1);
        dup2(efd, 2);
        int nfd = open("/dev/null", O_RDONLY);
        if (nfd >= 0)
            dup2(nfd, 0);
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], argv);
        dprintf(2, "gfb-measure: %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    cg_join(&cg, pid);
    /* interrupted: stop COMMAND (its own process group gets no terminal signal) and clean up */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    close(sync[0]);
    if (write(sync[1], "g", 1) < 0) {
        /* child died already: wait4 below reports it */
    }
    close(sync[1]);
    close(pfd[1]);
    close(efd);
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) {
        perror("pidfd_open");
        kill(-pid, SIGKILL);
        return 2;
    }

    long lines = 0, max_fds = -1, max_thr = -1, max_rss = -1;
    double first = -1, last = -1, tend = -1;
    int status = 0, timed_out = 0, pipe_open = 1, exited = 0;
    double kill_at = -1;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    char buf[65536];

    while (!exited || pipe_open) {
        struct pollfd pf[2] = { { pfd[0], POLLIN, 0 }, { pidfd, POLLIN, 0 } };
        int tmo = sample_ms > 0 ? sample_ms : 200;
        if (exited)
            tmo = 50;
        int r = poll(pf, exited ? 1 : 2, tmo);
        double t = now_s();
        if (r < 0 && errno != EINTR)
            break;
        if (pipe_open && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = read(pfd[0], buf, sizeof buf);
            if (n <= 0) {
                pipe_open = 0;
            } else {
                for (ssize_t i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        lines++;
                        if (first < 0)
                            first = t - t0;
                        last = t - t0;
                    }
                }
                if (write(ofd, buf, (size_t)n) != n) {
                    /* output file full: keep measuring */
                }
            }
        } else if (exited && r == 0) {
            /* COMMAND is gone but a detached descendant holds the pipe: stop reading */
            pipe_open = 0;
        }
        if (!exited && sample_ms > 0) {
            int f = count_fds(pid);
            long th, rss;
            status_sample(pid, &th, &rss);
            if (f > max_fds)
                max_fds = f;
            if (th > max_thr)
                max_thr = th;
            if (rss > max_rss)
                max_rss = rss;
        }
        if (!exited && (pf[1].revents & POLLIN)) {
            if (wait4(pid, &status, 0, &ru) == pid) {
                tend = now_s() - t0;
                exited = 1;
            }
        }
        if (!exited && (t - t0 > timeout || stop_sig)) {
            if (kill_at < 0) {
                timed_out = !stop_sig;
                kill(-pid, SIGTERM);
                cg_kill_all(&cg, SIGTERM);
                kill_at = t + 3;
            } else if (t > kill_at) {
                kill(-pid, SIGKILL);
                cg_kill_all(&cg, SIGKILL);
            }
        }
    }
    if (last > tend && tend >= 0)
        last = tend;
    double srv1 = read_cpu_counter(srvf), busy1 = read_sys_busy();
    double cg_cpu = -1;
    long cg_mem = -1;
    if (cg.v) {
        char f[300], b[4096];
        if (cg.v == 1) {
            snprintf(f, sizeof f, "%s/cpuacct.usage", cg.cpu);
            cg_cpu = read_cpu_counter(f);
            snprintf(f, sizeof f, "%s/memory.max_usage_in_bytes", cg.mem);
        } else {
            snprintf(f, sizeof f, "%s/cpu.stat", cg.cpu);
            cg_cpu = read_cpu_counter(f);
            snprintf(f, sizeof f, "%s/memory.peak", cg.mem);
        }
        if (read_small(f, b, sizeof b) == 0)
            cg_mem = (long)(strtoull(b, NULL, 10) / 1024);
    }
    cg_teardown(&cg);
    kill(-pid, SIGKILL); /* anything of the group that is left (no cgroup case) */

    if (stop_sig)
        return 128 + stop_sig;
    int rc = WIFEXITED(status) ? WEXITSTATUS(status)
             : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
    char cgc[32] = "NA", cgm[32] = "NA", srv[32] = "NA", fds[32] = "NA", thr[32] = "NA",
         rss[32] = "NA", fl[32] = "NA", ll[32] = "NA";
    if (cg_cpu >= 0)
        snprintf(cgc, sizeof cgc, "%.4f", cg_cpu);
    if (cg_mem >= 0)
        snprintf(cgm, sizeof cgm, "%ld", cg_mem);
    if (srv0 >= 0 && srv1 >= 0)
        snprintf(srv, sizeof srv, "%.4f", srv1 - srv0);
    if (max_fds >= 0)
        snprintf(fds, sizeof fds, "%ld", max_fds);
    if (max_thr >= 0)
        snprintf(thr, sizeof thr, "%ld", max_thr);
    if (max_rss >= 0)
        snprintf(rss, sizeof rss, "%ld", max_rss);
    if (first >= 0)
        snprintf(fl, sizeof fl, "%.4f", first);
    if (last >= 0)
        snprintf(ll, sizeof ll, "%.4f", last);
    printf("rc=%d\ttimed_out=%d\twall_s=%.4f\tuser_s=%.4f\tsys_s=%.4f\tmaxrss_kb=%ld\t"
           "cg_cpu_s=%s\tcg_mem_peak_kb=%s\tlines=%ld\tfirst_line_s=%s\tlast_line_s=%s\t"
           "max_fds=%s\tmax_threads=%s\tmax_rss_kb=%s\tsrv_cpu_s=%s\tsys_busy_s=%.2f\t"
           "load1=%s\n",
           rc, timed_out, tend,
           (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss, cgc, cgm,
           lines, fl, ll, fds, thr, rss, srv, busy1 - busy0, load);
    return 0;
}
