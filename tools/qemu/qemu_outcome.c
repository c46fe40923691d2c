/* How the VM ended, read back from the kernel log: the last
 * "@@cloak-exit STATUS REASON" line, and the text to show the user with it
 * (see qemu.h, struct vm_outcome). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu.h"

#define EXIT_PANIC 70

static const char *line_start(const char *log, const char *p)
{
    while (p > log && p[-1] != '\n')
        p--;
    return p;
}

/* The last n lines before `end` (a line start). */
static const char *tail_start(const char *log, const char *end, int n)
{
    const char *p = end;
    while (p > log && n > 0) {
        p = line_start(log, p - 1);
        n--;
    }
    return p;
}

static char *dup_range(const char *a, const char *b)
{
    if (b <= a)
        return NULL;
    return strndup(a, (size_t)(b - a));
}

static const char exit_tag[] = "@@cloak-exit ";
static const char why_tag[] = "@@cloak-why ";
static const char fault_tag[] = "@@cloak-fault ";
static const char panic_tag[] = "PANIC: ";

/* The start of the last line before end that begins with tag, or NULL. */
static const char *last_tagged_line(const char *log, const char *end, const char *tag)
{
    const char *found = NULL;
    size_t tlen = strlen(tag);

    for (const char *p = log; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if ((size_t)(le - p) >= tlen && memcmp(p, tag, tlen) == 0)
            found = p;
        p = nl ? nl + 1 : end;
    }
    return found;
}

static const char *last_exit_line(const char *log, const char *end)
{
    return last_tagged_line(log, end, exit_tag);
}

/* The rest of the line after its tag (the line at p starts with tag). */
static char *tag_text(const char *p, const char *end, const char *tag)
{
    const char *le = memchr(p, '\n', (size_t)(end - p));
    const char *a = p + strlen(tag), *b = le ? le : end;
    while (b > a && (b[-1] == '\r' || b[-1] == ' '))
        b--;
    return dup_range(a, b);
}

/* "STATUS REASON" after the tag: the status (0-255), or -1 if the line
 * does not hold one. */
static int parse_exit_line(const char *exit_line, const char *end, char reason[32])
{
    int status = -1, n = 0;
    const char *le = memchr(exit_line, '\n', (size_t)(end - exit_line));
    char *line = strndup(exit_line, (size_t)((le ? le : end) - exit_line));

    if (line && (sscanf(line + sizeof exit_tag - 1, "%d %31s%n", &status, reason, &n) < 2 ||
                 status < 0 || status > 255)) {
        status = -1;
    }
    free(line);
    return status;
}

/* The summary of how the VM ended: the program's "@@cloak-why" line (and
 * its "@@cloak-fault" line, to name the function), or the panic's message;
 * only lines before the exit line count. */
static void read_summary(const char *log, const char *exit_line, struct vm_outcome *o)
{
    const char *p;

    if (o->end == VM_END_PROGRAM && (p = last_tagged_line(log, exit_line, why_tag))) {
        o->summary = tag_text(p, exit_line, why_tag);
        /* user_fault logs it just before the kill: one program, one kill */
        const char *f = last_tagged_line(log, p, fault_tag);
        unsigned long long rip, bias;
        if (f && sscanf(f + sizeof fault_tag - 1, "%llx %llx", &rip, &bias) == 2) {
            o->fault = true;
            o->fault_rip = rip;
            o->fault_bias = bias;
        }
    } else if (o->end == VM_END_PANIC) {
        for (p = log; p < exit_line;) {
            const char *nl = memchr(p, '\n', (size_t)(exit_line - p));
            const char *hit = memmem(p, (size_t)((nl ? nl : exit_line) - p), panic_tag,
                                     sizeof panic_tag - 1);
            if (hit) {
                o->summary = tag_text(hit, exit_line, panic_tag);
                return;
            }
            p = nl ? nl + 1 : exit_line;
        }
    }
}

/* The first line before `end` that mentions PANIC, or NULL. */
static const char *first_panic_line(const char *log, const char *end)
{
    for (const char *p = log; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *lend = nl ? nl : end;
        if (memmem(p, (size_t)(lend - p), "PANIC", 5))
            return p;
        p = nl ? nl + 1 : end;
    }
    return NULL;
}

void qemu_outcome_from_log(const char *log, size_t len, struct vm_outcome *o)
{
    const char *end = log + len, *exit_line = last_exit_line(log, end);
    char reason[32] = "";
    int status = exit_line ? parse_exit_line(exit_line, end, reason) : -1;

    memset(o, 0, sizeof *o);
    if (status < 0) { /* QEMU died, a triple fault, ...: the log's tail says more */
        o->end = VM_END_NO_STATUS;
        o->status = EXIT_PANIC;
        o->report = dup_range(tail_start(log, end, 20), end);
        return;
    }
    o->status = status;
    if (strcmp(reason, "program") == 0) {
        o->end = VM_END_PROGRAM;
        read_summary(log, exit_line, o);
    } else if (strcmp(reason, "refused") == 0) {
        o->end = VM_END_REFUSED;
        o->report = dup_range(tail_start(log, exit_line, 5), exit_line);
    } else if (strcmp(reason, "panic") == 0) {
        const char *panic = first_panic_line(log, exit_line);
        o->end = VM_END_PANIC;
        o->status = EXIT_PANIC;
        o->report = dup_range(panic ? panic : tail_start(log, exit_line, 20), exit_line);
        read_summary(log, exit_line, o);
    } else {
        o->end = VM_END_OTHER;
        o->report = dup_range(tail_start(log, exit_line, 5), end);
    }
}

void qemu_outcome_from_file(const char *path, struct vm_outcome *o)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (f) {
        do {
            if (cap - len < 4096) {
                char *b = realloc(buf, cap = cap ? cap * 2 : 65536);
                if (!b)
                    break;
                buf = b;
            }
            n = fread(buf + len, 1, cap - len, f);
            len += n;
        } while (n > 0);
        fclose(f);
    }
    qemu_outcome_from_log(buf ? buf : "", len, o);
    free(buf);
}

void qemu_outcome_free(struct vm_outcome *o)
{
    free(o->report);
    free(o->summary);
    o->report = NULL;
    o->summary = NULL;
}
