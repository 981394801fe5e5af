/*
 * fuzz_request: http_parse_request on arbitrary bytes.
 *
 * Invariants:
 *  - the result is HTTP_INCOMPLETE, HTTP_MALFORMED (with error and a 4xx/5xx
 *    status) or a head length in (0, len];
 *  - an accepted head ends with the first "\r\n\r\n", holds no bare CR or
 *    LF, and is exactly: method SP target SP "HTTP/1.x" CRLF, then one
 *    header line per parsed header (name ":" OWS value OWS CRLF, the
 *    pointers at the right places, values free of CR/LF/NUL and of
 *    surrounding blanks), then CRLF;
 *  - framing is consistent: CHUNKED has one Transfer-Encoding: chunked and
 *    no Content-Length, LENGTH has exactly one Content-Length whose digits
 *    are content_length (> 0), NONE has no Transfer-Encoding and at most a
 *    Content-Length of 0; HTTP/1.1 has exactly one Host;
 *  - re-serialised canonically and parsed again, the request means the
 *    same: method, target, version, headers, body kind and length,
 *    keep-alive, upgrade, expect-continue, content type;
 *  - incremental consistency: the head alone parses the same, every proper
 *    prefix of an accepted (or incomplete) input is HTTP_INCOMPLETE.
 */
#include "fuzz.h"
#include "httpcheck.h"

#include "http.h"

/* The structure of an accepted head, checked against the raw bytes. */
static void check_head(const char *buf, size_t head, const struct http_request *r)
{
	check_head_lines(buf, head);

	/* request line */
	FUZZ_CHECK(r->method == buf && r->method_len > 0, "method does not start the head");
	for (size_t i = 0; i < r->method_len; i++)
		FUZZ_CHECK(is_tchar((unsigned char)r->method[i]), "non-token byte in method");
	FUZZ_CHECK(buf[r->method_len] == ' ', "method not followed by one SP");
	FUZZ_CHECK(r->target == buf + r->method_len + 1 && r->target_len > 0,
		   "target not right after the method");
	for (size_t i = 0; i < r->target_len; i++) {
		unsigned char c = (unsigned char)r->target[i];
		FUZZ_CHECK(c > 0x20 && c < 0x7f, "byte %02x in target", c);
	}
	size_t p = r->method_len + 1 + r->target_len;
	FUZZ_CHECK(r->minor_version == 0 || r->minor_version == 1, "minor version %d",
		   r->minor_version);
	char ver[12];
	snprintf(ver, sizeof(ver), " HTTP/1.%d\r\n", r->minor_version);
	FUZZ_CHECK(p + 11 <= head && memcmp(buf + p, ver, 11) == 0,
		   "request line is not 'method SP target SP HTTP/1.x CRLF'");
	p += 11;

	check_header_lines(buf, head, p, r->headers, r->num_headers);
}

static void check_framing(const struct http_request *r)
{
	size_t cl = 0, te = 0, host = 0, ct = 0;
	const struct http_header *clh = NULL, *ctype = NULL;

	for (size_t i = 0; i < r->num_headers; i++) {
		const struct http_header *h = &r->headers[i];
		if (ieq(h->name, h->name_len, "content-length")) {
			cl++;
			clh = h;
		} else if (ieq(h->name, h->name_len, "transfer-encoding")) {
			te++;
			FUZZ_CHECK(ieq(h->value, h->value_len, "chunked"),
				   "Transfer-Encoding other than chunked accepted");
		} else if (ieq(h->name, h->name_len, "host")) {
			host++;
		} else if (ieq(h->name, h->name_len, "content-type")) {
			ct++;
			ctype = h;
		}
	}
	FUZZ_CHECK(cl <= 1, "%zu Content-Length headers accepted", cl);
	FUZZ_CHECK(te <= 1, "%zu Transfer-Encoding headers accepted", te);
	FUZZ_CHECK(!(cl && te), "Content-Length with Transfer-Encoding accepted");
	FUZZ_CHECK(r->minor_version == 0 ? host <= 1 : host == 1, "%zu Host headers in HTTP/1.%d",
		   host, r->minor_version);
	FUZZ_CHECK(!(te && r->minor_version == 0), "Transfer-Encoding in HTTP/1.0 accepted");
	FUZZ_CHECK(ct <= 1, "%zu Content-Type headers", ct);
	if (ctype)
		FUZZ_CHECK(r->content_type == ctype->value && r->content_type_len == ctype->value_len,
			   "content_type is not the Content-Type header");
	else
		FUZZ_CHECK(r->content_type == NULL, "content_type without a Content-Type header");

	uint64_t v = 0;
	if (clh) {
		FUZZ_CHECK(clh->value_len > 0 && clh->value_len <= 18,
			   "Content-Length of %zu digits accepted", clh->value_len);
		for (size_t i = 0; i < clh->value_len; i++) {
			FUZZ_CHECK(clh->value[i] >= '0' && clh->value[i] <= '9',
				   "non-digit in an accepted Content-Length");
			v = v * 10 + (uint64_t)(clh->value[i] - '0');
		}
	}
	switch (r->body) {
	case HTTP_BODY_CHUNKED:
		FUZZ_CHECK(te == 1 && cl == 0, "CHUNKED without exactly Transfer-Encoding: chunked");
		break;
	case HTTP_BODY_LENGTH:
		FUZZ_CHECK(cl == 1 && te == 0, "LENGTH without exactly one Content-Length");
		FUZZ_CHECK(r->content_length == v && v > 0,
			   "content_length %llu, header says %llu",
			   (unsigned long long)r->content_length, (unsigned long long)v);
		break;
	case HTTP_BODY_NONE:
		FUZZ_CHECK(te == 0 && (cl == 0 || v == 0), "NONE but the headers declare a body");
		FUZZ_CHECK(r->content_length == 0, "NONE with content_length %llu",
			   (unsigned long long)r->content_length);
		break;
	default:
		fuzz_fail("request body kind %d", (int)r->body);
	}
}

