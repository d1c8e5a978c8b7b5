/* sysmod.c - helpers of the system modules: running a script and turning
 * its tagged lines and exit status into a result, and the pure parsers and
 * edits of node output (systemctl show, dpkg and apt-cache, sysctl.conf). */
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sysmod.h"

static size_t trimmed_len(const char *s, size_t n)
{
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return n;
}

int gf_sys_run(struct gf_modctx *ctx, const char *script, const char *input, size_t len,
               struct gf_result *r, struct gf_modres *res, const char *what)
{
    gf_result_init(r, 1u << 20);
    gf_mod_sh(ctx, script, input, len, r);
    if (r->status == GF_ST_UNREACHABLE) {
        gf_modres_fail(res, "%s", r->msg ? r->msg : "unreachable");
        gf_val_map_set(res->data, "unreachable", gf_val_bool(1));
        return -GF_ECONNECT;
    }
    /* a script prints GFERR last and exits: the message runs to the end */
    const char *e = gf_mod_tagged(r->out.buf, "GFERR ");
    if (e == NULL && r->rc == 0 && r->msg == NULL)
        return 0;
    if (e)
        gf_modres_fail(res, "%.*s", (int)trimmed_len(e, strlen(e)), e);
    else if (r->msg)
        gf_modres_fail(res, "%s: %s", what, r->msg);
    else
        gf_modres_fail(res, "%s (exit status %d): %.*s", what, r->rc,
                       (int)trimmed_len(r->err.buf, r->err.len), r->err.buf);
    gf_val_map_set(res->data, "rc", gf_val_int(r->rc));
    return 1;
}

int gf_sys_b64_decode(const char *b64, struct gf_buf *out)
{
    struct gf_buf clean = GF_BUF_INIT;
    int rc = 0;

    for (const char *p = b64; *p; p++)
        if (*p != '\n' && *p != '\r')
            gf_buf_addc(&clean, *p);
    if (clean.len % 4) {
        rc = -1;
    } else if (clean.len) {
        unsigned char *raw = gf_xmalloc(clean.len / 4 * 3 + 1);
        int n = EVP_DecodeBlock(raw, (unsigned char *)clean.buf, (int)clean.len);
        for (size_t i = clean.len; n > 0 && i > 0 && clean.buf[i - 1] == '='; i--)
            n--; /* DecodeBlock counts the padding as data */
        if (n < 0)
            rc = -1;
        else
            gf_buf_add(out, raw, (size_t)n);
        free(raw);
    }
    gf_buf_release(&clean);
    return rc;
}

void gf_sys_set_output(struct gf_modres *res, const struct gf_result *r)
{
    gf_val_map_set(res->data, "stdout",
                   gf_val_strn(r->out.buf, trimmed_len(r->out.buf, r->out.len)));
    gf_val_map_set(res->data, "stderr",
                   gf_val_strn(r->err.buf, trimmed_len(r->err.buf, r->err.len)));
}

/* ---- systemd ---- */

struct gf_val *gf_systemd_parse_show(const char *out, const char *tag)
{
    struct gf_val *m = gf_val_map();
    size_t tn = strlen(tag);

    for (const char *p = out; p && *p;) {
        size_t len = strcspn(p, "\n");
        const char *eq = memchr(p, '=', len);
        if (len > tn && strncmp(p, tag, tn) == 0 && eq && eq > p + tn) {
            char *key = gf_xstrndup(p + tn, (size_t)(eq - p) - tn);
            gf_val_map_set(m, key, gf_val_strn(eq + 1, len - (size_t)(eq + 1 - p)));
            free(key);
        }
        p = p[len] ? p + len + 1 : NULL;
    }
    return m;
}

/* ---- apt / dpkg ---- */

int gf_dpkg_is_installed(const char *abbrev)
{
    /* second letter: i installed, W/t installed with triggers awaited or
     * pending; n, c (config-files), U, H, F are not (fully) installed */
    return abbrev && strlen(abbrev) >= 2 && strchr("iWt", abbrev[1]) != NULL;
}

int gf_apt_split_spec(const char *spec, char **name, char **version)
{
    const char *eq = strchr(spec, '=');
    size_t n = eq ? (size_t)(eq - spec) : strlen(spec);

    *name = *version = NULL;
    if (n == 0 || spec[0] == '-' || (eq && eq[1] == '\0'))
        return -1;
    *name = gf_xstrndup(spec, n);
    if (eq)
        *version = gf_xstrdup(eq + 1);
    return 0;
}

/* Returns the value of "Field: value" when line is that field, else NULL. */
static char *policy_field(char *line, const char *field)
{
    size_t n = strlen(field);

    while (*line == ' ')
        line++;
    if (strncmp(line, field, n) != 0 || line[n] != ':')
        return NULL;
    line += n + 1;
    while (*line == ' ')
        line++;
    return line;
}

void gf_apt_parse_policy(char *text, struct gf_apt_pkg *p)
{
    int table = 0;
    size_t nv = 0;

    p->installed = p->candidate = NULL;
    p->versions[0] = NULL;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n'), *v;
        if (nl)
            *nl = '\0';
        if ((v = policy_field(line, "Installed")) != NULL) {
            p->installed = v;
        } else if ((v = policy_field(line, "Candidate")) != NULL) {
            p->candidate = v;
        } else if (policy_field(line, "Version table")) {
            table = 1;
        } else if (table && strncmp(line, "        ", 8) != 0) {
            /* " *** 1.0-1 500" or "     1.0-1 500"; deeper lines are sources */
            char *s = line + strspn(line, " *");
            s[strcspn(s, " ")] = '\0';
            if (*s && nv + 1 < GF_ARRAY_LEN(p->versions))
                p->versions[nv++] = s;
            p->versions[nv] = NULL;
        }
        line = nl ? nl + 1 : NULL;
    }
}

