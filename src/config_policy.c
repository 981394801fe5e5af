/*
 * config_policy: one policy from an environment (the toggles, the filters,
 * the mode), the presets beneath it, the policy files and presets that
 * listeners and CNs name, and the table --check-config prints.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include "config_read.h"
#include "presets.h"
#include "settings.h"
#include "text.h"

/* "k=v,k2" -> required labels (a key alone requires presence). */
static void parse_labels(struct filters *f, const char *spec, struct problems *p)
{
	struct str rest = { spec, strlen(spec) }, it;

	while (text_item(&rest, ',', false, &it)) {
		const char *item = it.p;
		size_t len = it.len;
		const char *eq = memchr(item, '=', len);
		size_t klen = eq ? (size_t)(eq - item) : len;
		size_t vlen = eq ? len - klen - 1 : 0;

		if (klen == 0 || klen >= FILTER_NAME_MAX || vlen >= FILTER_NAME_MAX ||
		    f->n_require_labels == FILTER_MAX_LABELS) {
			problem(p, "DKRPRX__CONTAINERS__REQUIRE_LABELS=%s: expected key=value,... "
				   "(at most %d)", spec, FILTER_MAX_LABELS);
			return;
		}
		char (*kv)[FILTER_NAME_MAX] = f->require_labels[f->n_require_labels++];
		memcpy(kv[0], item, klen);
		kv[0][klen] = '\0';
		if (eq)
			memcpy(kv[1], eq + 1, vlen);
		kv[1][vlen] = '\0';
	}
}

static void read_name(char *const *envp, const char *key, char *out, size_t cap,
		      struct problems *p)
{
	const char *v = env_get(envp, key);

	if (!v)
		return;
	if (strlen(v) >= cap || strchr(v, '/'))
		problem(p, "%s=%s: expected a container or network name", key, v);
	else
		strcpy(out, v);
}

/* envp, then the entries of extra whose names envp does not set: an array
 * to free, NULL when out of memory. */
static char **env_beneath(char *const *envp, char *const *extra)
{
	size_t n = 0, k = 0;

	while (envp && envp[n])
		n++;
	while (extra[k])
		k++;
	char **merged = calloc(n + k + 1, sizeof(*merged));
	if (!merged)
		return NULL;
	if (n)
		memcpy(merged, envp, n * sizeof(*merged));
	for (size_t i = 0; i < k; i++)
		if (!env_get(envp, extra[i]))
			merged[n++] = extra[i];
	return merged;
}

/* Whether the access table lets POST /containers/create through: such a
 * client recreates containers from inspect answers and needs Env whole. */
static bool can_create(const struct acl *acl)
{
	static const char target[] = "/containers/create";
	struct route_match m;
	struct verdict v;

	if (route_resolve("POST", 4, target, sizeof(target) - 1, &m, NULL) < 0)
		return false;
	policy_judge(acl, "POST", 4, &m, &v);
	return v.decision == DECISION_ALLOW;
}

