#include "init/cmdline.h"
#include "lib/string.h"

/* Calls visit(word, length) for each word until it returns true. */
static bool each_word(const char *cmdline, bool (*visit)(const char *w, size_t n, const void *ctx),
                      const void *ctx)
{
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if (e > p && visit(p, (size_t)(e - p), ctx))
            return true;
        p = e;
    }
    return false;
}

static bool is_word(const char *w, size_t n, const void *ctx)
{
    const char *want = ctx;
    return n == strlen(want) && !memcmp(w, want, n);
}

bool cmdline_has(const char *cmdline, const char *word)
{
    return each_word(cmdline, is_word, word);
}

struct lookup { const char *key; char *val; size_t len; };

static bool take_value(const char *w, size_t n, const void *ctx)
{
    const struct lookup *l = ctx;
    size_t klen = strlen(l->key);
    if (n <= klen || memcmp(w, l->key, klen) || w[klen] != '=')
        return false;
    size_t vlen = n - klen - 1;
    if (vlen >= l->len)
        vlen = l->len - 1;
    memcpy(l->val, w + klen + 1, vlen);
    l->val[vlen] = 0;
    return true;
}

bool cmdline_get(const char *cmdline, const char *key, char *val, size_t len)
{
    struct lookup l = { key, val, len };
    return len && each_word(cmdline, take_value, &l);
}

bool cmdline_get_u64(const char *cmdline, const char *key, uint64_t max, uint64_t *out)
{
    char v[24];
    if (!cmdline_get(cmdline, key, v, sizeof(v)) || !v[0])
        return false;
    uint64_t n = 0;
    for (const char *p = v; *p; p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (*p < '0' || *p > '9' || d > max || n > (max - d) / 10)
            return false;
        n = n * 10 + d;
    }
    *out = n;
    return true;
}
