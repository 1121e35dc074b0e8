/* fake.c - a program's own library that happens to use names librecur's
 * internals once had (json_*, gemm, st_read, ...), with other signatures and
 * other behaviour. tests/symbols_test.sh links it beside librecur in both
 * orders: each side must get its own functions. */
#include <stddef.h>

int fake_calls;

int json_parse(const char *text) { fake_calls++; return text ? 4242 : -4242; }
void json_free(void *v) { (void)v; fake_calls++; }
double json_number(const void *v) { (void)v; fake_calls++; return 42.0; }
const char *json_string(const void *v) { (void)v; fake_calls++; return "fake"; }
const void *json_object_get(const void *v, const char *key)
{
    (void)v;
    (void)key;
    fake_calls++;
    return NULL;
}
int gemm(int n) { fake_calls++; return n * 2; }
int gemm_set_threads(int n) { fake_calls++; return n + 1000; }
int st_read(const char *path) { (void)path; fake_calls++; return -77; }
int rng_seed(int s) { fake_calls++; return s ^ 0x55; }
int utf8_decode(void) { fake_calls++; return -1; }
int model_load_memory(void) { fake_calls++; return -1; }
int trainer_update(void) { fake_calls++; return -1; }
