/* train_common.c - checks before a file is written; numbers as metadata
 * (train_common.h). */
#include "train_common.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"

int cli_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int cli_check_save_dir(const char *option, const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!*path)
        return cli_error("%s expects a file name, got ''", option);
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    struct stat st;
    if (stat(dir, &st) != 0)
        return cli_error("%s %s: directory '%s' does not exist", option, path, dir);
    if (!S_ISDIR(st.st_mode))
        return cli_error("%s %s: '%s' is not a directory", option, path, dir);
    if (access(dir, W_OK) != 0)
        return cli_error("%s %s: directory '%s' is not writable", option, path, dir);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return cli_error("%s %s: is a directory", option, path);
    return 0;
}

int cli_check_model_path(const char *option, const char *path)
{
    struct stat st;
    if (cli_check_save_dir(option, path))
        return EXIT_RUNTIME;
    /* the library refuses to replace these when it saves: say so first */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return cli_error("%s %s: is not a regular file (a device or pipe): refusing to "
                         "replace it with a model", option, path);
    return 0;
}

int cli_set_meta(recur_model *m, const char *key, const char *fmt, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, fmt, v);
    return recur_model_set_meta(m, key, buf);
}

int cli_require_char_lm(const recur_model *m, const char *path)
{
    const recur_config *c = recur_model_get_config(m);
    int n = 0;
    if (!recur_model_get_vocab(m, &n) || n <= 0)
        return cli_error("%s: not a character model (it has no vocabulary)", path);
    if (c->output_size != c->input_size || c->loss != RECUR_LOSS_XENT)
        return cli_error("%s: not a character language model (a classifier, tagger or "
                         "regression model?)", path);
    return 0;
}
