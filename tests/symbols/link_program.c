/* link_program.c - a program with a library of its own (fake.c: json_parse,
 * gemm, st_read, ... of other signatures) that also uses librecur: its own
 * calls must reach its own functions, and librecur must still load a model
 * file and compute the right numbers. Built by tests/symbols_test.sh against
 * the static and the shared librecur, with the two libraries in both orders.
 * Prints "link_program: ok" or one line saying what went wrong; exit 0 or 1. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "recur.h"

/* fake.c, as this program knows it. */
int json_parse(const char *text);
double json_number(const void *v);
int gemm(int n);
int gemm_set_threads(int n);
int st_read(const char *path);
int rng_seed(int s);

static int fail(const char *what)
{
    printf("link_program: %s (%s)\n", what, recur_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return fail("usage: link_program MODEL_PATH");
    /* The program's own functions. */
    if (json_parse("{}") != 4242 || json_number(NULL) != 42.0 || gemm(21) != 42 ||
        gemm_set_threads(1) != 1001 || st_read("x") != -77 || rng_seed(0) != 0x55)
        return fail("the program's own json_parse/gemm/st_read/rng_seed were not called");

    /* An Elman RNN (tanh) over a one-hot vocabulary of 3, 2 units, a dense
     * layer of 3: weights set by hand, saved, loaded back. */
    recur_config c;
    recur_config_default(&c);
    c.cell = RECUR_RNN_TANH;
    c.input_size = 3;
    c.hidden = 2;
    c.output_size = 3;
    const float W_ih[6] = {0.5f, -0.25f, 0.125f, 0.75f, -0.5f, 0.25f}; /* [2][3] */
    const float W_hh[4] = {0.3f, -0.2f, 0.1f, 0.4f};                   /* [2][2] */
    const float b_ih[2] = {0.05f, -0.1f}, b_hh[2] = {0.02f, 0.03f};
    const float W_fc[6] = {1.0f, -1.0f, 0.5f, 0.25f, -0.75f, 2.0f};     /* [3][2] */
    const float b_fc[3] = {0.1f, 0.2f, -0.3f};
    recur_model *m = NULL, *back = NULL;
    if (recur_model_create(&c, 1, &m) ||
        recur_model_set_tensor(m, "rnn.weight_ih_l0", W_ih, 6) ||
        recur_model_set_tensor(m, "rnn.weight_hh_l0", W_hh, 4) ||
        recur_model_set_tensor(m, "rnn.bias_ih_l0", b_ih, 2) ||
        recur_model_set_tensor(m, "rnn.bias_hh_l0", b_hh, 2) ||
        recur_model_set_tensor(m, "fc.weight", W_fc, 6) ||
        recur_model_set_tensor(m, "fc.bias", b_fc, 3))
        return fail("building the model");
    if (recur_model_save(m, argv[1]) != RECUR_OK)
        return fail("recur_model_save");
    recur_model_free(m);
    if (recur_model_load(argv[1], &back) != RECUR_OK)
        return fail("recur_model_load of a valid model file");

    /* Four steps of tokens 0 2 1 2, against the formula by hand. */
    const int32_t tokens[4] = {0, 2, 1, 2};
    float y[4 * 3];
    if (recur_forward(back, 4, 1, tokens, NULL, y) != RECUR_OK)
        return fail("recur_forward");
    double h[2] = {0, 0}, worst = 0;
    for (int t = 0; t < 4; t++) {
        double nh[2];
        for (int j = 0; j < 2; j++)
            nh[j] = tanh((double)W_ih[j * 3 + tokens[t]] + b_ih[j] + b_hh[j] +
                         W_hh[j * 2] * h[0] + W_hh[j * 2 + 1] * h[1]);
        h[0] = nh[0];
        h[1] = nh[1];
        for (int o = 0; o < 3; o++) {
            double want = b_fc[o] + W_fc[o * 2] * h[0] + W_fc[o * 2 + 1] * h[1];
            double d = fabs(y[t * 3 + o] - want);
            worst = d > worst ? d : worst;
        }
    }
    recur_model_free(back);
    if (!(worst < 1e-5)) {
        printf("link_program: outputs differ from the formula by %g\n", worst);
        return 1;
    }
    printf("link_program: ok (largest difference %.1e)\n", worst);
    return 0;
}
