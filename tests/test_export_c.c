/* test_export_c.c - recur_export_c's generated C against the library's own
 * stream, compiled and run for real:
 *   - random models of every kind (RNN tanh/relu, LSTM, GRU; dense,
 *     one-hot and embedding input; 1-3 layers; SEQUENCE and LAST readouts;
 *     with and without a dense layer), each exported twice (float weights
 *     and int8), all 30 into ONE program (so the prefixes must keep them
 *     apart), compiled with `cc -std=c99 -pedantic -Wall -Wextra -Werror`
 *     and with clang the same way; every output of every step compared
 *     with recur_state_step's (float) and the int8 stream's (int8) to
 *     |a - b| <= 1e-5·max(1, |b|);
 *   - halfway through, each generated program continues from the state
 *     the LIBRARY saved (recur_state_save's bytes after the header copied
 *     into P_state): the layouts agree and a stream moves across;
 *   - the same program cross-compiled with arm-none-eabi-gcc for a
 *     Cortex-M4 with FPU (hard float) and a Cortex-M3 (soft float), run
 *     under qemu-system-arm on the MPS2 AN386 / AN385 boards with
 *     semihosting (tools/mcu), compared the same way;
 *   - refusals (bidirectional, MEAN readout, bad prefix) and the CLI's
 *     --format c.
 * Compilers or QEMU that are absent are skipped with a message (the host cc
 * is required). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recur.h"
#include "testlib.h"

#define T 12  /* steps per model */
#define T1 5  /* steps before the switch to the library's saved state */
#define TOL 1e-5

typedef struct {
    recur_cell cell;
    recur_input input;
    int in, embed, hidden, layers, out;
    recur_readout readout;
} spec;

static const spec specs[] = {
    {RECUR_LSTM, RECUR_INPUT_DENSE, 3, 0, 8, 1, 2, RECUR_READOUT_SEQUENCE},
    {RECUR_GRU, RECUR_INPUT_DENSE, 2, 0, 7, 2, 1, RECUR_READOUT_LAST},
    {RECUR_RNN_TANH, RECUR_INPUT_DENSE, 4, 0, 5, 1, 3, RECUR_READOUT_SEQUENCE},
    {RECUR_RNN_RELU, RECUR_INPUT_DENSE, 3, 0, 6, 3, 2, RECUR_READOUT_SEQUENCE},
    {RECUR_LSTM, RECUR_INPUT_ONEHOT, 11, 0, 9, 2, 11, RECUR_READOUT_SEQUENCE},
    {RECUR_GRU, RECUR_INPUT_ONEHOT, 7, 0, 8, 1, 7, RECUR_READOUT_SEQUENCE},
    {RECUR_RNN_TANH, RECUR_INPUT_ONEHOT, 5, 0, 4, 2, 5, RECUR_READOUT_LAST},
    {RECUR_RNN_RELU, RECUR_INPUT_ONEHOT, 6, 0, 5, 1, 6, RECUR_READOUT_SEQUENCE},
    {RECUR_LSTM, RECUR_INPUT_EMBEDDING, 13, 4, 6, 1, 13, RECUR_READOUT_LAST},
    {RECUR_GRU, RECUR_INPUT_EMBEDDING, 9, 3, 5, 2, 9, RECUR_READOUT_SEQUENCE},
    {RECUR_RNN_TANH, RECUR_INPUT_EMBEDDING, 8, 5, 7, 1, 8, RECUR_READOUT_SEQUENCE},
    {RECUR_RNN_RELU, RECUR_INPUT_EMBEDDING, 10, 2, 4, 2, 10, RECUR_READOUT_SEQUENCE},
    {RECUR_LSTM, RECUR_INPUT_DENSE, 2, 0, 6, 2, 0, RECUR_READOUT_SEQUENCE},
    {RECUR_GRU, RECUR_INPUT_ONEHOT, 5, 0, 3, 1, 0, RECUR_READOUT_SEQUENCE},
    {RECUR_LSTM, RECUR_INPUT_DENSE, 1, 0, 32, 1, 1, RECUR_READOUT_SEQUENCE},
};
#define NSPEC ((int)(sizeof specs / sizeof *specs))
#define NVAR (2 * NSPEC) /* variant v: spec v/2, int8 if v odd */

typedef struct {
    recur_model *m;
    int I, O;      /* features (dense) or vocabulary; outputs per step */
    int32_t tok[T];
    float x[T][16];
    float *y[2];   /* [T][O] expected: float, int8 */
    float *saved[2]; /* the library's state after T1 steps, payload only */
    size_t nsaved;
} model_case;

