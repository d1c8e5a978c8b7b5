/* get_url.c - the `get_url` module (ansible.builtin.get_url): downloads a
 * URL to a file on the node, following Ansible 2.14's steps (checksum
 * short-cut, If-Modified-Since, HEAD in check mode, replace only when the
 * content differs, checksum verified after, then mode/owner/group).
 *
 * Where the download happens: on the node, as in Ansible, with curl or wget
 * when the node has one (name resolution, routes and proxies are the
 * node's). A node with neither gets the body from the controller, which
 * fetches it with its own small HTTP client (http.c) and sends it over the
 * SSH session; a URL that names the node itself (localhost, 127.0.0.0/8,
 * ::1) cannot be fetched that way and fails saying what the node lacks.
 * Credentials and headers reach curl and wget as configuration on stdin,
 * never in argv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "http.h"
#include "nodesh.h"
#include "sysmod.h"
#include "urlfetch.h"

static const struct gf_param get_url_params[] = {
    { "url", GF_P_STR, 1, NULL, NULL },
    { "dest", GF_P_PATH, 1, NULL, NULL },
    { "backup", GF_P_BOOL, 0, NULL, NULL },
    { "checksum", GF_P_STR, 0, NULL, NULL },
    { "timeout", GF_P_INT, 0, NULL, NULL },
    { "headers", GF_P_DICT, 0, NULL, NULL },
    { "tmp_dest", GF_P_PATH, 0, NULL, NULL },
    { "force", GF_P_BOOL, 0, "thirsty", NULL },
    { "url_username", GF_P_STR, 0, "username", NULL },
    { "url_password", GF_P_STR, 0, "password", NULL },
    { "force_basic_auth", GF_P_BOOL, 0, NULL, NULL },
    { "validate_certs", GF_P_BOOL, 0, NULL, NULL },
    { "use_proxy", GF_P_BOOL, 0, NULL, NULL },
    { "http_agent", GF_P_STR, 0, NULL, NULL },
    { "use_netrc", GF_P_BOOL, 0, NULL, NULL },
    { "decompress", GF_P_BOOL, 0, NULL, NULL },
    { "unredirected_headers", GF_P_LIST, 0, NULL, NULL },
    { "ciphers", GF_P_LIST, 0, NULL, NULL },
    { "client_cert", GF_P_PATH, 0, NULL, NULL },
    { "client_key", GF_P_PATH, 0, NULL, NULL },
    { "use_gssapi", GF_P_BOOL, 0, NULL, NULL },
    { "mode", GF_P_MODE, 0, NULL, NULL },
    { "owner", GF_P_STR, 0, NULL, NULL },
    { "group", GF_P_STR, 0, NULL, NULL },
    { "seuser", GF_P_STR, 0, NULL, NULL },
    { "serole", GF_P_STR, 0, NULL, NULL },
    { "setype", GF_P_STR, 0, NULL, NULL },
    { "selevel", GF_P_STR, 0, NULL, NULL },
    { "attributes", GF_P_STR, 0, "attr", NULL },
    { "unsafe_writes", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static const char *const algos[] = { "md5", "sha1", "sha224", "sha256", "sha384", "sha512",
                                     NULL };

/* The node's state before the download. */
struct probe {
    char tool[8];
    int is_dir, exists;
    long long mtime;
    char *dsum;
};

static void set_str_line(struct gf_modres *res, const char *key, const char *out, const char *tag)
{
    const char *p = gf_mod_tagged(out, tag);

    if (p)
        gf_val_map_set(res->data, key, gf_mod_line_val(p));
}

static void script_start(struct gf_buf *b, const struct gf_modctx *ctx, const struct gf_val *args,
                         const char *phase, const char *dest, const char *algo,
                         const char *sum)
{
    gf_sh_assign(b, "gf_phase", phase);
    char *pub = gf_urlfetch_public_url(gf_arg_str(args, "url", ""), NULL);
    gf_sh_assign(b, "gf_url", pub);
    free(pub);
    gf_sh_assign(b, "gf_dest", dest);
    gf_sh_assign(b, "gf_algo", algo ? algo : "");
    gf_sh_assign(b, "gf_sum", sum ? sum : "");
    gf_sh_assign(b, "gf_check", ctx->check ? "1" : "0");
    gf_sh_assign(b, "gf_mode", gf_arg_str(args, "mode", ""));
    gf_sh_assign(b, "gf_owner", gf_arg_str(args, "owner", ""));
    gf_sh_assign(b, "gf_group", gf_arg_str(args, "group", ""));
    gf_sh_assign(b, "gf_backup", gf_arg_bool(args, "backup", 0) ? "1" : "0");
    gf_sh_assign(b, "gf_tmp_dest", gf_arg_str(args, "tmp_dest", ""));
}

