/*
 * hostpath: see hostpath.h.  A refusal names the setting that would allow
 * the path, with a pattern that matches it alone.
 */
#include "hostpath.h"

#include <stdio.h>
#include <string.h>

#include "match.h"
#include "powers.h"

#define PATH_BUF 4096

static enum decision refuse(struct verdict *v, const char *why)
{
	return verdict_deny(v, 400, "inspect", "sockwall: %s", why);
}

static bool socket_path(const struct filters *f, const char *path, size_t len)
{
	for (size_t i = 0; i < f->n_protected_paths; i++)
		if (path_exposes(path, len, f->protected_paths[i], strlen(f->protected_paths[i])))
			return true;
	/* Anything under /proc: /proc/<pid>/root and cwd lead to the host's "/". */
	return path_exposes("/proc", 5, path, len);
}

bool filter_path_is_protected(const struct filters *f, const char *path, size_t len,
			      bool read_only)
{
	return socket_path(f, path, len) || powers_root_path(path, len, read_only) != NULL;
}

/* A path as a regex that matches it alone, for "set X=^...$" hints. */
static void regex_quote(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	for (; *s && o + 3 < cap; s++) {
		if (strchr(".[]()*+?{}|^$\\", *s))
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
}

/*
 * A host path as the kernel will see it: relative local-volume devices are
 * relative to dockerd's working directory, "/" under systemd.
 * vouched: for a path reached through symlinks, the operator explicitly
 * allowed its spelling, and that spelling is itself a protected path
 * ("^/var/run/docker\.sock$" while /var/run links to /run): what it
 * resolves to is the operator's choice, not a planted link.
 */
static enum decision check_path_as(const struct filters *f, const struct host_path *hp,
				   bool vouched, bool *allowed_out, bool *protected_out,
				   struct verdict *v)
{
	char raw[PATH_BUF], clean[PATH_BUF + 2];
	size_t n = hp->path.len;

	if (n + 2 > sizeof(raw))
		return refuse(v, "host path too long");
	size_t off = 0;
	if (hp->path.p[0] != '/')
		raw[off++] = '/';
	memcpy(raw + off, hp->path.p, n);
	n += off;
	size_t cn = path_clean(raw, n, clean, sizeof(clean));
	if (cn == (size_t)-1)
		return refuse(v, "host path too long");
	if (memchr(clean, '\0', cn))
		return refuse(v, "NUL byte in a host path");
	if (!pattern_input_ok(clean, cn))
		return refuse(v, "host path too long");

	const char *denied_key = "DKRPRX__VOLUMES__DENIED_PATHS";
	const char *allowed_key = "DKRPRX__VOLUMES__ALLOWED_PATHS";
	if (pattern_list_match(&f->vol_denied_paths, clean, cn))
		return verdict_deny(v, 403, denied_key, "sockwall: host path %.100s is denied by %s", clean,
			    denied_key);
	bool allowed = pattern_list_match(&f->vol_allowed_paths, clean, cn);
	bool protected_ = socket_path(f, clean, cn);
	const char *root = protected_ ? NULL : powers_root_path(clean, cn, hp->read_only);
	if (allowed_out)
		*allowed_out = allowed;
	if (protected_out)
		*protected_out = protected_ || root;
	allowed |= vouched;
	if (f->vol_allowed_paths.n && !allowed)
		return verdict_deny(v, 403, allowed_key, "sockwall: host path %.100s is not allowed by %s",
			    clean, allowed_key);
	if (!f->defaults || allowed || (!protected_ && !root))
		return DECISION_ALLOW;
	char quoted[128], why[96];
	regex_quote(clean, quoted, sizeof(quoted));
	if (protected_)
		snprintf(why, sizeof(why), "exposes the Docker socket or /proc");
	else
		snprintf(why, sizeof(why), "is root-equivalent (%s)", root);
	return verdict_deny(v, 403, protected_ ? "default:docker-socket" : "default:root-path",
			    "sockwall: host path %.100s %s; to allow it set %s=^%s$", clean, why,
			    allowed_key, quoted);
}

enum decision hostpath_judge(const struct filters *f, const struct host_path *hp,
			     struct verdict *v)
{
	return check_path_as(f, hp, false, NULL, NULL, v);
}

/* Spellings first, then the real paths they resolve to (see check_path_as). */
enum decision hostpath_judge_body(const struct filters *f, const struct body_facts *b,
				  struct verdict *v)
{
	bool vouched[INSPECT_MAX_ITEMS] = { false };

	for (size_t i = 0; i < b->n_paths; i++) {
		const struct host_path *hp = &b->paths[i];
		bool allowed = false, protected_ = false;
		if (hp->resolved) {
			bool by = hp->from < INSPECT_MAX_ITEMS && vouched[hp->from];
			if (check_path_as(f, hp, by, NULL, NULL, v) == DECISION_DENY)
				return DECISION_DENY;
			continue;
		}
		if (check_path_as(f, hp, false, &allowed, &protected_, v) == DECISION_DENY)
			return DECISION_DENY;
		vouched[i] = allowed && protected_;
	}
	return DECISION_ALLOW;
}