static model_case mcases[NSPEC];
static char dir[64];

static uint64_t lcg = 99;
static float uniform(void) /* in [-1, 1) */
{
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((lcg >> 40) * (1.0 / (1 << 24))) * 2 - 1;
}

static recur_model *make_model(const spec *s, uint64_t seed)
{
    recur_config c;
    recur_config_default(&c);
    c.cell = s->cell;
    c.input = s->input;
    c.input_size = s->in;
    c.embed_dim = s->embed;
    c.hidden = s->hidden;
    c.layers = s->layers;
    c.output_size = s->out;
    c.readout = s->readout;
    c.loss = s->input == RECUR_INPUT_DENSE ? RECUR_LOSS_MSE : RECUR_LOSS_XENT;
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, seed, &m) == RECUR_OK);
    return m;
}

/* Run the library's stream (float or int8) over the case's inputs: the
 * expected outputs of every step (for a model without a dense layer, the
 * top layer's states, read from the saved state), and the state after T1. */
static void expect(model_case *mc, const spec *sp, int q8)
{
    recur_state *s = NULL;
    CHECK(recur_state_create_quantized(mc->m, q8 ? RECUR_QUANT_INT8 : RECUR_QUANT_NONE,
                                       &s) == RECUR_OK);
    if (!s)
        return;
    size_t n = recur_state_size(s);
    unsigned char *buf = malloc(n);
    mc->nsaved = (n - 16) / 4;
    mc->y[q8] = calloc((size_t)T * mc->O, sizeof(float));
    mc->saved[q8] = malloc(n - 16);
    for (int t = 0; t < T; t++) {
        float *y = mc->y[q8] + (long)t * mc->O;
        CHECK(recur_state_step(s, mc->tok[t], mc->x[t], y) == RECUR_OK);
        CHECK(recur_state_save(s, buf, n) == RECUR_OK);
        if (sp->out == 0) /* the top layer's h */
            memcpy(y, buf + 16 + (size_t)(sp->layers - 1) * sp->hidden * 4,
                   (size_t)sp->hidden * 4);
        if (t == T1 - 1)
            memcpy(mc->saved[q8], buf + 16, n - 16);
    }
    free(buf);
    recur_state_free(s);
}

static void setup_cases(void)
{
    for (int i = 0; i < NSPEC; i++) {
        model_case *mc = &mcases[i];
        const spec *sp = &specs[i];
        mc->m = make_model(sp, 100 + (uint64_t)i);
        mc->I = sp->in;
        mc->O = sp->out ? sp->out : sp->hidden;
        for (int t = 0; t < T; t++) {
            mc->tok[t] = (int32_t)((uint32_t)(uniform() * 1e6f + 2e6f) % (uint32_t)sp->in);
            for (int k = 0; k < 16; k++)
                mc->x[t][k] = 2 * uniform();
        }
        expect(mc, sp, 0);
        expect(mc, sp, 1);
    }
}

static void free_cases(void)
{
    for (int i = 0; i < NSPEC; i++) {
        recur_model_free(mcases[i].m);
        for (int q = 0; q < 2; q++)
            free(mcases[i].y[q]), free(mcases[i].saved[q]);
    }
}

/* ---- the driver program ------------------------------------------------------ */

static void float_list(FILE *f, const float *v, long n)
{
    for (long i = 0; i < n; i++)
        fprintf(f, "%s%af", i == 0 ? "\n    " : i % 4 ? ", " : ",\n    ", (double)v[i]);
}

