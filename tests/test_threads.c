/* test_threads.c - one loaded model used from several threads at once, each
 * with its own state: every thread's outputs equal those of the same work
 * done alone (the header's promise: a model is read-only after loading). */
#include "recur.h"
#include "testlib.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

enum { THREADS = 4, STEPS = 400, V = 11, O = 11 };

typedef struct {
    const recur_model *m;
    int id, rc;
    float steps[STEPS * O];   /* streaming outputs */
    float whole[40 * 2 * O];  /* recur_forward of T 40, B 2 */
    char sample[128];
    int sample_len;
} job;

static int32_t token_of(int id, int t) { return (int32_t)((t * (id + 3) + id) % V); }

static void emit(const char *s, int n, void *user)
{
    job *j = user;
    if (j->sample_len + n < (int)sizeof j->sample) {
        memcpy(j->sample + j->sample_len, s, (size_t)n);
        j->sample_len += n;
    }
}

static void *work(void *p)
{
    job *j = p;
    recur_state *s = NULL;
    j->rc = recur_state_create(j->m, &s);
    for (int t = 0; !j->rc && t < STEPS; t++)
        j->rc = recur_state_step(s, token_of(j->id, t), NULL, j->steps + t * O);
    recur_state_free(s);
    int32_t tok[40 * 2];
    for (int i = 0; i < 80; i++)
        tok[i] = token_of(j->id, i * 7);
    if (!j->rc)
        j->rc = recur_forward(j->m, 40, 2, tok, NULL, j->whole);
    recur_sample_config sc = {.temperature = 1, .seed = (uint64_t)j->id + 1};
    j->sample_len = 0;
    if (!j->rc)
        j->rc = recur_sample(j->m, "ab", &sc, 30, emit, j);
    return NULL;
}

static void shared_model_many_threads(void)
{
    recur_config c;
    recur_config_default(&c);
    c.input_size = V;
    c.hidden = 24;
    c.layers = 2;
    c.output_size = O;
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, 5, &m) == RECUR_OK);
    uint32_t vocab[V];
    for (int i = 0; i < V; i++)
        vocab[i] = 'a' + (uint32_t)i;
    CHECK(recur_model_set_vocab(m, vocab, V) == RECUR_OK);
    static job alone[THREADS], together[THREADS];
    for (int i = 0; i < THREADS; i++) {
        alone[i] = (job){.m = m, .id = i};
        work(&alone[i]);
        CHECK_MSG(alone[i].rc == RECUR_OK, "alone %d: %s", i, recur_last_error());
    }
    pthread_t tid[THREADS];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < THREADS; i++) {
            together[i] = (job){.m = m, .id = i};
            CHECK(pthread_create(&tid[i], NULL, work, &together[i]) == 0);
        }
        for (int i = 0; i < THREADS; i++)
            pthread_join(tid[i], NULL);
        for (int i = 0; i < THREADS; i++) {
            CHECK(together[i].rc == RECUR_OK);
            CHECK_MSG(memcmp(alone[i].steps, together[i].steps, sizeof alone[i].steps) == 0,
                      "thread %d: streaming outputs differ", i);
            CHECK_MSG(memcmp(alone[i].whole, together[i].whole, sizeof alone[i].whole) == 0,
                      "thread %d: recur_forward outputs differ", i);
            CHECK_MSG(alone[i].sample_len == together[i].sample_len &&
                          memcmp(alone[i].sample, together[i].sample,
                                 (size_t)alone[i].sample_len) == 0,
                      "thread %d: samples differ", i);
        }
    }
    /* Different threads, different work: the outputs are not all alike. */
    CHECK(memcmp(alone[0].steps, alone[1].steps, sizeof alone[0].steps) != 0);
    recur_model_free(m);
}

/* Errors are per thread: a failure on one thread leaves another's message. */
static void *fail_here(void *p)
{
    recur_model *m = NULL;
    recur_config c;
    recur_config_default(&c);
    c.hidden = -1;
    *(int *)p = recur_model_create(&c, 1, &m);
    return NULL;
}

static void errors_are_per_thread(void)
{
    recur_model *m = NULL;
    CHECK(recur_model_load("/nonexistent/model.safetensors", &m) != RECUR_OK);
    char mine[512];
    snprintf(mine, sizeof mine, "%s", recur_last_error());
    pthread_t t;
    int rc = 0;
    CHECK(pthread_create(&t, NULL, fail_here, &rc) == 0);
    pthread_join(t, NULL);
    CHECK(rc == RECUR_E_LIMIT);
    CHECK_MSG(strcmp(mine, recur_last_error()) == 0, "message changed to '%s'",
              recur_last_error());
}

TEST_MAIN("test_threads", TL_CASE(shared_model_many_threads), TL_CASE(errors_are_per_thread))
