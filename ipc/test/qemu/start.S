/* Bare-metal entry for the aarch64 ring test: a stack, C, then exit
 * through semihosting with main's return value as QEMU's exit status. */
	.text
	.global _start
_start:
	ldr	x0, =stack_top
	mov	sp, x0
	bl	main
	adr	x1, exit_block
	str	x0, [x1, #8]
	mov	w0, #0x18		/* SYS_EXIT */
	hlt	#0xf000
1:	b	1b

	.data
	.balign	8
exit_block:
	.quad	0x20026, 0		/* ADP_Stopped_ApplicationExit, code */

	.bss
	.balign	16
	.space	65536
stack_top:
