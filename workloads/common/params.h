/*
 * The workload registry and the parser of a run's `key=value` words
 * (bench/FORMAT.md, "How a run is started").
 *
 * Rules:
 *  - Freestanding C11: no libc, no heap; the parser never copies a word and
 *    never writes past errlen.
 *  - Every workload implicitly takes the common parameters `iterations`,
 *    `warmup` and `seed` (wl_common_params). A workload that lists one of
 *    them in its own table overrides its range and default.
 *  - A parameter with `choices` (a NULL-terminated list of names) takes one of
 *    those names; its value is the index. min and max are ignored.
 *  - `mode` (exact|timed) is no parameter: it is stored in wl_args.mode.
 *  - `workload=list` asks for the registry, not a run: check wl_wants_list()
 *    first and answer with wl_list(); wl_parse() refuses it (WL_ERR_LIST).
 *  - The table a wl_args points to must outlive it (use static tables).
 */
#ifndef IPCLAB_WORKLOADS_PARAMS_H
#define IPCLAB_WORKLOADS_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stream.h"

#define WL_MAX_PARAMS 16 /* own parameters + the common ones */
#define WL_NCOMMON 3     /* iterations, warmup, seed */

struct wl_param {
	const char *name;
	int64_t min, max, def;      /* inclusive range; def for choices: an index */
	const char *const *choices; /* NULL for an integer */
};

struct wl_args;

struct wl_desc {
	const char *name;
	const char *summary;
	const struct wl_param *params; /* own parameters only */
	size_t nparams;                /* at most WL_MAX_PARAMS - WL_NCOMMON */
	int (*run)(const struct wl_args *a);
};

/*
 * A parsed configuration. val[i] holds params[i] for i < nparams, and the
 * common parameter k at val[nparams + k] (unused when overridden); read them
 * by name with wl_get().
 */
struct wl_args {
	const struct wl_desc *desc;
	int64_t val[WL_MAX_PARAMS];
	char mode[8]; /* "exact" or "timed" */
};

/* Error codes of wl_parse (negative; 0 is success). */
enum wl_err {
	WL_OK = 0,
	WL_ERR_MALFORMED = -1,      /* not key=value, or a bad key */
	WL_ERR_NO_WORKLOAD = -2,    /* no workload= word */
	WL_ERR_UNKNOWN_WORKLOAD = -3,
	WL_ERR_UNKNOWN_PARAM = -4,
	WL_ERR_DUPLICATE = -5,      /* a key given twice */
	WL_ERR_NUMBER = -6,         /* not a decimal integer (FORMAT.md's syntax) */
	WL_ERR_RANGE = -7,          /* outside min..max */
	WL_ERR_CHOICE = -8,         /* not one of the choices (mode included) */
	WL_ERR_LIST = -9,           /* workload=list: not a run */
	WL_ERR_TABLE = -10,         /* the table itself is wrong (too many params,
	                               a parameter named like a reserved key) */
	WL_ERR_RESERVED = -11,      /* a word names a reserved stream key */
};

extern const struct wl_param wl_common_params[WL_NCOMMON];

/*
 * Parse `words` (separated by spaces, tabs or newlines) against the table.
 * On success fills *out (defaults for every parameter not given) and returns
 * 0; otherwise returns a wl_err and writes a one-line message naming the
 * problem into err (always NUL-terminated when errlen > 0).
 */
int wl_parse(const struct wl_desc *table, size_t n, const char *words,
	     struct wl_args *out, char *err, size_t errlen);

/* True when the words contain `workload=list`. */
bool wl_wants_list(const char *words);

/* The workload named `name`, or NULL. */
const struct wl_desc *wl_find(const struct wl_desc *table, size_t n,
			      const char *name);

/* The value of parameter `name` (own or common); 0 when there is none. */
int64_t wl_get(const struct wl_args *a, const char *name);

/* The name of a choice parameter's value; NULL for an integer parameter. */
const char *wl_get_choice(const struct wl_args *a, const char *name);

/*
 * The parameters as `k=v k=v` for the BEGIN line: iterations, warmup, seed,
 * then the workload's own in table order; choices by name. Always
 * NUL-terminated (truncated when len is too small).
 */
void wl_header(const struct wl_args *a, char *buf, size_t len);

/*
 * A whole BEGIN kv list: `workload=<w> metric=<m> unit=<u> counter=<c>
 * mode=<mode> platform=<p> overhead=<o> per=<n> <wl_header>` (stream_frame
 * adds samples=). Returns false when it did not fit in len (buf is then
 * truncated) or the workload names a parameter like a reserved key.
 */
bool wl_frame_kv(const struct wl_args *a, const char *metric, const char *unit,
		 const char *counter, const char *platform, int64_t overhead,
		 int64_t per, char *buf, size_t len);

/*
 * The registry, for `workload=list`: one stream_workload line per workload,
 * `WORKLOAD name=<w> params=<p>,<p>,...` then DONE status=ok, where
 * each <p> is `<name>:<min>:<max>:<default>` for an integer and
 * `<name>:<c1>|<c2>|...:<default>` for a choice (three fields). A workload
 * whose list does not fit 1024 bytes or whose table is wrong gets an ERROR
 * line instead, and DONE says fail.
 */
void wl_list(struct stream *st, const struct wl_desc *table, size_t n);

#endif
