/* test_activation.c - the fast float exp/sigmoid/tanh against libm in double:
 * measured maximum errors must stay within what the parity tests allow. */
#include <float.h>

#include "core/activation.h"
#include "testlib.h"

static void exp_error(void)
{
    double worst = 0;
    for (double x = -80; x <= 80; x += 0.0007) {
        double want = exp((double)(float)x);
        double rel = fabs((double)act_exp((float)x) - want) / want;
        worst = rel > worst ? rel : worst;
    }
    printf("act_exp: max relative error %.3g on [-80, 80]\n", worst);
    CHECK(worst < 5e-7);
}

static void sigmoid_error(void)
{
    double worst = 0;
    for (double x = -30; x <= 30; x += 0.0003) {
        double xf = (double)(float)x, want = 1 / (1 + exp(-xf));
        double rel = fabs((double)act_sigmoid((float)x) - want) / want;
        worst = rel > worst ? rel : worst;
    }
    printf("act_sigmoid: max relative error %.3g on [-30, 30]\n", worst);
    CHECK(worst < 5e-7);
}

static void tanh_error(void)
{
    double worst = 0;
    for (double x = -20; x <= 20; x += 0.0003) {
        double xf = (double)(float)x;
        double err = fabs((double)act_tanh((float)x) - tanh(xf));
        worst = err > worst ? err : worst;
    }
    printf("act_tanh: max absolute error %.3g on [-20, 20]\n", worst);
    CHECK(worst < 3e-7);
}

static void saturation(void)
{
    CHECK(act_sigmoid(-1000.0f) >= 0 && act_sigmoid(-1000.0f) < 1e-30f);
    /* saturated, still a normal float: the streaming step multiplies its
     * gates without flush-to-zero (stream_rt.c) */
    CHECK(act_sigmoid(-1000.0f) >= FLT_MIN && act_exp(-1000.0f) >= FLT_MIN);
    CHECK(act_tanh(-1000.0f) + 1.0f == 0.0f || act_tanh(-1000.0f) + 1.0f >= FLT_MIN);
    CHECK(act_sigmoid(1000.0f) == 1.0f);
    CHECK(act_tanh(1000.0f) == 1.0f && act_tanh(-1000.0f) == -1.0f);
    CHECK(act_tanh(0.0f) == 0.0f);
    CHECK(isfinite(act_exp(1000.0f)) && act_exp(-1000.0f) >= 0);
    /* NaN propagates (and, under UBSan, without undefined behaviour). */
    CHECK(isnan(act_exp(NAN)) && isnan(act_sigmoid(NAN)) && isnan(act_tanh(NAN)));
}

TEST_MAIN("test_activation", TL_CASE(exp_error), TL_CASE(sigmoid_error),
          TL_CASE(tanh_error), TL_CASE(saturation))
