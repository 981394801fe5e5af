/*
 * inspect: see inspect.h.  json.c validates and tokenizes the body once
 * (strict, Go's semantics); here the tokens are walked against a small
 * schema of the moby structs we read (inspect_fields.c).
 */
#include "inspect.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "inspect_fields.h"
#include "json.h"

#define ERR_JSON "invalid JSON"

struct ctx {
	struct json_doc doc;
	char *scratch;
	size_t scratch_len, used;
	struct body_facts *facts;
	bool service; /* mounts come from a service spec */
	unsigned defaults_seen; /* K_SYSTEM_PATHS: bit d for default d */
	const char *why;
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

static const struct field *find_field(const struct ctx *c, int key, const struct field *fields)
{
	for (const struct field *f = fields; f != NULL && f->name != NULL; f++)
		if (json_eq(&c->doc, key, f->name, true))
			return f;
	return NULL;
}

/*
 * Refuses an object with a key given twice: folded for structs (fields
 * known or not: Go would decode into the same field again), exact for maps.
 * Sorting keeps a body of many keys from costing n^2 comparisons.
 */
static int check_repeats(struct ctx *c, int obj, bool folded, const struct field *fields)
{
	int key = json_repeated_key(&c->doc, obj, folded);

	if (key < 0)
		return 0;
	const struct field *f = find_field(c, key, fields);
	char name[48];
	if (f == NULL)
		json_describe(&c->doc, key, name, sizeof(name));
	return fail_name(c, "ambiguous body: key \"%s\" given twice", f ? f->name : name);
}

/* A string token, unescaped into the scratch buffer. */
static int decode(struct ctx *c, int t, struct str *out)
{
	size_t n;

	/* the decoded form is never longer than the raw one */
	if ((size_t)(c->doc.tok[t].end - c->doc.tok[t].start) > c->scratch_len - c->used)
		return fail(c, "body too large to inspect");
	if (!json_decode(&c->doc, t, c->scratch + c->used, c->scratch_len - c->used, &n))
		return fail(c, ERR_JSON);
	out->p = c->scratch + c->used;
	out->len = n;
	c->used += n;
	return 0;
}

/* A map value: the string, or "" for null (Go stores the zero value). */
static int decode_value(struct ctx *c, int t, struct str *out)
{
	if (!json_is_null(&c->doc, t))
		return decode(c, t, out);
	out->p = "";
	out->len = 0;
	return 0;
}

/* Without case: the words compared are ASCII (and the locale is "C"). */
static bool str_ieq(struct str s, const char *lit)
{
	return s.p != NULL && s.len == strlen(lit) && strncasecmp(s.p, lit, s.len) == 0;
}

static int add_path(struct ctx *c, struct str path, enum path_origin origin, bool read_only)
{
	struct body_facts *f = c->facts;

	if (f->n_paths == INSPECT_MAX_ITEMS)
		return fail(c, "too many host paths");
	f->paths[f->n_paths++] =
		(struct host_path){ .path = path, .origin = origin, .read_only = read_only };
	return 0;
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
	return add_path(c, src, PATH_FROM_BINDS, text_has_item(mode, ',', "ro"));
}

/* moby splits "o" on ',' and matches each option exactly; we also ignore
 * case and blanks so that no spelling dockerd might accept slips past. */
static bool has_bind_option(struct str o)
{
	struct str opt;

	while (text_item(&o, ',', true, &opt))
		if (str_ieq(opt, "bind") || str_ieq(opt, "rbind"))
			return true;
	return false;
}

static bool local_driver(struct str driver)
{
	return driver.p == NULL || driver.len == 0 || str_ieq(driver, "local");
}

bool inspect_local_bind(struct str driver, const struct local_volume_opts *o)
{
	if (!local_driver(driver) || o->device.p == NULL || o->device.len == 0)
		return false; /* the driver refuses to mount without a device */
	return str_ieq(o->type, "none") || str_ieq(o->type, "bind") ||
	       str_ieq(o->type, "rbind") || has_bind_option(o->o);
}

bool inspect_local_host_fs(struct str driver, const struct local_volume_opts *o)
{
	static const char *const harmless[] = { "tmpfs", "nfs", "nfs4", "cifs", "smb3",
						"none", "bind", "rbind" };

	if (!local_driver(driver) || o->type.p == NULL || o->type.len == 0)
		return false;
	for (size_t i = 0; i < sizeof(harmless) / sizeof(*harmless); i++)
		if (o->type.len == strlen(harmless[i]) &&
		    memcmp(o->type.p, harmless[i], o->type.len) == 0)
			return false;
	return true;
}

/* A local volume's options: its bind source, and the type of a host
 * filesystem it mounts. */
static int judge_local_volume(struct ctx *c, struct str driver, const struct local_volume_opts *o,
			      enum path_origin origin)
{
	if (inspect_local_host_fs(driver, o))
		c->facts->host_fs_type = o->type;
	if (inspect_local_bind(driver, o))
		return add_path(c, o->device, origin, false);
	return 0;
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
	if (judge_local_volume(c, m->driver, &m->opts, vol) < 0)
		return -1;
	if (str_ieq(m->type, "volume") && m->source.p != NULL && m->source.len != 0 &&
	    add_volume(c, m->source) < 0)
		return -1;
	return 0;
}

static int set_str(struct ctx *c, const struct field *f, char *base, int t)
{
	struct str *slot = (struct str *)(void *)(base + f->off);
	struct str v;

	if (json_is_null(&c->doc, t))
		return 0; /* Go leaves the field alone */
	if (c->doc.tok[t].type != JSMN_STRING)
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

	char first = c->doc.js[c->doc.tok[t].start];

	/* null was taken by the caller: a primitive is now a bool or a number */
	if (c->doc.tok[t].type != JSMN_PRIMITIVE || (first != 't' && first != 'f'))
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

/* dockerd's defaults for MaskedPaths or ReadonlyPaths */
static const char *const *system_defaults(const struct field *f)
{
	return strcmp(f->name, "MaskedPaths") == 0 ? inspect_default_masked
						   : inspect_default_readonly;
}

static int take_string(struct ctx *c, const struct field *f, char *base, int t)
{
	struct str s;

	if (decode(c, t, &s) < 0)
		return -1;
	if (f->kind == K_BINDS)
		return add_bind(c, s);
	if (f->kind != K_SYSTEM_PATHS)
		return append_str(c, f, base, s);
	const char *const *want = system_defaults(f);
	for (size_t d = 0; want[d]; d++)
		if (s.len == strlen(want[d]) && memcmp(s.p, want[d], s.len) == 0)
			c->defaults_seen |= 1u << d;
	return 0;
}

/* A list of strings; a null element is Go's "" and names nothing. */
static int walk_strings(struct ctx *c, const struct field *f, char *base, int t)
{
	if (c->doc.tok[t].type == JSMN_STRING && f->kind == K_STRSLICE)
		return take_string(c, f, base, t) < 0 ? -1 : t + 1;
	if (c->doc.tok[t].type != JSMN_ARRAY)
		return bad_type(c, f);
	int j = t + 1;
	c->defaults_seen = 0;
	for (int i = 0; i < c->doc.tok[t].size; i++, j++) {
		if (json_is_null(&c->doc, j))
			continue;
		if (c->doc.tok[j].type != JSMN_STRING)
			return bad_type(c, f);
		if (take_string(c, f, base, j) < 0)
			return -1;
	}
	/* a system path list counts when it lacks one of the defaults */
	size_t n_defaults = 0;
	while (f->kind == K_SYSTEM_PATHS && system_defaults(f)[n_defaults])
		n_defaults++;
	if (f->kind == K_SYSTEM_PATHS && c->defaults_seen != (1u << n_defaults) - 1)
		(*(size_t *)(void *)(base + f->off))++;
	return j;
}

static int walk_struct(struct ctx *c, int t, const struct field *fields, char *base);
static int walk_any(struct ctx *c, int t);

/* []mount.Mount or []NetworkAttachmentConfig (whose Target is a network
 * the task joins); a null element is skipped. */
static int walk_struct_array(struct ctx *c, const struct field *f, int t)
{
	if (c->doc.tok[t].type != JSMN_ARRAY)
		return bad_type(c, f);
	int j = t + 1;
	for (int i = 0; i < c->doc.tok[t].size; i++) {
		union {
			struct mount_spec mount;
			struct str target;
		} e;
		if (json_is_null(&c->doc, j)) {
			j++;
			continue;
		}
		if (c->doc.tok[j].type != JSMN_OBJECT)
			return bad_type(c, f);
		memset(&e, 0, sizeof(e));
		j = walk_struct(c, j, f->sub, (char *)&e);
		if (j < 0)
			return -1;
		if (f->kind == K_MOUNTS && judge_mount(c, &e.mount) < 0)
			return -1;
		if (f->kind == K_NETWORKS && e.target.p != NULL) {
			if (c->facts->n_networks == INSPECT_MAX_ITEMS)
				return fail(c, "too many networks");
			c->facts->networks[c->facts->n_networks++] = e.target;
		}
	}
	return j;
}

static int map_entry(struct ctx *c, const struct field *f, char *base, int key, int val)
{
	struct local_volume_opts *o = (struct local_volume_opts *)(void *)(base + f->off);
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
		if (json_eq(&c->doc, key, "type", false))
			slot = &o->type;
		else if (json_eq(&c->doc, key, "o", false))
			slot = &o->o;
		else if (json_eq(&c->doc, key, "device", false))
			slot = &o->device;
		return slot != NULL ? decode_value(c, val, slot) : 0;
	default:
		return 0;
	}
}

/* map[string]string: keys exact, values strings (or null). */
static int walk_map(struct ctx *c, const struct field *f, char *base, int t)
{
	if (c->doc.tok[t].type != JSMN_OBJECT)
		return bad_type(c, f);
	if (check_repeats(c, t, false, NULL) < 0)
		return -1;
	int j = t + 1;
	for (int i = 0; i < c->doc.tok[t].size; i++, j += 2) {
		if (!json_is_null(&c->doc, j + 1) && c->doc.tok[j + 1].type != JSMN_STRING)
			return bad_type(c, f);
		if (map_entry(c, f, base, j, j + 1) < 0)
			return -1;
	}
	return j;
}

static int walk_count(struct ctx *c, const struct field *f, char *base, int t)
{
	if (c->doc.tok[t].type != JSMN_ARRAY)
		return bad_type(c, f);
	*(size_t *)(void *)(base + f->off) += (size_t)c->doc.tok[t].size;
	return walk_any(c, t);
}

/* One field's value at token t; returns the index after it. */
static int walk_field(struct ctx *c, const struct field *f, char *base, int t)
{
	if (json_is_null(&c->doc, t))
		return t + 1; /* "absent": Go keeps the zero value */
	switch (f->kind) {
	case K_STR:
		return set_str(c, f, base, t) < 0 ? -1 : t + 1;
	case K_BOOL:
		return set_bool(c, f, base, t) < 0 ? -1 : t + 1;
	case K_STRLIST:
	case K_STRSLICE:
	case K_BINDS:
	case K_SYSTEM_PATHS:
		return walk_strings(c, f, base, t);
	case K_MOUNTS:
	case K_NETWORKS:
		return walk_struct_array(c, f, t);
	case K_COUNT_ARRAY:
		return walk_count(c, f, base, t);
	case K_COUNT_MAP:
	case K_MAP:
	case K_LABELS:
	case K_OPTS:
		return walk_map(c, f, base, t);
	case K_STRUCT:
		if (c->doc.tok[t].type != JSMN_OBJECT)
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
	for (int i = 0; i < c->doc.tok[t].size && j >= 0; i++) {
		const struct field *f = find_field(c, j, fields);
		j = f != NULL ? walk_field(c, f, base, j + 1) : walk_any(c, j + 1);
	}
	return j;
}

/* A value we do not read: still, no object in it may repeat a key. */
static int walk_any(struct ctx *c, int t)
{
	int j = t + 1;

	if (c->doc.tok[t].type == JSMN_OBJECT)
		return walk_struct(c, t, NULL, NULL);
	if (c->doc.tok[t].type != JSMN_ARRAY)
		return j;
	for (int i = 0; i < c->doc.tok[t].size && j >= 0; i++)
		j = walk_any(c, j);
	return j;
}

static int walk_volume_create(struct ctx *c)
{
	struct volume_req v;

	memset(&v, 0, sizeof(v));
	if (walk_struct(c, 0, inspect_volume_create_fields, (char *)&v) < 0)
		return -1;
	c->facts->name = v.name;
	c->facts->driver = v.driver;
	return judge_local_volume(c, v.driver, &v.opts, PATH_FROM_VOLUME_CREATE);
}

static int walk_body(struct ctx *c, enum route_action action)
{
	if (action == ACT_VOLUME_CREATE)
		return walk_volume_create(c);
	c->service = action == ACT_SERVICE_CREATE || action == ACT_SERVICE_UPDATE;
	return walk_struct(c, 0, inspect_fields_for(action), (char *)c->facts) < 0 ? -1 : 0;
}

static size_t skip_ws(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
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
	c.scratch = scratch;
	c.scratch_len = scratch_len;
	if (!inspect_wants_body(action))
		return 0;
	size_t start = skip_ws(body, len);
	if (start == len)
		return 0; /* dockerd refuses an empty body itself */
	if (len > JSON_MAX_TEXT || scratch_len < len) {
		*why = "body too large to inspect";
		return -1;
	}
	/* The tokens go in scratch after the len bytes strings may need. */
	const char *e = json_parse(&c.doc, body, len, scratch + len, scratch_len - len);
	if (e != NULL) {
		*why = e;
		return -1;
	}
	if (!c.doc.allocated)
		c.scratch_len = len;
	int rc = 0;
	if (body[start] == 'n')
		rc = 0; /* null into a struct: Go does nothing */
	else if (body[start] != '{')
		rc = fail(&c, "body must be a JSON object");
	else
		rc = walk_body(&c, action);
	json_free(&c.doc);
	if (rc < 0) {
		*why = c.why;
		memset(facts, 0, offsetof(struct body_facts, why));
	}
	return rc;
}