static void script_finish(struct gf_buf *b)
{
    gf_nodesh_add(b, "lib");
    gf_nodesh_add(b, "attrs");
    gf_nodesh_add(b, "tmpfile");
    gf_nodesh_add(b, "get_url");
}

static int do_probe(struct gf_modctx *ctx, const struct gf_val *args, const char *algo,
                    struct probe *p, struct gf_modres *res)
{
    struct gf_buf s = GF_BUF_INIT;
    struct gf_result r;
    const char *t;
    int rc;

    script_start(&s, ctx, args, "probe", gf_arg_str(args, "dest", ""), algo, NULL);
    script_finish(&s);
    rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "get_url failed");
    if (rc == 0) {
        if ((t = gf_mod_tagged(r.out.buf, "GFTOOL ")))
            sscanf(t, "%7s", p->tool);
        p->is_dir = (t = gf_mod_tagged(r.out.buf, "GFDIR ")) && *t == '1';
        p->exists = (t = gf_mod_tagged(r.out.buf, "GFEXISTS ")) && *t == '1';
        if ((t = gf_mod_tagged(r.out.buf, "GFMTIME ")))
            p->mtime = strtoll(t, NULL, 10);
        if ((t = gf_mod_tagged(r.out.buf, "GFDSUM ")))
            p->dsum = gf_xstrndup(t, strcspn(t, "\n"));
    }
    gf_result_release(&r);
    gf_buf_release(&s);
    return rc;
}

/* Parses "algo:value". Returns 0, or -1 with the failure in res. */
static int split_checksum(const char *ck, char **algo, char **value, struct gf_modres *res)
{
    const char *colon = strchr(ck, ':');

    if (!colon) {
        gf_modres_fail(res, "The checksum parameter has to be in format <algorithm>:<checksum>");
        return -1;
    }
    *algo = gf_xstrndup(ck, (size_t)(colon - ck));
    *value = gf_xstrdup(colon + 1);
    for (size_t i = 0; algos[i]; i++)
        if (strcmp(algos[i], *algo) == 0)
            return 0;
    gf_modres_fail(res, "Could not hash file with algorithm '%s'. Available algorithms: "
                   "md5, sha1, sha224, sha256, sha384, sha512", *algo);
    return -1;
}

