/*
 * A flattened device tree walker just big enough for /chosen/bootargs.
 * Every offset read from the blob is checked against its size: a corrupt
 * tree gives "no bootargs", never a fault.  /chosen/rng-seed is never read
 * (it changes on every boot and would make exact runs differ).
 */
#include "fdt.h"
#include "lib/string.h"

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9
#define FDT_MAX_SIZE   (1u << 20)

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int64_t fdt_bootargs(const void *dtb, char *buf, size_t n)
{
	const uint8_t *b = dtb;
	if (n)
		buf[0] = '\0';
	if (be32(b) != FDT_MAGIC)
		return -1;
	uint32_t total = be32(b + 4), off_struct = be32(b + 8), off_strings = be32(b + 12);
	uint32_t size_strings = be32(b + 32), size_struct = be32(b + 36);
	if (total > FDT_MAX_SIZE || off_struct > total || size_struct > total - off_struct ||
	    off_strings > total || size_strings > total - off_strings)
		return -1;
	const uint8_t *s = b + off_struct, *end = s + size_struct;
	int depth = 0, chosen_depth = -1;
	while (s + 4 <= end) {
		uint32_t tok = be32(s);
		s += 4;
		switch (tok) {
		case FDT_BEGIN_NODE: {
			const char *name = (const char *)s;
			size_t len = 0;
			while (s + len < end && s[len])
				len++;
			if (s + len >= end)
				return -1;
			depth++;
			if (depth == 2 && len == 6 && memcmp(name, "chosen", 6) == 0)
				chosen_depth = depth;
			s += (len + 1 + 3) & ~(size_t)3;
			break;
		}
		case FDT_END_NODE:
			if (depth == chosen_depth)
				chosen_depth = -1;
			depth--;
			break;
		case FDT_PROP: {
			if (s + 8 > end)
				return -1;
			uint32_t len = be32(s), nameoff = be32(s + 4);
			s += 8;
			if (len > (size_t)(end - s) || nameoff >= size_strings)
				return -1;
			const char *pname = (const char *)b + off_strings + nameoff;
			size_t maxname = size_strings - nameoff;
			if (depth == chosen_depth && maxname >= 9 && memcmp(pname, "bootargs", 9) == 0) {
				/* The value is a string with its NUL; without one (a
				 * malformed tree) every byte counts. */
				size_t vlen = len && s[len - 1] == '\0' ? len - 1 : len;
				if (n) {
					size_t m = vlen < n - 1 ? vlen : n - 1;
					memcpy(buf, s, m);
					buf[m] = '\0';
				}
				return (int64_t)vlen;
			}
			s += (len + 3) & ~3u;
			break;
		}
		case FDT_NOP:
			break;
		case FDT_END:
			return -1;
		default:
			return -1;
		}
	}
	return -1;
}
