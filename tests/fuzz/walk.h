/* Exercises a mounted ext2 volume the way a program would: walks every
 * directory (depth and entry limits, so that loops end), stats, reads
 * every file and symlink, then changes things.  Shared by the fuzzing
 * harness and the corruption unit tests; errors are expected, crashes and
 * hangs are the bugs. */
#ifndef TESTS_FUZZ_WALK_H
#define TESTS_FUZZ_WALK_H
#include "fs/ext2/ext2.h"

/* Returns how many calls failed (for curiosity; any value is fine). */
unsigned ext2_walk(struct ext2_fs *fs);
unsigned ext2_mutate(struct ext2_fs *fs);

#endif
