#ifndef UNIX_DEVICES_H
#define UNIX_DEVICES_H

/* /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom, /dev/console
 * and /dev/tty in the root file system. */
void dev_nodes_create(void);

#endif
