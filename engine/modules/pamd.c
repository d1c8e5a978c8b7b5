/*
 * pamd.c - the `pamd` module (community.general.pamd): one rule of a PAM
 * service file (/etc/pam.d/NAME) updated, inserted before or after another,
 * removed, or its arguments added or removed. The edit is a pure function
 * (gf_pamd_edit, confedit.h) that follows the Python module's linked list
 * of lines step by step, its quirks included, so that the file comes out
 * byte for byte as ansible-playbook leaves it: every rule of a changed
 * file is written back in the module's own layout ("TYPE<pad to 11>CONTROL
 * PATH ARGS"), a "# Updated by Ansible - TIME" line goes second, and the
 * comments between a rule and the one a new rule is put next to are lost.
 * The file is read and written back through nodefile.c.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "confedit.h"
#include "nodefile.h"

#define edit_fail(te, ...) gf_error_set(&(te)->err, GF_EINVAL, NULL, 0, 0, __VA_ARGS__)

#define PAMD_TYPES "account,-account,auth,-auth,password,-password,session,-session"

static const char *const simple_controls[] = {
    "required", "requisite", "sufficient", "optional", "include", "substack", "definitive", NULL,
};
static const char *const control_values[] = {
    "success", "open_err", "symbol_err", "service_err", "system_err", "buf_err", "perm_denied",
    "auth_err", "cred_insufficient", "authinfo_unavail", "user_unknown", "maxtries",
    "new_authtok_reqd", "acct_expired", "session_err", "cred_unavail", "cred_expired", "cred_err",
    "no_module_data", "conv_err", "authtok_err", "authtok_recover_err", "authtok_lock_busy",
    "authtok_disable_aging", "try_again", "ignore", "abort", "authtok_expired", "module_unknown",
    "bad_item", "conv_again", "incomplete", "default", NULL,
};
static const char *const control_actions[] = { "ignore", "bad", "die", "ok", "done", "reset", NULL };

/* Python's str.isspace() for the bytes a PAM file holds, and what \s of
 * a regular expression matches of them (strchr: never the NUL). */
#define PY_SPACE " \t\n\v\f\r\x1c\x1d\x1e\x1f"
#define RE_SPACE " \t\n\v\f\r"

enum pkind { P_EMPTY, P_COMMENT, P_INCLUDE, P_RULE };

/* One line of the service, a node of the Python module's list. */
struct pline {
    enum pkind kind;
    char *text;           /* the line as read (not rules) */
    char *type;
    char *control;        /* as the module shows it: "[a=b c=d]" for a list */
    int ctl_list;         /* a bracketed control */
    char *path;
    struct gf_vec args;   /* of char * */
    struct pline *prev, *next;
};

struct service {
    struct pline *head, *tail;
    struct gf_vec all;    /* every node made, for freeing */
};

static int in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

static void args_clear(struct gf_vec *v)
{
    gf_vec_release(v, free);
}

/* parse_module_arguments on one string: the matches of (\[.*\]|\S*) that
 * are not empty, appended to out. */
static void args_split(const char *s, struct gf_vec *out)
{
    size_t n = strlen(s), p = 0;

    while (p < n) {
        if (strchr(RE_SPACE, s[p])) {
            p++;
            continue;
        }
        const char *close = s[p] == '[' ? strrchr(s + p + 1, ']') : NULL;
        size_t e = p;
        if (close) {
            e = (size_t)(close - s) + 1;
        } else {
            while (e < n && !strchr(RE_SPACE, s[e]))
                e++;
        }
        gf_vec_push(out, gf_xstrndup(s + p, e - p));
        p = e;
    }
}

/* parse_module_arguments on a list of strings. */
static void args_parse(const char *const *items, size_t n, struct gf_vec *out)
{
    if (n == 1 && items[0][0] == '\0')
        return;
    for (size_t i = 0; i < n; i++)
        args_split(items[i], out);
}

/* A copy of a list of arguments, run through parse_module_arguments again
 * as the rule_args setter does (it changes nothing an earlier parse made,
 * but a value given whole is split). */
