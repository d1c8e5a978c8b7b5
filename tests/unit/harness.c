/* harness.c - runs every registered unit test in a forked child with a
 * timeout and prints TAP-like lines and the "N passed, N failed" summary.
 * Usage: unit-tests [SUBSTRING...] runs only tests whose name contains one. */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define MAX_TESTS 1024
#define TEST_TIMEOUT 20 /* seconds; GF_TEST_TIMEOUT overrides (sanitizer builds) */

static const struct gf_test *tests[MAX_TESTS];
static int ntests;

void gf_test_register(const struct gf_test *t)
{
    if (ntests < MAX_TESTS)
        tests[ntests++] = t;
}

const char *gf_test_data(void)
{
    const char *d = getenv("GF_TEST_DATA");

    return d && *d ? d : "tests/data";
}

static int selected(const char *name, int argc, char **argv)
{
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strstr(name, argv[i]))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, n = 0;
    const char *to = getenv("GF_TEST_TIMEOUT");
    unsigned timeout = to && atoi(to) > 0 ? (unsigned)atoi(to) : TEST_TIMEOUT;

    for (int i = 0; i < ntests; i++) {
        const struct gf_test *t = tests[i];
        if (!selected(t->name, argc, argv))
            continue;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            alarm(timeout);
            t->fn();
            exit(0);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        n++;
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            passed++;
            printf("ok %d - %s\n", n, t->name);
        } else {
            failed++;
            if (WIFSIGNALED(st))
                printf("not ok %d - %s (signal %d%s)\n", n, t->name, WTERMSIG(st),
                       WTERMSIG(st) == SIGALRM ? ": timeout" : "");
            else
                printf("not ok %d - %s\n", n, t->name);
        }
    }
    printf("1..%d\n%d passed, %d failed\n", n, passed, failed);
    return failed ? 1 : 0;
}
