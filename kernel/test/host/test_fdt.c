/*
 * fdt.c: /chosen/bootargs found in blobs made by dtc (the real compiler,
 * run by this test), decoys ignored (bootargs in other nodes, in a node
 * under /chosen, a node named like chosen deeper down), truncation to the
 * caller's buffer with the true length returned (so a cut is never silent),
 * values without a NUL or with one inside; and corrupt or truncated blobs return -1 (or a result)
 * without reading outside the blob, which ASan checks: each blob sits in a
 * heap buffer exactly as long as its header says.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "fdt.h"

#define FDT_MAX (1u << 20)

struct blob {
	uint8_t *p;
	size_t len;
};

/* Compile DTS text with dtc. */
static struct blob dtc(const char *dts)
{
	char src[] = "/tmp/ipclab-fdt-XXXXXX";
	int fd = mkstemp(src);
	if (fd < 0 || write(fd, dts, strlen(dts)) != (ssize_t)strlen(dts)) {
		perror("mkstemp/write");
		exit(2);
	}
	close(fd);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "dtc -q -I dts -O dtb -o %s.dtb %s", src, src);
	if (system(cmd) != 0) {
		fprintf(stderr, "dtc failed on:\n%s\n", dts);
		exit(2);
	}
	char out[64];
	snprintf(out, sizeof out, "%s.dtb", src);
	FILE *f = fopen(out, "rb");
	struct blob b = { malloc(FDT_MAX), 0 };
	b.len = fread(b.p, 1, FDT_MAX, f);
	fclose(f);
	unlink(out);
	unlink(src);
	b.p = realloc(b.p, b.len);
	return b;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static char args[1024];

static void test_found(void)
{
	struct blob b = dtc("/dts-v1/;\n/ {\n"
	                    "  decoy { bootargs = \"wrong\"; chosen { bootargs = \"deeper\"; }; };\n"
	                    "  chosen { rng-seed = <1 2 3 4>; stdout-path = \"/pl011\";\n"
	                    "    bootargs = \"test=ntfn_fifo seed=7\"; };\n"
	                    "};\n");
	CHECK_EQ(fdt_bootargs(b.p, args, sizeof args), 21);
	CHECK(strcmp(args, "test=ntfn_fifo seed=7") == 0);
	/* Truncated to the caller's buffer, NUL-terminated; the length is the
	 * whole value's. */
	char small[5];
	CHECK_EQ(fdt_bootargs(b.p, small, sizeof small), 21);
	CHECK(strcmp(small, "test") == 0);
	char one[2] = { 'X', 'Y' };
	CHECK_EQ(fdt_bootargs(b.p, one, 1), 21);
	CHECK_EQ(one[0], '\0');
	CHECK_EQ(one[1], 'Y');
	CHECK_EQ(fdt_bootargs(b.p, one, 0), 21);   /* no room at all: nothing written */
	CHECK_EQ(one[0], '\0');
	CHECK_EQ(one[1], 'Y');
	free(b.p);

	b = dtc("/dts-v1/;\n/ { chosen { bootargs = \"\"; }; };\n");
	strcpy(args, "junk");
	CHECK_EQ(fdt_bootargs(b.p, args, sizeof args), 0);
	CHECK_EQ(args[0], '\0');
	free(b.p);
}

/* Arguments around the size of the boot info's buffer (1024 with its NUL):
 * 1023 bytes fit; from 1024 on, the value is cut and the length says so. */
static void test_long(void)
{
	const size_t lens[] = { 1022, 1023, 1024, 1025, 2000, 4000 };
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		size_t n = lens[i];
		char *val = malloc(n + 1), *dts = malloc(n + 100);
		for (size_t k = 0; k < n; k++)
			val[k] = (char)('a' + k % 26);
		val[n] = '\0';
		snprintf(dts, n + 100, "/dts-v1/;\n/ { chosen { bootargs = \"%s\"; }; };\n", val);
		struct blob b = dtc(dts);
		memset(args, 'Z', sizeof args);
		CHECK_EQ(fdt_bootargs(b.p, args, sizeof args), n);
		size_t kept = n < sizeof args - 1 ? n : sizeof args - 1;
		CHECK_EQ(strlen(args), kept);
		CHECK(memcmp(args, val, kept) == 0);
		free(b.p);
		free(dts);
		free(val);
	}
}

/* A value without its NUL counts every byte; one with a NUL inside (a list
 * of strings) is copied whole, so the caller sees strlen < the length. */
