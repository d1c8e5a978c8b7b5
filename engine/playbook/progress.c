/* progress.c - live progress under the current task's banner, on a
 * terminal only: how many hosts are done, failed and still running, and
 * which host has run longest. A thread redraws the status line (exec.h's
 * gf_out_status) four times a second; results written meanwhile take it
 * away and put it back, so it never mixes with them. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "run-priv.h"

#define TICK_MS 250

struct progress {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int stop;
    char *task;                  /* the current task's banner name */
    size_t total, done, failed;  /* hosts of the current task */
    struct gf_map running;       /* host name -> (intptr) start ms */
};

int progress_wanted(const struct gf_run_opts *o)
{
    const char *term = getenv("TERM");

    return !o->json && !o->no_progress && !o->step && isatty(STDOUT_FILENO) &&
           !(term && !strcmp(term, "dumb"));
}

static size_t term_width(void)
{
    struct winsize ws;

    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

static void draw(struct progress *p)
{
    struct gf_buf b = GF_BUF_INIT;
    int64_t now = gf_now_ms();
    const char *longest = NULL;
    int64_t lstart = 0;

    pthread_mutex_lock(&p->lock);
    if (p->task == NULL || (p->running.n == 0 && p->done == 0)) {
        pthread_mutex_unlock(&p->lock);
        gf_out_status(NULL);
        return;
    }
    for (size_t i = 0; i < p->running.n; i++) {
        int64_t st = (int64_t)(intptr_t)p->running.ents[i].val;
        if (longest == NULL || st < lstart) {
            longest = p->running.ents[i].key;
            lstart = st;
        }
    }
    gf_buf_addf(&b, "  %zu/%zu hosts done, %zu failed, %zu running", p->done, p->total,
                p->failed, p->running.n);
    if (longest)
        gf_buf_addf(&b, "; longest: %s %.1f s", longest, (double)(now - lstart) / 1000.0);
    pthread_mutex_unlock(&p->lock);
    size_t w = term_width() - 1;
    if (b.len > w)
        gf_buf_setlen(&b, w);
    gf_out_status(b.buf);
    gf_buf_release(&b);
}

static void *progress_main(void *arg)
{
    struct progress *p = arg;

    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->wake, &p->lock, &ts);
        if (p->stop)
            break;
        pthread_mutex_unlock(&p->lock);
        draw(p);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

void progress_start(struct run *r)
{
    if (!progress_wanted(r->o))
        return;
    struct progress *p = gf_xcalloc(1, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (pthread_create(&p->thread, NULL, progress_main, p) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return;
    }
    r->progress = p;
}

void progress_stop(struct run *r)
{
    struct progress *p = r->progress;

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    gf_out_status(NULL);
    free(p->task);
    gf_map_release(&p->running, NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
    r->progress = NULL;
}

void progress_task(struct run *r, const char *name, size_t hosts)
{
    struct progress *p = r->progress;

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    free(p->task);
    p->task = gf_xstrdup(name);
    p->total = hosts;
    p->done = p->failed = 0;
    gf_map_release(&p->running, NULL);
    pthread_mutex_unlock(&p->lock);
    gf_out_status(NULL); /* the next banner comes up clean */
}

void progress_host(struct run *r, const struct hstate *h, int state)
{
    struct progress *p = r->progress;

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    if (state == PROGRESS_RUNNING) {
        gf_map_set(&p->running, h->host->name, (void *)(intptr_t)gf_now_ms());
    } else if (gf_map_find(&p->running, h->host->name) >= 0) {
        gf_map_del(&p->running, h->host->name);
        p->done++;
        p->failed += state == PROGRESS_FAILED;
    }
    pthread_mutex_unlock(&p->lock);
}
