/*
 * fuzz_response: http_parse_response on arbitrary bytes, as the answer to
 * a GET and to a HEAD.
 *
 * Invariants:
 *  - the result is HTTP_INCOMPLETE, HTTP_MALFORMED (with error) or a head
 *    length in (0, len], the same for GET and HEAD;
 *  - an accepted head ends with the first "\r\n\r\n", holds no bare CR or
 *    LF, starts "HTTP/1.x SSS" (then CRLF or SP reason), status 100..599,
 *    and has one header line per parsed header with the pointers in place
 *    and values free of CR/LF/NUL and of surrounding blanks;
 *  - framing: a HEAD answer, 1xx, 204 and 304 have no body; otherwise
 *    CHUNKED has one Transfer-Encoding: chunked and no Content-Length,
 *    LENGTH exactly one Content-Length equal to content_length (> 0),
 *    CLOSE neither header and keep_alive false, NONE a Content-Length: 0;
 *  - re-serialised (status line without reason) it parses to the same
 *    status, version, headers, body kind, length and keep-alive;
 *  - every proper prefix of an accepted (or incomplete) input is
 *    HTTP_INCOMPLETE, and the head alone parses the same.
 */
#include "fuzz.h"
#include "httpcheck.h"

#include "http.h"

static void check_head(const char *buf, size_t head, const struct http_response *r)
{
	check_head_lines(buf, head);

	char line[16];
	FUZZ_CHECK(r->minor_version == 0 || r->minor_version == 1, "minor version %d",
		   r->minor_version);
	FUZZ_CHECK(r->status >= 100 && r->status <= 599, "status %d", r->status);
	snprintf(line, sizeof(line), "HTTP/1.%d %03d", r->minor_version, r->status);
	FUZZ_CHECK(memcmp(buf, line, 12) == 0, "status line does not start \"%s\"", line);
	FUZZ_CHECK(buf[12] == '\r' || buf[12] == ' ', "status code not followed by CR or SP");
	size_t p = (size_t)((const char *)memchr(buf, '\r', head) - buf) + 2;

	check_header_lines(buf, head, p, r->headers, r->num_headers);
}

static void check_framing(const struct http_response *r, int was_head)
{
	size_t cl = 0, te = 0;
	const struct http_header *clh = NULL;
	uint64_t v = 0;

	for (size_t i = 0; i < r->num_headers; i++) {
		const struct http_header *h = &r->headers[i];
		if (ieq(h->name, h->name_len, "content-length")) {
			cl++;
			clh = h;
		} else if (ieq(h->name, h->name_len, "transfer-encoding")) {
			te++;
			FUZZ_CHECK(ieq(h->value, h->value_len, "chunked"),
				   "Transfer-Encoding other than chunked accepted");
		}
	}
	FUZZ_CHECK(cl <= 1 && te <= 1 && !(cl && te), "ambiguous framing accepted (CL %zu, TE %zu)",
		   cl, te);
	if (clh) {
		FUZZ_CHECK(clh->value_len > 0 && clh->value_len <= 18, "Content-Length of %zu digits",
			   clh->value_len);
		for (size_t i = 0; i < clh->value_len; i++) {
			FUZZ_CHECK(clh->value[i] >= '0' && clh->value[i] <= '9',
				   "non-digit in an accepted Content-Length");
			v = v * 10 + (uint64_t)(clh->value[i] - '0');
		}
	}
	int bodiless = was_head || r->status < 200 || r->status == 204 || r->status == 304;
	switch (r->body) {
	case HTTP_BODY_NONE:
		FUZZ_CHECK(bodiless || (cl == 1 && v == 0), "NONE for a response that has a body");
		break;
	case HTTP_BODY_CHUNKED:
		FUZZ_CHECK(!bodiless && te == 1 && cl == 0, "CHUNKED without Transfer-Encoding");
		break;
	case HTTP_BODY_LENGTH:
		FUZZ_CHECK(!bodiless && cl == 1 && te == 0 && r->content_length == v && v > 0,
			   "LENGTH %llu, Content-Length %llu", (unsigned long long)r->content_length,
			   (unsigned long long)v);
		break;
	case HTTP_BODY_CLOSE:
		FUZZ_CHECK(!bodiless && cl == 0 && te == 0, "CLOSE with a framing header");
		FUZZ_CHECK(!r->keep_alive, "CLOSE but keep_alive");
		break;
	default:
		fuzz_fail("response body kind %d", (int)r->body);
	}
	if (r->body != HTTP_BODY_LENGTH)
		FUZZ_CHECK(r->content_length == 0 || r->body == HTTP_BODY_NONE,
			   "content_length %llu with body kind %d",
			   (unsigned long long)r->content_length, (int)r->body);
}

