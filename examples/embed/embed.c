/* embed.c - load a recur character model and run it from C: the whole
 * prime at once (batch), then streaming, one character per call, greedily.
 *   cc embed.c $(pkg-config --cflags --libs recur) -o embed
 *   ./embed model.safetensors "It is a truth"                             */
#include <recur.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int argmax(const float *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        best = v[i] > v[best] ? i : best;
    return best;
}

int main(int argc, char **argv)
{
    recur_model *m;
    recur_text *prime;
    recur_state *s;
    if (argc != 3 || recur_model_load(argv[1], &m) ||
        recur_text_from_string(argv[2], strlen(argv[2]), m, &prime) ||
        recur_state_create(m, &s)) {
        fprintf(stderr, "usage: embed MODEL PRIME (%s)\n", recur_last_error());
        return 1;
    }
    long T;
    const int32_t *tok = recur_text_tokens(prime, &T);
    int nvocab;
    const uint32_t *vocab = recur_model_get_vocab(m, &nvocab);
    int V = recur_model_get_config(m)->output_size;
    float *batch = malloc((size_t)(T * V) * sizeof *batch), *y = malloc(V * sizeof *y);
    recur_forward(m, (int)T, 1, tok, NULL, batch); /* all T steps at once */
    for (long t = 0; t < T; t++)
        recur_state_step(s, tok[t], NULL, y);            /* the same, step by step */
    printf("batch and streaming agree on the next character: %s\n",
           argmax(batch + (T - 1) * V, V) == argmax(y, V) ? "yes" : "NO");
    fputs(argv[2], stdout);
    for (int i = 0; i < 200; i++) {
        int next = argmax(y, V);
        char utf8[5];
        fwrite(utf8, 1, (size_t)recur_utf8_encode(vocab[next], utf8), stdout);
        recur_state_step(s, next, NULL, y);
    }
    putchar('\n');
    free(batch), free(y);
    recur_state_free(s), recur_text_free(prime), recur_model_free(m);
    return 0;
}
