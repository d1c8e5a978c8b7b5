/* test-shtext.c - unit tests for the framed shell's reading of command
 * texts (engine/exec/shtext.c): each answers 1 only where a script text may
 * be replaced by its name, or a command may write straight to the stream. */
#include <string.h>

#include "../../engine/exec/exec-priv.h"
#include "harness.h"

#define TOP(s) gf_sh_top_level(s, strlen(s))
#define ASSIGNS(s) gf_sh_assignments_only(s, strlen(s))
#define PRINTS(s) gf_sh_prints_only(s, strlen(s))

TEST(shtext_top_level_after_complete_lines)
{
    ASSERT(TOP(""));
    ASSERT(TOP("a='x'\n"));
    ASSERT(TOP("a='it'\\''s'\nb=\"q \\\" q\"\n"));
    ASSERT(TOP("if [ -n \"$x\" ]; then\n"));       /* the text runs in the branch whole */
    ASSERT(TOP("a='multi\nline'\n"));
}

TEST(shtext_not_top_level)
{
    ASSERT(!TOP("a=1"));                            /* no newline at the end */
    ASSERT(!TOP("a='open\n"));                      /* inside single quotes */
    ASSERT(!TOP("a=\"open\n"));                     /* inside double quotes */
    ASSERT(!TOP("x=1 \\\n"));                       /* the newline is escaped */
    ASSERT(!TOP("true &&\n"));                      /* the text's first line would join */
    ASSERT(!TOP("true ||\n"));
    ASSERT(!TOP("echo x |\n"));
    ASSERT(!TOP("sleep 1 &\n"));
    ASSERT(!TOP("cat <<EOF\n"));                    /* a here-document's body */
    ASSERT(!TOP("a=$(cat <<'E'\n"));
    ASSERT(!TOP("a=`echo\n"));
    ASSERT(!TOP("# it's a comment\nb='\n"));        /* a quote in a comment */
    ASSERT(!TOP("a=\"$(echo ')')\"\n"));
    ASSERT(!TOP("x=1 \\\ny=2\n"));                  /* a backslash-newline: not followed */
    ASSERT(!TOP("true |\\\n\n"));                    /* it joins "|" to the next line */
    ASSERT(!TOP("cat <\\\n<EOF\n"));                 /* and "<" to "<": a here-document */
    ASSERT(!TOP("y=\"${x#'\"'}'\n"));                  /* still inside the double quotes */
    ASSERT(!TOP("echo $'\\'' '\n"));                   /* bash's $'...' */
}

TEST(shtext_assignments_only)
{
    ASSERT(ASSIGNS(""));
    ASSERT(ASSIGNS("gf_path='/tmp/x y'\ngf_mode='0644'\nN=3\nE=\n"));
    ASSERT(ASSIGNS("a='it'\\''s'\n"));
    ASSERT(ASSIGNS("a='two\nlines'\n"));
    ASSERT(ASSIGNS("P=/a/b.c:d,e+f=g@h%i-j\n"));
}

TEST(shtext_not_assignments_only)
{
    ASSERT(!ASSIGNS("echo x\n"));
    ASSERT(!ASSIGNS("a=1 b=2\n"));                  /* a blank: a command may follow */
    ASSERT(!ASSIGNS("a=1 cmd\n"));
    ASSERT(!ASSIGNS("a=$(cmd)\n"));
    ASSERT(!ASSIGNS("a=\"$x\"\n"));
    ASSERT(!ASSIGNS("a=`cmd`\n"));
    ASSERT(!ASSIGNS("a='open\n"));
    ASSERT(!ASSIGNS("1a=x\n"));
    ASSERT(!ASSIGNS("=x\n"));
    ASSERT(!ASSIGNS("a=x;cmd\n"));
    ASSERT(!ASSIGNS("a=x&\n"));
}

TEST(shtext_prints_only)
{
    ASSERT(PRINTS(""));
    ASSERT(PRINTS("echo \"GF $ch $st\"\n"));
    ASSERT(PRINTS("printf '%s\\n' \"$x\"\necho done"));
    ASSERT(!PRINTS("echo x >/tmp/f\n"));
    ASSERT(!PRINTS("echo $(id)\n"));
    ASSERT(!PRINTS("echo `id`\n"));
    ASSERT(!PRINTS("echo x; rm -f y\n"));
    ASSERT(!PRINTS("echo x | tee y\n"));
    ASSERT(!PRINTS("echo x &\n"));
    ASSERT(!PRINTS("echo x\nrm y\n"));
    ASSERT(!PRINTS("echoes x\n"));
    ASSERT(!PRINTS("echo"));                        /* the word alone: an odd text, no */
}
