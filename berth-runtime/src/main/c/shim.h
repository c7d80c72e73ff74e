/*
 * berth-shim: the one piece of C in berth.
 *
 * The JVM cannot fork safely, so everything between clone() and execve() lives here, and this
 * program stays behind as the container's monitor (parent, reaper, keeper of the exit status and
 * of the pty), outliving the Java process that started it. It is a dumb interpreter: Java
 * (dev.berth.runtime.plan.PlanCompiler) resolves every path, flag and mask and writes a plan of
 * numbered ops; this program carries them out in order and reports "op #N failed, errno E".
 *
 *   Java                       shim (monitor)                    child (container process)
 *   ----                       --------------                    -------------------------
 *   write plan file, listen
 *   start `shim PLAN SOCK` --> fork; parent exits (Java reaps it)
 *   <------------------------- connect SOCK; read PLAN; setsid; subreaper
 *                              open fifo/console; clone(flags) ---> wait for "G"
 *   <------- "monitor M\npid P" write uid/gid maps, cgroup.procs
 *                              send "G" ----------------------->  setns, mounts, pivot_root, ...
 *   <------------------ "ready" <--------------------------- "R"  (create: block on exec.fifo)
 *   `start`: write state on exec.fifo ------------------------->  startContainer hooks, execve
 *   <---------------- "started" <------ EOF (socket is CLOEXEC)
 *   <------------------ "exit C S"  waitpid; write <state>/exit
 *
 * Any failure in the child is sent as "E <op index> <errno> <detail>" and relayed to Java as
 * "error <op index> <errno> <detail>"; Java names the step (which mount, which path). "warning <errno> <detail>"
 * reports what went wrong without stopping the container (a log that cannot be written).
 *
 * With managed stdio (P_LOG, P_ATTACH: io.c) the container's stdout and stderr are pipes (or its pty) the monitor
 * reads; it writes them to the json-file log and to every client of the attach socket, and feeds what clients send
 * to the container's stdin. An attach client sees a half-close as the end of stdin (stdin-once), a full close as a
 * detach. When the container exits, the monitor drains the output, flushes it everywhere, writes the exit file,
 * then closes the clients and removes its sockets.
 * argv[1]: the plan file (read, then removed). argv[2]: the Unix socket Java listens on (lines; EPIPE is
 * ignored once Java is gone). Starting with plain argv lets Java use ProcessBuilder: no FFM on this path,
 * which keeps `berth runtime run` from linking native calls at start-up (docs/startup.md).
 */
#ifndef BERTH_SHIM_H
#define BERTH_SHIM_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#define PLAN_MAGIC 0x48545242u /* "BRTH" */
#define PLAN_VERSION 1

/* Ops the monitor carries out itself. */
enum {
    P_MODE = 1,      /* num: 0 create, 1 exec */
    P_STATE_DIR,     /* str: state directory (exit file; exec.fifo in create mode) */
    P_CLONE,         /* num: clone flags, unshare-cgroup-after-go flag */
    P_UIDMAP,        /* str: uid_map contents */
    P_GIDMAP,        /* str: gid_map contents */
    P_CGROUP,        /* str: a cgroup.procs file to write the child's pid into */
    P_CONSOLE,       /* str: console socket path, "" = proxy the pty on our own stdio */
    P_JOIN_PID,      /* str: pid namespace to join before forking */
    P_HOOK,          /* like C_HOOK, run by the monitor before "go": prestart and createRuntime hooks */
    P_STATE,         /* str: hook state JSON before and after the pid */
    /* Managed stdio (io.c): with P_LOG or P_ATTACH the monitor owns the container's streams; no console socket. */
    P_LOG,           /* num: max bytes per file (0: no rotation), files kept; str: path of the json-file log */
    P_ATTACH,        /* str: Unix socket for attach clients: output out (multiplexed, raw for a TTY), stdin in */
    P_STDIN,         /* num: stdin-once: the container's stdin is a pipe fed by attach clients (docker's OpenStdin) */
    P_CONTROL,       /* str: Unix socket taking "resize ROWS COLS\n" lines, each answered "ERRNO\n" (0: done) */
    /* Ops the child carries out, in plan order. */
    C_JOIN = 20,     /* num: nstype; str: path */
    C_MOUNT,         /* num: flags, mkdir (0 no, 1 dir, 2 file), ignore-ENOENT; str: src, dst, type, data */
    C_MKNOD,         /* num: mode, major, minor, uid, gid; str: path, host path to bind if mknod is refused */
    C_SYMLINK,       /* str: target, link path */
    C_MKDIR,         /* num: mode; str: path */
    C_PIVOT,         /* str: new root */
    C_MASK,          /* str: path (tmpfs on a dir, /dev/null on a file; absent is fine) */
    C_HOSTNAME,      /* str: name */
    C_DOMAINNAME,    /* str: name */
    C_WRITE,         /* str: path, contents (sysctl, oom_score_adj) */
    C_RLIMIT,        /* num: resource, soft, hard */
    C_TTY,           /* num: uid, gid: allocate a pty, make it our stdio, send the master to the monitor */
    C_BOUNDING,      /* num: bounding set mask */
    C_CREDS,         /* num: uid, gid, additional gids... */
    C_CAPS,          /* num: effective, permitted, inheritable, ambient masks */
    C_CHDIR,         /* str: path */
    C_UMASK,         /* num: mask */
    C_NNP,           /* no_new_privs */
    C_SECCOMP,       /* num: flags; data: struct sock_filter[] */
    C_READY,         /* tell the monitor we are created; block until `start` writes the state */
    C_HOOK,          /* num: timeout s, argc; str: path, argv..., env...: the state JSON goes to its stdin */
    C_EXEC,          /* num: argc; str: argv..., env... */
};

struct op {
    uint32_t code, nnum, nstr, len;
    const uint64_t *num;
    char **str;
    const unsigned char *data; /* raw payload (C_SECCOMP) */
};

struct plan {
    struct op *ops;
    size_t nops;
};

/* plan.c */
int plan_read(int fd, struct plan *p);
const struct op *plan_find(const struct plan *p, uint32_t code);

/* child.c: runs in the new process; never returns. */
void child_main(const struct plan *p, int sock, int fifo);
/* hook.c */
int run_hook(const struct op *o, const char *state, size_t len);
char *hook_state(const struct plan *p, int pid);
char **vec(char *const *s, size_t n);
/* io.c: managed stdio; io_setup returns 0 when the plan has none, -1 on failure (told) */
int io_setup(const struct plan *p, int cfd[3]);
void io_parent(const int cfd[3]);
void io_monitor(pid_t child, int sock, int master, const char *dir, int sigfd);
/* shim.c */
void tell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void record_exit(const char *dir, int code, int sig);
ssize_t recv_msg(int sock, char *buf, size_t cap, int *fd);
/* helpers shared by both sides */
int send_msg(int sock, const char *fmt, ...);
int send_fd(int sock, int fd, const char *msg);
int write_all(int fd, const void *buf, size_t len);
int read_full(int fd, void *buf, size_t len);

#endif
