/*
 * test-modules-text.c - unit tests for the text edits of lineinfile and
 * blockinfile (engine/modules/textedit.h) and the diff of diff mode.
 *
 * Every table row was run through ansible-core 2.14.18's own module
 * (ansible-playbook -c local on a temporary file) and the new content,
 * changed and msg copied from there; checked = 0 marks a deliberate
 * difference, said in a comment on the row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/modules/textedit.h"
#include "harness.h"

struct lif_case {
    const char *name, *before;
    struct gf_lineinfile_opts o;
    const char *after;
    int changed;
    const char *msg;
    long found;
    int checked;
};

static const struct lif_case lif_cases[] = {
    { "add_eof", "a\nb\nc\n", { NULL, NULL, "d", NULL, NULL, 0, 0, 0 }, "a\nb\nc\nd\n", 1,
      "line added", 0, 1 },
    { "present_exact", "a\nb\nc\n", { NULL, NULL, "b", NULL, NULL, 0, 0, 0 }, "a\nb\nc\n", 0, "",
      0, 1 },
    { "add_no_trailing_nl", "a\nb", { NULL, NULL, "c", NULL, NULL, 0, 0, 0 }, "a\nb\nc\n", 1,
      "line added", 0, 1 },
    { "replace_regexp", "x=1\ny=2\n", { "^y=", NULL, "y=3", NULL, NULL, 0, 0, 0 }, "x=1\ny=3\n", 1,
      "line replaced", 0, 1 },
    { "replace_same", "x=1\ny=3\n", { "^y=", NULL, "y=3", NULL, NULL, 0, 0, 0 }, "x=1\ny=3\n", 0,
      "", 0, 1 },
    { "replace_last_of_many", "k=1\nk=2\nz\n", { "^k=", NULL, "k=9", NULL, NULL, 0, 0, 0 },
      "k=1\nk=9\nz\n", 1, "line replaced", 0, 1 },
    { "replace_firstmatch", "k=1\nk=2\nz\n", { "^k=", NULL, "k=9", NULL, NULL, 0, 0, 1 },
      "k=9\nk=2\nz\n", 1, "line replaced", 0, 1 },
    { "regexp_nomatch_appends", "a\nb\nc\n", { "^zz", NULL, "zz=1", NULL, NULL, 0, 0, 0 },
      "a\nb\nc\nzz=1\n", 1, "line added", 0, 1 },
    { "insertafter_regex", "[s1]\nx\n[s2]\ny\n", { NULL, NULL, "new", "^\\[s1\\]", NULL, 0, 0, 0 },
      "[s1]\nnew\nx\n[s2]\ny\n", 1, "line added", 0, 1 },
    { "insertafter_last_match", "m\nq\nm\nq\n", { NULL, NULL, "new", "^m", NULL, 0, 0, 0 },
      "m\nq\nm\nnew\nq\n", 1, "line added", 0, 1 },
    { "insertafter_firstmatch", "m\nq\nm\nq\n", { NULL, NULL, "new", "^m", NULL, 0, 0, 1 },
      "m\nnew\nq\nm\nq\n", 1, "line added", 0, 1 },
    { "insertafter_nomatch_eof", "a\nb\nc\n", { NULL, NULL, "new", "^nothing", NULL, 0, 0, 0 },
      "a\nb\nc\nnew\n", 1, "line added", 0, 1 },
    { "insertafter_already_there", "m\nnew\nq\n", { NULL, NULL, "new", "^m", NULL, 0, 0, 0 },
      "m\nnew\nq\n", 0, "", 0, 1 },
    { "insertafter_at_end", "a\nm\n", { NULL, NULL, "new", "^m", NULL, 0, 0, 0 }, "a\nm\nnew\n", 1,
      "line added", 0, 1 },
    /* Ansible 2.14 writes "a\nmnew\n" here: the line glued to a last line without
     * a line end; gpuforge ends that line first */
    { "insertafter_at_end_nonl", "a\nm", { NULL, NULL, "new", "^m", NULL, 0, 0, 0 }, "a\nm\nnew\n",
      1, "line added", 0, 0 },
    { "insertbefore_regex", "a\nb\nc\n", { NULL, NULL, "new", NULL, "^b", 0, 0, 0 },
      "a\nnew\nb\nc\n", 1, "line added", 0, 1 },
    { "insertbefore_bof", "a\nb\nc\n", { NULL, NULL, "new", NULL, "BOF", 0, 0, 0 },
      "new\na\nb\nc\n", 1, "line added", 0, 1 },
    { "insertafter_bof", "a\nb\nc\n", { NULL, NULL, "new", "BOF", NULL, 0, 0, 0 },
      "new\na\nb\nc\n", 1, "line added", 0, 1 },
    { "insertbefore_first_line", "b\nc\n", { NULL, NULL, "new", NULL, "^b", 0, 0, 0 },
      "new\nb\nc\n", 1, "line added", 0, 1 },
    { "insertbefore_already", "new\nb\n", { NULL, NULL, "new", NULL, "^b", 0, 0, 0 }, "new\nb\n",
      0, "", 0, 1 },
    { "insertbefore_nomatch", "a\nb\nc\n", { NULL, NULL, "new", NULL, "^zz", 0, 0, 0 },
      "a\nb\nc\nnew\n", 1, "line added", 0, 1 },
    { "backrefs_replace", "port=80\n",
      { "^port=(\\d+)$", NULL, "port=\\1 # was \\1", NULL, NULL, 0, 1, 0 }, "port=80 # was 80\n",
      1, "line replaced", 0, 1 },
    { "backrefs_named", "port=80\n",
      { "^(?P<k>port)=(\\d+)$", NULL, "\\g<k>: \\g<2>", NULL, NULL, 0, 1, 0 }, "port: 80\n", 1,
      "line replaced", 0, 1 },
    { "backrefs_nomatch", "a\nb\nc\n", { "^zz(.*)", NULL, "\\1", NULL, NULL, 0, 1, 0 },
      "a\nb\nc\n", 0, "", 0, 1 },
    { "backrefs_unmatched_group", "ab\n", { "^a(x)?(b)", NULL, "[\\1][\\2]", NULL, NULL, 0, 1, 0 },
      "[][b]\n", 1, "line replaced", 0, 1 },
    { "search_string_replace", "foo = 1\nbar = 2\n",
      { NULL, "bar =", "bar = 3", NULL, NULL, 0, 0, 0 }, "foo = 1\nbar = 3\n", 1, "line replaced",
      0, 1 },
    { "search_string_nomatch", "foo = 1\n", { NULL, "zz", "zz = 3", NULL, NULL, 0, 0, 0 },
      "foo = 1\nzz = 3\n", 1, "line added", 0, 1 },
    { "absent_line", "a\nb\na\n", { NULL, NULL, "a", NULL, NULL, 1, 0, 0 }, "b\n", 1,
      "2 line(s) removed", 2, 1 },
    { "absent_regexp", "#x\ny\n#z\n", { "^#", NULL, NULL, NULL, NULL, 1, 0, 0 }, "y\n", 1,
      "2 line(s) removed", 2, 1 },
    { "absent_search", "foo bar\nbaz\n", { NULL, "bar", NULL, NULL, NULL, 1, 0, 0 }, "baz\n", 1,
      "1 line(s) removed", 1, 1 },
    { "absent_none", "a\nb\nc\n", { NULL, NULL, "zz", NULL, NULL, 1, 0, 0 }, "a\nb\nc\n", 0, "", 0,
      1 },
    { "create_empty", "", { NULL, NULL, "first", NULL, NULL, 0, 0, 0 }, "first\n", 1, "line added",
      0, 1 },
    { "empty_file", "", { NULL, NULL, "x", NULL, NULL, 0, 0, 0 }, "x\n", 1, "line added", 0, 1 },
    { "crlf_exact", "a\r\nb\r\n", { NULL, NULL, "b", NULL, NULL, 0, 0, 0 }, "a\r\nb\n", 1,
      "line replaced", 0, 1 },
    { "crlf_replace", "a\r\nb\r\n", { "^b", NULL, "b", NULL, NULL, 0, 0, 0 }, "a\r\nb\n", 1,
      "line replaced", 0, 1 },
    { "dollar_before_nl", "k = v\n", { "v$", NULL, "k = w", NULL, NULL, 0, 0, 0 }, "k = w\n", 1,
      "line replaced", 0, 1 },
    { "insertafter_regex_and_regexp", "[s]\nk=1\n",
      { "^k=", NULL, "k=2", "^\\[s\\]", NULL, 0, 0, 0 }, "[s]\nk=2\n", 1, "line replaced", 0, 1 },
    { "insertafter_exact_elsewhere", "new\nm\nq\n", { NULL, NULL, "new", "^m", NULL, 0, 0, 0 },
      "new\nm\nq\n", 0, "", 0, 1 },
    { "backrefs_line_nonl_last", "p=1", { "^p=(.*)", NULL, "p=\\1", NULL, NULL, 0, 1, 0 }, "p=1\n",
      1, "line replaced", 0, 1 },
    { "replace_last_nonl", "a\nb", { "^b", NULL, "b", NULL, NULL, 0, 0, 0 }, "a\nb\n", 1,
      "line replaced", 0, 1 },
};

