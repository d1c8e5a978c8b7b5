/* uri.c - the `uri` module (ansible.builtin.uri): an HTTP request from the
 * node, as Ansible makes it, with curl when the node has it, else through
 * the controller's HTTP client (a URL naming the node itself then fails);
 * the result as Ansible builds it (status, url, msg, redirected, every
 * response header in lower case with '_' for '-', cookies, content, json)
 * and the same failure when the status is not one of status_code. Like
 * Ansible's, the module does not run in check mode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "http.h"
#include "nodesh.h"
#include "sysmod.h"
#include "urlfetch.h"

static const struct gf_param uri_params[] = {
    { "url", GF_P_STR, 1, NULL, NULL },
    { "dest", GF_P_PATH, 0, NULL, NULL },
    { "url_username", GF_P_STR, 0, "user", NULL },
    { "url_password", GF_P_STR, 0, "password", NULL },
    { "body", GF_P_RAW, 0, NULL, NULL },
    { "body_format", GF_P_STR, 0, NULL, "form-urlencoded,json,raw,form-multipart" },
    { "src", GF_P_PATH, 0, NULL, NULL },
    { "method", GF_P_STR, 0, NULL, NULL },
    { "return_content", GF_P_BOOL, 0, NULL, NULL },
    { "follow_redirects", GF_P_STR, 0, NULL, "all,no,none,safe,urllib2,yes" },
    { "creates", GF_P_PATH, 0, NULL, NULL },
    { "removes", GF_P_PATH, 0, NULL, NULL },
    { "status_code", GF_P_RAW, 0, NULL, NULL }, /* a list of ints, or one */
    { "timeout", GF_P_INT, 0, NULL, NULL },
    { "headers", GF_P_DICT, 0, NULL, NULL },
    { "unix_socket", GF_P_PATH, 0, NULL, NULL },
    { "remote_src", GF_P_BOOL, 0, NULL, NULL },
    { "ca_path", GF_P_PATH, 0, NULL, NULL },
    { "unredirected_headers", GF_P_LIST, 0, NULL, NULL },
    { "decompress", GF_P_BOOL, 0, NULL, NULL },
    { "ciphers", GF_P_LIST, 0, NULL, NULL },
    { "use_netrc", GF_P_BOOL, 0, NULL, NULL },
    { "force", GF_P_BOOL, 0, "thirsty", NULL },
    { "force_basic_auth", GF_P_BOOL, 0, NULL, NULL },
    { "validate_certs", GF_P_BOOL, 0, NULL, NULL },
    { "use_proxy", GF_P_BOOL, 0, NULL, NULL },
    { "http_agent", GF_P_STR, 0, NULL, NULL },
    { "client_cert", GF_P_PATH, 0, NULL, NULL },
    { "client_key", GF_P_PATH, 0, NULL, NULL },
    { "use_gssapi", GF_P_BOOL, 0, NULL, NULL },
    { "mode", GF_P_MODE, 0, NULL, NULL },
    { "owner", GF_P_STR, 0, NULL, NULL },
    { "group", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* What came back, from either path. */
struct answer {
    int status;            /* -1: no answer */
    char *reason;
    char *url;             /* final */
    struct gf_val *headers; /* lower-case names */
    struct gf_buf body;
    char *err;             /* why there was no answer */
};

static void answer_release(struct answer *a)
{
    free(a->reason);
    free(a->url);
    free(a->err);
    gf_val_unref(a->headers);
    gf_buf_release(&a->body);
}

static void url_quote_plus(const char *s, struct gf_buf *b)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '_' || *p == '.' || *p == '-' || *p == '~')
            gf_buf_addc(b, (char)*p);
        else if (*p == ' ')
            gf_buf_addc(b, '+');
        else
            gf_buf_addf(b, "%%%02X", *p);
    }
}

/* The request's body as Ansible makes it from body and body_format. */
static int make_body(const struct gf_val *body, const char *fmt, struct gf_val *headers,
                     struct gf_buf *out, struct gf_modres *res)
{
    int has_ct = 0;