static void args_set(struct gf_vec *dst, const struct gf_vec *src)
{
    struct gf_vec v = { 0 };

    args_parse((const char *const *)src->v, src->n, &v);
    args_clear(dst);
    *dst = v;
}

static int args_equal(const struct gf_vec *a, const struct gf_vec *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i], b->v[i]))
            return 0;
    return 1;
}

static long args_index(const struct gf_vec *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->v[i], s) == 0)
            return (long)i;
    return -1;
}

/* The rule_control setter: "[a = b  c=d]" is kept as the list of its items
 * ("a=b", "", "c=d"), shown again as "[a=b  c=d]". */
static void rule_set_control(struct pline *l, const char *c)
{
    struct gf_buf b = GF_BUF_INIT;

    free(l->control);
    l->ctl_list = c[0] == '[';
    if (!l->ctl_list) {
        l->control = gf_xstrdup(c);
        return;
    }
    gf_buf_addc(&b, '[');
    for (const char *s = c; *s; s++) {
        if (strncmp(s, " = ", 3) == 0) {
            gf_buf_addc(&b, '=');
            s += 2;
        } else if (*s != '[' && *s != ']') {
            gf_buf_addc(&b, *s);
        }
    }
    gf_buf_addc(&b, ']');
    l->control = gf_buf_detach(&b, NULL);
}

static struct pline *line_new(struct service *sv, enum pkind kind)
{
    struct pline *l = gf_xcalloc(1, sizeof(*l));

    l->kind = kind;
    gf_vec_push(&sv->all, l);
    return l;
}

static struct pline *rule_new(struct service *sv, const char *type, const char *control,
                              const char *path, const struct gf_vec *args)
{
    struct pline *l = line_new(sv, P_RULE);

    l->type = gf_xstrdup(type);
    rule_set_control(l, control);
    l->path = gf_xstrdup(path);
    if (args)
        args_set(&l->args, args);
    return l;
}

static void line_free(void *p)
{
    struct pline *l = p;

    free(l->text);
    free(l->type);
    free(l->control);
    free(l->path);
    args_clear(&l->args);
    free(l);
}

static void service_release(struct service *sv)
{
    gf_vec_release(&sv->all, line_free);
    sv->head = sv->tail = NULL;
}

static void service_append(struct service *sv, struct pline *l)
{
    if (sv->head == NULL) {
        sv->head = sv->tail = l;
    } else {
        l->prev = sv->tail;
        l->next = NULL;
        sv->tail->next = l;
        sv->tail = l;
    }
}

/* str(rule): "TYPE" padded to 11 columns, CONTROL, PATH and the arguments. */
static void rule_render(const struct pline *l, struct gf_buf *b)
{
    gf_buf_addf(b, "%-11s%s %s", l->type, l->control, l->path);
    if (l->args.n)
        gf_buf_addc(b, ' ');
    for (size_t i = 0; i < l->args.n; i++)
        gf_buf_addf(b, "%s%s", i ? " " : "", (const char *)l->args.v[i]);
}

static void line_render(const struct pline *l, struct gf_buf *b)
{
    if (l->kind == P_RULE)
        rule_render(l, b);
    else
        gf_buf_adds(b, l->text);
}

/* RULE_REGEX of the Python module, searched anywhere in the line. */
static const char rule_re[] =
    "(-?(?:auth|account|session|password))\\s+(\\[.*\\]|\\S*)\\s+(\\S*)\\s*(.*)\\s*";

/* Reads one line as PamdService does: a comment, an include, an empty
 * line or a rule. Returns 0, or -GF_EINVAL (a line that is none of them:
 * the Python module stops there with a traceback). */
