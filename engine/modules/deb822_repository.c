/* deb822_repository.c - the `deb822_repository` module
 * (ansible.builtin.deb822_repository, Ansible 2.15): an APT source in
 * deb822 form, /etc/apt/sources.list.d/SLUG.sources, with its key in
 * /etc/apt/keyrings/SLUG.asc or .gpg when signed_by is a URL (downloaded
 * as get_url does: on the node with curl or wget, else through the
 * controller). The file's fields, their order and their formatting are
 * Ansible's, so both write the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "netmod.h"
#include "nodesh.h"
#include "sysmod.h"
#include "urlfetch.h"

/* In the order of their names: the order of the file's fields. */
static const struct gf_param deb822_params[] = {
    { "allow_downgrade_to_insecure", GF_P_BOOL, 0, NULL, NULL },
    { "allow_insecure", GF_P_BOOL, 0, NULL, NULL },
    { "allow_weak", GF_P_BOOL, 0, NULL, NULL },
    { "architectures", GF_P_LIST, 0, NULL, NULL },
    { "by_hash", GF_P_BOOL, 0, NULL, NULL },
    { "check_date", GF_P_BOOL, 0, NULL, NULL },
    { "check_valid_until", GF_P_BOOL, 0, NULL, NULL },
    { "components", GF_P_LIST, 0, NULL, NULL },
    { "date_max_future", GF_P_INT, 0, NULL, NULL },
    { "enabled", GF_P_BOOL, 0, NULL, NULL },
    { "inrelease_path", GF_P_STR, 0, NULL, NULL },
    { "install_python_debian", GF_P_BOOL, 0, NULL, NULL },
    { "languages", GF_P_LIST, 0, NULL, NULL },
    { "mode", GF_P_MODE, 0, NULL, NULL },
    { "name", GF_P_STR, 1, NULL, NULL },
    { "pdiffs", GF_P_BOOL, 0, NULL, NULL },
    { "signed_by", GF_P_STR, 0, NULL, NULL },
    { "state", GF_P_STR, 0, NULL, "present,absent" },
    { "suites", GF_P_LIST, 0, NULL, NULL },
    { "targets", GF_P_LIST, 0, NULL, NULL },
    { "trusted", GF_P_BOOL, 0, NULL, NULL },
    { "types", GF_P_LIST, 0, NULL, NULL },
    { "uris", GF_P_LIST, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

#define SOURCES_DIR "/etc/apt/sources.list.d"
#define KEYRINGS_DIR "/etc/apt/keyrings"

char *gf_deb822_slug(const char *name)
{
    struct gf_buf b = GF_BUF_INIT;
    int run = 0;

    for (const char *p = name; *p; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c == '_' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
            c == '\v') {
            if (!run)
                gf_buf_addc(&b, '-');
            run = 1;
            continue;
        }
        run = 0;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
            gf_buf_addc(&b, c);
    }
    return b.buf ? gf_buf_detach(&b, NULL) : gf_xstrdup("");
}

/* format_field_name: name -> X-Repolib-Name, uris -> URIs, else Title-Case. */
static void field_name(const char *key, struct gf_buf *out)
{
    int up = 1;

    if (strcmp(key, "name") == 0) {
        gf_buf_adds(out, "X-Repolib-Name");
        return;
    }
    if (strcmp(key, "uris") == 0) {
        gf_buf_adds(out, "URIs");
        return;
    }
    for (const char *p = key; *p; p++) {
        char c = *p == '_' ? '-' : *p;
        int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (letter)
            c = up ? (char)(c & ~32) : (char)(c | 32);
        gf_buf_addc(out, c);
        up = !letter;
    }
}

/* format_multiline: "\n" + the stripped lines ('.' for empty) indented. */
static void multiline(const char *v, struct gf_buf *out)
{
    const char *p = v, *end = v + strlen(v);

    while (p < end && strchr(" \t\r\n\f\v", *p))
        p++;
    while (end > p && strchr(" \t\r\n\f\v", end[-1]))
        end--;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        const char *a = p, *z = e;
        while (a < z && strchr(" \t\r\f\v", *a))
            a++;
        while (z > a && strchr(" \t\r\f\v", z[-1]))
            z--;
        gf_buf_adds(out, "\n    ");
        if (a == z)
            gf_buf_addc(out, '.');
        else
            gf_buf_add(out, a, (size_t)(z - a));
        p = e + 1;
    }
}