    for (size_t i = 0; i < headers->u.map.n; i++)
        if (strcasecmp(headers->u.map.ents[i].key, "content-type") == 0)
            has_ct = 1;
    if (strcmp(fmt, "json") == 0) {
        if (body && body->type == GF_VAL_STR)
            gf_buf_add(out, body->u.str.s, body->u.str.len);
        else if (body)
            gf_json_dump(body, -1, 0, out);
        else
            gf_buf_adds(out, "null");
        if (!has_ct)
            gf_val_map_set(headers, "Content-Type", gf_val_str("application/json"));
    } else if (strcmp(fmt, "form-urlencoded") == 0) {
        if (body && body->type == GF_VAL_MAP) {
            for (size_t i = 0; i < body->u.map.n; i++) {
                struct gf_buf v = GF_BUF_INIT;
                gf_val_to_text(body->u.map.ents[i].val, &v);
                if (i)
                    gf_buf_addc(out, '&');
                url_quote_plus(body->u.map.ents[i].key, out);
                gf_buf_addc(out, '=');
                url_quote_plus(v.buf ? v.buf : "", out);
                gf_buf_release(&v);
            }
        } else if (body && body->type == GF_VAL_STR) {
            gf_buf_add(out, body->u.str.s, body->u.str.len);
        } else if (body) {
            gf_modres_fail(res, "failed to parse body as form_urlencoded: gpuforge takes a "
                           "mapping or a string");
            return -1;
        }
        if (!has_ct)
            gf_val_map_set(headers, "Content-Type",
                           gf_val_str("application/x-www-form-urlencoded"));
    } else if (strcmp(fmt, "form-multipart") == 0) {
        gf_modres_fail(res, "gpuforge does not implement body_format=form-multipart");
        return -1;
    } else if (body && body->type != GF_VAL_NULL) {
        gf_val_to_text(body, out);
    }
    return 0;
}

/* The request through the node's curl. Returns 0, -1 (res failed), or
 * -GF_ECONNECT. */
static int by_curl(struct gf_modctx *ctx, const char *url, const char *method,
                   const struct gf_val *headers, const struct gf_buf *body,
                   const struct gf_urlfetch *f, const char *redirects, const char *ims,
                   struct answer *a, struct gf_modres *res)
{
    struct gf_buf cfg = GF_BUF_INIT, s = GF_BUF_INIT, in = GF_BUF_INIT;
    struct gf_result r;
    char n[24], *ui = NULL, *pub = gf_urlfetch_public_url(url, &ui);
    int rc, bad_nl = 0;

