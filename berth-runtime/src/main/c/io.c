/* Managed stdio (P_LOG, P_ATTACH, P_STDIN, P_CONTROL): the monitor itself reads the container's output, writes it
 * to a log in docker's json-file format (rotated), streams it to attach clients on a Unix socket, feeds their input
 * to the container's stdin and resizes its pty, so a detached container needs no Java process (conmon's role).
 *
 * Output is read CHUNK bytes at a time and each chunk reaches every attach client before the next is read: a slow
 * client holds the container back (as docker does), one that takes nothing for STALL_MS is dropped. Memory stays
 * bounded: one chunk in flight, one partial log line per stream, one block of pending stdin. */
#include "shim.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 16384   /* one read of output; also where docker splits a long log line */
#define STALL_MS 5000 /* an attach client that takes no byte for this long is dropped */
#define DRAIN_MS 2000 /* after the exit: how long processes left behind may keep the output open */

struct client {
    int fd, control, rdeof;
    size_t sent;     /* attach: how much of the current frame it has */
    long long since; /* attach: when it last took something */
    size_t n;        /* control: length of the partial command line */
    char line[64];
};

static struct client *g_cl;
static size_t g_ncl;
static int g_tty, g_stdin, g_once, g_null = -1, g_out[2] = {-1, -1}, g_in = -1, g_master = -1, g_lsn[2] = {-1, -1};
static const char *g_sock[2];
static unsigned char g_frame[8 + CHUNK]; /* [stream][0 0 0][u32 big-endian length][payload]: docker's multiplexing */
static size_t g_flen, g_fstart;          /* frame length; where clients start (8: a TTY gets the payload only) */
static char g_inbuf[4096];               /* stdin the container has not taken yet */
static size_t g_inlen;

static int g_log = -1, g_logerr;
static const char *g_logpath;
static unsigned long long g_logsize, g_logmax, g_logfiles;
static char g_part[2][CHUNK], g_ob[4096]; /* a partial line per stream; the entry being written */
static size_t g_plen[2], g_on;

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void unlink_socks(void) {
    for (int i = 0; i < 2; i++)
        if (g_sock[i]) unlink(g_sock[i]);
}

static int listen_unix(const char *path) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    struct stat st;
    if (strlen(path) >= sizeof a.sun_path) { errno = ENAMETOOLONG; return -1; }
    strcpy(a.sun_path, path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0) return -1;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path); /* left by a monitor that was killed */
    mode_t old = umask(0177);                                         /* the socket file is 0600 */
    int r = bind(s, (struct sockaddr *)&a, sizeof a);
    umask(old);
    if (r < 0 || listen(s, SOMAXCONN) < 0) { int e = errno; close(s); errno = e; return -1; }
    return s;
}

