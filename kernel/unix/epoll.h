/* epoll's hook into descriptor closing. */
#ifndef UNIX_EPOLL_H
#define UNIX_EPOLL_H

struct file;
/* The last descriptor of f went away: every epoll forgets it (Linux's
 * eventpoll_release), before the file's release. */
void epoll_file_closing(struct file *f);

#endif