static int parse_line(struct service *sv, pcre2_code *re, pcre2_match_data *md, const char *s,
                      size_t n, struct gf_textedit *te)
{
    size_t lead = 0;
    struct pline *l;

    while (lead < n && strchr(PY_SPACE, s[lead]) && s[lead])
        lead++;
    if (lead < n && s[lead] == '#') {
        l = line_new(sv, P_COMMENT);
    } else if (n - lead >= 8 && memcmp(s + lead, "@include", 8) == 0) {
        l = line_new(sv, P_INCLUDE);
    } else if (lead == n) {
        l = line_new(sv, P_EMPTY);
    } else {
        if (pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL) < 4)
            return edit_fail(te, "cannot parse the PAM rule '%.*s' (no type, control and module "
                             "path)", (int)n, s);
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        char *type = gf_xstrndup(s + ov[2], ov[3] - ov[2]);
        char *ctl = gf_xstrndup(s + ov[4], ov[5] - ov[4]);
        char *path = gf_xstrndup(s + ov[6], ov[7] - ov[6]);
        char *rest = gf_xstrndup(s + ov[8], ov[9] - ov[8]);
        struct gf_vec args = { 0 };
        args_split(rest, &args);
        l = rule_new(sv, type, ctl, path, &args);
        args_clear(&args);
        free(type);
        free(ctl);
        free(path);
        free(rest);
        service_append(sv, l);
        return 0;
    }
    l->text = gf_xstrndup(s, n);
    service_append(sv, l);
    return 0;
}

/* PamdService(content): the lines of str.splitlines() (after the universal
 * newlines of a file read as text). */
static int service_parse(struct service *sv, const char *text, size_t len,
                         struct gf_textedit *te)
{
    int ec, rc = 0;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)rule_re, PCRE2_ZERO_TERMINATED, 0, &ec, &off,
                                   NULL);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    size_t p = 0;

    while (p < len && rc == 0) {
        size_t e = p;
        while (e < len && !strchr("\n\r\v\f\x1c\x1d\x1e", text[e]))
            e++;
        rc = parse_line(sv, re, md, text + p, e - p, te);
        if (e < len && text[e] == '\r' && e + 1 < len && text[e + 1] == '\n')
            e++;
        p = e + 1;
    }
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return rc;
}

static int rule_matches(const struct pline *l, const char *type, const char *control,
                        const char *path)
{
    return l->kind == P_RULE && strcmp(l->type, type) == 0 && strcmp(l->control, control) == 0 &&
           strcmp(l->path, path) == 0;
}

/* get(): the rules that match, in order (the list is taken before an edit
 * adds to it). */
static void service_get(const struct service *sv, const struct gf_pamd_opts *o,
                        struct gf_vec *out)
{
    for (struct pline *l = sv->head; l; l = l->next)
        if (rule_matches(l, o->type, o->control, o->module_path))
            gf_vec_push(out, l);
}

static int given(const char *s)
{
    return s && *s;
}

static void new_args(const struct gf_pamd_opts *o, struct gf_vec *out)
{
    if (o->have_args)
        args_parse(o->args, o->nargs, out);
}

static long do_update(struct service *sv, const struct gf_pamd_opts *o)
{
    struct gf_vec found = { 0 }, args = { 0 };
    long changes = 0;

    service_get(sv, o, &found);
    new_args(o, &args);
    for (size_t i = 0; i < found.n; i++) {
        struct pline *r = found.v[i];
        int changed = 0;
        if (given(o->new_type) && strcmp(r->type, o->new_type)) {
            changed = 1;
            free(r->type);
            r->type = gf_xstrdup(o->new_type);
        }
        if (given(o->new_control) && strcmp(r->control, o->new_control)) {
            changed = 1;
            rule_set_control(r, o->new_control);
        }
        if (given(o->new_module_path) && strcmp(r->path, o->new_module_path)) {
            changed = 1;
            free(r->path);
            r->path = gf_xstrdup(o->new_module_path);
        }
        if (o->have_args && !args_equal(&r->args, &args)) {
            changed = 1;
            args_set(&r->args, &args);
        }
        changes += changed;
    }
    args_clear(&args);
    gf_vec_release(&found, NULL);
    return changes;
}

static int blank_or_comment(const struct pline *l)
{
    return l->kind == P_COMMENT || l->kind == P_EMPTY;
}

static struct pline *new_rule(struct service *sv, const struct gf_pamd_opts *o)
{
    struct gf_vec args = { 0 };

