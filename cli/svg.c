/* svg.c - the tiny SVG line-plot writer (see svg.h). */
#include "svg.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Text with &, <, >, " and ' escaped; control characters dropped. */
static void put_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            if ((unsigned char)*s >= 0x20 && *s != 0x7F)
                fputc(*s, f);
        }
    }
}

/* A colour is passed into an attribute: keep only harmless characters. */
static void put_color(FILE *f, const char *c)
{
    if (!c || !*c) {
        fputs("#000000", f);
        return;
    }
    for (; *c; c++)
        if ((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
            (*c >= 'A' && *c <= 'Z') || *c == '#')
            fputc(*c, f);
}

/* A step of 1, 2 or 5 times a power of ten giving about `want` ticks. */
static double nice_step(double span, int want)
{
    double raw = span / want;
    double p = pow(10, floor(log10(raw)));
    double m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

static void fmt_tick(char *buf, size_t size, double v, double step)
{
    if (fabs(v) < step * 1e-9)
        v = 0;
    int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (decimals > 6 || fabs(v) >= 1e7)
        snprintf(buf, size, "%.3g", v);
    else
        snprintf(buf, size, "%.*f", decimals, v);
}

/* The data range widened to whole steps; a flat range gets some room. */
static void axis_range(double lo, double hi, int want, double *a, double *b, double *step)
{
    if (hi - lo < 1e-12 * (fabs(lo) + fabs(hi) + 1)) {
        lo -= fabs(lo) * 0.1 + 1;
        hi += fabs(hi) * 0.1 + 1;
    }
    *step = nice_step(hi - lo, want);
    *a = floor(lo / *step) * *step;
    *b = ceil(hi / *step) * *step;
}

int svg_write(FILE *f, const svg_plot *p, const svg_series *s, int ns)
{
    int W = p && p->width > 0 ? p->width : 900, H = p && p->height > 0 ? p->height : 450;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int k = 0; k < ns; k++)
        for (long i = 0; i < s[k].n; i++)
            if (isfinite(s[k].x[i]) && isfinite(s[k].y[i])) {
                x0 = fmin(x0, s[k].x[i]), x1 = fmax(x1, s[k].x[i]);
                y0 = fmin(y0, s[k].y[i]), y1 = fmax(y1, s[k].y[i]);
            }
    if (!(x0 <= x1))
        return -1;
    double xa, xb, xs, ya, yb, ys;
    axis_range(x0, x1, 8, &xa, &xb, &xs);
    axis_range(y0, y1, 6, &ya, &yb, &ys);
    /* The plot area, with room for the ticks, titles and the legend. */
    int left = 70, right = 30, top = p && p->title && *p->title ? 40 : 20;
    int bottom = p && p->xlabel && *p->xlabel ? 60 : 40;
    double pw = W - left - right, ph = H - top - bottom;
#define PX(v) (left + ((v) - xa) / (xb - xa) * pw)
#define PY(v) (top + ph - ((v) - ya) / (yb - ya) * ph)
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
               "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H, W, H, W, H);
    if (p && p->title && *p->title) {
        fprintf(f, "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">",
                W / 2);
        put_text(f, p->title);
        fputs("</text>\n", f);
    }
    /* grid, ticks and tick labels */
    fputs("<g stroke=\"#dddddd\" stroke-width=\"1\">\n", f);
    for (double v = xa; v <= xb + xs * 1e-6; v += xs)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/>\n", PX(v), top,
                PX(v), top + ph);
    for (double v = ya; v <= yb + ys * 1e-6; v += ys)
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", left, PY(v),
                left + pw, PY(v));
    fputs("</g>\n<g fill=\"#333333\">\n", f);
    char buf[64];
    for (double v = xa; v <= xb + xs * 1e-6; v += xs) {
        fmt_tick(buf, sizeof buf, v, xs);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", PX(v),
                top + ph + 16, buf);
    }
    for (double v = ya; v <= yb + ys * 1e-6; v += ys) {
        fmt_tick(buf, sizeof buf, v, ys);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", left - 6,
                PY(v) + 4, buf);
    }
    fputs("</g>\n", f);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
               "stroke=\"#333333\"/>\n", left, top, pw, ph);
    if (p && p->xlabel && *p->xlabel) {
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", left + pw / 2,
                H - 12);
        put_text(f, p->xlabel);
        fputs("</text>\n", f);
    }
    if (p && p->ylabel && *p->ylabel) {
        fprintf(f, "<text transform=\"translate(16 %.1f) rotate(-90)\" "
                   "text-anchor=\"middle\">", top + ph / 2);
        put_text(f, p->ylabel);
        fputs("</text>\n", f);
    }
    /* the series, each a polyline per finite run */
    for (int k = 0; k < ns; k++) {
        fputs("<g fill=\"none\" stroke-width=\"1.5\" stroke=\"", f);
        put_color(f, s[k].color);
        fprintf(f, "\"%s>\n", s[k].dashed ? " stroke-dasharray=\"5 3\"" : "");
        int open = 0;
        for (long i = 0; i <= s[k].n; i++) {
            int ok = i < s[k].n && isfinite(s[k].x[i]) && isfinite(s[k].y[i]);
            if (ok && !open) {
                fputs("<polyline points=\"", f);
                open = 1;
            } else if (!ok && open) {
                fputs("\"/>\n", f);
                open = 0;
            }
            if (ok)
                fprintf(f, "%.1f,%.1f ", PX(s[k].x[i]), PY(s[k].y[i]));
        }
        fputs("</g>\n", f);
    }
    /* the legend, top left inside the plot area */
    fprintf(f, "<g><rect x=\"%d\" y=\"%d\" width=\"190\" height=\"%d\" fill=\"white\" "
               "fill-opacity=\"0.85\" stroke=\"#999999\"/>\n", left + 8, top + 8,
            ns * 18 + 8);
    for (int k = 0; k < ns; k++) {
        int y = top + 8 + 14 + k * 18;
        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke-width=\"2\" "
                   "stroke=\"", left + 14, y - 4, left + 40, y - 4);
        put_color(f, s[k].color);
        fprintf(f, "\"%s/>\n<text x=\"%d\" y=\"%d\">", s[k].dashed ?
                " stroke-dasharray=\"5 3\"" : "", left + 46, y);
        put_text(f, s[k].name);
        fputs("</text>\n", f);
    }
    fputs("</g>\n</svg>\n", f);
#undef PX
#undef PY
    return ferror(f) ? -1 : 0;
}

int svg_write_file(const char *path, const svg_plot *p, const svg_series *s, int ns)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp) {
        errno = ENOMEM;
        return -1;
    }
    snprintf(tmp, n + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    (void)fchmod(fd, 0644); /* as fopen would make it, before the umask */
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int e = errno;
        close(fd);
        unlink(tmp);
        free(tmp);
        errno = e;
        return -1;
    }
    int rc = svg_write(f, p, s, ns);
    int e = rc ? (errno ? errno : EINVAL) : 0;
    if (fclose(f) != 0 && !rc)
        rc = -1, e = errno;
    if (!rc && rename(tmp, path) != 0)
        rc = -1, e = errno;
    if (rc)
        unlink(tmp);
    free(tmp);
    errno = e;
    return rc;
}