static int get_url_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *url = gf_arg_str(args, "url", "");
    const char *dest = gf_arg_str(args, "dest", "");
    const char *ck = gf_arg_str(args, "checksum", "");
    int force = gf_arg_bool(args, "force", 0);
    struct probe p = { .tool = "none" };
    struct gf_urlfetch f;
    struct gf_urlfetch_req q = { .url = NULL };
    struct gf_buf s = GF_BUF_INIT;
    struct gf_result r;
    char *algo = NULL, *want = NULL, ims[40] = "";
    int rc = 0, have_r = 0;

    gf_urlfetch_init(&f, ctx, args);
    gf_val_map_set(res->data, "url", gf_val_str(url));
    gf_val_map_set(res->data, "dest", gf_val_str(dest));
    gf_val_map_set(res->data, "elapsed", gf_val_int(0));
    gf_val_map_set(res->data, "checksum_dest", gf_val_null());
    gf_val_map_set(res->data, "checksum_src", gf_val_null());
    if (gf_urlfetch_refuse(&f, args, res) < 0)
        goto out;
    if (*ck && split_checksum(ck, &algo, &want, res) < 0)
        goto out;
    rc = do_probe(ctx, args, algo, &p, res);
    if (rc != 0)
        goto out;
    gf_urlfetch_set_tool(&f, p.tool);
    if (want) {
        if (gf_urlfetch_is_url(want)) {
            char *sum = NULL;
            rc = gf_urlfetch_checksum(&f, want, url, &sum, res);
            if (rc != 0 || res->failed)
                goto out;
            free(want);
            want = sum;
        }
        gf_urlfetch_clean_hex(want);
        if (!*want || want[strspn(want, "0123456789abcdef")] != '\0') {
            gf_modres_fail(res, "The checksum format is invalid");
            goto out;
        }
    }
    if (!p.is_dir && p.exists) {
        int mismatch = !force && want && (!p.dsum || strcmp(p.dsum, want) != 0);
        if (!force && want && !mismatch) {
            script_start(&s, ctx, args, "attrs", dest, algo, want);
            script_finish(&s);
            rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "get_url failed");
            have_r = 1;
            if (rc != 0)
                goto out;
            const char *a = gf_mod_tagged(r.out.buf, "GFATTR ");
            res->changed = a && *a == '1';
            gf_val_map_set(res->data, "msg", gf_val_str(res->changed
                ? "file already exists but file attributes changed" : "file already exists"));
            gf_urlfetch_set_stat(res, r.out.buf);
            goto out;
        }
        if (mismatch)
            force = 1;
        if (!force)
            gf_http_date(p.mtime, ims, sizeof(ims));
    }

    /* the download, then the node puts it in place */
    q.url = url;
    q.method = ctx->check ? "HEAD" : "GET";
    q.force = force;
    q.if_modified_since = *ims ? ims : NULL;
    int64_t t0 = gf_now_ms();
    gf_buf_reset(&s);
    script_start(&s, ctx, args, "install", dest, algo, want);
    rc = gf_urlfetch_node(&f, &q, &s, script_finish, &r, res);
    have_r = rc >= 0;
    gf_val_map_set(res->data, "elapsed", gf_val_int((gf_now_ms() - t0) / 1000));
    if (rc == 0 && res->failed && r.out.buf) {
        /* the node's checks of dest failed after the download: Ansible's keys */
        set_str_line(res, "checksum_src", r.out.buf, "GFSUMSRC ");
        gf_val_unref(gf_map_del(&res->data->u.map, "rc"));
    }
    if (rc != 0 || res->failed)
        goto out;
    int status = q.status;
    if (status == 304) {
        /* url_get's exit_json: no checksums; the path facts of dest */
        gf_val_map_set(res->data, "status_code", gf_val_int(304));
        gf_val_map_set(res->data, "msg", gf_val_str("HTTP Error 304: Not Modified"));
        gf_val_unref(gf_map_del(&res->data->u.map, "checksum_dest"));
        gf_val_unref(gf_map_del(&res->data->u.map, "checksum_src"));
        if (have_r)
            gf_result_release(&r);
        gf_buf_reset(&s);
        script_start(&s, ctx, args, "attrs", dest, NULL, NULL);
        gf_sh_assign(&s, "gf_mode", "");
        gf_sh_assign(&s, "gf_owner", "");
        gf_sh_assign(&s, "gf_group", "");
        script_finish(&s);
        rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "get_url failed");
        have_r = 1;
        if (rc == 0)
            gf_urlfetch_set_stat(res, r.out.buf);
        goto out;
    }
    if (status != 200 && strncmp(url, "file:", 5) != 0) {
        /* url_get's failure: no checksums in it */
        gf_val_unref(gf_map_del(&res->data->u.map, "checksum_dest"));
        gf_val_unref(gf_map_del(&res->data->u.map, "checksum_src"));
        gf_val_map_set(res->data, "status_code", gf_val_int(status));
        gf_val_map_set(res->data, "response", gf_val_str(q.reason));
        gf_modres_fail(res, "Request failed");
        goto out;
    }
    set_str_line(res, "dest", r.out.buf, "GFDEST ");
    set_str_line(res, "checksum_src", r.out.buf, "GFSUMSRC ");
    set_str_line(res, "checksum_dest", r.out.buf, "GFSUMDEST ");
    const char *c = gf_mod_tagged(r.out.buf, "GFCHANGED ");
    res->changed = c && *c == '1';
    gf_val_map_set(res->data, "msg", gf_val_str(q.msg ? q.msg : ""));
    if (ctx->check)
        goto out;
    set_str_line(res, "backup_file", r.out.buf, "GFBACKUP ");
    const char *dg = gf_mod_tagged(r.out.buf, "GFDIGEST ");
    if (want && dg && strncmp(dg, want, strlen(want)) != 0) {
        struct gf_val *d = gf_val_map_get(res->data, "dest");
        gf_modres_fail(res, "The checksum for %s did not match %s; it was %.*s.",
                       d && d->type == GF_VAL_STR ? d->u.str.s : dest, want,
                       (int)strcspn(dg, "\n"), dg);
        goto out;
    }
    const char *a = gf_mod_tagged(r.out.buf, "GFATTR ");
    if (a && *a == '1')
        res->changed = 1;
    set_str_line(res, "md5sum", r.out.buf, "GFMD5 ");
    gf_urlfetch_set_stat(res, r.out.buf);
    gf_val_map_set(res->data, "status_code", gf_val_int(status));
out:
    if (have_r)
        gf_result_release(&r);
    free(q.msg);
    gf_urlfetch_release(&f);
    gf_buf_release(&s);
    free(algo);
    free(want);
    free(p.dsum);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_get_url = {
    .name = "get_url",
    .aliases = (const char *const[]){ "ansible.builtin.get_url", NULL },
    .params = get_url_params,
    .supports_check = 1,
    .run = get_url_run,
};