static char *serialise(const struct http_response *r, size_t *len)
{
	size_t n = 12 + 2 + 2;

	for (size_t i = 0; i < r->num_headers; i++)
		n += r->headers[i].name_len + 2 + r->headers[i].value_len + 2;
	char *out = malloc(n + 1), *w = out;
	if (!out)
		abort();
	w += snprintf(w, 16, "HTTP/1.%d %03d\r\n", r->minor_version, r->status);
	for (size_t i = 0; i < r->num_headers; i++) {
		const struct http_header *h = &r->headers[i];
		memcpy(w, h->name, h->name_len);
		w += h->name_len;
		*w++ = ':';
		*w++ = ' ';
		memcpy(w, h->value, h->value_len);
		w += h->value_len;
		*w++ = '\r';
		*w++ = '\n';
	}
	*w++ = '\r';
	*w++ = '\n';
	*len = (size_t)(w - out);
	return out;
}

static void check_same(const struct http_response *a, const struct http_response *b,
		       const char *what)
{
	FUZZ_CHECK(a->status == b->status, "%s: status %d, then %d", what, a->status, b->status);
	FUZZ_CHECK(a->minor_version == b->minor_version, "%s: version differs", what);
	FUZZ_CHECK(a->num_headers == b->num_headers, "%s: header count differs", what);
	for (size_t i = 0; i < a->num_headers; i++) {
		const struct http_header *x = &a->headers[i], *y = &b->headers[i];
		FUZZ_CHECK(same(x->name, x->name_len, y->name, y->name_len) &&
				   same(x->value, x->value_len, y->value, y->value_len),
			   "%s: header %zu differs", what, i);
	}
	FUZZ_CHECK(a->body == b->body && a->content_length == b->content_length,
		   "%s: framing differs", what);
	FUZZ_CHECK(a->keep_alive == b->keep_alive, "%s: keep_alive differs", what);
	FUZZ_CHECK((a->content_type == NULL) == (b->content_type == NULL) &&
			   (!a->content_type || same(a->content_type, a->content_type_len,
						     b->content_type, b->content_type_len)),
		   "%s: content type differs", what);
}

static void one(const char *buf, size_t size, int was_head, int *out_rc)
{
	static struct http_response resp, again;
	int rc = http_parse_response(buf, size, was_head, &resp);

	*out_rc = rc;
	FUZZ_CHECK(rc == HTTP_INCOMPLETE || rc == HTTP_MALFORMED || (rc > 0 && (size_t)rc <= size),
		   "http_parse_response returned %d for %zu bytes", rc, size);
	if (rc == HTTP_MALFORMED) {
		FUZZ_CHECK(resp.error != NULL && resp.error[0] != '\0', "MALFORMED without an error");
		return;
	}
	size_t head = rc > 0 ? (size_t)rc : size;
	size_t cuts[6] = { 1, head / 2, head - (head > 0), head - (head > 1), head - (head > 2), 0 };
	if (size >= 2)
		cuts[5] = ((size_t)(unsigned char)buf[size - 1] << 8 | (unsigned char)buf[size - 2]) %
			  (head ? head : 1);
	for (size_t i = 0; i < 6; i++) {
		if (cuts[i] >= head)
			continue;
		int prc = http_parse_response(buf, cuts[i], was_head, &again);
		FUZZ_CHECK(prc == HTTP_INCOMPLETE, "prefix of %zu bytes gives %d, the whole gives %d",
			   cuts[i], prc, rc);
	}
	if (rc == HTTP_INCOMPLETE)
		return;

	FUZZ_CHECK(resp.error == NULL, "accepted with error \"%s\"", resp.error);
	check_head(buf, head, &resp);
	check_framing(&resp, was_head);

	char *copy = fuzz_dup(buf, head);
	FUZZ_CHECK(http_parse_response(copy, head, was_head, &again) == rc,
		   "the head alone parses differently");
	check_same(&resp, &again, "head alone");
	free(copy);

	size_t slen;
	char *s = serialise(&resp, &slen);
	int src = http_parse_response(s, slen, was_head, &again);
	FUZZ_CHECK(src == (int)slen, "re-serialised response parses to %d (%s), not %zu", src,
		   src == HTTP_MALFORMED ? again.error : "-", slen);
	check_same(&resp, &again, "re-serialised");
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int rc_get, rc_head;

	fuzz_begin(data, size);
	one((const char *)data, size, 0, &rc_get);
	one((const char *)data, size, 1, &rc_head);
	FUZZ_CHECK(rc_get == rc_head, "GET gives %d, HEAD gives %d", rc_get, rc_head);
	return 0;
}
