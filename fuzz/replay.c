/* replay.c - run a fuzz target's inputs without libFuzzer: a main() for
 * fuzz/fuzz_<target>.c built with the ordinary compiler, for `make test`.
 *   replay_<target> DIR_OR_FILE...
 * Every file (directories are read one level deep, names starting with '.'
 * and README files skipped) goes through LLVMFuzzerTestOneInput in a child
 * process of its own, from an exactly-sized heap copy so that sanitizers
 * see any overread. A file passes when its child exits with status 0: no
 * abort from the target's own checks, no sanitizer report, no leak. The
 * failing children's output is shown; the last line is
 * "replay_<target>: N passed, N failed". Missing directories hold no files
 * (fuzz/regress/<target> exists only once something was found); no files
 * at all is a failure. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int passed, failed;

static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    unsigned char *buf = NULL;
    if (fstat(fileno(f), &st) == 0 && st.st_size >= 0 &&
        (buf = malloc(st.st_size ? (size_t)st.st_size : 1)) &&
        fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (size_t)st.st_size;
    return buf;
}

/* 0 when the target ran the file cleanly in a child; quiet hides its
 * stdout and stderr (error lines on bad input are expected). */
static int run_child(const char *path, int quiet)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return -1;
    }
    if (pid == 0) {
        if (quiet) {
            int null = open("/dev/null", O_WRONLY);
            dup2(null, 1);
            dup2(null, 2);
        }
        size_t size;
        unsigned char *buf = read_file(path, &size);
        if (!buf) {
            fprintf(stderr, "replay: cannot read %s\n", path);
            exit(3);
        }
        LLVMFuzzerTestOneInput(buf, size);
        free(buf);
        exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : status;
}

static void run_file(const char *path)
{
    int status = run_child(path, 1);
    if (status == 0) {
        passed++;
        return;
    }
    failed++;
    if (WIFSIGNALED(status))
        printf("FAIL - %s (signal %d)\n", path, WTERMSIG(status));
    else
        printf("FAIL - %s (exit %d)\n", path, WEXITSTATUS(status));
    fflush(stdout);
    run_child(path, 0); /* again, to show what went wrong */
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown)
                abort();
            names = grown;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n])
            abort();
        snprintf(names[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n) /* qsort(NULL, 0, ...) is undefined */
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            run_file(names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    const char *name = strrchr(argv[0], '/');
    name = name ? name + 1 : argv[0];
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            run_dir(argv[i]);
        else
            run_file(argv[i]);
    }
    if (passed + failed == 0) {
        printf("FAIL - no input files\n");
        failed = 1;
    }
    printf("%s: %d passed, %d failed\n", name, passed, failed);
    return failed ? 1 : 0;
}
