/*
 * envcheck: names sockwall does not read, and names it reads differently
 * from the anchors.  Their behaviour quoted here is read from their sources:
 *  - tecnativa/docker-socket-proxy (haproxy.cfg, Dockerfile, entrypoint) and
 *    linuxserver/socket-proxy (root/templates/haproxy.cfg, Dockerfile,
 *    entrypoint) test every toggle as `{ env(NAME) -m bool }`: HAProxy casts
 *    the text to an integer (an optional sign and the leading decimal digits,
 *    0 when there are none) and matches when it is not 0, so "true", "yes"
 *    and "on" are off;
 *  - DISABLE_IPV6 is read by the entrypoint shell: tecnativa takes 1, true or
 *    yes in any case, linuxserver exactly 1;
 *  - LOG_LEVEL is HAProxy's `log ... "${LOG_LEVEL}"` filter: only its eight
 *    lower-case names start HAProxy, and request lines are logged at info;
 *  - linuxserver installs tzdata and documents TZ; sockwall logs UTC.
 */
#include "envcheck.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "text.h"

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

static bool same(const char *s, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(s, name, len) == 0;
}

/* The name sockwall reads spelled name[0..len), or NULL. */
static const struct envname *find(const struct envnames *en, const char *name, size_t len)
{
	for (size_t i = 0; i < en->n; i++)
		if (same(name, len, en->names[i].name))
			return &en->names[i];
	return NULL;
}

/* Whether s[0..len) is all A-Z, 0-9, '_' (and a-z when lower). */
static bool name_chars(const char *s, size_t len, bool lower)
{
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      (lower && s[i] >= 'a' && s[i] <= 'z')))
			return false;
	return true;
}

int envcheck_toggle_word(const char *v)
{
	static const char *const on[] = { "1", "true", "yes", "on" };
	static const char *const off[] = { "0", "false", "no", "off" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, on[i]) == 0)
			return 1;
		if (strcasecmp(v, off[i]) == 0)
			return 0;
	}
	return -1;
}

