/*
 * A synthetic guest of known instruction mix and footprint for the
 * plugin's tests (plugin/test/test_plugin.py), booted bare on QEMU's virt
 * board (-kernel, at EL1, MMU off).  ITER times, between two counter reads:
 *
 *   measure: bl seven; bl touch; mrs    3 instructions (the closing read included)
 *   seven:   6 nop; ret                 7
 *   touch:   adr; 5 ldr; str; ret       8, 6 distinct data lines
 *                                       ---
 *                                       18 a run, 3 instruction lines
 *
 * Each function sits alone in a 64-byte line, and `buf` is 64-byte
 * aligned, so every count above is exact.  Then a semihosting exit 0.
 */
	.equ ITER, 50

	.section .text.boot, "ax"
	.global _start
_start:
	mov	x20, #ITER
	b	measure

	.balign 64
measure:
	mrs	x0, pmccntr_el0
	bl	seven
	bl	touch
	mrs	x0, pmccntr_el0
	subs	x20, x20, #1
	b.ne	measure
	b	done

	.balign 64
seven:
	nop
	nop
	nop
	nop
	nop
	nop
	ret

	.balign 64
touch:
	adr	x1, buf
	ldr	x2, [x1]
	ldr	x2, [x1, #64]
	ldr	x2, [x1, #128]
	ldr	x2, [x1, #192]
	ldr	x2, [x1, #256]
	str	x2, [x1, #320]
	ret

	.balign 64
done:
	/* SYS_EXIT with ADP_Stopped_ApplicationExit and status 0 */
	adr	x1, exit_block
	mov	x0, #0x18
	hlt	#0xf000
	b	.

	.balign 8
exit_block:
	.quad	0x20026, 0

	.balign 64
buf:
	.fill	512, 1, 0
