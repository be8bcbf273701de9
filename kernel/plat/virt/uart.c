/* PL011 console: polled output only.  QEMU needs no baud-rate setup. */
#include "plat.h"

#define UART_DR   0x00
#define UART_FR   0x18
#define UART_CR   0x30
#define FR_TXFF   (1u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE    (1u << 8)

static inline volatile uint32_t *uart_reg(unsigned off)
{
	return (volatile uint32_t *)(PLAT_UART_BASE + off);
}

void plat_console_init(void)
{
	*uart_reg(UART_CR) = CR_UARTEN | CR_TXE;
}

void plat_putc(char c)
{
	while (*uart_reg(UART_FR) & FR_TXFF)
		;
	*uart_reg(UART_DR) = (uint32_t)(unsigned char)c;
}