static void test_odd_values(void)
{
	struct blob b = dtc("/dts-v1/;\n/ { chosen { bootargs = [61 62 63]; }; };\n");
	CHECK_EQ(fdt_bootargs(b.p, args, sizeof args), 3);
	CHECK(strcmp(args, "abc") == 0);
	free(b.p);
	b = dtc("/dts-v1/;\n/ { chosen { bootargs = \"ab\", \"cd\"; }; };\n");
	CHECK_EQ(fdt_bootargs(b.p, args, sizeof args), 5);
	CHECK(memcmp(args, "ab\0cd", 6) == 0);
	free(b.p);
	b = dtc("/dts-v1/;\n/ { chosen { bootargs; }; };\n");   /* empty: no byte at all */
	strcpy(args, "junk");
	CHECK_EQ(fdt_bootargs(b.p, args, sizeof args), 0);
	CHECK_EQ(args[0], '\0');
	free(b.p);
}

static void test_absent(void)
{
	const char *const trees[] = {
		/* no /chosen */
		"/dts-v1/;\n/ { memory { bootargs = \"mem\"; }; };\n",
		/* /chosen without bootargs */
		"/dts-v1/;\n/ { chosen { stdout-path = \"/x\"; }; };\n",
		/* bootargs only in a node under /chosen */
		"/dts-v1/;\n/ { chosen { x = <1>; sub { bootargs = \"nested\"; }; }; };\n",
		/* a "chosen" node that is not at the top level */
		"/dts-v1/;\n/ { soc { chosen { bootargs = \"deep\"; }; }; };\n",
		/* a property whose name only starts like bootargs */
		"/dts-v1/;\n/ { chosen { bootargsx = \"no\"; bootarg = \"no\"; }; };\n",
	};
	for (size_t i = 0; i < sizeof trees / sizeof trees[0]; i++) {
		struct blob b = dtc(trees[i]);
		strcpy(args, "junk");
		CHECK_EQ(fdt_bootargs(b.p, args, sizeof args), -1);
		CHECK_EQ(args[0], '\0');
		free(b.p);
	}
}

/* A copy of b in a heap buffer of exactly n bytes, n <= b.len. */
static uint8_t *copy_n(const struct blob *b, size_t n)
{
	uint8_t *p = malloc(n);
	memcpy(p, b->p, n);
	return p;
}

