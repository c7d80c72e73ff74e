/* The container process: interprets the child ops of the plan in order, then execve()s.
 * Every failure is reported to the monitor as "E <op index> <errno> <detail>" and the child exits. */
#include "shim.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int g_sock = -1;
static size_t g_op;

static void fail(const char *detail) __attribute__((noreturn));
static void fail(const char *detail) {
    send_msg(g_sock, "E %zu %d %s", g_op, errno, detail ? detail : "");
    _exit(127);
}

static const char *nz(const char *s) { return s && *s ? s : NULL; }

/* A NULL-terminated copy of n strings (argv for execve). */
char **vec(char *const *s, size_t n) {
    char **v = calloc(n + 1, sizeof(char *));
    if (!v) _exit(125);
    memcpy(v, s, n * sizeof(char *));
    return v;
}

/* mkdir -p, for mount targets the image lacks. */
static int mkdirs(const char *path, mode_t mode) {
    char buf[4096];
    if (strlen(path) >= sizeof buf) { errno = ENAMETOOLONG; return -1; }
    strcpy(buf, path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1;
    return 0;
}

/* In a new or joined user namespace our ids are still the host's (unmapped there): become its root,
 * or the kernel refuses to create files (EOVERFLOW) on the namespace's own mounts. */
static void become_ns_root(void) {
    if (setresgid(0, 0, 0) < 0) fail("setresgid(0) in the user namespace");
    if (setresuid(0, 0, 0) < 0) fail("setresuid(0) in the user namespace");
}

static void do_mount(const struct op *o) {
    const char *src = nz(o->str[0]), *dst = o->str[1], *type = nz(o->str[2]), *data = nz(o->str[3]);
    if (o->num[1] == 1 && mkdirs(dst, 0755) < 0) fail(dst);
    if (o->num[1] == 2) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", dst);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) { *slash = 0; if (mkdirs(dir, 0755) < 0) fail(dir); }
        int fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EISDIR) fail(dst);
        if (fd >= 0) close(fd);
    }
    if (mount(src, dst, type, (unsigned long)o->num[0], data) < 0) {
        if (o->num[2] && errno == ENOENT) return;
        fail(dst);
    }
}

static void do_mknod(const struct op *o) {
    const char *path = o->str[0];
    if (mknod(path, (mode_t)o->num[0], makedev(o->num[1], o->num[2])) == 0) {
        if (chown(path, (uid_t)o->num[3], (gid_t)o->num[4]) < 0) fail(path);
        if (chmod(path, (mode_t)o->num[0] & 07777) < 0) fail(path);
        return;
    }
    if (errno == EEXIST) return;
    if (errno != EPERM || !nz(o->str[1])) fail(path);
    /* In a user namespace mknod is refused: bind the host's node instead, as runc does. */
    int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) fail(path);
    close(fd);
    if (mount(o->str[1], path, NULL, MS_BIND, NULL) < 0) fail(path);
}

static void do_pivot(const char *root) {
    if (chdir(root) < 0) fail(root);
    if (syscall(SYS_pivot_root, ".", ".") < 0) fail(root);
    /* The old root now sits on top of "/": keep its unmount from reaching the host, then detach it. */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) fail("old root");
    if (umount2(".", MNT_DETACH) < 0) fail("old root");
    if (chdir("/") < 0) fail("/");
}

static void do_mask(const char *path) {
    struct stat st;
    if (stat(path, &st) < 0) { if (errno == ENOENT) return; fail(path); }
    if (S_ISDIR(st.st_mode)) {
        if (mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) < 0) fail(path);
    } else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
        fail(path);
    }
}

static void do_write(const char *path, const char *content) {
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0 || write_all(fd, content, strlen(content)) < 0) fail(path);
    close(fd);
}

static void do_tty(const struct op *o) {
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) fail("/dev/ptmx");
    int unlock = 0;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0) fail("unlock pty");
    int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (slave < 0) fail("open pty peer");
    if (fchown(slave, (uid_t)o->num[0], (gid_t)o->num[1]) < 0) fail("chown pty");
    if (setsid() < 0) fail("setsid");
    if (ioctl(slave, TIOCSCTTY, 0) < 0) fail("set controlling tty");
    for (int i = 0; i < 3; i++)
        if (dup2(slave, i) < 0) fail("dup pty");
    if (slave > 2) close(slave);
    if (send_fd(g_sock, master, "T") < 0) fail("send pty master");
    close(master);
}

static void do_caps(const struct op *o) {
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    for (int i = 0; i < 2; i++) {
        d[i].effective = (uint32_t)(o->num[0] >> (32 * i));
        d[i].permitted = (uint32_t)(o->num[1] >> (32 * i));
        d[i].inheritable = (uint32_t)(o->num[2] >> (32 * i));
    }
    if (syscall(SYS_capset, &hdr, d) < 0) fail("capset");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) fail("clear ambient");
    /* Like runc: an ambient capability that is not also permitted and inheritable is skipped. */
    for (int c = 0; c < 64; c++)
        if ((o->num[3] >> c) & 1)
            if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 && errno != EPERM) fail("raise ambient capability");
}

static void do_bounding(uint64_t keep) {
    for (int c = 0; c < 64; c++) {
        if ((keep >> c) & 1) continue;
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) fail("drop bounding capability");
    }
}

static void do_creds(const struct op *o) {
    gid_t gids[256];
    size_t n = o->nnum - 2 > 256 ? 256 : o->nnum - 2;
    for (size_t i = 0; i < n; i++) gids[i] = (gid_t)o->num[2 + i];
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) fail("keepcaps");
    if (setgroups(n, gids) < 0 && !(errno == EPERM && n == 0)) fail("setgroups");
    if (setresgid((gid_t)o->num[1], (gid_t)o->num[1], (gid_t)o->num[1]) < 0) fail("setgid");
    if (setresuid((uid_t)o->num[0], (uid_t)o->num[0], (uid_t)o->num[0]) < 0) fail("setuid");
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) fail("keepcaps");
}

