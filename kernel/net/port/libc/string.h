/* lwIP's sources include <string.h>; the kernel's string functions serve. */
#include "lib/string.h"
