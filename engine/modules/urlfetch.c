/* urlfetch.c - a URL's body onto the node (see urlfetch.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "http.h"
#include "nodesh.h"
#include "sysmod.h"
#include "urlfetch.h"

char *gf_urlfetch_public_url(const char *url, char **userinfo)
{
    const char *s = strstr(url, "://"), *auth, *end, *at = NULL;
    struct gf_buf b = GF_BUF_INIT;

    if (userinfo)
        *userinfo = NULL;
    if (!s)
        return gf_xstrdup(url);
    auth = s + 3;
    end = auth + strcspn(auth, "/?#");
    for (const char *c = auth; c < end; c++)
        if (*c == '@')
            at = c;
    if (!at)
        return gf_xstrdup(url);
    if (userinfo)
        *userinfo = gf_xstrndup(auth, (size_t)(at - auth));
    gf_buf_add(&b, url, (size_t)(auth - url));
    gf_buf_adds(&b, at + 1);
    return gf_buf_detach(&b, NULL);
}

void gf_urlfetch_init(struct gf_urlfetch *f, struct gf_modctx *ctx, const struct gf_val *args)
{
    memset(f, 0, sizeof(*f));
    f->ctx = ctx;
    f->headers = gf_val_map_get(args, "headers");
    if (f->headers && f->headers->type != GF_VAL_MAP)
        f->headers = NULL;
    f->user = gf_arg_str(args, "url_username", NULL);
    f->password = gf_arg_str(args, "url_password", NULL);
    f->agent = gf_arg_str(args, "http_agent", "ansible-httpget");
    f->timeout = (int)gf_arg_int(args, "timeout", 10);
    f->validate_certs = gf_arg_bool(args, "validate_certs", 1);
    f->force_basic_auth = gf_arg_bool(args, "force_basic_auth", 0);
}

void gf_urlfetch_release(struct gf_urlfetch *f)
{
    memset(f, 0, sizeof(*f));
}

int gf_urlfetch_refuse(struct gf_urlfetch *f, const struct gf_val *args, struct gf_modres *res)
{
    static const char *const unsupported[] = { "client_cert", "client_key", "ciphers",
                                               "unredirected_headers", NULL };
    (void)f;
    for (size_t i = 0; unsupported[i]; i++) {
        const struct gf_val *v = gf_val_map_get(args, unsupported[i]);
        if (v && v->type != GF_VAL_NULL &&
            !(v->type == GF_VAL_LIST && v->u.list.n == 0)) {
            gf_modres_fail(res, "gpuforge does not implement '%s' for downloads", unsupported[i]);
            return -1;
        }
    }
    if (gf_arg_bool(args, "use_gssapi", 0)) {
        gf_modres_fail(res, "gpuforge does not implement 'use_gssapi' for downloads");
        return -1;
    }
    return 0;
}

void gf_urlfetch_set_tool(struct gf_urlfetch *f, const char *tool)
{
    snprintf(f->tool, sizeof(f->tool), "%s", tool);
}

void gf_urlfetch_set_stat(struct gf_modres *res, const char *out)
{
    const char *p = gf_mod_tagged(out, "GFSTAT ");
    char owner[256], group[256], mode[16];
    long long size, uid, gid;

    if (!p || sscanf(p, "%255s %255s %15s %lld %lld %lld", owner, group, mode, &size, &uid,
                     &gid) != 6)
        return;
    struct gf_buf m = GF_BUF_INIT;
    gf_buf_addf(&m, "%04o", (unsigned)strtoul(mode, NULL, 8));
    gf_val_map_set(res->data, "owner", gf_val_str(owner));
    gf_val_map_set(res->data, "group", gf_val_str(group));
    gf_val_map_set(res->data, "mode", gf_val_str(m.buf));
    gf_val_map_set(res->data, "size", gf_val_int(size));
    gf_val_map_set(res->data, "uid", gf_val_int(uid));
    gf_val_map_set(res->data, "gid", gf_val_int(gid));
    gf_val_map_set(res->data, "state", gf_val_str("file"));
    gf_buf_release(&m);
}

int gf_urlfetch_is_url(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0 ||
           strncasecmp(s, "ftp://", 6) == 0 || strncasecmp(s, "file:", 5) == 0;
}

void gf_urlfetch_clean_hex(char *s)
{
    char *o = s;

    for (; *s; s++)
        if (isalnum((unsigned char)*s) || *s == '_')
            *o++ = (char)tolower((unsigned char)*s);
    *o = '\0';
}

char *gf_urlfetch_filename(const char *url)
{
    const char *p = strstr(url, "://");
    const char *path, *end, *base;

    p = p ? p + 3 : url;
    path = p + strcspn(p, "/?#");
    end = path + strcspn(path, "?#");
    base = end;
    while (base > path && base[-1] != '/')
        base--;
    if (base == end)
        return gf_xstrdup("index.html");
    return gf_xstrndup(base, (size_t)(end - base));
}

char *gf_urlfetch_find_sum(const char *text, const char *url)
{
    char *name = gf_urlfetch_filename(url), *found = NULL;
    struct gf_vec lines = GF_VEC_INIT;

    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        gf_vec_push(&lines, gf_xstrndup(p, n));
        p += n;
        if (*p)
            p++;
    }
    if (lines.n == 1 && strcspn(lines.v[0], " \t\r\v\f") == strlen(lines.v[0]) &&
        *(char *)lines.v[0]) {
        found = gf_xstrdup(lines.v[0]);
        goto out;
    }
    for (size_t i = 0; i < lines.n; i++) {
        char *l = lines.v[i], *sp = strchr(l, ' ');
        if (!sp)
            continue;
        char *f = sp + 1;
        if (*f == ' ' || *f == '*')
            f++;
        while (*f == '.' || *f == '/')
            f++;
        if (strcmp(f, name) == 0) {
            found = gf_xstrndup(l, (size_t)(sp - l));
            break;
        }
    }
out:
    gf_vec_release(&lines, free);
    free(name);
    return found;
}

/* ---- the node's tool: its configuration on stdin ---- */

