/*
 * fuzz.h - what the libFuzzer harnesses in tests/fuzz share. Each harness
 * (fuzz-NAME.c) defines LLVMFuzzerTestOneInput; `make fuzz` links it with
 * libFuzzer and the sanitizers, `make unit` links it with replay.c, which
 * runs the saved cases (tests/fuzz/cases/NAME/) through the same function.
 */
#ifndef GF_FUZZ_H
#define GF_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes data to a file of this process named name (in $TMPDIR or /tmp)
 * and returns its path (static storage), for the loaders that read files. */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);

/* Loads data as an inventory file named name (its extension chooses
 * nothing: the loader detects the format) and walks what it made: the
 * --list JSON, the graph and a pattern. The harnesses for INI and YAML. */
int fuzz_inventory(const char *name, const uint8_t *data, size_t size);

#endif
