/*
 * judge: one request in, one judgement out.  The proxy (conn_request.c) and
 * `sockwall --explain` (main.c) call these same functions, so what
 * --explain prints is what the proxy does.
 *
 *   judge_head  the head: route, access table (and the health channel),
 *               form bodies, whether the filters must see the body;
 *   judge_body  the body, read as dockerd will (NULL when none is held),
 *               and the filters: a verdict and the references only
 *               dockerd can resolve (then filter_judge_refs decides).
 *
 * Pure but for one thing the caller chooses: real_paths makes judge_body
 * resolve each host path with realpath(3) and judge its real path too (a
 * symlink planted in a bindable directory must not lead to the socket).
 * That is only true of paths sockwall sees as dockerd does, i.e. when it
 * runs on the host, not in a container (daemon_self_id finds no ID).
 * I/O (holding the body, audit mode, the lookups, the answer) stays with
 * the caller.
 */
#ifndef SOCKWALL_JUDGE_H
#define SOCKWALL_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "filter.h"
#include "http.h"
#include "policy.h"
#include "route.h"

struct head_judgement {
	/* the access table's verdict, or the health channel's refusal; audit
	 * mode (SOCKWALL_MODE=audit) may let a deny through */
	struct verdict toggles;
	/* not NULL: refused 400 whatever the mode, with this message */
	const char *refusal;
	bool filtered;   /* filter_judge has work: judge_body follows */
	bool wants_body; /* ... and reads the body, to be held whole first */
	bool hijackable; /* the route may turn into a tunnel */
	/* 0, or 1 + an enum redact_kind: a 200 answer is held whole and the
	 * values of its Env lists hidden (DKRPRX__CONTAINERS__REDACT_ENV) */
	int redact;
};

/*
 * Only req's method, target, content type and body kind are read.
 * health_only: the TLS-only health channel (GET/HEAD /_ping only).
 * Returns -1 when the target is refused (400, *why says why), else 0 with
 * *m (the route: scratch for this request) and *j filled.
 */
int judge_head(const struct acl *acl, const struct filters *f, bool health_only,
	       const struct http_request *req, struct route_match *m,
	       struct head_judgement *j, const char **why);

struct body_judgement {
	/* deny: status (400 for a body dockerd would misread), rule, message */
	struct verdict v;
	const char *reason;    /* the log's reason: the rule, or what was malformed */
	bool malformed;        /* refused because the body cannot be read safely */
	struct filter_refs refs; /* allow: ask dockerd about these first */
	char why[INSPECT_WHY_MAX]; /* what reason points to when malformed */
};

/*
 * body, len: the request body, dechunked; NULL when none was held.
 * scratch (at least len bytes): the strings inspect_body decodes.
 * Returns j->v.decision.
 */
enum decision judge_body(const struct acl *acl, const struct filters *f,
			 const struct route_match *m, const char *body, size_t len,
			 char *scratch, size_t scratch_len, bool real_paths,
			 struct body_judgement *j);

#endif