static int has_nl(const char *s)
{
    return s && strpbrk(s, "\r\n") != NULL;
}

void gf_urlfetch_curl_quote(struct gf_buf *b, const char *s)
{
    gf_buf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            gf_buf_addc(b, '\\');
        gf_buf_addc(b, *s);
    }
    gf_buf_adds(b, "\"\n");
}

/* Builds the tool's configuration. Returns 0, or -1 with the failure in res. */
static int tool_config(const struct gf_urlfetch *f, const struct gf_urlfetch_req *q,
                       struct gf_buf *cfg, struct gf_modres *res)
{
    int curl = strcmp(f->tool, "curl") == 0;
    const struct gf_val *h = f->headers;

    if (has_nl(f->user) || has_nl(f->password) || has_nl(f->agent)) {
        gf_modres_fail(res, "url_username, url_password and http_agent must not hold a newline");
        return -1;
    }
    if (curl) {
        gf_buf_adds(cfg, "user-agent = ");
        gf_urlfetch_curl_quote(cfg, f->agent);
        if (strcmp(q->method, "GET") != 0 && strcmp(q->method, "HEAD") != 0) {
            gf_buf_adds(cfg, "request = ");
            gf_urlfetch_curl_quote(cfg, q->method);
        }
        gf_buf_adds(cfg, "location\n");
    } else {
        gf_buf_addf(cfg, "user_agent = %s\n", f->agent);
    }
    if (q->force) {
        gf_buf_adds(cfg, curl ? "header = \"Cache-Control: no-cache\"\n"
                              : "header = Cache-Control: no-cache\n");
    }
    for (size_t i = 0; h && i < h->u.map.n; i++) {
        struct gf_buf v = GF_BUF_INIT, line = GF_BUF_INIT;
        gf_val_to_text(h->u.map.ents[i].val, &v);
        gf_buf_addf(&line, "%s: %s", h->u.map.ents[i].key, v.buf ? v.buf : "");
        int bad = has_nl(line.buf);
        if (!bad) {
            gf_buf_adds(cfg, "header = ");
            if (curl)
                gf_urlfetch_curl_quote(cfg, line.buf);
            else
                gf_buf_addf(cfg, "%s\n", line.buf);
        }
        gf_buf_release(&v);
        gf_buf_release(&line);
        if (bad) {
            gf_modres_fail(res, "header '%s' holds a newline", h->u.map.ents[i].key);
            return -1;
        }
    }
    char *ui = NULL, *pub = gf_urlfetch_public_url(q->url, &ui);
    const char *user = f->user, *pw = f->password;
    char *ui_pw = NULL;
    free(pub);
    if (!user && ui) {
        /* credentials in the URL: used as url_username / url_password */
        ui_pw = strchr(ui, ':');
        if (ui_pw)
            *ui_pw++ = '\0';
        user = ui;
        pw = ui_pw;
    }
    if (has_nl(user) || has_nl(pw)) {
        if (ui)
            OPENSSL_cleanse(ui, strlen(ui));
        free(ui);
        gf_modres_fail(res, "the credentials must not hold a newline");
        return -1;
    }
    if (user) {
        if (curl) {
            struct gf_buf up = GF_BUF_INIT;
            gf_buf_addf(&up, "%s:%s", user, pw ? pw : "");
            gf_buf_adds(cfg, f->force_basic_auth ? "basic\nuser = " : "anyauth\nuser = ");
            gf_urlfetch_curl_quote(cfg, up.buf);
            gf_buf_release_secret(&up);
        } else {
            gf_buf_addf(cfg, "user = %s\npassword = %s\n", user, pw ? pw : "");
            if (f->force_basic_auth)
                gf_buf_adds(cfg, "auth_no_challenge = on\n");
        }
    }
    if (ui) {
        OPENSSL_cleanse(ui, strlen(ui) + (ui_pw ? strlen(ui_pw) + 1 : 0));
        free(ui);
    }
    return 0;
}

