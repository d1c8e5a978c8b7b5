/* fuzz-lib.c - helpers the harnesses share (fuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../engine/inventory/inventory.h"
#include "fuzz.h"

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
    static char path[4096];
    const char *tmp = getenv("TMPDIR");
    FILE *f;

    snprintf(path, sizeof path, "%s/gf-fuzz-%ld-%s", tmp && *tmp ? tmp : "/tmp", (long)getpid(),
             name);
    f = fopen(path, "wb");
    if (f == NULL)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    return path;
}

int fuzz_inventory(const char *name, const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(name, data, size);
    struct gf_inventory *inv = gf_inventory_new();
    struct gf_error err = GF_ERROR_INIT;

    if (gf_inventory_load(inv, path, &err) == 0) {
        struct gf_buf b = GF_BUF_INIT;
        struct gf_vec hosts = GF_VEC_INIT;
        /* A few hundred bytes of ranges can name millions of hosts, as
         * they may: the loader is fuzzed at any size, the outputs (linear
         * in the hosts, about 10 us each) only where they stay quick. */
        gf_inventory_match(inv, "all", &hosts, NULL);
        if (hosts.n <= 4096) {
            gf_inventory_list_json(inv, &b);
            gf_inventory_graph(inv, "all", 1, &b, &err);
            gf_error_clear(&err);
        }
        gf_vec_release(&hosts, NULL);
        gf_inventory_match(inv, "all:!ungrouped", &hosts, NULL);
        gf_vec_release(&hosts, NULL);
        gf_buf_release(&b);
    }
    gf_error_clear(&err);
    gf_inventory_free(inv);
    unlink(path);
    return 0;
}