static int version_matches(const char *have, const char *want)
{
    return have && fnmatch(want, have, 0) == 0;
}

static int available(const char *cand)
{
    return cand && *cand && strcmp(cand, "(none)") != 0;
}

int gf_apt_decide(const char *state, int purge, const struct gf_apt_pkg *p,
                  const char *want_ver, const char **ver, const char **why)
{
    int inst = gf_dpkg_is_installed(p->abbrev);

    *ver = NULL;
    if (strcmp(state, "absent") == 0) {
        if (want_ver && !version_matches(p->installed, want_ver))
            return GF_APT_KEEP;
        /* purge also clears what a removal left (state c, config-files) */
        if (inst || (purge && p->abbrev && p->abbrev[1] != 'n' && p->abbrev[1] != ' '))
            return GF_APT_REMOVE;
        return GF_APT_KEEP;
    }
    if (strcmp(state, "latest") == 0) {
        if (want_ver)
            return *why = "a version is inconsistent with state=latest", -1;
        if (inst && (!available(p->candidate) || strcmp(p->candidate, p->installed) == 0))
            return GF_APT_KEEP;
        if (!available(p->candidate))
            return *why = "no such package is available", -1;
        return GF_APT_INSTALL;
    }
    if (inst && (want_ver == NULL || version_matches(p->installed, want_ver)))
        return GF_APT_KEEP;
    if (want_ver == NULL)
        return available(p->candidate) ? GF_APT_INSTALL
                                        : (*why = "no such package is available", -1);
    for (size_t i = 0; p->versions[i]; i++)
        if (version_matches(p->versions[i], want_ver))
            return *ver = p->versions[i], GF_APT_INSTALL;
    return *why = "no such version is available", -1;
}

/* ---- sysctl ---- */

void gf_sysctl_value(const struct gf_val *v, struct gf_buf *out)
{
    struct gf_buf t = GF_BUF_INIT;
    int b;

    gf_val_to_text(v, &t);
    const char *s = t.buf + strspn(t.buf, " \t\r\n");
    size_t n = trimmed_len(s, strlen(s));
    if ((v->type == GF_VAL_BOOL || n > 0) && gf_val_bool_ansible(v, &b) == 0)
        gf_buf_adds(out, b ? "1" : "0");
    else
        gf_buf_add(out, s, n);
    gf_buf_release(&t);
}

int gf_sysctl_same(const char *a, const char *b)
{
    for (;;) {
        a += strspn(a, " \t\r\n");
        b += strspn(b, " \t\r\n");
        size_t na = strcspn(a, " \t\r\n"), nb = strcspn(b, " \t\r\n");
        if (na != nb || memcmp(a, b, na) != 0)
            return 0;
        if (na == 0)
            return 1;
        a += na;
        b += nb;
    }
}

/* When line (len bytes) assigns a key, points key and val at the key and
 * the value, blanks trimmed, and returns 1; comments and others return 0. */
static int conf_assignment(const char *line, size_t len, const char **key, size_t *klen,
                           const char **val, size_t *vlen)
{
    const char *s = line, *end = line + len;

    while (s < end && isspace((unsigned char)*s))
        s++;
    const char *eq = memchr(s, '=', (size_t)(end - s));
    if (s == end || *s == '#' || *s == ';' || eq == NULL)
        return 0;
    *key = s;
    *klen = trimmed_len(s, (size_t)(eq - s));
    *val = eq + 1;
    while (*val < end && isspace((unsigned char)**val))
        (*val)++;
    *vlen = trimmed_len(*val, (size_t)(end - *val));
    return 1;
}

int gf_sysctl_edit(const char *text, const char *name, const char *value, struct gf_buf *out,
                   struct gf_buf *diff)
{
    size_t nlen = strlen(name);
    int seen = 0, changed = 0;

    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n"), full = len + (p[len] == '\n');
        const char *k, *v;
        size_t kl, vl;
        if (conf_assignment(p, len, &k, &kl, &v, &vl) && kl == nlen && memcmp(k, name, kl) == 0) {
            char *have = gf_xstrndup(v, vl);
            int keep = value && !seen && gf_sysctl_same(have, value);
            free(have);
            if (!keep) {
                changed = 1;
                if (diff)
                    gf_buf_addf(diff, "-%.*s\n", (int)len, p);
                if (value && !seen) {
                    gf_buf_addf(out, "%s=%s\n", name, value);
                    if (diff)
                        gf_buf_addf(diff, "+%s=%s\n", name, value);
                }
            } else {
                gf_buf_add(out, p, full);
            }
            seen = 1;
        } else {
            gf_buf_add(out, p, full);
        }
        p += full;
    }
    if (value && !seen) {
        if (out->len && out->buf[out->len - 1] != '\n')
            gf_buf_addc(out, '\n');
        gf_buf_addf(out, "%s=%s\n", name, value);
        if (diff)
            gf_buf_addf(diff, "+%s=%s\n", name, value);
        changed = 1;
    }
    return changed;
}
