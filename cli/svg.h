/* svg.h - a tiny dependency-free SVG line-plot writer: named, coloured
 * series of (x, y) points on linear axes with "nice" ticks, tick labels,
 * axis titles, a title and a legend. Non-finite points break a line.
 *
 *   svg_series s[2] = {{"truth", "#000000", x, y, n, 0},
 *                      {"forecast", "#d62728", x, f, n, 1}};
 *   svg_plot p = {"Air passengers", "year", "thousands", 900, 450};
 *   svg_write(stdout_or_file, &p, s, 2);
 */
#ifndef RECUR_CLI_SVG_H
#define RECUR_CLI_SVG_H

#include <stdio.h>

typedef struct {
    const char *name;  /* legend entry (escaped for XML) */
    const char *color; /* any SVG colour: "#1f77b4", "red" */
    const double *x, *y;
    long n;
    int dashed;        /* 1: a dashed line */
} svg_series;

typedef struct {
    const char *title, *xlabel, *ylabel; /* NULL or "" for none */
    int width, height;                   /* pixels; 0 = 900 x 450 */
} svg_plot;

/* Write the plot as a standalone SVG document to f. Returns 0, or -1 if
 * there is nothing finite to plot or writing failed (ferror). */
int svg_write(FILE *f, const svg_plot *p, const svg_series *s, int ns);

/* Write to path atomically (a temporary file renamed over it). Returns 0 or
 * -1 with errno set. */
int svg_write_file(const char *path, const svg_plot *p, const svg_series *s, int ns);

#endif
