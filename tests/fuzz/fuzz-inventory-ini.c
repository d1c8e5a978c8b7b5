/* fuzz-inventory-ini.c - the INI inventory parser, through the loader. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_inventory("inv.ini", data, size);
}
