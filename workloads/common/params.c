/* The workload registry and the key=value parser. See params.h. */
#include "params.h"

static const char *const mode_names[] = { "exact", "timed", NULL };

const struct wl_param wl_common_params[WL_NCOMMON] = {
	{ .name = "iterations", .min = 1, .max = 1000000, .def = 1000 },
	{ .name = "warmup", .min = 0, .max = 100000, .def = 100 },
	{ .name = "seed", .min = 0, .max = 4294967295LL, .def = 1 },
};

/* ---- strings without libc ---------------------------------------------- */

/* A word of the input: not NUL-terminated. */
struct slice {
	const char *p;
	size_t n;
};

static size_t str_len(const char *s)
{
	size_t n = 0;
	while (s[n] != '\0')
		n++;
	return n;
}

static bool slice_is(struct slice s, const char *z)
{
	size_t i;

	for (i = 0; i < s.n; i++)
		if (z[i] == '\0' || z[i] != s.p[i])
			return false;
	return z[i] == '\0';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The next word at or after *pos, or a zero-length slice at the end. */
static struct slice next_word(const char *words, size_t *pos)
{
	struct slice w;
	size_t i = *pos;

	while (words[i] != '\0' && is_space(words[i]))
		i++;
	w.p = words + i;
	while (words[i] != '\0' && !is_space(words[i]))
		i++;
	w.n = (size_t)(words + i - w.p);
	*pos = i;
	return w;
}

/* Split `key=value` at the first '='; false when there is none. */
static bool split_word(struct slice w, struct slice *key, struct slice *val)
{
	for (size_t i = 0; i < w.n; i++) {
		if (w.p[i] == '=') {
			key->p = w.p;
			key->n = i;
			val->p = w.p + i + 1;
			val->n = w.n - i - 1;
			return true;
		}
	}
	return false;
}

/* Keys match [a-z][a-z0-9_]* (bench/FORMAT.md). */
static bool key_ok(struct slice k)
{
	if (k.n == 0 || k.p[0] < 'a' || k.p[0] > 'z')
		return false;
	for (size_t i = 1; i < k.n; i++) {
		char c = k.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/*
 * The one integer syntax of a run's words (bench/FORMAT.md): decimal digits,
 * no leading zero (0 itself excepted), a leading '-' only when the
 * parameter's range reaches below zero; no '+', no 0x, no exponent.  The
 * harness writes exactly this, so anything else is a typo or a trick: `010`
 * would be ten here and eight to a C programmer, `0x10` sixteen here and an
 * error to the harness.  False on anything else or on overflow.
 */
static bool parse_i64(struct slice s, bool allow_neg, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	uint64_t v = 0, limit;

	if (s.n > 0 && s.p[0] == '-') {
		if (!allow_neg)
			return false;
		neg = true;
		i = 1;
	}
	if (i >= s.n)
		return false;
	if (s.p[i] == '0' && (s.n - i > 1 || neg))
		return false;          /* a leading zero, or -0 */
	limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
	for (; i < s.n; i++) {
		char c = s.p[i];
		unsigned d;

		if (c < '0' || c > '9')
			return false;
		d = (unsigned)(c - '0');
		if (v > (limit - d) / 10u)
			return false;
		v = v * 10u + d;
	}
	*out = neg ? (int64_t)((uint64_t)0 - v) : (int64_t)v;
	return true;
}

/* ---- a bounded message builder ----------------------------------------- */

struct msg {
	char *buf;
	size_t len; /* capacity, NUL included */
	size_t pos;
	bool full;  /* something did not fit */
};

static void msg_init(struct msg *m, char *buf, size_t len)
{
	m->buf = buf;
	m->len = len;
	m->pos = 0;
	m->full = false;
	if (len > 0)
		buf[0] = '\0';
}

static void msg_put(struct msg *m, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (m->pos + 1 >= m->len) {
			m->full = true;
			break;
		}
		m->buf[m->pos++] = s[i];
	}
	if (m->len > 0)
		m->buf[m->pos] = '\0';
}

static void msg_str(struct msg *m, const char *s)
{
	msg_put(m, s, str_len(s));
}

static void msg_slice(struct msg *m, struct slice s)
{
	msg_put(m, s.p, s.n);
}

static void msg_i64(struct msg *m, int64_t v)
{
	char d[FMT_INT_MAX];
	msg_put(m, d, fmt_i64(d, v));
}

/* ---- the table ---------------------------------------------------------- */

const struct wl_desc *wl_find(const struct wl_desc *table, size_t n,
			      const char *name)
{
	struct slice s = { name, str_len(name) };

	for (size_t i = 0; i < n; i++)
		if (slice_is(s, table[i].name))
			return &table[i];
	return NULL;
}

static const struct wl_desc *find_slice(const struct wl_desc *table, size_t n,
					struct slice name)
{
	for (size_t i = 0; i < n; i++)
		if (slice_is(name, table[i].name))
			return &table[i];
	return NULL;
}

/* Index into wl_args.val of parameter `name`, or -1; *p gets its definition. */
static int param_index(const struct wl_desc *d, struct slice name,
		       const struct wl_param **p)
{
	for (size_t i = 0; i < d->nparams; i++) {
		if (slice_is(name, d->params[i].name)) {
			*p = &d->params[i];
			return (int)i;
		}
	}
	for (size_t k = 0; k < WL_NCOMMON; k++) {
		if (slice_is(name, wl_common_params[k].name)) {
			*p = &wl_common_params[k];
			return (int)(d->nparams + k);
		}
	}
	return -1;
}

/* A common parameter the workload redefines in its own table. */
static bool overridden(const struct wl_desc *d, const char *common)
{
	struct slice s = { common, str_len(common) };

	for (size_t i = 0; i < d->nparams; i++)
		if (slice_is(s, d->params[i].name))
			return true;
	return false;
}

static void msg_choices(struct msg *m, const char *const *choices, const char *sep)
{
	for (size_t c = 0; choices[c] != NULL; c++) {
		if (c > 0)
			msg_str(m, sep);
		msg_str(m, choices[c]);
	}
}

/* ---- parsing ------------------------------------------------------------ */

/* The value of one parameter word into *v; a message on error. */
static int parse_value(const struct wl_param *p, struct slice key,
		       struct slice val, int64_t *v, struct msg *m)
{
	if (p->choices != NULL) {
		for (size_t c = 0; p->choices[c] != NULL; c++) {
			if (slice_is(val, p->choices[c])) {
				*v = (int64_t)c;
				return WL_OK;
			}
		}
		msg_slice(m, key);
		msg_str(m, "=");
		msg_slice(m, val);
		msg_str(m, " is not one of ");
		msg_choices(m, p->choices, ",");
		return WL_ERR_CHOICE;
	}
	if (!parse_i64(val, p->min < 0, v)) {
		msg_slice(m, key);
		msg_str(m, "=");
		msg_slice(m, val);
		msg_str(m, p->min < 0 ? " is not a decimal integer (digits, '-' for a negative, "
					"no leading zero)"
				      : " is not a decimal integer (digits only: no sign, no "
					"leading zero)");
		return WL_ERR_NUMBER;
	}
	if (*v < p->min || *v > p->max) {
		msg_slice(m, key);
		msg_str(m, "=");
		msg_slice(m, val);
		msg_str(m, " out of range ");
		msg_i64(m, p->min);
		msg_str(m, "..");
		msg_i64(m, p->max);
		return WL_ERR_RANGE;
	}
	return WL_OK;
}

/* A table may not name a parameter like a reserved stream key: its frames
 * could not say which `unit=` is the unit. */
static int check_table(const struct wl_desc *d, struct msg *m)
{
	for (size_t i = 0; i < d->nparams; i++) {
		const char *name = d->params[i].name;

		if (stream_key_reserved(name, str_len(name))) {
			msg_str(m, "workload ");
			msg_str(m, d->name);
			msg_str(m, ": parameter '");
			msg_str(m, name);
			msg_str(m, "' is a reserved stream key");
			return WL_ERR_TABLE;
		}
	}
	return WL_OK;
}

static int malformed(struct msg *m, struct slice w)
{
	msg_str(m, "malformed word '");
	msg_slice(m, w);
	msg_str(m, "' (expected key=value, key in [a-z][a-z0-9_]*)");
	return WL_ERR_MALFORMED;
}

static int duplicate(struct msg *m, struct slice key)
{
	msg_str(m, "duplicate key '");
	msg_slice(m, key);
	msg_str(m, "'");
	return WL_ERR_DUPLICATE;
}

int wl_parse(const struct wl_desc *table, size_t n, const char *words,
	     struct wl_args *out, char *err, size_t errlen)
{
	struct msg m;
	struct slice w, key, val, wname = { NULL, 0 };
	const struct wl_desc *d;
	size_t pos = 0;
	uint32_t seen = 0;   /* bit i: val[i] given */
	bool seen_mode = false;
	int rc;

	msg_init(&m, err, errlen);
	out->desc = NULL;

	/* Pass 1: every word well formed, exactly one workload. */
	for (w = next_word(words, &pos); w.n > 0; w = next_word(words, &pos)) {
		if (!split_word(w, &key, &val) || !key_ok(key) || val.n == 0)
			return malformed(&m, w);
		if (slice_is(key, "workload")) {
			if (wname.p != NULL)
				return duplicate(&m, key);
			wname = val;
		}
	}
	if (wname.p == NULL) {
		msg_str(&m, "missing workload=<name> (workload=list shows them)");
		return WL_ERR_NO_WORKLOAD;
	}
	if (slice_is(wname, "list")) {
		msg_str(&m, "workload=list asks for the registry, not a run");
		return WL_ERR_LIST;
	}
	d = find_slice(table, n, wname);
	if (d == NULL) {
		msg_str(&m, "unknown workload '");
		msg_slice(&m, wname);
		msg_str(&m, "'");
		return WL_ERR_UNKNOWN_WORKLOAD;
	}
	if (d->nparams + WL_NCOMMON > WL_MAX_PARAMS) {
		msg_str(&m, "workload ");
		msg_str(&m, d->name);
		msg_str(&m, " has too many parameters");
		return WL_ERR_TABLE;
	}
	rc = check_table(d, &m);
	if (rc != WL_OK)
		return rc;

	/* Defaults, then pass 2: the values. */
	for (size_t i = 0; i < WL_MAX_PARAMS; i++)
		out->val[i] = 0;
	for (size_t i = 0; i < d->nparams; i++)
		out->val[i] = d->params[i].def;
	for (size_t k = 0; k < WL_NCOMMON; k++)
		out->val[d->nparams + k] = wl_common_params[k].def;
	out->mode[0] = 'e';
	out->mode[1] = 'x';
	out->mode[2] = 'a';
	out->mode[3] = 'c';
	out->mode[4] = 't';
	out->mode[5] = '\0';

	pos = 0;
	for (w = next_word(words, &pos); w.n > 0; w = next_word(words, &pos)) {
		const struct wl_param *p;
		int idx;
		int64_t v;

		split_word(w, &key, &val);
		if (slice_is(key, "workload"))
			continue;
		if (slice_is(key, "mode")) {
			if (seen_mode)
				return duplicate(&m, key);
			seen_mode = true;
			if (slice_is(val, "exact") || slice_is(val, "timed")) {
				for (size_t i = 0; i < val.n; i++)
					out->mode[i] = val.p[i];
				out->mode[val.n] = '\0';
				continue;
			}
			msg_str(&m, "mode=");
			msg_slice(&m, val);
			msg_str(&m, " is not one of ");
			msg_choices(&m, mode_names, ",");
			return WL_ERR_CHOICE;
		}
		if (stream_key_reserved(key.p, key.n)) {
			msg_str(&m, "'");
			msg_slice(&m, key);
			msg_str(&m, "' is a key the result stream reserves, not a parameter");
			return WL_ERR_RESERVED;
		}
		idx = param_index(d, key, &p);
		if (idx < 0) {
			msg_str(&m, "unknown parameter '");
			msg_slice(&m, key);
			msg_str(&m, "' for workload ");
			msg_str(&m, d->name);
			return WL_ERR_UNKNOWN_PARAM;
		}
		if (seen & (1u << idx))
			return duplicate(&m, key);
		seen |= 1u << idx;
		rc = parse_value(p, key, val, &v, &m);
		if (rc != WL_OK)
			return rc;
		out->val[idx] = v;
	}
	out->desc = d;
	return WL_OK;
}

bool wl_wants_list(const char *words)
{
	size_t pos = 0;
	struct slice w;

	for (w = next_word(words, &pos); w.n > 0; w = next_word(words, &pos))
		if (slice_is(w, "workload=list"))
			return true;
	return false;
}

int64_t wl_get(const struct wl_args *a, const char *name)
{
	const struct wl_param *p;
	struct slice s = { name, str_len(name) };
	int idx = param_index(a->desc, s, &p);

	return idx < 0 ? 0 : a->val[idx];
}

const char *wl_get_choice(const struct wl_args *a, const char *name)
{
	const struct wl_param *p;
	struct slice s = { name, str_len(name) };
	int idx = param_index(a->desc, s, &p);

	if (idx < 0 || p->choices == NULL)
		return NULL;
	return p->choices[a->val[idx]];
}

/* ---- output ------------------------------------------------------------- */

static void msg_kv(struct msg *m, const struct wl_param *p, int64_t v)
{
	if (m->pos > 0)
		msg_str(m, " ");
	msg_str(m, p->name);
	msg_str(m, "=");
	if (p->choices != NULL)
		msg_str(m, p->choices[v]);
	else
		msg_i64(m, v);
}

static void header(const struct wl_args *a, struct msg *m)
{
	const struct wl_desc *d = a->desc;
	const struct wl_param *p;

	for (size_t k = 0; k < WL_NCOMMON; k++) {
		const char *name = wl_common_params[k].name;
		struct slice s = { name, str_len(name) };
		int idx = param_index(d, s, &p);
		msg_kv(m, p, a->val[idx]);
	}
	for (size_t i = 0; i < d->nparams; i++) {
		bool common = false;
		for (size_t k = 0; k < WL_NCOMMON; k++) {
			struct slice s = { d->params[i].name, str_len(d->params[i].name) };
			if (slice_is(s, wl_common_params[k].name))
				common = true;
		}
		if (!common)
			msg_kv(m, &d->params[i], a->val[i]);
	}
}

void wl_header(const struct wl_args *a, char *buf, size_t len)
{
	struct msg m;

	msg_init(&m, buf, len);
	header(a, &m);
}

bool wl_frame_kv(const struct wl_args *a, const char *metric, const char *unit,
		 const char *counter, const char *platform, int64_t overhead,
		 int64_t per, char *buf, size_t len)
{
	struct msg m;

	msg_init(&m, buf, len);
	if (check_table(a->desc, &m) != WL_OK)
		return false;
	msg_init(&m, buf, len);
	msg_str(&m, "workload=");
	msg_str(&m, a->desc->name);
	msg_str(&m, " metric=");
	msg_str(&m, metric);
	msg_str(&m, " unit=");
	msg_str(&m, unit);
	msg_str(&m, " counter=");
	msg_str(&m, counter);
	msg_str(&m, " mode=");
	msg_str(&m, a->mode);
	msg_str(&m, " platform=");
	msg_str(&m, platform);
	msg_str(&m, " overhead=");
	msg_i64(&m, overhead);
	msg_str(&m, " per=");
	msg_i64(&m, per);
	header(a, &m);
	return !m.full;
}

static void list_param(struct msg *m, const struct wl_param *p, bool first)
{
	if (!first)
		msg_str(m, ",");
	msg_str(m, p->name);
	msg_str(m, ":");
	if (p->choices != NULL) {
		msg_choices(m, p->choices, "|");
		msg_str(m, ":");
		msg_str(m, p->choices[p->def]);
		return;
	}
	msg_i64(m, p->min);
	msg_str(m, ":");
	msg_i64(m, p->max);
	msg_str(m, ":");
	msg_i64(m, p->def);
}

void wl_list(struct stream *st, const struct wl_desc *table, size_t n)
{
	char line[1024];
	bool ok = true;

	for (size_t i = 0; i < n; i++) {
		const struct wl_desc *d = &table[i];
		struct msg m;
		bool first = true;

		msg_init(&m, line, sizeof(line));
		if (check_table(d, &m) != WL_OK) {
			stream_error(st, line);
			ok = false;
			continue;
		}
		for (size_t k = 0; k < WL_NCOMMON; k++) {
			if (overridden(d, wl_common_params[k].name))
				continue;
			list_param(&m, &wl_common_params[k], first);
			first = false;
		}
		for (size_t j = 0; j < d->nparams; j++) {
			list_param(&m, &d->params[j], first);
			first = false;
		}
		if (m.full) {
			/* A cut list would read as fewer parameters: refuse it. */
			msg_init(&m, line, sizeof(line));
			msg_str(&m, "workload ");
			msg_str(&m, d->name);
			msg_str(&m, ": its parameter list does not fit one registry line");
			stream_error(st, line);
			ok = false;
			continue;
		}
		stream_workload(st, d->name, line);
	}
	stream_done(st, ok);
}