void gf_deb822_render(const struct gf_val *args, const char *signed_by, struct gf_buf *out)
{
    for (const struct gf_param *pp = deb822_params; pp->name; pp++) {
        const char *k = pp->name;
        if (strcmp(k, "mode") == 0 || strcmp(k, "state") == 0 ||
            strcmp(k, "install_python_debian") == 0)
            continue;
        const struct gf_val *v = gf_val_map_get(args, k);
        struct gf_buf val = GF_BUF_INIT;
        if (strcmp(k, "types") == 0 && (!v || v->type == GF_VAL_NULL)) {
            gf_buf_adds(&val, "deb");
        } else if (strcmp(k, "signed_by") == 0 && signed_by) {
            gf_buf_adds(&val, signed_by);
        } else if (!v || v->type == GF_VAL_NULL) {
            continue;
        } else if (v->type == GF_VAL_BOOL) {
            gf_buf_adds(&val, v->u.b ? "yes" : "no");
        } else if (v->type == GF_VAL_LIST) {
            for (size_t i = 0; i < v->u.list.n; i++) {
                if (i)
                    gf_buf_addc(&val, ' ');
                gf_val_to_text(v->u.list.v[i], &val);
            }
        } else {
            gf_val_to_text(v, &val);
        }
        field_name(k, out);
        gf_buf_addc(out, ':');
        const char *t = val.buf ? val.buf : "";
        if (strchr(t, '\n')) {
            multiline(t, out);
        } else if (*t) {
            gf_buf_addc(out, ' ');
            gf_buf_adds(out, t);
        }
        gf_buf_addc(out, '\n');
        gf_buf_release(&val);
    }
}

