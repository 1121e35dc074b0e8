/* caption_data.h - the image files of `recur caption`: a TSV with a header
 * line naming its columns, of which `caption` (the reference text) and
 * `pixels_hex` (side × side grey bytes, row by row, as hex: 00 black, ff
 * white) are read; the first column names the image. The nearest-image and
 * most-frequent-caption baselines work on what it loads. */
#ifndef RECUR_CLI_CAPTION_DATA_H
#define RECUR_CLI_CAPTION_DATA_H

#include <stdint.h>

#include "recur.h"

typedef struct {
    long n;
    int side;        /* images are side × side */
    float *pixels;   /* [n][side·side]: ink, 1 − grey/255 (white 0, black 1) */
    char **ids;      /* [n]: the first column */
    char **captions; /* [n]: "" for a file without a caption column */
    char *buf;       /* the file, cut into the fields above */
} caption_set;

/* Read path ("-": stdin). With need_caption the header must name a
 * caption column and every caption must be non-empty. Every image must
 * have side × side pixels. 0, or EXIT_RUNTIME after one line
 * "recur: FILE:LINE: what". */
int caption_set_load(const char *path, int side, int need_caption, caption_set *out);
void caption_set_free(caption_set *c);

/* The captions of idx[0..n) as pairs "ID<TAB>CAPTION" (the library's pair
 * functions then give vocabularies and token ids). NULL after one error line. */
recur_pairs *caption_set_pairs(const caption_set *c, const long *idx, long n);

/* Index (into mem) of the memory image nearest to image q in L2 distance,
 * the first of equals. */
long caption_nearest(const caption_set *c, long q, const long *mem, long nmem);
/* Index (into mem) of the most frequent caption among mem, ties to the
 * earliest in strcmp order. */
long caption_most_frequent(const caption_set *c, const long *mem, long nmem);

/* Image i drawn as DIR/ID.svg (ID: the first column, characters other than
 * letters, digits, '-' and '_' as '_'), 4 units per pixel, with the
 * caption hyp and the reference below it. 0, or EXIT_RUNTIME after one
 * error line. */
int caption_svg(const caption_set *c, long i, const char *hyp, const char *dir);

#endif