    new_args(o, &args);
    struct pline *l = rule_new(sv, o->new_type, o->new_control, o->new_module_path, &args);
    args_clear(&args);
    return l;
}

/* insert_before: the new rule goes before each match unless the rule
 * before it (comments and empty lines passed over, and then dropped) is
 * the new one already. */
static long do_before(struct service *sv, const struct gf_pamd_opts *o)
{
    struct gf_vec found = { 0 };
    long changes = 0;

    service_get(sv, o, &found);
    for (size_t i = 0; i < found.n; i++) {
        struct pline *cur = found.v[i], *nr = new_rule(sv, o), *prev = cur->prev;
        while (prev && blank_or_comment(prev))
            prev = prev->prev;
        if (prev && !rule_matches(prev, o->new_type, o->new_control, o->new_module_path)) {
            prev->next = nr;
            nr->prev = prev;
            nr->next = cur;
            cur->prev = nr;
            changes++;
        } else if (prev == NULL) {
            if (cur->prev == NULL)
                sv->head = nr;
            else
                cur->prev->next = nr;
            nr->prev = cur->prev;
            nr->next = cur;
            cur->prev = nr;
            changes++;
        }
    }
    gf_vec_release(&found, NULL);
    return changes;
}

/* insert_after: the mirror image; after the last rule the new one goes at
 * the very end, and what came between (comments, empty lines) is dropped. */
static long do_after(struct service *sv, const struct gf_pamd_opts *o)
{
    struct gf_vec found = { 0 };
    long changes = 0;

    service_get(sv, o, &found);
    for (size_t i = 0; i < found.n; i++) {
        struct pline *cur = found.v[i], *next = cur->next;
        while (next && blank_or_comment(next))
            next = next->next;
        struct pline *nr = new_rule(sv, o);
        if (next && !rule_matches(next, o->new_type, o->new_control, o->new_module_path)) {
            next->prev = nr;
            nr->next = next;
            nr->prev = cur;
            cur->next = nr;
            changes++;
        } else if (next == NULL) {
            nr->prev = sv->tail;
            nr->next = NULL;
            sv->tail->next = nr;
            sv->tail = nr;
            cur->next = nr;
            changes++;
        }
    }
    gf_vec_release(&found, NULL);
    return changes;
}

/* "key=value": 1 with the split, 0 for a simple argument; -1 when there is
 * more than one '=' (the Python module's unpacking fails there). */
static int kv_split(const char *arg, char **key, const char **value)
{
    const char *eq = strchr(arg, '=');

    if (!eq)
        return 0;
    if (strchr(eq + 1, '='))
        return -1;
    *key = gf_xstrndup(arg, (size_t)(eq - arg));
    *value = eq + 1;
    return 1;
}

/* The value of key among args's key=value arguments (the last one, as a
 * dict built from them keeps), or NULL. */
static const char *kv_get(const struct gf_vec *args, const char *key)
{
    const char *val = NULL;
    size_t kl = strlen(key);

    for (size_t i = 0; i < args->n; i++) {
        const char *a = args->v[i];
        if (a[0] != '[' && strncmp(a, key, kl) == 0 && a[kl] == '=')
            val = a + kl + 1;
    }
    return val;
}

/* Checks that every argument is simple or key=value with one '='. */
static int kv_check(const struct gf_vec *args, const char *line, struct gf_textedit *te)
{
    for (size_t i = 0; i < args->n; i++) {
        const char *a = args->v[i], *v;
        char *k = NULL;
        if (a[0] != '[' && kv_split(a, &k, &v) < 0)
            return edit_fail(te, "cannot handle the argument '%s'%s%s: more than one '=' (the "
                             "Python module fails on it too)", a, line ? " of the rule " : "",
                             line ? line : "");
        free(k);
    }
    return 0;
}

/* add_module_arguments: the simple arguments and the keys a rule lacks are
 * appended (the Python module takes them from sets, in no fixed order;
 * here in the order given), and a key the rule has with another value gets
 * the new value in its place. */
static int do_args_present(struct service *sv, const struct gf_pamd_opts *o, long *changes,
                           struct gf_textedit *te)
{
    struct gf_vec found = { 0 }, add = { 0 };
    struct gf_buf line = GF_BUF_INIT;
    int rc = 0;

