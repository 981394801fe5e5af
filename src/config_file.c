/*
 * config_file: FILTERS_CONFIG, a JSON file with the DKRPRX__ sections, read
 * into the "NAME=value" entries the same variables would hold.
 */
#include "config_read.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#define FILE_MAX (1 << 20)

static char *arena_put(struct file_env *fe, const char *s, size_t len)
{
	if (fe->used + len + 1 > fe->cap)
		return NULL;
	char *out = fe->arena + fe->used;
	memcpy(out, s, len);
	out[len] = '\0';
	fe->used += len + 1;
	return out;
}

/* JSON string body -> bytes; false on an escape we do not take (surrogates). */
static bool json_unescape(const char *s, size_t len, char *out, size_t *olen)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\') {
			out[o++] = s[i];
			continue;
		}
		if (++i == len)
			return false;
		switch (s[i]) {
		case '"': case '\\': case '/': out[o++] = s[i]; break;
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case 'u': {
			unsigned cp = 0;
			if (len - i < 5)
				return false;
			for (int k = 1; k <= 4; k++) {
				char c = s[i + k];
				cp <<= 4;
				if (c >= '0' && c <= '9') cp |= (unsigned)(c - '0');
				else if (c >= 'a' && c <= 'f') cp |= (unsigned)(c - 'a' + 10);
				else if (c >= 'A' && c <= 'F') cp |= (unsigned)(c - 'A' + 10);
				else return false;
			}
			i += 4;
			if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
				return false;
			if (cp < 0x80) {
				out[o++] = (char)cp;
			} else if (cp < 0x800) {
				out[o++] = (char)(0xc0 | (cp >> 6));
				out[o++] = (char)(0x80 | (cp & 0x3f));
			} else {
				out[o++] = (char)(0xe0 | (cp >> 12));
				out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				out[o++] = (char)(0x80 | (cp & 0x3f));
			}
			break;
		}
		default:
			return false;
		}
	}
	*olen = o;
	return true;
}

static int tok_skip(const jsmntok_t *t, int i, int count)
{
	int end = i + 1;

	for (int pending = t[i].size; pending > 0 && end < count; end++)
		pending += t[end].size - 1;
	return end;
}

/*
 * One setting's JSON value -> the string the same DKRPRX__ variable would
 * hold: a list joins with ',' (a ',' inside an item is escaped), an object
 * becomes "k=v,...", true/false stay words.
 */
