/*
 * main.c: the ring's fast paths executed on the emulated cortex-a53 (bare
 * metal, EL1, no libc), where the aarch64-only code (the paired-load batch
 * copy, ldar/stlr, yield) really runs: values checked over many laps, and
 * the instructions of the 8-byte push+pop and of a batch of 32 counted with
 * PMCCNTR in QEMU's exact mode (one count per instruction).
 * Exit status 0: all checks passed.
 */
#include "../../ring.h"

void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dd = d;
	const unsigned char *ss = s;
	while (n--)
		*dd++ = *ss++;
	return d;
}
void *memset(void *d, int c, size_t n)
{
	unsigned char *dd = d;
	while (n--)
		*dd++ = (unsigned char)c;
	return d;
}

static void put(const char *s)
{
	register uint64_t op __asm__("w0") = 0x04;   /* SYS_WRITE0 */
	register const char *arg __asm__("x1") = s;
	__asm__ __volatile__("hlt #0xf000" : : "r"(op), "r"(arg) : "memory");
}

static void put_num(const char *label, uint64_t v)
{
	char buf[64];
	int i = 0;
	while (label[i]) {
		buf[i] = label[i];
		i++;
	}
	char digits[24];
	int n = 0;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		buf[i++] = digits[--n];
	buf[i++] = '\n';
	buf[i] = 0;
	put(buf);
}

static inline uint64_t cycles(void)
{
	uint64_t c;
	__asm__ __volatile__("isb; mrs %0, pmccntr_el0" : "=r"(c) : : "memory");
	return c;
}

static uint64_t region[(7 * RING_LINE + 64 * 16) / 8 + 8];
static uint64_t region2[(7 * RING_LINE + 64 * 16) / 8 + 8];

int main(void);
int main(void)
{
	/* enable the cycle counter */
	__asm__ __volatile__("msr pmcr_el0, %0; msr pmcntenset_el0, %1; isb"
			     : : "r"((uint64_t)1), "r"((uint64_t)1 << 31));
	int bad = 0;
	struct ring_config cfg = { RING_BATCHED, RING_WAKE_POLL, 64, 8 };
	struct ring_prod p;
	struct ring_cons c;
	if (ring_init(region, sizeof region, &cfg) || ring_attach_prod(&p, region, sizeof region, &cfg, 0, 0) ||
	    ring_attach_cons(&c, region, sizeof region, &cfg, 0, 0)) {
		put("ring setup failed\n");
		return 2;
	}
	/* batches through the paired-load copy: every size, wrapping */
	uint64_t in[40], out[40], next_in = 0, next_out = 0;
	for (uint32_t lap = 0; lap < 3000; lap++) {
		uint32_t want = lap % 37 + 1;
		for (uint32_t i = 0; i < want; i++)
			in[i] = next_in + i;
		next_in += ring_spsc_push_n64_w(&p, in, want, RING_WAKE_POLL);
		uint32_t m = ring_spsc_pop_n64_w(&c, out, lap % 23 + 1, RING_WAKE_POLL);
		for (uint32_t i = 0; i < m; i++)
			bad += out[i] != next_out + i;
		next_out += m;
		bad += next_in - next_out > 64;
	}
	for (uint32_t m; (m = ring_spsc_pop_n64_w(&c, out, 40, RING_WAKE_POLL)) != 0; next_out += m)
		for (uint32_t i = 0; i < m; i++)
			bad += out[i] != next_out + i;
	bad += next_out < 10000 || next_out != next_in;
	/* single 8-byte messages */
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t v = 0;
		bad += !ring_spsc_push64_w(&p, next_in + i, RING_WAKE_POLL);
		bad += !ring_spsc_pop64_w(&c, &v, RING_WAKE_POLL) || v != next_in + i;
	}
	/* instruction counts (the counter read costs are in the no-op row) */
	uint64_t t0, t1, v = 0, base, pp, b32;
	t0 = cycles();
	t1 = cycles();
	base = t1 - t0;
	/* the common case: the fewest over 64 tries (the producer re-reads the
	 * tail once per capacity messages, the consumer the head when its
	 * cached copy is used up: those tries cost a few more) */
	pp = ~0ull;
	for (uint64_t i = 0; i < 64; i++) {
		t0 = cycles();
		bool ok1 = ring_spsc_push64_w(&p, i, RING_WAKE_POLL);
		bool ok2 = ring_spsc_pop64_w(&c, &v, RING_WAKE_POLL);
		t1 = cycles();
		if (t1 - t0 - base < pp)
			pp = t1 - t0 - base;
		bad += !ok1 || !ok2 || v != i;
	}
	for (uint32_t i = 0; i < 32; i++)
		in[i] = i;
	/* align the ring so that 32 slots are contiguous */
	while ((p.head & p.mask) != 0) {
		bad += !ring_spsc_push64_w(&p, 0, RING_WAKE_POLL);
		bad += !ring_spsc_pop64_w(&c, &v, RING_WAKE_POLL);
	}
	t0 = cycles();
	uint32_t k1 = ring_spsc_push_n64_w(&p, in, 32, RING_WAKE_POLL);
	uint32_t k2 = ring_spsc_pop_n64_w(&c, out, 32, RING_WAKE_POLL);
	t1 = cycles();
	b32 = t1 - t0 - base;
	bad += k1 != 32 || k2 != 32 || out[31] != 31;
	/* calibration: 20 nops, then 4 stlr, must read 20 and 4 */
	uint64_t nop20, stlr4;
	_Atomic uint32_t word = 0;
	t0 = cycles();
	__asm__ __volatile__(".rept 20\n\tnop\n\t.endr" ::: "memory");
	t1 = cycles();
	nop20 = t1 - t0 - base;
	t0 = cycles();
	__asm__ __volatile__(".rept 4\n\tstlr wzr, [%0]\n\t.endr" : : "r"(&word) : "memory");
	t1 = cycles();
	stlr4 = t1 - t0 - base;
	/* the same on a STAMPED ring: the consumer reads the slot's stamp, so
	 * it has no cached head to run out of */
	struct ring_config scfg = { RING_STAMPED, RING_WAKE_POLL, 64, 8 };
	struct ring_prod sp;
	struct ring_cons sc;
	uint64_t spp = ~0ull;
	if (ring_init(region2, sizeof region2, &scfg) ||
	    ring_attach_prod(&sp, region2, sizeof region2, &scfg, 0, 0) ||
	    ring_attach_cons(&sc, region2, sizeof region2, &scfg, 0, 0))
		bad++;
	for (uint64_t i = 0; i < 200; i++) {
		t0 = cycles();
		bool ok1 = ring_stamped_push64_w(&sp, i, RING_WAKE_POLL);
		bool ok2 = ring_stamped_pop64_w(&sc, &v, RING_WAKE_POLL);
		t1 = cycles();
		if (t1 - t0 - base < spp)
			spp = t1 - t0 - base;
		bad += !ok1 || !ok2 || v != i;
	}
	put_num("instructions, stamped push64+pop64 (poll): ", spp);
	put_num("instructions, 20 nops: ", nop20);
	put_num("instructions, 4 stlr: ", stlr4);
	put_num("instructions, counter read pair: ", base);
	put_num("instructions, push64+pop64 (cached/batched, poll): ", pp);
	put_num("instructions, push_n64+pop_n64 of 32: ", b32);
	put_num("failed checks: ", (uint64_t)bad);
	return bad ? 1 : 0;
}
