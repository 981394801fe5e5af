/*
 * relay: where a message body ends, for either half of a connection (the
 * request's body towards dockerd, the response's towards the client).
 * Each call examines the bytes of a buffer not yet examined and clears
 * (b->fwd) those that belong to the body; it does no I/O.
 */
#ifndef SOCKWALL_RELAY_H
#define SOCKWALL_RELAY_H

#include <stdint.h>

#include "buf.h"
#include "http.h"

struct relay_body {
	enum http_body kind;
	uint64_t remaining; /* HTTP_BODY_LENGTH */
	struct http_chunked chunk;
};

enum relay_result { RELAY_MORE, RELAY_DONE, RELAY_MALFORMED };

/* A body of this kind (and Content-Length) starts. */
void relay_start(struct relay_body *r, enum http_body kind, uint64_t length);

/* Clears what of b belongs to the body (*took bytes); RELAY_DONE once it
 * has ended, RELAY_MALFORMED for broken chunked framing (nothing cleared).
 * A close-delimited body never ends here: its sender's EOF ends it. */
enum relay_result relay_body(struct relay_body *r, struct buf *b, size_t *took);

#endif
