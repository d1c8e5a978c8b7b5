/* fuzz-inventory-yaml.c - the YAML (and JSON) inventory parser, through the loader. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_inventory("inv.yml", data, size);
}
