/* A dynamically linked C program: the kernel starts ld.so, which loads
 * libc.so.6 through file-backed mmap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

int main(int argc, char **argv)
{
    char *p = malloc(64);
    if (!p)
        return 3;
    snprintf(p, 64, "dynamic hello, %d args", argc - 1);
    puts(p);
    /* ld.so was loaded by the kernel: AT_BASE names it */
    printf("AT_BASE %s\n", getauxval(AT_BASE) ? "set" : "missing");
    for (int i = 1; i < argc; i++)
        printf("arg %s\n", argv[i]);
    free(p);
    return 0;
}
