/*
 * harness.h - a tiny unit-test harness: TEST(name) registers a test, each
 * test runs in a forked child with a timeout; ASSERT_* print both sides.
 * The runner ends with the line "N passed, N failed".
 */
#ifndef GF_HARNESS_H
#define GF_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gf_test {
    const char *name;
    const char *file;
    void (*fn)(void);
};
void gf_test_register(const struct gf_test *t);
/* Directory of test data (tests/data), from $GF_TEST_DATA or the default. */
const char *gf_test_data(void);

#define TEST(name) \
    static void test_##name(void); \
    static const struct gf_test reg_##name = { #name, __FILE__, test_##name }; \
    __attribute__((constructor)) static void register_##name(void) \
    { gf_test_register(&reg_##name); } \
    static void test_##name(void)

#define FAILF(...) do { \
        fprintf(stderr, "    %s:%d: ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__); \
        fputc('\n', stderr); \
        exit(1); \
    } while (0)

#define ASSERT(cond) do { if (!(cond)) FAILF("assertion failed: %s", #cond); } while (0)

#define ASSERT_EQ(a, b) do { \
        long long a_ = (long long)(a), b_ = (long long)(b); \
        if (a_ != b_) FAILF("%s == %s: %lld != %lld", #a, #b, a_, b_); \
    } while (0)

#define ASSERT_STREQ(a, b) do { \
        const char *a_ = (a), *b_ = (b); \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) \
            FAILF("%s == %s:\n      got:  \"%s\"\n      want: \"%s\"", #a, #b, \
                  a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
    } while (0)

#endif
