/* 16550 UART.  Output polls the transmit-holding-register-empty bit so no
 * byte is lost when the host side is slow; no interrupts are used. */
#include "drivers/serial.h"
#include "arch/x86_64/cpu.h"

#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

void serial_init(uint16_t port)
{
    outb(port + REG_IER, 0);
    outb(port + REG_LCR, 0x80);      /* DLAB: set the divisor */
    outb(port + REG_DATA, 1);        /* 115200 baud */
    outb(port + REG_IER, 0);
    outb(port + REG_LCR, 0x03);      /* 8N1 */
    outb(port + REG_FCR, 0x07);      /* FIFOs on and cleared */
    outb(port + REG_MCR, 0x03);      /* DTR, RTS */
}

void serial_write(uint16_t port, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        while (!(inb(port + REG_LSR) & LSR_THR_EMPTY))
            cpu_relax();
        outb(port + REG_DATA, (uint8_t)s[i]);
    }
}

size_t serial_read(uint16_t port, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n && (inb(port + REG_LSR) & LSR_DATA_READY))
        buf[got++] = (char)inb(port + REG_DATA);
    return got;
}

static uint16_t log_port = COM2;

void serial_set_log_port(uint16_t port)
{
    log_port = port;
}

void serial_log_sink(const char *s, size_t n)
{
    serial_write(log_port, s, n);
}

bool serial_input_ready(uint16_t port)
{
    return inb(port + REG_LSR) & LSR_DATA_READY;
}
