/* Guest test: argv, environment and the auxiliary vector the kernel builds.
 *
 * Prints "argc N", one "argv[i]=..." line per argument and one "env ..."
 * line per environment entry, then checks the initial stack layout and
 * the auxv entries a static Linux program relies on, printing
 * "auxv NAME ok" for each and "auxv ok" at the end.  Any failed check
 * prints "FAIL: ..." and exits 1. */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

extern char **environ;
extern const Elf64_Ehdr __ehdr_start; /* linker-defined: our own ELF header */
extern char _start[];                 /* crt1 entry point */

static int failures;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            printf("FAIL: " __VA_ARGS__);                                    \
            putchar('\n');                                                   \
            failures++;                                                      \
        }                                                                    \
    } while (0)

/* getauxval() returns 0 both for "absent" and for a real 0; errno tells. */
static int aux(unsigned long type, unsigned long *val)
{
    errno = 0;
    *val = getauxval(type);
    return errno == ENOENT ? -1 : 0;
}

static void ok(const char *name)
{
    printf("auxv %s ok\n", name);
}

int main(int argc, char **argv)
{
    unsigned long v;
    int i, before;

    printf("argc %d\n", argc);
    for (i = 0; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    for (i = 0; environ[i]; i++)
        printf("env %s\n", environ[i]);

    /* Initial stack: argv[argc] == NULL, envp follows, auxv after that. */
    CHECK(argc >= 1, "argc is %d, expected at least 1", argc);
    CHECK(argv[argc] == NULL, "argv[argc] is not NULL");
    CHECK(environ == argv + argc + 1,
          "environ (%p) does not follow argv's NULL (%p)",
          (void *)environ, (void *)(argv + argc + 1));
    {
        char **e = argv + argc + 1;
        Elf64_auxv_t *a;
        int n = 0, saw_pagesz = 0, saw_null = 0;

        while (*e)
            e++;
        for (a = (Elf64_auxv_t *)(e + 1); n < 256; a++, n++) {
            if (a->a_type == AT_NULL) {
                saw_null = 1;
                break;
            }
            if (a->a_type == AT_PAGESZ && a->a_un.a_val == 4096)
                saw_pagesz = 1;
        }
        CHECK(saw_null, "raw auxv after envp has no AT_NULL in 256 entries");
        CHECK(saw_pagesz, "raw auxv after envp has no AT_PAGESZ=4096");
        if (saw_null && saw_pagesz)
            ok("stack-layout");
    }

    before = failures;
    CHECK(aux(AT_PAGESZ, &v) == 0, "AT_PAGESZ missing");
    CHECK(v == 4096, "AT_PAGESZ is %lu, expected 4096", v);
    if (failures == before)
        ok("AT_PAGESZ");

    before = failures;
    {
        const Elf64_Ehdr *eh = &__ehdr_start;
        unsigned long phdr, phnum, phent;

        CHECK(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0,
              "__ehdr_start does not point at an ELF header");
        CHECK(aux(AT_PHDR, &phdr) == 0, "AT_PHDR missing");
        CHECK(aux(AT_PHNUM, &phnum) == 0, "AT_PHNUM missing");
        CHECK(aux(AT_PHENT, &phent) == 0, "AT_PHENT missing");
        CHECK(phdr == (uintptr_t)eh + eh->e_phoff,
              "AT_PHDR is %#lx, expected %#lx (ELF header %p + e_phoff %#lx)",
              phdr, (unsigned long)((uintptr_t)eh + eh->e_phoff),
              (const void *)eh, (unsigned long)eh->e_phoff);
        CHECK(phnum == eh->e_phnum, "AT_PHNUM is %lu, e_phnum is %u", phnum,
              (unsigned)eh->e_phnum);
        CHECK(phent == sizeof(Elf64_Phdr), "AT_PHENT is %lu, expected %zu",
              phent, sizeof(Elf64_Phdr));
        if (failures == before) {
            /* The program headers must really be there. */
            const Elf64_Phdr *ph = (const Elf64_Phdr *)phdr;
            unsigned long k;
            int loads = 0;

            for (k = 0; k < phnum; k++)
                loads += ph[k].p_type == PT_LOAD;
            CHECK(loads > 0, "no PT_LOAD among the %lu headers at AT_PHDR",
                  phnum);
        }
    }
    if (failures == before)
        ok("AT_PHDR");

    before = failures;
    CHECK(aux(AT_ENTRY, &v) == 0, "AT_ENTRY missing");
    CHECK(v == (uintptr_t)_start, "AT_ENTRY is %#lx, _start is %p", v,
          (void *)_start);
    /* A static PIE is loaded at some base: its header's address, since the
     * first segment starts at file offset 0 and vaddr 0. */
    uintptr_t load_bias = __ehdr_start.e_type == ET_DYN ? (uintptr_t)&__ehdr_start : 0;
    CHECK(v == __ehdr_start.e_entry + load_bias, "AT_ENTRY is %#lx, e_entry is %#lx (+ bias %#lx)", v,
          (unsigned long)__ehdr_start.e_entry, (unsigned long)load_bias);
    if (failures == before)
        ok("AT_ENTRY");

    before = failures;
    CHECK(aux(AT_RANDOM, &v) == 0 && v != 0, "AT_RANDOM missing");
    if (failures == before) {
        const volatile unsigned char *r = (const unsigned char *)v;
        unsigned char orv = 0;

        for (i = 0; i < 16; i++)
            orv |= r[i];
        CHECK(orv != 0, "AT_RANDOM's 16 bytes are all zero");
    }
    if (failures == before)
        ok("AT_RANDOM");

    before = failures;
    CHECK(aux(AT_HWCAP, &v) == 0, "AT_HWCAP missing");
    CHECK(v != 0, "AT_HWCAP is 0");
    if (failures == before)
        ok("AT_HWCAP");

    before = failures;
    CHECK(aux(AT_CLKTCK, &v) == 0, "AT_CLKTCK missing");
    CHECK(v == 100, "AT_CLKTCK is %lu, expected 100", v);
    if (failures == before)
        ok("AT_CLKTCK");

    before = failures;
    CHECK(aux(AT_EXECFN, &v) == 0 && v != 0, "AT_EXECFN missing");
    if (failures == before)
        CHECK(strcmp((const char *)v, argv[0]) == 0,
              "AT_EXECFN is \"%s\", argv[0] is \"%s\"", (const char *)v,
              argv[0]);
    if (failures == before)
        ok("AT_EXECFN");

    {
        static const struct {
            unsigned long type;
            const char *name;
        } ids[] = {{AT_UID, "AT_UID"},
                   {AT_EUID, "AT_EUID"},
                   {AT_GID, "AT_GID"},
                   {AT_EGID, "AT_EGID"},
                   {AT_SECURE, "AT_SECURE"}};
        unsigned k;

        for (k = 0; k < sizeof ids / sizeof ids[0]; k++) {
            before = failures;
            CHECK(aux(ids[k].type, &v) == 0, "%s missing", ids[k].name);
            CHECK(v == 0, "%s is %lu, expected 0", ids[k].name, v);
            if (failures == before)
                ok(ids[k].name);
        }
    }

    if (failures) {
        printf("FAIL: %d auxv check(s) failed\n", failures);
        return 1;
    }
    printf("auxv ok\n");
    return 0;
}