/* ---- the controller's download ---- */

int gf_urlfetch_names_the_node(const char *url)
{
    struct gf_http_url u;
    const char *why;
    int self = 0;

    if (gf_http_parse_url(url, &u, &why) < 0)
        return 0;
    self = strcasecmp(u.host, "localhost") == 0 || strncmp(u.host, "127.", 4) == 0 ||
           strcmp(u.host, "::1") == 0 || strcmp(u.host, "0.0.0.0") == 0 ||
           strcasecmp(u.host, "localhost.localdomain") == 0;
    gf_http_url_release(&u);
    return self;
}

static int controller_get(struct gf_urlfetch *f, struct gf_urlfetch_req *q,
                          struct gf_http_resp *resp, struct gf_modres *res)
{
    struct gf_val *hdrs = gf_val_map();
    int rc;

    if (strncasecmp(q->url, "http://", 7) != 0 && strncasecmp(q->url, "https://", 8) != 0) {
        gf_val_unref(hdrs);
        gf_modres_fail(res, "the node has neither curl nor wget, and the controller fetches "
                       "only http and https URLs for it: %s", q->url);
        return -1;
    }
    if (gf_urlfetch_names_the_node(q->url)) {
        gf_val_unref(hdrs);
        gf_modres_fail(res, "the node has neither curl nor wget to fetch %s, which names the "
                       "node itself: the controller cannot fetch it in the node's place "
                       "(install curl or wget on the node)", q->url);
        return -1;
    }
    for (size_t i = 0; f->headers && i < f->headers->u.map.n; i++)
        gf_val_map_set(hdrs, f->headers->u.map.ents[i].key,
                       gf_val_ref(f->headers->u.map.ents[i].val));
    if (!gf_val_map_get(hdrs, "User-Agent") && !gf_val_map_get(hdrs, "user-agent"))
        gf_val_map_set(hdrs, "User-Agent", gf_val_str(f->agent));
    if (q->force)
        gf_val_map_set(hdrs, "Cache-Control", gf_val_str("no-cache"));
    struct gf_http_req hr = {
        .method = q->method,
        .url = q->url,
        .headers = hdrs,
        .user = f->user,
        .password = f->password,
        .force_basic_auth = f->force_basic_auth,
        .timeout = f->timeout,
        .validate_certs = f->validate_certs,
        .redirects = GF_HTTP_REDIR_SAFE,
        .if_modified_since = q->if_modified_since,
        .max_body = (size_t)1 << 31,
    };
    rc = gf_http_request(&hr, resp);
    gf_val_unref(hdrs);
    if (rc < 0) {
        gf_modres_fail(res, "Request failed: %s", resp->msg ? resp->msg : "no answer");
        return -1;
    }
    q->status = resp->status;
    if (resp->status < 200 || resp->status >= 300)
        snprintf(q->reason, sizeof(q->reason), "HTTP Error %d: %s", resp->status,
                 resp->reason ? resp->reason : "");
    struct gf_val *cl = gf_val_map_get(resp->headers, "content-length");
    struct gf_buf m = GF_BUF_INIT;
    gf_buf_addf(&m, "OK (%s bytes)", cl && cl->type == GF_VAL_STR ? cl->u.str.s : "unknown");
    q->msg = gf_buf_detach(&m, NULL);
    return 0;
}

