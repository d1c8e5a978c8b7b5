/* test-core.c - unit tests for buffers, maps, values, JSON and YAML loading. */
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/core/core.h"
#include "harness.h"

static char *json_of(const struct gf_val *v, int indent)
{
    struct gf_buf b = GF_BUF_INIT;

    gf_json_dump(v, indent, GF_JSON_SORT, &b);
    return gf_buf_detach(&b, NULL);
}

static char *float_repr(double f)
{
    struct gf_buf b = GF_BUF_INIT;

    gf_float_repr(f, &b);
    return gf_buf_detach(&b, NULL);
}

TEST(buf_cap_truncates)
{
    struct gf_buf b = GF_BUF_INIT;

    b.cap = 5;
    gf_buf_adds(&b, "abc");
    gf_buf_adds(&b, "defgh");
    ASSERT_STREQ(b.buf, "abcde");
    ASSERT(b.truncated);
    gf_buf_release(&b);
}

TEST(map_keeps_order_and_indexes)
{
    struct gf_map m = GF_MAP_INIT;
    char key[32];

    for (long i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "k%ld", i);
        gf_map_set(&m, key, (void *)(i + 1));
    }
    ASSERT_EQ(m.n, 1000);
    ASSERT_EQ((long)gf_map_get(&m, "k777"), 778);
    ASSERT_STREQ(m.ents[10].key, "k10");
    gf_map_del(&m, "k5");
    ASSERT(gf_map_get(&m, "k5") == NULL);
    ASSERT_EQ((long)gf_map_get(&m, "k6"), 7);
    ASSERT_STREQ(m.ents[5].key, "k6");
    gf_map_release(&m, NULL);
}

TEST(float_repr_matches_python)
{
    static const struct { double f; const char *want; } cases[] = {
        { 1.5, "1.5" }, { 0.1, "0.1" }, { 100.0, "100.0" }, { 1e16, "1e+16" },
        { 1e15, "1000000000000000.0" }, { 1e-7, "1e-07" }, { 0.0001, "0.0001" },
        { 0.00001, "1e-05" }, { -2.5e-300, "-2.5e-300" }, { 123456.789, "123456.789" },
        { 1.0 / 3, "0.3333333333333333" },
    };
    for (size_t i = 0; i < GF_ARRAY_LEN(cases); i++) {
        char *s = float_repr(cases[i].f);
        ASSERT_STREQ(s, cases[i].want);
        free(s);
    }
}

TEST(json_dump_python_format)
{
    struct gf_val *m = gf_val_map();
    struct gf_val *l = gf_val_list();

    gf_val_list_push(l, gf_val_int(1));
    gf_val_list_push(l, gf_val_str("a\"b\\\x01\xc3\xa9"));
    gf_val_map_set(m, "z", l);
    gf_val_map_set(m, "a", gf_val_map());
    gf_val_map_set(m, "n", gf_val_null());
    char *s = json_of(m, 4);
    ASSERT_STREQ(s, "{\n    \"a\": {},\n    \"n\": null,\n    \"z\": [\n        1,\n"
                    "        \"a\\\"b\\\\\\u0001\xc3\xa9\"\n    ]\n}");
    free(s);
    s = json_of(m, -1);
    ASSERT_STREQ(s, "{\"a\": {}, \"n\": null, \"z\": [1, \"a\\\"b\\\\\\u0001\xc3\xa9\"]}");
    free(s);
    gf_val_unref(m);
}

static struct gf_val *load(const char *text, struct gf_error *err)
{
    struct gf_val *v = NULL;

    if (gf_yaml_load(text, strlen(text), "t.yml", &v, err) < 0)
        return NULL;
    return v;
}

TEST(yaml_resolves_like_pyyaml)
{
    struct gf_error err = GF_ERROR_INIT;
    struct gf_val *v = load("a: yes\nb: off\nc: 0x1F\nd: 010\ne: 1_000\nf: 1.5\ng: 1e3\n"
                            "h: ~\ni: '1'\nj: .inf\nk: 1:30\nl: 0o17\nm: True\nn: 1.0e+3\n", &err);

    ASSERT(v != NULL);
    char *s = json_of(v, -1);
    ASSERT_STREQ(s, "{\"a\": true, \"b\": false, \"c\": 31, \"d\": 8, \"e\": 1000, \"f\": 1.5, "
                    "\"g\": \"1e3\", \"h\": null, \"i\": \"1\", \"j\": Infinity, \"k\": 90, "
                    "\"l\": \"0o17\", \"m\": true, \"n\": 1000.0}");
    free(s);
    gf_val_unref(v);
}

/* Sexagesimal integers are computed exactly; what does not fit in 64 bits
 * (PyYAML gives a big int) is an error at its position, never a wrapped
 * number or silent text. */
TEST(yaml_integers_beyond_64_bits)
{
    struct gf_error err = GF_ERROR_INIT;
    struct gf_val *v = load("a: 190:20:30\nb: -1:30\nc: 153722867280912930:7\n"
                            "d: 9223372036854775807\ne: -9223372036854775808\n"
                            "f: -0x8000000000000000\n", &err);

    ASSERT(v != NULL);
    char *s = json_of(v, -1);
    ASSERT_STREQ(s, "{\"a\": 685230, \"b\": -90, \"c\": 9223372036854775807, "
                    "\"d\": 9223372036854775807, \"e\": -9223372036854775808, "
                    "\"f\": -9223372036854775808}");
    free(s);
    gf_val_unref(v);
    static const char *const big[] = {
        "x: 100000000000000000000000:0\n", "x: 153722867280912930:8\n",
        "x: 9223372036854775808\n", "x: !!int 0x10000000000000000\n",
        "x: -9223372036854775809\n",
    };
    for (size_t i = 0; i < GF_ARRAY_LEN(big); i++) {
        ASSERT(load(big[i], &err) == NULL);
        ASSERT_EQ(err.line, 1);
        ASSERT_EQ(err.col, 4);
        ASSERT(strstr(err.msg, "does not fit in 64 bits") != NULL);
        gf_error_clear(&err);
    }
    /* quoted, it is text */
    v = load("x: '100000000000000000000000:0'\n", &err);
    ASSERT(v != NULL && gf_val_map_get(v, "x")->type == GF_VAL_STR);
    gf_val_unref(v);
}

