/* Dereferences an unmapped address: the kernel must kill the program with
 * SIGSEGV (cloak exit status 139), not crash. */
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argv;
    printf("about to fault\n");
    fflush(stdout);
    volatile int *p = (volatile int *)(unsigned long)(argc > 5 ? 0x1000 : 0x10);
    *p = 42;
    printf("FAIL: still alive\n");
    return 0;
}
