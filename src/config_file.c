/*
 * config_file: FILTERS_CONFIG, a JSON file with the DKRPRX__ sections, read
 * into the "NAME=value" entries the same variables would hold.
 */
#include "config_read.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "match.h"
#include "settings.h"
#include "text.h"

#define FILE_MAX (1 << 20)

/* "key=value" as the next entry; false when the list or the arena is full. */
static bool add_entry(struct file_env *fe, const char *key, const char *value)
{
	size_t size = strlen(key) + strlen(value) + 2;

	if (fe->n == FILE_KEYS || fe->used + size > fe->cap)
		return false;
	fe->entries[fe->n] = fe->arena + fe->used;
	snprintf(fe->entries[fe->n++], size, "%s=%s", key, value);
	fe->used += size;
	return true;
}

/*
 * One setting's JSON value -> the string the same DKRPRX__ variable would
 * hold: a list joins with ',' (a ',' inside an item is escaped), an object
 * becomes "k=v,...", true/false stay words.
 */
static bool file_value(const struct json_doc *d, int i, char *out, size_t cap)
{
	const char *js = d->js;
	const jsmntok_t *t = d->tok;
	size_t o = 0, n;
	char tmp[4096];

	if (t[i].type == JSMN_STRING)
		return json_cstr(d, i, out, cap);
	if (t[i].type == JSMN_PRIMITIVE) {
		size_t len = (size_t)(t[i].end - t[i].start);
		if (len >= cap || (js[t[i].start] != 't' && js[t[i].start] != 'f'))
			return false;
		memcpy(out, js + t[i].start, len);
		out[len] = '\0';
		return true;
	}
	int end = json_skip(d, i);
	bool object = t[i].type == JSMN_OBJECT;
	for (int j = i + 1; j < end; j = json_skip(d, object ? j + 1 : j)) {
		if (t[j].type != JSMN_STRING || !json_cstr(d, j, tmp, sizeof(tmp)))
			return false;
		n = strlen(tmp);
		if (o && o + 1 < cap)
			out[o++] = ',';
		/* Escape only the commas the list splitter would split on: one
		 * inside "{1,3}" must stay bare (musl's regcomp refuses "{1\\,3}"),
		 * and inside "[,;]" a backslash would be one more bracket member. */
		for (size_t k = 0, stop = object ? n : pattern_item_len(tmp, n); k < n; k++) {
			if (o + 3 >= cap)
				return false;
			if (k == stop) {
				out[o++] = '\\';
				stop = k + 1 + pattern_item_len(tmp + k + 1, n - k - 1);
			}
			out[o++] = tmp[k];
		}
		if (object) {
			int v = j + 1;
			if (v >= end || t[v].type != JSMN_STRING || !json_cstr(d, v, tmp, sizeof(tmp)) ||
			    o + (n = strlen(tmp)) + 2 >= cap)
				return false;
			out[o++] = '=';
			memcpy(out + o, tmp, n);
			o += n;
		}
	}
	out[o] = '\0';
	return true;
}

void read_filters_file(const char *path, char *const *envp, struct file_env *fe,
		       struct problems *p)
{
	size_t len;
	char *js = text_read_file(path, FILE_MAX, &len);
	struct json_doc d = { 0 };

	if (!js && errno != ENOMEM) {
		problem(p, errno == EFBIG ? "FILTERS_CONFIG=%s: larger than 1 MiB"
					  : "FILTERS_CONFIG=%s: cannot read it", path);
		return;
	}
	fe->cap = 2 * FILE_MAX + 4096;
	fe->arena = malloc(fe->cap);
	if (!js || !fe->arena) {
		problem(p, "FILTERS_CONFIG=%s: out of memory", path);
		goto out;
	}
	if (json_parse(&d, js, len, NULL, 0)) {
		problem(p, "FILTERS_CONFIG=%s: not valid JSON", path);
		goto out;
	}
	const jsmntok_t *t = d.tok;
	if (t[0].type != JSMN_OBJECT) {
		problem(p, "FILTERS_CONFIG=%s: expected a JSON object", path);
		goto out;
	}
	for (int i = 1; i + 1 < d.n; i = json_skip(&d, i + 1)) {
		char section[64], key[160], value[8192];
		size_t slen = (size_t)(t[i].end - t[i].start);
		if (t[i].type != JSMN_STRING || slen >= sizeof(section) - 1)
			goto bad_key;
		memcpy(section, js + t[i].start, slen);
		section[slen] = '\0';
		if (strcmp(section, "disable_defaults") == 0) {
			/* unlike a section's keys, quietly skipped when it cannot be used */
			if (!env_get(envp, "DKRPRX__DISABLE_DEFAULTS") &&
			    file_value(&d, i + 1, value, sizeof(value)))
				add_entry(fe, "DKRPRX__DISABLE_DEFAULTS", value);
			continue;
		}
		if (t[i + 1].type != JSMN_OBJECT ||
		    (strcmp(section, "volumes") != 0 && strcmp(section, "containers") != 0 &&
		     strcmp(section, "images") != 0 && strcmp(section, "networks") != 0))
			goto bad_key;
		int end = json_skip(&d, i + 1);
		for (int j = i + 2; j + 1 < end; j = json_skip(&d, j + 1)) {
			size_t klen = (size_t)(t[j].end - t[j].start);
			if (t[j].type != JSMN_STRING || klen >= 64) {
				problem(p, "FILTERS_CONFIG=%s: bad key in section \"%s\"", path, section);
				continue;
			}
			int n = snprintf(key, sizeof(key), "DKRPRX__%s__%.*s", section, (int)klen,
					 js + t[j].start);
			for (int k = 0; k < n; k++)
				key[k] = (char)toupper((unsigned char)key[k]);
			if (!settings_find(key)) { /* key is DKRPRX__SECTION__NAME */
				problem(p, "FILTERS_CONFIG=%s: unknown setting \"%s.%.*s\"", path,
					section, (int)klen, js + t[j].start);
				continue;
			}
			if (env_get(envp, key))
				continue; /* the environment wins, key by key */
			if (!file_value(&d, j + 1, value, sizeof(value))) {
				problem(p, "FILTERS_CONFIG=%s: \"%s.%.*s\" has a value of the wrong shape",
					path, section, (int)klen, js + t[j].start);
				continue;
			}
			if (!add_entry(fe, key, value)) {
				problem(p, "FILTERS_CONFIG=%s: too many settings", path);
				goto out;
			}
		}
		continue;
bad_key:
		problem(p, "FILTERS_CONFIG=%s: unknown section \"%.*s\" (volumes, containers, "
			   "images, networks, disable_defaults)", path, (int)slen, js + t[i].start);
	}
out:
	json_free(&d);
	free(js);
}
