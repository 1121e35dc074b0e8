/* train_common.c - signal handling and save-path checks shared by the
 * training commands (train, classify). */
#include "train_common.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "recur.h"

volatile sig_atomic_t cli_stop_signal;

static void on_signal(int sig)
{
    if (cli_stop_signal) { /* a second Ctrl-C: stop at once */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    cli_stop_signal = sig;
}

void cli_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

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

int cli_training_failed(int rc, const char *save)
{
    if (save && cli_file_exists(save))
        return cli_error("%s (%s was left as it was)", recur_last_error(), save);
    return cli_lib_error(rc);
}