static int write_driver(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/driver.c", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "/* runs every generated model; prints each output as float bits */\n");
    for (int v = 0; v < NVAR; v++)
        fprintf(f, "#include \"%c%d.h\"\n", v % 2 ? 'q' : 'f', v / 2);
    fprintf(f, "#ifdef MCU\n#include \"mcu.h\"\nvoid mcu_main(void);\n#define PUT mcu_puts\n"
               "#else\n#include <stdio.h>\nstatic void PUT(const char *s) { fputs(s, stdout); }\n"
               "#endif\n\n"
               "static void emit(const char *name, const float *y, int n)\n{\n"
               "    static const char hex[] = \"0123456789abcdef\";\n"
               "    char b[12];\n    int i, k;\n    PUT(name);\n"
               "    for (i = 0; i < n; i++) {\n"
               "        union { float f; unsigned long u; } c;\n"
               "        unsigned long u;\n        c.u = 0;\n        c.f = y[i];\n"
               "        u = c.u & 0xFFFFFFFFul;\n        b[0] = ' ';\n"
               "        for (k = 0; k < 8; k++)\n"
               "            b[1 + k] = hex[(u >> (28 - 4 * k)) & 15];\n"
               "        b[9] = 0;\n        PUT(b);\n    }\n    PUT(\"\\n\");\n}\n\n"
               "static void copy(void *dst, const void *src, unsigned long n)\n{\n"
               "    unsigned char *d = dst;\n    const unsigned char *s = src;\n"
               "    while (n--)\n        *d++ = *s++;\n}\n");
    for (int i = 0; i < NSPEC; i++) {
        const model_case *mc = &mcases[i];
        int dense = specs[i].input == RECUR_INPUT_DENSE;
        if (dense) {
            fprintf(f, "\nstatic const float x%d[%d][%d] = {", i, T, mc->I);
            for (int t = 0; t < T; t++) {
                fprintf(f, "%s{", t ? ",\n" : "\n");
                float_list(f, mc->x[t], mc->I);
                fprintf(f, "}");
            }
            fprintf(f, "};\n");
        } else {
            fprintf(f, "\nstatic const int tok%d[%d] = {", i, T);
            for (int t = 0; t < T; t++)
                fprintf(f, "%s%d", t ? ", " : "", mc->tok[t]);
            fprintf(f, "};\n");
        }
        for (int q = 0; q < 2; q++) {
            char P[16];
            snprintf(P, sizeof P, "%c%d", q ? 'q' : 'f', i);
            fprintf(f, "static const float saved_%s[%zu] = {", P, mc->nsaved);
            float_list(f, mc->saved[q], (long)mc->nsaved);
            fprintf(f, "};\n");
            fprintf(f, "typedef char %s_layout_ok[sizeof(%s_state) == sizeof saved_%s ? 1 : -1];\n",
                    P, P, P);
            char rest[32]; /* the inputs from step T1 on */
            if (dense)
                snprintf(rest, sizeof rest, "x%d[%d]", i, T1);
            else
                snprintf(rest, sizeof rest, "tok%d + %d", i, T1);
            fprintf(f, "static void run_%s(void)\n{\n    %s_state s, s2;\n"
                       "    static float y[%d][%d];\n    int t;\n    %s_reset(&s);\n"
                       "    for (t = 0; t < %d; t++)\n        %s_step(&s, %s%d[t], y[t]);\n"
                       "    copy(&s2, saved_%s, sizeof s2);\n"
                       "    %s_run(&s2, %d, %s, y[%d]);\n"
                       "    emit(\"%s\", &y[0][0], %d);\n",
                    P, P, T, mc->O, P, T1, P, dense ? "x" : "tok", i, P, P, T - T1, rest, T1,
                    P, T * mc->O);
            if (!dense)
                fprintf(f, "    if (%s_step(&s2, %d, y[0]) != -1 || %s_step(&s2, -1, y[0]) != -1)\n"
                           "        PUT(\"%s: a bad token was accepted\\n\");\n",
                        P, mc->I, P, P);
            fprintf(f, "}\n");
        }
    }
    fprintf(f, "\n#ifdef MCU\nvoid mcu_main(void)\n#else\nint main(void)\n#endif\n{\n");
    for (int v = 0; v < NVAR; v++)
        fprintf(f, "    run_%c%d();\n", v % 2 ? 'q' : 'f', v / 2);
    fprintf(f, "    PUT(\"end\\n\");\n#ifndef MCU\n    return 0;\n#endif\n}\n");
    return fclose(f);
}

static void export_all(void)
{
    char base[128], P[16];
    for (int v = 0; v < NVAR; v++) {
        snprintf(P, sizeof P, "%c%d", v % 2 ? 'q' : 'f', v / 2);
        snprintf(base, sizeof base, "%s/%s", dir, P);
        int rc = recur_export_c(mcases[v / 2].m, base, NULL,
                                v % 2 ? RECUR_QUANT_INT8 : RECUR_QUANT_NONE);
        CHECK_MSG(rc == RECUR_OK, "export %s: %s", P, recur_last_error());
    }
    CHECK(write_driver() == 0);
}

/* ---- running and comparing ------------------------------------------------- */

