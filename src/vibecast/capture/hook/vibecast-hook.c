/*
 * vibecast-hook: the capture hook Claude Code runs for every hook event.
 *
 * Claude Code waits for a command hook to exit before it goes on, so every microsecond spent
 * here is added to the agent's work. This program therefore does only what keeps an event safe:
 * it takes the arrival time (hook stdin carries none), reads the JSON payload from stdin and
 * appends it, framed, to the spool's log segment for that time, where the recorder picks it up
 * now or whenever it next runs. No parsing, no network, no fsync (a killed recorder loses
 * nothing; only a power cut could lose the last page-cache writes, as with the database).
 *
 *   usage: vibecast-hook CAPTURE_DIR
 *   CAPTURE_DIR/spool/seg-<window start, epoch s>.log   one segment per 10 s of arrival time:
 *       records "\xffVC1" | u32 length | u32 crc32 | u64 arrival µs | u32 pid | u8 kind | 3 pad
 *       | payload, little-endian; the crc covers the header after it, then the payload
 *       (src/vibecast/capture/spool_log.py is the reference and explains why it is safe)
 *   CAPTURE_DIR/spool/<arrival µs>-<pid>.hook  a payload too large for one append (> 16 MiB),
 *       or one whose append was cut short: written to spool/tmp, then renamed
 *   CAPTURE_DIR/hook.log  one line per failure
 *
 * A record is appended with one writev() on an O_APPEND descriptor, under a shared flock, into
 * a segment that is still linked (the recorder deletes a finished segment under an exclusive
 * flock): records never interleave and never land in a deleted file.
 *
 * It always exits 0 and prints nothing: a capture problem must never block, fail or change what
 * Claude Code does. A watchdog alarm ends it after WATCHDOG_SECONDS whatever happens.
 *
 * vibecast compiles this file with the system C compiler at `vibecast hooks install`; without a
 * compiler the equivalent shell script (vibecast-hook.sh, one file per payload) is installed.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define WATCHDOG_SECONDS 5
#define PATH_SIZE 4096
#define LOG_MAX (16u << 20)          /* larger payloads get a file of their own */
#define WINDOW_SECONDS 10LL          /* one log segment per 10 s of arrival time */
#define HEADER_SIZE 28
#define CRC_FROM 12

static char tmp_path[PATH_SIZE];
static char log_path[PATH_SIZE];
static const char *capture_dir;
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
    if (fd < 0 && errno == ENOENT && capture_dir && mkdir(capture_dir, 0700) == 0)
        fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600); /* nothing was spooled yet */
    if (fd >= 0) {
        ssize_t ignored = write(fd, msg, sizeof msg - 1);
        (void)ignored;
        close(fd);
    }
    _exit(0);
}

/* mkdir -p CAPTURE_DIR/spool/tmp (the capture directory may not exist yet). */
static int make_dirs(const char *dir) {
    char path[PATH_SIZE];
    if (snprintf(path, sizeof path, "%s/spool/tmp", dir) >= (int)sizeof path) return -1;
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != 0) continue;
        char saved = *p;
        *p = 0;
        if (mkdir(path, 0700) != 0 && errno != EEXIST) return -1;
        if (saved == 0) return 0;
        *p = saved;
    }
}

static int write_all(int out, const char *buf, size_t n) {
    for (size_t done = 0; done < n;) {
        ssize_t w = write(out, buf + done, n - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        done += (size_t)w;
    }
    return 0;
}

/* Read stdin into *buf until its end, or until more than LOG_MAX bytes are read (too large for
 * the log) or memory runs short; *whole says whether the end was reached. */
static int read_stdin(char **buf, size_t *len, int *whole) {
    size_t cap = 1 << 16;
    char *data = malloc(cap);
    if (!data) return -1;
    *len = 0;
    *whole = 0;
    for (;;) {
        if (*len == cap) {
            if (cap > LOG_MAX) break;
            char *bigger = realloc(data, cap * 2);
            if (!bigger) break; /* keep what we have: the caller streams the rest to a file */
            data = bigger;
            cap *= 2;
        }
        ssize_t n = read(STDIN_FILENO, data + *len, cap - *len);
        if (n == 0) {
            *whole = 1;
            break;
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            free(data);
            return -1;
        }
        *len += (size_t)n;
    }
    *buf = data;
    return 0;
}

/* The spool file form: what was read, then the rest of stdin, into spool/tmp, renamed. */
static void spool_file(const char *dir, const char *head, size_t head_len) {
    char name[64], final_path[PATH_SIZE];
    snprintf(name, sizeof name, "%016lld-%ld.hook", arrival_us, (long)getpid());
    if (snprintf(tmp_path, sizeof tmp_path, "%s/spool/tmp/%s", dir, name) >= (int)sizeof tmp_path ||
        snprintf(final_path, sizeof final_path, "%s/spool/%s", dir, name) >=
            (int)sizeof final_path) {
        tmp_path[0] = 0;
        log_failure("capture directory path too long", 0);
        return;
    }
    int fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ENOENT && make_dirs(dir) == 0)
        fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        int err = errno;
        tmp_path[0] = 0;
        log_failure("cannot create the spool file", err);
        return;
    }
    int failed = write_all(fd, head, head_len);
    static char buf[1 << 16];
    while (!failed) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            failed = -1;
            break;
        }
        failed = write_all(fd, buf, (size_t)n);
    }
    int err = errno;
    if (close(fd) != 0 && !failed) {
        failed = -1;
        err = errno;
    }
    if (failed) {
        unlink(tmp_path);
        log_failure("cannot copy the payload", err);
        return;
    }
    char staged[PATH_SIZE];
    memcpy(staged, tmp_path, sizeof staged);
    tmp_path[0] = 0; /* from here the watchdog must not report the payload as dropped */
    if (rename(staged, final_path) != 0) {
        err = errno;
        unlink(staged);
        log_failure("cannot move the payload into the spool", err);
    }
}

