/* Device traffic for the SEV simulation test (tests/guest/sev-sim.test):
 * keeps the virtqueues busy while the inspector samples them from outside.
 *
 *   sevload files DIR   forever: fill a buffer from /dev/urandom, write it
 *                       to DIR/sevload.N, fsync, close, reopen, read it back
 *                       and compare; four files in turn.
 *   sevload random      forever: read /dev/hwrng, the kernel's device that
 *                       reads the virtio-rng device each time (/dev/urandom
 *                       is the kernel's own generator: no device traffic).
 *
 * Prints "sevload: ready" once the first round is done, "sevload: ..."
 * and exits 1 on any error. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (64 * 1024)
#define FILE_CHUNKS 4

static unsigned char wbuf[CHUNK * FILE_CHUNKS], rbuf[CHUNK * FILE_CHUNKS];

static void die(const char *what, const char *path)
{
    printf("sevload: %s %s: %s\n", what, path, strerror(errno));
    fflush(stdout);
    exit(1);
}

static void fill_random(int rnd, unsigned char *buf, size_t len, const char *path)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(rnd, buf + got, len - got);
        if (n <= 0)
            die("read", path);
        got += (size_t)n;
    }
}

static void write_all(int fd, const unsigned char *buf, size_t len, const char *path)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);
        if (n <= 0)
            die("write", path);
        done += (size_t)n;
    }
}

static void read_all(int fd, unsigned char *buf, size_t len, const char *path)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n <= 0)
            die("read back", path);
        done += (size_t)n;
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "random") == 0) {
        int hw = open("/dev/hwrng", O_RDONLY);
        if (hw < 0)
            die("open", "/dev/hwrng");
        for (unsigned long round = 0;; round++) {
            fill_random(hw, wbuf, sizeof(wbuf), "/dev/hwrng");
            if (round == 0) {
                puts("sevload: ready");
                fflush(stdout);
            }
        }
    }
    if (argc != 3 || strcmp(argv[1], "files") != 0) {
        fprintf(stderr, "usage: sevload files DIR | sevload random\n");
        return 2;
    }
    int rnd = open("/dev/urandom", O_RDONLY);
    if (rnd < 0)
        die("open", "/dev/urandom");
    char path[4096];
    for (unsigned long round = 0;; round++) {
        snprintf(path, sizeof(path), "%s/sevload.%lu", argv[2], round % 4);
        fill_random(rnd, wbuf, sizeof(wbuf), "/dev/urandom");
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            die("create", path);
        write_all(fd, wbuf, sizeof(wbuf), path);
        if (fsync(fd) != 0)
            die("fsync", path);
        close(fd);
        fd = open(path, O_RDONLY);
        if (fd < 0)
            die("open", path);
        read_all(fd, rbuf, sizeof(rbuf), path);
        close(fd);
        if (memcmp(wbuf, rbuf, sizeof(wbuf)) != 0) {
            printf("sevload: %s reads back different data (round %lu)\n", path, round);
            fflush(stdout);
            return 1;
        }
        if (round == 0) {
            puts("sevload: ready");
            fflush(stdout);
        }
    }
}
