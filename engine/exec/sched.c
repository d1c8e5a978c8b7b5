/* sched.c - the parallel scheduler (a fixed pool of worker threads pulling
 * host indexes from a shared counter), non-interleaved output, and reading
 * secrets from the terminal. */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"

#define WORKER_STACK (512u << 10)

struct pool {
    size_t n;
    atomic_size_t next;
    gf_item_fn fn;
    void *ctx;
};

static void *worker(void *arg)
{
    struct pool *p = arg;

    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            break;
        p->fn(i, p->ctx);
    }
    return NULL;
}

void gf_parallel(size_t n, int forks, gf_item_fn fn, void *ctx)
{
    struct pool p = { .n = n, .fn = fn, .ctx = ctx };
    size_t nt = forks > 0 ? (size_t)forks : 1;
    pthread_attr_t attr;

    atomic_init(&p.next, 0);
    if (nt > n)
        nt = n;
    if (nt <= 1) {
        worker(&p);
        return;
    }
    pthread_t *th = gf_xcalloc(nt, sizeof(*th));
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, WORKER_STACK);
    size_t started = 0;
    for (size_t i = 0; i < nt; i++) {
        if (pthread_create(&th[i], &attr, worker, &p) != 0)
            break;
        started++;
    }
    if (started == 0)
        worker(&p); /* no threads available: do the work here */
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_attr_destroy(&attr);
    free(th);
}

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static char *status_line; /* shown below the output on a terminal, or NULL */

/* "\r", then erase to the end of the line: takes the status line away */
#define ERASE_LINE "\r\033[K"

void gf_out_write(const char *s, size_t len)
{
    pthread_mutex_lock(&out_lock);
    if (status_line)
        fputs(ERASE_LINE, stdout);
    fwrite(s, 1, len, stdout);
    if (status_line)
        fputs(status_line, stdout);
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
}

void gf_out_status(const char *line)
{
    pthread_mutex_lock(&out_lock);
    if (status_line)
        fputs(ERASE_LINE, stdout);
    free(status_line);
    status_line = line && *line ? gf_xstrdup(line) : NULL;
    if (status_line)
        fputs(status_line, stdout);
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
}

void gf_err_write(const char *s, size_t len)
{
    pthread_mutex_lock(&out_lock);
    if (status_line) {
        fputs(ERASE_LINE, stdout);
        fflush(stdout);
    }
    fwrite(s, 1, len, stderr);
    fflush(stderr);
    if (status_line) {
        fputs(status_line, stdout);
        fflush(stdout);
    }
    pthread_mutex_unlock(&out_lock);
}

char *gf_read_secret(const char *prompt)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    struct termios old, quiet;
    struct gf_buf b = GF_BUF_INIT;
    char c;

    if (fd < 0)
        return NULL;
    if (tcgetattr(fd, &old) < 0) {
        close(fd);
        return NULL;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    if (write(fd, prompt, strlen(prompt)) < 0 || tcsetattr(fd, TCSAFLUSH, &quiet) < 0) {
        close(fd);
        return NULL;
    }
    while (read(fd, &c, 1) == 1 && c != '\n' && c != '\r')
        gf_buf_addc(&b, c);
    tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        /* nothing to do: the prompt line just stays unterminated */
    }
    close(fd);
    char *s = gf_buf_detach(&b, NULL);
    return s;
}

/* ---- a status line's redraw clock ---- */

struct gf_ticker {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int stop, ms;
    void (*fn)(void *);
    void *ctx;
};

static void *ticker_main(void *arg)
{
    struct gf_ticker *t = arg;

    pthread_mutex_lock(&t->lock);
    while (!t->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += t->ms * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&t->wake, &t->lock, &ts);
        if (t->stop)
            break;
        pthread_mutex_unlock(&t->lock);
        t->fn(t->ctx);
        pthread_mutex_lock(&t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

struct gf_ticker *gf_ticker_start(int ms, void (*fn)(void *), void *ctx)
{
    struct gf_ticker *t = gf_xcalloc(1, sizeof(*t));

    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    t->ms = ms;
    t->fn = fn;
    t->ctx = ctx;
    if (pthread_create(&t->thread, NULL, ticker_main, t) != 0) {
        pthread_cond_destroy(&t->wake);
        pthread_mutex_destroy(&t->lock);
        free(t);
        return NULL;
    }
    return t;
}

void gf_ticker_stop(struct gf_ticker *t)
{
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = 1;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

int gf_status_wanted(int off)
{
    const char *term = getenv("TERM");

    return !off && isatty(STDOUT_FILENO) && !(term && !strcmp(term, "dumb"));
}

void gf_out_status_fit(struct gf_buf *line)
{
    struct winsize ws;
    size_t w = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20 ? ws.ws_col : 80;

    if (line->len > w - 1)
        gf_buf_setlen(line, w - 1);
    gf_out_status(line->buf);
}
