/* test_svg.c - the CLI's SVG line plot (cli/svg.c, compiled in here since
 * it is not part of the library): a well-formed document, every point
 * inside the plot area, lines broken where a log axis cannot draw,
 * decade ticks, escaped text, one legend entry per series. */
#include "../cli/output_file.c" /* first: it sets _XOPEN_SOURCE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/svg.c"
#include "testlib.h"

/* The plot written to memory (caller frees). */
static char *render(const svg_plot *p)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return NULL;
    int rc = svg_plot_fprint(p, f);
    fclose(f);
    if (rc) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* Every "x,y" pair of every polyline lies in the plot rectangle. */
static int points_inside(const char *s, int *npoints)
{
    int ok = 1;
    *npoints = 0;
    for (const char *p = strstr(s, "points=\""); p; p = strstr(p + 1, "points=\"")) {
        const char *q = p + 8;
        double x, y;
        int used;
        while (sscanf(q, "%lf,%lf %n", &x, &y, &used) == 2) {
            (*npoints)++;
            if (x < LEFT - 0.05 || x > W - RIGHT + 0.05 || y < TOP - 0.05 ||
                y > H - BOTTOM + 0.05)
                ok = 0;
            q += used;
        }
    }
    return ok;
}

static void test_log_plot(void)
{
    svg_plot *p = svg_plot_new("a <title> & more", "distance", "norm", SVG_LOG_Y);
    CHECK(p != NULL);
    if (!p)
        return;
    double x[6] = {0, 1, 2, 3, 4, 5};
    double a[6] = {1, 1e-1, 1e-2, 0, 1e-4, 1e-5}; /* 0: a gap on a log axis */
    double b[6] = {1, 0.5, 0.25, 0.125, 0.0625, 0.03125};
    CHECK(svg_plot_add(p, "rnn", x, a, 6) == 0);
    CHECK(svg_plot_add(p, "lstm \"l0\"", x, b, 6) == 0);
    char *s = render(p);
    CHECK(s != NULL);
    if (s) {
        CHECK(strncmp(s, "<svg ", 5) == 0);
        CHECK(strstr(s, "</svg>\n") != NULL);
        CHECK(strstr(s, "a &lt;title&gt; &amp; more") != NULL);
        CHECK(strstr(s, ">lstm &quot;l0&quot;</text>") != NULL);
        CHECK(count(s, "<polyline") == 3); /* a: 2 runs around the 0; b: 1 */
        int n;
        CHECK(points_inside(s, &n));
        CHECK_MSG(n == 11, "%d points drawn, expected 11", n);
        CHECK(strstr(s, ">1e-5</text>") != NULL); /* the decades of the data */
        CHECK(strstr(s, ">1</text>") != NULL);
        CHECK(strstr(s, ">0.01</text>") != NULL);
    }
    free(s);
    svg_plot_free(p);
}

static void test_linear_plot(void)
{
    svg_plot *p = svg_plot_new(NULL, NULL, NULL, SVG_LINEAR_Y);
    double x[4] = {10, 20, 30, 40}, y[4] = {-3, 0, 2.5, 7};
    CHECK(p && svg_plot_add(p, "s", x, y, 4) == 0);
    char *s = p ? render(p) : NULL;
    CHECK(s != NULL);
    if (s) {
        int n;
        CHECK(count(s, "<polyline") == 1);
        CHECK(points_inside(s, &n) && n == 4);
        CHECK(strstr(s, ">0</text>") != NULL); /* a nice tick at zero */
        CHECK(strstr(s, ">40</text>") != NULL);
    }
    free(s);
    svg_plot_free(p);
}

static void test_degenerate(void)
{
    /* No series, a single point, and a series with nothing drawable: a
     * valid document each time, no division by zero. */
    svg_plot *p = svg_plot_new("empty", "x", "y", SVG_LOG_Y);
    char *s = p ? render(p) : NULL;
    CHECK(s && strstr(s, "</svg>") && count(s, "<polyline") == 0);
    free(s);
    double x = 3, y = 0.5, z = -1;
    CHECK(p && svg_plot_add(p, "one", &x, &y, 1) == 0);
    CHECK(p && svg_plot_add(p, "none", &x, &z, 1) == 0);
    s = p ? render(p) : NULL;
    int n = 0;
    CHECK(s && count(s, "<polyline") == 1 && points_inside(s, &n) && n == 1);
    free(s);
    svg_plot_free(p);
    CHECK(svg_plot_write(p = svg_plot_new("t", NULL, NULL, SVG_LINEAR_Y),
                         "/nonexistent-dir/plot.svg") == -1);
    svg_plot_free(p);
}

static void test_styles(void)
{
    svg_plot *p = svg_plot_new("styled", "t", "v", SVG_LINEAR_Y);
    double x[3] = {1, 2, 3}, y[3] = {1, 4, 9};
    CHECK(p && svg_plot_add_styled(p, "truth", x, y, 3, "#000000", 0) == 0);
    CHECK(p && svg_plot_add_styled(p, "naive", x, y, 3, "#2ca02c", 1) == 0);
    /* something that is not a colour never reaches the attribute */
    CHECK(p && svg_plot_add_styled(p, "odd", x, y, 3, "red\" onload=\"x", 0) == 0);
    char *s = p ? render(p) : NULL;
    CHECK(s && count(s, "stroke=\"#000000\"") == 2);      /* line and legend */
    CHECK(s && count(s, "stroke-dasharray") == 2);
    CHECK(s && strstr(s, "onload") == NULL);
    free(s);
    svg_plot_free(p);
}

/* A heat map: one rect per cell (plus the frame), shades from white to
 * dark blue, labels escaped, out-of-range values clamped. */
static void test_heatmap(void)
{
    const char *rows[2] = {"AH", "<eos>"}, *cols[3] = {"a", "&", "c"};
    float v[6] = {1, 0, 0.5f, -3, 2, 0.25f};
    svg_heatmap h = {"attention \"x\"", 2, 3, rows, cols, v};
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    CHECK(f && svg_heatmap_fprint(&h, f) == 0);
    if (f)
        fclose(f);
    if (!buf)
        return;
    CHECK(count(buf, "<rect ") == 1 + 6 + 1);
    CHECK(count(buf, "fill=\"#08306b\"") == 2); /* 1 and 2 (clamped) */
    CHECK(count(buf, "fill=\"#ffffff\"") == 2); /* 0 and -3 (clamped) */
    CHECK(strstr(buf, "&lt;eos&gt;") && strstr(buf, ">&amp;<") && strstr(buf, "&quot;x&quot;"));
    free(buf);
}

TEST_MAIN("test_svg", TL_CASE(test_log_plot), TL_CASE(test_linear_plot),
          TL_CASE(test_degenerate), TL_CASE(test_styles), TL_CASE(test_heatmap))
