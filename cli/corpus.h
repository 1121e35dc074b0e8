/* corpus.h - the text `recur train` and `recur grad-report` read when given
 * none: the bundled Jane Austen corpus. An installed recur finds it at
 * <dir of the executable>/../share/recur/austen.txt (where `make install`
 * puts it); a recur run from the build tree uses the source tree's
 * data/austen.txt (RECUR_DEFAULT_CORPUS, an absolute path the Makefile
 * compiles in). */
#ifndef RECUR_CLI_CORPUS_H
#define RECUR_CLI_CORPUS_H

/* How --help names it. */
#define CLI_CORPUS_HELP \
    "share/recur/austen.txt beside an installed\nrecur's bin/, else the source tree's data/austen.txt"

/* The path of the default corpus (a static buffer, or a constant). */
const char *cli_default_corpus(void);

#endif
