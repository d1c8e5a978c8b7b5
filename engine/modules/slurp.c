/* slurp.c - the `slurp` module: a file of the node, base64-encoded, in the
 * result (content, encoding, source). Read in one command (nodefile.c). */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "nodefile.h"

static const struct gf_param slurp_params[] = {
    { "src", GF_P_PATH, 1, "path", NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* Bigger files would not fit in a result anyone wants to read. */
#define SLURP_MAX (64u << 20)

static int slurp_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *src = gf_arg_str(args, "src", NULL);
    struct gf_remote_file rf;
    int rc = gf_mod_read_file(ctx, src, NULL, SLURP_MAX, &rf, res);

    if (rc != 0) {
        rc = rc < 0 ? rc : 0;
    } else if (rf.kind == GF_RF_NONE) {
        gf_modres_fail(res, "file not found: %s", src);
    } else if (rf.kind == GF_RF_DIR) {
        gf_modres_fail(res, "source is a directory and must be a file");
    } else if (rf.kind == GF_RF_UNREADABLE) {
        gf_modres_fail(res, "file is not readable: %s", src);
    } else if (!rf.sent) {
        gf_modres_fail(res, "%s is too large to slurp (over %u MiB)", src, SLURP_MAX >> 20);
    } else {
        size_t n = rf.content.len;
        unsigned char *b64 = gf_xmalloc(4 * ((n + 2) / 3) + 1);
        int len = EVP_EncodeBlock(b64, (const unsigned char *)rf.content.buf, (int)n);
        gf_val_map_set(res->data, "content", gf_val_str_own((char *)b64, (size_t)len));
        gf_val_map_set(res->data, "encoding", gf_val_str("base64"));
        gf_val_map_set(res->data, "source", gf_val_str(src));
    }
    gf_remote_file_release(&rf);
    return rc;
}

const struct gf_module gf_module_slurp = {
    .name = "slurp",
    .aliases = (const char *const[]){ "ansible.builtin.slurp", NULL },
    .params = slurp_params,
    .supports_check = 1,
    .run = slurp_run,
};
