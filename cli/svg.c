/* svg.c - the line plot of svg.h: nice ticks (1, 2, 5 × 10^k) on a linear
 * axis, decades on a log axis, one polyline per run of drawable points. */
#include "svg.h"
#include "commands.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W 760.0
#define H 460.0
#define LEFT 84.0
#define RIGHT 24.0
#define TOP 40.0
#define BOTTOM 56.0
#define MAX_SERIES 32

typedef struct {
    char *label;
    double *x, *y;
    long n;
    char color[32]; /* "" = the palette's */
    int dashed;
} series;

struct svg_plot {
    char *title, *xlabel, *ylabel;
    svg_scale scale;
    series s[MAX_SERIES];
    int ns;
};

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                      "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                      "#bcbd22", "#17becf"};
#define NPALETTE (int)(sizeof palette / sizeof *palette)

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *d = malloc(strlen(s) + 1);
    if (d)
        strcpy(d, s);
    return d;
}

svg_plot *svg_plot_new(const char *title, const char *xlabel, const char *ylabel,
                       svg_scale yscale)
{
    svg_plot *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->scale = yscale;
    p->title = dup_or_null(title);
    p->xlabel = dup_or_null(xlabel);
    p->ylabel = dup_or_null(ylabel);
    if ((title && !p->title) || (xlabel && !p->xlabel) || (ylabel && !p->ylabel)) {
        svg_plot_free(p);
        return NULL;
    }
    return p;
}

void svg_plot_free(svg_plot *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->ns; i++) {
        free(p->s[i].label);
        free(p->s[i].x);
        free(p->s[i].y);
    }
    free(p->title);
    free(p->xlabel);
    free(p->ylabel);
    free(p);
}

int svg_plot_add(svg_plot *p, const char *label, const double *x, const double *y,
                 long n)
{
    return svg_plot_add_styled(p, label, x, y, n, NULL, 0);
}

int svg_plot_add_styled(svg_plot *p, const char *label, const double *x,
                        const double *y, long n, const char *color, int dashed)
{
    if (p->ns == MAX_SERIES || n < 0)
        return -1;
    series *s = &p->s[p->ns];
    size_t bytes = (size_t)(n > 0 ? n : 1) * sizeof(double);
    s->label = dup_or_null(label ? label : "");
    s->x = malloc(bytes);
    s->y = malloc(bytes);
    if (!s->label || !s->x || !s->y) {
        free(s->label);
        free(s->x);
        free(s->y);
        memset(s, 0, sizeof *s);
        return -1;
    }
    memcpy(s->x, x, (size_t)n * sizeof(double));
    memcpy(s->y, y, (size_t)n * sizeof(double));
    s->n = n;
    s->dashed = dashed;
    /* Only plain colour names and #hex go into the attribute. */
    if (color && strlen(color) < sizeof s->color &&
        strspn(color, "#0123456789abcdefABCDEFghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ") ==
            strlen(color))
        strcpy(s->color, color);
    p->ns++;
    return 0;
}

static int drawable(const svg_plot *p, double x, double y)
{
    return isfinite(x) && isfinite(y) && (p->scale == SVG_LINEAR_Y || y > 0);
}

static double ymap(const svg_plot *p, double y)
{
    return p->scale == SVG_LOG_Y ? log10(y) : y;
}

