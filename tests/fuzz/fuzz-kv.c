/* fuzz-kv.c - "k=v free text" module arguments (for a free-form module and
 * for one without) and shlex splitting. The text is made a C string. */
#include <stdlib.h>
#include <string.h>

#include "../../engine/modules/module.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    struct gf_vec words = GF_VEC_INIT;
    const char *names[] = { "command", "copy" };

    memcpy(s, data, size);
    s[size] = '\0';
    for (size_t i = 0; i < 2; i++) {
        struct gf_val *out = NULL;
        struct gf_error err = GF_ERROR_INIT;
        int bad = 0;
        gf_parse_kv(s, gf_module_find(names[i]), &out, &bad, &err);
        gf_val_unref(out);
        gf_error_clear(&err);
    }
    gf_shlex_split(s, &words);
    gf_vec_release(&words, free);
    free(s);
    return 0;
}