static void load_filters(struct filters *f, const struct acl *acl, const char *socket_path,
			 char *const *envp_in, struct problems *p)
{
	char err[256];
	struct file_env fe = { .n = 0 };
	char **merged = NULL;
	char *const *envp = envp_in;
	const char *file = env_get(envp_in, "FILTERS_CONFIG");

	if (file) {
		read_filters_file(file, envp_in, &fe, p);
		merged = env_beneath(envp_in, fe.entries);
		if (merged)
			envp = merged;
	}

	filters_defaults(f, socket_path);
	/* dockerd chooses its default cgroup namespace by the same test
	 * (linux/magic.h's CGROUP2_SUPER_MAGIC; musl ships no kernel headers) */
	struct statfs cg;
	f->cgroup_v2 = statfs("/sys/fs/cgroup", &cg) == 0 && cg.f_type == 0x63677270;
	f->defaults = !read_switch(envp, "DKRPRX__DISABLE_DEFAULTS", p);
	f->deny_privileged = read_switch(envp, "DKRPRX__CONTAINERS__DENY_PRIVILEGED", p);
	f->deny_host_network = read_switch(envp, "DKRPRX__CONTAINERS__DENY_HOST_NETWORK", p);
	f->hardened = read_switch(envp, "DKRPRX__CONTAINERS__HARDENED", p);
	f->redact_env = read_bool(envp, "DKRPRX__CONTAINERS__REDACT_ENV", !can_create(acl), p);
	const char *v = env_get(envp, "DKRPRX__CONTAINERS__REQUIRE_LABELS");
	if (v)
		parse_labels(f, v, p);
	read_name(envp, "PROXY_CONTAINER_NAME", f->proxy_container_name,
		  sizeof(f->proxy_container_name), p);
	read_name(envp, "PROXY_NETWORK_NAME", f->proxy_network_name,
		  sizeof(f->proxy_network_name), p);
	for (size_t i = 0; i < settings_count; i++) {
		const struct setting *s = &settings[i];
		if (s->kind != KIND_PATTERNS || !(v = env_get(envp, s->name)))
			continue;
		struct pattern_list *pl = (struct pattern_list *)((char *)f + s->field);
		if (pattern_list_compile(pl, v, err, sizeof(err)) < 0)
			problem(p, "%s: %s", s->name, err);
	}
	free(merged);
	free(fe.arena);
}

/*
 * SOCKWALL_POLICY=<name>: the preset's settings go beneath the explicit
 * environment, which wins setting by setting.  Returns the merged array
 * (to free) or NULL when there is no preset to apply.
 */
char **apply_preset(char *const *envp, struct problems *p)
{
	const char *name = env_get(envp, "SOCKWALL_POLICY");
	const char *const *preset;

	if (!name)
		return NULL;
	preset = preset_find(name);
	if (!preset) {
		char names[512] = "";
		struct textbuf b = { names, sizeof(names), 0 };
		for (const char *const *it = preset_names(); *it; it++)
			text_printf(&b, "%s%s", b.used ? ", " : "", *it);
		problem(p, "SOCKWALL_POLICY=%s: no such preset (%s)", name, names);
		return NULL;
	}
	char **merged = env_beneath(envp, (char *const *)preset);
	if (!merged)
		problem(p, "SOCKWALL_POLICY=%s: out of memory", name);
	return merged;
}

static void load_acl(struct acl *acl, char *const *envp, struct problems *p)
{
	acl_defaults(acl);
	for (int s = SEC_NONE + 1; s < SEC_COUNT; s++)
		acl->section[s] = read_bool(envp, section_name((enum section)s), acl->section[s], p);
	for (size_t i = 0; i < settings_count; i++) {
		const struct setting *st = &settings[i];
		void *field = (char *)acl + st->field;
		if (st->kind == KIND_TRISTATE)
			*(enum toggle_state *)field = read_tristate(envp, st->name, p);
		else if (st->group == GROUP_METHODS || st->group == GROUP_ACTIONS)
			*(bool *)field = read_switch(envp, st->name, p);
	}
}

/* The toggles, filters and mode of one policy, from an environment. */
void load_policy(struct policy_set *ps, const char *socket_path, char *const *envp,
			struct problems *p)
{
	load_acl(&ps->acl, envp, p);
	ps->audit = read_choice(envp, "SOCKWALL_MODE", "audit", p);
	load_filters(&ps->filters, &ps->acl, socket_path, envp, p);
}

/* ---- policy files and presets named by listeners and CNs ---- */

#define POLICY_FILE_MAX 65536
#define POLICY_FILE_LINES 256

/* Moves the problems collected in sub into p, each line led by prefix. */
static void problems_take(struct problems *p, const struct problems *sub, const char *prefix)
{
	int lines = 0;

	for (const char *line = sub->buf; line && *line; lines++) {
		const char *nl = strchr(line, '\n');
		int len = nl ? (int)(nl - line) : (int)strlen(line);
		problem(p, "%s%.*s", prefix, len, line);
		line = nl ? nl + 1 : line + len;
	}
	p->count += sub->count > lines ? sub->count - lines : 0;
}