    service_get(sv, o, &found);
    new_args(o, &add);
    if (found.n && (rc = kv_check(&add, NULL, te)) < 0)
        goto out;
    for (size_t i = 0; i < found.n; i++) {
        struct pline *r = found.v[i];
        struct gf_vec all = { 0 };
        size_t had = r->args.n;
        int changed = 0;
        gf_buf_reset(&line);
        rule_render(r, &line);
        if ((rc = kv_check(&r->args, line.buf, te)) < 0)
            goto out;
        for (size_t j = 0; j < had; j++)
            gf_vec_push(&all, gf_xstrdup(r->args.v[j]));
        for (int pass = 0; pass < 2; pass++) {
            for (size_t j = 0; j < add.n; j++) {
                const char *a = add.v[j], *v;
                char *k = NULL;
                int kv = a[0] == '[' ? -1 : kv_split(a, &k, &v);
                if (pass == 0 && kv == 0 && args_index(&r->args, a) < 0 &&
                    args_index(&all, a) < 0)
                    gf_vec_push(&all, gf_xstrdup(a));
                if (pass == 1 && kv == 1 && !kv_get(&r->args, k) && !kv_get(&all, k))
                    gf_vec_push(&all, gf_xasprintf("%s=%s", k, kv_get(&add, k)));
                free(k);
            }
        }
        if (all.n > had) {
            args_set(&r->args, &all);
            changed = 1;
        }
        args_clear(&all);
        for (size_t j = 0; j < add.n; j++) {
            const char *a = add.v[j], *v, *cur;
            char *k = NULL;
            if (a[0] == '[' || kv_split(a, &k, &v) != 1)
                continue;
            v = kv_get(&add, k);
            if ((cur = kv_get(&r->args, k)) != NULL && strcmp(cur, v)) {
                char *old = gf_xasprintf("%s=%s", k, cur);
                long at = args_index(&r->args, old);
                free(r->args.v[at]);
                r->args.v[at] = gf_xasprintf("%s=%s", k, v);
                changed = 1;
                free(old);
            }
            free(k);
        }
        *changes += changed;
    }
out:
    gf_buf_release(&line);
    args_clear(&add);
    gf_vec_release(&found, NULL);
    return rc;
}

static long do_args_absent(struct service *sv, const struct gf_pamd_opts *o)
{
    struct gf_vec found = { 0 }, del = { 0 };
    long changes = 0;

    service_get(sv, o, &found);
    new_args(o, &del);
    for (size_t i = 0; i < found.n; i++) {
        struct pline *r = found.v[i];
        int any = 0;
        for (size_t j = 0; j < r->args.n && !any; j++)
            any = args_index(&del, r->args.v[j]) >= 0;
        if (!any)
            continue;
        struct gf_vec keep = { 0 };
        for (size_t j = 0; j < r->args.n; j++)
            if (args_index(&del, r->args.v[j]) < 0)
                gf_vec_push(&keep, r->args.v[j]);
        args_set(&r->args, &keep);
        gf_vec_release(&keep, NULL);
        changes++;
    }
    args_clear(&del);
    gf_vec_release(&found, NULL);
    return changes;
}

static int do_absent(struct service *sv, const struct gf_pamd_opts *o, long *changes,
                     struct gf_textedit *te)
{
    for (struct pline *l = sv->head; l; l = l->next) {
        if (!rule_matches(l, o->type, o->control, o->module_path))
            continue;
        if (l->prev) {
            l->prev->next = l->next;
            if (l->next)
                l->next->prev = l->prev;
        } else {
            if (l->next == NULL)
                return edit_fail(te, "cannot remove the only line of the file (the Python "
                                 "module fails there too)");
            sv->head = l->next;
            l->next->prev = NULL;
        }
        (*changes)++;
    }
    return 0;
}

