/*
 * shtext.c - what the framed shell needs to know of a command's text before
 * it sends a script text by name or lets a command write to its stream
 * (session.c, frame_build): a conservative reading of shell syntax that
 * answers "no" to anything it does not follow.
 */
#include <string.h>

#include "exec-priv.h"

/* Whether the text s[0..n), which starts at the top level of a script,
 * ends there too, on a new line: no quote open, no pipeline or list left to
 * continue, and nothing this does not follow (a here-document, a command
 * substitution, ${...}, $'...', a backslash-newline, a '#') before. */
int gf_sh_top_level(const char *s, size_t n)
{
    int sq = 0, dq = 0;
    char last = '\n'; /* the last character outside quotes and blanks */

    if (n && s[n - 1] != '\n')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (sq) {
            sq = c != '\'';
            continue;
        }
        /* a backslash-newline joins lines (and operators: "|\\\n|", "<\\\n<") */
        if (c == '\\') {
            if (i + 1 >= n || s[i + 1] == '\n')
                return 0;
            i++;
            last = 'x';
            continue;
        }
        /* command substitutions, ${...} (quotes of their own inside) and $'...' */
        if (c == '`' || (c == '$' && i + 1 < n && strchr("({'", s[i + 1])))
            return 0;
        if (dq) {
            dq = c != '"';
            continue;
        }
        if (c == '\'' || c == '"') {
            sq = c == '\'';
            dq = c == '"';
            last = 'x';
        } else if (c == '<' && i + 1 < n && s[i + 1] == '<') {
            return 0;
        } else if (c == '#') { /* a comment, or a word's: not worth telling apart */
            return 0;
        } else if (c == '\n') {
            if (last == '&' || last == '|')
                return 0;
            last = '\n';
        } else if (c != ' ' && c != '\t') {
            last = c;
        }
    }
    return !sq && !dq;
}

/* Whether s[0..n) holds shell assignments only (NAME=VALUE lines, the
 * value quoted as gf_sh_quote does or a plain word): nothing that runs. */
int gf_sh_assignments_only(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t name = strspn(s + i, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"
                             "0123456789");
        if (name == 0 || (s[i] >= '0' && s[i] <= '9') || i + name >= n || s[i + name] != '=')
            return 0;
        for (i += name + 1; i < n && s[i] != '\n'; i++) {
            if (s[i] == '\'') {
                const char *q = memchr(s + i + 1, '\'', n - i - 1);
                if (q == NULL)
                    return 0;
                i = (size_t)(q - s);
            } else if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\'') {
                i++;
            } else if (s[i] == '\0' || !strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                                                "qrstuvwxyz0123456789_./:,+=@%-", s[i])) {
                return 0;
            }
        }
        i++; /* the newline */
    }
    return 1;
}

/* Whether s[0..n) is only lines that print with the shell's echo or printf
 * (built-ins: nothing starts), with no list, pipe, redirection or command
 * substitution. */
int gf_sh_prints_only(const char *s, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(s, '\n', n);
        size_t len = nl ? (size_t)(nl - s) : n;
        if ((len < 5 || memcmp(s, "echo ", 5) != 0) && (len < 7 || memcmp(s, "printf ", 7) != 0))
            return 0;
        for (size_t i = 0; i < len; i++)
            if (s[i] == '\0' || strchr("`&|;<>()", s[i]))
                return 0;
        len += nl != NULL;
        s += len;
        n -= len;
    }
    return 1;
}
