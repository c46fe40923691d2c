/* The Linux files programs lean on: /dev/urandom, /dev/zero, /dev/null,
 * /dev/full, /proc/self/exe, /proc/self/maps. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;
#define CHECK(c, ...) do { if (!(c)) { printf("FAIL: " __VA_ARGS__); printf("\n"); failures++; } } while (0)

int main(int argc, char **argv)
{
    (void)argc;
    unsigned char a[32], b[32], z[64];
    int fd = open("/dev/urandom", O_RDONLY);
    CHECK(fd >= 0, "open /dev/urandom");
    CHECK(read(fd, a, 32) == 32 && read(fd, b, 32) == 32, "read /dev/urandom");
    CHECK(memcmp(a, b, 32) != 0, "two reads of /dev/urandom are equal");
    close(fd);
    fd = open("/dev/random", O_RDONLY);
    CHECK(fd >= 0 && read(fd, a, 16) == 16, "read /dev/random");
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    memset(z, 7, sizeof z);
    CHECK(fd >= 0 && read(fd, z, sizeof z) == sizeof z, "read /dev/zero");
    for (size_t i = 0; i < sizeof z; i++)
        CHECK(z[i] == 0, "/dev/zero gave a non-zero byte");
    close(fd);
    fd = open("/dev/null", O_RDWR);
    CHECK(fd >= 0 && write(fd, "x", 1) == 1 && read(fd, z, 1) == 0, "/dev/null");
    close(fd);
    fd = open("/dev/full", O_WRONLY);
    CHECK(fd >= 0 && write(fd, "x", 1) == -1 && errno == ENOSPC, "/dev/full gives ENOSPC");
    close(fd);
    char exe[256] = { 0 };
    CHECK(readlink("/proc/self/exe", exe, sizeof exe - 1) > 0, "readlink /proc/self/exe");
    CHECK(strcmp(exe, argv[0]) == 0, "/proc/self/exe is %s, argv[0] is %s", exe, argv[0]);
    static char maps[65536];
    fd = open("/proc/self/maps", O_RDONLY);
    ssize_t n = 0, r;
    while (fd >= 0 && (r = read(fd, maps + n, sizeof maps - 1 - n)) > 0)
        n += r;
    maps[n] = 0;
    CHECK(strstr(maps, "[stack]") != NULL, "maps has no [stack]");
    char line[300];
    snprintf(line, sizeof line, "r-xp");
    CHECK(strstr(maps, line) != NULL, "maps has no executable mapping");
    CHECK(strstr(maps, argv[0]) != NULL, "maps does not name %s", argv[0]);
    /* the address of main lies in an r-xp line */
    unsigned long self = (unsigned long)&main, lo, hi;
    char perms[5];
    int found = 0;
    for (char *p = maps; *p; p = strchr(p, '\n') + 1) {
        if (sscanf(p, "%lx-%lx %4s", &lo, &hi, perms) == 3 && self >= lo && self < hi)
            found = strcmp(perms, "r-xp") == 0;
        if (!strchr(p, '\n'))
            break;
    }
    CHECK(found, "main (%lx) is not inside an r-xp mapping", self);
    if (failures)
        return 1;
    printf("devfiles ok\n");
    return 0;
}
