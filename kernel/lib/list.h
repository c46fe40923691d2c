/* Intrusive doubly linked circular lists: a node lives inside the object
 * it links, so putting an object on a list never allocates. */
#ifndef LIB_LIST_H
#define LIB_LIST_H
#include <stddef.h>
#include <stdbool.h>

struct list_node {
    struct list_node *next, *prev;
};

#define LIST_ENTRY(node, type, member) ((type *)((char *)(node) - offsetof(type, member)))

static inline void list_init(struct list_node *head)
{
    head->next = head->prev = head;
}

static inline bool list_empty(const struct list_node *head)
{
    return head->next == head;
}

/* Inserts n after pos. */
static inline void list_insert_after(struct list_node *pos, struct list_node *n)
{
    n->prev = pos;
    n->next = pos->next;
    pos->next->prev = n;
    pos->next = n;
}

static inline void list_add_tail(struct list_node *head, struct list_node *n)
{
    list_insert_after(head->prev, n);
}

/* Unlinks n and leaves it pointing at itself (list_empty(n) then says it
 * is on no list). */
static inline void list_del(struct list_node *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n->prev = n;
}

#endif