struct bif_case {
    const char *name, *before;
    int exists;
    struct gf_blockinfile_opts o;
    const char *after;
    int changed;
    const char *msg;
};

static const struct bif_case bif_cases[] = {
    { "insert_eof", "a\nb\n", 1, { "x\ny", NULL, NULL, NULL, NULL, NULL, 0 },
      "a\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nx\ny\n# END ANSIBLE MANAGED BLOCK\n", 1,
      "Block inserted" },
    { "update_block", "a\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\nb\n", 1,
      { "new", NULL, NULL, NULL, NULL, NULL, 0 },
      "a\n# BEGIN ANSIBLE MANAGED BLOCK\nnew\n# END ANSIBLE MANAGED BLOCK\nb\n", 1,
      "Block inserted" },
    { "same_block", "a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n", 1,
      { "x", NULL, NULL, NULL, NULL, NULL, 0 },
      "a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n", 0, "" },
    { "remove_block", "a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nb\n", 1,
      { NULL, NULL, NULL, NULL, NULL, NULL, 1 }, "a\nb\n", 1, "Block removed" },
    { "remove_empty_block",
      "a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nb\n", 1,
      { "", NULL, NULL, NULL, NULL, NULL, 0 }, "a\nb\n", 1, "Block removed" },
    { "remove_none", "a\n", 1, { NULL, NULL, NULL, NULL, NULL, NULL, 1 }, "a\n", 0, "" },
    { "custom_marker", "a\n", 1, { "x", "// {mark} mine", "START", "STOP", NULL, NULL, 0 },
      "a\n// START mine\nx\n// STOP mine\n", 1, "Block inserted" },
    { "insertafter_re", "a\nb\na\nc\n", 1, { "x", NULL, NULL, NULL, "^a", NULL, 0 },
      "a\nb\na\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nc\n", 1,
      "Block inserted" },
    { "insertbefore_re", "a\nb\na\nc\n", 1, { "x", NULL, NULL, NULL, NULL, "^a", 0 },
      "a\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\na\nc\n", 1,
      "Block inserted" },
    { "insertbefore_bof", "a\nb\n", 1, { "x", NULL, NULL, NULL, NULL, "BOF", 0 },
      "# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\na\nb\n", 1,
      "Block inserted" },
    { "insertafter_nomatch", "a\n", 1, { "x", NULL, NULL, NULL, "^zz", NULL, 0 },
      "a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n", 1, "Block inserted" },
    { "no_trailing_nl", "a\nb", 1, { "x", NULL, NULL, NULL, NULL, NULL, 0 },
      "a\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n", 1,
      "Block inserted" },
    { "reversed_markers", "# END ANSIBLE MANAGED BLOCK\nm\n# BEGIN ANSIBLE MANAGED BLOCK\nz\n", 1,
      { "x", NULL, NULL, NULL, NULL, NULL, 0 },
      "# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nz\n", 1, "Block inserted" },
    { "only_begin_marker", "# BEGIN ANSIBLE MANAGED BLOCK\nz\n", 1,
      { "x", NULL, NULL, NULL, NULL, NULL, 0 },
      "# BEGIN ANSIBLE MANAGED BLOCK\nz\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n"
      "# END ANSIBLE MANAGED BLOCK\n",
      1, "Block inserted" },
    { "multiline_after", "a\nb\nc\n", 1, { "x", NULL, NULL, NULL, "(?m)^b$", NULL, 0 },
      "a\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nc\n", 1,
      "Block inserted" },
    { "multiline_before", "a\nb\nc\n", 1, { "x", NULL, NULL, NULL, NULL, "(?m)^b$", 0 },
      "a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nb\nc\n", 1,
      "Block inserted" },
    { "create_file", "", 0, { "x", NULL, NULL, NULL, NULL, NULL, 0 },
      "# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n", 1, "File created" },
    { "create_empty_block", "", 0, { NULL, NULL, NULL, NULL, NULL, NULL, 0 }, "", 1,
      "File created" },
    { "crlf_lines", "a\r\nb\r\n", 1, { "x", NULL, NULL, NULL, "^a", NULL, 0 },
      "a\r\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nb\r\n", 1,
      "Block inserted" },
    { "block_trailing_nl", "a\n", 1, { "x\ny\n", NULL, NULL, NULL, NULL, NULL, 0 },
      "a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\ny\n# END ANSIBLE MANAGED BLOCK\n", 1,
      "Block inserted" },
    { "insertafter_last_nonl", "a\nb", 1, { "x", NULL, NULL, NULL, "^b", NULL, 0 },
      "a\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n", 1,
      "Block inserted" },
};

