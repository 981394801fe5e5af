#include "relay.h"

#include <string.h>

void relay_start(struct relay_body *r, enum http_body kind, uint64_t length)
{
	r->kind = kind;
	r->remaining = length;
	memset(&r->chunk, 0, sizeof(r->chunk));
}

enum relay_result relay_body(struct relay_body *r, struct buf *b, size_t *took)
{
	size_t avail = buf_unexamined(b);

	switch (r->kind) {
	case HTTP_BODY_LENGTH:
		*took = avail < r->remaining ? avail : (size_t)r->remaining;
		r->remaining -= *took;
		b->fwd += *took;
		return r->remaining == 0 ? RELAY_DONE : RELAY_MORE;
	case HTTP_BODY_CHUNKED: {
		ssize_t used = http_chunked_scan(&r->chunk, b->data + b->start + b->fwd, avail);
		*took = 0;
		if (used < 0)
			return RELAY_MALFORMED;
		*took = (size_t)used;
		b->fwd += *took;
		return r->chunk.done ? RELAY_DONE : RELAY_MORE;
	}
	case HTTP_BODY_CLOSE:
	case HTTP_BODY_NONE:
		break;
	}
	*took = avail;
	b->fwd += avail;
	return RELAY_MORE;
}