static void test_corrupt_header(void)
{
	struct blob b = dtc("/dts-v1/;\n/ { chosen { bootargs = \"ok\"; }; };\n");
	struct { unsigned off; uint32_t val; } bad[] = {
		{ 0, 0xfeedd00d },          /* magic */
		{ 0, 0 },
		{ 4, FDT_MAX + 1 },         /* totalsize above the limit */
		{ 4, 0xffffffff },
		{ 8, 0xffffffff },          /* off_dt_struct */
		{ 12, 0xffffffff },         /* off_dt_strings */
		{ 32, 0xffffffff },         /* size_dt_strings */
		{ 36, 0xffffffff },         /* size_dt_struct */
		{ 36, 0xfffffff0 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t *p = copy_n(&b, b.len);
		put32(p + bad[i].off, bad[i].val);
		strcpy(args, "junk");
		CHECK_EQ(fdt_bootargs(p, args, sizeof args), -1);
		CHECK_EQ(args[0], '\0');
		free(p);
	}
	/* Sizes that do not fit the total. */
	uint32_t total = get32(b.p + 4);
	uint8_t *p = copy_n(&b, b.len);
	put32(p + 36, total - get32(p + 8) + 1);
	CHECK_EQ(fdt_bootargs(p, args, sizeof args), -1);
	memcpy(p, b.p, b.len);
	put32(p + 32, total - get32(p + 12) + 1);
	CHECK_EQ(fdt_bootargs(p, args, sizeof args), -1);
	free(p);
	free(b.p);
}

/* Truncated blobs: the first n bytes, the header saying n (and the
 * struct and strings blocks cut to fit).  The walk must stay inside. */
static void test_truncated(void)
{
	struct blob b = dtc("/dts-v1/;\n/ { a { b = <1>; }; chosen { x = \"y\";"
	                    " bootargs = \"truncate me\"; }; };\n");
	uint32_t off_struct = get32(b.p + 8), off_strings = get32(b.p + 12);
	unsigned found = 0, refused = 0;
	for (size_t n = 40; n <= b.len; n++) {
		uint8_t *p = copy_n(&b, n);
		put32(p + 4, (uint32_t)n);
		uint32_t ss = get32(p + 36), st = get32(p + 32);
		if (off_struct + ss > n)
			put32(p + 36, off_struct < n ? (uint32_t)(n - off_struct) : 0);
		if (off_strings + st > n)
			put32(p + 32, off_strings < n ? (uint32_t)(n - off_strings) : 0);
		if (off_struct > n)
			put32(p + 8, (uint32_t)n);
		if (off_strings > n)
			put32(p + 12, (uint32_t)n);
		int64_t r = fdt_bootargs(p, args, sizeof args);
		CHECK(r == 11 || r == -1);
		if (r == 11) {
			CHECK(strcmp(args, "truncate me") == 0);
			found++;
		} else {
			CHECK_EQ(args[0], '\0');
			refused++;
		}
		free(p);
	}
	CHECK(found > 0 && refused > 0);
	/* The header claims more than there is: -1, nothing read past it
	 * (the buffer is 1 MiB, the most the header may claim). */
	uint8_t *p = calloc(1, FDT_MAX);
	memcpy(p, b.p, b.len);
	put32(p + 36, 0x1000);   /* struct block runs into zeroes: an invalid token 0 */
	CHECK_EQ(fdt_bootargs(p, args, sizeof args), -1);
	free(p);
	free(b.p);
}

/* Every byte of a valid blob replaced by a few values: never a crash,
 * never a read outside the 1 MiB the header may claim. */
static void test_mutations(void)
{
	struct blob b = dtc("/dts-v1/;\n/ { model = \"m\"; chosen { stdout-path = \"/u\";"
	                    " bootargs = \"mutant\"; }; n { p = <5>; }; };\n");
	uint8_t *p = calloc(1, FDT_MAX);
	const uint8_t vals[] = { 0x00, 0xff, 0x80, 0x01, 0x03, 0x09, 0x7f };
	unsigned runs = 0;
	for (size_t i = 0; i < b.len; i++) {
		for (size_t v = 0; v < sizeof vals + 1; v++) {
			memcpy(p, b.p, b.len);
			p[i] = v < sizeof vals ? vals[v] : (uint8_t)(b.p[i] ^ 0x40);
			int64_t r = fdt_bootargs(p, args, sizeof args);
			CHECK(r >= -1 && r < FDT_MAX);
			if (r == -1)
				CHECK_EQ(args[0], '\0');
			CHECK(strlen(args) < sizeof args);
			CHECK((int64_t)strlen(args) <= (r < 0 ? 0 : r));
			runs++;
		}
	}
	CHECK(runs == b.len * (sizeof vals + 1));
	free(p);
	free(b.p);
}

/* fdt_cpus: the cpu@ nodes of /cpus with device_type "cpu" and their reg
 * (one cell or two), in tree order, QEMU's layout with a cpu-map beside
 * them; not a cpu-map entry, not a cpu@ node elsewhere, not one whose
 * device_type is something else; the conduit of /psci; and nothing from a
 * corrupt blob, mutated anywhere (under ASan). */
static void test_cpus(void)
{
	struct blob b = dtc("/dts-v1/;\n/ { psci { method = \"hvc\"; cpu_on = <0xc4000003>; };\n"
	                    " cpus { #address-cells = <1>; #size-cells = <0>;\n"
	                    "  cpu-map { cluster0 { core0 { cpu = <1>; }; }; };\n"
	                    "  cpu@0 { device_type = \"cpu\"; reg = <0>; };\n"
	                    "  cpu@1 { reg = <1>; device_type = \"cpu\"; enable-method = \"psci\"; };\n"
	                    "  cpu@2 { device_type = \"cache\"; reg = <2>; };\n"
	                    "  cpu@103 { device_type = \"cpu\"; reg = <0x103>; }; };\n"
	                    " soc { cpu@9 { device_type = \"cpu\"; reg = <9>; }; }; };\n");
	struct fdt_cpus c;
	CHECK_EQ(fdt_cpus(b.p, &c), 0);
	CHECK_EQ(c.n, 3);
	CHECK(c.mpidr[0] == 0 && c.mpidr[1] == 1 && c.mpidr[2] == 0x103);
	CHECK(c.psci_hvc && !c.psci_smc);
	struct blob b2 = dtc("/dts-v1/;\n/ { psci { method = \"smc\"; };\n"
	                     " cpus { #address-cells = <2>; #size-cells = <0>;\n"
	                     "  cpu@0 { device_type = \"cpu\"; reg = <0 0>; };\n"
	                     "  cpu@100000000 { device_type = \"cpu\"; reg = <1 0>; }; }; };\n");
	CHECK_EQ(fdt_cpus(b2.p, &c), 0);
	CHECK(c.n == 2 && c.mpidr[1] == 1ull << 32 && c.psci_smc && !c.psci_hvc);
	/* No /cpus, no /psci: none, no conduit. */
	struct blob b3 = dtc("/dts-v1/;\n/ { chosen { bootargs = \"x\"; }; };\n");
	CHECK_EQ(fdt_cpus(b3.p, &c), 0);
	CHECK(c.n == 0 && !c.psci_hvc && !c.psci_smc);
	uint8_t *p = calloc(1, FDT_MAX);
	for (size_t i = 0; i < b.len; i++) {
		memcpy(p, b.p, b.len);
		p[i] ^= 0x41;
		int r = fdt_cpus(p, &c);
		CHECK(r == 0 || (r == -1 && c.n == 0));
		CHECK(r != 0 || c.n <= 4);
	}
	free(p);
	free(b.p);
	free(b2.p);
	free(b3.p);
}

int main(void)
{
	test_cpus();
	test_found();
	test_long();
	test_odd_values();
	test_absent();
	test_corrupt_header();
	test_truncated();
	test_mutations();
	return check_report("fdt");
}
