/* lwIP's sources include <stdlib.h> for atoi (netif_find parses "en0");
 * malloc is not used (MEM_LIBC_MALLOC routes through net/port.c). */
#include <stddef.h>
int atoi(const char *s);