static void do_seccomp(const struct op *o) {
    struct sock_fprog prog = {(unsigned short)(o->len / 8), (struct sock_filter *)o->data};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)o->num[0], &prog) < 0) fail("seccomp");
}

/* execvp's search, done before "ready" so a missing program fails `create`, not `start`. */
static char g_path[4096];
static void resolve(const struct op *exec) {
    const char *prog = exec->str[0];
    if (strchr(prog, '/')) { snprintf(g_path, sizeof g_path, "%s", prog); goto check; }
    const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (uint32_t i = (uint32_t)exec->num[0]; i < exec->nstr; i++)
        if (!strncmp(exec->str[i], "PATH=", 5)) path = exec->str[i] + 5;
    for (const char *p = path; *p;) {
        const char *end = strchrnul(p, ':');
        snprintf(g_path, sizeof g_path, "%.*s/%s", (int)(end - p), p, prog);
        if (access(g_path, X_OK) == 0) return;
        p = *end ? end + 1 : end;
    }
    errno = ENOENT;
    snprintf(g_path, sizeof g_path, "executable file \"%s\" not found in $PATH", prog);
    fail(g_path);
check:
    if (access(g_path, X_OK) < 0) fail(g_path);
}

void child_main(const struct plan *p, int sock, int fifo) {
    g_sock = sock;
    /* "G<host pid>": the monitor wrote our id maps and cgroups; the pid completes the hook state. */
    char go[32] = {0};
    if (read(sock, go, sizeof go - 1) < 1 || go[0] != 'G') _exit(126); /* the monitor failed and told Java */
    char *state = hook_state(p, atoi(go + 1));
    size_t state_len = state ? strlen(state) : 0;
    const struct op *cl = plan_find(p, P_CLONE);
    if (cl && (cl->num[0] & CLONE_NEWUSER)) become_ns_root();
    if (cl && cl->nnum > 1 && cl->num[1] && unshare(CLONE_NEWCGROUP) < 0) fail("unshare cgroup namespace");
    const struct op *exec = plan_find(p, C_EXEC);
    int started = 0;
    for (g_op = 0; g_op < p->nops; g_op++) {
        const struct op *o = &p->ops[g_op];
        switch (o->code) {
        case C_JOIN: {
            int fd = open(o->str[0], O_RDONLY | O_CLOEXEC);
            if (fd < 0 || setns(fd, (int)o->num[0]) < 0) fail(o->str[0]);
            close(fd);
            if (o->num[0] == CLONE_NEWUSER) become_ns_root();
            break;
        }
        case C_MOUNT: do_mount(o); break;
        case C_MKNOD: do_mknod(o); break;
        case C_SYMLINK:
            if (symlink(o->str[0], o->str[1]) < 0 && errno != EEXIST) fail(o->str[1]);
            break;
        case C_MKDIR: if (mkdirs(o->str[0], (mode_t)o->num[0]) < 0) fail(o->str[0]); break;
        case C_PIVOT: do_pivot(o->str[0]); break;
        case C_MASK: do_mask(o->str[0]); break;
        case C_HOSTNAME: if (sethostname(o->str[0], strlen(o->str[0])) < 0) fail(o->str[0]); break;
        case C_DOMAINNAME: if (setdomainname(o->str[0], strlen(o->str[0])) < 0) fail(o->str[0]); break;
        case C_WRITE: do_write(o->str[0], o->str[1]); break;
        case C_RLIMIT: {
            struct rlimit rl = {(rlim_t)o->num[1], (rlim_t)o->num[2]};
            if (setrlimit((int)o->num[0], &rl) < 0) fail("setrlimit");
            break;
        }
        case C_TTY: do_tty(o); break;
        case C_BOUNDING: do_bounding(o->num[0]); break;
        case C_CREDS: do_creds(o); break;
        case C_CAPS: do_caps(o); break;
        case C_CHDIR: if (chdir(o->str[0]) < 0) fail(o->str[0]); break;
        case C_UMASK: umask((mode_t)o->num[0]); break;
        case C_NNP: if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail("no_new_privs"); break;
        case C_SECCOMP: do_seccomp(o); break;
        case C_READY: {
            if (exec) {
                size_t ready = g_op;
                g_op = (size_t)(exec - p->ops); /* a lookup failure is the exec step's */
                resolve(exec);
                g_op = ready;
            }
            if (send_msg(sock, "R") < 0) _exit(126);
            /* Block until `start` writes [u32 length][state JSON] into exec.fifo (opened O_RDWR,
             * so the read waits for data rather than seeing EOF before any writer came). */
            uint32_t len;
            if (read_full(fifo, &len, 4) < 0 || len > (1u << 20)) fail("exec.fifo");
            state = malloc(len + 1);
            if (!state || read_full(fifo, state, len) < 0) fail("exec.fifo");
            state[len] = 0;
            state_len = len;
            started = 1;
            /* fifo stays open (close-on-exec): `start` waits for its last reader to go, i.e. for execve */
            break;
        }
        case C_HOOK:
            if (run_hook(o, state, state_len) < 0) fail(o->str[0]);
            break;
        case C_EXEC:
            if (!started) resolve(o);
            execve(g_path, vec(o->str, o->num[0]), vec(&o->str[o->num[0]], o->nstr - o->num[0]));
            fail(g_path);
        default:
            break; /* monitor ops */
        }
    }
    errno = EINVAL;
    fail("plan has no exec");
}
