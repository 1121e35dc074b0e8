/* replay.c - run a fuzz target's inputs without libFuzzer: a main() for
 * fuzz/fuzz_<target>.c built with the ordinary compiler, for `make test`.
 *   replay_<target> DIR_OR_FILE...
 * Every file (directories are read one level deep, names starting with '.'
 * and README files skipped) goes through LLVMFuzzerTestOneInput from an
 * exactly-sized heap copy, so that sanitizers see any overread. A file
 * passes when the target returns and the process then exits cleanly: no
 * abort from the target's own checks, no sanitizer report, no leak.
 *
 * Files run in child processes, many per child (a fork of a sanitized
 * process is slow): the child reports each file it finished through a
 * pipe, so when it dies the parent knows which file killed it, counts that
 * one failed, shows its report by running it again alone, and carries on
 * with the next in a new child. A child that finishes its files but fails
 * at exit (a leak) has each of them run again alone to find the culprit.
 * The last line is "replay_<target>: N passed, N failed". Missing
 * directories hold no files (fuzz/regress/<target> exists only once
 * something was found); no files at all is a failure. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char **files;
static size_t nfiles, capfiles;
static int passed, failed;

static void add_file(const char *path)
{
    if (nfiles == capfiles) {
        capfiles = capfiles ? 2 * capfiles : 64;
        char **grown = realloc(files, capfiles * sizeof *files);
        if (!grown)
            abort();
        files = grown;
    }
    size_t len = strlen(path) + 1;
    if (!(files[nfiles] = malloc(len)))
        abort();
    memcpy(files[nfiles++], path, len);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    size_t first = nfiles;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0)
            continue;
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            add_file(path);
    }
    closedir(d);
    if (nfiles > first) /* qsort(NULL, 0, ...) is undefined */
        qsort(files + first, nfiles - first, sizeof *files, by_name);
}

/* In a child: run one file through the target. */
static void run_one(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    unsigned char *buf = NULL;
    size_t size = 0;
    if (f && fstat(fileno(f), &st) == 0) {
        size = (size_t)st.st_size;
        buf = malloc(size ? size : 1);
        if (buf && fread(buf, 1, size, f) != size) {
            free(buf);
            buf = NULL;
        }
    }
    if (f)
        fclose(f);
    if (!buf) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        exit(3);
    }
    LLVMFuzzerTestOneInput(buf, size);
    free(buf);
}

static void quiet_output(void)
{
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
}

/* Run files[from..to) in one child; *done is set to how many of them
 * finished. Returns the child's wait status. */
static int run_batch(size_t from, size_t to, int quiet, size_t *done)
{
    int fd[2];
    *done = 0;
    fflush(NULL);
    if (pipe(fd) != 0) {
        perror("pipe");
        exit(2);
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        close(fd[0]);
        if (quiet)
            quiet_output();
        for (size_t i = from; i < to; i++) {
            run_one(files[i]);
            char ok = 1;
            if (write(fd[1], &ok, 1) != 1)
                exit(2);
        }
        exit(0); /* LeakSanitizer checks here */
    }
    close(fd[1]);
    char c;
    ssize_t k;
    while ((k = read(fd[0], &c, 1)) != 0)
        if (k == 1)
            (*done)++;
        else if (errno != EINTR)
            break;
    close(fd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

static int clean(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

static void report(size_t i, int status)
{
    failed++;
    if (WIFSIGNALED(status))
        printf("FAIL - %s (signal %d)\n", files[i], WTERMSIG(status));
    else
        printf("FAIL - %s (exit %d)\n", files[i], WEXITSTATUS(status));
    size_t done;
    run_batch(i, i + 1, 0, &done); /* again, to show what went wrong */
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
            add_dir(argv[i]);
        else
            add_file(argv[i]);
    }
    size_t next = 0;
    while (next < nfiles) {
        size_t done;
        int status = run_batch(next, nfiles, 1, &done);
        if (clean(status)) {
            passed += (int)done;
            next = nfiles;
        } else if (next + done < nfiles) { /* died on file next + done */
            passed += (int)done;
            report(next + done, status);
            next += done + 1;
        } else { /* all finished, then the exit failed: one at a time */
            for (size_t i = next; i < nfiles; i++) {
                int s = run_batch(i, i + 1, 1, &done);
                if (clean(s))
                    passed++;
                else
                    report(i, s);
            }
            next = nfiles;
        }
    }
    if (passed + failed == 0) {
        printf("FAIL - no input files\n");
        failed = 1;
    }
    printf("%s: %d passed, %d failed\n", name, passed, failed);
    for (size_t i = 0; i < nfiles; i++)
        free(files[i]);
    free(files);
    return failed ? 1 : 0;
}