static int has_scheme(const char *s)
{
    size_t n = 0;

    if (!((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z'))
        return 0;
    while (s[n] && (((s[n] | 32) >= 'a' && (s[n] | 32) <= 'z') || (s[n] >= '0' && s[n] <= '9') ||
                    s[n] == '+' || s[n] == '-' || s[n] == '.'))
        n++;
    return s[n] == ':';
}

static int deb822_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *name = gf_arg_str(args, "name", "");
    const char *state = gf_arg_str(args, "state", "present");
    const char *signed_by = gf_arg_str(args, "signed_by", NULL);
    char *slug = gf_deb822_slug(name);
    struct gf_buf s = GF_BUF_INIT, text = GF_BUF_INIT, src = GF_BUF_INIT, key = GF_BUF_INIT;
    struct gf_buf keyfile = GF_BUF_INIT;
    struct gf_result r;
    struct gf_urlfetch f;
    const char *t;
    char *sb_value = NULL, keysum[EVP_MAX_MD_SIZE * 2 + 1] = "";
    int rc = 0, have_r = 0, with_key = 0;

    gf_urlfetch_init(&f, ctx, args);
    gf_buf_addf(&src, "%s/%s.sources", SOURCES_DIR, slug);
    gf_val_map_set(res->data, "dest", gf_val_str(src.buf));
    if (strcmp(state, "absent") == 0) {
        gf_buf_addf(&keyfile, "%s/%s.gpg", KEYRINGS_DIR, slug);
        gf_sh_assign(&s, "gf_phase", "absent");
        gf_sh_assign(&s, "gf_sources", src.buf);
        gf_sh_assign(&s, "gf_key", keyfile.buf);
        gf_sh_assign(&s, "gf_check", ctx->check ? "1" : "0");
        gf_nodesh_add(&s, "lib");
        gf_nodesh_add(&s, "attrs");
        gf_nodesh_add(&s, "deb822");
        rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "deb822_repository failed");
        have_r = 1;
        if (rc == 0)
            res->changed = (t = gf_mod_tagged(r.out.buf, "GFCHANGED ")) && *t == '1';
        gf_val_map_set(res->data, "repo", gf_val_null());
        gf_val_map_set(res->data, "key_filename", gf_val_str(keyfile.buf));
        goto out;
    }
    /* signed_by: a file on the node, a URL to download, or the key itself */
    if (signed_by) {
        gf_sh_assign(&s, "gf_phase", "probe");
        /* a URL never reaches the node's command line (it may hold credentials) */
        gf_sh_assign(&s, "gf_signed_by", has_scheme(signed_by) ? "" : signed_by);
        gf_nodesh_add(&s, "lib");
        gf_nodesh_add(&s, "deb822");
        rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "deb822_repository failed");
        have_r = 1;
        if (rc != 0)
            goto out;
        if ((t = gf_mod_tagged(r.out.buf, "GFTOOL "))) {
            char tool[8] = "";
            sscanf(t, "%7s", tool);
            gf_urlfetch_set_tool(&f, tool);
        }
        int is_file = (t = gf_mod_tagged(r.out.buf, "GFSIGNEDFILE ")) && *t == '1';
        gf_result_release(&r);
        have_r = 0;
        if (is_file || !has_scheme(signed_by)) {
            sb_value = gf_xstrdup(signed_by);
        } else {
            rc = gf_urlfetch_body(&f, signed_by, &key, res);
            if (rc != 0 || res->failed) {
                if (res->failed) {
                    struct gf_val *m = gf_val_map_get(res->data, "msg");
                    char *why = gf_xstrdup(m && m->type == GF_VAL_STR ? m->u.str.s : "");
                    gf_modres_fail(res, "Could not fetch signed_by key: %s", why);
                    free(why);
                }
                goto out;
            }
            if (key.len == 0) {
                sb_value = gf_xstrdup(signed_by);
            } else {
                int armored = memmem(key.buf, key.len, "-----BEGIN PGP PUBLIC KEY BLOCK-----",
                                     36) != NULL;
                gf_buf_addf(&keyfile, "%s/%s.%s", KEYRINGS_DIR, slug, armored ? "asc" : "gpg");
                sb_value = gf_xstrdup(keyfile.buf);
                unsigned char d[EVP_MAX_MD_SIZE];
                unsigned int n = 0;
                EVP_Digest(key.buf, key.len, d, &n, EVP_sha256(), NULL);
                for (unsigned int i = 0; i < n; i++)
                    sprintf(keysum + 2 * i, "%02x", d[i]);
                with_key = 1;
            }
        }
    }
    gf_deb822_render(args, sb_value, &text);
    gf_buf_reset(&s);
    gf_sh_assign(&s, "gf_phase", "write");
    gf_sh_assign(&s, "gf_sources", src.buf);
    gf_sh_assign(&s, "gf_key", with_key ? keyfile.buf : "");
    gf_sh_assign(&s, "gf_keysum", keysum);
    gf_sh_assign(&s, "gf_text", text.buf);
    gf_sh_assign(&s, "gf_mode", gf_arg_str(args, "mode", "0644"));
    gf_sh_assign(&s, "gf_owner", "");
    gf_sh_assign(&s, "gf_group", "");
    gf_sh_assign(&s, "gf_check", ctx->check ? "1" : "0");
    gf_nodesh_add(&s, "lib");
    gf_nodesh_add(&s, "attrs");
    gf_nodesh_add(&s, "deb822");
    rc = gf_sys_run(ctx, s.buf, with_key ? key.buf : NULL, with_key ? key.len : 0, &r, res,
                    "deb822_repository failed");
    have_r = 1;
    if (rc == 0)
        res->changed = (t = gf_mod_tagged(r.out.buf, "GFCHANGED ")) && *t == '1';
    gf_val_map_set(res->data, "repo", gf_val_str(text.buf));
    gf_val_map_set(res->data, "key_filename", with_key ? gf_val_str(keyfile.buf) : gf_val_null());
out:
    if (have_r)
        gf_result_release(&r);
    gf_urlfetch_release(&f);
    gf_buf_release(&s);
    gf_buf_release(&text);
    gf_buf_release(&src);
    gf_buf_release(&key);
    gf_buf_release(&keyfile);
    free(sb_value);
    free(slug);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_deb822_repository = {
    .name = "deb822_repository",
    .aliases = (const char *const[]){ "ansible.builtin.deb822_repository", NULL },
    .params = deb822_params,
    .supports_check = 1,
    .run = deb822_run,
};
