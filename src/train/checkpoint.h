/* checkpoint.h - the pieces of a checkpoint file that the text/data-set
 * trainer (checkpoint.c) and the sequence-to-sequence trainer
 * (seq2seq_io.c) share: training settings and position as integer
 * metadata, the RNG state as 64 hex digits, optimizer state vectors. */
#ifndef RECUR_CHECKPOINT_H
#define RECUR_CHECKPOINT_H

#include <stdint.h>

#include "core/real.h"
#include "io/safetensors.h"

/* Metadata `key` as an integer >= 0 into *got (if non-NULL); with want >= 0
 * it must equal want (RECUR_E_MISMATCH naming the setting otherwise). */
int recur__checkpoint_expect_long(const st_file *f, const char *path, const char *key,
                           long want, long *got);
/* A state vector of n finite values (non-negative where they are running
 * averages of squares, or Adam's and RMSprop's square roots turn NaN). */
int recur__checkpoint_read_state(const st_file *f, const char *path, const char *name,
                          long n, int nonneg, real *dst);
/* The xoshiro state as 64 hex digits (buf >= 65 bytes), and back
 * (RECUR_E_FORMAT if malformed or all zero). */
void recur__checkpoint_format_rng(const uint64_t s[4], char *buf);
int recur__checkpoint_parse_rng(const char *s, uint64_t out[4]);

/* Where a run stands, written with every checkpoint and restored by resume:
 * steps taken, the epoch and the batch within it, the optimizer's steps
 * (Adam's bias correction) and the dropout RNG. */
typedef struct {
    long step, epoch, batch_in_epoch, optim_step;
    uint64_t rng[4];
} train_position;

/* p as metadata (train.step, .epoch, .batch_in_epoch, .optim_step, .rng)
 * through set(obj, key, value): a model's or an encoder-decoder's. */
int recur__checkpoint_write_position(const train_position *p,
                                     int (*set)(void *obj, const char *key,
                                                const char *value),
                                     void *obj);
/* f's position, checked: present and well-formed, the batch within an
 * epoch of steps_per_epoch, a sane epoch, a valid RNG state. */
int recur__checkpoint_read_position(const st_file *f, const char *path,
                                    long steps_per_epoch, train_position *p);

#endif