static bool file_value(const char *js, const jsmntok_t *t, int i, int count, char *out,
		       size_t cap)
{
	size_t o = 0, n;
	char tmp[4096];

	if (t[i].type == JSMN_STRING) {
		size_t len = (size_t)(t[i].end - t[i].start);
		if (len >= cap || !json_unescape(js + t[i].start, len, out, &n))
			return false;
		out[n] = '\0';
		return true;
	}
	if (t[i].type == JSMN_PRIMITIVE) {
		size_t len = (size_t)(t[i].end - t[i].start);
		if (len >= cap || (js[t[i].start] != 't' && js[t[i].start] != 'f'))
			return false;
		memcpy(out, js + t[i].start, len);
		out[len] = '\0';
		return true;
	}
	int end = tok_skip(t, i, count);
	bool object = t[i].type == JSMN_OBJECT;
	for (int j = i + 1; j < end; j = tok_skip(t, j, count)) {
		size_t len = (size_t)(t[j].end - t[j].start);
		if (t[j].type != JSMN_STRING || len >= sizeof(tmp) ||
		    !json_unescape(js + t[j].start, len, tmp, &n))
			return false;
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
			len = (size_t)(t[v].end - t[v].start);
			if (v >= end || t[v].type != JSMN_STRING || len >= sizeof(tmp) ||
			    !json_unescape(js + t[v].start, len, tmp, &n) || o + n + 2 >= cap)
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
	FILE *fp = fopen(path, "re");
	char *js = NULL;
	jsmntok_t *t = NULL;
	size_t len;
	jsmn_parser parser;

	if (!fp) {
		problem(p, "FILTERS_CONFIG=%s: cannot read it", path);
		return;
	}
	js = malloc(FILE_MAX + 1);
	fe->cap = 2 * FILE_MAX + 4096;
	fe->arena = malloc(fe->cap);
	if (!js || !fe->arena)
		goto nomem;
	len = fread(js, 1, FILE_MAX + 1, fp);
	if (len > FILE_MAX) {
		problem(p, "FILTERS_CONFIG=%s: larger than 1 MiB", path);
		goto out;
	}
	jsmn_init(&parser);
	int count = jsmn_parse(&parser, js, len, NULL, 0);
	if (count <= 0) {
		problem(p, "FILTERS_CONFIG=%s: not valid JSON", path);
		goto out;
	}
	t = malloc(sizeof(*t) * (size_t)count);
	if (!t)
		goto nomem;
	jsmn_init(&parser);
	if (jsmn_parse(&parser, js, len, t, (unsigned)count) != count || t[0].type != JSMN_OBJECT) {
		problem(p, "FILTERS_CONFIG=%s: expected a JSON object", path);
		goto out;
	}
	for (int i = 1; i + 1 < count; i = tok_skip(t, i + 1, count)) {
		char section[64], key[160], value[8192];
		size_t slen = (size_t)(t[i].end - t[i].start);
		if (t[i].type != JSMN_STRING || slen >= sizeof(section) - 1)
			goto bad_key;
		memcpy(section, js + t[i].start, slen);
		section[slen] = '\0';
		if (strcmp(section, "disable_defaults") == 0) {
			snprintf(key, sizeof(key), "DKRPRX__DISABLE_DEFAULTS");
			goto one_setting;
		}
		if (t[i + 1].type != JSMN_OBJECT ||
		    (strcmp(section, "volumes") != 0 && strcmp(section, "containers") != 0 &&
		     strcmp(section, "images") != 0 && strcmp(section, "networks") != 0))
			goto bad_key;
		int end = tok_skip(t, i + 1, count);
		for (int j = i + 2; j + 1 < end; j = tok_skip(t, j + 1, count)) {
			size_t klen = (size_t)(t[j].end - t[j].start);
			if (t[j].type != JSMN_STRING || klen >= 64) {
				problem(p, "FILTERS_CONFIG=%s: bad key in section \"%s\"", path, section);
				continue;
			}
			int n = snprintf(key, sizeof(key), "DKRPRX__%s__%.*s", section, (int)klen,
					 js + t[j].start);
			for (int k = 0; k < n; k++)
				key[k] = (char)toupper((unsigned char)key[k]);
			if (!known_dkrprx(key)) {
				problem(p, "FILTERS_CONFIG=%s: unknown setting \"%s.%.*s\"", path,
					section, (int)klen, js + t[j].start);
				continue;
			}
			if (env_get(envp, key))
				continue; /* the environment wins, key by key */
			if (!file_value(js, t, j + 1, count, value, sizeof(value))) {
				problem(p, "FILTERS_CONFIG=%s: \"%s.%.*s\" has a value of the wrong shape",
					path, section, (int)klen, js + t[j].start);
				continue;
			}
			char line[8400];
			int ln = snprintf(line, sizeof(line), "%s=%s", key, value);
			char *entry = fe->n < FILE_KEYS ? arena_put(fe, line, (size_t)ln) : NULL;
			if (!entry) {
				problem(p, "FILTERS_CONFIG=%s: too many settings", path);
				goto out;
			}
			fe->entries[fe->n++] = entry;
		}
		continue;
one_setting:
		if (!env_get(envp, key) && file_value(js, t, i + 1, count, value, sizeof(value))) {
			char line[256];
			int ln = snprintf(line, sizeof(line), "%s=%s", key, value);
			char *entry = fe->n < FILE_KEYS ? arena_put(fe, line, (size_t)ln) : NULL;
			if (entry)
				fe->entries[fe->n++] = entry;
		}
		continue;
bad_key:
		problem(p, "FILTERS_CONFIG=%s: unknown section \"%.*s\" (volumes, containers, "
			   "images, networks, disable_defaults)", path, (int)slen, js + t[i].start);
	}
	goto out;
nomem:
	problem(p, "FILTERS_CONFIG=%s: out of memory", path);
out:
	free(t);
	free(js);
	fclose(fp);
}