typedef int (*edit_fn)(const char *text, size_t len, int exists, const void *opts,
                       struct gf_textedit *te);

static int lif_edit(const char *text, size_t len, int exists, const void *opts,
                    struct gf_textedit *te)
{
    (void)exists;
    return gf_lineinfile_edit(text, len, opts, te);
}

static int bif_edit(const char *text, size_t len, int exists, const void *opts,
                    struct gf_textedit *te)
{
    return gf_blockinfile_edit(text, len, exists, opts, te);
}

/* Runs one case, then again on its own output: the second run must
 * change nothing. */
static void check_case(const char *name, edit_fn edit, const void *opts, const char *before,
                       int exists, const char *after, int changed, const char *msg, long found)
{
    struct gf_textedit te, again;

    gf_textedit_init(&te);
    gf_textedit_init(&again);
    if (edit(before, strlen(before), exists, opts, &te) < 0)
        FAILF("%s: %s", name, te.err.msg);
    if (strcmp(te.out.buf, after) || te.changed != changed || strcmp(te.msg, msg) ||
        te.found != found)
        FAILF("%s: got \"%s\" changed=%d msg=\"%s\" found=%ld", name, te.out.buf, te.changed,
              te.msg, te.found);
    ASSERT(edit(te.out.buf, te.out.len, 1, opts, &again) == 0);
    if (again.changed)
        FAILF("%s: a second run changed \"%s\" to \"%s\"", name, te.out.buf, again.out.buf);
    gf_textedit_release(&te);
    gf_textedit_release(&again);
}