    gf_buf_adds(&cfg, "request = ");
    gf_urlfetch_curl_quote(&cfg, method);
    gf_buf_adds(&cfg, "user-agent = ");
    gf_urlfetch_curl_quote(&cfg, f->agent);
    if (strcmp(redirects, "no") != 0 && strcmp(redirects, "none") != 0 &&
        (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
         strcmp(redirects, "all") == 0 || strcmp(redirects, "yes") == 0))
        gf_buf_adds(&cfg, "location\n");
    if (!f->validate_certs)
        gf_buf_adds(&cfg, "insecure\n");
    if (strcmp(method, "HEAD") == 0)
        gf_buf_adds(&cfg, "head\n");
    gf_buf_addf(&cfg, "connect-timeout = %d\nmax-time = %d\n", f->timeout, f->timeout * 3);
    for (size_t i = 0; headers && i < headers->u.map.n; i++) {
        struct gf_buf v = GF_BUF_INIT, line = GF_BUF_INIT;
        gf_val_to_text(headers->u.map.ents[i].val, &v);
        gf_buf_addf(&line, "%s: %s", headers->u.map.ents[i].key, v.buf ? v.buf : "");
        if (strpbrk(line.buf, "\r\n"))
            bad_nl = 1;
        gf_buf_adds(&cfg, "header = ");
        gf_urlfetch_curl_quote(&cfg, line.buf);
        gf_buf_release(&v);
        gf_buf_release(&line);
    }
    if (ims) {
        gf_buf_adds(&cfg, "header = ");
        struct gf_buf line = GF_BUF_INIT;
        gf_buf_addf(&line, "If-Modified-Since: %s", ims);
        gf_urlfetch_curl_quote(&cfg, line.buf);
        gf_buf_release(&line);
    }
    if (f->user) {
        struct gf_buf up = GF_BUF_INIT;
        gf_buf_addf(&up, "%s:%s", f->user, f->password ? f->password : "");
        gf_buf_adds(&cfg, f->force_basic_auth ? "basic\nuser = " : "anyauth\nuser = ");
        gf_urlfetch_curl_quote(&cfg, up.buf);
        gf_buf_release_secret(&up);
    }
    if (bad_nl || (f->user && strpbrk(f->user, "\r\n")) ||
        (f->password && strpbrk(f->password, "\r\n")) || (ui && strpbrk(ui, "\r\n"))) {
        gf_buf_release_secret(&cfg);
        free(pub);
        if (ui) {
            OPENSSL_cleanse(ui, strlen(ui));
            free(ui);
        }
        return gf_modres_fail(res, "headers and credentials must not hold a newline"), -1;
    }
    if (ui && !f->user) {
        /* the URL's credentials go in the configuration, not the command line */
        gf_buf_adds(&cfg, "user = ");
        gf_urlfetch_curl_quote(&cfg, ui);
    }
    gf_buf_add(&in, cfg.buf, cfg.len);
    if (body->len)
        gf_buf_add(&in, body->buf, body->len);
    snprintf(n, sizeof(n), "%zu", cfg.len);
    gf_sh_assign(&s, "gf_phase", "request");
    gf_sh_assign(&s, "gf_url", pub);
    gf_sh_assign(&s, "gf_cfglen", n);
    gf_nodesh_add(&s, "lib");
    gf_nodesh_add(&s, "uri");
    rc = gf_sys_run(ctx, s.buf, in.buf, in.len, &r, res, "uri failed");
    if (rc == 0) {
        const char *h = gf_mod_tagged(r.out.buf, "GFHTTP ");
        const char *head = gf_mod_tagged(r.out.buf, "GFHEAD\n");
        const char *body_at = r.out.buf ? memmem(r.out.buf, r.out.len, "\nGFBODY\n", 8) : NULL;
        a->status = h ? atoi(h) : -1;
        if (h && strchr(h, ' '))
            a->url = gf_xstrndup(strchr(h, ' ') + 1, strcspn(strchr(h, ' ') + 1, "\n"));
        if (a->status < 0) {
            const char *e = gf_mod_tagged(r.out.buf, "GFCURLERR ");
            a->err = gf_xstrndup(e ? e : "curl failed", e ? strcspn(e, "\n") : 11);
        } else if (head && body_at) {
            /* the last head: after redirects curl prints each */
            const char *last = head, *p = head;
            while ((p = strstr(p, "HTTP/")) && p < body_at) {
                if (p == head || p[-1] == '\n')
                    last = p;
                p += 5;
            }
            gf_http_parse_head(last, (size_t)(body_at + 1 - last), &a->status, &a->reason,
                               &a->headers);
            gf_buf_add(&a->body, body_at + 8, r.out.len - (size_t)(body_at + 8 - r.out.buf));
        }
        rc = 0;
    } else if (rc == 1) {
        rc = -1;
    }
    gf_result_release(&r);
    gf_buf_release(&s);
    gf_buf_release_secret(&in);
    gf_buf_release_secret(&cfg);
    free(pub);
    if (ui) {
        OPENSSL_cleanse(ui, strlen(ui));
        free(ui);
    }
    return rc;
}

static int by_controller(const char *url, const char *method, const struct gf_val *headers,
                         const struct gf_buf *body, const struct gf_urlfetch *f,
                         const char *redirects, const char *ims, struct answer *a,
                         struct gf_modres *res)
{
    struct gf_http_resp resp;
    struct gf_val *h = gf_val_map();

