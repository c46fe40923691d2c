/* A small QMP client (QEMU's machine protocol: JSON objects, one per line,
 * over a unix socket), with jansson.  Enough for dump-check: connect and
 * leave capabilities negotiation, run a command and wait for its return
 * (asynchronous events in between are skipped). */
#ifndef CLOAK_TOOLS_QMP_H
#define CLOAK_TOOLS_QMP_H

#include <jansson.h>
#include <stddef.h>

struct qmp {
    int fd;
    char *buf;                /* bytes received but not yet parsed */
    size_t len, cap;
};

/* Connects to the socket at path, retrying for up to timeout_ms while
 * QEMU creates it, reads the greeting and sends qmp_capabilities.
 * Returns 0, or -1 with a message in err. */
int qmp_connect(struct qmp *q, const char *path, int timeout_ms, char *err, size_t errlen);

/* Runs `execute` with `args` (a JSON object, or NULL; the reference is
 * stolen) and waits up to timeout_ms for its answer.  On success returns 0
 * and, if ret is not NULL, the "return" value (a new reference).  An
 * "error" answer, a closed socket or a timeout is -1 with err naming it. */
int qmp_execute(struct qmp *q, const char *execute, json_t *args, int timeout_ms, json_t **ret,
                char *err, size_t errlen);

void qmp_close(struct qmp *q);

/* Splits the next complete line ("\n"-terminated) off buf[0..*len) and
 * parses it; returns the object (new reference), or NULL if no complete
 * line is there yet (*bad is set if a complete line was not a JSON object).
 * Exposed for the unit tests. */
json_t *qmp_take_message(char *buf, size_t *len, int *bad);

#endif
