#include "lib/format.h"
#include "lib/string.h"
#include <stdint.h>
#include <stdbool.h>

struct out {
    char *buf;
    size_t size;
    size_t len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

static void put_number(struct out *o, uint64_t v, bool neg, unsigned base, bool upper,
                       int width, int prec, bool left, bool zero, const char *prefix)
{
    char tmp[24];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    if (prec == 0 && n == 1 && tmp[0] == '0')
        n = 0;
    int zeros = prec > n ? prec - n : 0;
    int plen = (neg ? 1 : 0) + (int)strlen(prefix);
    int total = plen + zeros + n;
    if (!left && !zero)
        pad(o, ' ', width - total);
    if (neg)
        put(o, '-');
    for (const char *p = prefix; *p; p++)
        put(o, *p);
    if (!left && zero)
        pad(o, '0', width - total);
    pad(o, '0', zeros);
    while (n)
        put(o, tmp[--n]);
    if (left)
        pad(o, ' ', width - total);
}

/* What stands between '%' and the conversion character. */
struct spec {
    bool left, zero, alt;   /* flags '-', '0', '#' */
    int width;
    int prec;               /* -1: none given */
    int lng;                /* 0 int, 1 long, 2 long long / size_t */
    int shrt;               /* 1 short (h), 2 char (hh) */
};

static int read_decimal(const char **fmt)
{
    int n = 0;
    while (**fmt >= '0' && **fmt <= '9')
        n = n * 10 + (*(*fmt)++ - '0');
    return n;
}

/* Parses flags, width, precision and length modifiers; returns what
 * follows them (the conversion character, or the NUL ending fmt).  A '*'
 * takes its value from the arguments, a negative width meaning '-'. */
static const char *parse_spec(const char *fmt, va_list *ap, struct spec *sp)
{
    *sp = (struct spec){ .prec = -1 };
    for (;; fmt++) {
        if (*fmt == '-') sp->left = true;
        else if (*fmt == '0') sp->zero = true;
        else if (*fmt == '#') sp->alt = true;
        else break;
    }
    if (*fmt == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) { sp->left = true; sp->width = -sp->width; }
        fmt++;
    } else {
        sp->width = read_decimal(&fmt);
    }
    if (*fmt == '.') {
        fmt++;
        if (*fmt == '*') {
            sp->prec = va_arg(*ap, int);
            fmt++;
        } else {
            sp->prec = read_decimal(&fmt);
        }
    }
    for (;; fmt++) {
        if (*fmt == 'l') sp->lng++;
        else if (*fmt == 'z' || *fmt == 'j' || *fmt == 't') sp->lng = 2;
        else if (*fmt == 'h') sp->shrt++;
        else break;
    }
    return fmt;
}

/* %d %i: the argument as its length modifier says, cut to short or char
 * for h and hh as printf does (they arrive promoted to int). */
static void put_signed(struct out *o, const struct spec *sp, va_list *ap)
{
    int64_t v = sp->lng ? va_arg(*ap, int64_t) : va_arg(*ap, int);
    if (!sp->lng && sp->shrt == 1) v = (short)v;
    else if (!sp->lng && sp->shrt >= 2) v = (signed char)v;
    bool neg = v < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    put_number(o, u, neg, 10, false, sp->width, sp->prec, sp->left, sp->zero && sp->prec < 0, "");
}

/* %u %x %X %o; '#' gives hex a 0x prefix (not for zero, as in C). */
static void put_unsigned(struct out *o, char conv, const struct spec *sp, va_list *ap)
{
    uint64_t v = sp->lng ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned int);
    if (!sp->lng && sp->shrt == 1) v = (unsigned short)v;
    else if (!sp->lng && sp->shrt >= 2) v = (unsigned char)v;
    unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
    const char *prefix = sp->alt && base == 16 && v ? (conv == 'X' ? "0X" : "0x") : "";
    put_number(o, v, false, base, conv == 'X', sp->width, sp->prec, sp->left, sp->zero && sp->prec < 0, prefix);
}

/* %s: a precision bounds what is read, so the string needs no NUL then. */
static void put_string(struct out *o, const struct spec *sp, const char *s)
{
    if (!s)
        s = "(null)";
    int n = (int)(sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s));
    if (!sp->left) pad(o, ' ', sp->width - n);
    for (int i = 0; i < n; i++)
        put(o, s[i]);
    if (sp->left) pad(o, ' ', sp->width - n);
}

static void put_char(struct out *o, const struct spec *sp, char c)
{
    if (!sp->left) pad(o, ' ', sp->width - 1);
    put(o, c);
    if (sp->left) pad(o, ' ', sp->width - 1);
}

/* One conversion; an unknown one is copied through with its '%'. */
static void convert(struct out *o, char conv, const struct spec *sp, va_list *ap)
{
    switch (conv) {
    case 'd':
    case 'i':
        put_signed(o, sp, ap);
        break;
    case 'u':
    case 'x':
    case 'X':
    case 'o':
        put_unsigned(o, conv, sp, ap);
        break;
    case 'p':
        put_number(o, (uintptr_t)va_arg(*ap, void *), false, 16, false, sp->width, -1, sp->left, false, "0x");
        break;
    case 'c':
        put_char(o, sp, (char)va_arg(*ap, int));
        break;
    case 's':
        put_string(o, sp, va_arg(*ap, const char *));
        break;
    case '%':
        put(o, '%');
        break;
    default:
        put(o, '%');
        put(o, conv);
        break;
    }
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    /* A copy that the helpers can advance through a pointer (a va_list
     * parameter may be an array type, whose address is not a va_list *). */
    va_list args;
    va_copy(args, ap);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        struct spec sp;
        fmt = parse_spec(fmt + 1, &args, &sp);
        if (*fmt == 0)
            break;              /* a '%' (and modifiers) at the very end */
        convert(&o, *fmt, &sp, &args);
    }
    va_end(args);
    if (o.size)
        o.buf[o.len < o.size ? o.len : o.size - 1] = 0;
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
