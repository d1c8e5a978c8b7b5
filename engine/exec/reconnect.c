/* reconnect.c - waiting for a host to accept a session again, for modules
 * that drop the connection on purpose (reboot). */
#include <errno.h>
#include <time.h>

#include "exec.h"

#define RETRY_MS 2000

static void sleep_ms(int64_t ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

struct gf_session *gf_session_reopen(const struct gf_target *t, const struct gf_exec_opts *opts,
                                     int64_t deadline_ms, struct gf_result *r)
{
    for (;;) {
        struct gf_result tr;
        gf_result_init(&tr, 4096);
        struct gf_session *s = gf_session_open(t, opts, &tr);
        int64_t left = deadline_ms - gf_now_ms();
        /* a host shutting down or still booting refuses non-root logins
         * (pam_nologin while /run/nologin exists): an authentication
         * failure is retried like an unreachable host, as Ansible's reboot
         * does; a host key that does not match is not */
        if (s || (tr.status != GF_ST_UNREACHABLE && tr.status != GF_ST_AUTH) || left <= 0) {
            gf_result_release(r);
            *r = tr;
            return s;
        }
        gf_result_release(&tr);
        sleep_ms(left < RETRY_MS ? left : RETRY_MS);
    }
}
