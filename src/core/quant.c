/* quant.c - per-row symmetric int8 quantization (see quant.h). */
#include "core/quant.h"

#include <math.h>

void recur__quantize_rows(const real *W, long rows, long cols, int8_t *q, float *scale)
{
    for (long r = 0; r < rows; r++) {
        const real *w = W + r * cols;
        float amax = 0;
        for (long k = 0; k < cols; k++)
            amax = fmaxf(amax, fabsf((float)w[k]));
        float s = amax / 127.0f;
        scale[r] = s;
        for (long k = 0; k < cols; k++) {
            float v = s > 0 ? roundf((float)w[k] / s) : 0.0f;
            q[r * cols + k] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
        }
    }
}
