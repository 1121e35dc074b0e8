/* model_io.h - models to and from safetensors, for model files and for the
 * trainer's checkpoints (which add optimizer and position tensors). */
#ifndef RECUR_MODEL_IO_H
#define RECUR_MODEL_IO_H

#include "nn/model.h"
#include "io/safetensors.h"

/* Add the model's tensors, architecture, vocabulary and metadata to w. The
 * model must stay alive until the writer is saved. */
int recur__model_to_writer(const recur_model *m, st_writer *w);
/* Build a model from a validated file. A file whose metadata has
 * format = recur or an "input" key is read by its metadata: tensors named
 * "optim.*" or "train.*" (checkpoint state) are skipped; any other unknown
 * tensor is an error. Any other file is read as a plain PyTorch state_dict
 * (recur__model_infer_plain); such a model has no vocabulary. */
int recur__model_from_file(const st_file *f, const char *label, recur_model **out);
/* recur_model_load over the bytes of a model file in memory (copied; the
 * caller keeps its buffer). label names the input in messages (NULL:
 * "<memory>"). For embedding a model in a program, and for fuzzing. */
int recur__model_load_memory(const unsigned char *bytes, size_t len, const char *label,
                      recur_model **out);

/* Where recur's tensors are in a file: recur's own names ("rnn.", "fc.",
 * "embedding." prefixes), or those of a PyTorch state_dict found by
 * recur__model_infer_plain. Prefixes point into the file's tensor names. */
typedef struct {
    const char *rnn, *fc, *emb; /* each ends in '.', or is empty */
    size_t rnn_len, fc_len, emb_len;
    int rnn_bias, fc_bias;      /* 0: the file has none; they stay zero */
    char own[3][96];            /* prefixed recur names (recur__tensor_map_recur_prefixed) */
} tensor_map;

#define TENSOR_MAP_NAME_CAP 256
void recur__tensor_map_recur(tensor_map *tm);
/* recur's names under a prefix ("encoder.rnn." ...); prefix "" is
 * recur__tensor_map_recur. */
void recur__tensor_map_recur_prefixed(tensor_map *tm, const char *prefix);
/* The file's name for recur tensor `name` into buf[TENSOR_MAP_NAME_CAP].
 * Returns 1 if the file holds it, 0 if absent (a bias left at zero). */
int recur__tensor_map_name(const tensor_map *tm, const char *name, char *buf, size_t cap);
/* The configuration and tensor map of a plain safetensors file (PyTorch
 * state_dict names, no recur architecture metadata), from its tensor names
 * and shapes; see model_infer.c for the rules. */
int recur__model_infer_plain(const st_file *f, const char *label, recur_config *c,
                      tensor_map *tm);

/* The same with every tensor name and metadata key prefixed by prefix
 * ("encoder.": one file holding several models). Reading considers only the
 * tensors and metadata under the prefix; an unknown tensor under it is an
 * error. "" gives the functions above. */
int recur__model_to_writer_prefixed(const recur_model *m, st_writer *w, const char *prefix);
int recur__model_from_file_prefixed(const st_file *f, const char *label, const char *prefix,
                             recur_model **out);

/* Strict number parsing for metadata: the whole string must be the number. */
int recur__parse_long(const char *s, long lo, long hi, long *out);
int recur__parse_double(const char *s, double *out);
/* Numbers are written by recur__st_meta_int / recur__st_meta_real. */

#endif