TEST(yaml_merge_keys_and_anchors)
{
    struct gf_error err = GF_ERROR_INIT;
    struct gf_val *v = load("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n", &err);

    ASSERT(v != NULL);
    char *s = json_of(v, -1);
    ASSERT_STREQ(s, "{\"base\": {\"x\": 1, \"y\": 2}, \"other\": {\"x\": 1, \"y\": 3}}");
    free(s);
    gf_val_unref(v);
}

TEST(yaml_duplicate_key_is_error_with_position)
{
    struct gf_error err = GF_ERROR_INIT;

    ASSERT(load("a: 1\nb:\n  c: 1\n  c: 2\n", &err) == NULL);
    ASSERT_EQ(err.line, 4);
    ASSERT_EQ(err.col, 3);
    ASSERT_STREQ(err.msg, "duplicate key 'c'");
    gf_error_clear(&err);
}

TEST(yaml_alias_bomb_is_stopped)
{
    struct gf_error err = GF_ERROR_INIT;
    const char *bomb =
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
        "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";

    ASSERT(load(bomb, &err) == NULL);
    ASSERT(strstr(err.msg, "alias expansion") != NULL);
    gf_error_clear(&err);
}

TEST(yaml_many_nodes_without_aliases_load)
{
    /* more nodes than the alias expansion limit, but no alias: fine */
    size_t n = 2100000;
    char *text = malloc(2 * n + 8);
    struct gf_error err = GF_ERROR_INIT;

    ASSERT(text);
    text[0] = '[';
    for (size_t i = 0; i < n; i++) {
        text[1 + 2 * i] = '1';
        text[2 + 2 * i] = ',';
    }
    strcpy(text + 2 * n, "]");
    struct gf_val *v = load(text, &err);
    if (v == NULL)
        FAILF("%s", err.msg);
    ASSERT_EQ(v->u.list.n, n);
    gf_val_unref(v);
    free(text);
}

TEST(yaml_invalid_utf8_and_syntax_errors)
{
    struct gf_error err = GF_ERROR_INIT;

    ASSERT(load("a: \xff\xfe\n", &err) == NULL);
    ASSERT_EQ(err.code, GF_EPARSE);
    gf_error_clear(&err);
    /* the position is where the bad byte is, not 1:1 */
    ASSERT(load("a: 1\nbb: h\xc3\xa9llo \xff\n", &err) == NULL);
    ASSERT_EQ(err.line, 2);
    ASSERT_EQ(err.col, 11);
    gf_error_clear(&err);
    ASSERT(load("a: [1, 2\n", &err) == NULL);
    ASSERT(err.line >= 1);
    gf_error_clear(&err);
    ASSERT(load("a: !vault |\n  xx\n", &err) == NULL);
    ASSERT(strstr(err.msg, "vault") != NULL);
    gf_error_clear(&err);
}

TEST(utf8_validation)
{
    ASSERT(gf_utf8_valid("h\xc3\xa9", 3));
    ASSERT(!gf_utf8_valid("h\xc3", 2));
    ASSERT(!gf_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
    ASSERT(!gf_utf8_valid("\xc0\xaf", 2));     /* overlong */
}

TEST(yaml_nesting_is_not_counted_as_alias_expansion)
{
    /* 700,000 scalars three levels deep: counting every level again (the old
     * behaviour) made this exceed the 2,000,000-node alias-bomb limit. */
    struct gf_buf b = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_val *v = NULL;

    gf_buf_adds(&b, "a:\n  b:\n    c: [");
    for (int i = 0; i < 700000; i++)
        gf_buf_adds(&b, i ? ",x" : "x");
    gf_buf_adds(&b, "]\n");
    ASSERT_EQ(gf_yaml_load(b.buf, b.len, "big.yml", &v, &err), 0);
    struct gf_val *c = gf_val_map_get(gf_val_map_get(gf_val_map_get(v, "a"), "b"), "c");
    ASSERT(c != NULL);
    ASSERT_EQ(c->u.list.n, 700000);
    gf_val_unref(v);
    gf_buf_release(&b);
}

TEST(expand_home_as_python_expanduser)
{
    struct passwd *pw = getpwnam("root");
    char *s;

    ASSERT(pw != NULL);
    setenv("HOME", "/home/ctl/", 1);
    s = gf_expand_home("~/x");
    ASSERT_STREQ(s, "/home/ctl/x");
    free(s);
    s = gf_expand_home("~");
    ASSERT_STREQ(s, "/home/ctl");
    free(s);
    s = gf_expand_home("~root/.kube/config");
    char *want = gf_xasprintf("%s/.kube/config", strcmp(pw->pw_dir, "/") ? pw->pw_dir : "");
    ASSERT_STREQ(s, want);
    free(want);
    free(s);
    s = gf_expand_home("~nosuchuser-gf/x"); /* unknown user: left as it is */
    ASSERT_STREQ(s, "~nosuchuser-gf/x");
    free(s);
    s = gf_expand_home("/abs/~x");
    ASSERT_STREQ(s, "/abs/~x");
    free(s);
    setenv("HOME", "/", 1);
    s = gf_expand_home("~");
    ASSERT_STREQ(s, "/");
    free(s);
}
