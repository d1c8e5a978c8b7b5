/* fuzz-manifest.c - the strict parser of bundle manifests, and the checks
 * and serialisation a parsed manifest goes through. */
#include "../../engine/bundle/bundle.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gf_bundle_manifest *m = NULL;
    struct gf_error err = GF_ERROR_INIT;

    if (gf_bundle_manifest_parse((const char *)data, size, &m, &err) == 0) {
        struct gf_buf b = GF_BUF_INIT;
        gf_bundle_manifest_check(m, &err);
        gf_error_clear(&err);
        gf_bundle_manifest_serialize(m, &b);
        gf_bundle_manifest_sums(m, &b);
        gf_buf_release(&b);
        gf_bundle_manifest_free(m);
    }
    gf_error_clear(&err);
    return 0;
}