/* A policy from entries, the preset they name beneath; problems led by prefix. */
static void load_entries(struct policy_set *ps, const char *socket_path, char *const *entries,
			 const char *prefix, struct problems *p)
{
	char sub_buf[2048];
	struct problems sub = { sub_buf, sizeof(sub_buf), 0, 0 };
	char **merged;

	sub_buf[0] = '\0';
	merged = apply_preset(entries, &sub);
	load_policy(ps, socket_path, merged ? merged : entries, &sub);
	free(merged);
	problems_take(p, &sub, prefix);
}

/*
 * An env-format policy file: NAME=value lines, '#' comments, blank lines;
 * a value may be wrapped in one pair of quotes.  Each line is checked on
 * its own, so every problem names the file and the line.
 */
static void load_policy_file(struct policy_set *ps, const char *path, const char *socket_path,
			     struct problems *p)
{
	char *entries[POLICY_FILE_LINES + 1];
	int entry_line[POLICY_FILE_LINES];
	size_t n = 0, len;
	int before = p->count;
	char *text = text_read_file(path, POLICY_FILE_MAX, &len);

	if (!text) {
		if (errno == EFBIG || errno == ENOMEM)
			problem(p, "policy %s: %s", path,
				errno == EFBIG ? "larger than 64 KiB" : "out of memory");
		else
			problem(p, "policy %s: cannot read it (%s)", path, strerror(errno));
		return;
	}
	if (memchr(text, '\0', len)) {
		problem(p, "policy %s: holds a NUL byte: not a text file", path);
		free(text);
		return;
	}
	int lineno = 0;
	for (char *line = text, *next; line && *line; line = next) {
		char prefix[POLICY_NAME_MAX + 32];
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		snprintf(prefix, sizeof(prefix), "policy %s:%d: ", path, lineno);
		size_t l = strlen(line);
		if (l && line[l - 1] == '\r')
			line[--l] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		char *eq = strchr(line, '=');
		size_t klen = eq ? (size_t)(eq - line) : 0;
		bool name_ok = klen > 0;
		for (size_t i = 0; i < klen; i++)
			name_ok &= isupper((unsigned char)line[i]) || isdigit((unsigned char)line[i]) ||
				   line[i] == '_';
		if (!name_ok) {
			problem(p, "%sexpected NAME=value", prefix);
			continue;
		}
		*eq = '\0';
		char *value = eq + 1;
		size_t vlen = strlen(value);
		if (vlen >= 2 && (value[0] == '"' || value[0] == '\'') && value[vlen - 1] == value[0]) {
			value[vlen - 1] = '\0';
			memmove(eq + 1, value + 1, vlen - 1);
		}
		if (!settings_policy_key(line)) {
			struct setting_names names;
			settings_names(&names);
			const char *hint = envcheck_hint(&names.en, line, klen, true);
			if (settings_find(line))
				problem(p, "%s%s applies to the whole process: set it in sockwall's "
					   "environment, not in a policy file", prefix, line);
			else
				problem(p, "%s%s: unknown setting (see sockwall --help)%s%s%s", prefix,
					line, hint ? "; did you mean " : "", hint ? hint : "",
					hint ? "?" : "");
			continue;
		}
		size_t first = 0;
		while (first < n && (strncmp(entries[first], line, klen) != 0 ||
				     entries[first][klen] != '='))
			first++;
		if (first < n) {
			problem(p, "%s%s is set twice (first on line %d)", prefix, line,
				entry_line[first]);
			continue;
		}
		*eq = '=';
		if (n == POLICY_FILE_LINES) {
			problem(p, "%smore than %d settings", prefix, POLICY_FILE_LINES);
			break;
		}
		/* The value alone, read as the real load will read it. */
		struct policy_set *scratch = calloc(1, sizeof(*scratch));
		char *one[] = { line, NULL };
		if (!scratch) {
			problem(p, "%sout of memory", prefix);
			break;
		}
		load_entries(scratch, socket_path, one, prefix, p);
		filters_free(&scratch->filters);
		free(scratch);
		entry_line[n] = lineno;
		entries[n++] = line;
	}
	entries[n] = NULL;
	if (p->count == before) {
		char prefix[POLICY_NAME_MAX + 32];
		snprintf(prefix, sizeof(prefix), "policy %s: ", path);
		load_entries(ps, socket_path, entries, prefix, p);
	}
	free(text);
}

