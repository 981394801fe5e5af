/*
 * conn_hold: an answer that may carry other containers' secrets (inspect,
 * services, tasks, plugins under DKRPRX__CONTAINERS__REDACT_ENV) is held
 * whole, its Env values are hidden (redact.h), and it goes on with a
 * Content-Length of its own.  What cannot be held (over SOCKWALL_MAX_ANSWER)
 * or read is refused with 502: never passed on as dockerd wrote it.
 * Only these routes are held; every other answer streams as it comes.
 */
#include "conn_state.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "redact.h"

bool hold_begins(struct conn *c, size_t head_len)
{
	if (!c->redact || c->rs != RS_BODY)
		return false;
	/* The head waits with the body: nothing reaches the client yet. */
	c->out.fwd -= head_len;
	c->held_head = head_len;
	c->held_raw = 0;
	return true;
}

static enum step_act hold_refuse(struct conn *c, const char *why, struct step *st)
{
	close_upstream(c);
	c->rs = RS_NONE;
	c->rq = RQ_HEAD;
	c->in.fwd = 0;
	buf_drop(&c->srv->bufs, &c->in);
	buf_drop(&c->srv->bufs, &c->out);
	return step_answer(st, 502, true, "error", why,
			   "sockwall: the Docker daemon's answer was refused: %s; it may carry "
			   "secrets sockwall hides (DKRPRX__CONTAINERS__REDACT_ENV)", why);
}

static bool header_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n && line[n] == ':' && strncasecmp(line, name, n) == 0;
}

/* dockerd's head with its framing replaced by Content-Length: body_len.
 * The parser accepted the head, so its lines end in LF (CRLF as a rule). */
static size_t reframe_head(const char *head, size_t len, size_t body_len, char *out)
{
	size_t o = 0, i = 0;

	while (i < len) {
		const char *nl = memchr(head + i, '\n', len - i);
		size_t line = nl ? (size_t)(nl - (head + i)) + 1 : len - i;
		size_t text = line - 1 - (line >= 2 && head[i + line - 2] == '\r');
		if (text == 0)
			break; /* the empty line that ends the head */
		if (!header_is(head + i, text, "Content-Length") &&
		    !header_is(head + i, text, "Transfer-Encoding")) {
			memcpy(out + o, head + i, line);
			o += line;
		}
		i += line;
	}
	return o + (size_t)sprintf(out + o, "Content-Length: %zu\r\n\r\n", body_len);
}

/* The rewritten answer into out, in place of dockerd's; NULL or why not. */
static const char *rewrite(struct conn *c, const char *body, size_t body_len)
{
	struct buf_pools *bp = &c->srv->bufs;
	struct buf *out = &c->out;
	enum redact_kind kind = (enum redact_kind)(c->redact - 1);
	size_t need = 0, cap;
	bool pooled;

	const char *why = redact_env(kind, body, body_len, NULL, 0, &need);
	if (why && need == 0)
		return why;
	/* room for the head, its new Content-Length line and the answer */
	char *next = buf_scratch_get(bp, c->held_head + 40 + need, &cap, &pooled);
	if (!next)
		return "out of memory";
	size_t hl = reframe_head(out->data + out->start, c->held_head, need, next);
	why = redact_env(kind, body, body_len, next + hl, cap - hl, &need);
	if (!why && !buf_grow(bp, out, hl + need))
		why = "out of memory";
	if (!why) {
		memcpy(out->data, next, hl + need); /* buf_grow moved the data to the front */
		out->end = hl + need;
		out->fwd = hl + need;
	}
	buf_scratch_put(bp, next, pooled);
	return why;
}

/* The whole answer is in out: the rewritten one takes its place. */
static enum step_act hold_done(struct conn *c, struct step *st)
{
	struct buf_pools *bp = &c->srv->bufs;
	struct buf *out = &c->out;
	const char *body = out->data + out->start + c->held_head;
	size_t body_len = c->held_raw, cap;
	char *decoded = NULL;
	bool pooled = false;

	if (buf_used(out) > c->held_head + c->held_raw)
		c->rs_keep_alive = false; /* bytes after the answer: this upstream is spent */
	if (c->rs_body.kind == HTTP_BODY_CHUNKED) {
		decoded = buf_scratch_get(bp, body_len, &cap, &pooled);
		if (!decoded)
			return hold_refuse(c, "out of memory", st);
		body_len = http_chunked_decode(body, body_len, decoded);
		body = decoded;
	}
	const char *why = rewrite(c, body, body_len);
	if (decoded)
		buf_scratch_put(bp, decoded, pooled);
	if (why)
		return hold_refuse(c, why, st);
	c->rs = RS_DONE;
	return STEP_MOVED;
}

enum step_act hold_step(struct conn *c, struct step *st)
{
	struct buf *out = &c->out;
	/* Examine what came after the part seen, without clearing it to be sent. */
	struct buf view = *out;
	size_t took;

	view.fwd = c->held_head + c->held_raw;
	enum relay_result r = relay_body(&c->rs_body, &view, &took);
	if (r == RELAY_MALFORMED)
		return hold_refuse(c, "malformed chunked framing", st);
	c->held_raw += took;
	if (r == RELAY_DONE ||
	    (c->rs_body.kind == HTTP_BODY_CLOSE && c->upstream.eof && !buf_unexamined(&view)))
		return hold_done(c, st);
	if (c->upstream.eof && !buf_unexamined(&view))
		return hold_refuse(c, "it was cut short", st);
	size_t max = c->srv->cfg->max_answer;
	if (c->held_raw > max)
		return hold_refuse(c, "it is larger than SOCKWALL_MAX_ANSWER", st);
	if (buf_used(out) < out->cap || took > 0)
		return took > 0 ? STEP_MOVED : STEP_IDLE;
	/* Full: room for what is left of the largest answer held, and a read more. */
	size_t limit = c->held_head + max + BUF_SIZE;
	size_t want = out->cap * 2 < limit ? out->cap * 2 : limit;
	if (want <= out->cap || !buf_grow(&c->srv->bufs, out, want))
		return hold_refuse(c, "out of memory", st);
	return STEP_MOVED;
}