/* method SP target SP HTTP/1.x CRLF, name ": " value CRLF..., CRLF */
static char *serialise(const struct http_request *r, size_t *len)
{
	size_t n = r->method_len + 1 + r->target_len + 11 + 2;

	for (size_t i = 0; i < r->num_headers; i++)
		n += r->headers[i].name_len + 2 + r->headers[i].value_len + 2;
	char *out = malloc(n), *w = out;
	if (!out)
		abort();
	memcpy(w, r->method, r->method_len);
	w += r->method_len;
	*w++ = ' ';
	memcpy(w, r->target, r->target_len);
	w += r->target_len;
	memcpy(w, " HTTP/1.", 8);
	w += 8;
	*w++ = (char)('0' + r->minor_version);
	*w++ = '\r';
	*w++ = '\n';
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

static void check_same(const struct http_request *a, const struct http_request *b,
		       const char *what)
{
	FUZZ_CHECK(same(a->method, a->method_len, b->method, b->method_len), "%s: method differs",
		   what);
	FUZZ_CHECK(same(a->target, a->target_len, b->target, b->target_len), "%s: target differs",
		   what);
	FUZZ_CHECK(a->minor_version == b->minor_version, "%s: version differs", what);
	FUZZ_CHECK(a->num_headers == b->num_headers, "%s: %zu headers, then %zu", what,
		   a->num_headers, b->num_headers);
	for (size_t i = 0; i < a->num_headers; i++) {
		const struct http_header *x = &a->headers[i], *y = &b->headers[i];
		FUZZ_CHECK(same(x->name, x->name_len, y->name, y->name_len),
			   "%s: header %zu name differs", what, i);
		FUZZ_CHECK(same(x->value, x->value_len, y->value, y->value_len),
			   "%s: header %zu value differs", what, i);
	}
	FUZZ_CHECK(a->body == b->body, "%s: body kind %d, then %d", what, (int)a->body,
		   (int)b->body);
	FUZZ_CHECK(a->content_length == b->content_length, "%s: content_length differs", what);
	FUZZ_CHECK(a->keep_alive == b->keep_alive, "%s: keep_alive differs", what);
	FUZZ_CHECK(a->upgrade == b->upgrade, "%s: upgrade differs", what);
	FUZZ_CHECK(a->expect_continue == b->expect_continue, "%s: expect_continue differs", what);
	FUZZ_CHECK((a->content_type == NULL) == (b->content_type == NULL) &&
			   (!a->content_type || same(a->content_type, a->content_type_len,
						     b->content_type, b->content_type_len)),
		   "%s: content type differs", what);
}

static int parse_copy(const char *buf, size_t len, struct http_request *r)
{
	/* an exact-size copy: a read past len is an ASan report */
	char *c = fuzz_dup(buf, len);
	int rc = http_parse_request(c, len, r);
	free(c);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	static struct http_request req, again;

	fuzz_begin(data, size);
	int rc = http_parse_request(buf, size, &req);

	FUZZ_CHECK(rc == HTTP_INCOMPLETE || rc == HTTP_MALFORMED || (rc > 0 && (size_t)rc <= size),
		   "http_parse_request returned %d for %zu bytes", rc, size);
	if (rc == HTTP_MALFORMED) {
		FUZZ_CHECK(req.error != NULL && req.error[0] != '\0', "MALFORMED without an error");
		FUZZ_CHECK(req.error_status >= 400 && req.error_status <= 599,
			   "MALFORMED with status %d", req.error_status);
		return 0;
	}

	/* prefixes of a request that is not malformed are incomplete */
	size_t head = rc > 0 ? (size_t)rc : size;
	size_t cuts[8] = { 0, 1, head / 2, head / 3, head - (head > 0), head - (head > 1),
			   head - (head > 2), head - (head > 3) };
	if (size >= 2)
		cuts[0] = ((size_t)data[0] << 8 | data[1]) % (head ? head : 1);
	for (size_t i = 0; i < 8; i++) {
		if (cuts[i] >= head)
			continue;
		int prc = http_parse_request(buf, cuts[i], &again);
		FUZZ_CHECK(prc == HTTP_INCOMPLETE,
			   "prefix of %zu bytes gives %d (%s), the whole %zu bytes give %d", cuts[i],
			   prc, prc == HTTP_MALFORMED ? again.error : "-", size, rc);
	}
	if (rc == HTTP_INCOMPLETE)
		return 0;

	FUZZ_CHECK(req.error == NULL, "accepted with error \"%s\"", req.error);
	check_head(buf, head, &req);
	check_framing(&req);

	/* the head alone parses the same (and reads nothing past it) */
	FUZZ_CHECK(http_parse_request(buf, head, &again) == rc, "the head alone parses differently");
	check_same(&req, &again, "head alone");
	FUZZ_CHECK(parse_copy(buf, head, &again) == rc, "the head alone parses differently");

	size_t slen;
	char *s = serialise(&req, &slen);
	int src = http_parse_request(s, slen, &again);
	if (src != (int)slen) {
		fprintf(stderr, "re-serialised: %.*s\n", (int)slen, s);
		fuzz_fail("re-serialised request parses to %d (%s), not %zu", src,
			  src == HTTP_MALFORMED ? again.error : "-", slen);
	}
	check_same(&req, &again, "re-serialised");
	check_head(s, slen, &again);
	free(s);
	return 0;
}