/*
 * A listener's or a CN's policy reference -> its index for config_policy
 * (each file or preset is loaded once); 0 after a problem.
 */
int policy_index(struct config *cfg, const char *ref, const char *where,
			struct problems *p)
{
	for (size_t i = 0; i < cfg->n_policies; i++)
		if (strcmp(cfg->policies[i]->name, ref) == 0)
			return (int)i + 1;
	if (strlen(ref) >= POLICY_NAME_MAX) {
		problem(p, "%s: policy %.40s...: name or path too long", where, ref);
		return 0;
	}
	if (cfg->n_policies == CONFIG_MAX_POLICIES) {
		problem(p, "%s: more than %d different policies", where, CONFIG_MAX_POLICIES);
		return 0;
	}
	struct policy_set *ps = calloc(1, sizeof(*ps));
	if (!ps) {
		problem(p, "%s: out of memory", where);
		return 0;
	}
	strcpy(ps->name, ref);
	int before = p->count;
	if (strchr(ref, '/')) {
		load_policy_file(ps, ref, cfg->socket_path, p);
	} else {
		char line[POLICY_NAME_MAX + 24], prefix[160];
		char *one[] = { line, NULL };
		snprintf(line, sizeof(line), "SOCKWALL_POLICY=%s", ref);
		snprintf(prefix, sizeof(prefix), "%s: ", where);
		load_entries(ps, cfg->socket_path, one, prefix, p);
	}
	/* Who the proxy is does not change with the client. */
	memcpy(ps->filters.proxy_container_name, cfg->policy.filters.proxy_container_name,
	       sizeof(ps->filters.proxy_container_name));
	memcpy(ps->filters.proxy_network_name, cfg->policy.filters.proxy_network_name,
	       sizeof(ps->filters.proxy_network_name));
	cfg->policies[cfg->n_policies++] = ps;
	return p->count == before ? (int)cfg->n_policies : 0;
}

static const char *tristate(enum toggle_state t, bool post)
{
	if (t == TOGGLE_UNSET)
		return post ? "1 (follows POST)" : "0 (follows POST)";
	return t == TOGGLE_ON ? "1" : "0";
}

void config_describe_acl(const struct policy_set *pol, char *out, size_t out_len)
{
	const struct acl *a = &pol->acl;
	struct textbuf b = { out, out_len, 0 };

	out[0] = '\0';
	for (int s = SEC_NONE + 1; s < SEC_COUNT; s++)
		text_printf(&b, "%s=%d\n", section_name((enum section)s),
		       a->section[s]);
	for (size_t i = 0; i < settings_count; i++) {
		const struct setting *st = &settings[i];
		const char *field = (const char *)a + st->field;
		if (st->kind == KIND_TRISTATE)
			text_printf(&b, "%s=%s\n", st->name,
				    tristate(*(const enum toggle_state *)field, a->post));
		else if (st->group == GROUP_METHODS || st->group == GROUP_ACTIONS)
			text_printf(&b, "%s=%d\n", st->name, *(const bool *)field);
	}
	text_printf(&b, "DKRPRX__CONTAINERS__REDACT_ENV=%s\n",
		    pol->filters.redact_env ? "true" : "false");
	text_printf(&b, "protections=%s\nSOCKWALL_MODE=%s\n",
	       pol->filters.defaults ? "on" : "off (DKRPRX__DISABLE_DEFAULTS)",
	       pol->audit ? "audit" : "enforce");
}
