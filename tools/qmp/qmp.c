/* QMP client; see qmp.h. */
#define _GNU_SOURCE
#include "qmp.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

json_t *qmp_take_message(char *buf, size_t *len, int *bad)
{
    *bad = 0;
    for (;;) {
        char *nl = memchr(buf, '\n', *len);
        json_error_t je;
        json_t *j;
        bool blank = true;

        if (!nl)
            return NULL;
        size_t n = (size_t)(nl - buf) + 1;
        for (size_t i = 0; i < n; i++)
            if (!strchr(" \t\r\n", buf[i]))
                blank = false;
        j = blank ? NULL : json_loadb(buf, n, JSON_DISABLE_EOF_CHECK, &je);
        memmove(buf, buf + n, *len - n);
        *len -= n;
        if (blank)
            continue;
        if (j && json_is_object(j))
            return j;
        json_decref(j);
        *bad = 1;
        return NULL;
    }
}

/* Reads until one message is complete or the deadline passes. */
static json_t *next_message(struct qmp *q, long long deadline, char *err, size_t errlen)
{
    for (;;) {
        int bad;
        json_t *j = qmp_take_message(q->buf, &q->len, &bad);
        if (j)
            return j;
        if (bad) {
            snprintf(err, errlen, "QMP: QEMU sent something that is not a JSON object");
            return NULL;
        }
        long long left = deadline - now_ms();
        if (left <= 0) {
            snprintf(err, errlen, "QMP: no answer from QEMU in time");
            return NULL;
        }
        struct pollfd pfd = {q->fd, POLLIN, 0};
        int rc = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
        if (rc < 0 && errno != EINTR) {
            snprintf(err, errlen, "QMP: poll: %s", strerror(errno));
            return NULL;
        }
        if (rc <= 0)
            continue;
        if (q->cap - q->len < 4096) {
            size_t c = q->cap ? q->cap * 2 : 65536;
            char *b = realloc(q->buf, c);
            if (!b) {
                snprintf(err, errlen, "out of memory");
                return NULL;
            }
            q->buf = b;
            q->cap = c;
        }
        ssize_t n = read(q->fd, q->buf + q->len, q->cap - q->len);
        if (n == 0) {
            snprintf(err, errlen, "QMP: QEMU closed the connection");
            return NULL;
        }
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            snprintf(err, errlen, "QMP: read: %s", strerror(errno));
            return NULL;
        }
        q->len += (size_t)n;
    }
}

static int send_json(struct qmp *q, json_t *msg, char *err, size_t errlen)
{
    char *s = json_dumps(msg, JSON_COMPACT);
    size_t n, off = 0;

    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    n = strlen(s);
    s[n] = '\n'; /* json_dumps leaves room for the NUL; replace it, write n+1 */
    while (off < n + 1) {
        ssize_t w = send(q->fd, s + off, n + 1 - off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "QMP: write: %s", strerror(errno));
            free(s);
            return -1;
        }
        off += (size_t)w;
    }
    free(s);
    return 0;
}

int qmp_execute(struct qmp *q, const char *execute, json_t *args, int timeout_ms, json_t **ret,
                char *err, size_t errlen)
{
    json_t *msg = json_pack("{s:s}", "execute", execute);
    long long deadline = now_ms() + timeout_ms;

    if (ret)
        *ret = NULL;
    if (!msg) {
        json_decref(args);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (args)
        json_object_set_new(msg, "arguments", args);
    int rc = send_json(q, msg, err, errlen);
    json_decref(msg);
    if (rc < 0)
        return -1;
    for (;;) {
        json_t *j = next_message(q, deadline, err, errlen);
        json_t *r, *e;
        if (!j) {
            size_t n = strlen(err);
            snprintf(err + n, errlen - n, " (waiting for %s)", execute);
            return -1;
        }
        if ((r = json_object_get(j, "return"))) {
            if (ret)
                *ret = json_incref(r);
            json_decref(j);
            return 0;
        }
        if ((e = json_object_get(j, "error"))) {
            const char *desc = json_string_value(json_object_get(e, "desc"));
            const char *cls = json_string_value(json_object_get(e, "class"));
            snprintf(err, errlen, "QMP %s: %s%s%s%s", execute, desc ? desc : "error",
                     cls ? " (" : "", cls ? cls : "", cls ? ")" : "");
            json_decref(j);
            return -1;
        }
        json_decref(j); /* an event */
    }
}

int qmp_connect(struct qmp *q, const char *path, int timeout_ms, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    long long deadline = now_ms() + timeout_ms;
    json_t *greeting;

    memset(q, 0, sizeof *q);
    q->fd = -1;
    if (strlen(path) >= sizeof sa.sun_path) {
        snprintf(err, errlen, "QMP socket path too long (%zu bytes; at most %zu): %s",
                 strlen(path), sizeof sa.sun_path - 1, path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    for (;;) {
        q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (q->fd < 0) {
            snprintf(err, errlen, "QMP: socket: %s", strerror(errno));
            return -1;
        }
        if (connect(q->fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            break;
        int e = errno;
        close(q->fd);
        q->fd = -1;
        if (now_ms() >= deadline) {
            snprintf(err, errlen, "QMP: cannot connect to %s: %s", path, strerror(e));
            return -1;
        }
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    greeting = next_message(q, deadline + 5000, err, errlen);
    if (!greeting)
        goto fail;
    if (!json_object_get(greeting, "QMP")) {
        json_decref(greeting);
        snprintf(err, errlen, "QMP: %s did not greet as QMP", path);
        goto fail;
    }
    json_decref(greeting);
    if (qmp_execute(q, "qmp_capabilities", NULL, 5000, NULL, err, errlen) < 0)
        goto fail;
    return 0;
fail:
    qmp_close(q);
    return -1;
}

void qmp_close(struct qmp *q)
{
    if (q->fd >= 0)
        close(q->fd);
    q->fd = -1;
    free(q->buf);
    q->buf = NULL;
    q->len = q->cap = 0;
}
