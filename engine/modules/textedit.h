/*
 * textedit.h - the text edits of lineinfile, blockinfile and replace as pure
 * functions (old content and options in, new content out) and the unified
 * diff shown in diff mode; no node is involved (see nodefile.h).
 */
#ifndef GF_TEXTEDIT_H
#define GF_TEXTEDIT_H

#include "../core/core.h"

/* lineinfile's options; NULL means not given. */
struct gf_lineinfile_opts {
    const char *regexp;
    const char *search_string;
    const char *line;
    const char *insertafter;   /* a regex, "EOF" or "BOF" */
    const char *insertbefore;  /* a regex or "BOF" */
    int absent;                /* state=absent */
    int backrefs;
    int firstmatch;
};

/* blockinfile's options; NULL means not given (defaults apply). */
struct gf_blockinfile_opts {
    const char *block;
    const char *marker;        /* "# {mark} ANSIBLE MANAGED BLOCK" */
    const char *marker_begin;  /* "BEGIN" */
    const char *marker_end;    /* "END" */
    const char *insertafter;   /* a regex or "EOF" */
    const char *insertbefore;  /* a regex or "BOF" */
    int absent;
};

/* replace's options; NULL means not given. */
struct gf_replace_opts {
    const char *regexp;
    const char *replace;       /* "" when NULL */
    const char *after;
    const char *before;
};

/* The outcome of an edit. */
struct gf_textedit {
    struct gf_buf out;  /* the new content */
    int changed;
    long found;         /* lineinfile state=absent: lines removed */
    char msg[512];      /* Ansible's msg: "line added", "Block inserted", ... */
    struct gf_error err; /* why the edit cannot be made (err.msg) */
};
void gf_textedit_init(struct gf_textedit *te);
void gf_textedit_release(struct gf_textedit *te);

/* The argument combinations Ansible's lineinfile rejects before it reads
 * the file: a static message, or NULL when o is fine. */
const char *gf_lineinfile_invalid(const struct gf_lineinfile_opts *o);
/* Applies lineinfile to text[0..len) as Ansible's lineinfile does (Python
 * regular expressions are run with PCRE2 on each line, newline included).
 * Returns 0, or -GF_EINVAL with te->err set (bad regex, bad backreference,
 * missing line). */
int gf_lineinfile_edit(const char *text, size_t len, const struct gf_lineinfile_opts *o,
                       struct gf_textedit *te);
/* Applies blockinfile to text[0..len); exists is 0 when the file is absent
 * (then "File created"). Returns 0, or -GF_EINVAL with te->err set. */
int gf_blockinfile_edit(const char *text, size_t len, int exists,
                        const struct gf_blockinfile_opts *o, struct gf_textedit *te);

/* Applies replace to text[0..len) as Ansible's replace does: re.subn of
 * regexp (re.MULTILINE) by the template replace, in the part between the
 * after and before patterns (re.DOTALL) when given. te->found is the
 * number of replacements. Returns 0, or -GF_EINVAL with te->err set. */
int gf_replace_edit(const char *text, size_t len, const struct gf_replace_opts *o,
                    struct gf_textedit *te);

/* Appends to out the unified diff (3 lines of context) from before to
 * after as Ansible prints it, headed "--- before: HEADER" / "+++ after:
 * HEADER" ("--- before" / "+++ after" when HEADER is empty); nothing when
 * they are equal. */
void gf_text_udiff(const char *before, size_t blen, const char *after, size_t alen,
                   const char *header, struct gf_buf *out);

#endif
