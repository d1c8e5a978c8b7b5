/* progress.c - live progress under the current task's banner, on a
 * terminal only: how many hosts are done, failed and still running, and
 * which host has run longest. A thread redraws the status line (exec.h's
 * gf_out_status) four times a second; results written meanwhile take it
 * away and put it back, so it never mixes with them. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run-priv.h"

#define TICK_MS 250

struct progress {
    pthread_mutex_t lock;
    struct gf_ticker *ticker;
    char *task;                  /* the current task's banner name */
    size_t total, done, failed;  /* hosts of the current task */
    struct gf_map running;       /* host name -> (intptr) start ms */
};

int progress_wanted(const struct gf_run_opts *o)
{
    return !o->json && !o->step && gf_status_wanted(o->no_progress);
}

static void draw(void *arg)
{
    struct progress *p = arg;
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
    gf_out_status_fit(&b);
    gf_buf_release(&b);
}

void progress_start(struct run *r)
{
    if (!progress_wanted(r->o))
        return;
    struct progress *p = gf_xcalloc(1, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
    if ((p->ticker = gf_ticker_start(TICK_MS, draw, p)) == NULL) {
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
    gf_ticker_stop(p->ticker);
    gf_out_status(NULL);
    free(p->task);
    gf_map_release(&p->running, NULL);
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
