/*
 * debuglog: what LOG_LEVEL=debug adds for an operator asking "why was
 * this refused?": the route a request resolved to (in the API reference's
 * form), the policy that judged it and its verdict, each question put to
 * dockerd with dockerd's status and what the answer said, and the words a
 * refused client was sent.  One line each, through log_msg; nothing is
 * formatted below debug level.
 */
#ifndef SOCKWALL_DEBUGLOG_H
#define SOCKWALL_DEBUGLOG_H

#include <stddef.h>

#include "filter.h"
#include "policy.h"
#include "route.h"

/* After the toggles judged a request: route, policy, verdict. */
void debuglog_route(const char *policy, const char *method, size_t method_len,
		    const struct route_match *m, const struct verdict *v);

/* One lookup answered: req is the request sent to dockerd, resp its whole
 * answer; a is what was read from it when parsed >= 0. */
void debuglog_lookup(const struct container_ref *r, const char *req, size_t req_len,
		     const char *resp, size_t resp_len, int parsed, const struct ref_answer *a);

/* A refusal sockwall answers itself (status, and the client's message). */
void debuglog_refusal(int status, const char *message);

#endif
