/*
 * report.h - the run report (`gpuforge run --report FILE.html`): the same
 * events `--json` prints (docs/events.md), kept in memory during the run
 * and written at its end as one self-contained HTML file: no script, no
 * font, no link to anything outside it. Results arrive already censored
 * (no_log), as they do for --json, so the report holds nothing the JSON
 * stream would not.
 *
 * gf_report_add may be called from several threads at once.
 */
#ifndef GF_REPORT_H
#define GF_REPORT_H

#include "../core/core.h"

struct gf_report;

struct gf_report *gf_report_new(void);
void gf_report_free(struct gf_report *rep);

/* Milliseconds since gf_report_new. */
long long gf_report_ms(const struct gf_report *rep);

/* Keeps event e (a map with "event"; adds a reference), stamped with the
 * milliseconds since the report began as "time_ms" unless it has that. */
void gf_report_add(struct gf_report *rep, struct gf_val *e);

/* Writes the report to path (through a temporary file renamed into place):
 * cmdline is the command as typed, with secrets already masked; rc the
 * exit code. Returns 0 or -GF_E* with err. */
int gf_report_write(struct gf_report *rep, const char *path, const char *cmdline, int rc,
                    struct gf_error *err);

#endif
