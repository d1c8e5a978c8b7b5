/*
 * exec-priv.h - what the execution layer's files share and no caller
 * outside engine/exec/ uses.
 */
#ifndef GF_EXEC_PRIV_H
#define GF_EXEC_PRIV_H

#include "exec.h"

/* Runs cmd on the controller for a local target (local.c), with the
 * contract of gf_session_run_as; in_count as gf_session_count_input. */
int gf_local_run(const struct gf_target *t, const struct gf_exec_opts *o, const char *cmd,
                 const char *input, size_t input_len, const char *become_user, int become,
                 _Atomic uint64_t *in_count, struct gf_result *r);

#endif
