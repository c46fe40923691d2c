#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define COM1 0x3f8   /* the program's console */
#define COM2 0x2f8   /* the kernel log */

void serial_init(uint16_t port);
void serial_write(uint16_t port, const char *s, size_t n);
/* Reads what is waiting, without blocking; returns the count. */
size_t serial_read(uint16_t port, char *buf, size_t n);
bool serial_input_ready(uint16_t port);
/* Log sink for the kernel log (COM2 unless moved). */
void serial_set_log_port(uint16_t port);
void serial_log_sink(const char *s, size_t n);

#endif