int envcheck_distance(const char *a, size_t alen, const char *b, size_t blen, int cap)
{
	/* three rows: the one before last is needed for a swap */
	int rows[3][ENVCHECK_NAME_MAX + 1];
	int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

	if (alen > ENVCHECK_NAME_MAX || blen > ENVCHECK_NAME_MAX)
		return cap + 1;
	if ((alen > blen ? alen - blen : blen - alen) > (size_t)cap)
		return cap + 1;
	for (size_t j = 0; j <= blen; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= alen; i++) {
		int best = cur[0] = (int)i;
		for (size_t j = 1; j <= blen; j++) {
			int cost = a[i - 1] != b[j - 1];
			int d = prev[j - 1] + cost;
			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
			if (d < best)
				best = d;
		}
		if (best > cap) /* every path through this row already costs more */
			return cap + 1;
		int *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[blen] > cap ? cap + 1 : prev[blen];
}

int envcheck_near(size_t known_len)
{
	return known_len <= 5 ? 1 : 2;
}

const char *envcheck_hint(const struct envnames *en, const char *name, size_t len, bool all)
{
	const struct envname *best = NULL;
	int best_d = ENVCHECK_NAME_MAX + 1;

	for (size_t i = 0; i < en->n; i++) {
		const char *known = en->names[i].name;
		int cap = envcheck_near(strlen(known));
		int d = all || en->names[i].toggle ? envcheck_distance(name, len, known, strlen(known), cap)
						   : cap + 1;
		if (d <= cap && d < best_d) {
			best = &en->names[i];
			best_d = d;
		}
	}
	/* linuxserver's ALLOW_LOGS covers /libpod/ too; ALLOW_EXEC means EXEC */
	if (!best && has_prefix(name, len, "LIBPOD_ALLOW_"))
		best = find(en, name + 7, len - 7);
	if (!best && has_prefix(name, len, "ALLOW_"))
		best = find(en, name + 6, len - 6);
	return best ? best->name : NULL;
}

/* The next item of SOCKWALL_IGNORE_VARS, and its length without a trailing '*'. */
static bool ignore_item(struct str *rest, struct str *it, size_t *stem)
{
	while (text_item(rest, ',', true, it)) {
		if (it->len) {
			*stem = it->p[it->len - 1] == '*' ? it->len - 1 : it->len;
			return true;
		}
	}
	return false;
}

static bool ignored(const char *ignore, const char *name, size_t len)
{
	struct str rest = { ignore, ignore ? strlen(ignore) : 0 }, it;
	size_t stem;

	while (ignore_item(&rest, &it, &stem))
		if (len >= stem && memcmp(name, it.p, stem) == 0 && (stem < it.len || len == stem))
			return true;
	return false;
}

bool envcheck_ignore_list_ok(const struct envnames *en, const char *ignore, char *msg,
			     size_t cap)
{
	struct str rest = { ignore, ignore ? strlen(ignore) : 0 }, it;
	size_t stem;

	while (ignore_item(&rest, &it, &stem)) {
		int n = (int)it.len;
		if (stem == 0 || stem > ENVCHECK_NAME_MAX || !name_chars(it.p, stem, true)) {
			snprintf(msg, cap, "SOCKWALL_IGNORE_VARS: '%.*s' is not a NAME or a PREFIX* "
					   "(comma-separated, e.g. MYAPP_ALLOW_*,CONTAINER)",
				 n < 80 ? n : 80, it.p);
			return false;
		}
		if (has_prefix(it.p, stem, "SOCKWALL_") || has_prefix(it.p, stem, "DKRPRX__")) {
			snprintf(msg, cap, "SOCKWALL_IGNORE_VARS: %.*s: SOCKWALL_* and DKRPRX__* are "
					   "sockwall's own names; an unknown one is always a typo", n, it.p);
			return false;
		}
		if (stem == it.len && find(en, it.p, it.len)) {
			snprintf(msg, cap, "SOCKWALL_IGNORE_VARS: %.*s is a setting sockwall reads; "
					   "list only names that other programs read", n, it.p);
			return false;
		}
	}
	return true;
}

bool envcheck_entry(const struct envnames *en, const char *ignore, const char *entry,
		    char *msg, size_t cap)
{
	const char *eq = strchr(entry, '=');
	size_t len;
	const char *hint = NULL;

	if (!eq)
		return false;
	len = (size_t)(eq - entry);
	if (find(en, entry, len))
		return false;
	int shown = (int)(len < 120 ? len : 120);
	/* sockwall's own namespaces: any unknown name there is a typo */
	if (has_prefix(entry, len, "SOCKWALL_") || has_prefix(entry, len, "DKRPRX__")) {
		hint = envcheck_hint(en, entry, len, true);
		snprintf(msg, cap, "%.*s: unknown setting (see sockwall --help)%s%s%s", shown, entry,
			 hint ? "; did you mean " : "", hint ? hint : "", hint ? "?" : "");
		return true;
	}
	/* a name only a toggle's author would write */
	if (len == 0 || entry[0] < 'A' || entry[0] > 'Z' || !name_chars(entry, len, false) ||
	    ignored(ignore, entry, len))
		return false;
	if (has_prefix(entry, len, "ALLOW_") || has_prefix(entry, len, "LIBPOD_"))
		hint = envcheck_hint(en, entry, len, false);
	else if (envcheck_toggle_word(eq + 1) < 0 || !(hint = envcheck_hint(en, entry, len, false)))
		return false; /* not shaped like a toggle: another program's */
	if (hint)
		snprintf(msg, cap, "%.*s: unknown setting; did you mean %s? (if another program "
				   "reads %.*s, list it in SOCKWALL_IGNORE_VARS)",
			 shown, entry, hint, shown, entry);
	else
		snprintf(msg, cap, "%.*s: unknown setting (see sockwall --help; if another program "
				   "reads it, list it in SOCKWALL_IGNORE_VARS)",
			 shown, entry);
	return true;
}

/* ---- notes: the anchors' names that sockwall reads differently ---- */

static const char *anchor_words(unsigned anchors)
{
	if (anchors == (ENVCHECK_TEC | ENVCHECK_LSIO))
		return "tecnativa and linuxserver read";
	return anchors == ENVCHECK_TEC ? "tecnativa reads" : "linuxserver reads";
}

static const char *const haproxy_levels[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

/* LOG_LEVEL's note, or false when sockwall and HAProxy agree (or the value
 * is invalid, which config.c reports). */
static bool log_level_note(const char *v, struct envnote *note)
{
	char *text = note->text;
	size_t cap = sizeof(note->text);
	const char *as = NULL;

	for (size_t i = 0; i < sizeof(haproxy_levels) / sizeof(*haproxy_levels); i++) {
		if (strcmp(v, haproxy_levels[i]) == 0) {
			if (i != 4 && i != 5) /* warning, notice */
				return false;
			note->level = ENVNOTE_WARNING;
			snprintf(text, cap, "LOG_LEVEL=%s: sockwall still logs refused requests (at "
					    "warning), not allowed ones; tecnativa's and linuxserver's "
					    "HAProxy logs every request at info, so at %s they log none", v, v);
			return true;
		}
		if (strcasecmp(v, haproxy_levels[i]) == 0)
			as = haproxy_levels[i];
	}
	if (strcasecmp(v, "error") == 0)
		as = "err";
	else if (strcasecmp(v, "warn") == 0)
		as = "warning";
	if (!as)
		return false;
	/* LOG_LEVEL notes go out at warning: at notice they would be hidden
	 * by the very level they are about */
	note->level = ENVNOTE_WARNING;
	snprintf(text, cap, "LOG_LEVEL=%.20s: sockwall reads it as %s; tecnativa's and "
			    "linuxserver's HAProxy does not start with it (it knows emerg, alert, crit, "
			    "err, warning, notice, info and debug, in lower case)", v, as);
	return true;
}

static bool utc_zone(const char *v)
{
	static const char *const utc[] = { "", "UTC", "UTC0", "Etc/UTC", "GMT", "GMT0", "Etc/GMT" };

	if (*v == ':')
		v++;
	for (size_t i = 0; i < sizeof(utc) / sizeof(*utc); i++)
		if (strcmp(v, utc[i]) == 0)
			return true;
	return false;
}

/* The note for one entry, or false when there is nothing to say. */
static bool note_for(const struct envnames *en, const char *name, size_t len, const char *v,
		     struct envnote *note)
{
	char *t = note->text;
	size_t cap = sizeof(note->text);
	int shown = (int)len;

	note->level = ENVNOTE_NOTICE;
	if (same(name, len, "TZ")) {
		if (utc_zone(v))
			return false;
		snprintf(t, cap, "TZ=%.60s: sockwall writes every log time in UTC (ISO 8601, ending "
				 "in Z) whatever TZ says; linuxserver's image sets the container's zone "
				 "from TZ and its HAProxy writes request times in it", v);
		return true;
	}
	if (same(name, len, "LOG_LEVEL"))
		return log_level_note(v, note);
	if (envcheck_toggle_word(v) != 1 || strcmp(v, "1") == 0)
		return false;
	if (same(name, len, "DISABLE_IPV6")) {
		bool tec = strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0;
		snprintf(t, cap, "DISABLE_IPV6=%s: sockwall reads it as on (the default listener is "
				 "0.0.0.0:2375)%s; %s would listen on [::]:2375 as well", v,
			 tec ? ", as tecnativa does (1, true or yes)" : "",
			 tec ? "linuxserver tests for exactly 1 and"
			     : "tecnativa (1, true or yes) and linuxserver (exactly 1)");
		return true;
	}
	const struct envname *known = find(en, name, len);
	unsigned anchors = known ? known->anchors : 0; /* which test it with HAProxy's -m bool */
	if (!anchors)
		return false;
	note->level = ENVNOTE_WARNING;
	snprintf(t, cap, "%.*s=%s: sockwall reads it as on; %s it as off (HAProxy's "
			 "env(%.*s) -m bool casts the text to an integer from its leading digits, so "
			 "\"%s\" is 0): write %.*s=1 to mean on for all of them",
		 shown, name, v, anchor_words(anchors), shown, name, v, shown, name);
	return true;
}

size_t envcheck_notes(const struct envnames *en, const char *ignore, char *const *envp,
		      struct envnote *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; envp && envp[i] && n < cap; i++) {
		const char *eq = strchr(envp[i], '=');
		size_t len = eq ? (size_t)(eq - envp[i]) : 0;
		bool seen = false;

		if (!eq || len > ENVCHECK_NAME_MAX || ignored(ignore, envp[i], len))
			continue;
		/* once per name, as getenv reads only the first */
		for (size_t k = 0; k < i && !seen; k++)
			seen = strncmp(envp[k], envp[i], len + 1) == 0;
		if (seen || !note_for(en, envp[i], len, eq + 1, &out[n]))
			continue;
		text_scrub(out[n++].text); /* a value may hold anything: one printable line */
	}
	return n;
}
