/* caption_data.c - reading the image files of `recur caption` (a header,
 * then one image per line as hex grey bytes) strictly, and the two
 * baselines a captioner must beat: the caption of the nearest training
 * image and the most frequent training caption. */
#include "caption_data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

void caption_set_free(caption_set *c)
{
    free(c->pixels);
    free(c->ids);
    free(c->captions);
    free(c->buf);
    memset(c, 0, sizeof *c);
}

/* Split line (NUL-terminated, no newline) at tabs into at most max fields;
 * the count, or max + 1 when there are more. */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    for (char *p = line;;) {
        if (n == max)
            return max + 1;
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            return n;
        *t = 0;
        p = t + 1;
    }
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

enum { MAX_COLUMNS = 64 };

/* One data line into image k. 0, or EXIT_RUNTIME after the error line. */
static int read_image(caption_set *c, const char *path, long line, char **f, int nf,
                      int ncol, int cap_col, int pix_col, long k)
{
    if (nf != ncol)
        return cli_error("%s:%ld: %d tab-separated fields, the header names %d", path,
                         line, nf, ncol);
    long P = (long)c->side * c->side;
    const char *hex = f[pix_col];
    size_t len = strlen(hex);
    if ((long)len != 2 * P)
        return cli_error("%s:%ld: the image has %zu%s pixels, expected %ld (%dx%d; "
                         "--image-size)", path, line, len / 2, len % 2 ? ".5" : "", P,
                         c->side, c->side);
    float *px = c->pixels + k * P;
    for (long j = 0; j < P; j++) {
        int hi = hexval(hex[2 * j]), lo = hexval(hex[2 * j + 1]);
        if (hi < 0 || lo < 0)
            return cli_error("%s:%ld: pixels_hex has a character that is not a hex digit "
                             "at position %ld", path, line, 2 * j + (hi < 0 ? 1 : 2));
        px[j] = 1.0f - (float)(hi * 16 + lo) / 255.0f;
    }
    c->ids[k] = f[0];
    c->captions[k] = cap_col >= 0 ? f[cap_col] : (char *)"";
    if (cap_col >= 0 && strspn(f[cap_col], " ") == strlen(f[cap_col]))
        return cli_error("%s:%ld: empty caption", path, line);
    char *tb, **tt;
    int nt;
    if (cap_col >= 0 && recur_tokenize(f[cap_col], RECUR_TOKENS_CHARS, &tb, &tt, &nt))
        return cli_error("%s:%ld: the caption is not valid UTF-8: %s", path, line,
                         recur_last_error());
    if (cap_col >= 0) {
        free(tb);
        free(tt);
    }
    return 0;
}

