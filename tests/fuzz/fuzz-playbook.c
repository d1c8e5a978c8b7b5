/* fuzz-playbook.c - the playbook loader and its static checks, over a
 * two-host inventory. */
#include <stdio.h>
#include <unistd.h>

#include "../../engine/playbook/playbook.h"
#include "fuzz.h"

static const uint8_t inventory[] = "[web]\nh1 a=1\n[db]\nh2\n[all:vars]\nx=2\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char inv_path[4096];
    const char *path;
    struct gf_inventory *inv = gf_inventory_new();
    struct gf_playbook *pb = NULL;
    struct gf_error err = GF_ERROR_INIT;

    snprintf(inv_path, sizeof inv_path, "%s", fuzz_file("hosts.ini", inventory,
                                                       sizeof inventory - 1));
    path = fuzz_file("play.yml", data, size);
    if (gf_inventory_load(inv, inv_path, &err) == 0 && gf_playbook_load(path, NULL, &pb, &err) == 0)
        gf_playbook_check(pb, inv, NULL, &err);
    gf_error_clear(&err);
    gf_playbook_free(pb);
    gf_inventory_free(inv);
    unlink(path);
    unlink(inv_path);
    return 0;
}
