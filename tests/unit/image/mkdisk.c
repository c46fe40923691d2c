/* mkdisk OUT.img ESP_PATH=HOST_FILE...: writes a GPT disk image with one EFI
 * System Partition holding the files, through disk_image_write.  A helper
 * of the guest tests and benchmarks (the cloak tool has its own front end). */
#include "disk_image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s OUT.img ESP_PATH=HOST_FILE...\n", argv[0]);
        return 2;
    }
    size_t n = (size_t)argc - 2;
    struct esp_file *files = calloc(n ? n : 1, sizeof *files);
    if (!files)
        return 1;
    for (size_t i = 0; i < n; i++) {
        char *arg = argv[i + 2], *eq = strchr(arg, '=');
        if (!eq) {
            fprintf(stderr, "mkdisk: %s: expected ESP_PATH=HOST_FILE\n", arg);
            return 2;
        }
        *eq = 0;
        files[i].esp_path = arg;
        files[i].host_path = eq + 1;
    }
    char err[512];
    if (disk_image_write(argv[1], files, n, err, sizeof err) < 0) {
        fprintf(stderr, "mkdisk: %s\n", err);
        return 1;
    }
    free(files);
    return 0;
}
