#ifndef FS_BOOT_ARCHIVE_H
#define FS_BOOT_ARCHIVE_H
#include <stdint.h>

/* Fills the root file system from the boot archive (cpio newc, in memory).
 * Regular files keep pointing into the archive.  Returns 0 or -1 with
 * *error saying which entry is wrong and why. */
int boot_archive_load(const uint8_t *archive, uint64_t size, const char **error, char *where, int where_len);

#endif