static void xml_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* A step of 1, 2 or 5 × 10^k giving about `want` intervals over range. */
static double nice_step(double range, int want)
{
    double raw = range / want, mag = pow(10, floor(log10(raw))), r = raw / mag;
    return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

static void fmt_tick(char *buf, size_t size, double v, svg_scale scale)
{
    if (scale == SVG_LOG_Y) {
        int e = (int)lround(v);
        if (e >= -2 && e <= 4)
            snprintf(buf, size, "%g", pow(10, e));
        else
            snprintf(buf, size, "1e%d", e);
    } else {
        snprintf(buf, size, "%g", fabs(v) < 1e-12 ? 0.0 : v);
    }
}

/* Where the data goes: its ranges (y as drawn: log10 on a log scale), the
 * tick steps and the plot area's size. */
typedef struct {
    double x0, x1, y0, y1, xstep, ystep, pw, ph;
} frame;

static double px(const frame *fr, double x)
{
    return LEFT + (x - fr->x0) / (fr->x1 - fr->x0) * fr->pw;
}

static double py(const frame *fr, double v)
{
    return TOP + (1 - (v - fr->y0) / (fr->y1 - fr->y0)) * fr->ph;
}

/* The ranges over the drawable points, widened to whole ticks. */
static void plot_frame(const svg_plot *p, frame *fr)
{
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int i = 0; i < p->ns; i++)
        for (long j = 0; j < p->s[i].n; j++) {
            double x = p->s[i].x[j], y = p->s[i].y[j];
            if (!drawable(p, x, y))
                continue;
            x0 = fmin(x0, x), x1 = fmax(x1, x);
            y0 = fmin(y0, ymap(p, y)), y1 = fmax(y1, ymap(p, y));
        }
    if (!(x0 <= x1))
        x0 = 0, x1 = 1;
    if (!(y0 <= y1))
        y0 = 0, y1 = 1;
    if (x1 - x0 < 1e-300)
        x0 -= 1, x1 += 1;
    double ystep;
    if (p->scale == SVG_LOG_Y) {
        y0 = floor(y0), y1 = ceil(y1);
        if (y1 <= y0)
            y1 = y0 + 1;
        ystep = ceil((y1 - y0) / 10); /* at most ~10 labelled decades */
        y0 = floor(y0 / ystep) * ystep, y1 = ceil(y1 / ystep) * ystep;
    } else {
        if (y1 - y0 < 1e-300)
            y0 -= 1, y1 += 1;
        ystep = nice_step(y1 - y0, 6);
        y0 = floor(y0 / ystep) * ystep, y1 = ceil(y1 / ystep) * ystep;
    }
    *fr = (frame){.x0 = x0, .x1 = x1, .y0 = y0, .y1 = y1, .xstep = nice_step(x1 - x0, 8),
                  .ystep = ystep, .pw = W - LEFT - RIGHT, .ph = H - TOP - BOTTOM};
}

/* A line of text, escaped, with its opening tag's attributes. */
static void text_element(FILE *f, const char *attrs, const char *text)
{
    fprintf(f, "<text %s>", attrs);
    xml_text(f, text);
    fputs("</text>\n", f);
}

/* Grid lines and tick labels, the frame, the axis labels. */
static void print_axes(const svg_plot *p, const frame *fr, FILE *f)
{
    char buf[32];
    for (double v = fr->y0; v <= fr->y1 + 1e-9 * fr->ystep; v += fr->ystep) {
        double y = py(fr, v);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                LEFT, y, LEFT + fr->pw, y);
        fmt_tick(buf, sizeof buf, v, p->scale);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                LEFT - 6, y + 4, buf);
    }
    for (double v = ceil(fr->x0 / fr->xstep) * fr->xstep; v <= fr->x1 + 1e-9 * fr->xstep;
         v += fr->xstep) {
        double x = px(fr, v);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                x, TOP, x, TOP + fr->ph);
        fmt_tick(buf, sizeof buf, v, SVG_LINEAR_Y);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x,
                TOP + fr->ph + 16, buf);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
               "stroke=\"#444\"/>\n", LEFT, TOP, fr->pw, fr->ph);
    char attrs[96];
    if (p->xlabel) {
        snprintf(attrs, sizeof attrs, "x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\"",
                 LEFT + fr->pw / 2, H - 14);
        text_element(f, attrs, p->xlabel);
    }
    if (p->ylabel) {
        snprintf(attrs, sizeof attrs, "transform=\"translate(18 %.1f) rotate(-90)\" "
                 "text-anchor=\"middle\"", TOP + fr->ph / 2);
        text_element(f, attrs, p->ylabel);
    }
}

static const char *series_color(const svg_plot *p, int i)
{
    return p->s[i].color[0] ? p->s[i].color : palette[i % NPALETTE];
}

/* The series: one polyline per run of drawable points. */
static void print_series(const svg_plot *p, const frame *fr, FILE *f)
{
    for (int i = 0; i < p->ns; i++) {
        const series *s = &p->s[i];
        int open = 0;
        for (long j = 0; j <= s->n; j++) {
            int ok = j < s->n && drawable(p, s->x[j], s->y[j]);
            if (ok && !open) {
                fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\"%s "
                           "points=\"", series_color(p, i),
                        s->dashed ? " stroke-dasharray=\"6 4\"" : "");
                open = 1;
            }
            if (ok)
                fprintf(f, "%.1f,%.1f ", px(fr, s->x[j]), py(fr, ymap(p, s->y[j])));
            if (!ok && open) {
                fputs("\"/>\n", f);
                open = 0;
            }
        }
    }
}