static int log_open(void) {
    struct stat st;
    g_log = open(g_logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (g_log < 0 || fstat(g_log, &st) < 0) return -1;
    g_logsize = (unsigned long long)st.st_size;
    return 0;
}

static void log_failed(void) {
    if (!g_logerr++) tell("warning %d log %s", errno, g_logpath);
}

/* Before clone: open the log, listen, make the pipes. cfd gets the container's stdin, stdout, stderr.
 * 0: no managed stdio in this plan; -1: failed (told). */
int io_setup(const struct plan *p, int cfd[3]) {
    const struct op *log = plan_find(p, P_LOG), *in = plan_find(p, P_STDIN);
    const struct op *ls[2] = {plan_find(p, P_ATTACH), plan_find(p, P_CONTROL)};
    if (!log && !ls[0]) return 0;
    g_tty = plan_find(p, C_TTY) != NULL;
    g_stdin = in != NULL;
    g_once = in && in->nnum > 0 && in->num[0];
    g_fstart = g_tty ? 8 : 0;
    const char *what = "/dev/null";
    int fds[2];
    atexit(unlink_socks);
    if (log) {
        what = g_logpath = log->str[0];
        g_logmax = log->nnum > 0 ? log->num[0] : 0;
        g_logfiles = log->nnum > 1 ? log->num[1] : 1;
        if (log_open() < 0) goto fail;
    }
    for (int i = 0; i < 2; i++) {
        if (!ls[i]) continue;
        what = ls[i]->str[0];
        if ((g_lsn[i] = listen_unix(what)) < 0) goto fail;
        g_sock[i] = what;
    }
    what = "stdio";
    if ((g_null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) goto fail;
    cfd[0] = cfd[1] = cfd[2] = g_null;
    if (in && !g_tty) {
        if (pipe2(fds, O_CLOEXEC) < 0) goto fail;
        cfd[0] = fds[0];
        g_in = fds[1];
        fcntl(g_in, F_SETFL, O_NONBLOCK);
    }
    for (int i = 0; i < 2 && !g_tty; i++) {
        if (pipe2(fds, O_CLOEXEC) < 0) goto fail;
        g_out[i] = fds[0];
        cfd[1 + i] = fds[1];
    }
    return 1;
fail:
    tell("error -1 %d %s", errno, what);
    return -1;
}

/* After clone, in the monitor: the container's ends are the container's. */
void io_parent(const int cfd[3]) {
    for (int i = 0; i < 3; i++)
        if (cfd[i] != g_null) close(cfd[i]);
    close(g_null);
}

/* ---- the json-file log ---- */

static void log_write(void) {
    if (g_on && write_all(g_log, g_ob, g_on) < 0) log_failed();
    g_logsize += g_on;
    g_on = 0;
}

static void put(const void *s, size_t n) {
    while (n) {
        if (g_on == sizeof g_ob) log_write();
        size_t k = n < sizeof g_ob - g_on ? n : sizeof g_ob - g_on;
        memcpy(g_ob + g_on, s, k);
        g_on += k;
        s = (const char *)s + k;
        n -= k;
    }
}

/* The length of the valid UTF-8 sequence at b, 0 if there is none (Go writes U+FFFD for each such byte). */
static size_t utf8(const unsigned char *b, size_t n) {
    size_t k = b[0] >= 0xf0 ? 4 : b[0] >= 0xe0 ? 3 : 2;
    if (b[0] < 0xc2 || b[0] > 0xf4 || n < k) return 0;
    for (size_t i = 1; i < k; i++)
        if ((b[i] & 0xc0) != 0x80) return 0;
    if ((b[0] == 0xe0 && b[1] < 0xa0) || (b[0] == 0xed && b[1] > 0x9f) || (b[0] == 0xf0 && b[1] < 0x90) || (b[0] == 0xf4 && b[1] > 0x8f)) return 0;
    return k;
}

/* PATH -> PATH.1 -> ... -> PATH.(files-1); with fewer than 2 files the log is truncated, as docker does. */
static void rotate(void) {
    char from[4200], to[4200];
    if (g_logfiles < 2) {
        if (ftruncate(g_log, 0) < 0) log_failed();
        g_logsize = 0;
        return;
    }
    for (unsigned long long i = g_logfiles - 1; i > 0; i--) {
        if (i > 1) snprintf(from, sizeof from, "%s.%llu", g_logpath, i - 1);
        else snprintf(from, sizeof from, "%s", g_logpath);
        snprintf(to, sizeof to, "%s.%llu", g_logpath, i);
        rename(from, to);
    }
    close(g_log);
    if (log_open() < 0) log_failed();
}

/* One line: {"log":"...","stream":"stdout","time":"RFC 3339, nanoseconds, UTC"}, escaped as Go's encoding/json. */
static void log_entry(int s, const unsigned char *b, size_t n) {
    if (g_log >= 0 && g_logmax && g_logsize >= g_logmax) rotate();
    if (g_log < 0) return;
    put("{\"log\":\"", 8);
    for (size_t i = 0, k; i < n; i += k) {
        unsigned char c = b[i];
        char e[8];
        for (k = 0; i + k < n && b[i + k] >= 0x20 && b[i + k] < 0x80 && !strchr("\"\\<>&", b[i + k]); k++) {}
        if (k) { put(b + i, k); continue; }
        k = 1;
        if (c >= 0x80) {
            if (!(k = utf8(b + i, n - i))) k = 1, put("\\ufffd", 6);
            else if (k == 3 && c == 0xe2 && b[i + 1] == 0x80 && (b[i + 2] & 0xfe) == 0xa8) put(b[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
            else put(b + i, k);
        } else if (c == '"' || c == '\\') {
            e[0] = '\\';
            e[1] = (char)c;
            put(e, 2);
        } else if (c == '\n') put("\\n", 2);
        else if (c == '\r') put("\\r", 2);
        else if (c == '\t') put("\\t", 2);
        else snprintf(e, sizeof e, "\\u%04x", c), put(e, 6);
    }
    struct timespec ts;
    char t[200];
    clock_gettime(CLOCK_REALTIME, &ts);
    /* UTC by hand (days to civil date, H. Hinnant's algorithm): gmtime would link glibc's time zone code */
    long long sec = ts.tv_sec, days = sec / 86400 + 719468, era = days / 146097;
    long long doe = days - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153, mon = mp < 10 ? mp + 3 : mp - 9;
    int m = snprintf(t, sizeof t, "\",\"stream\":\"%s\",\"time\":\"%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09ld", s ? "stderr" : "stdout",
                     yoe + era * 400 + (mon <= 2), mon, doy - (153 * mp + 2) / 5 + 1, sec % 86400 / 3600, sec % 3600 / 60, sec % 60, ts.tv_nsec);
    while (t[m - 1] == '0') m--; /* Go trims trailing zeros, and the dot with them */
    if (t[m - 1] == '.') m--;
    put(t, (size_t)m);
    put("Z\"}\n", 4);
    log_write();
}

static void log_flush(int s) {
    if (g_plen[s]) log_entry(s, (unsigned char *)g_part[s], g_plen[s]);
    g_plen[s] = 0;
}

/* Splits output into lines, and lines longer than CHUNK into parts without a newline, as docker's copier does. */
static void log_data(int s, const unsigned char *b, size_t n) {
    while (n && g_log >= 0) {
        size_t k = CHUNK - g_plen[s] < n ? CHUNK - g_plen[s] : n;
        const unsigned char *nl = memchr(b, '\n', k);
        if (nl) k = (size_t)(nl - b) + 1;
        memcpy(g_part[s] + g_plen[s], b, k);
        g_plen[s] += k;
        b += k;
        n -= k;
        if (nl || g_plen[s] == CHUNK) log_flush(s);
    }
}

/* ---- attach and control clients ---- */

static void drop(struct client *c) {
    close(c->fd);
    c->fd = -1;
}

static void compact(void) {
    size_t j = 0;
    for (size_t i = 0; i < g_ncl; i++)
        if (g_cl[i].fd >= 0) g_cl[j++] = g_cl[i];
    g_ncl = j;
}

static void accept_clients(int lsn, int control) {
    int fd;
    while ((fd = accept4(lsn, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        struct client *cl = realloc(g_cl, (g_ncl + 1) * sizeof *cl);
        if (!cl) { close(fd); return; }
        g_cl = cl;
        g_cl[g_ncl++] = (struct client){.fd = fd, .control = control, .sent = g_flen, .since = now_ms()};
    }
}

static void flush_client(struct client *c) {
    while (c->fd >= 0 && !c->control && c->sent < g_flen) {
        ssize_t n = send(c->fd, g_frame + c->sent, g_flen - c->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n < 0) { drop(c); return; }
        c->sent += (size_t)n;
        c->since = now_ms();
    }
}

/* Whether a client still has part of the current frame to take (the next read must wait). */
static int pending(void) {
    for (size_t i = 0; i < g_ncl; i++)
        if (g_cl[i].fd >= 0 && !g_cl[i].control && g_cl[i].sent < g_flen) return 1;
    return 0;
}

static void stdin_write(const char *b, size_t n) {
    ssize_t w = write(g_in, b, n);
    if (w < 0 && (errno == EAGAIN || errno == EINTR)) w = 0;
    if (w < 0) { g_inlen = 0; return; } /* EPIPE: the container closed its stdin; the input goes nowhere */
    g_inlen = n - (size_t)w;
    memmove(g_inbuf, b + w, g_inlen);
}

/* "resize ROWS COLS\n" -> TIOCSWINSZ on the pty; each line is answered "0\n" or "ERRNO\n". */
static void control(struct client *c) {
    ssize_t n = recv(c->fd, c->line + c->n, sizeof c->line - 1 - c->n, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) { drop(c); return; }
    c->n += (size_t)n;
    char *nl;
    while ((nl = memchr(c->line, '\n', c->n))) {
        unsigned long rows = 0, cols = 0;
        char *e = c->line;
        int err = 0;
        *nl = 0;
        if (!strncmp(c->line, "resize ", 7)) rows = strtoul(c->line + 7, &e, 10), cols = strtoul(e, &e, 10);
        struct winsize ws = {(unsigned short)rows, (unsigned short)cols, 0, 0};
        if (e == c->line || *e || rows > 0xffff || cols > 0xffff) err = EINVAL;
        else if (g_master < 0) err = ENOTTY;
        else if (ioctl(g_master, TIOCSWINSZ, &ws) < 0) err = errno;
        send_msg(c->fd, "%d\n", err);
        c->n -= (size_t)(nl + 1 - c->line);
        memmove(c->line, nl + 1, c->n);
    }
    if (c->n == sizeof c->line - 1) drop(c);
}

/* Bytes from a client go to the container's stdin; its half-close ends that stdin when it is stdin-once; its
 * full close is a detach. */
static void client_input(struct client *c, short rev) {
    char buf[4096];
    if (c->control) { control(c); return; }
    ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n < 0 || (n == 0 && (rev & POLLHUP))) { drop(c); return; }
    if (n == 0) {
        c->rdeof = 1;
        if (g_once && !g_tty && g_in >= 0) close(g_in), g_in = -1, g_inlen = 0;
    } else if (g_in >= 0) {
        stdin_write(buf, (size_t)n);
    }
}

/* One read of stdout (0, or the pty) or stderr (1): to the log and to every attach client. */
static void output(int s) {
    ssize_t n = read(g_out[s], g_frame + 8, CHUNK);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) { /* EOF; EIO from the pty once no process has it open */
        log_flush(s);
        if (g_out[s] == g_master) g_master = g_in = -1, g_inlen = 0;
        close(g_out[s]);
        g_out[s] = -1;
        return;
    }
    log_data(s, g_frame + 8, (size_t)n);
    g_frame[0] = (unsigned char)(s + 1);
    for (int i = 0; i < 4; i++) g_frame[4 + i] = (unsigned char)((size_t)n >> (24 - 8 * i));
    g_flen = 8 + (size_t)n;
    long long t = now_ms();
    for (size_t i = 0; i < g_ncl; i++) {
        if (g_cl[i].control) continue;
        g_cl[i].sent = g_fstart;
        g_cl[i].since = t;
        flush_client(&g_cl[i]);
    }
}

/* The monitor's loop with managed stdio: like monitor() in shim.c, plus the log and the clients. After the exit,
 * the output is drained (until EOF, or DRAIN_MS when processes left behind keep it open) and flushed to every
 * client before the exit is recorded and the clients are closed. */
void io_monitor(pid_t child, int sock, int master, const char *dir, int sigfd) {
    if (g_tty && master >= 0) {
        g_out[0] = g_master = master;
        if (g_stdin) g_in = master; /* docker's `run -t` without -i: the terminal takes no input */
        fcntl(master, F_SETFL, O_NONBLOCK);
    }
    int status = 0, exited = 0;
    long long deadline = 0;
    struct pollfd *f = NULL;
    for (;;) {
        long long now = now_ms();
        int busy = 0;
        for (size_t i = 0; i < g_ncl; i++) {
            struct client *c = &g_cl[i];
            if (c->control || c->sent >= g_flen) continue;
            if (now - c->since > STALL_MS) drop(c);
            else busy = 1;
        }
        compact();
        int late = exited && now >= deadline;
        if (exited && !busy && (late || (g_out[0] < 0 && g_out[1] < 0))) break;
        struct pollfd *nf = realloc(f, (7 + g_ncl) * sizeof *f);
        if (!nf) break;
        f = nf;
        f[0] = (struct pollfd){exited ? -1 : sigfd, POLLIN, 0};
        f[1] = (struct pollfd){sock, POLLIN, 0};
        for (int i = 0; i < 2; i++) {
            f[2 + i] = (struct pollfd){g_lsn[i], POLLIN, 0};
            f[4 + i] = (struct pollfd){busy || late ? -1 : g_out[i], POLLIN, 0};
        }
        f[6] = (struct pollfd){g_inlen ? g_in : -1, POLLOUT, 0};
        size_t n = g_ncl;
        for (size_t i = 0; i < n; i++) {
            struct client *c = &g_cl[i];
            short ev = c->rdeof || (g_inlen && !c->control) ? 0 : POLLIN;
            if (!c->control && c->sent < g_flen) ev |= POLLOUT;
            f[7 + i] = (struct pollfd){c->fd, ev, 0};
        }
        if (poll(f, 7 + n, busy ? 100 : exited ? (int)(deadline - now) : -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (f[0].revents) {
            struct signalfd_siginfo si;
            pid_t r;
            int st;
            if (read(sigfd, &si, sizeof si) > 0)
                while ((r = waitpid(-1, &st, WNOHANG)) > 0)
                    if (r == child) status = st, exited = 1, deadline = now_ms() + DRAIN_MS;
        }
        if (f[1].revents) {
            char buf[4200];
            int fd;
            ssize_t k = recv_msg(sock, buf, sizeof buf, &fd);
            if (fd >= 0) close(fd);
            if (k <= 0) { tell("started"); close(sock); sock = -1; }
            else if (buf[0] == 'E') tell("error %s", buf + 2);
        }
        for (int i = 0; i < 2; i++)
            if (f[2 + i].revents) accept_clients(g_lsn[i], i);
        if (f[6].revents && g_in >= 0) stdin_write(g_inbuf, g_inlen);
        for (size_t i = 0; i < n; i++) {
            short r = f[7 + i].revents;
            if (r & POLLOUT) flush_client(&g_cl[i]);
            if (g_cl[i].fd >= 0 && (r & (POLLIN | POLLHUP | POLLERR))) client_input(&g_cl[i], r);
        }
        for (int i = 0; i < 2; i++)
            if (f[4 + i].revents && g_out[i] >= 0 && !pending()) output(i);
        compact();
    }
    log_flush(0);
    log_flush(1);
    if (WIFSIGNALED(status)) record_exit(dir, 128 + WTERMSIG(status), WTERMSIG(status));
    else record_exit(dir, WEXITSTATUS(status), 0);
    for (size_t i = 0; i < g_ncl; i++) close(g_cl[i].fd);
}
