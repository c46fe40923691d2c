/* Jumps into heap memory (readable, writable, not executable): with NX the
 * kernel must kill the program with SIGSEGV (status 139). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    unsigned char *code = malloc(64);
    if (!code)
        return 3;
    memset(code, 0xc3, 64);          /* ret */
    printf("calling heap memory\n");
    fflush(stdout);
    ((void (*)(void))code)();
    printf("FAIL: executed heap memory\n");
    return 0;
}