/* CRC-32 as zlib computes it (reflected polynomial 0xEDB88320), continuing from crc. */
static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n) {
    static uint32_t table[256];
    if (!table[1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    }
    crc = ~crc;
    while (n--) crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void put_u32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* Append one record to the segment; 0 when it is whole in a linked segment. */
static int append_record(const char *dir, const char *payload, size_t len) {
    char path[PATH_SIZE];
    long long window = arrival_us / 1000000LL / WINDOW_SECONDS * WINDOW_SECONDS;
    if (snprintf(path, sizeof path, "%s/spool/seg-%010lld.log", dir, window) >= (int)sizeof path) {
        log_failure("capture directory path too long", 0);
        return -1;
    }
    unsigned char header[HEADER_SIZE] = {0xff, 'V', 'C', '1'};
    put_u32(header + 4, (uint32_t)len);
    for (int i = 0; i < 8; i++) header[12 + i] = (unsigned char)((unsigned long long)arrival_us >> (8 * i));
    put_u32(header + 20, (uint32_t)getpid());
    header[24] = 0; /* kind: a Claude Code hook payload */
    uint32_t crc = crc32_update(0, header + CRC_FROM, HEADER_SIZE - CRC_FROM);
    put_u32(header + 8, crc32_update(crc, (const unsigned char *)payload, len));
    struct iovec parts[2] = {{header, HEADER_SIZE}, {(void *)payload, len}};
    /* A termination signal during writev would cut the record short (the kernel turns a fatal
     * signal into SIGKILL): hold them until the record is whole. SIGALRM (the watchdog) has a
     * handler, and a handled signal does not cut a write to a regular file. */
    sigset_t fatal, before;
    sigemptyset(&fatal);
    sigaddset(&fatal, SIGTERM);
    sigaddset(&fatal, SIGINT);
    sigaddset(&fatal, SIGHUP);
    sigaddset(&fatal, SIGQUIT);
    sigprocmask(SIG_BLOCK, &fatal, &before);
    int result = -1, attempt;
    for (attempt = 0; attempt < 8; attempt++) {
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0 && errno == ENOENT && make_dirs(dir) == 0)
            fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            log_failure("cannot open the spool segment", errno);
            break;
        }
        /* The recorder holds the exclusive lock for a few microseconds while it deletes a
         * finished segment. Never wait on it for long (a recorder stopped at that moment would
         * block every hook): a few tries, then the payload goes to a file of its own. */
        int locked = -1, lock_err = 0;
        for (int tries = 0; tries < 20; tries++) {
            locked = flock(fd, LOCK_SH | LOCK_NB);
            if (locked == 0) break;
            lock_err = errno;
            if (lock_err != EWOULDBLOCK && lock_err != EINTR) break;
            struct timespec pause = {0, 1000000}; /* 1 ms */
            nanosleep(&pause, NULL);
        }
        if (locked != 0) {
            close(fd);
            log_failure("cannot lock the spool segment; spooled as a file", lock_err);
            break;
        }
        struct stat st;
        if (fstat(fd, &st) != 0) {
            log_failure("cannot stat the spool segment; spooled as a file", errno);
            close(fd);
            break;
        }
        if (st.st_nlink == 0) {
            close(fd); /* the recorder deleted it after our open: a new one is made */
            continue;
        }
        ssize_t n;
        do n = writev(fd, parts, 2);
        while (n < 0 && errno == EINTR);
        int err = errno;
        close(fd);
        if (n == (ssize_t)(HEADER_SIZE + len)) {
            result = 0;
        } else {
            log_failure(n < 0 ? "cannot append to the spool segment"
                              : "append to the spool segment cut short; spooled as a file",
                        n < 0 ? err : 0);
        }
        break;
    }
    if (attempt == 8) log_failure("the spool segment keeps being deleted; spooled as a file", 0);
    sigprocmask(SIG_SETMASK, &before, NULL);
    return result;
}

int main(int argc, char **argv) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    arrival_us = (long long)now.tv_sec * 1000000LL + now.tv_nsec / 1000;
    if (argc < 2 || !argv[1][0]) return 0;
    const char *dir = argv[1];
    capture_dir = dir;
    signal(SIGALRM, on_alarm);
    alarm(WATCHDOG_SECONDS);
    if (snprintf(log_path, sizeof log_path, "%s/hook.log", dir) >= (int)sizeof log_path) return 0;

    char *payload = NULL;
    size_t len = 0;
    int whole = 0;
    if (read_stdin(&payload, &len, &whole) != 0) {
        log_failure("cannot read the payload", errno);
        return 0;
    }
    if (len == 0 && whole) {
        log_failure("empty payload, nothing spooled", 0);
        return 0;
    }
    /* Too large for one append, not read to its end (memory ran short), or the append failed:
     * a file of its own, which streams whatever stdin still holds. */
    if (!whole || len > LOG_MAX || append_record(dir, payload, len) != 0)
        spool_file(dir, payload, len);
    return 0;
}
