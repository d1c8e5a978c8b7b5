/* fuzz-inventory-yaml.c - the YAML (and JSON) inventory parser, through the loader. */
#include <unistd.h>

#include "../../engine/inventory/inventory.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file("inv.yml", data, size);
    struct gf_inventory *inv = gf_inventory_new();
    struct gf_error err = GF_ERROR_INIT;

    if (gf_inventory_load(inv, path, &err) == 0) {
        struct gf_buf b = GF_BUF_INIT;
        struct gf_vec hosts = GF_VEC_INIT;
        gf_inventory_list_json(inv, &b);
        gf_inventory_graph(inv, "all", 1, &b, &err);
        gf_error_clear(&err);
        gf_inventory_match(inv, "all:!ungrouped", &hosts, NULL);
        gf_vec_release(&hosts, NULL);
        gf_buf_release(&b);
    }
    gf_error_clear(&err);
    gf_inventory_free(inv);
    unlink(path);
    return 0;
}