static int have(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* Run cmd, its stdout into a new string (NULL on failure). */
static char *capture(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    size_t k;
    while (s && (k = fread(s + n, 1, cap - n - 1, p)) > 0) {
        n += k;
        if (cap - n < 2) {
            char *t = realloc(s, cap *= 2);
            if (!t) {
                free(s);
                s = NULL;
            }
            s = t;
        }
    }
    int rc = pclose(p);
    if (s)
        s[n] = 0;
    if (rc != 0) {
        fprintf(stderr, "  `%s` exited with %d; output:\n%.2000s\n", cmd, rc, s ? s : "");
        free(s);
        return NULL;
    }
    return s;
}

/* Compare every variant's line of out with the expected outputs. */
static void compare(const char *what, const char *out)
{
    CHECK_MSG(out && strstr(out, "\nend\n"), "%s: the program did not finish", what);
    if (!out)
        return;
    CHECK_MSG(!strstr(out, "bad token"), "%s: %s", what, out);
    double worst[2] = {0, 0};
    for (int v = 0; v < NVAR; v++) {
        const model_case *mc = &mcases[v / 2];
        char key[16];
        snprintf(key, sizeof key, "\n%c%d ", v % 2 ? 'q' : 'f', v / 2);
        const char *line = v == 0 ? (strncmp(out, key + 1, strlen(key + 1)) == 0 ? out : NULL)
                                  : strstr(out, key);
        CHECK_MSG(line, "%s: no output from %s", what, key + 1);
        if (!line)
            continue;
        line += v == 0 ? strlen(key + 1) : strlen(key);
        const float *want = mc->y[v % 2];
        for (long i = 0; i < (long)T * mc->O; i++) {
            char *end;
            unsigned long bits = strtoul(line, &end, 16);
            CHECK_MSG(end != line, "%s: %s: output %ld missing", what, key + 1, i);
            if (end == line)
                break;
            line = end;
            uint32_t b32 = (uint32_t)bits;
            float got;
            memcpy(&got, &b32, 4);
            double d = fabs((double)got - want[i]) / fmax(1.0, fabs((double)want[i]));
            if (!(d <= TOL))
                fprintf(stderr, "  %s: %s output %ld (step %ld): %.9g, expected %.9g\n",
                        what, key + 1, i, i / mc->O, (double)got, (double)want[i]);
            tl_test_failed |= !(d <= TOL);
            if (d > worst[v % 2])
                worst[v % 2] = d;
        }
    }
    fprintf(stderr, "  %s: largest difference %.2g (float), %.2g (int8), relative to "
                    "max(1, |y|)\n", what, worst[0], worst[1]);
}

static void host_build(const char *cc)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd %s && %s -std=c99 -pedantic -Wall -Wextra -Werror -O2 -o prog_%s *.c 2>&1 "
             "&& ./prog_%s", dir, cc, cc, cc);
    char *out = capture(cmd);
    CHECK_MSG(out, "%s: the generated C did not compile cleanly or run", cc);
    compare(cc, out);
    free(out);
}

static void test_host_gcc(void) { host_build("cc"); }

static void test_host_clang(void)
{
    if (!have("clang")) {
        fprintf(stderr, "  skipped: clang is not installed\n");
        return;
    }
    host_build("clang");
}

/* Cross-compile driver + models + tools/mcu/startup.c for a Cortex-M board
 * and run it under QEMU with semihosting. */
static void mcu_run(const char *what, const char *cpu_flags, const char *machine)
{
#if defined(__SANITIZE_ADDRESS__)
    fprintf(stderr, "  skipped in the sanitizer build (nothing of the host runs on the "
                    "target): the normal build runs %s\n", what);
    return;
#endif
    if (!have("arm-none-eabi-gcc") || !have("qemu-system-arm")) {
        fprintf(stderr, "  skipped: arm-none-eabi-gcc or qemu-system-arm is not installed "
                        "(scripts/install-deps.sh installs both)\n");
        return;
    }
    char cwd[512], cmd[2048];
    if (!getcwd(cwd, sizeof cwd))
        return;
    snprintf(cmd, sizeof cmd,
             "cd %s && arm-none-eabi-gcc -mthumb %s -std=c99 -pedantic -Wall -Wextra -Werror "
             "-O2 -ffreestanding -nostdlib -DMCU -I%s/tools/mcu -T %s/tools/mcu/mps2.ld "
             "-o %s.elf driver.c [fq]*.c %s/tools/mcu/startup.c -lgcc 2>&1 && "
             "timeout 60 qemu-system-arm -M %s -nographic -monitor none -serial none "
             "-semihosting-config enable=on,target=native -kernel %s.elf 2>&1",
             dir, cpu_flags, cwd, cwd, what, cwd, machine, what);
    char *out = capture(cmd);
    CHECK_MSG(out, "%s: cross-compiling or running under QEMU failed", what);
    compare(what, out);
    free(out);
}

