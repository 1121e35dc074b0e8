/* svg.h - a small, dependency-free SVG line plot: a few named series of
 * (x, y) points on a linear or logarithmic y axis, axis labels, a legend.
 *
 *   svg_plot *p = svg_plot_new("Gradient norm", "distance", "norm", SVG_LOG_Y);
 *   svg_plot_add(p, "rnn_tanh", x, y, n);
 *   svg_plot_add(p, "lstm", x, y2, n);
 *   if (svg_plot_write(p, "plot.svg")) perror("plot.svg");
 *   svg_plot_free(p);
 *
 * On a log axis, points with y <= 0 (or not finite) break the line. The
 * series are copied; labels and titles are escaped for XML. Colours come
 * from a palette unless given (svg_plot_add_styled). */
#ifndef RECUR_CLI_SVG_H
#define RECUR_CLI_SVG_H

#include <stdio.h>

typedef enum { SVG_LINEAR_Y, SVG_LOG_Y } svg_scale;

typedef struct svg_plot svg_plot;

/* NULL when out of memory. title, xlabel, ylabel may be NULL. */
svg_plot *svg_plot_new(const char *title, const char *xlabel, const char *ylabel,
                       svg_scale yscale);
/* Add a line of n points; 0, or -1 when out of memory. */
int svg_plot_add(svg_plot *p, const char *label, const double *x, const double *y,
                 long n);
/* The same with a colour (any SVG colour, NULL: the palette's next) and a
 * dashed line when dashed != 0. */
int svg_plot_add_styled(svg_plot *p, const char *label, const double *x,
                        const double *y, long n, const char *color, int dashed);
/* Write the plot to an open stream, or to a file atomically (a temporary
 * file renamed over path): 0, or -1 with errno. */
int svg_plot_fprint(const svg_plot *p, FILE *f);
int svg_plot_write(const svg_plot *p, const char *path);
void svg_plot_free(svg_plot *p);

/* A heat map of values in [0, 1] (e.g. attention weights): rows × cols
 * cells, white at 0 to dark blue at 1, labels left of the rows and above
 * the columns (escaped for XML), each cell's value as its tooltip. */
typedef struct {
    const char *title;
    int rows, cols;
    const char *const *row_labels, *const *col_labels; /* NULL: none */
    const float *values;                               /* [rows][cols] */
} svg_heatmap;
int svg_heatmap_fprint(const svg_heatmap *h, FILE *f);
int svg_heatmap_write(const svg_heatmap *h, const char *path);

#endif
