/* The root task's reading of its boot arguments: see args.h. */
#include <stdbool.h>
#include <stddef.h>
#include <ipclab/abi.h>
#include "args.h"
#include "lib/fmt.h"
#include "lib/string.h"

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* The next word at or after *pos: its start, and its length in *n (0 at the end). */
static const char *next_word(const char *s, size_t *pos, size_t *n)
{
	size_t i = *pos;
	while (s[i] && is_space(s[i]))
		i++;
	size_t start = i;
	while (s[i] && !is_space(s[i]))
		i++;
	*n = i - start;
	*pos = i;
	return s + start;
}

/* The word is `key` alone or `key=...`. */
static bool has_key(const char *w, size_t n, const char *key)
{
	size_t k = strlen(key);
	return n >= k && memcmp(w, key, k) == 0 && (n == k || w[k] == '=');
}

/* Append n bytes of s to the message at *len, keeping its NUL. */
static void put(struct root_cmd *cmd, size_t *len, const char *s, size_t n)
{
	for (size_t i = 0; i < n && *len + 1 < sizeof cmd->why; i++)
		cmd->why[(*len)++] = s[i];
	cmd->why[*len] = '\0';
}

/* A refusal naming the words from pos on, quoted, in order; when they do
 * not all fit the message, it ends in "...". */
static void refuse_words(struct root_cmd *cmd, const char *lead, const char *args, size_t pos)
{
	size_t len = 0, n;
	put(cmd, &len, lead, strlen(lead));
	for (const char *w = next_word(args, &pos, &n); n; w = next_word(args, &pos, &n)) {
		if (len + n + 3 + 4 >= sizeof cmd->why) {   /* " 'w'", and room for " ..." */
			put(cmd, &len, " ...", 4);
			break;
		}
		put(cmd, &len, " '", 2);
		put(cmd, &len, w, n);
		put(cmd, &len, "'", 1);
	}
	cmd->mode = ROOT_REFUSED;
}

void root_parse_args(const char *args, uint64_t len, struct root_cmd *cmd)
{
	cmd->test[0] = '\0';
	cmd->why[0] = '\0';
	size_t held = strlen(args);
	if (len > held) {
		cmd->mode = ROOT_REFUSED;
		if (len >= BOOTARGS_MAX)
			fmt_snprintf(cmd->why, sizeof cmd->why,
			             "boot arguments of %lu bytes, more than the %u this image reads: refused, not cut",
			             (unsigned long)len, BOOTARGS_MAX - 1);
		else
			fmt_snprintf(cmd->why, sizeof cmd->why,
			             "boot arguments hold a NUL byte at offset %lu (of %lu bytes)",
			             (unsigned long)held, (unsigned long)len);
		return;
	}
	size_t pos = 0, n;
	const char *first = next_word(args, &pos, &n);
	if (n == 0) {
		cmd->mode = ROOT_DEMO;
		return;
	}
	/* A workload run: the workload parser judges every word. */
	size_t p = 0, wn;
	for (const char *w = next_word(args, &p, &wn); wn; w = next_word(args, &p, &wn)) {
		if (has_key(w, wn, "workload")) {
			cmd->mode = ROOT_WORKLOAD;
			return;
		}
	}
	if (!has_key(first, n, "test")) {
		refuse_words(cmd, "boot arguments not understood:", args, 0);
		return;
	}
	size_t after = pos;
	if (next_word(args, &pos, &wn), wn) {
		refuse_words(cmd, "not understood after 'test':", args, after);
		return;
	}
	cmd->mode = ROOT_TESTS;
	if (n == 4)
		return;
	size_t nlen = n - 5;
	if (nlen == 0) {
		cmd->mode = ROOT_REFUSED;
		fmt_snprintf(cmd->why, sizeof cmd->why, "'test=' names no test (test alone runs them all)");
	} else if (nlen >= sizeof cmd->test) {
		cmd->mode = ROOT_REFUSED;
		fmt_snprintf(cmd->why, sizeof cmd->why, "a test name of %lu characters, longer than any (%u at most)",
		             (unsigned long)nlen, (unsigned)sizeof cmd->test - 1);
	} else {
		memcpy(cmd->test, first + 5, nlen);
		cmd->test[nlen] = '\0';
	}
}