static void test_cortex_m4(void)
{
    mcu_run("cortex-m4", "-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard", "mps2-an386");
}

static void test_cortex_m3(void)
{
    mcu_run("cortex-m3", "-mcpu=cortex-m3 -mfloat-abi=soft", "mps2-an385");
}

/* ---- refusals and the CLI ---------------------------------------------------- */

static void test_refusals(void)
{
    spec bi = {RECUR_GRU, RECUR_INPUT_DENSE, 2, 0, 4, 1, 1, RECUR_READOUT_SEQUENCE};
    recur_model *m = make_model(&bi, 1);
    char base[128];
    snprintf(base, sizeof base, "%s/refused", dir);
    CHECK(recur_export_c(m, base, "ok", RECUR_QUANT_NONE) == RECUR_OK);
    CHECK(recur_export_c(m, base, "1bad", RECUR_QUANT_NONE) == RECUR_E_INVALID);
    CHECK(recur_export_c(m, base, "bad-name", RECUR_QUANT_NONE) == RECUR_E_INVALID);
    CHECK(recur_export_c(m, base, "ok", (recur_quant)7) == RECUR_E_INVALID);
    recur_model_free(m);
    recur_config c;
    recur_config_default(&c);
    c.input = RECUR_INPUT_DENSE, c.input_size = 2, c.hidden = 4, c.output_size = 1;
    c.loss = RECUR_LOSS_MSE;
    c.bidirectional = 1;
    CHECK(recur_model_create(&c, 1, &m) == RECUR_OK);
    CHECK(recur_export_c(m, base, NULL, RECUR_QUANT_NONE) == RECUR_E_INVALID);
    CHECK(strstr(recur_last_error(), "bidirectional") != NULL);
    recur_state *s = NULL;
    CHECK(recur_state_create_quantized(m, RECUR_QUANT_INT8, &s) == RECUR_E_INVALID && !s);
    recur_model_free(m);
    c.bidirectional = 0;
    c.readout = RECUR_READOUT_MEAN;
    CHECK(recur_model_create(&c, 1, &m) == RECUR_OK);
    CHECK(recur_export_c(m, base, NULL, RECUR_QUANT_INT8) == RECUR_E_INVALID);
    CHECK(recur_state_create_quantized(m, RECUR_QUANT_INT8, &s) == RECUR_E_INVALID && !s);
    recur_model_free(m);
}

/* recur export --format c writes the two files; bad options get one line. */
static void test_cli(void)
{
    if (access("build/recur", X_OK) != 0) {
        fprintf(stderr, "  skipped: no build/recur here\n");
        return;
    }
    char model[128], cmd[1024];
    snprintf(model, sizeof model, "%s/cli.safetensors", dir);
    CHECK(recur_model_save(mcases[0].m, model) == RECUR_OK);
    snprintf(cmd, sizeof cmd,
             "build/recur export %s --format c -o %s/cli_model --quantize int8 && "
             "test -s %s/cli_model.c && test -s %s/cli_model.h && "
             "grep -q 'int cli_model_step(cli_model_state \\*s, const float \\*x, float \\*y);' "
             "%s/cli_model.h && grep -q 'signed char' %s/cli_model.c",
             model, dir, dir, dir, dir, dir);
    CHECK(system(cmd) == 0);
    snprintf(cmd, sizeof cmd, "build/recur export %s --format c 2>/dev/null", model);
    CHECK(system(cmd) != 0); /* no -o */
    snprintf(cmd, sizeof cmd, "build/recur export %s --quantize int8 2>/dev/null", model);
    CHECK(system(cmd) != 0); /* int8 JSON */
    snprintf(cmd, sizeof cmd, "build/recur export %s --format c -o %s/x --quantize int4 "
                              "2>/dev/null", model, dir);
    CHECK(system(cmd) != 0);
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "  could not remove %s\n", dir);
}

static void test_setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/recur_export_XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    setup_cases();
    export_all();
}

static void test_cleanup(void)
{
    free_cases();
    if (!getenv("RECUR_KEEP")) cleanup(); else fprintf(stderr, "  kept %s\n", dir);
}

TEST_MAIN("test_export_c", TL_CASE(test_setup), TL_CASE(test_host_gcc),
          TL_CASE(test_host_clang), TL_CASE(test_cortex_m4), TL_CASE(test_cortex_m3),
          TL_CASE(test_refusals), TL_CASE(test_cli), TL_CASE(test_cleanup))
