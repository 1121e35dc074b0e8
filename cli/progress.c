/* progress.c - the Keras-like progress bar and the plain progress log. */
#include "progress.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH 30
#define BAR_REDRAW_S 0.1
#define PLAIN_EVERY_S 10.0

double progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void progress_fmt_time(double s, char *buf, size_t size)
{
    if (!(s >= 0) || s > 1e9)
        s = 0;
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

void progress_fmt_count(long v, char *buf, size_t size)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%ld", v < 0 ? -v : v);
    size_t o = 0;
    if (v < 0 && o + 1 < size)
        buf[o++] = '-';
    for (int i = 0; i < n && o + 1 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0 && o + 1 < size)
            buf[o++] = ',';
        if (o + 1 < size)
            buf[o++] = digits[i];
    }
    buf[o] = 0;
}

static int terminal_width(FILE *f)
{
    struct winsize ws;
    if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

void progress_init(progress *p, progress_mode mode, FILE *out, long spe,
                   long start_step, long target_step)
{
    memset(p, 0, sizeof *p);
    p->mode = mode;
    p->out = out;
    p->steps_per_epoch = spe;
    p->start_step = start_step;
    p->target_step = target_step;
    p->total_epochs = (int)((target_step + spe - 1) / spe);
    p->t0 = progress_now();
    p->epoch = -1; /* no epoch entered yet */
    p->last_plain = p->t0;
    p->last_mean_loss = NAN;
    p->last_mean_acc = NAN;
}

static double mean_loss(const progress *p)
{
    return p->sum_tokens ? p->sum_loss / (double)p->sum_tokens : NAN;
}

static double mean_acc(const progress *p)
{
    return p->sum_tokens ? p->sum_correct / (double)p->sum_tokens : NAN;
}

static double tok_per_s(const progress *p, double now)
{
    double dt = now - p->t0;
    return dt > 0 ? (double)p->tokens_run / dt : 0;
}

/* Draw the bar line for k of steps_per_epoch; tail is what follows the bar. */
static void draw_bar(progress *p, long k, const char *tail, int final)
{
    long n = p->steps_per_epoch;
    char count[64];
    int digits = snprintf(count, sizeof count, "%ld", n);
    snprintf(count, sizeof count, "%*ld/%ld", digits, k, n);
    int width = terminal_width(p->out);
    int room = width - 1 - (int)strlen(count) - 3 - (int)strlen(tail);
    int bw = room < BAR_WIDTH ? room : BAR_WIDTH;
    if (bw < 10)
        bw = 10;
    char bar[BAR_WIDTH + 1];
    int filled = (int)((double)bw * (double)k / (double)n);
    if (filled > bw)
        filled = bw;
    for (int i = 0; i < bw; i++)
        bar[i] = i < filled ? '=' : '.';
    if (k < n && filled > 0) /* the arrow head, as Keras */
        bar[filled - 1] = '>';
    bar[bw] = 0;
    char line[512];
    snprintf(line, sizeof line, "%s [%s]%s", count, bar, tail);
    if (!final && (int)strlen(line) > width - 1)
        line[width - 1] = 0;
    fprintf(p->out, "\r%s\x1b[K%s", line, final ? "\n" : "");
    fflush(p->out);
    p->line_open = !final;
}

static void enter_epoch(progress *p, long step_before)
{
    long spe = p->steps_per_epoch;
    if (p->sum_tokens) {
        p->last_mean_loss = mean_loss(p);
        p->last_mean_acc = mean_acc(p);
    }
    p->epoch = (int)(step_before / spe);
    p->epoch_t0 = progress_now();
    p->epoch_first_step = step_before;
    p->sum_loss = p->sum_correct = 0;
    p->sum_tokens = 0;
    if (p->mode == PROGRESS_BAR) {
        fprintf(p->out, "Epoch %d/%d\n", p->epoch + 1, p->total_epochs);
        fflush(p->out);
    }
}

static void plain_line(progress *p, long step, double now)
{
    char el[32], eta[32], rate[32];
    long done = step - p->start_step, left = p->target_step - step;
    double per = done > 0 ? (now - p->t0) / (double)done : 0;
    progress_fmt_time(now - p->t0, el, sizeof el);
    progress_fmt_time(per * (double)left, eta, sizeof eta);
    snprintf(rate, sizeof rate, "%.0f", tok_per_s(p, now));
    fprintf(p->out, "step %ld/%ld epoch %d loss %.4f acc %.4f %s tok/s elapsed %s "
            "eta %s\n", step, p->target_step, p->epoch + 1, mean_loss(p),
            mean_acc(p), rate, el, eta);
    fflush(p->out);
    p->last_plain = now;
}

void progress_step(progress *p, long step, double loss, double accuracy, long tokens)
{
    long spe = p->steps_per_epoch;
    if (p->epoch < 0 || (step - 1) / spe != p->epoch)
        enter_epoch(p, step - 1);
    p->sum_loss += loss * (double)tokens;
    p->sum_correct += accuracy * (double)tokens;
    p->sum_tokens += tokens;
    p->tokens_run += tokens;
    double now = progress_now();
    long k = (step - 1) % spe + 1;
    if (p->mode == PROGRESS_BAR) {
        if (now - p->last_draw < BAR_REDRAW_S && k != 1)
            return;
        p->last_draw = now;
        long stop = p->target_step - (long)p->epoch * spe; /* last k this run */
        if (stop > spe)
            stop = spe;
        double per = (now - p->epoch_t0) / (double)(step - p->epoch_first_step);
        char eta[32], rate[32], tail[256];
        progress_fmt_time(per * (double)(stop - k), eta, sizeof eta);
        progress_fmt_count(lround(tok_per_s(p, now)), rate, sizeof rate);
        snprintf(tail, sizeof tail, " - ETA: %s - loss: %.4f - accuracy: %.4f - %s tok/s",
                 eta, mean_loss(p), mean_acc(p), rate);
        draw_bar(p, k, tail, 0);
    } else if (p->mode == PROGRESS_PLAIN && now - p->last_plain >= PLAIN_EVERY_S) {
        plain_line(p, step, now);
    }
}

void progress_eval(progress *p, long step, double val_loss)
{
    if (p->mode == PROGRESS_QUIET)
        return;
    progress_message(p, "step %ld/%ld val_loss: %.4f - val_bpc: %.4f", step,
                     p->target_step, val_loss, val_loss / log(2.0));
}

void progress_epoch_end(progress *p, long step, int has_val, double val_loss)
{
    double now = progress_now();
    if (p->sum_tokens) {
        p->last_mean_loss = mean_loss(p);
        p->last_mean_acc = mean_acc(p);
    }
    char val[96] = "";
    if (has_val)
        snprintf(val, sizeof val, " - val_loss: %.4f - val_bpc: %.4f", val_loss,
                 val_loss / log(2.0));
    if (p->mode == PROGRESS_BAR) {
        long k = p->epoch >= 0 ? step - (long)p->epoch * p->steps_per_epoch : 0;
        long done = step - p->epoch_first_step;
        double el = now - p->epoch_t0, per = done > 0 ? el / (double)done : 0;
        char tail[256], rate[32];
        progress_fmt_count(lround(tok_per_s(p, now)), rate, sizeof rate);
        snprintf(tail, sizeof tail, " - %.0fs %.0fms/step - loss: %.4f - accuracy: "
                 "%.4f - %s tok/s%s", el, per * 1e3, mean_loss(p), mean_acc(p), rate, val);
        draw_bar(p, k, tail, 1);
    } else if (p->mode == PROGRESS_EPOCHS) {
        long k = p->epoch >= 0 ? step - (long)p->epoch * p->steps_per_epoch : 0;
        long done = step - p->epoch_first_step;
        double el = now - p->epoch_t0, per = done > 0 ? el / (double)done : 0;
        fprintf(p->out, "Epoch %d/%d\n%ld/%ld [==============================] - %.0fs "
                "%.0fms/step - loss: %.4f - accuracy: %.4f%s\n", p->epoch + 1,
                p->total_epochs, k, p->steps_per_epoch, el, per * 1e3, mean_loss(p),
                mean_acc(p), val);
        fflush(p->out);
    } else if (p->mode == PROGRESS_PLAIN) {
        plain_line(p, step, now);
        if (has_val)
            fprintf(p->out, "epoch %d val_loss: %.4f - val_bpc: %.4f\n", p->epoch + 1,
                    val_loss, val_loss / log(2.0));
        fflush(p->out);
    }
}

double progress_train_loss(const progress *p, double *accuracy)
{
    int cur = p->sum_tokens > 0;
    if (accuracy)
        *accuracy = cur ? mean_acc(p) : p->last_mean_acc;
    return cur ? mean_loss(p) : p->last_mean_loss;
}

void progress_break(progress *p)
{
    if (p->line_open) {
        fputc('\n', p->out);
        fflush(p->out);
        p->line_open = 0;
    }
}

void progress_message(progress *p, const char *fmt, ...)
{
    progress_break(p);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->out, fmt, ap);
    va_end(ap);
    fputc('\n', p->out);
    fflush(p->out);
    p->last_draw = 0; /* redraw the bar at the next step */
}
