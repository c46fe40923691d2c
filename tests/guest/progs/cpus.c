/* Prints how many CPUs the program may run on (sched_getaffinity), the
 * number nproc and thread pools start from. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>

int main(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        perror("sched_getaffinity");
        return 1;
    }
    printf("affinity %d\n", CPU_COUNT(&set));
    return 0;
}