/* Reads GFHTTP, GFCL and GFREASON of a node download into q. */
static void read_tool_answer(const char *out, struct gf_urlfetch_req *q)
{
    const char *h = gf_mod_tagged(out, "GFHTTP "), *cl = gf_mod_tagged(out, "GFCL ");
    const char *rs = gf_mod_tagged(out, "GFREASON ");
    struct gf_buf m = GF_BUF_INIT;

    q->status = h ? atoi(h) : -1;
    if (q->status < 200 || q->status >= 300)
        snprintf(q->reason, sizeof(q->reason), "HTTP Error %d: %.*s", q->status,
                 rs ? (int)strcspn(rs, "\n") : 0, rs ? rs : "");
    if (cl)
        gf_buf_addf(&m, "OK (%.*s bytes)", (int)strcspn(cl, "\n"), cl);
    else
        gf_buf_adds(&m, "OK (unknown bytes)");
    free(q->msg);
    q->msg = gf_buf_detach(&m, NULL);
}

int gf_urlfetch_node(struct gf_urlfetch *f, struct gf_urlfetch_req *q, struct gf_buf *script,
                     void (*finish)(struct gf_buf *), struct gf_result *r, struct gf_modres *res)
{
    struct gf_buf cfg = GF_BUF_INIT;
    struct gf_http_resp resp;
    int rc = 0, from_controller = 0;

    memset(&resp, 0, sizeof(resp));
    gf_result_init(r, 0);
    char t[24];
    snprintf(t, sizeof(t), "%d", f->timeout > 0 ? f->timeout : 10);
    gf_sh_assign(script, "gf_timeout", t);
    gf_sh_assign(script, "gf_validate", f->validate_certs ? "1" : "0");
    gf_sh_assign(script, "gf_method", q->method);
    gf_sh_assign(script, "gf_ims", q->if_modified_since ? q->if_modified_since : "");
    if (strncasecmp(q->url, "file:", 5) == 0) {
        gf_sh_assign(script, "gf_src", "file");
    } else if (strcmp(f->tool, "curl") == 0 || strcmp(f->tool, "wget") == 0) {
        gf_sh_assign(script, "gf_src", f->tool);
        if (tool_config(f, q, &cfg, res) < 0)
            goto out;
    } else {
        if (controller_get(f, q, &resp, res) < 0)
            goto out;
        if (q->status < 200 || q->status >= 300)
            goto out;
        from_controller = 1;
        struct gf_val *cd = gf_val_map_get(resp.headers, "content-disposition");
        gf_sh_assign(script, "gf_src", "stdin");
        char *fin = gf_urlfetch_public_url(resp.url, NULL);
        gf_sh_assign(script, "gf_final", fin);
        free(fin);
        gf_sh_assign(script, "gf_cd", cd && cd->type == GF_VAL_STR ? cd->u.str.s : "");
    }
    finish(script);
    gf_result_release(r);
    rc = gf_sys_run(f->ctx, script->buf, from_controller ? resp.body.buf : cfg.buf,
                    from_controller ? resp.body.len : cfg.len, r, res, "download failed");
    if (rc == 1)
        rc = 0;
    if (rc != 0 || res->failed)
        goto out;
    if (!from_controller)
        read_tool_answer(r->out.buf, q);
out:
    gf_buf_release_secret(&cfg);
    gf_http_resp_release(&resp);
    return rc;
}

