/* timezone.c - the `timezone` module (community.general.timezone) for
 * Linux nodes: the time zone and the hardware clock's, read and set by
 * sh/timezone.sh (timedatectl when it works, else the Debian files), with
 * the module's changed test and its before/after diff. */
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "nodesh.h"
#include "sysmod.h"
#include "textedit.h"

static const struct gf_param timezone_params[] = {
    { "hwclock", GF_P_STR, 0, "rtc", "local,UTC" },
    { "name", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* The value the script printed as "GFV PHASE KEY VALUE" (a new string),
 * or NULL. */
static char *phase_value(const char *out, const char *phase, const char *key)
{
    char *tag = gf_xasprintf("GFV %s %s ", phase, key);
    const char *v = gf_mod_tagged(out, tag);

    free(tag);
    return v ? gf_xstrndup(v, strcspn(v, "\n")) : NULL;
}

/* json.dumps(d, sort_keys=True, indent=4) + "\n" of {hwclock, name}. */
static void dump_phase(struct gf_buf *b, const char *hw, const char *name)
{
    gf_buf_adds(b, "{\n");
    if (hw)
        gf_buf_addf(b, "    \"hwclock\": \"%s\"%s\n", hw, name ? "," : "");
    if (name)
        gf_buf_addf(b, "    \"name\": \"%s\"\n", name);
    gf_buf_adds(b, "}\n");
}

static struct gf_val *phase_map(const char *hw, const char *name)
{
    struct gf_val *m = gf_val_map();

    if (hw)
        gf_val_map_set(m, "hwclock", gf_val_str(hw));
    if (name)
        gf_val_map_set(m, "name", gf_val_str(name));
    return m;
}

static int timezone_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *name = gf_arg_str(args, "name", NULL);
    const char *hw = gf_arg_str(args, "hwclock", NULL);
    struct gf_buf sc = GF_BUF_INIT, msg = GF_BUF_INIT, bd = GF_BUF_INIT, ad = GF_BUF_INIT;
    char *bh = NULL, *bn = NULL, *ah = NULL, *an = NULL;
    struct gf_result r;
    int rc;

    if (!name && !hw)
        return gf_modres_fail(res, "one of the following is required: hwclock, name");
    gf_sh_assign(&sc, "gf_name", name);
    gf_sh_assign(&sc, "gf_hwclock", hw);
    gf_sh_assign(&sc, "gf_check", ctx->check ? "1" : "0");
    gf_nodesh_add(&sc, "lib");
    gf_nodesh_add(&sc, "timezone");
    if ((rc = gf_sys_run(ctx, sc.buf, NULL, 0, &r, res, "timezone failed")) != 0)
        goto out;
    bh = hw ? phase_value(r.out.buf, "before", "hwclock") : NULL;
    bn = name ? phase_value(r.out.buf, "before", "name") : NULL;
    if (ctx->check) {
        ah = hw ? gf_xstrdup(hw) : NULL;
        an = name ? gf_xstrdup(name) : NULL;
    } else {
        ah = hw ? phase_value(r.out.buf, "after", "hwclock") : NULL;
        an = name ? phase_value(r.out.buf, "after", "name") : NULL;
    }
    if ((hw && (!bh || !ah)) || (name && (!bn || !an))) {
        gf_modres_fail(res, "timezone: unexpected output from the host");
        goto out;
    }
    for (const char *p = r.out.buf; (p = gf_mod_tagged(p, "GFMSG ")) != NULL;) {
        size_t n = strcspn(p, "\n");
        gf_buf_addf(&msg, "%s%.*s", msg.len ? "\n" : "", (int)n, p);
        p += n;
    }
    if ((hw && strcmp(ah, hw)) || (name && strcmp(an, name))) {
        struct gf_buf pl = GF_BUF_INIT;
        gf_buf_adds(&pl, "{");
        if (hw)
            gf_buf_addf(&pl, "'hwclock': '%s'%s", ah, name ? ", " : "");
        if (name)
            gf_buf_addf(&pl, "'name': '%s'", an);
        gf_buf_adds(&pl, "}");
        gf_modres_fail(res, "Error message:\nstill not desired state, though changes have made - "
                       "planned: {%s%s%s%s%s%s%s}, after: %s%s%s", hw ? "'hwclock': '" : "",
                       hw ? hw : "", hw ? "'" : "", hw && name ? ", " : "",
                       name ? "'name': '" : "", name ? name : "", name ? "'" : "", pl.buf,
                       msg.len ? "\nOther message(s):\n" : "", msg.buf ? msg.buf : "");
        gf_buf_release(&pl);
        goto out;
    }
    res->changed = (hw && strcmp(bh, ah)) || (name && strcmp(bn, an));
    struct gf_val *diff = gf_val_map();
    gf_val_map_set(diff, "before", phase_map(bh, bn));
    gf_val_map_set(diff, "after", phase_map(ah, an));
    gf_val_map_set(res->data, "diff", diff);
    if (msg.len)
        gf_val_map_set(res->data, "msg", gf_val_str(msg.buf));
    if (ctx->diff && res->changed) {
        dump_phase(&bd, bh, bn);
        dump_phase(&ad, ah, an);
        gf_text_udiff(bd.buf, bd.len, ad.buf, ad.len, "", &res->diff);
    }
out:
    free(bh);
    free(bn);
    free(ah);
    free(an);
    gf_result_release(&r);
    gf_buf_release(&sc);
    gf_buf_release(&msg);
    gf_buf_release(&bd);
    gf_buf_release(&ad);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_timezone = {
    .name = "timezone",
    .aliases = (const char *const[]){ "community.general.timezone",
                                      "community.general.system.timezone", NULL },
    .params = timezone_params,
    .supports_check = 1,
    .run = timezone_run,
};
