/*
 * inspect: request bodies read the way dockerd's encoding/json reads them.
 * See inspect.h for the contract.
 *
 * Three stages, each refusing what it cannot vouch for:
 *  1. validate: a strict RFC 8259 scan of the whole body (jsmn alone
 *     accepts "{"a" "b"}", bad numbers, trailing values, raw control bytes
 *     and invalid UTF-8), with the nesting limit, counting the tokens;
 *  2. the same scan again writes the tokens, shaped as jsmn's (strict,
 *     parent links) into an array of that size: jsmn's own pass over the
 *     text was half the cost of a 1 MiB body;
 *  3. walk the tokens against a small schema of the moby structs we read.
 *     Every object is checked for repeated keys: case-folded in structs
 *     (Go would decode the field twice, merging or last-one-wins), exact in
 *     maps (where "a" and "A" are different keys, as in Go).
 * Keys are compared as code points straight from the raw JSON text, so
 * "\u0042inds", "BINDS" and "Bind\u017f" all meet field Binds.
 */
#include "inspect.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jsmn's token type only: the tokens are made here (see validate). */
#define JSMN_HEADER
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "hexdigit.h"

#define MAX_DEPTH 64
/* jsmn keeps offsets in int; the heap sort indexes 2 * i + 2. */
#define MAX_BODY ((size_t)INT_MAX / 4)

#define ERR_JSON "invalid JSON"

/* ---- characters of a JSON string ---- */

/* The 4 hex digits after "\u" at s[pos]. */
static bool read_u16(const char *s, size_t end, size_t pos, uint32_t *out)
{
	uint32_t v = 0;

	if (end - pos < 6 || s[pos] != '\\' || s[pos + 1] != 'u')
		return false;
	for (size_t i = pos + 2; i < pos + 6; i++) {
		int h = hex_digit_value((unsigned char)s[i]);
		if (h < 0)
			return false;
		v = v << 4 | (uint32_t)h;
	}
	*out = v;
	return true;
}

/*
 * A backslash escape at s[*pos].  Surrogates must come as a proper
 * high-low pair: Go turns a lone one into U+FFFD, and a name we decoded
 * differently from dockerd is a name we cannot judge.
 */
static const char *next_escape(const char *s, size_t end, size_t *pos, uint32_t *cp)
{
	static const char simple[] = "\"\\/bfnrt";
	static const char value[] = "\"\\/\b\f\n\r\t";

	if (end - *pos < 2)
		return ERR_JSON;
	const char *hit = strchr(simple, s[*pos + 1]);
	if (hit != NULL && *hit != '\0') {
		*cp = (unsigned char)value[hit - simple];
		*pos += 2;
		return NULL;
	}
	uint32_t hi, lo;
	if (s[*pos + 1] != 'u')
		return "invalid JSON: bad escape in string";
	if (!read_u16(s, end, *pos, &hi))
		return "invalid JSON: bad \\u escape in string";
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return "invalid JSON: lone UTF-16 surrogate in string";
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = hi;
		*pos += 6;
		return NULL;
	}
	if (!read_u16(s, end, *pos + 6, &lo) || lo < 0xdc00 || lo > 0xdfff)
		return "invalid JSON: lone UTF-16 surrogate in string";
	*cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	*pos += 12;
	return NULL;
}

