/*
 * setup-private.h - the parts of the `setup` module that unit tests reach:
 * the gather_subset rules, the node script and the pure parser of the
 * script's output. Not an interface for other layers.
 */
#ifndef GF_SETUP_PRIVATE_H
#define GF_SETUP_PRIVATE_H

#include "../core/core.h"

/* Fact subsets, as Ansible's gather_subset names them. */
#define GF_FACTS_MIN 1u
#define GF_FACTS_HARDWARE 2u
#define GF_FACTS_NETWORK 4u
#define GF_FACTS_VIRTUAL 8u
#define GF_FACTS_ALL 15u

/* Resolves a gather_subset list (strings) the way Ansible 2.14 does: min
 * always, plus what is named, less what is excluded with '!' unless also
 * named. Returns 0 and the GF_FACTS_* bits in *out, or -GF_EINVAL with a
 * message in msg for a subset this engine does not collect. */
int gf_setup_subsets(const struct gf_val *list, unsigned *out, struct gf_buf *msg);

/* Appends the one shell script that gathers the raw data of the given
 * subsets on a node (POSIX sh, no Python). */
void gf_setup_script(unsigned subsets, struct gf_buf *script);

/* Turns the script's output into Ansible's facts: a new map of
 * "ansible_"-prefixed keys (plus gpuforge_gpus and gpuforge_gpu_count with
 * the hardware subset). Pure: no I/O. Returns NULL when out is not the
 * output of a complete run (the end marker is missing). Caller unrefs. */
struct gf_val *gf_setup_parse(const char *out, unsigned subsets);

#endif
