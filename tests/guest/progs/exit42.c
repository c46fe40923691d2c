/* Guest test: the program's exit status leaves the VM.  Prints one line,
 * then exits with status 42 (through exit(), so stdio is flushed first). */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    printf("exiting with status 42\n");
    exit(42);
}
