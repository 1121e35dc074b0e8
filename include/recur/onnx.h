/* recur/onnx.h - models to and from ONNX files.
 * Part of the public API: include <recur.h>, which includes this file.
 *
 * Import reads graphs of the ONNX RNN, LSTM and GRU operators as
 * torch.onnx.export writes them (opsets 9 to 17): token ids through Gather
 * (an embedding) or OneHot, or float features; consecutive recurrent nodes
 * (forward or bidirectional, one cell type and hidden size throughout; GRU
 * with linear_before_reset=1, which is PyTorch's and recur's GRU); then
 * optionally a readout (the top layer's outputs, its final states Y_h or
 * their last step, or ReduceMean over time) and a dense layer (MatMul [+
 * Add] or Gemm); with the Transpose / Squeeze / Unsqueeze / Reshape / Slice
 * / Concat / Shape / Gather / ConstantOfShape / Expand / Constant glue
 * around them. The graph's first output is the model's output; further
 * outputs may only be final states (a bare nn.LSTM's h_n and c_n), which
 * recur_forward does not return: their names are kept in the model's
 * metadata "onnx.unused_outputs". Weights come from initializers or
 * Constant nodes (raw_data or the typed fields; external data is refused).
 * Anything else, including
 * initial states other than zeros, sequence_lens, peepholes, clipping,
 * other activations, direction=reverse alone and linear_before_reset=0, is
 * refused with RECUR_E_FORMAT and a one-line message naming the node. The
 * file is untrusted input: every length and size is checked before use or
 * allocation.
 *
 * Export writes opset 14 (IR version 7): Gather or OneHot, one RNN / LSTM
 * / GRU node per layer with its outputs as [time, batch, directions·hidden]
 * (Transpose, Reshape), the readout (the sequence; Y_h for LAST; ReduceMean
 * for MEAN) and the dense layer (MatMul + Add, or Gemm). The graph's input
 * "x" is int64 token ids [T, B] or float features [T, B, input_size]; its
 * output "y" is what recur_forward computes. A character model's
 * vocabulary and the loss go in the model's metadata_props
 * ("recur.vocab", "recur.loss"), so that importing the export gives back the
 * same model. An LSTM with a projection (proj) is refused with
 * RECUR_E_INVALID: the ONNX LSTM operator has no projection.
 *
 * recur_model_load (recur.h) reads ONNX files too, through the importer. */
#ifndef RECUR_API_ONNX_H
#define RECUR_API_ONNX_H

#ifndef RECUR_H
#error "include <recur.h>; recur/onnx.h is one of its parts"
#endif

/* Read an ONNX file (at most 2 GiB) into a new model. */
RECUR_API int recur_onnx_import(const char *path, recur_model **out);
/* The same over bytes in memory; label names the input in messages (NULL:
 * "<memory>"). The bytes are only read during the call. */
RECUR_API int recur_onnx_import_memory(const void *bytes, size_t len, const char *label,
                                       recur_model **out);
/* Write m as an ONNX file, atomically (temporary file, fsync, rename). */
RECUR_API int recur_onnx_export(const recur_model *m, const char *path);
/* The same into a new buffer (*bytes, *len; release it with free()). */
RECUR_API int recur_onnx_export_memory(const recur_model *m, unsigned char **bytes,
                                       size_t *len);

#endif