/* The unsigned int an action may be instead of a word (Python's int()). */
static int unsigned_int(const char *s)
{
    int neg = 0, digits = 0, nonzero = 0;

    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    for (; *s; s++) {
        if (*s == '_' && digits && s[1] >= '0' && s[1] <= '9')
            continue;
        if (*s < '0' || *s > '9')
            return 0;
        digits++;
        nonzero |= *s != '0';
    }
    return digits && !(neg && nonzero);
}

/* validate(): the first line that is not valid, as the module words it. */
static int service_validate(const struct service *sv, struct gf_textedit *te)
{
    struct gf_buf line = GF_BUF_INIT;
    int rc = 0;

    for (const struct pline *l = sv->head; l && rc == 0; l = l->next) {
        gf_buf_reset(&line);
        line_render(l, &line);
        if (l->kind == P_COMMENT || l->kind == P_INCLUDE) {
            const char *start = l->kind == P_COMMENT ? "#" : "@include";
            if (strncmp(l->text, start, strlen(start)))
                rc = edit_fail(te, "Rule is not valid %s", l->text);
            continue;
        }
        if (l->kind != P_RULE)
            continue;
        if (!l->ctl_list) {
            if (!in_list(l->control, simple_controls))
                rc = edit_fail(te, "Rule control, %s, is not valid in rule %s", l->control,
                               line.buf);
            continue;
        }
        /* the items of "[...]", split at each single space */
        char *items = gf_xstrndup(l->control + 1, strlen(l->control) - 2), *p = items;
        for (;;) {
            char *sp = strchr(p, ' '), *eq;
            if (sp)
                *sp = '\0';
            if ((eq = strchr(p, '=')) == NULL || strchr(eq + 1, '=')) {
                rc = edit_fail(te, "cannot read the control item '%s' of the rule %s (the "
                               "Python module fails on it too)", p, line.buf);
                break;
            }
            *eq = '\0';
            if (!in_list(p, control_values)) {
                rc = edit_fail(te, "Rule control value, %s, is not valid in rule %s", p,
                               line.buf);
                break;
            }
            if (!in_list(eq + 1, control_actions) && !unsigned_int(eq + 1)) {
                rc = edit_fail(te, "Rule control action, %s, is not valid in rule %s", eq + 1,
                               line.buf);
                break;
            }
            if (!sp)
                break;
            p = sp + 1;
        }
        free(items);
    }
    gf_buf_release(&line);
    return rc;
}

/* str(service): the lines, the mark second (or first after an empty line
 * when there is at most one line). */
static void service_render(const struct service *sv, const char *mark, struct gf_buf *out)
{
    struct gf_vec lines = { 0 };

    for (const struct pline *l = sv->head; l; l = l->next) {
        struct gf_buf b = GF_BUF_INIT;
        line_render(l, &b);
        gf_vec_push(&lines, gf_buf_detach(&b, NULL));
    }
    if (lines.n <= 1) {
        gf_buf_adds(out, "\n");
        gf_buf_addf(out, "%s\n", mark);
        if (lines.n)
            gf_buf_addf(out, "%s\n", (const char *)lines.v[0]);
    } else {
        gf_buf_addf(out, "%s\n%s\n", (const char *)lines.v[0], mark);
        size_t from = strncmp(lines.v[1], "# Updated by Ansible", 20) == 0 ? 2 : 1;
        for (size_t i = from; i < lines.n; i++)
            gf_buf_addf(out, "%s\n", (const char *)lines.v[i]);
    }
    gf_vec_release(&lines, free);
}

const char *gf_pamd_invalid(const struct gf_pamd_opts *o)
{
    struct gf_vec args = { 0 };
    int bracket = 0;

    if (o->state != GF_PAMD_ARGS_PRESENT)
        return NULL;
    new_args(o, &args);
    for (size_t i = 0; i < args.n; i++)
        bracket |= ((const char *)args.v[i])[0] == '[';
    args_clear(&args);
    return bracket ? "Unable to process bracketed '[' complex arguments with 'args_present'. "
                     "Please use 'updated'." : NULL;
}

int gf_pamd_edit(const char *text, size_t len, const struct gf_pamd_opts *o,
                 struct gf_textedit *te)
{
    struct service sv = { 0 };
    const char *bad;
    long changes = 0;
    int rc;

