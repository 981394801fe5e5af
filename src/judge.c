#include "judge.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "redact.h"

static bool is_hijackable(const struct route_match *m)
{
	if (!m->def)
		return false;
	switch (m->def->action) {
	case ACT_CONTAINER_ATTACH:
	case ACT_CONTAINER_ATTACH_WS:
	case ACT_EXEC_START:
		return true;
	default:
		return m->def->section == SEC_SESSION || m->def->section == SEC_GRPC;
	}
}

/* The reads whose answers carry other containers' Env values. */
static int redact_kind(const struct route_match *m)
{
	static const struct {
		const char *pattern;
		enum redact_kind kind;
	} reads[] = {
		{ "/containers/{name:.*}/json", REDACT_CONTAINER },
		{ "/libpod/containers/{name}/json", REDACT_CONTAINER },
		{ "/services", REDACT_SERVICE },
		{ "/services/{id}", REDACT_SERVICE },
		{ "/tasks", REDACT_TASK },
		{ "/tasks/{id}", REDACT_TASK },
		{ "/plugins", REDACT_PLUGIN },
		{ "/plugins/{name:.*}/json", REDACT_PLUGIN },
	};

	if (!m->def || strcmp(m->def->method, "GET") != 0)
		return 0;
	for (size_t i = 0; i < sizeof(reads) / sizeof(*reads); i++)
		if (strcmp(m->def->pattern, reads[i].pattern) == 0)
			return 1 + (int)reads[i].kind;
	return 0;
}

static bool is_form(const char *ct, size_t len)
{
	/* Media types compare case-insensitively, parameters aside. */
	size_t n = 0;

	while (n < len && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t')
		n++;
	return ct && (http_token_eq(ct, n, "application/x-www-form-urlencoded") ||
		      http_token_eq(ct, n, "multipart/form-data"));
}

int judge_head(const struct acl *acl, const struct filters *f, bool health_only,
	       const struct http_request *req, struct route_match *m,
	       struct head_judgement *j, const char **why)
{
	memset(j, 0, sizeof(*j));
	if (route_resolve(req->method, req->method_len, req->target, req->target_len, m, why) < 0)
		return -1;
	policy_judge(acl, req->method, req->method_len, m, &j->toggles);
	if (health_only && (!m->def || m->def->section != SEC_PING))
		verdict_deny(&j->toggles, 403, "health-channel",
			     "sockwall: the health channel serves /_ping only");
	if (is_form(req->content_type, req->content_type_len))
		j->refusal = "sockwall: form bodies are refused: dockerd would read their fields "
			     "ahead of the query string";
	j->hijackable = is_hijackable(m);
	if (f->redact_env)
		j->redact = redact_kind(m);
	j->filtered = m->def && filter_applies(f, m->def->action);
	j->wants_body = j->filtered && inspect_wants_body(m->def->action) &&
			req->body != HTTP_BODY_NONE;
	return 0;
}

/*
 * Each host path whose real path differs is judged a second time by its
 * real path.  (Only a view at request time: a link planted between this
 * check and the container's start is not seen, see docs/protections.md.)  Returns the
 * buffer the added paths live in, for the caller to free.
 */
static char *add_resolved_paths(struct body_facts *facts)
{
	size_t n = facts->n_paths;
	char *store = malloc(n * PATH_MAX);

	if (!store)
		return NULL;
	for (size_t i = 0; i < n && facts->n_paths < INSPECT_MAX_ITEMS; i++) {
		const struct host_path *hp = &facts->paths[i];
		char path[PATH_MAX], *real = store + i * PATH_MAX;
		size_t len = hp->path.len;

		if (len == 0 || len + 2 > sizeof(path) || memchr(hp->path.p, '\0', len))
			continue;
		size_t off = hp->path.p[0] == '/' ? 0 : 1;
		path[0] = '/';
		memcpy(path + off, hp->path.p, len);
		path[len + off] = '\0';
		/* A missing tail is created by dockerd under the deepest existing parent. */
		char *end = path + len + off, *cut = end;
		bool found = false;
		for (;;) {
			if (realpath(path, real)) {
				found = true;
				break;
			}
			char *slash = strrchr(path, '/');
			if (errno != ENOENT || !slash || slash == path)
				break;
			if (cut != end)
				*cut = '/';
			cut = slash;
			*slash = '\0';
		}
		if (!found || real[0] != '/')
			continue;
		size_t rlen = strlen(real);
		if (cut != end) {
			*cut = '/';
			if (rlen + strlen(cut) >= PATH_MAX)
				continue;
			strcpy(real + rlen, cut);
			rlen += strlen(cut);
		}
		if (rlen == len && memcmp(real, hp->path.p, len) == 0)
			continue;
		facts->paths[facts->n_paths++] = (struct host_path){
			.path = { real, rlen }, .origin = hp->origin, .read_only = hp->read_only,
			.resolved = true, .from = i
		};
	}
	return store;
}

enum decision judge_body(const struct acl *acl, const struct filters *f,
			 const struct route_match *m, const char *body, size_t len,
			 char *scratch, size_t scratch_len, bool real_paths,
			 struct body_judgement *j)
{
	struct body_facts facts;
	const char *why;

	memset(&facts, 0, sizeof(facts));
	j->malformed = false;
	j->refs.n = 0;
	if (body && inspect_body(m->def->action, body, len, scratch, scratch_len, &facts,
				 &why) < 0) {
		verdict_deny(&j->v, 400, "inspect", "sockwall: refused request body: %s", why);
		snprintf(j->why, sizeof(j->why), "%s", why); /* why may live in facts */
		j->reason = j->why;
		j->malformed = true;
		return DECISION_DENY;
	}
	char *resolved = real_paths && facts.n_paths ? add_resolved_paths(&facts) : NULL;
	filter_judge(f, acl, m, &facts, &j->refs, &j->v);
	free(resolved);
	j->reason = j->v.rule;
	return j->v.decision;
}
