/* Touches far more memory than the VM has: the kernel must end the program
 * (SIGKILL, status 137, "out of memory" in the log), not crash. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    size_t size = 1ul << 30;
    char *p = malloc(size);
    if (!p) {
        printf("malloc refused 1 GiB\n");
        return 3;
    }
    printf("touching 1 GiB\n");
    fflush(stdout);
    for (size_t i = 0; i < size; i += 4096)
        p[i] = 1;
    printf("FAIL: touched 1 GiB in a small VM\n");
    return 0;
}
