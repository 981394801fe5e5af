/*
 * lookup: the questions a request needs dockerd to answer before it is
 * judged (filter_judge's references), asked one at a time, each on a
 * connection of its own (HTTP/1.0, read to EOF), as a small non-blocking
 * machine.  It returns raw facts (answers[i] for refs.refs[i], see
 * daemon_parse_answer) for filter_judge_refs; the caller watches the fd:
 *   lookup_start / lookup_next: WANT_WRITE (watch the new fd), DONE or FAILED;
 *   lookup_step: WANT_WRITE / WANT_READ (wait), ANSWERED (take fd off the
 *   loop, lookup_close, then lookup_next) or FAILED (with *why, for the client).
 */
#ifndef SOCKWALL_LOOKUP_H
#define SOCKWALL_LOOKUP_H

#include <stddef.h>

#include "filter.h"

enum lookup_state { LOOKUP_WANT_WRITE, LOOKUP_WANT_READ, LOOKUP_ANSWERED, LOOKUP_DONE,
		    LOOKUP_FAILED };

struct lookup {
	struct filter_refs refs; /* grows as answers name more to ask about */
	struct ref_answer answers[FILTER_MAX_REFS];
	size_t next; /* the reference being asked about */
	const char *socket_path, *self_id;
	int fd; /* -1 between questions */
	char req[512];
	size_t req_len, req_sent;
	char *resp; /* kept from one question to the next */
	size_t resp_len, resp_cap;
};

/* self_id: the proxy's own container ID, or "". */
enum lookup_state lookup_start(struct lookup *l, const struct filter_refs *refs,
			       const char *socket_path, const char *self_id, const char **why);
enum lookup_state lookup_step(struct lookup *l, const char **why);
enum lookup_state lookup_next(struct lookup *l, const char **why);

/* Closes the question's descriptor (already off the loop). */
void lookup_close(struct lookup *l);
/* And frees the answer's buffer. */
void lookup_free(struct lookup *l);

#endif
