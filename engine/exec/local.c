/* local.c - the local connection (ansible_connection=local, -c local):
 * commands run on the controller itself through /bin/sh, as the user
 * gpuforge runs as, with the same contract as a command over SSH (stdin
 * fed, both streams capped, a timeout that ends the command's whole
 * process group). Become: as root, to another user through runuser;
 * otherwise through `sudo -n` (a sudo password is not driven locally). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec-priv.h"

extern char **environ;

/* argv for cmd, with become when asked: NULL (err in r) when it cannot be
 * done here. The strings point into cmd or are static. */
static int local_argv(const char *cmd, const char *become_user, int become, const char **argv,
                      const struct gf_target *t, struct gf_result *r)
{
    const char *user = become_user ? become_user : "root";
    int n = 0;

    if (become && geteuid() == 0 && strcmp(user, "root") != 0) {
        argv[n++] = "runuser";
        argv[n++] = "-u";
        argv[n++] = user;
        argv[n++] = "--";
    } else if (become && geteuid() != 0) {
        if (t->become_password) {
            r->status = GF_ST_FAILED;
            r->msg = gf_xstrdup("become with a password is not supported on the local "
                                "connection: run gpuforge as root, or allow sudo without a "
                                "password for this user");
            return -1;
        }
        argv[n++] = "sudo";
        argv[n++] = "-H";
        argv[n++] = "-n";
        argv[n++] = "-u";
        argv[n++] = user;
        argv[n++] = "--";
    }
    argv[n++] = "/bin/sh";
    argv[n++] = "-c";
    argv[n++] = cmd;
    argv[n] = NULL;
    return 0;
}

static void set_nonblock(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Ends the command's process group: SIGTERM, then SIGKILL after a second. */
static void stop_group(pid_t pid)
{
    kill(-pid, SIGTERM);
    for (int i = 0; i < 10; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        usleep(100000);
    }
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* write(2) to the command's stdin without SIGPIPE: a command that exits
 * before it read all of its input (a module in check mode) must not end
 * gpuforge. The signal a write to a closed pipe raises for this thread is
 * held back and taken here; the write then fails with EPIPE. */
static ssize_t write_stdin(int fd, const char *buf, size_t len)
{
    sigset_t pipe_set, old;
    struct timespec zero = { 0, 0 };

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    ssize_t w = write(fd, buf, len);
    int e = errno;
    if (w < 0 && e == EPIPE && !sigismember(&old, SIGPIPE))
        sigtimedwait(&pipe_set, NULL, &zero);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return w;
}

int gf_local_run(const struct gf_target *t, const struct gf_exec_opts *o, const char *cmd,
                 const char *input, size_t input_len, const char *become_user, int become,
                 _Atomic uint64_t *in_count, struct gf_result *r)
{
    const char *argv[12];
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
    pid_t pid;
    char buf[16384];

    r->start_us = gf_now_us();
    if (local_argv(cmd, become_user, become, argv, t, r) < 0) {
        r->dur_us = gf_now_us() - r->start_us;
        return -GF_EAUTH;
    }
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
        r->status = GF_ST_FAILED;
        r->msg = gf_xasprintf("cannot start the command: %s", strerror(errno));
        goto fail;
    }
    pid = fork();
    if (pid < 0) {
        r->status = GF_ST_FAILED;
        r->msg = gf_xasprintf("cannot start the command: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        setpgid(0, 0); /* its own group, so that a timeout ends all of it */
        signal(SIGPIPE, SIG_DFL);
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        execve(argv[0][0] == '/' ? argv[0] : argv[0][0] == 'r' ? "/usr/sbin/runuser"
                                                                  : "/usr/bin/sudo",
               (char *const *)argv, environ);
        _exit(127);
    }
    setpgid(pid, pid);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    in[0] = out[1] = err[1] = -1;
    set_nonblock(in[1]);
    if (input_len == 0) {
        close(in[1]);
        in[1] = -1;
    }

    size_t fed = 0;
    int64_t deadline = o->command_timeout > 0 ? gf_now_ms() + o->command_timeout * 1000LL : 0;
    while (out[0] >= 0 || err[0] >= 0) {
        struct pollfd p[3];
        int np = 0, io = -1, iout = -1, ierr = -1;
        if (in[1] >= 0) {
            io = np;
            p[np++] = (struct pollfd){ in[1], POLLOUT, 0 };
        }
        if (out[0] >= 0) {
            iout = np;
            p[np++] = (struct pollfd){ out[0], POLLIN, 0 };
        }
        if (err[0] >= 0) {
            ierr = np;
            p[np++] = (struct pollfd){ err[0], POLLIN, 0 };
        }
        int rc = poll(p, (nfds_t)np, 100);
        if (rc < 0 && errno != EINTR)
            break;
        if (deadline && gf_now_ms() > deadline) {
            stop_group(pid);
            r->status = GF_ST_FAILED;
            r->msg = gf_xasprintf("command timed out after %d s", o->command_timeout);
            goto fail;
        }
        if (io >= 0 && p[io].revents) {
            ssize_t w = write_stdin(in[1], input + fed, input_len - fed);
            if (w > 0) {
                fed += (size_t)w;
                if (in_count)
                    atomic_fetch_add(in_count, (uint64_t)w);
            }
            /* done, or the command stopped reading (its result still counts) */
            if (fed == input_len || (w < 0 && errno != EAGAIN && errno != EINTR)) {
                close(in[1]);
                in[1] = -1;
            }
        }
        for (int k = 0; k < 2; k++) {
            int i = k ? ierr : iout;
            int *fd = k ? &err[0] : &out[0];
            if (i < 0 || !p[i].revents)
                continue;
            ssize_t n = read(*fd, buf, sizeof(buf));
            if (n > 0) {
                gf_buf_add(k ? &r->err : &r->out, buf, (size_t)n);
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(*fd);
                *fd = -1;
            }
        }
    }
    if (in[1] >= 0)
        close(in[1]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status)) {
        r->rc = WEXITSTATUS(status);
        r->status = r->rc == 0 ? GF_ST_OK : GF_ST_FAILED;
    } else {
        r->rc = -1;
        r->status = GF_ST_FAILED;
        r->msg = gf_xstrdup("the command ended without an exit status (killed by a signal?)");
    }
    if (become && argv[0][0] == 's' && r->rc == 1 && strstr(r->err.buf, "password is required")) {
        free(r->msg);
        r->msg = gf_xstrdup("sudo needs a password: the local connection runs sudo -n");
    }
    r->dur_us = gf_now_us() - r->start_us;
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (out[i] >= 0)
            close(out[i]);
        if (err[i] >= 0)
            close(err[i]);
    }
    r->dur_us = gf_now_us() - r->start_us;
    return -GF_EFAIL;
}