    if (gf_urlfetch_names_the_node(url)) {
        gf_val_unref(h);
        return gf_modres_fail(res, "the node has no curl to request %s, which names the node "
                              "itself: the controller cannot make the request in its place "
                              "(install curl on the node)", url), -1;
    }
    for (size_t i = 0; headers && i < headers->u.map.n; i++)
        gf_val_map_set(h, headers->u.map.ents[i].key, gf_val_ref(headers->u.map.ents[i].val));
    if (!gf_val_map_get(h, "User-Agent"))
        gf_val_map_set(h, "User-Agent", gf_val_str(f->agent));
    enum gf_http_redirects rd = GF_HTTP_REDIR_SAFE;
    if (strcmp(redirects, "no") == 0 || strcmp(redirects, "none") == 0)
        rd = GF_HTTP_REDIR_NONE;
    else if (strcmp(redirects, "all") == 0 || strcmp(redirects, "yes") == 0)
        rd = GF_HTTP_REDIR_ALL;
    else if (strcmp(redirects, "urllib2") == 0)
        rd = GF_HTTP_REDIR_URLLIB2;
    struct gf_http_req q = {
        .method = method, .url = url, .headers = h,
        .body = body->len ? body->buf : NULL, .body_len = body->len,
        .user = f->user, .password = f->password, .force_basic_auth = f->force_basic_auth,
        .timeout = f->timeout, .validate_certs = f->validate_certs, .redirects = rd,
        .if_modified_since = ims, .max_body = (size_t)1 << 30,
    };
    if (gf_http_request(&q, &resp) < 0) {
        a->status = -1;
        if (resp.sys_errno) {
            /* as urllib words it */
            struct gf_buf m = GF_BUF_INIT;
            gf_buf_addf(&m, "<urlopen error [Errno %d] %s>", resp.sys_errno,
                        strerror(resp.sys_errno));
            a->err = gf_buf_detach(&m, NULL);
        } else {
            a->err = gf_xstrdup(resp.msg ? resp.msg : "no answer");
        }
    } else {
        a->status = resp.status;
        a->reason = resp.reason;
        resp.reason = NULL;
        a->headers = resp.headers;
        resp.headers = NULL;
        gf_buf_add(&a->body, resp.body.buf ? resp.body.buf : "", resp.body.len);
    }
    a->url = resp.url ? gf_xstrdup(resp.url) : gf_xstrdup(url);
    gf_http_resp_release(&resp);
    gf_val_unref(h);
    return 0;
}

static int code_of(const struct gf_val *v)
{
    return v->type == GF_VAL_INT ? (int)v->u.i
         : v->type == GF_VAL_STR ? (int)strtol(v->u.str.s, NULL, 10) : -999;
}

static int in_codes(const struct gf_val *codes, int st)
{
    if (!codes)
        return st == 200;
    if (codes->type != GF_VAL_LIST)
        return code_of(codes) == st;
    for (size_t i = 0; i < codes->u.list.n; i++) {
        const struct gf_val *v = codes->u.list.v[i];
        long long c = v->type == GF_VAL_INT ? v->u.i
                    : v->type == GF_VAL_STR ? strtoll(v->u.str.s, NULL, 10) : -999;
        if (c == st)
            return 1;
    }
    return 0;
}

static void codes_text(const struct gf_val *codes, struct gf_buf *b)
{
    gf_buf_addc(b, '[');
    for (size_t i = 0; codes && codes->type == GF_VAL_LIST && i < codes->u.list.n; i++)
        gf_buf_addf(b, "%s%d", i ? ", " : "", code_of(codes->u.list.v[i]));
    if (codes && codes->type != GF_VAL_LIST)
        gf_buf_addf(b, "%d", code_of(codes));
    if (!codes)
        gf_buf_adds(b, "200");
    gf_buf_addc(b, ']');
}

/* Ansible's JSON_CANDIDATES: json, javascript, and +json suffixes. */
static int maybe_json(const struct gf_val *headers)
{
    const struct gf_val *ct = gf_val_map_get(headers, "content-type");
    char sub[128] = "";

    if (!ct || ct->type != GF_VAL_STR)
        return 0;
    const char *sl = strchr(ct->u.str.s, '/');
    if (!sl)
        return 0;
    snprintf(sub, sizeof(sub), "%.*s", (int)strcspn(sl + 1, "; "), sl + 1);
    char *plus = strchr(sub, '+');
    const char *t = plus ? plus + 1 : sub;
    return strcasecmp(t, "json") == 0 || strcasecmp(t, "javascript") == 0;
}

