/* kernel_blacklist.c - the `kernel_blacklist` module
 * (community.general.kernel_blacklist): a "blacklist NAME" line in a
 * modprobe.d file of the node, edited on the controller (confedit.c) and
 * written back atomically (nodefile.c). */
#include <ctype.h>
#include <string.h>

#include "confedit.h"
#include "nodefile.h"

static const struct gf_param kernel_blacklist_params[] = {
    { "name", GF_P_STR, 1, NULL, NULL },
    { "state", GF_P_STR, 0, NULL, "absent,present" },
    { "blacklist_file", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

struct bl_opts {
    const char *name;
    int absent;
};

static int bl_edit(const char *text, size_t len, int exists, const void *opts,
                   struct gf_textedit *te)
{
    const struct bl_opts *o = opts;

    return gf_blacklist_edit(text, len, exists, o->name, o->absent, te);
}

/* {"lines": [...]} of a text as json.dumps(indent=4) writes it, lines
 * without their trailing white space */
static void lines_json(const char *t, size_t len, struct gf_buf *out)
{
    struct gf_val *m = gf_val_map(), *l = gf_val_list();

    for (size_t i = 0; i < len;) {
        const char *nl = memchr(t + i, '\n', len - i);
        size_t j = nl ? (size_t)(nl - t) : len, n = j - i;
        while (n && isspace((unsigned char)t[i + n - 1]))
            n--;
        gf_val_list_push(l, gf_val_strn(t + i, n));
        i = j + 1;
    }
    gf_val_map_set(m, "lines", l);
    gf_json_dump(m, 4, GF_JSON_SORT, out);
    gf_buf_addc(out, '\n');
    gf_val_unref(m);
}

/* The module's diff: its list of lines before and after. */
static void bl_diff(const char *before, size_t blen, const char *after, size_t alen,
                    struct gf_buf *out)
{
    struct gf_buf b = GF_BUF_INIT, a = GF_BUF_INIT;

    lines_json(before, blen, &b);
    lines_json(after, alen, &a);
    gf_text_udiff(b.buf, b.len, a.buf, a.len, "", out);
    gf_buf_release(&b);
    gf_buf_release(&a);
}

static int kernel_blacklist_run(struct gf_modctx *ctx, const struct gf_val *args,
                                struct gf_modres *res)
{
    const char *state = gf_arg_str(args, "state", "present");
    struct bl_opts o = {
        .name = gf_arg_str(args, "name", NULL),
        .absent = strcmp(state, "absent") == 0,
    };
    struct gf_text_job job = {
        .path = gf_arg_str(args, "blacklist_file", "/etc/modprobe.d/blacklist-ansible.conf"),
        .create = 1,
        .edit = bl_edit,
        .opts = &o,
        .plain_msg = 1,
        .diff = bl_diff,
    };

    gf_val_map_set(res->data, "name", gf_val_str(o.name));
    gf_val_map_set(res->data, "state", gf_val_str(state));
    return gf_mod_edit_text(ctx, args, &job, res);
}

const struct gf_module gf_module_kernel_blacklist = {
    .name = "kernel_blacklist",
    .aliases = (const char *const[]){ "community.general.kernel_blacklist",
                                      "community.general.system.kernel_blacklist", NULL },
    .params = kernel_blacklist_params,
    .supports_check = 1,
    .run = kernel_blacklist_run,
};
