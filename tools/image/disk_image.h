/* A bootable GPT disk image whose only partition is an EFI System Partition
 * (FAT) holding the files given. */
#ifndef CLOAK_DISK_IMAGE_H
#define CLOAK_DISK_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct esp_file {
    const char *esp_path;   /* path on the ESP, '/'-separated, e.g. "EFI/BOOT/BOOTX64.EFI" */
    const char *host_path;  /* file to copy from the host */
};

/* Writes the image to `path` (created or truncated).  Directories on the ESP
 * are created as needed.  Returns 0, or -1 with a message naming the file or
 * limit at fault in err. */
int disk_image_write(const char *path, const struct esp_file *files, size_t nfiles,
                     char *err, size_t errlen);
/* The same with the disk's size rounded up to a multiple of align_bytes
 * (a multiple of 512; 0: no rounding): the backup GPT at its last
 * sectors, the space between left as a hole (Compute Engine takes a
 * whole number of GiB). */
int disk_image_write_size(const char *path, const struct esp_file *files, size_t nfiles,
                          uint64_t align_bytes, char *err, size_t errlen);

#endif
