/* lexicon.h - what src/train/tagger.c needs of a tagger's lexicon beyond the
 * public API. */
#ifndef RECUR_DATA_LEXICON_H
#define RECUR_DATA_LEXICON_H

#include "recur.h"

/* RECUR_OK if m reads lx's word ids and scores its tags at every step
 * (readout SEQUENCE, XENT), else RECUR_E_MISMATCH with a message. */
int recur__lexicon_check_model(const recur_model *m, const recur_lexicon *lx);

#endif