TEST(lineinfile_cases_as_ansible)
{
    for (size_t i = 0; i < GF_ARRAY_LEN(lif_cases); i++) {
        const struct lif_case *c = &lif_cases[i];
        check_case(c->name, lif_edit, &c->o, c->before, 1, c->after, c->changed, c->msg,
                   c->found);
    }
}

TEST(blockinfile_cases_as_ansible)
{
    for (size_t i = 0; i < GF_ARRAY_LEN(bif_cases); i++) {
        const struct bif_case *c = &bif_cases[i];
        check_case(c->name, bif_edit, &c->o, c->before, c->exists, c->after, c->changed, c->msg,
                   0);
    }
}

/* Backreference templates expand as Python's match.expand() (results and
 * errors taken from Python 3.11 on the same match). */
TEST(lineinfile_backref_templates)
{
    static const struct {
        const char *tpl, *want, *err;
    } cases[] = {
        { "\\101\\1", "Aa\n", NULL },
        { "\\g<0>-\\g<n>\\t|", "ab-b\t|\n", NULL },
        { "[\\3]", "[]\n", NULL },
        { "\\.\\-", "\\.\\-\n", NULL },
        { "\\12", NULL, "invalid group reference 12" },
        { "\\4", NULL, "invalid group reference 4" },
        { "\\x41", NULL, "bad escape \\x" },
        { "\\g<zz>", NULL, "unknown group name 'zz'" },
        { "\\", NULL, "bad escape (end" },
    };
    for (size_t i = 0; i < GF_ARRAY_LEN(cases); i++) {
        struct gf_lineinfile_opts o = { .regexp = "^(a)(?P<n>b)(x)?", .line = cases[i].tpl,
                                        .backrefs = 1 };
        struct gf_textedit te;
        gf_textedit_init(&te);
        int rc = gf_lineinfile_edit("abc\n", 4, &o, &te);
        if (cases[i].want) {
            ASSERT_EQ(rc, 0);
            ASSERT_STREQ(te.out.buf, cases[i].want);
        } else {
            ASSERT(rc < 0);
            if (strstr(te.err.msg, cases[i].err) == NULL)
                FAILF("%s: error \"%s\" lacks \"%s\"", cases[i].tpl, te.err.msg, cases[i].err);
        }
        gf_textedit_release(&te);
    }
    /* "\0" is a NUL byte, kept inside the line */
    struct gf_lineinfile_opts o = { .regexp = "^a", .line = "x\\0y", .backrefs = 1 };
    struct gf_textedit te;
    gf_textedit_init(&te);
    ASSERT_EQ(gf_lineinfile_edit("ab\n", 3, &o, &te), 0);
    ASSERT_EQ(te.out.len, 4);
    ASSERT(memcmp(te.out.buf, "x\0y\n", 4) == 0);
    gf_textedit_release(&te);
}

