/* Reading the plan: a header, then records of {code, nnum, nstr, len, u64 num[nnum], bytes[len]}.
 * The bytes hold nstr NUL-terminated strings (or raw data). Everything is validated before use. */
#include "shim.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int read_full(int fd, void *buf, size_t len) {
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    return 0;
}

static unsigned char *slurp(int fd, size_t *size) {
    size_t cap = 65536, len = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (!buf) return NULL;
        if (len == cap) buf = realloc(buf, cap *= 2);
        if (!buf) return NULL;
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { free(buf); return NULL; }
        if (n == 0) break;
        len += (size_t)n;
    }
    *size = len;
    return buf;
}

int plan_read(int fd, struct plan *p) {
    size_t size, off = 8;
    unsigned char *b = slurp(fd, &size);
    if (!b || size < 8) return -1;
    uint32_t hdr[2];
    memcpy(hdr, b, 8);
    if (hdr[0] != PLAN_MAGIC || hdr[1] != PLAN_VERSION) return -1;
    size_t cap = 64;
    p->ops = calloc(cap, sizeof(struct op));
    p->nops = 0;
    while (off < size) {
        if (size - off < 16 || !p->ops) return -1;
        struct op *o = &p->ops[p->nops];
        uint32_t h[4];
        memcpy(h, b + off, 16);
        o->code = h[0]; o->nnum = h[1]; o->nstr = h[2]; o->len = h[3];
        off += 16;
        if (o->nnum > 4096 || size - off < (size_t)o->nnum * 8) return -1;
        o->num = (const uint64_t *)(b + off); /* 8-aligned: Java pads records */
        off += (size_t)o->nnum * 8;
        if (size - off < o->len) return -1;
        o->data = b + off;
        o->str = calloc(o->nstr + 1, sizeof(char *));
        if (!o->str) return -1;
        size_t s = 0;
        for (uint32_t i = 0; i < o->nstr; i++) {
            const unsigned char *end = memchr(o->data + s, 0, o->len - s);
            if (!end) return -1;
            o->str[i] = (char *)o->data + s;
            s = (size_t)(end - o->data) + 1;
        }
        off += (o->len + 7u) & ~7u;
        if (++p->nops == cap) {
            p->ops = realloc(p->ops, (cap *= 2) * sizeof(struct op));
            if (!p->ops) return -1;
        }
    }
    return 0;
}

const struct op *plan_find(const struct plan *p, uint32_t code) {
    for (size_t i = 0; i < p->nops; i++)
        if (p->ops[i].code == code) return &p->ops[i];
    return NULL;
}
