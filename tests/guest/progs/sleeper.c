/* Says it is sleeping, sleeps SECONDS (default 2), says it woke: a program
 * that is busy doing nothing while a test pokes the VM from outside. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    struct timespec t = { argc > 1 ? atoi(argv[1]) : 2, 0 };
    printf("sleeping\n");
    fflush(stdout);
    if (nanosleep(&t, 0) != 0) {
        perror("nanosleep");
        return 1;
    }
    printf("woke\n");
    return 0;
}