/* Python's \Z (end of text) reads as PCRE2's \z, not PCRE2's \Z. */
TEST(lineinfile_python_end_anchor)
{
    struct gf_lineinfile_opts o = { .regexp = "b\\Z", .line = "z" };
    struct gf_textedit te;

    gf_textedit_init(&te);
    ASSERT_EQ(gf_lineinfile_edit("b\n", 2, &o, &te), 0);
    ASSERT_STREQ(te.out.buf, "b\nz\n"); /* "b\n" does not end in b */
    gf_textedit_release(&te);
}

TEST(lineinfile_argument_errors)
{
    static const struct {
        struct gf_lineinfile_opts o;
        const char *err;
    } cases[] = {
        { { .line = "x", .insertafter = "a", .insertbefore = "b" },
          "parameters are mutually exclusive: insertbefore|insertafter" },
        { { .line = "x", .regexp = "a", .search_string = "b" },
          "parameters are mutually exclusive: regexp|search_string" },
        { { .line = "x", .search_string = "b", .backrefs = 1 },
          "parameters are mutually exclusive: backrefs|search_string" },
        { { .line = "x", .backrefs = 1 }, "regexp is required with backrefs=true" },
        { { .regexp = "x" }, "line is required with state=present" },
        { { .absent = 1 }, "one of line, search_string, or regexp is required with state=absent" },
    };
    for (size_t i = 0; i < GF_ARRAY_LEN(cases); i++) {
        struct gf_textedit te;
        gf_textedit_init(&te);
        ASSERT_STREQ(gf_lineinfile_invalid(&cases[i].o), cases[i].err);
        ASSERT(gf_lineinfile_edit("", 0, &cases[i].o, &te) < 0);
        ASSERT_STREQ(te.err.msg, cases[i].err);
        gf_textedit_release(&te);
    }
    struct gf_lineinfile_opts o = { .regexp = "a(", .line = "x" };
    struct gf_textedit te;
    gf_textedit_init(&te);
    ASSERT(gf_lineinfile_edit("a\n", 2, &o, &te) < 0);
    ASSERT(strstr(te.err.msg, "invalid regular expression in regexp 'a('") != NULL);
    gf_textedit_release(&te);
}

/* Text compared with CallbackBase._get_diff of ansible-core 2.14.18. */
TEST(udiff_as_ansible)
{
    static const struct {
        const char *before, *after, *want;
    } cases[] = {
        { "a\nb\nc\n", "a\nb\nc\nd\n", "@@ -1,3 +1,4 @@\n a\n b\n c\n+d\n\n" },
        { "", "first\n", "@@ -0,0 +1 @@\n+first\n\n" },
        { "a\nb", "a\nb\nc\n",
          "@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n\n" },
        { "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n",
          "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\nY\n15\n",
          "@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n"
          "@@ -11,5 +11,5 @@\n 11\n 12\n 13\n-14\n+Y\n 15\n\n" },
        { "1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\nX\n4\n5\n6\nY\n8\n",
          "@@ -1,8 +1,8 @@\n 1\n 2\n-3\n+X\n 4\n 5\n 6\n-7\n+Y\n 8\n\n" },
        { "a\nb\n", "", "@@ -1,2 +0,0 @@\n-a\n-b\n\n" },
        { "a\nb\nc\nd\ne\n", "a\ne\n", "@@ -1,5 +1,2 @@\n a\n-b\n-c\n-d\n e\n\n" },
    };
    for (size_t i = 0; i < GF_ARRAY_LEN(cases); i++) {
        struct gf_buf out = GF_BUF_INIT;
        char *want = gf_xasprintf("--- before: /f (content)\n+++ after: /f (content)\n%s",
                                  cases[i].want);
        gf_text_udiff(cases[i].before, strlen(cases[i].before), cases[i].after,
                      strlen(cases[i].after), "/f (content)", &out);
        ASSERT_STREQ(out.buf, want);
        free(want);
        gf_buf_release(&out);
    }
    struct gf_buf out = GF_BUF_INIT;
    gf_text_udiff("same\n", 5, "same\n", 5, "/f", &out);
    ASSERT_EQ(out.len, 0);
    gf_buf_release(&out);
}