static void finish_body(struct gf_buf *b)
{
    gf_nodesh_add(b, "lib");
    gf_nodesh_add(b, "attrs");
    gf_nodesh_add(b, "tmpfile");
    gf_nodesh_add(b, "get_url");
}

int gf_urlfetch_body(struct gf_urlfetch *f, const char *url, struct gf_buf *body,
                     struct gf_modres *res)
{
    struct gf_urlfetch_req q = { .url = url, .method = "GET" };
    struct gf_http_resp resp;
    struct gf_buf s = GF_BUF_INIT;
    struct gf_result r;
    int rc = 0, file = strncasecmp(url, "file:", 5) == 0;

    memset(&resp, 0, sizeof(resp));
    if (file || strcmp(f->tool, "curl") == 0 || strcmp(f->tool, "wget") == 0) {
        gf_sh_assign(&s, "gf_phase", "body");
        char *pub = gf_urlfetch_public_url(url, NULL);
        gf_sh_assign(&s, "gf_url", pub);
        free(pub);
        gf_sh_assign(&s, "gf_tmp_dest", "");
        rc = gf_urlfetch_node(f, &q, &s, finish_body, &r, res);
        if (rc == 0 && !res->failed) {
            const char *b = r.out.buf ? memmem(r.out.buf, r.out.len, "GFBODY\n", 7) : NULL;
            if (q.status != 200 && !file)
                gf_modres_fail(res, "Request failed: %s", q.reason);
            else if (b)
                gf_buf_add(body, b + 7, r.out.len - (size_t)(b + 7 - r.out.buf));
        }
        gf_result_release(&r);
        goto out;
    }
    if (controller_get(f, &q, &resp, res) < 0)
        goto out;
    if (q.status != 200)
        gf_modres_fail(res, "Request failed: %s", q.reason);
    else
        gf_buf_add(body, resp.body.buf ? resp.body.buf : "", resp.body.len);
out:
    free(q.msg);
    gf_http_resp_release(&resp);
    gf_buf_release(&s);
    return rc;
}

int gf_urlfetch_checksum(struct gf_urlfetch *f, const char *sum_url, const char *url,
                         char **sum, struct gf_modres *res)
{
    struct gf_buf body = GF_BUF_INIT;
    int rc;

    *sum = NULL;
    rc = gf_urlfetch_body(f, sum_url, &body, res);
    if (rc != 0 || res->failed)
        goto out;
    gf_buf_addc(&body, '\0');
    *sum = gf_urlfetch_find_sum(body.buf, url);
    if (!*sum) {
        char *fn = gf_urlfetch_filename(url);
        gf_modres_fail(res, "Unable to find a checksum for file '%s' in '%s'", fn, sum_url);
        free(fn);
    }
out:
    gf_buf_release(&body);
    return rc;
}
