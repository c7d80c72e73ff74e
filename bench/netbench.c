/*
 * netbench: TCP throughput and round-trip latency between two endpoints, small and static so the same
 * binary runs on the host, in berth's containers and in Podman's (bind-mounted, no image needed).
 *
 *   netbench serve PORT                 accept forever; each connection: the first byte picks the mode
 *   netbench stream HOST PORT MIB       send MIB MiB, print "stream MiB/s"
 *   netbench rr HOST PORT N             N one-byte round trips, print "rr median_us p99_us"
 *
 * Built by scripts/bench-network with `gcc -O2 -static`.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
    perror(what);
    exit(1);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void *serve_one(void *arg) {
    int fd = (int)(long)arg, one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char mode, buf[1 << 16];
    if (read(fd, &mode, 1) != 1) goto out;
    if (mode == 's') {
        while (read(fd, buf, sizeof buf) > 0) {
        }
        write(fd, "k", 1);
    } else {
        char b;
        while (read(fd, &b, 1) == 1)
            if (write(fd, &b, 1) != 1) break;
    }
out:
    close(fd);
    return NULL;
}

static int dial_addr(const struct sockaddr *addr, socklen_t len) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    for (int i = 0; connect(fd, addr, len) != 0; i++) {
        if (i == 50) die("connect");
        usleep(100000); /* the server may still be starting */
        close(fd);
        fd = socket(AF_INET, SOCK_STREAM, 0);
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* An IPv4 address, or a name (static glibc resolves through /etc/hosts and DNS). */
static int dial(const char *host, const char *port) {
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(atoi(port))};
    if (inet_pton(AF_INET, host, &sin.sin_addr) == 1) return dial_addr((struct sockaddr *)&sin, sizeof sin);
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
    if (getaddrinfo(host, port, &hints, &ai) != 0) {
        fprintf(stderr, "netbench: cannot resolve %s\n", host);
        exit(1);
    }
    int fd = dial_addr(ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    return fd;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "serve")) {
        int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
        if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 16)) die("listen");
        for (;;) {
            int c = accept(s, NULL, NULL);
            if (c < 0) continue;
            pthread_t t;
            pthread_create(&t, NULL, serve_one, (void *)(long)c);
            pthread_detach(t);
        }
    }
    if (argc == 5 && !strcmp(argv[1], "stream")) {
        int fd = dial(argv[2], argv[3]);
        long mib = atol(argv[4]);
        static char buf[1 << 20];
        double t0 = now();
        write(fd, "s", 1);
        for (long i = 0; i < mib; i++)
            for (size_t off = 0; off < sizeof buf;) {
                ssize_t n = write(fd, buf + off, sizeof buf - off);
                if (n <= 0) die("write");
                off += n;
            }
        shutdown(fd, SHUT_WR);
        char k;
        if (read(fd, &k, 1) != 1) die("read");
        printf("stream %.0f MiB/s\n", mib / (now() - t0));
        return 0;
    }
    if (argc == 5 && !strcmp(argv[1], "rr")) {
        int fd = dial(argv[2], argv[3]), n = atoi(argv[4]);
        double *lat = malloc(sizeof(double) * n);
        char b = 'r';
        write(fd, "r", 1);
        for (int i = 0; i < n; i++) {
            double t0 = now();
            if (write(fd, &b, 1) != 1 || read(fd, &b, 1) != 1) die("round trip");
            lat[i] = (now() - t0) * 1e6;
        }
        qsort(lat, n, sizeof *lat, cmp);
        printf("rr %.1f %.1f\n", lat[n / 2], lat[n * 99 / 100]);
        return 0;
    }
    fprintf(stderr, "usage: netbench serve PORT | stream HOST PORT MIB | rr HOST PORT N\n");
    return 2;
}
