/* quant.h - symmetric int8 quantization of a weight matrix, one float scale
 * per row (recur/export.h, RECUR_QUANT_INT8): scale = max|row| / 127 and
 * q = round(w / scale), so w ≈ q·scale with an error of at most scale/2.
 * Shared by the int8 stream (infer/stream_q8.c) and the C export
 * (export/export_c.c), so both compute with the same integers. */
#ifndef RECUR_QUANT_H
#define RECUR_QUANT_H

#include <stdint.h>

#include "core/real.h"

/* W [rows][cols] row-major → q [rows][cols], scale [rows]. A row of zeros
 * gets scale 0 (and zeros). */
void recur__quantize_rows(const real *W, long rows, long cols, int8_t *q, float *scale);

#endif
