/* OCI hooks: run a program with the container state on stdin, within its timeout; it must exit 0. */
#include "shim.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *hook_state(const struct plan *p, int pid) {
    const struct op *t = plan_find(p, P_STATE);
    if (!t) return NULL;
    size_t n = strlen(t->str[0]) + strlen(t->str[1]) + 16;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s%d%s", t->str[0], pid, t->str[1]);
    return s;
}

int run_hook(const struct op *o, const char *state, size_t len) {
    uint32_t argc = (uint32_t)o->num[1];
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(pfd[0], 0);
        signal(SIGPIPE, SIG_DFL); /* the monitor ignores it; a hook should not inherit that */
        execve(o->str[0], vec(&o->str[1], argc), vec(&o->str[1 + argc], o->nstr - 1 - argc));
        _exit(127);
    }
    close(pfd[0]);
    if (state) write_all(pfd[1], state, len);
    close(pfd[1]);
    int status = 0;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        pid_t r = waitpid(pid, &status, o->num[0] ? WNOHANG : 0);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) return -1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= (time_t)o->num[0]) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            errno = ETIMEDOUT;
            return -1;
        }
        usleep(2000);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    errno = WIFEXITED(status) ? ECHILD : EINTR;
    return -1;
}
