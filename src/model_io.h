/* model_io.h - models to and from safetensors, for model files and for the
 * trainer's checkpoints (which add optimizer and position tensors). */
#ifndef RECUR_MODEL_IO_H
#define RECUR_MODEL_IO_H

#include "model.h"
#include "safetensors.h"

/* Add the model's tensors, architecture, vocabulary and metadata to w. The
 * model must stay alive until the writer is saved. */
int model_to_writer(const recur_model *m, st_writer *w);
/* Build a model from a validated file. Tensors named "optim.*" or "train.*"
 * (checkpoint state) are skipped; any other unknown tensor is an error. */
int model_from_file(const st_file *f, const char *label, recur_model **out);

/* The same with every tensor name and metadata key prefixed by prefix
 * ("encoder.": one file holding several models). Reading considers only the
 * tensors and metadata under the prefix; an unknown tensor under it is an
 * error. "" gives the functions above. */
int model_to_writer_prefixed(const recur_model *m, st_writer *w, const char *prefix);
int model_from_file_prefixed(const st_file *f, const char *label, const char *prefix,
                             recur_model **out);

/* Strict number parsing for metadata: the whole string must be the number. */
int parse_long(const char *s, long lo, long hi, long *out);
int parse_double(const char *s, double *out);

#endif