/* A UTF-8 sequence at s[*pos]: shortest form, no surrogates, <= U+10FFFF. */
static const char *next_utf8(const char *s, size_t end, size_t *pos, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s + *pos;
	size_t avail = end - *pos, n;
	unsigned char lo = 0x80, hi = 0xbf;
	uint32_t v;

	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2;
		v = u[0] & 0x1fu;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3;
		v = u[0] & 0x0fu;
		if (u[0] == 0xe0)
			lo = 0xa0; /* overlong */
		if (u[0] == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4;
		v = u[0] & 0x07u;
		if (u[0] == 0xf0)
			lo = 0x90; /* overlong */
		if (u[0] == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return "invalid UTF-8 in string";
	}
	if (avail < n || u[1] < lo || u[1] > hi)
		return "invalid UTF-8 in string";
	for (size_t i = 1; i < n; i++) {
		if (i > 1 && (u[i] < 0x80 || u[i] > 0xbf))
			return "invalid UTF-8 in string";
		v = v << 6 | (u[i] & 0x3fu);
	}
	*cp = v;
	*pos += n;
	return NULL;
}

/*
 * One character of a string body at s[*pos] (never the closing quote):
 * its code point, and *pos moved past it.  Returns NULL, or why the
 * character is refused.  Shared by validation, decoding and key matching,
 * so all three read a string the same way.
 */
static const char *next_char(const char *s, size_t end, size_t *pos, uint32_t *cp)
{
	unsigned char ch = (unsigned char)s[*pos];

	if (ch < 0x20)
		return "invalid JSON: control character in string";
	if (ch == '\\')
		return next_escape(s, end, pos, cp);
	if (ch < 0x80) {
		*cp = ch;
		(*pos)++;
		return NULL;
	}
	return next_utf8(s, end, pos, cp);
}

static size_t put_utf8(char *w, uint32_t cp)
{
	if (cp < 0x80) {
		w[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		w[0] = (char)(0xc0 | cp >> 6);
		w[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		w[0] = (char)(0xe0 | cp >> 12);
		w[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		w[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	w[0] = (char)(0xf0 | cp >> 18);
	w[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	w[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	w[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Go matches keys to field names with simple case folding.  Field names
 * are ASCII, and the only other code points folding onto ASCII letters are
 * U+017F (long s) and U+212A (Kelvin sign).
 */
static uint32_t fold(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + ('a' - 'A');
	if (cp == 0x17f)
		return 's';
	if (cp == 0x212a)
		return 'k';
	return cp;
}

/* ---- stage 1: strict validation ---- */

static size_t skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* Bytes that stand for themselves in a JSON string: 0x20-0x7f but '"' and '\\'. */
static const unsigned char plain_char[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x80-0xff: UTF-8, read by next_char */
};

/*
 * Whether any of the 8 bytes at p is not plain (a control byte, non-ASCII,
 * '"' or '\\'), eight at a time.  has_zero() finds a zero byte exactly
 * when there is one (it may also flag bytes after it, which only sends
 * the caller to the byte loop a little early).
 */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
static bool word_stops(const char *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
#define has_zero(v) (((v) - ONES) & ~(v) & HIGHS)
	return ((x | has_zero(x ^ (ONES * '"')) | has_zero(x ^ (ONES * '\\')) |
		 ((x - ONES * 0x20) & ~x)) & HIGHS) != 0;
#undef has_zero
}

/* A string starting with the quote at s[*pos]; *pos ends past the closing one. */
static const char *scan_string(const char *s, size_t len, size_t *pos)
{
	size_t i = *pos + 1;

	for (;;) {
		/* Printable ASCII other than the quote and the backslash is
		 * what next_char would pass as it is: skip it here, without
		 * a call per byte (most of a 1 MiB body is such bytes). */
		while (i + 8 <= len && !word_stops(s + i))
			i += 8;
		while (i < len && plain_char[(unsigned char)s[i]])
			i++;
		if (i >= len)
			return ERR_JSON;
		if (s[i] == '"')
			break;
		uint32_t cp;
		const char *e = next_char(s, len, &i, &cp);
		if (e != NULL)
			return e;
	}
	*pos = i + 1;
	return NULL;
}

static bool is_digit(const char *s, size_t len, size_t i)
{
	return i < len && s[i] >= '0' && s[i] <= '9';
}

static size_t skip_digits(const char *s, size_t len, size_t i)
{
	while (is_digit(s, len, i))
		i++;
	return i;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static const char *scan_number(const char *s, size_t len, size_t *pos)
{
	size_t i = *pos;

	if (i < len && s[i] == '-')
		i++;
	if (!is_digit(s, len, i))
		return ERR_JSON;
	i = s[i] == '0' ? i + 1 : skip_digits(s, len, i);
	if (i < len && s[i] == '.') {
		if (!is_digit(s, len, ++i))
			return ERR_JSON;
		i = skip_digits(s, len, i);
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (!is_digit(s, len, i))
			return ERR_JSON;
		i = skip_digits(s, len, i);
	}
	*pos = i;
	return NULL;
}

static const char *scan_scalar(const char *s, size_t len, size_t *pos)
{
	static const char *const literals[] = { "true", "false", "null" };

	if (s[*pos] == '"')
		return scan_string(s, len, pos);
	if (s[*pos] == '-' || is_digit(s, len, *pos))
		return scan_number(s, len, pos);
	for (size_t k = 0; k < 3; k++) {
		size_t n = strlen(literals[k]);
		if (len - *pos >= n && memcmp(s + *pos, literals[k], n) == 0) {
			*pos += n;
			return NULL;
		}
	}
	return ERR_JSON;
}

struct nest {
	char open[MAX_DEPTH]; /* '{' or '[' per open container */
	int tok[MAX_DEPTH];   /* its token */
	int key[MAX_DEPTH];   /* objects: the token of the key being read */
	int depth;
};

/*
 * Tokens as jsmn (strict, with parent links) makes them: one per value and
 * one per key, in document order; a container's size counts its keys or
 * elements, a key's is 1 (its value); strings span their contents, without
 * the quotes; a value's parent is its key, or its array.  Tokens past cap
 * (all of them when tok is NULL) are only counted.
 */
struct sink {
	jsmntok_t *tok;
	int n, cap;
};

static jsmntok_t *tok_at(struct sink *k, int i)
{
	return k->tok && i < k->cap ? &k->tok[i] : NULL;
}

static int emit(struct sink *k, const struct nest *n, jsmntype_t type, size_t start, size_t end,
		bool key)
{
	int idx = k->n++;

	if (!tok_at(k, idx))
		return idx; /* past cap: this run's tokens are not used (see tokenize) */
	int parent = -1;
	if (n->depth) {
		int d = n->depth - 1;
		parent = key || n->open[d] == '[' ? n->tok[d] : n->key[d];
		k->tok[parent].size++;
	}
	k->tok[idx] = (jsmntok_t){ .type = type, .start = (int)start, .end = (int)end, .size = 0,
				   .parent = parent };
	return idx;
}

/* An object key and its colon, at s[*pos] after optional whitespace. */
static const char *scan_key(const char *s, size_t len, size_t *pos, struct nest *n,
			    struct sink *k)
{
	size_t i = skip_ws(s, len, *pos), q = i;

	if (i >= len || s[i] != '"')
		return ERR_JSON;
	const char *e = scan_string(s, len, &i);
	if (e != NULL)
		return e;
	n->key[n->depth - 1] = emit(k, n, JSMN_STRING, q + 1, i - 1, true);
	i = skip_ws(s, len, i);
	if (i >= len || s[i] != ':')
		return ERR_JSON;
	*pos = i + 1;
	return NULL;
}

/*
 * After a complete value at *pos: close containers, then take a ',' (and
 * the next key in an object).  *more is false once the top-level value is
 * complete.
 */
static const char *after_value(const char *s, size_t len, size_t *pos, struct nest *n, bool *more,
			       struct sink *k)
{
	size_t i = *pos;

	for (;;) {
		i = skip_ws(s, len, i);
		if (n->depth == 0) {
			*pos = i;
			*more = false;
			return NULL;
		}
		if (i >= len)
			return ERR_JSON;
		char open = n->open[n->depth - 1];
		if (s[i] == (open == '{' ? '}' : ']')) {
			jsmntok_t *t = tok_at(k, n->tok[n->depth - 1]);
			if (t)
				t->end = (int)i + 1;
			n->depth--;
			i++;
			continue;
		}
		if (s[i] != ',')
			return ERR_JSON;
		i++;
		if (open == '{') {
			const char *e = scan_key(s, len, &i, n, k);
			if (e != NULL)
				return e;
		}
		*pos = i;
		*more = true;
		return NULL;
	}
}

/* A value at s[*pos]: scalars whole, containers opened (and closed if empty). */
static const char *scan_value(const char *s, size_t len, size_t *pos, struct nest *n,
			      struct sink *k)
{
	size_t i = skip_ws(s, len, *pos);

	if (i >= len)
		return ERR_JSON;
	if (s[i] != '{' && s[i] != '[') {
		*pos = i;
		const char *e = scan_scalar(s, len, pos);
		if (e == NULL && s[i] == '"')
			emit(k, n, JSMN_STRING, i + 1, *pos - 1, false);
		else if (e == NULL)
			emit(k, n, JSMN_PRIMITIVE, i, *pos, false);
		return e;
	}
	if (n->depth == MAX_DEPTH)
		return "JSON nested too deeply";
	char open = s[i];
	int t = emit(k, n, open == '{' ? JSMN_OBJECT : JSMN_ARRAY, i, 0, false);
	n->open[n->depth] = open;
	n->tok[n->depth++] = t;
	i = skip_ws(s, len, i + 1);
	if (i < len && s[i] == (open == '{' ? '}' : ']')) {
		if (tok_at(k, t))
			k->tok[t].end = (int)i + 1;
		n->depth--;
		*pos = i + 1;
		return NULL;
	}
	*pos = i;
	return open == '{' ? scan_key(s, len, pos, n, k) : NULL;
}

/*
 * The whole body is one JSON value and nothing but whitespace after it:
 * Go's json.Decoder would stop after the value and dockerd would never see
 * the rest, a second reading we refuse to have.  The tokens are written to
 * k->tok as far as k->cap; k->n says how many there are.
 */
static const char *validate(const char *s, size_t len, size_t start, struct sink *k)
{
	struct nest n = { .depth = 0 };
	size_t pos = start;
	bool more = true;

	k->n = 0;
	while (more) {
		int depth = n.depth;
		const char *e = scan_value(s, len, &pos, &n, k);
		if (e != NULL)
			return e;
		if (n.depth > depth)
			continue; /* opened a container: its first value follows */
		e = after_value(s, len, &pos, &n, &more, k);
		if (e != NULL)
			return e;
	}
	return pos == len ? NULL : "invalid JSON: data after the JSON value";
}

/* ---- stage 3: the walk ---- */

struct local_opts {
	struct str type, o, device; /* the local driver's options, keys exact */
};

struct mount_spec {
	struct str type, source, driver;
	bool read_only;
	struct local_opts opts;
};

struct volume_req {
	struct str name, driver;
	struct local_opts opts;
};

enum kind {
	K_STR,         /* string or null */
	K_BOOL,        /* true, false or null; true anywhere wins */
	K_STRLIST,     /* []string */
	K_STRSLICE,    /* moby's StrSlice: []string, or one string */
	K_BINDS,       /* []string of "src:dst[:opts]" */
	K_MOUNTS,      /* []mount.Mount */
	K_COUNT_ARRAY, /* any array: its length is counted */
	K_SYSTEM_PATHS,/* MaskedPaths/ReadonlyPaths: counted once when it lacks a default */
	K_COUNT_MAP,   /* map[string]string: its size is counted */
	K_MAP,         /* map[string]string: only validated */
	K_LABELS,      /* map[string]string: recorded */
	K_OPTS,        /* map[string]string: the local driver's options */
	K_STRUCT,      /* a nested struct, fields in sub */
	K_NETWORKS     /* []NetworkAttachmentConfig: each Target recorded */
};

struct field {
	const char *name; /* the Go field name (JSON key) */
	enum kind kind;
	size_t off;       /* where the value goes, from the walk's base */
	size_t off_n;     /* lists: where their count is */
	const struct field *sub;
};

struct ctx {
	const char *js;
	const jsmntok_t *tok;
	int ntok;
	int *keys; /* room for ntok token indices, for sorting an object's keys */
	char *scratch;
	size_t scratch_len, used;
	struct body_facts *facts;
	bool service; /* mounts come from a service spec */
	bool tok_owned; /* tok was allocated, not placed in scratch */
	const char *why;
};

#define FACT(x) offsetof(struct body_facts, x)
#define MOUNT(x) offsetof(struct mount_spec, x)
#define VOLUME(x) offsetof(struct volume_req, x)

static const struct field driver_fields[] = {
	{ "Name", K_STR, MOUNT(driver), 0, NULL },
	{ "Options", K_OPTS, MOUNT(opts), 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field volume_options_fields[] = {
	{ "DriverConfig", K_STRUCT, 0, 0, driver_fields },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field mount_fields[] = {
	{ "Type", K_STR, MOUNT(type), 0, NULL },
	{ "Source", K_STR, MOUNT(source), 0, NULL },
	{ "ReadOnly", K_BOOL, MOUNT(read_only), 0, NULL },
	{ "VolumeOptions", K_STRUCT, 0, 0, volume_options_fields },
	{ NULL, K_STR, 0, 0, NULL }
};

/* container.Resources, embedded in HostConfig and in UpdateConfig */
#define RESOURCES_FIELDS                                                           \
	{ "Devices", K_COUNT_ARRAY, FACT(n_devices), 0, NULL },                    \
	{ "DeviceRequests", K_COUNT_ARRAY, FACT(n_device_requests), 0, NULL },     \
	{ "DeviceCgroupRules", K_COUNT_ARRAY, FACT(n_device_cgroup_rules), 0, NULL }

#define HOSTCONFIG_FIELDS                                                          \
	{ "Binds", K_BINDS, 0, 0, NULL },                                          \
	{ "Mounts", K_MOUNTS, 0, 0, NULL },                                        \
	{ "Privileged", K_BOOL, FACT(privileged), 0, NULL },                       \
	{ "NetworkMode", K_STR, FACT(network_mode), 0, NULL },                     \
	{ "PidMode", K_STR, FACT(pid_mode), 0, NULL },                             \
	{ "IpcMode", K_STR, FACT(ipc_mode), 0, NULL },                             \
	{ "UTSMode", K_STR, FACT(uts_mode), 0, NULL },                             \
	{ "UsernsMode", K_STR, FACT(userns_mode), 0, NULL },                       \
	{ "CgroupnsMode", K_STR, FACT(cgroupns_mode), 0, NULL },                   \
	{ "CapAdd", K_STRSLICE, FACT(cap_add), FACT(n_cap_add), NULL },            \
	{ "SecurityOpt", K_STRLIST, FACT(security_opt), FACT(n_security_opt), NULL }, \
	{ "VolumesFrom", K_STRLIST, FACT(volumes_from), FACT(n_volumes_from), NULL }, \
	{ "Links", K_STRLIST, FACT(links), FACT(n_links), NULL },                  \
	{ "Sysctls", K_COUNT_MAP, FACT(n_sysctls), 0, NULL },                      \
	{ "MaskedPaths", K_SYSTEM_PATHS, FACT(n_masked_paths_set), 0, NULL },      \
	{ "ReadonlyPaths", K_SYSTEM_PATHS, FACT(n_readonly_paths_set), 0, NULL },  \
	RESOURCES_FIELDS

static const struct field hostconfig_fields[] = {
	HOSTCONFIG_FIELDS,
	{ NULL, K_STR, 0, 0, NULL }
};

/* ContainerConfigWrapper: Config at the top level, HostConfig inside and,
 * deprecated but honoured, at the top level too. */
static const struct field container_create_fields[] = {
	{ "Image", K_STR, FACT(image), 0, NULL },
	{ "Labels", K_LABELS, FACT(labels), FACT(n_labels), NULL },
	{ "HostConfig", K_STRUCT, 0, 0, hostconfig_fields },
	HOSTCONFIG_FIELDS,
	{ NULL, K_STR, 0, 0, NULL }
};

/* A start body below API 1.24 is decoded into the same wrapper as a
 * create (runconfig's decodeHostConfig): HostConfig nested, or at the top
 * level.  Config fields in it are ignored by dockerd. */
static const struct field container_start_fields[] = {
	{ "HostConfig", K_STRUCT, 0, 0, hostconfig_fields },
	HOSTCONFIG_FIELDS,
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field container_update_fields[] = {
	RESOURCES_FIELDS,
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field volume_create_fields[] = {
	{ "Name", K_STR, VOLUME(name), 0, NULL },
	{ "Driver", K_STR, VOLUME(driver), 0, NULL },
	{ "DriverOpts", K_OPTS, VOLUME(opts), 0, NULL },
	{ "Labels", K_MAP, 0, 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field network_create_fields[] = {
	{ "Name", K_STR, FACT(name), 0, NULL },
	{ "Driver", K_STR, FACT(driver), 0, NULL },
	{ "Labels", K_MAP, 0, 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field network_connect_fields[] = {
	{ "Container", K_STR, FACT(container), 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

/* swarm.Privileges: what loosens the task's confinement is recorded */
static const struct field selinux_fields[] = {
	{ "Disable", K_BOOL, FACT(privileges.selinux_disable), 0, NULL },
	{ "User", K_STR, FACT(privileges.selinux_user), 0, NULL },
	{ "Role", K_STR, FACT(privileges.selinux_role), 0, NULL },
	{ "Type", K_STR, FACT(privileges.selinux_type), 0, NULL },
	{ "Level", K_STR, FACT(privileges.selinux_level), 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field mode_fields_seccomp[] = {
	{ "Mode", K_STR, FACT(privileges.seccomp_mode), 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field mode_fields_apparmor[] = {
	{ "Mode", K_STR, FACT(privileges.apparmor_mode), 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field privileges_fields[] = {
	{ "SELinuxContext", K_STRUCT, 0, 0, selinux_fields },
	{ "Seccomp", K_STRUCT, 0, 0, mode_fields_seccomp },
	{ "AppArmor", K_STRUCT, 0, 0, mode_fields_apparmor },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field container_spec_fields[] = {
	{ "Image", K_STR, FACT(image), 0, NULL },
	{ "Labels", K_LABELS, FACT(labels), FACT(n_labels), NULL },
	{ "Mounts", K_MOUNTS, 0, 0, NULL },
	{ "CapabilityAdd", K_STRLIST, FACT(cap_add), FACT(n_cap_add), NULL },
	{ "Sysctls", K_COUNT_MAP, FACT(n_sysctls), 0, NULL },
	{ "Privileges", K_STRUCT, 0, 0, privileges_fields },
	{ "Secrets", K_COUNT_ARRAY, FACT(n_secrets), 0, NULL },
	{ "Configs", K_COUNT_ARRAY, FACT(n_configs), 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

/* NetworkAttachmentConfig: Target is a network name or ID */
static const struct field network_attachment_fields[] = {
	{ "Target", K_STR, 0, 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field reservations_fields[] = {
	{ "GenericResources", K_COUNT_ARRAY, FACT(n_device_requests), 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field resources_fields[] = {
	{ "Reservations", K_STRUCT, 0, 0, reservations_fields },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field task_spec_fields[] = {
	{ "ContainerSpec", K_STRUCT, 0, 0, container_spec_fields },
	{ "Networks", K_NETWORKS, 0, 0, network_attachment_fields },
	{ "Resources", K_STRUCT, 0, 0, resources_fields },
	{ NULL, K_STR, 0, 0, NULL }
};

/* ServiceSpec: Annotations (Name, Labels) embedded at the top level;
 * Networks at the top level is deprecated but still attached by swarm. */
static const struct field service_spec_fields[] = {
	{ "Name", K_STR, FACT(name), 0, NULL },
	{ "Labels", K_LABELS, FACT(labels), FACT(n_labels), NULL },
	{ "TaskTemplate", K_STRUCT, 0, 0, task_spec_fields },
	{ "Networks", K_NETWORKS, 0, 0, network_attachment_fields },
	{ NULL, K_STR, 0, 0, NULL }
};

static int fail(struct ctx *c, const char *why)
{
	c->why = why;
	return -1;
}

/* A reason naming a field or key: formatted into facts->why. */
static int fail_name(struct ctx *c, const char *fmt, const char *name)
{
	snprintf(c->facts->why, sizeof(c->facts->why), fmt, name);
	c->why = c->facts->why;
	return -1;
}

static int bad_type(struct ctx *c, const struct field *f)
{
	return fail_name(c, "invalid type for %s", f->name);
}

static bool is_null(const struct ctx *c, int t)
{
	return c->tok[t].type == JSMN_PRIMITIVE && c->js[c->tok[t].start] == 'n';
}

/* The index after token t and everything inside it. */
static int skip(const struct ctx *c, int t)
{
	int end = c->tok[t].end, j = t + 1;

	if (c->tok[t].type != JSMN_OBJECT && c->tok[t].type != JSMN_ARRAY)
		return j;
	while (j < c->ntok && c->tok[j].start < end)
		j++;
	return j;
}

static int key_cmp(const struct ctx *c, int a, int b, bool folded)
{
	size_t i = (size_t)c->tok[a].start, iend = (size_t)c->tok[a].end;
	size_t j = (size_t)c->tok[b].start, jend = (size_t)c->tok[b].end;

	while (i < iend && j < jend) {
		uint32_t x, y;
		/* cannot fail on validated text; never loop without progress */
		if (next_char(c->js, iend, &i, &x) != NULL || next_char(c->js, jend, &j, &y) != NULL)
			return 1;
		if (folded) {
			x = fold(x);
			y = fold(y);
		}
		if (x != y)
			return x < y ? -1 : 1;
	}
	return (i < iend) - (j < jend);
}

/* Key token t against an ASCII name: folded for struct fields, exact for map keys. */
static bool key_is(const struct ctx *c, int t, const char *name, bool folded)
{
	size_t i = (size_t)c->tok[t].start, end = (size_t)c->tok[t].end;

	for (; *name != '\0'; name++) {
		uint32_t cp;
		if (i >= end || next_char(c->js, end, &i, &cp) != NULL)
			return false;
		uint32_t want = (unsigned char)*name;
		if (folded ? fold(cp) != fold(want) : cp != want)
			return false;
	}
	return i == end;
}

static const struct field *find_field(const struct ctx *c, int key, const struct field *fields)
{
	for (const struct field *f = fields; f != NULL && f->name != NULL; f++)
		if (key_is(c, key, f->name, true))
			return f;
	return NULL;
}

/* A client's key made printable for a message: at most 40 characters. */
static void describe_key(const struct ctx *c, int t, char *buf, size_t size)
{
	size_t i = (size_t)c->tok[t].start, end = (size_t)c->tok[t].end, n = 0;

	while (i < end && n + 4 < size) {
		uint32_t cp;
		if (next_char(c->js, end, &i, &cp) != NULL)
			break;
		if (n == 40) {
			memcpy(buf + n, "...", 3);
			n += 3;
			break;
		}
		buf[n++] = (cp >= 0x20 && cp < 0x7f && cp != '"' && cp != '\\') ? (char)cp : '?';
	}
	buf[n] = '\0';
}

static void sift_down(const struct ctx *c, int *a, int root, int n, bool folded)
{
	for (;;) {
		int child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && key_cmp(c, a[child], a[child + 1], folded) < 0)
			child++;
		if (key_cmp(c, a[root], a[child], folded) >= 0)
			return;
		int tmp = a[root];
		a[root] = a[child];
		a[child] = tmp;
		root = child;
	}
}

/* Heap sort: O(n log n) whatever the client sends, no allocation. */
static void sort_keys(const struct ctx *c, int *a, int n, bool folded)
{
	for (int i = n / 2 - 1; i >= 0; i--)
		sift_down(c, a, i, n, folded);
	for (int end = n - 1; end > 0; end--) {
		int tmp = a[0];
		a[0] = a[end];
		a[end] = tmp;
		sift_down(c, a, 0, end, folded);
	}
}

/*
 * Refuses an object with a key given twice: folded for structs (fields
 * known or not: Go would decode into the same field again), exact for maps.
 * Sorting keeps a body of many keys from costing n^2 comparisons.
 */
static int check_repeats(struct ctx *c, int obj, bool folded, const struct field *fields)
{
	int n = c->tok[obj].size, j = obj + 1;

	if (n < 2)
		return 0;
	for (int i = 0; i < n; i++) {
		c->keys[i] = j;
		j = skip(c, j + 1);
	}
	sort_keys(c, c->keys, n, folded);
	for (int i = 1; i < n; i++) {
		if (key_cmp(c, c->keys[i - 1], c->keys[i], folded) != 0)
			continue;
		const struct field *f = find_field(c, c->keys[i], fields);
		char name[48];
		if (f != NULL)
			return fail_name(c, "ambiguous body: key \"%s\" given twice", f->name);
		describe_key(c, c->keys[i], name, sizeof(name));
		return fail_name(c, "ambiguous body: key \"%s\" given twice", name);
	}
	return 0;
}

/* A string token, unescaped into the scratch buffer. */
static int decode(struct ctx *c, int t, struct str *out)
{
	size_t i = (size_t)c->tok[t].start, end = (size_t)c->tok[t].end;

	/* the decoded form is never longer than the raw one */
	if (end - i > c->scratch_len - c->used)
		return fail(c, "body too large to inspect");
	char *w = c->scratch + c->used;
	size_t n = 0;
	while (i < end) {
		uint32_t cp;
		if (next_char(c->js, end, &i, &cp) != NULL)
			return fail(c, ERR_JSON);
		n += put_utf8(w + n, cp);
	}
	out->p = w;
	out->len = n;
	c->used += n;
	return 0;
}

/* A map value: the string, or "" for null (Go stores the zero value). */
static int decode_value(struct ctx *c, int t, struct str *out)
{
	if (!is_null(c, t))
		return decode(c, t, out);
	out->p = "";
	out->len = 0;
	return 0;
}

static bool str_ieq(struct str s, const char *lit)
{
	size_t n = strlen(lit);

	if (s.p == NULL || s.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (fold((unsigned char)s.p[i]) != fold((unsigned char)lit[i]))
			return false;
	return true;
}

static int add_path(struct ctx *c, struct str path, enum path_origin origin, bool read_only)
{
	struct body_facts *f = c->facts;

	if (f->n_paths == INSPECT_MAX_ITEMS)
		return fail(c, "too many host paths");
	f->paths[f->n_paths].path = path;
	f->paths[f->n_paths].origin = origin;
	f->paths[f->n_paths].read_only = read_only;
	f->n_paths++;
	return 0;
}

/* One comma-separated option of s equals opt exactly. */
static bool has_option(struct str s, const char *opt)
{
	size_t n = strlen(opt), i = 0;

	while (s.p != NULL && i <= s.len) {
		size_t j = i;
		while (j < s.len && s.p[j] != ',')
			j++;
		if (j - i == n && memcmp(s.p + i, opt, n) == 0)
			return true;
		i = j + 1;
	}
	return false;
}

/* A named volume: it may have been created as a bind elsewhere; the
 * caller asks dockerd what it is. */
static int add_volume(struct ctx *c, struct str name)
{
	struct body_facts *f = c->facts;

	if (f->n_volumes == INSPECT_MAX_ITEMS)
		return fail(c, "too many named volumes");
	f->volumes[f->n_volumes++] = name;
	return 0;
}

/*
 * "src:dst[:opts]" as dockerd's Linux parser splits it: no ':' is a
 * container path for an anonymous volume; otherwise src is everything up
 * to the first ':', a host path when absolute and a volume name when not.
 */
static int add_bind(struct ctx *c, struct str spec)
{
	const char *colon = memchr(spec.p, ':', spec.len);

	if (colon == NULL)
		return 0;
	struct str src = { spec.p, (size_t)(colon - spec.p) };
	if (src.len == 0)
		return 0;
	if (src.p[0] != '/')
		return add_volume(c, src);
	/* "src:dst:mode": dockerd refuses more parts, so mode is what
	 * follows the second ':' and "ro" is one of its options */
	const char *rest = colon + 1, *end = spec.p + spec.len;
	const char *second = memchr(rest, ':', (size_t)(end - rest));
	struct str mode = { NULL, 0 };
	if (second != NULL)
		mode = (struct str){ second + 1, (size_t)(end - second - 1) };
	return add_path(c, src, PATH_FROM_BINDS, has_option(mode, "ro"));
}

/* moby splits "o" on ',' and matches each option exactly; we also ignore
 * case and blanks so that no spelling dockerd might accept slips past. */
static bool has_bind_option(struct str o)
{
	size_t i = 0;

	while (o.p != NULL && i < o.len) {
		size_t j = i;
		while (j < o.len && o.p[j] != ',')
			j++;
		struct str opt = { o.p + i, j - i };
		while (opt.len > 0 && (opt.p[0] == ' ' || opt.p[0] == '\t')) {
			opt.p++;
			opt.len--;
		}
		while (opt.len > 0 && (opt.p[opt.len - 1] == ' ' || opt.p[opt.len - 1] == '\t'))
			opt.len--;
		if (str_ieq(opt, "bind") || str_ieq(opt, "rbind"))
			return true;
		i = j + 1;
	}
	return false;
}

/* The local driver (named, or by default) mounting "device" with bind semantics. */
static bool local_bind(struct str driver, const struct local_opts *o)
{
	if (driver.p != NULL && driver.len != 0 && !str_ieq(driver, "local"))
		return false;
	if (o->device.p == NULL || o->device.len == 0)
		return false; /* the driver refuses to mount without a device */
	return str_ieq(o->type, "none") || str_ieq(o->type, "bind") ||
	       str_ieq(o->type, "rbind") || has_bind_option(o->o);
}

/*
 * The local driver mounting a filesystem of its own type: a network or
 * memory filesystem holds no host files; any other type (ext4 on a host
 * disk, overlay over host directories, ...) does.  Binds are paths, judged
 * as such.  dockerd passes the type to mount(2) as given.
 */
static bool local_host_fs(struct ctx *c, struct str driver, const struct local_opts *o)
{
	static const char *const harmless[] = { "tmpfs", "nfs", "nfs4", "cifs", "smb3",
						"none", "bind", "rbind" };

	if (driver.p != NULL && driver.len != 0 && !str_ieq(driver, "local"))
		return false;
	if (o->type.p == NULL || o->type.len == 0)
		return false;
	for (size_t i = 0; i < sizeof(harmless) / sizeof(*harmless); i++)
		if (o->type.len == strlen(harmless[i]) &&
		    memcmp(o->type.p, harmless[i], o->type.len) == 0)
			return false;
	c->facts->host_fs_type = o->type;
	return true;
}

/* Type compared without case: dockerd wants "bind", swarm upper-cases it. */
static int judge_mount(struct ctx *c, const struct mount_spec *m)
{
	enum path_origin bind = c->service ? PATH_FROM_SERVICE_MOUNT : PATH_FROM_MOUNT;
	enum path_origin vol = c->service ? PATH_FROM_SERVICE_MOUNT : PATH_FROM_VOLUME_OPTS;

	if (str_ieq(m->type, "bind") && m->source.p != NULL && m->source.len != 0 &&
	    add_path(c, m->source, bind, m->read_only) < 0)
		return -1;
	/* whatever the Type: volume options on another type are refused by
	 * dockerd, and reporting them costs nothing */
	if (local_bind(m->driver, &m->opts) && add_path(c, m->opts.device, vol, false) < 0)
		return -1;
	local_host_fs(c, m->driver, &m->opts);
	if (str_ieq(m->type, "volume") && m->source.p != NULL && m->source.len != 0 &&
	    add_volume(c, m->source) < 0)
		return -1;
	return 0;
}

static int set_str(struct ctx *c, const struct field *f, char *base, int t)
{
	struct str *slot = (struct str *)(void *)(base + f->off);
	struct str v;

	if (is_null(c, t))
		return 0; /* Go leaves the field alone */
	if (c->tok[t].type != JSMN_STRING)
		return bad_type(c, f);
	if (decode(c, t, &v) < 0)
		return -1;
	/* a second value can only come from the other HostConfig place */
	if (slot->p != NULL && (slot->len != v.len || memcmp(slot->p, v.p, v.len) != 0))
		return fail_name(c, "ambiguous body: %s given twice with different values", f->name);
	*slot = v;
	return 0;
}

static int set_bool(struct ctx *c, const struct field *f, char *base, int t)
{
	bool *slot = (bool *)(void *)(base + f->off);

	char first = c->js[c->tok[t].start];

	/* null was taken by the caller: a primitive is now a bool or a number */
	if (c->tok[t].type != JSMN_PRIMITIVE || (first != 't' && first != 'f'))
		return bad_type(c, f);
	if (first == 't')
		*slot = true;
	return 0;
}

static int append_str(struct ctx *c, const struct field *f, char *base, struct str s)
{
	struct str *list = (struct str *)(void *)(base + f->off);
	size_t *n = (size_t *)(void *)(base + f->off_n);

	if (*n == INSPECT_MAX_ITEMS)
		return fail_name(c, "too many %s entries", f->name);
	list[(*n)++] = s;
	return 0;
}

static int take_string(struct ctx *c, const struct field *f, char *base, int t)
{
	struct str s;

	if (decode(c, t, &s) < 0)
		return -1;
	return f->kind == K_BINDS ? add_bind(c, s) : append_str(c, f, base, s);
}

/* A list of strings; a null element is Go's "" and names nothing. */
static int walk_strings(struct ctx *c, const struct field *f, char *base, int t)
{
	if (c->tok[t].type == JSMN_STRING && f->kind == K_STRSLICE)
		return take_string(c, f, base, t) < 0 ? -1 : t + 1;
	if (c->tok[t].type != JSMN_ARRAY)
		return bad_type(c, f);
	int j = t + 1;
	for (int i = 0; i < c->tok[t].size; i++, j++) {
		if (is_null(c, j))
			continue;
		if (c->tok[j].type != JSMN_STRING)
			return bad_type(c, f);
		if (take_string(c, f, base, j) < 0)
			return -1;
	}
	return j;
}

static int walk_struct(struct ctx *c, int t, const struct field *fields, char *base);
static int walk_any(struct ctx *c, int t);

static int walk_mounts(struct ctx *c, const struct field *f, int t)
{
	if (c->tok[t].type != JSMN_ARRAY)
		return bad_type(c, f);
	int j = t + 1;
	for (int i = 0; i < c->tok[t].size; i++) {
		if (is_null(c, j)) {
			j++;
			continue;
		}
		if (c->tok[j].type != JSMN_OBJECT)
			return bad_type(c, f);
		struct mount_spec m;
		memset(&m, 0, sizeof(m));
		j = walk_struct(c, j, mount_fields, (char *)&m);
		if (j < 0 || judge_mount(c, &m) < 0)
			return -1;
	}
	return j;
}

static int map_entry(struct ctx *c, const struct field *f, char *base, int key, int val)
{
	struct local_opts *o = (struct local_opts *)(void *)(base + f->off);
	struct kv *labels = (struct kv *)(void *)(base + f->off);
	size_t *n = (size_t *)(void *)(base + (f->kind == K_LABELS ? f->off_n : f->off));
	struct str *slot = NULL;

	switch (f->kind) {
	case K_COUNT_MAP:
		(*n)++;
		return 0;
	case K_LABELS:
		if (*n == INSPECT_MAX_LABELS)
			return fail_name(c, "too many %s entries", f->name);
		if (decode(c, key, &labels[*n].key) < 0 || decode_value(c, val, &labels[*n].value) < 0)
			return -1;
		(*n)++;
		return 0;
	case K_OPTS:
		/* the driver looks its options up by exact key */
		if (key_is(c, key, "type", false))
			slot = &o->type;
		else if (key_is(c, key, "o", false))
			slot = &o->o;
		else if (key_is(c, key, "device", false))
			slot = &o->device;
		return slot != NULL ? decode_value(c, val, slot) : 0;
	default:
		return 0;
	}
}

/* map[string]string: keys exact, values strings (or null). */
static int walk_map(struct ctx *c, const struct field *f, char *base, int t)
{
	if (c->tok[t].type != JSMN_OBJECT)
		return bad_type(c, f);
	if (check_repeats(c, t, false, NULL) < 0)
		return -1;
	int j = t + 1;
	for (int i = 0; i < c->tok[t].size; i++, j += 2) {
		if (!is_null(c, j + 1) && c->tok[j + 1].type != JSMN_STRING)
			return bad_type(c, f);
		if (map_entry(c, f, base, j, j + 1) < 0)
			return -1;
	}
	return j;
}

static int walk_count(struct ctx *c, const struct field *f, char *base, int t)
{
	if (c->tok[t].type != JSMN_ARRAY)
		return bad_type(c, f);
	*(size_t *)(void *)(base + f->off) += (size_t)c->tok[t].size;
	return walk_any(c, t);
}

/*
 * dockerd's default MaskedPaths and ReadonlyPaths (moby 20.10
 * oci/defaults.go; later versions only add entries).  A list given in a
 * body replaces them: it loosens unless it still holds every one.
 */
static const char *const default_masked[] = {
	"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/sys/firmware", NULL
};
static const char *const default_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL
};

static int walk_system_paths(struct ctx *c, const struct field *f, char *base, int t)
{
	const char *const *want = strcmp(f->name, "MaskedPaths") == 0 ? default_masked
								      : default_readonly;
	unsigned seen = 0, all = 0;

	if (c->tok[t].type != JSMN_ARRAY)
		return bad_type(c, f);
	for (size_t d = 0; want[d]; d++)
		all |= 1u << d;
	int j = t + 1;
	for (int i = 0; i < c->tok[t].size; i++, j++) {
		struct str s;
		if (is_null(c, j))
			continue;
		if (c->tok[j].type != JSMN_STRING)
			return bad_type(c, f);
		if (decode(c, j, &s) < 0)
			return -1;
		for (size_t d = 0; want[d]; d++)
			if (s.len == strlen(want[d]) && memcmp(s.p, want[d], s.len) == 0)
				seen |= 1u << d;
	}
	if (seen != all)
		(*(size_t *)(void *)(base + f->off))++;
	return j;
}

/* []NetworkAttachmentConfig: each Target is a network the task joins. */
static int walk_networks(struct ctx *c, const struct field *f, int t)
{
	struct body_facts *facts = c->facts;

	if (c->tok[t].type != JSMN_ARRAY)
		return bad_type(c, f);
	int j = t + 1;
	for (int i = 0; i < c->tok[t].size && j >= 0; i++) {
		struct str target = { NULL, 0 };
		if (is_null(c, j)) {
			j++;
			continue;
		}
		if (c->tok[j].type != JSMN_OBJECT)
			return bad_type(c, f);
		j = walk_struct(c, j, f->sub, (char *)&target);
		if (j < 0 || target.p == NULL)
			continue;
		if (facts->n_networks == INSPECT_MAX_ITEMS)
			return fail(c, "too many networks");
		facts->networks[facts->n_networks++] = target;
	}
	return j;
}

/* One field's value at token t; returns the index after it. */
static int walk_field(struct ctx *c, const struct field *f, char *base, int t)
{
	if (is_null(c, t))
		return t + 1; /* "absent": Go keeps the zero value */
	switch (f->kind) {
	case K_STR:
		return set_str(c, f, base, t) < 0 ? -1 : t + 1;
	case K_BOOL:
		return set_bool(c, f, base, t) < 0 ? -1 : t + 1;
	case K_STRLIST:
	case K_STRSLICE:
	case K_BINDS:
		return walk_strings(c, f, base, t);
	case K_MOUNTS:
		return walk_mounts(c, f, t);
	case K_COUNT_ARRAY:
		return walk_count(c, f, base, t);
	case K_SYSTEM_PATHS:
		return walk_system_paths(c, f, base, t);
	case K_NETWORKS:
		return walk_networks(c, f, t);
	case K_COUNT_MAP:
	case K_MAP:
	case K_LABELS:
	case K_OPTS:
		return walk_map(c, f, base, t);
	case K_STRUCT:
		if (c->tok[t].type != JSMN_OBJECT)
			return bad_type(c, f);
		return walk_struct(c, t, f->sub, base + f->off);
	}
	return fail(c, ERR_JSON);
}

/* A struct object: repeats refused, known fields read, the rest walked. */
static int walk_struct(struct ctx *c, int t, const struct field *fields, char *base)
{
	if (check_repeats(c, t, true, fields) < 0)
		return -1;
	int j = t + 1;
	for (int i = 0; i < c->tok[t].size && j >= 0; i++) {
		const struct field *f = find_field(c, j, fields);
		j = f != NULL ? walk_field(c, f, base, j + 1) : walk_any(c, j + 1);
	}
	return j;
}

/* A value we do not read: still, no object in it may repeat a key. */
static int walk_any(struct ctx *c, int t)
{
	int j = t + 1;

	if (c->tok[t].type == JSMN_OBJECT)
		return walk_struct(c, t, NULL, NULL);
	if (c->tok[t].type != JSMN_ARRAY)
		return j;
	for (int i = 0; i < c->tok[t].size && j >= 0; i++)
		j = walk_any(c, j);
	return j;
}

static const struct field *fields_for(enum route_action action)
{
	switch (action) {
	case ACT_CONTAINER_CREATE:
		return container_create_fields;
	case ACT_CONTAINER_START:
		/* below API 1.24 dockerd applies a HostConfig sent here */
		return container_start_fields;
	case ACT_CONTAINER_UPDATE:
		return container_update_fields;
	case ACT_VOLUME_CREATE:
		return volume_create_fields;
	case ACT_NETWORK_CREATE:
		return network_create_fields;
	case ACT_NETWORK_CONNECT:
	case ACT_NETWORK_DISCONNECT:
		return network_connect_fields;
	case ACT_SERVICE_CREATE:
	case ACT_SERVICE_UPDATE:
		return service_spec_fields;
	default:
		return NULL;
	}
}

bool inspect_wants_body(enum route_action action)
{
	return fields_for(action) != NULL;
}

static int walk_volume_create(struct ctx *c)
{
	struct volume_req v;

	memset(&v, 0, sizeof(v));
	if (walk_struct(c, 0, volume_create_fields, (char *)&v) < 0)
		return -1;
	c->facts->name = v.name;
	c->facts->driver = v.driver;
	local_host_fs(c, v.driver, &v.opts);
	if (local_bind(v.driver, &v.opts))
		return add_path(c, v.opts.device, PATH_FROM_VOLUME_CREATE, false);
	return 0;
}

static int walk_body(struct ctx *c, enum route_action action)
{
	if (action == ACT_VOLUME_CREATE)
		return walk_volume_create(c);
	c->service = action == ACT_SERVICE_CREATE || action == ACT_SERVICE_UPDATE;
	return walk_struct(c, 0, fields_for(action), (char *)c->facts) < 0 ? -1 : 0;
}

/*
 * Tokens for a validated body, with room for one object's key indices
 * after them.  validate wrote them into the scratch buffer, beyond what
 * strings can need, if they fitted (k->n <= k->cap); if not, it runs again
 * into one allocation of the size it counted.
 */
static int tokenize(struct ctx *c, const char *body, size_t len, size_t start,
		    const struct sink *k, jsmntok_t **out)
{
	int count = k->n;
	jsmntok_t *tok = k->tok;

	if (count <= 0 || (size_t)count > MAX_BODY)
		return fail(c, ERR_JSON);
	c->tok_owned = !tok || count > k->cap;
	if (c->tok_owned) {
		tok = malloc((size_t)count * (sizeof(jsmntok_t) + sizeof(int)));
		if (tok == NULL)
			return fail(c, "out of memory inspecting the body");
		struct sink again = { .tok = tok, .cap = count };
		if (validate(body, len, start, &again) != NULL || again.n != count) {
			free(tok);
			return fail(c, ERR_JSON);
		}
	}
	if (tok[0].type != JSMN_OBJECT) {
		if (c->tok_owned)
			free(tok);
		return fail(c, ERR_JSON);
	}
	c->tok = tok;
	c->ntok = count;
	c->keys = (int *)(void *)(tok + count);
	*out = tok;
	return 0;
}

int inspect_body(enum route_action action, const char *body, size_t len, char *scratch,
		 size_t scratch_len, struct body_facts *facts, const char **why)
{
	struct ctx c;
	const char *ignored;

	if (why == NULL)
		why = &ignored;
	memset(facts, 0, sizeof(*facts));
	memset(&c, 0, sizeof(c));
	c.facts = facts;
	c.js = body;
	c.scratch = scratch;
	c.scratch_len = scratch_len;
	if (!inspect_wants_body(action))
		return 0;
	size_t start = skip_ws(body, len, 0);
	if (start == len)
		return 0; /* dockerd refuses an empty body itself */
	if (len > MAX_BODY || scratch_len < len) {
		*why = "body too large to inspect";
		return -1;
	}
	/* Room for tokens in scratch after the len bytes strings may need. */
	size_t align = _Alignof(jsmntok_t);
	size_t at = len + (align - ((uintptr_t)scratch + len) % align) % align;
	size_t room = at < scratch_len ? (scratch_len - at) / (sizeof(jsmntok_t) + sizeof(int)) : 0;
	struct sink k = { .tok = room ? (jsmntok_t *)(void *)(scratch + at) : NULL,
			  .cap = room > INT_MAX ? INT_MAX : (int)room };
	const char *e = validate(body, len, start, &k);
	if (e != NULL) {
		*why = e;
		return -1;
	}
	if (body[start] == 'n')
		return 0; /* null into a struct: Go does nothing */
	if (body[start] != '{') {
		*why = "body must be a JSON object";
		return -1;
	}
	jsmntok_t *tok;
	if (k.tok && k.n <= k.cap)
		c.scratch_len = at; /* the tokens are in scratch from at */
	int rc = tokenize(&c, body, len, start, &k, &tok);
	if (rc == 0) {
		rc = walk_body(&c, action);
		if (c.tok_owned)
			free(tok);
	}
	if (rc < 0) {
		*why = c.why;
		memset(facts, 0, offsetof(struct body_facts, why));
	}
	return rc;
}