    if ((bad = gf_pamd_invalid(o)) != NULL)
        return edit_fail(te, "%s", bad);
    if ((rc = service_parse(&sv, text, len, te)) < 0)
        goto out;
    switch (o->state) {
    case GF_PAMD_UPDATED: changes = do_update(&sv, o); break;
    case GF_PAMD_BEFORE: changes = do_before(&sv, o); break;
    case GF_PAMD_AFTER: changes = do_after(&sv, o); break;
    case GF_PAMD_ARGS_ABSENT: changes = do_args_absent(&sv, o); break;
    case GF_PAMD_ARGS_PRESENT: rc = do_args_present(&sv, o, &changes, te); break;
    case GF_PAMD_ABSENT: rc = do_absent(&sv, o, &changes, te); break;
    }
    if (rc < 0 || (rc = service_validate(&sv, te)) < 0)
        goto out;
    te->found = changes;
    te->changed = changes > 0;
    gf_buf_reset(&te->out);
    if (te->changed)
        service_render(&sv, o->mark, &te->out);
    else
        gf_buf_add(&te->out, text, len);
out:
    service_release(&sv);
    return rc;
}

/* ---- the module ---- */

static const struct gf_param pamd_params[] = {
    { "name", GF_P_STR, 1, NULL, NULL },
    { "type", GF_P_STR, 1, NULL, PAMD_TYPES },
    { "control", GF_P_STR, 1, NULL, NULL },
    { "module_path", GF_P_STR, 1, NULL, NULL },
    { "new_type", GF_P_STR, 0, NULL, PAMD_TYPES },
    { "new_control", GF_P_STR, 0, NULL, NULL },
    { "new_module_path", GF_P_STR, 0, NULL, NULL },
    { "module_arguments", GF_P_LIST, 0, NULL, NULL },
    { "state", GF_P_STR, 0, NULL, "absent,after,args_absent,args_present,before,updated" },
    { "path", GF_P_PATH, 0, NULL, NULL },
    { "backup", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static const char *const state_names[] = {
    [GF_PAMD_UPDATED] = "updated", [GF_PAMD_BEFORE] = "before", [GF_PAMD_AFTER] = "after",
    [GF_PAMD_ARGS_PRESENT] = "args_present", [GF_PAMD_ARGS_ABSENT] = "args_absent",
    [GF_PAMD_ABSENT] = "absent",
};

struct pamd_job {
    struct gf_pamd_opts o;
    long count;
};

static int pamd_edit_cb(const char *text, size_t len, int exists, const void *opts,
                        struct gf_textedit *te)
{
    struct pamd_job *j = (struct pamd_job *)opts;
    int rc;

    (void)exists;
    rc = gf_pamd_edit(text, len, &j->o, te);
    j->count = te->found;
    return rc;
}

/* The Python module returns no diff: --diff shows nothing for it. */
static void no_diff(const char *before, size_t blen, const char *after, size_t alen,
                    struct gf_buf *out)
{
    (void)before;
    (void)blen;
    (void)after;
    (void)alen;
    (void)out;
}

/* datetime.now().isoformat() (the controller's clock and time zone). */
static char *now_mark(void)
{
    struct timespec ts;
    struct tm tm;
    char date[40];

    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    long us = ts.tv_nsec / 1000;
    return us ? gf_xasprintf("# Updated by Ansible - %s.%06ld", date, us)
              : gf_xasprintf("# Updated by Ansible - %s", date);
}

/* required_if of the Python module: the message of the first rule broken. */
static char *missing_for_state(const struct gf_val *args, const char *state)
{
    static const char *const need_new[] = { "new_control", "new_type", "new_module_path" };
    struct gf_buf b = GF_BUF_INIT;

    if (!strcmp(state, "args_present") || !strcmp(state, "args_absent")) {
        const struct gf_val *v = gf_val_map_get(args, "module_arguments");
        if (v == NULL || v->type == GF_VAL_NULL)
            return gf_xasprintf("state is %s but all of the following are missing: "
                                "module_arguments", state);
    } else if (!strcmp(state, "before") || !strcmp(state, "after")) {
        for (size_t i = 0; i < GF_ARRAY_LEN(need_new); i++)
            if (gf_arg_str(args, need_new[i], NULL) == NULL)
                gf_buf_addf(&b, "%s%s", b.len ? ", " : "", need_new[i]);
        if (b.len) {
            char *m = gf_xasprintf("state is %s but all of the following are missing: %s", state,
                                   b.buf);
            gf_buf_release(&b);
            return m;
        }
    }
    gf_buf_release(&b);
    return NULL;
}

static int pamd_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *state = gf_arg_str(args, "state", "updated");
    const char *name = gf_arg_str(args, "name", "");
    const char *dir = gf_arg_str(args, "path", "/etc/pam.d");
    const struct gf_val *margs = gf_val_map_get(args, "module_arguments");
    struct pamd_job j = {
        .o = {
            .type = gf_arg_str(args, "type", NULL),
            .control = gf_arg_str(args, "control", NULL),
            .module_path = gf_arg_str(args, "module_path", NULL),
            .new_type = gf_arg_str(args, "new_type", NULL),
            .new_control = gf_arg_str(args, "new_control", NULL),
            .new_module_path = gf_arg_str(args, "new_module_path", NULL),
        },
    };
    char **items = NULL, *fname = NULL, *mark = NULL, *no_file = NULL, *miss;
    int rc = 0;

    if ((miss = missing_for_state(args, state)) != NULL) {
        gf_modres_fail(res, "%s", miss);
        free(miss);
        return 0;
    }
    for (size_t i = 0; i < GF_ARRAY_LEN(state_names); i++)
        if (strcmp(state, state_names[i]) == 0)
            j.o.state = (enum gf_pamd_state)i;
    if (margs && margs->type == GF_VAL_LIST) {
        items = gf_xcalloc(margs->u.list.n + 1, sizeof(*items));
        for (size_t i = 0; i < margs->u.list.n; i++) {
            struct gf_buf b = GF_BUF_INIT;
            const struct gf_val *v = margs->u.list.v[i];
            if (v->type != GF_VAL_NULL)
                gf_val_to_text(v, &b);
            else
                gf_buf_adds(&b, "None");
            items[i] = gf_buf_detach(&b, NULL);
        }
        j.o.args = (const char *const *)items;
        j.o.nargs = margs->u.list.n;
        j.o.have_args = 1;
    }
    /* os.path.join(path, name) */
    if (name[0] == '/' || dir[0] == '\0')
        fname = gf_xstrdup(name);
    else
        fname = gf_xasprintf("%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
    mark = now_mark();
    j.o.mark = mark;
    no_file = gf_xasprintf("Unable to open/read PAM module file %s with error [Errno 2] No such "
                           "file or directory: '%s'.", fname, fname);
    struct gf_text_job job = {
        .path = fname,
        .no_file = no_file,
        .backup_key = "backupdest",
        .edit = pamd_edit_cb,
        .opts = &j,
        .diff = no_diff,
        .plain_msg = 1,
    };
    gf_val_map_set(res->data, "backupdest", gf_val_str(""));
    rc = gf_mod_edit_text(ctx, args, &job, res);
    /* the Python module says how many rules changed and has no msg */
    if (!res->failed) {
        gf_val_unref(gf_map_del(&res->data->u.map, "msg"));
        gf_val_map_set(res->data, "change_count", gf_val_int(j.count));
    } else {
        gf_val_unref(gf_map_del(&res->data->u.map, "rc"));
        gf_val_unref(gf_map_del(&res->data->u.map, "backupdest"));
    }
    for (size_t i = 0; items && i < j.o.nargs; i++)
        free(items[i]);
    free(items);
    free(fname);
    free(mark);
    free(no_file);
    return rc;
}

const struct gf_module gf_module_pamd = {
    .name = "pamd",
    .aliases = (const char *const[]){ "community.general.pamd", "community.general.system.pamd",
                                      NULL },
    .params = pamd_params,
    .supports_check = 1,
    .run = pamd_run,
};