static int uri_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *url = gf_arg_str(args, "url", "");
    const char *method_arg = gf_arg_str(args, "method", "GET");
    const char *fmt = gf_arg_str(args, "body_format", "raw");
    const char *redirects = gf_arg_str(args, "follow_redirects", "safe");
    const char *dest = gf_arg_str(args, "dest", NULL);
    const char *creates = gf_arg_str(args, "creates", NULL);
    const char *removes = gf_arg_str(args, "removes", NULL);
    const struct gf_val *codes = gf_val_map_get(args, "status_code");
    const struct gf_val *hin = gf_val_map_get(args, "headers");
    int return_content = gf_arg_bool(args, "return_content", 0);
    struct gf_val *headers = gf_val_map();
    struct gf_buf body = GF_BUF_INIT, s = GF_BUF_INIT, method = GF_BUF_INIT;
    struct gf_urlfetch f;
    struct answer a = { .status = -1 };
    struct gf_result r;
    char ims[40] = "";
    const char *t;
    int rc = 0, curl = 0, dest_dir = 0;

    gf_urlfetch_init(&f, ctx, args);
    if (!gf_val_map_get(args, "timeout"))
        f.timeout = 30;
    if (codes && codes->type == GF_VAL_NULL)
        codes = NULL;
    if (codes && codes->type == GF_VAL_STR && strchr(codes->u.str.s, ',')) {
        gf_modres_fail(res, "gpuforge takes status_code as a list or one number");
        goto out;
    }
    static const char *const refused[] = { "src", "unix_socket", "ca_path", "client_cert",
                                           "client_key", NULL };
    for (size_t i = 0; refused[i]; i++)
        if (gf_arg_str(args, refused[i], NULL)) {
            gf_modres_fail(res, "gpuforge does not implement '%s' for uri", refused[i]);
            goto out;
        }
    if (gf_urlfetch_refuse(&f, args, res) < 0)
        goto out;
    for (const char *p = method_arg; *p; p++)
        gf_buf_addc(&method, (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p));
    if (!method.len || method.buf[strspn(method.buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")] != '\0') {
        gf_modres_fail(res, "Parameter 'method' needs to be a single word in uppercase, like "
                       "GET or POST.");
        goto out;
    }
    for (size_t i = 0; hin && hin->type == GF_VAL_MAP && i < hin->u.map.n; i++)
        gf_val_map_set(headers, hin->u.map.ents[i].key, gf_val_ref(hin->u.map.ents[i].val));
    if (make_body(gf_val_map_get(args, "body"), fmt, headers, &body, res) < 0)
        goto out;

    gf_sh_assign(&s, "gf_phase", "probe");
    gf_sh_assign(&s, "gf_creates", creates ? creates : "");
    gf_sh_assign(&s, "gf_removes", removes ? removes : "");
    gf_sh_assign(&s, "gf_dest", dest ? dest : "");
    gf_nodesh_add(&s, "lib");
    gf_nodesh_add(&s, "uri");
    rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "uri failed");
    if (rc != 0) {
        gf_result_release(&r);
        goto out;
    }
    curl = (t = gf_mod_tagged(r.out.buf, "GFCURL ")) && *t == '1';
    dest_dir = (t = gf_mod_tagged(r.out.buf, "GFDESTDIR ")) && *t == '1';
    if ((t = gf_mod_tagged(r.out.buf, "GFMTIME ")))
        gf_http_date(strtoll(t, NULL, 10), ims, sizeof(ims));
    int skip_creates = creates && (t = gf_mod_tagged(r.out.buf, "GFEXISTS creates ")) && *t == '1';
    int skip_removes = removes && (t = gf_mod_tagged(r.out.buf, "GFEXISTS removes ")) && *t == '0';
    gf_result_release(&r);
    if (skip_creates || skip_removes) {
        struct gf_buf m = GF_BUF_INIT;
        if (skip_creates)
            gf_buf_addf(&m, "skipped, since '%s' exists", creates);
        else
            gf_buf_addf(&m, "skipped, since '%s' does not exist", removes);
        gf_val_map_set(res->data, "stdout", gf_val_str(m.buf));
        gf_buf_release(&m);
        goto out;
    }

    int64_t t0 = gf_now_ms();
    const char *imsp = dest && !dest_dir && *ims ? ims : NULL;
    if (curl)
        rc = by_curl(ctx, url, method.buf, headers, &body, &f, redirects, imsp, &a, res);
    else
        rc = by_controller(url, method.buf, headers, &body, &f, redirects, imsp, &a, res);
    if (rc != 0) {
        rc = rc == -1 ? 0 : rc;
        goto out;
    }
    long long elapsed = (gf_now_ms() - t0) / 1000;

    /* info, as fetch_url fills it */
    struct gf_val *d = res->data;
    gf_val_map_set(d, "redirected", gf_val_bool(a.url && strcmp(a.url, url) != 0));
    for (size_t i = 0; a.headers && i < a.headers->u.map.n; i++) {
        struct gf_buf k = GF_BUF_INIT;
        for (const char *p = a.headers->u.map.ents[i].key; *p; p++)
            gf_buf_addc(&k, *p == '-' ? '_' : *p);
        gf_val_map_set(d, k.buf, gf_val_ref(a.headers->u.map.ents[i].val));
        gf_buf_release(&k);
    }
    /* a 2xx answer: urllib's response, with cookies; else its HTTPError */
    int success = a.status >= 200 && a.status < 300;
    struct gf_val *cookies = gf_val_map();
    struct gf_buf cs = GF_BUF_INIT;
    struct gf_val *sc = gf_val_map_get(a.headers, "set-cookie");
    if (success && sc && sc->type == GF_VAL_STR) {
        /* "a=1; Path=/, b=2": each cookie's first name=value */
        for (const char *p = sc->u.str.s; *p;) {
            size_t n = strcspn(p, ";,");
            const char *eq = memchr(p, '=', n);
            if (eq) {
                char *name = gf_xstrndup(p, (size_t)(eq - p));
                char *val = gf_xstrndup(eq + 1, n - (size_t)(eq + 1 - p));
                gf_val_map_set(cookies, name, gf_val_str(val));
                gf_buf_addf(&cs, "%s%s=%s", cs.len ? "; " : "", name, val);
                free(name);
                free(val);
            }
            p += n;
            while (*p && *p != ',')
                p++;
            while (*p == ',' || *p == ' ')
                p++;
        }
    }
    if (success) {
        gf_val_map_set(d, "cookies_string", gf_val_str(cs.buf ? cs.buf : ""));
        gf_val_map_set(d, "cookies", cookies);
    } else {
        gf_val_unref(cookies);
    }
    gf_buf_release(&cs);
    gf_val_map_set(d, "url", gf_val_str(a.url ? a.url : url));
    if (a.status < 0) {
        struct gf_buf m = GF_BUF_INIT;
        gf_buf_addf(&m, "Request failed: %s", a.err ? a.err : "no answer");
        gf_val_map_set(d, "msg", gf_val_str(m.buf));
        gf_buf_release(&m);
    } else if (a.status >= 200 && a.status < 300) {
        struct gf_val *cl = gf_val_map_get(a.headers, "content-length");
        struct gf_buf m = GF_BUF_INIT;
        gf_buf_addf(&m, "OK (%s bytes)", cl && cl->type == GF_VAL_STR ? cl->u.str.s : "unknown");
        gf_val_map_set(d, "msg", gf_val_str(m.buf));
        gf_buf_release(&m);
    } else {
        struct gf_buf m = GF_BUF_INIT;
        gf_buf_addf(&m, "HTTP Error %d: %s", a.status, a.reason ? a.reason : "");
        gf_val_map_set(d, "msg", gf_val_str(m.buf));
        gf_buf_release(&m);
    }
    gf_val_map_set(d, "status", gf_val_int(a.status));
    gf_val_map_set(d, "elapsed", gf_val_int(elapsed));
    struct gf_val *loc = gf_val_map_get(d, "location");
    if (loc && loc->type == GF_VAL_STR) {
        char *abs = gf_http_resolve(url, loc->u.str.s);
        gf_val_map_set(d, "location", gf_val_str(abs));
        free(abs);
    }
    int ok = in_codes(codes, a.status);
    int mj = a.status >= 0 && maybe_json(a.headers);

    if (dest && a.status >= 0 && ok && a.status != 304) {
        struct gf_buf path = GF_BUF_INIT;
        if (dest_dir) {
            char *fn = gf_urlfetch_filename(a.url ? a.url : url);
            gf_buf_addf(&path, "%s/%s", dest, fn);
            free(fn);
        } else {
            gf_buf_adds(&path, dest);
        }
        gf_buf_reset(&s);
        gf_sh_assign(&s, "gf_phase", "write");
        gf_sh_assign(&s, "gf_dest", path.buf);
        gf_nodesh_add(&s, "lib");
        gf_nodesh_add(&s, "tmpfile");
        gf_nodesh_add(&s, "uri");
        rc = gf_sys_run(ctx, s.buf, a.body.buf ? a.body.buf : "", a.body.len, &r, res,
                        "uri failed");
        gf_result_release(&r);
        if (rc != 0) {
            gf_buf_release(&path);
            rc = rc == 1 ? 0 : rc;
            goto out;
        }
        res->changed = 1;
        gf_buf_reset(&s);
        gf_sh_assign(&s, "gf_phase", "attrs");
        gf_sh_assign(&s, "gf_dest", path.buf);
        gf_sh_assign(&s, "gf_mode", gf_arg_str(args, "mode", ""));
        gf_sh_assign(&s, "gf_owner", gf_arg_str(args, "owner", ""));
        gf_sh_assign(&s, "gf_group", gf_arg_str(args, "group", ""));
        gf_sh_assign(&s, "gf_check", "0");
        gf_nodesh_add(&s, "lib");
        gf_nodesh_add(&s, "attrs");
        gf_nodesh_add(&s, "tmpfile");
        gf_nodesh_add(&s, "get_url");
        rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "uri failed");
        if (rc == 0)
            gf_urlfetch_set_stat(res, r.out.buf);
        gf_result_release(&r);
        gf_val_map_set(d, "path", gf_val_str(path.buf));
        gf_buf_release(&path);
        if (rc != 0) {
            rc = rc == 1 ? 0 : rc;
            goto out;
        }
    } else if (dest) {
        /* add_path_info: the stat of a path that exists */
        gf_val_map_set(d, "path", gf_val_str(dest));
        gf_buf_reset(&s);
        gf_sh_assign(&s, "gf_phase", "attrs");
        gf_sh_assign(&s, "gf_dest", dest);
        gf_sh_assign(&s, "gf_mode", "");
        gf_sh_assign(&s, "gf_owner", "");
        gf_sh_assign(&s, "gf_group", "");
        gf_sh_assign(&s, "gf_check", "1");
        gf_nodesh_add(&s, "lib");
        gf_nodesh_add(&s, "attrs");
        gf_nodesh_add(&s, "tmpfile");
        gf_nodesh_add(&s, "get_url");
        if (gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "uri failed") == 0)
            gf_urlfetch_set_stat(res, r.out.buf);
        gf_result_release(&r);
    }
    if ((mj || return_content || !ok) && a.status >= 0) {
        struct gf_val *content = gf_val_strn(a.body.buf ? a.body.buf : "", a.body.len);
        if (mj) {
            struct gf_val *js = NULL;
            struct gf_error err = { 0 };
            if (a.body.len && gf_yaml_load(a.body.buf, a.body.len, url, &js, &err) == 0 && js) {
                js->flags |= GF_VAL_UNSAFE;
                gf_val_map_set(d, "json", js);
            }
            gf_error_clear(&err);
        }
        if (return_content)
            gf_val_map_set(d, "content", content);
        else
            gf_val_unref(content);
    } else if (a.status >= 0 && !success) {
        /* the HTTPError's body stays in info when nothing read it */
        gf_val_map_set(d, "body", gf_val_strn(a.body.buf ? a.body.buf : "", a.body.len));
    }
    d->flags |= GF_VAL_UNSAFE;
    if (!ok) {
        struct gf_buf m = GF_BUF_INIT, c = GF_BUF_INIT;
        struct gf_val *old = gf_val_map_get(d, "msg");
        codes_text(codes, &c);
        gf_buf_addf(&m, "Status code was %d and not %s: %s", a.status, c.buf,
                    old && old->type == GF_VAL_STR ? old->u.str.s : "");
        gf_modres_fail(res, "%s", m.buf);
        gf_buf_release(&m);
        gf_buf_release(&c);
    }
out:
    answer_release(&a);
    gf_val_unref(headers);
    gf_urlfetch_release(&f);
    gf_buf_release(&body);
    gf_buf_release(&s);
    gf_buf_release(&method);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_uri = {
    .name = "uri",
    .aliases = (const char *const[]){ "ansible.builtin.uri", NULL },
    .params = uri_params,
    .supports_check = 0,
    .run = uri_run,
};
