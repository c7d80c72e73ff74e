/* berth-shim main: the monitor. See shim.h for the protocol. */
#include "shim.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int g_sync = -1; /* the Unix socket to Java; -1 once Java has gone */

int write_all(int fd, const void *buf, size_t len) {
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        buf = (const char *)buf + n;
        len -= (size_t)n;
    }
    return 0;
}

int send_msg(int sock, const char *fmt, ...) {
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    return send(sock, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

int send_fd(int sock, int fd, const char *msg) {
    char ctl[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {(void *)msg, strlen(msg)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* Receives one message; *fd gets a passed descriptor or -1. Returns the length, 0 on EOF. */
ssize_t recv_msg(int sock, char *buf, size_t cap, int *fd) {
    char ctl[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {buf, cap - 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    ssize_t n;
    do n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
    *fd = -1;
    if (n < 0) return -1;
    buf[n] = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_type == SCM_RIGHTS) memcpy(fd, CMSG_DATA(c), sizeof(int));
    return n;
}

void tell(const char *fmt, ...) {
    if (g_sync < 0) return;
    char buf[4200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n > sizeof buf - 2) n = sizeof buf - 2;
    buf[n++] = '\n';
    if (write_all(g_sync, buf, (size_t)n) < 0) { close(g_sync); g_sync = -1; }
}

static int write_file(const char *path, const char *s) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = write_all(fd, s, strlen(s));
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

/* The exit file is the durable record of how the container ended: written atomically. */
void record_exit(const char *dir, int code, int sig) {
    char tmp[4096], path[4096], body[64];
    snprintf(tmp, sizeof tmp, "%s/exit.tmp", dir);
    snprintf(path, sizeof path, "%s/exit", dir);
    snprintf(body, sizeof body, "%d %d\n", code, sig);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        write_all(fd, body, strlen(body));
        fsync(fd);
        close(fd);
        rename(tmp, path);
    }
    tell("exit %d %d", code, sig);
}

/* A close-on-exec connection to a Unix socket: Java's sync socket, or the caller's --console-socket. */
static int connect_unix(const char *path) {
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (s < 0 || strlen(path) >= sizeof a.sun_path) { if (s >= 0) close(s); return -1; }
    strcpy(a.sun_path, path);
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) { close(s); return -1; }
    return s;
}

/* Copies between our stdio and the pty master until the child exits. */
static struct termios g_saved;
static int g_raw;
static void proxy_setup(int master) {
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
    if (tcgetattr(0, &g_saved) == 0) {
        struct termios raw = g_saved;
        cfmakeraw(&raw);
        if (tcsetattr(0, TCSANOW, &raw) == 0) g_raw = 1;
    }
}

static int pump(int from, int to) {
    char buf[16384];
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0) return -1;
    return write_all(to, buf, (size_t)n);
}

/* Waits for the container process; meanwhile relays the pty and the child's messages. */
static void monitor(pid_t child, int sock, int master, const char *dir, int sigfd) {
    int status = 0, in_open = master >= 0;
    for (;;) {
        struct pollfd f[4] = {{sigfd, POLLIN, 0}, {sock, POLLIN, 0}, {master, POLLIN, 0}, {in_open ? 0 : -1, POLLIN, 0}};
        if (poll(f, 4, -1) < 0 && errno != EINTR) break;
        if (f[1].revents) {
            char buf[4200];
            int fd;
            ssize_t n = recv_msg(sock, buf, sizeof buf, &fd);
            if (n <= 0) { tell("started"); close(sock); sock = -1; }
            else if (buf[0] == 'E') tell("error %s", buf + 2);
        }
        if (f[2].revents & POLLIN) pump(master, 1);
        if (f[3].revents && pump(0, master) < 0) in_open = 0;
        if (f[0].revents) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof si) < 0) continue;
            pid_t r;
            while ((r = waitpid(-1, &status, WNOHANG)) > 0) {
                if (r != child) continue; /* an orphan we adopted as subreaper */
                if (master >= 0) while (poll(&(struct pollfd){master, POLLIN, 0}, 1, 0) > 0 && pump(master, 1) == 0) {}
                if (g_raw) tcsetattr(0, TCSANOW, &g_saved);
                if (WIFSIGNALED(status)) record_exit(dir, 128 + WTERMSIG(status), WTERMSIG(status));
                else record_exit(dir, WEXITSTATUS(status), 0);
                return;
            }
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: berth-shim PLAN-FILE SYNC-SOCKET (started by berth, not by hand)\n");
        return 2;
    }
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    syscall(SYS_close_range, 3, ~0U, 0);

    /* Detach: the parent exits at once (Java reaps it); we are reparented and outlive Java. */
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid > 0) return 0;
    setsid();
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

    g_sync = connect_unix(argv[2]) /* close-on-exec: hooks and the container never see it */;
    if (g_sync < 0) return 1; /* Java is gone or never listened: nobody to report to */
    struct plan plan;
    int pfd = open(argv[1], O_RDONLY | O_CLOEXEC);
    if (pfd < 0 || plan_read(pfd, &plan) < 0) { tell("error -1 %d invalid plan %s", pfd < 0 ? errno : EINVAL, argv[1]); return 1; }
    close(pfd);
    unlink(argv[1]);
    const struct op *mode = plan_find(&plan, P_MODE), *sd = plan_find(&plan, P_STATE_DIR);
    const struct op *cl = plan_find(&plan, P_CLONE), *con = plan_find(&plan, P_CONSOLE), *jp = plan_find(&plan, P_JOIN_PID);
    if (!mode || !sd || !cl) { tell("error -1 %d plan lacks mode, state dir or clone", EINVAL); return 1; }
    const char *dir = sd->str[0];
    int create = mode->num[0] == 0;
    tell("monitor %d", getpid());

    int fifo = -1, cfd[3], managed = io_setup(&plan, cfd);
    if (managed < 0) return 1;
    if (create || plan_find(&plan, C_READY)) { /* an exec waits too when its caller attaches first */
        char path[4096];
        snprintf(path, sizeof path, "%s/exec.fifo", dir);
        if (mkfifo(path, 0600) < 0 || (fifo = open(path, O_RDWR | O_CLOEXEC)) < 0) { tell("error -1 %d exec fifo %s", errno, path); return 1; }
    }
    if (jp) {
        int fd = open(jp->str[0], O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWPID) < 0) { tell("error -1 %d join pid namespace %s", errno, jp->str[0]); return 1; }
        close(fd);
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return 1;
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int sigfd = signalfd(-1, &chld, SFD_CLOEXEC);

    pid_t child = (pid_t)syscall(SYS_clone, (unsigned long)(cl->num[0] | SIGCHLD), 0, 0, 0, 0);
    if (child < 0) { tell("error -1 %d clone", errno); return 1; }
    if (child == 0) {
        close(sv[0]);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGPIPE, SIG_DFL); /* an ignored signal stays ignored across execve: `yes | head` would never end */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* until exec: a dead monitor takes its child along */
        if (getppid() == 1) _exit(126);
        for (int i = 0; i < 3 && managed; i++) dup2(cfd[i], i);
        child_main(&plan, sv[1], fifo);
    }
    close(sv[1]);
    if (fifo >= 0) close(fifo);
    if (managed) io_parent(cfd);
    tell("pid %d", child);

    /* Parent's half of the setup: id maps and cgroups, then let the child go. */
    char path[4096];
    const char *step = NULL;
    for (size_t i = 0; i < plan.nops && !step; i++) {
        const struct op *o = &plan.ops[i];
        if (o->code == P_UIDMAP || o->code == P_GIDMAP) {
            snprintf(path, sizeof path, "/proc/%d/%s", child, o->code == P_UIDMAP ? "uid_map" : "gid_map");
            if (write_file(path, o->str[0]) < 0) step = path;
        } else if (o->code == P_CGROUP) {
            char pidbuf[32];
            snprintf(pidbuf, sizeof pidbuf, "%d", child);
            if (write_file(o->str[0], pidbuf) < 0) step = o->str[0];
        }
    }
    /* prestart and createRuntime hooks: the namespaces exist, the container has not started. */
    char *state = step ? NULL : hook_state(&plan, child);
    for (size_t i = 0; i < plan.nops && !step; i++) {
        const struct op *o = &plan.ops[i];
        if (o->code == P_HOOK && run_hook(o, state, state ? strlen(state) : 0) < 0) {
            snprintf(path, sizeof path, "%zu %d %s", i, errno, o->str[0]);
            tell("error %s", path);
            kill(child, SIGKILL);
            waitpid(child, NULL, 0);
            return 1;
        }
    }
    if (step) {
        tell("error -1 %d %s", errno, step);
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        return 1;
    }
    char go[32];
    snprintf(go, sizeof go, "G%d", child);
    send(sv[0], go, strlen(go), MSG_NOSIGNAL);

    /* Until "ready" (create) or exec (EOF): relay errors; receive the pty master if any. */
    int master = -1, failed = 0;
    for (;;) {
        char buf[4200];
        int fd;
        ssize_t n = recv_msg(sv[0], buf, sizeof buf, &fd);
        if (n <= 0) { if (!failed) tell("started"); close(sv[0]); sv[0] = -1; break; }
        if (buf[0] == 'T' && fd >= 0) {
            if (con && con->str[0][0] && !managed) {
                int cs = connect_unix(con->str[0]);
                if (cs < 0 || send_fd(cs, fd, "/dev/ptmx") < 0) {
                    tell("error -1 %d console socket %s", errno, con->str[0]);
                    kill(child, SIGKILL);
                }
                if (cs >= 0) close(cs);
                close(fd);
            } else {
                master = fd;
                if (!managed) proxy_setup(master);
            }
        } else if (buf[0] == 'E') {
            tell("error %s", buf + 2);
            failed = 1;
        } else if (buf[0] == 'R') {
            tell("ready");
            break;
        }
    }
    if (managed) io_monitor(child, sv[0], master, dir, sigfd);
    else monitor(child, sv[0], master, dir, sigfd);
    return 0;
}
