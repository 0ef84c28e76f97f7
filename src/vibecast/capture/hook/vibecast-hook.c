/*
 * vibecast-hook: the capture hook Claude Code runs for every hook event.
 *
 * Claude Code waits for a command hook to exit before it goes on, so every microsecond spent
 * here is added to the agent's work. This program therefore does only what keeps an event safe:
 * it takes the arrival time (hook stdin carries none), copies the JSON payload from stdin into a
 * temporary file and renames it into the spool, where the recorder picks it up now or whenever
 * it next runs. No parsing, no network, no fsync (a killed recorder loses nothing; only a power
 * cut could lose the last page-cache writes, as with the database itself).
 *
 *   usage: vibecast-hook CAPTURE_DIR
 *   CAPTURE_DIR/spool/tmp/NAME  while the payload is being copied (never read by the recorder)
 *   CAPTURE_DIR/spool/NAME      complete; NAME = <arrival, epoch microseconds>-<pid>.hook
 *   CAPTURE_DIR/hook.log        one line per failure
 *
 * It always exits 0 and prints nothing: a capture problem must never block, fail or change what
 * Claude Code does. A watchdog alarm ends it after WATCHDOG_SECONDS whatever happens.
 *
 * vibecast compiles this file with the system C compiler at `vibecast hooks install`; without a
 * compiler the equivalent shell script (vibecast-hook.sh) is installed instead.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WATCHDOG_SECONDS 5
#define PATH_SIZE 4096

static char tmp_path[PATH_SIZE];
static char log_path[PATH_SIZE];
static long long arrival_us;

/* Append one line to hook.log; failures to log are ignored (nothing else can be done). */
static void log_failure(const char *what, int err) {
    char line[PATH_SIZE + 256];
    int len = snprintf(line, sizeof line, "%lld vibecast-hook[%ld]: %s%s%s\n", arrival_us,
                       (long)getpid(), what, err ? ": " : "", err ? strerror(err) : "");
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) return;
    if (len > (int)sizeof line - 1) len = (int)sizeof line - 1;
    ssize_t ignored = write(fd, line, (size_t)len);
    (void)ignored;
    close(fd);
}

/* The watchdog: drop the partial file, leave a trace, exit 0 (async-signal-safe calls only). */
static void on_alarm(int sig) {
    static const char msg[] = "vibecast-hook: timed out; payload dropped\n";
    (void)sig;
    if (tmp_path[0]) unlink(tmp_path);
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        ssize_t ignored = write(fd, msg, sizeof msg - 1);
        (void)ignored;
        close(fd);
    }
    _exit(0);
}

/* mkdir -p CAPTURE_DIR/spool/tmp (the capture directory may not exist yet). */
static int make_dirs(const char *capture_dir) {
    char path[PATH_SIZE];
    if (snprintf(path, sizeof path, "%s/spool/tmp", capture_dir) >= (int)sizeof path) return -1;
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != 0) continue;
        char saved = *p;
        *p = 0;
        if (mkdir(path, 0700) != 0 && errno != EEXIST) return -1;
        if (saved == 0) return 0;
        *p = saved;
    }
}

static int copy_stdin(int out, long long *total) {
    static char buf[1 << 16];
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n == 0) return 0;
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0) {
                if (errno == EINTR) continue;
                return -1;
            }
            done += w;
        }
        *total += n;
    }
}

int main(int argc, char **argv) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    arrival_us = (long long)now.tv_sec * 1000000LL + now.tv_nsec / 1000;
    if (argc < 2 || !argv[1][0]) return 0;
    const char *dir = argv[1];
    signal(SIGALRM, on_alarm);
    alarm(WATCHDOG_SECONDS);
    if (snprintf(log_path, sizeof log_path, "%s/hook.log", dir) >= (int)sizeof log_path) return 0;

    char name[64], final_path[PATH_SIZE];
    snprintf(name, sizeof name, "%016lld-%ld.hook", arrival_us, (long)getpid());
    if (snprintf(tmp_path, sizeof tmp_path, "%s/spool/tmp/%s", dir, name) >= (int)sizeof tmp_path ||
        snprintf(final_path, sizeof final_path, "%s/spool/%s", dir, name) >=
            (int)sizeof final_path) {
        tmp_path[0] = 0;
        log_failure("capture directory path too long", 0);
        return 0;
    }
    int fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 && errno == ENOENT && make_dirs(dir) == 0)
        fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        int err = errno;
        tmp_path[0] = 0;
        log_failure("cannot create the spool file", err);
        return 0;
    }
    long long total = 0;
    int failed = copy_stdin(fd, &total);
    int err = errno;
    if (close(fd) != 0 && !failed) {
        failed = -1;
        err = errno;
    }
    if (failed || total == 0) {
        unlink(tmp_path);
        log_failure(failed ? "cannot copy the payload" : "empty payload, nothing spooled",
                    failed ? err : 0);
        return 0;
    }
    if (rename(tmp_path, final_path) != 0) {
        err = errno;
        unlink(tmp_path);
        log_failure("cannot move the payload into the spool", err);
    }
    return 0;
}