/* The legend, in the top-right corner of the plot. */
static void print_legend(const svg_plot *p, const frame *fr, FILE *f)
{
    size_t longest = 0;
    for (int i = 0; i < p->ns; i++)
        if (strlen(p->s[i].label) > longest)
            longest = strlen(p->s[i].label);
    double lw = 40 + 7.0 * (double)longest, lh = 8 + 18.0 * p->ns;
    double lx = LEFT + fr->pw - lw - 8, ly = TOP + 8;
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
               "fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999\"/>\n",
            lx, ly, lw, lh);
    for (int i = 0; i < p->ns; i++) {
        double y = ly + 16 + 18.0 * i;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"%s\" stroke-width=\"2.5\"%s/>\n",
                lx + 6, y - 4, lx + 28, y - 4, series_color(p, i),
                p->s[i].dashed ? " stroke-dasharray=\"6 4\"" : "");
        char attrs[64];
        snprintf(attrs, sizeof attrs, "x=\"%.1f\" y=\"%.1f\"", lx + 34, y);
        text_element(f, attrs, p->s[i].label);
    }
}

int svg_plot_fprint(const svg_plot *p, FILE *f)
{
    frame fr;
    plot_frame(p, &fr);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
            W, H, W, H);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    if (p->title) {
        char attrs[96];
        snprintf(attrs, sizeof attrs, "x=\"%.1f\" y=\"22\" text-anchor=\"middle\" "
                 "font-size=\"15\"", LEFT + fr.pw / 2);
        text_element(f, attrs, p->title);
    }
    print_axes(p, &fr, f);
    print_series(p, &fr, f);
    if (p->ns > 0)
        print_legend(p, &fr, f);
    fputs("</svg>\n", f);
    return ferror(f) ? -1 : 0;
}

static int plot_fprint(const void *p, FILE *f) { return svg_plot_fprint(p, f); }

int svg_plot_write(const svg_plot *p, const char *path)
{
    return cli_write_output(path, plot_fprint, p);
}

/* ---- heat map ------------------------------------------------------------- */

#define CELL 22.0
#define LABEL_W 90.0

int svg_heatmap_fprint(const svg_heatmap *h, FILE *f)
{
    double left = LABEL_W, top = TOP + LABEL_W;
    double w = left + h->cols * CELL + RIGHT, ht = top + h->rows * CELL + 16;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
            w, ht, w, ht);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    if (h->title) {
        fprintf(f, "<text x=\"%.1f\" y=\"22\" font-size=\"14\">", left);
        xml_text(f, h->title);
        fputs("</text>\n", f);
    }
    for (int c = 0; c < h->cols; c++) {
        /* Column labels written upwards above their column. */
        double x = left + (c + 0.5) * CELL + 4;
        fprintf(f, "<text transform=\"translate(%.1f,%.1f) rotate(-90)\">", x, top - 4);
        xml_text(f, h->col_labels ? h->col_labels[c] : "");
        fputs("</text>\n", f);
    }
    for (int r = 0; r < h->rows; r++) {
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", left - 4,
                top + (r + 0.5) * CELL + 4);
        xml_text(f, h->row_labels ? h->row_labels[r] : "");
        fputs("</text>\n", f);
        for (int c = 0; c < h->cols; c++) {
            double v = h->values[(long)r * h->cols + c];
            v = isfinite(v) ? (v < 0 ? 0 : v > 1 ? 1 : v) : 0;
            /* White (0) to dark blue (1). */
            int R = (int)lround(255 - v * (255 - 8)), G = (int)lround(255 - v * (255 - 48)),
                B = (int)lround(255 - v * (255 - 107));
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                    "fill=\"#%02x%02x%02x\"><title>%.3f</title></rect>\n",
                    left + c * CELL, top + r * CELL, CELL, CELL, R, G, B, v);
        }
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
            "fill=\"none\" stroke=\"#444\"/>\n</svg>\n",
            left, top, h->cols * CELL, h->rows * CELL);
    return ferror(f) ? -1 : 0;
}

static int heatmap_fprint(const void *h, FILE *f) { return svg_heatmap_fprint(h, f); }

int svg_heatmap_write(const svg_heatmap *h, const char *path)
{
    return cli_write_output(path, heatmap_fprint, h);
}