int caption_set_load(const char *path, int side, int need_caption, caption_set *c)
{
    memset(c, 0, sizeof *c);
    c->side = side;
    size_t len;
    if (!(c->buf = cli_read_path(path, &len)))
        return EXIT_RUNTIME;
    if (memchr(c->buf, 0, len)) {
        caption_set_free(c);
        return cli_error("%s: holds a NUL byte: not a text file", path);
    }
    long lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += c->buf[i] == '\n';
    lines++;
    long P = (long)side * side;
    c->pixels = malloc((size_t)lines * P * sizeof *c->pixels);
    c->ids = malloc((size_t)lines * sizeof *c->ids);
    c->captions = malloc((size_t)lines * sizeof *c->captions);
    if (!c->pixels || !c->ids || !c->captions) {
        caption_set_free(c);
        return cli_error("out of memory");
    }
    char *f[MAX_COLUMNS + 1];
    int ncol = 0, cap_col = -1, pix_col = -1, code = 0;
    long line = 0;
    for (char *p = c->buf, *next; !code && p && *p; p = next) {
        char *nl = strchr(p, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = 0;
        if (nl && nl > p && nl[-1] == '\r')
            nl[-1] = 0;
        line++;
        if (!*p)
            continue; /* empty lines */
        int nf = split_tabs(p, f, MAX_COLUMNS);
        if (ncol == 0) {
            ncol = nf;
            for (int i = 0; i < nf && i < MAX_COLUMNS; i++) {
                if (!strcmp(f[i], "caption"))
                    cap_col = i;
                if (!strcmp(f[i], "pixels_hex"))
                    pix_col = i;
            }
            if (nf > MAX_COLUMNS || pix_col < 0 || (need_caption && cap_col < 0))
                code = cli_error("%s:1: the header must name the columns %s "
                                 "(tab-separated, at most %d)", path,
                                 need_caption ? "caption and pixels_hex" : "pixels_hex",
                                 MAX_COLUMNS);
            continue;
        }
        code = read_image(c, path, line, f, nf, ncol, need_caption ? cap_col : -1, pix_col,
                          c->n); /* predict ignores a caption column, even an empty one */
        c->n++;
    }
    if (!code && c->n == 0)
        code = cli_error("%s: no images (a header line, then one image per line)", path);
    if (code)
        caption_set_free(c);
    return code;
}

recur_pairs *caption_set_pairs(const caption_set *c, const long *idx, long n)
{
    size_t len = 1;
    for (long i = 0; i < n; i++)
        len += strlen(c->ids[idx[i]]) + strlen(c->captions[idx[i]]) + 4;
    char *buf = malloc(len), *o = buf;
    if (!buf) {
        cli_error("out of memory");
        return NULL;
    }
    for (long i = 0; i < n; i++)
        o += sprintf(o, "%s\t%s\n", *c->ids[idx[i]] ? c->ids[idx[i]] : "-",
                     c->captions[idx[i]]);
    recur_pairs *p = NULL;
    int rc = recur_pairs_from_memory(buf, (size_t)(o - buf), "captions",
                                     RECUR_PAIRS_NEED_TARGET, &p);
    free(buf);
    if (rc) {
        cli_lib_error(rc);
        return NULL;
    }
    return p;
}

long caption_nearest(const caption_set *c, long q, const long *mem, long nmem)
{
    long P = (long)c->side * c->side, best = 0;
    const float *x = c->pixels + q * P;
    double bestd = -1;
    for (long k = 0; k < nmem; k++) {
        const float *y = c->pixels + mem[k] * P;
        double d = 0;
        for (long j = 0; j < P && (bestd < 0 || d < bestd); j++)
            d += (double)(x[j] - y[j]) * (x[j] - y[j]);
        if (bestd < 0 || d < bestd)
            best = k, bestd = d;
    }
    return best;
}

static const caption_set *sort_set;
static int by_caption(const void *a, const void *b)
{
    long i = *(const long *)a, j = *(const long *)b;
    int c = strcmp(sort_set->captions[i], sort_set->captions[j]);
    return c ? c : (i > j) - (i < j);
}

long caption_most_frequent(const caption_set *c, const long *mem, long nmem)
{
    long *s = malloc((size_t)nmem * sizeof *s), best = 0, bestn = 0;
    if (!s)
        return 0;
    memcpy(s, mem, (size_t)nmem * sizeof *s);
    sort_set = c;
    qsort(s, (size_t)nmem, sizeof *s, by_caption);
    for (long i = 0, j; i < nmem; i = j) {
        for (j = i; j < nmem && !strcmp(c->captions[s[j]], c->captions[s[i]]); j++)
            ;
        if (j - i > bestn) {
            bestn = j - i;
            for (best = 0; mem[best] != s[i]; best++)
                ;
        }
    }
    free(s);
    return best;
}

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++)
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
}

int caption_svg(const caption_set *c, long i, const char *hyp, const char *dir)
{
    char name[160];
    size_t k = 0;
    for (const char *p = c->ids[i]; *p && k < 100; p++, k++) {
        char ch = *p;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
        name[k] = ok ? ch : '_';
    }
    name[k] = 0;
    size_t len = strlen(dir) + k + 8;
    char *path = malloc(len);
    if (!path)
        return cli_error("out of memory");
    snprintf(path, len, "%s/%s.svg", dir, k ? name : "image");
    FILE *f = fopen(path, "w");
    if (!f) {
        int code = cli_error("--svg-dir: cannot write %s: %s", path, strerror(errno));
        free(path);
        return code;
    }
    int S = c->side, px = 4, W = S * px > 240 ? S * px : 240, H = S * px + 44;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
            "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H, W, H, W, H);
    const float *x = c->pixels + i * (long)S * S;
    for (int r = 0; r < S; r++)
        for (int a = 0, b; a < S; a = b) {
            for (b = a + 1; b < S && x[r * S + b] == x[r * S + a]; b++)
                ;
            int g = (int)lrintf(255 * (1 - x[r * S + a]));
            if (g < 255)
                fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                        "fill=\"#%02x%02x%02x\"/>\n", (W - S * px) / 2 + a * px, r * px,
                        (b - a) * px, px, g, g, g);
        }
    fprintf(f, "<text x=\"4\" y=\"%d\">", S * px + 18);
    xml_text(f, hyp);
    fprintf(f, "</text>\n<text x=\"4\" y=\"%d\" fill=\"#666\">(", S * px + 36);
    xml_text(f, c->captions[i]);
    fprintf(f, ")</text>\n</svg>\n");
    int bad = ferror(f) | fclose(f);
    int code = bad ? cli_error("--svg-dir: cannot write %s", path) : 0;
    free(path);
    return code;
}
